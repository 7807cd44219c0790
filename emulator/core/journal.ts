// Durability of the emulator's state: an fdatasync'd journal with group commit, compacted into a snapshot.
import * as fs from 'node:fs';
import { JOURNAL_HEADER, fsyncDirectory, openEmptyJournal, writeSnapshot, type JournalEntry, type Snapshot } from './data-files';

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

/** Where changes go: nowhere (in-memory emulator) or a data directory. */
export interface Persistence {
  /** Queues one mutation's entry; it becomes durable by the next `whenDurable()`. */
  append(entry: JournalEntry): void;
  /** Resolves once every change appended so far is on stable storage (fsync'd). */
  whenDurable(): Promise<void>;
  close(): void;
}

export const memoryPersistence: Persistence = {
  append: () => undefined,
  whenDurable: () => Promise.resolve(),
  close: () => undefined,
};

/**
 * Journal in `dataDir`. Each mutation is one JSON line, after a header line naming the format. Lines appended during one turn of the event loop are written
 * and fdatasync'd together right after it (group commit, in setImmediate), and only then are their requests answered:
 * concurrent requests share one disk flush without weakening durability. The flush is synchronous: an fdatasync on
 * the thread pool, overlapping the next batch, measured no faster (docs/emulator.md, Benchmark), and this is simpler.
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
    snapshot: Snapshot,
    private readonly exportState: () => Snapshot,
  ) {
    this.compact(snapshot);
  }

  append(entry: JournalEntry): void {
    if (this.failure) throw this.failure;
    this.pending.push(`${JSON.stringify(entry)}\n`);
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
  private preallocate(needed: number, start?: Buffer): void {
    const extra = Math.max(PREALLOCATE_BYTES, needed);
    const zeros = Buffer.alloc(extra);
    start?.copy(zeros);
    fs.writeSync(this.fd, zeros, 0, extra, this.allocated);
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

  private compact(snapshot: Snapshot): void {
    writeSnapshot(this.dataDir, snapshot);
    // Replaying the old journal over the new snapshot is harmless (changes are whole records), so a crash here is safe.
    this.fd = openEmptyJournal(this.dataDir);
    const header = Buffer.from(JOURNAL_HEADER, 'utf8');
    this.allocated = 0;
    // The header goes out with the first zeros, in the same write and sync.
    this.preallocate(0, header);
    this.bytes = header.length;
    fsyncDirectory(this.dataDir);
  }
}
