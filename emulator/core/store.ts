// The products' states behind one journal: each product's writes go out as one journal entry tagged with its name,
// and replay hands each entry back to the product that wrote it. Persistence is hidden here.
import { openDataDir } from './data-dir';
import { DataFileError, damagedState, type JournalEntry, type Snapshot } from './data-files';
import { loadDataFiles, removeFormerFiles } from './data-load';
import { JournalPersistence, memoryPersistence, type Persistence } from './journal';

/** A stored record written whole (a change applies entirely or not at all, so replay is exact). */
export type Put<K extends string, R> = { put: K; record: R };
/** A record removed, by its SID unless the product names it otherwise (a Map Item by map and key). */
export type Remove<K extends string, Id = { sid: string }> = { remove: K } & Id;

/** Makes one mutation's changes durable (one journal entry) and applies them. */
export type Commit<C> = (changes: C[]) => void;

/** What a product's state gives the store: the single place it changes, and its part of the snapshot. */
export interface StatePart<C> {
  /** The single place the product's state changes, for live requests and journal replay alike. */
  apply(change: C): void;
  /** The product's part of a snapshot (plain JSON). */
  exportState(): unknown;
  /** Loads the product's part of a snapshot; throws `damagedState(key)` for a part it cannot use. */
  loadState(section: unknown): void;
  clear(): void;
  /** Drops what already reads as gone, just before a snapshot is written (no journal line: the snapshot replaces it). */
  compact?(): void;
}

export interface OpenOptions {
  /** Directory for the snapshot and journal; undefined keeps everything in memory. */
  dataDir?: string;
  /** Told what recovery or migration did to the data directory, once each. */
  log: (line: string) => void;
  /**
   * Runs once the saved state is loaded, before the fresh snapshot is written: where products add what must always
   * exist (Sync's default service), so a start writes it into the snapshot rather than the journal.
   */
  seed: () => void;
}

export class Store {
  private readonly parts = new Map<string, StatePart<unknown>>();
  private persistence: Persistence = memoryPersistence;
  private release: () => void = () => undefined;

  /** The commit function of product `name`; usable once the product's state is registered. */
  committer<C>(name: string): Commit<C> {
    return (changes) => this.commit({ product: name, changes });
  }

  register<C>(name: string, part: StatePart<C>): void {
    if (this.parts.has(name)) throw new Error(`two products are named ${name}`);
    this.parts.set(name, part as StatePart<unknown>);
  }

  /**
   * Takes the data directory (exclusively), replays and compacts it; throws DataFileError if it cannot be read, or
   * DataDirLockedError when another emulator holds it. On failure the directory is left as it was, and unlocked.
   */
  open(options: OpenOptions): void {
    if (options.dataDir === undefined) {
      options.seed();
      return;
    }
    const dataDir = options.dataDir;
    const lock = openDataDir(dataDir, options.log);
    try {
      const data = loadDataFiles(dataDir, new Set(this.parts.keys()), options.log);
      for (const [name, section] of Object.entries(data.snapshot?.products ?? {})) this.loadSection(data.snapshotFile, name, section);
      for (const entry of data.journal) this.applyEntry(entry);
      options.seed();
      this.persistence = new JournalPersistence(dataDir, this.compactedSnapshot(), () => this.compactedSnapshot());
      // Only now, with everything in the new snapshot on disk, do the files of an earlier format go.
      removeFormerFiles(dataDir, data.formerFiles, options.log);
    } catch (error) {
      lock.release();
      throw error;
    }
    this.release = () => lock.release();
  }

  /** Resolves when every change made so far survives a crash; answer a request only after this. */
  whenDurable(): Promise<void> {
    return this.persistence.whenDurable();
  }

  /** Flushes what is pending and lets the data directory go (another emulator may take it after this). Idempotent. */
  close(): void {
    const persistence = this.persistence;
    const release = this.release;
    // A server emits 'close' once per close() call: the second one finds nothing left to close.
    this.persistence = memoryPersistence;
    this.release = () => undefined;
    try {
      persistence.close();
    } finally {
      release();
    }
  }

  /** Wipes every product's state (test control). */
  reset(): void {
    this.commit({ reset: true });
  }

  private commit(entry: JournalEntry): void {
    if ('product' in entry && !this.parts.has(entry.product)) throw new Error(`no product is named ${entry.product}`);
    this.persistence.append(entry);
    this.applyEntry(entry);
  }

  private applyEntry(entry: JournalEntry): void {
    if ('reset' in entry) {
      for (const part of this.parts.values()) part.clear();
      return;
    }
    const part = this.parts.get(entry.product);
    // loadDataFiles refuses entries of unknown products, so this is a programming error.
    if (!part) throw new Error(`no product is named ${entry.product}`);
    for (const change of entry.changes) part.apply(change);
  }

  private loadSection(file: string, name: string, section: unknown): void {
    const part = this.parts.get(name);
    if (!part) throw new DataFileError(`${file} holds state of "${name}", which this emulator does not serve`);
    try {
      part.loadState(section);
    } catch (error) {
      const key = damagedState.keyOf(error);
      if (key === undefined) throw error;
      throw new DataFileError(`${file}: "${name}${key === '' ? '' : `.${key}`}" is damaged`);
    }
  }

  /** The state a new snapshot holds, after each product dropped what already reads as gone. */
  private compactedSnapshot(): Snapshot {
    const products: Record<string, unknown> = {};
    for (const [name, part] of this.parts) {
      part.compact?.();
      products[name] = part.exportState();
    }
    return { products };
  }
}
