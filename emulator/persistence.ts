// Durability of the emulator's state: an fsync'd append-only journal with group commit, compacted into a snapshot.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Change, VerifyState } from './records';

const SNAPSHOT_FILE = 'verify-emulator-snapshot.json';
const JOURNAL_FILE = 'verify-emulator-journal.jsonl';
const SNAPSHOT_FORMAT = 'totp-functions/verify-emulator-snapshot';
const SNAPSHOT_VERSION = 1;
/** Past this journal size the state is rewritten as a snapshot, so a restart never replays an unbounded file. */
const COMPACT_AFTER_BYTES = 32 * 1024 * 1024;

/** The data directory cannot be read back: the emulator refuses to start rather than continue with lost state. */
export class DataFileError extends Error {
  override readonly name = 'DataFileError';
}

/** Where changes go: nowhere (in-memory emulator) or a data directory. */
export interface Persistence {
  /** Queues one mutation's changes; they become durable by the next `whenDurable()`. */
  append(changes: Change[]): void;
  /** Resolves once every change appended so far is on stable storage (fsync'd). */
  whenDurable(): Promise<void>;
  close(): void;
}

export const memoryPersistence: Persistence = {
  append: () => undefined,
  whenDurable: () => Promise.resolve(),
  close: () => undefined,
};

export interface LoadedData {
  snapshot: VerifyState | undefined;
  journal: Change[][];
  /** Set when the last journal line was cut short by a crash mid-write (never an acknowledged change). */
  tornTail: boolean;
}

/** Reads the snapshot and journal of `dataDir`; throws DataFileError on anything it cannot parse. */
export function loadDataDir(dataDir: string): LoadedData {
  fs.mkdirSync(dataDir, { recursive: true });
  const snapshotPath = path.join(dataDir, SNAPSHOT_FILE);
  const journalPath = path.join(dataDir, JOURNAL_FILE);
  const snapshot = fs.existsSync(snapshotPath) ? parseSnapshot(snapshotPath, readText(snapshotPath)) : undefined;
  const text = fs.existsSync(journalPath) ? readText(journalPath) : '';
  const lines = text.split('\n');
  // A line without its newline is a write the crash interrupted; it was never fsync'd, so never acknowledged.
  const tail = lines.pop() ?? '';
  const journal = lines.map((line, index) => parseJournalLine(journalPath, line, index + 1));
  return { snapshot, journal, tornTail: tail.length > 0 };
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
  return state as unknown as VerifyState;
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

function fsyncDirectory(dir: string): void {
  const fd = fs.openSync(dir, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Journal in `dataDir`. Each mutation is one JSON line; lines queued while an fdatasync runs are written and
 * synced together (group commit), so concurrent requests share one disk flush without weakening durability.
 */
export class JournalPersistence implements Persistence {
  private fd: number;
  private bytes = 0;
  private pending: string[] = [];
  /** Waiters for the flush after the one in flight (or the next one when idle). */
  private waiting: Array<{ resolve: () => void; reject: (error: Error) => void }> = [];
  private syncing = false;
  private failure: Error | undefined;

  /** Writes `state` as the new snapshot and starts an empty journal (compaction). */
  constructor(
    private readonly dataDir: string,
    state: VerifyState,
    private readonly exportState: () => VerifyState,
  ) {
    this.fd = this.compact(state);
  }

  append(changes: Change[]): void {
    if (this.failure) throw this.failure;
    this.pending.push(`${JSON.stringify(changes)}\n`);
  }

  whenDurable(): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    if (!this.syncing && this.pending.length === 0) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.waiting.push({ resolve, reject });
      if (!this.syncing) this.flush();
    });
  }

  close(): void {
    fs.closeSync(this.fd);
  }

  private flush(): void {
    const batch = this.pending.join('');
    const waiters = this.waiting;
    this.pending = [];
    this.waiting = [];
    this.syncing = true;
    try {
      if (batch.length > 0) this.bytes += fs.writeSync(this.fd, batch);
    } catch (error) {
      this.fail(error as Error, waiters);
      return;
    }
    fs.fdatasync(this.fd, (error) => {
      this.syncing = false;
      if (error) {
        this.fail(error, waiters);
        return;
      }
      for (const waiter of waiters) waiter.resolve();
      if (this.pending.length > 0 || this.waiting.length > 0) {
        this.flush();
      } else if (this.bytes > COMPACT_AFTER_BYTES) {
        this.recompact();
      }
    });
  }

  private recompact(): void {
    try {
      fs.closeSync(this.fd);
      this.fd = this.compact(this.exportState());
    } catch (error) {
      this.fail(error as Error, []);
    }
  }

  private fail(error: Error, waiters: Array<{ reject: (error: Error) => void }>): void {
    // After a failed write the file's tail is unknown: refuse every later write instead of guessing.
    this.failure = new Error(`journal write failed: ${error.message}`);
    for (const waiter of [...waiters, ...this.waiting]) waiter.reject(this.failure);
    this.waiting = [];
  }

  private compact(state: VerifyState): number {
    writeFileAtomic(
      path.join(this.dataDir, SNAPSHOT_FILE),
      JSON.stringify({ format: SNAPSHOT_FORMAT, version: SNAPSHOT_VERSION, state }),
    );
    // Replaying the old journal over the new snapshot is harmless (changes are whole records), so a crash here is safe.
    const fd = fs.openSync(path.join(this.dataDir, JOURNAL_FILE), 'w');
    fs.fsyncSync(fd);
    fsyncDirectory(this.dataDir);
    this.bytes = 0;
    return fd;
  }
}
