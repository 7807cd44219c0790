// The data directory's files: reading the snapshot and journal back (strictly), and writing snapshots atomically.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Change, VerifyState } from './records';

const SNAPSHOT_FILE = 'verify-emulator-snapshot.json';
const JOURNAL_FILE = 'verify-emulator-journal.jsonl';
const SNAPSHOT_FORMAT = 'totp-functions/verify-emulator-snapshot';
const SNAPSHOT_VERSION = 1;

/** The data directory cannot be read back: the emulator refuses to start rather than continue with lost state. */
export class DataFileError extends Error {
  override readonly name = 'DataFileError';
}

export interface LoadedData {
  snapshot: VerifyState | undefined;
  journal: Change[][];
  /** Set when the last journal line was cut short by a crash mid-write (never an acknowledged change). */
  tornTail: boolean;
}

/** Reads the snapshot and journal of `dataDir`; throws DataFileError on anything it cannot parse. */
export function loadDataDir(dataDir: string): LoadedData {
  fs.mkdirSync(dataDir, { recursive: true });
  // A snapshot write that a crash interrupted leaves its temporary file; the rename never happened, so drop it.
  for (const name of fs.readdirSync(dataDir)) {
    if (name.startsWith(`${SNAPSHOT_FILE}.`) && name.endsWith('.tmp')) fs.rmSync(path.join(dataDir, name), { force: true });
  }
  const snapshotPath = path.join(dataDir, SNAPSHOT_FILE);
  const journalPath = path.join(dataDir, JOURNAL_FILE);
  const snapshot = fs.existsSync(snapshotPath) ? parseSnapshot(snapshotPath, readText(snapshotPath)) : undefined;
  const text = fs.existsSync(journalPath) ? journalText(journalPath, readText(journalPath)) : '';
  const lines = text.split('\n');
  // A line without its newline is a write the crash interrupted; it was never fsync'd, so never acknowledged.
  const tail = lines.pop() ?? '';
  const journal = lines.map((line, index) => parseJournalLine(journalPath, line, index + 1));
  return { snapshot, journal, tornTail: tail.length > 0 };
}

/**
 * The written part of a journal: it is preallocated with zero bytes (see JournalPersistence), and JSON lines never
 * contain a raw NUL, so the journal ends at the first NUL. Anything but zeros after it means the file is damaged.
 */
function journalText(file: string, raw: string): string {
  const end = raw.indexOf('\0');
  if (end === -1) return raw;
  if (!/^\0*$/.test(raw.slice(end))) throw new DataFileError(`${file} has data after its end; move the data directory aside or repair it`);
  return raw.slice(0, end);
}

function readText(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (error) {
    throw new DataFileError(`cannot read ${file}: ${(error as Error).message}`);
  }
}

function parseSnapshot(file: string, text: string): VerifyState {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new DataFileError(`${file} is not valid JSON; move it aside to start empty, or restore it`);
  }
  if (!isRecord(parsed) || parsed.format !== SNAPSHOT_FORMAT || parsed.version !== SNAPSHOT_VERSION || !isRecord(parsed.state)) {
    throw new DataFileError(`${file} is not a version ${SNAPSHOT_VERSION} Verify emulator snapshot`);
  }
  const state = parsed.state;
  for (const [key, prefix] of [['services', 'VA'], ['entities', 'YE'], ['factors', 'YF'], ['challenges', 'YC']] as const) {
    const list = state[key];
    if (!Array.isArray(list) || !list.every((item) => isRecord(item) && typeof item.sid === 'string' && item.sid.startsWith(prefix))) {
      throw new DataFileError(`${file}: "${key}" is damaged`);
    }
  }
  if (state.sync !== undefined) checkSyncState(file, state.sync);
  return state as unknown as VerifyState;
}

/** Sync's part of the snapshot: each list present, holding records (objects by SID prefix, items by parent). */
function checkSyncState(file: string, sync: unknown): void {
  if (!isRecord(sync)) throw new DataFileError(`${file}: "sync" is damaged`);
  const checks = [
    ['services', (item: Record<string, unknown>) => typeof item.sid === 'string' && item.sid.startsWith('IS')],
    ['documents', (item: Record<string, unknown>) => typeof item.sid === 'string' && item.sid.startsWith('ET')],
    ['maps', (item: Record<string, unknown>) => typeof item.sid === 'string' && item.sid.startsWith('MP')],
    ['mapItems', (item: Record<string, unknown>) => typeof item.mapSid === 'string' && typeof item.key === 'string'],
    ['lists', (item: Record<string, unknown>) => typeof item.sid === 'string' && item.sid.startsWith('ES')],
    ['listItems', (item: Record<string, unknown>) => typeof item.listSid === 'string' && Number.isInteger(item.index)],
  ] as const;
  for (const [key, valid] of checks) {
    const list = sync[key];
    if (!Array.isArray(list) || !list.every((item) => isRecord(item) && valid(item))) {
      throw new DataFileError(`${file}: "sync.${key}" is damaged`);
    }
  }
}

function parseJournalLine(file: string, line: string, lineNumber: number): Change[] {
  try {
    const parsed: unknown = JSON.parse(line);
    if (Array.isArray(parsed) && parsed.every(isRecord)) return parsed as Change[];
  } catch {
    // reported below
  }
  throw new DataFileError(`${file}: line ${lineNumber} is damaged; move the data directory aside or repair it`);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Write to a temporary file, fsync it, rename over the target, fsync the directory: all or nothing. */
function writeFileAtomic(file: string, content: string): void {
  const temp = `${file}.${process.pid}.tmp`;
  const fd = fs.openSync(temp, 'w');
  try {
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


/** Replaces the snapshot of `dataDir` with `state`, atomically. */
export function writeSnapshot(dataDir: string, state: VerifyState): void {
  writeFileAtomic(path.join(dataDir, SNAPSHOT_FILE), JSON.stringify({ format: SNAPSHOT_FORMAT, version: SNAPSHOT_VERSION, state }));
}

/** Opens the journal of `dataDir` empty (truncated), for writing. */
export function openEmptyJournal(dataDir: string): number {
  return fs.openSync(path.join(dataDir, JOURNAL_FILE), 'w');
}
