// The data directory's files in format version 2: reading the snapshot and journal back (a damaged journal tail is
// set aside, never a dead end), and writing snapshots atomically and owner-only.
import * as fs from 'node:fs';
import * as path from 'node:path';

export const SNAPSHOT_FILE = 'emulator-snapshot.json';
export const JOURNAL_FILE = 'emulator-journal.jsonl';
const SNAPSHOT_FORMAT = 'totp-functions/emulator-snapshot';
const JOURNAL_FORMAT = 'totp-functions/emulator-journal';
/** Version 2: state by product (`products.verify`, `products.sync`), journal entries tagged with their product. */
export const FORMAT_VERSION = 2;
/** The journal's first line: it says what the rest is, so a journal can be refused or read on its own. */
export const JOURNAL_HEADER = `${JSON.stringify({ format: JOURNAL_FORMAT, version: FORMAT_VERSION })}\n`;
/** Files hold TOTP secrets in clear text: readable and writable by their owner only. */
export const FILE_MODE = 0o600;

/** The data directory cannot be read back: the emulator refuses to start rather than continue with lost state. */
export class DataFileError extends Error {
  override readonly name = 'DataFileError';
}

/** One mutation of one product, or a reset of every product. */
export type JournalEntry = { product: string; changes: unknown[] } | { reset: true };

export interface Snapshot {
  /** Each product's own part, by product name. */
  products: Record<string, unknown>;
}

/** How a product's loadState says which part of its state is damaged (the store names the file and product). */
export const damagedState = {
  error(key: string): Error {
    return Object.assign(new Error(`"${key}" is damaged`), { damagedKey: key });
  },
  keyOf(error: unknown): string | undefined {
    const key = (error as { damagedKey?: unknown } | null)?.damagedKey;
    return typeof key === 'string' ? key : undefined;
  },
};

export function readText(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (error) {
    throw new DataFileError(`cannot read ${file}: ${(error as Error).message}`);
  }
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The refusal for files a newer emulator wrote: this one cannot know what they mean. */
export function newerFormat(file: string, version: unknown, dataDir: string): DataFileError {
  return new DataFileError(
    `${file} is format version ${String(version)}, written by a newer emulator; this one reads versions 1 and ${FORMAT_VERSION}. ` +
      `Update the kit, or delete ${dataDir} to start empty`,
  );
}

export function parseSnapshot(file: string, text: string, dataDir: string): Snapshot {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new DataFileError(`${file} is not valid JSON; move it aside to start empty (or delete ${dataDir}), or restore it`);
  }
  if (!isRecord(parsed) || parsed.format !== SNAPSHOT_FORMAT) {
    throw new DataFileError(`${file} is not an emulator snapshot; move it aside to start empty (or delete ${dataDir}), or restore it`);
  }
  if (typeof parsed.version === 'number' && parsed.version > FORMAT_VERSION) throw newerFormat(file, parsed.version, dataDir);
  if (parsed.version !== FORMAT_VERSION || !isRecord(parsed.products)) {
    throw new DataFileError(`${file} is not a version ${FORMAT_VERSION} emulator snapshot; move it aside to start empty, or restore it`);
  }
  return { products: parsed.products };
}

/** One journal line: the header (first line only), or an entry of a product this emulator serves. */
export function parseEntry(file: string, line: string, lineNumber: number, products: ReadonlySet<string>, dataDir: string): JournalEntry[] | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (!isRecord(parsed)) return undefined;
  if (lineNumber === 1) {
    if (parsed.format !== JOURNAL_FORMAT) return undefined;
    if (typeof parsed.version === 'number' && parsed.version > FORMAT_VERSION) throw newerFormat(file, parsed.version, dataDir);
    return parsed.version === FORMAT_VERSION ? [] : undefined;
  }
  if (parsed.reset === true && Object.keys(parsed).length === 1) return [{ reset: true }];
  if (typeof parsed.product !== 'string' || !Array.isArray(parsed.changes) || !parsed.changes.every(isRecord)) return undefined;
  if (!products.has(parsed.product)) {
    throw new DataFileError(
      `${file}: line ${lineNumber} holds changes of "${parsed.product}", which this emulator does not serve; run the version that wrote it, or delete ${dataDir} to start empty`,
    );
  }
  return [{ product: parsed.product, changes: parsed.changes }];
}

/**
 * The entries of a journal, recovering from a damaged tail: every complete entry up to the first thing that is not
 * one is kept; the rest (a line a crash cut short, data after the journal's end, another writer's lines) is set aside
 * in a file of its own beside the journal, and the log names it. Nothing is thrown away, and the start goes on.
 * `parse` returns undefined for a line that is not an entry.
 */
export function readJournal<E>(file: string, log: (line: string) => void, parse: (line: string, lineNumber: number) => E[] | undefined): E[] {
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch (error) {
    throw new DataFileError(`cannot read ${file}: ${(error as Error).message}`);
  }
  // The file is preallocated with zeros (see JournalPersistence) and JSON lines never hold a raw NUL.
  let end = bytes.length;
  while (end > 0 && bytes[end - 1] === 0) end -= 1;
  const entries: E[] = [];
  let offset = 0;
  let lineNumber = 1;
  let problem: string | undefined;
  while (offset < end) {
    const newline = bytes.indexOf(0x0a, offset);
    const complete = newline !== -1 && newline < end;
    const line = bytes.subarray(offset, complete ? newline : end);
    if (line.includes(0)) {
      problem = 'data after the end of the journal, written by another program or a second emulator';
      break;
    }
    if (!complete) {
      problem = 'a last line cut short, a write that a crash interrupted before anything was acknowledged';
      break;
    }
    const parsed = parse(line.toString('utf8'), lineNumber);
    if (parsed === undefined) {
      problem = `line ${lineNumber} is not a complete entry`;
      break;
    }
    entries.push(...parsed);
    offset = newline + 1;
    lineNumber += 1;
  }
  if (problem !== undefined) {
    const setAside = setAsideTail(file, bytes.subarray(offset, end));
    log(`data: ${path.basename(file)}: ${problem}; kept the ${lineNumber - 1} complete line(s) before it, set the remaining ${end - offset} bytes aside in ${setAside}`);
  }
  return entries;
}

/** Writes `tail` to `<journal>.<time>.set-aside` (owner-only, synced) and returns that file's name. */
function setAsideTail(journalFile: string, tail: Buffer): string {
  const dir = path.dirname(journalFile);
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  let name = `${path.basename(journalFile)}.${stamp}.set-aside`;
  for (let n = 2; fs.existsSync(path.join(dir, name)); n += 1) name = `${path.basename(journalFile)}.${stamp}-${n}.set-aside`;
  const fd = fs.openSync(path.join(dir, name), 'wx', FILE_MODE);
  try {
    fs.writeSync(fd, tail);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  // On disk before the journal is rewritten: after that, this is the only copy of those bytes.
  fsyncDirectory(dir);
  return name;
}

/** Write to a temporary file, fsync it, rename over the target, fsync the directory: all or nothing. */
function writeFileAtomic(file: string, content: string): void {
  const temp = `${file}.${process.pid}.tmp`;
  const fd = fs.openSync(temp, 'w', FILE_MODE);
  try {
    fs.fchmodSync(fd, FILE_MODE);
    fs.writeSync(fd, content);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(temp, file);
  fsyncDirectory(path.dirname(file));
}

export function fsyncDirectory(dir: string): void {
  const fd = fs.openSync(dir, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/** Replaces the snapshot of `dataDir` with `snapshot`, atomically. */
export function writeSnapshot(dataDir: string, snapshot: Snapshot): void {
  writeFileAtomic(path.join(dataDir, SNAPSHOT_FILE), JSON.stringify({ format: SNAPSHOT_FORMAT, version: FORMAT_VERSION, products: snapshot.products }));
}

/** Opens the journal of `dataDir` empty (truncated), owner-only, for writing. */
export function openEmptyJournal(dataDir: string): number {
  const fd = fs.openSync(path.join(dataDir, JOURNAL_FILE), 'w', FILE_MODE);
  // An existing file keeps its mode through open(); a journal from before this check may be world-readable.
  fs.fchmodSync(fd, FILE_MODE);
  return fd;
}
