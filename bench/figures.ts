// Writes benchmark figures into docs/figures.md, the one place they are stated: each bench (or part of one) replaces
// only its own section, between `<!-- figures:<name> -->` and `<!-- /figures:<name> -->`. BENCH_WRITE=0 prints only.
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import { join } from 'node:path';

export const FIGURES_FILE = join(__dirname, '..', 'docs', 'figures.md');

export interface Figure {
  figure: string;
  measured: string;
  /** The goal it is held to, or '—'. */
  target: string;
}

export interface FigureSection {
  /** Stable key of the section, e.g. "functions-overhead". */
  name: string;
  /** The heading the section gets when the file does not have it yet. */
  title: string;
  /** The command that measures it, e.g. "npm run bench:functions -- overhead". */
  command: string;
  figures: Figure[];
}

function escapeCell(text: string): string {
  return text.replace(/\|/g, '\\|');
}

/** Where and when: figures on a shared two-core machine mean little without the load it carried. */
export function machineLine(command: string, now = new Date()): string {
  const cpus = os.cpus();
  const load = os.loadavg()[0] ?? 0;
  return (
    `\`${command}\`, ${now.toISOString().slice(0, 10)}: Node ${process.version}, ${cpus.length} × ${cpus[0]?.model.trim() ?? 'CPU'}, ` +
    `${os.platform()}, load average ${load.toFixed(1)} at the end of the run.`
  );
}

function renderSection(section: FigureSection): string {
  const rows = section.figures.map((figure) => `| ${escapeCell(figure.figure)} | ${escapeCell(figure.measured)} | ${escapeCell(figure.target)} |`);
  return [
    `<!-- figures:${section.name} -->`,
    machineLine(section.command),
    '',
    '| Figure | Measured | Target |',
    '|---|---|---|',
    ...rows,
    `<!-- /figures:${section.name} -->`,
  ].join('\n');
}

/** The file's text with the section replaced, or appended under its title when the file does not have it. */
export function withSection(text: string, section: FigureSection): string {
  const start = `<!-- figures:${section.name} -->`;
  const end = `<!-- /figures:${section.name} -->`;
  const from = text.indexOf(start);
  const to = text.indexOf(end);
  if (from >= 0 && to > from) return text.slice(0, from) + renderSection(section) + text.slice(to + end.length);
  const separator = text === '' || text.endsWith('\n\n') ? '' : text.endsWith('\n') ? '\n' : '\n\n';
  return `${text}${separator}## ${section.title}\n\n${renderSection(section)}\n`;
}

/** Records the figures (which the bench has printed) in docs/figures.md, unless BENCH_WRITE=0. */
export function recordFigures(section: FigureSection): void {
  if (process.env.BENCH_WRITE === '0') return;
  const text = existsSync(FIGURES_FILE) ? readFileSync(FIGURES_FILE, 'utf8') : '';
  const temporary = `${FIGURES_FILE}.${process.pid}.tmp`;
  writeFileSync(temporary, withSection(text, section));
  renameSync(temporary, FIGURES_FILE);
  console.log(`recorded in docs/figures.md (${section.name})`);
}
