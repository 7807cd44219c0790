// Figures live in one place: docs/figures.md, written by the benches section by section; other documents link to it.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { FIGURES_FILE, withSection, type FigureSection } from '../../bench/figures';

const ROOT = join(__dirname, '..', '..');
const SECTIONS = ['emulator', 'functions-overhead', 'functions-latency', 'functions-cold', 'page-size', 'page-timing', 'mutation', 'deploy', 'recovery-codes'];

const section = (name: string, measured: string): FigureSection => ({
  name,
  title: `Title of ${name}`,
  command: `npm run bench:${name}`,
  figures: [{ figure: 'a | figure', measured, target: '≤ 1' }],
});

test('a bench replaces its own section and nothing else', () => {
  const before = `# Figures\n\nintro\n\n${withSection('', section('a', '1 ms'))}\n## B\n\n${withSection('', section('b', '2 ms'))}`;
  const after = withSection(before, section('a', '3 ms'));
  expect(after).toContain('| a \\| figure | 3 ms | ≤ 1 |');
  expect(after).not.toContain('| 1 ms |');
  expect(after).toContain('| a \\| figure | 2 ms | ≤ 1 |');
  expect(after.replace(/<!-- figures:a -->[\s\S]*<!-- \/figures:a -->/, '')).toBe(before.replace(/<!-- figures:a -->[\s\S]*<!-- \/figures:a -->/, ''));
});

test('a section the file does not have yet is added under its title', () => {
  const after = withSection('# Figures\n', section('new', '5 ms'));
  expect(after).toMatch(/^# Figures\n\n## Title of new\n\n<!-- figures:new -->\n`npm run bench:new`, \d{4}-\d\d-\d\d: Node v/);
});

test('docs/figures.md holds a measured table in every section', () => {
  const text = readFileSync(FIGURES_FILE, 'utf8');
  for (const name of SECTIONS) {
    const body = new RegExp(`<!-- figures:${name} -->([\\s\\S]*?)<!-- /figures:${name} -->`).exec(text)?.[1] ?? '';
    expect(`${name}:${body}`).toMatch(new RegExp(`^${name}:\\n\`npm run bench:.*\\n\\n\\| Figure \\| Measured \\| Target \\|\\n\\|---\\|---\\|---\\|\\n\\| `));
  }
});

test('no other document states a measured figure in a table: they link to docs/figures.md', () => {
  const documents = ['README.md', ...readdirSync(join(ROOT, 'docs')).filter((name) => name.endsWith('.md') && name !== 'figures.md').map((name) => `docs/${name}`)];
  const stated = documents.flatMap((file) =>
    readFileSync(join(ROOT, file), 'utf8')
      .split('\n')
      // Measurements, not limits: decimals or ranges with a unit ("3.4 ms", "9–27 ms"), or a rate.
      .filter((line) => line.startsWith('|') && /\d(\.\d+|–\d+) ?(ms|KiB|kB)\b|req\/s/.test(line))
      .map((line) => `${file}: ${line}`),
  );
  expect(stated).toEqual([]);
});
