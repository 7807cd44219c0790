// Durability of the emulator's state: an fsync'd append-only journal with group commit, compacted into a snapshot.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Change, VerifyState } from './records';

const SNAPSHOT_FILE = 'verify-emulator-snapshot.json';
const JOURNAL_FILE = 'verify-emulator-journal.jsonl';
const SNAPSHOT_FORMAT = 'totp-functions/verify-emulator-snapshot';
const SNAPSHOT_VERSION = 1;
/**
 * The journal file is extended with zeros this much at a time. Appending would change the file size on every write,
 * and an fdatasync that must commit metadata waits for the file system journal (and other processes' writes);
 * overwriting preallocated zeros leaves only data to flush.
 */
const PREALLOCATE_BYTES = 2 * 1024 * 1024;
/**
 * Past this journal size the state is rewritten as a snapshot once writes pause for IDLE_COMPACT_MS (compaction
 * blocks the event loop, so it waits for a quiet moment); past the hard limit it happens at the next flush anyway.
 */
const COMPACT_AFTER_BYTES = 64 * 1024 * 1024;
const COMPACT_HARD_LIMIT_BYTES = 1024 * 1024 * 1024;
const IDLE_COMPACT_MS = 2000;

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
 * Journal in `dataDir`. Each mutation is one JSON line. Lines appended during one turn of the event loop are written
 * and fdatasync'd together right after it (group commit, in setImmediate), and only then are their requests answered:
 * concurrent requests share one disk flush without weakening durability. The flush runs synchronously on purpose:
 * handing it to the thread pool costs two context switches per batch, which dominated on a busy 2-core machine.
 */
export class JournalPersistence implements Persistence {
  private fd = -1;
  /** Bytes of journal lines written so far (the next write's offset). */
  private bytes = 0;
  private pending: string[] = [];
  private waiting: Array<{ resolve: () => void; reject: (error: Error) => void }> = [];
  private flushScheduled = false;
  private failure: Error | undefined;
  private idleTimer: NodeJS.Timeout | undefined;
  /** Bytes of the journal file, written lines plus preallocated zeros. */
  private allocated = 0;

  /** Writes `state` as the new snapshot and starts an empty journal (compaction). */
  constructor(
    private readonly dataDir: string,
    state: VerifyState,
    private readonly exportState: () => VerifyState,
  ) {
    this.compact(state);
  }

  append(changes: Change[]): void {
    if (this.failure) throw this.failure;
    this.pending.push(`${JSON.stringify(changes)}\n`);
  }

  whenDurable(): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.pending.length === 0) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.waiting.push({ resolve, reject });
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  close(): void {
    clearTimeout(this.idleTimer);
    if (this.pending.length > 0 && !this.failure) this.flush();
    fs.closeSync(this.fd);
  }

  private flush(): void {
    this.flushScheduled = false;
    const batch = this.pending.join('');
    const waiters = this.waiting;
    this.pending = [];
    this.waiting = [];
    try {
      if (batch.length > 0) {
        const bytes = Buffer.from(batch, 'utf8');
        if (this.bytes + bytes.length > this.allocated) this.preallocate(bytes.length);
        this.bytes += fs.writeSync(this.fd, bytes, 0, bytes.length, this.bytes);
        fs.fdatasyncSync(this.fd);
      }
    } catch (error) {
      this.fail(error as Error, waiters);
      return;
    }
    for (const waiter of waiters) waiter.resolve();
    if (this.bytes > COMPACT_HARD_LIMIT_BYTES) this.recompact();
    else if (this.bytes > COMPACT_AFTER_BYTES) this.compactWhenIdle();
  }

  /** Extends the file with zeros (and syncs that once, size change included), so later writes only overwrite. */
  private preallocate(needed: number): void {
    const extra = Math.max(PREALLOCATE_BYTES, needed);
    fs.writeSync(this.fd, Buffer.alloc(extra), 0, extra, this.allocated);
    fs.fsyncSync(this.fd);
    this.allocated += extra;
  }

  private compactWhenIdle(): void {
    clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => {
      if (this.pending.length === 0 && !this.failure) this.recompact();
    }, IDLE_COMPACT_MS);
    this.idleTimer.unref();
  }

  private recompact(): void {
    try {
      fs.closeSync(this.fd);
      this.compact(this.exportState());
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

  private compact(state: VerifyState): void {
    writeFileAtomic(
      path.join(this.dataDir, SNAPSHOT_FILE),
      JSON.stringify({ format: SNAPSHOT_FORMAT, version: SNAPSHOT_VERSION, state }),
    );
    // Replaying the old journal over the new snapshot is harmless (changes are whole records), so a crash here is safe.
    this.fd = fs.openSync(path.join(this.dataDir, JOURNAL_FILE), 'w');
    this.bytes = 0;
    this.allocated = 0;
    this.preallocate(0);
    fsyncDirectory(this.dataDir);
  }
}
