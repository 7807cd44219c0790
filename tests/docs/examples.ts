// Finds the command examples in README.md and docs/*.md that are marked for testing, and readies them to run.
//
// The marker is the fence's info string, which Markdown renderers do not show: ```sh test marks a script that must
// exit 0; ```sh test server marks lines that each start a server, which must say it is listening (or exit 0, as
// --help does) and stop cleanly on SIGTERM. Before a run, `:3000` becomes the port of the stack the test started and
// every `--port <n>` in a server line becomes `--port 0`, so tests never need the documented ports to be free. The
// test runs each block in a scratch copy of the project (symlinks), with ENV_FILE naming the started stack's
// .env.local there (for `npm run token`) and EMULATOR_PORT=0.
import { readFileSync } from 'node:fs';

export type ExampleKind = 'script' | 'server';

export interface Example {
  /** Where the block starts, e.g. "README.md:53". */
  where: string;
  kind: ExampleKind;
  /** The block's text as the reader sees it (indentation of a list item removed). */
  code: string;
}

const FENCE = /^([ \t]*)(`{3,}|~{3,})(.*)$/;

/** A fenced block: where it starts, the words of its info string, and its text (a list item's indentation removed). */
export interface FencedBlock {
  where: string;
  words: string[];
  code: string;
}

export function fencedBlocks(markdown: string, file: string): FencedBlock[] {
  const blocks: FencedBlock[] = [];
  const lines = markdown.split('\n');
  for (let i = 0; i < lines.length; i += 1) {
    const open = FENCE.exec(lines[i] ?? '');
    if (open === null) continue;
    const [, indent = '', fence = '', info = ''] = open;
    const end = lines.findIndex((line, j) => j > i && line.trim().startsWith(fence) && line.trim().replace(/[`~]/g, '') === '');
    const close = end < 0 ? lines.length : end;
    const body = lines.slice(i + 1, close).map((line) => (line.startsWith(indent) ? line.slice(indent.length) : line));
    blocks.push({ where: `${file}:${i + 1}`, words: info.trim().split(/\s+/), code: body.join('\n') });
    i = close;
  }
  return blocks;
}

/** Every fenced block whose info string has the word `test`; `server` among the words makes it a server block. */
export function findExamples(markdown: string, file: string): Example[] {
  return fencedBlocks(markdown, file)
    .filter((block) => block.words.includes('test'))
    .map((block) => ({ where: block.where, kind: block.words.includes('server') ? 'server' : 'script', code: block.code }));
}

export function examplesIn(path: string, file: string): Example[] {
  return findExamples(readFileSync(path, 'utf8'), file);
}

/** The commands of a server block: one per line, joined where a line ends in `\`, comments kept (bash ignores them). */
export function serverCommands(code: string): string[] {
  return code
    .replace(/\\\n/g, ' ')
    .split('\n')
    .filter((line) => line.trim() !== '' && !line.trim().startsWith('#'));
}

/** The documented substitutions (see the header). */
export function forThisRun(code: string, stackPort: number): string {
  return code.replace(/:3000\b/g, `:${stackPort}`).replace(/--port[ =]\d+/g, '--port 0');
}

/**
 * Sourced before every example: curl fails on an HTTP error status (and shows the body), so an example that
 * answers 4xx or 5xx fails as a broken command would.
 */
export const PRELUDE = `set -euo pipefail
curl() { command curl --fail-with-body --show-error "$@"; }
`;
