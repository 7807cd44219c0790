// Opening a data directory's files: the current format, or the version 1 files of earlier emulators (read once,
// then replaced), and what the two together mean when both are there.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readFormerFiles } from './data-files-v1';
import {
  DataFileError,
  FORMAT_VERSION,
  JOURNAL_FILE,
  SNAPSHOT_FILE,
  fsyncDirectory,
  parseEntry,
  parseSnapshot,
  readJournal,
  readText,
  type JournalEntry,
  type Snapshot,
} from './data-files';

export interface LoadedData {
  snapshot: Snapshot | undefined;
  /** The snapshot's file name, for messages. */
  snapshotFile: string;
  journal: JournalEntry[];
  /** Files of an earlier format, to delete once the new snapshot is written. */
  formerFiles: string[];
}

/**
 * Reads the snapshot and journal of `dataDir` (version 2, else the version 1 files of earlier emulators). Throws
 * DataFileError on what it must not guess about: a damaged snapshot, a newer format, a product it does not serve.
 */
export function loadDataFiles(dataDir: string, products: ReadonlySet<string>, log: (line: string) => void): LoadedData {
  removeInterruptedWrites(dataDir);
  const present = (name: string): boolean => fs.existsSync(path.join(dataDir, name));
  const former = readFormerFiles(dataDir, log);
  if (former.files.length > 0 && (present(SNAPSHOT_FILE) || present(JOURNAL_FILE))) {
    // The upgrade writes the new snapshot, then deletes the old journal, then the old snapshot. The old journal still
    // there means an emulator of the earlier format ran here since (or the upgrade stopped at its first step).
    if (former.files.some((name) => name.endsWith('.jsonl'))) {
      throw new DataFileError(
        `${dataDir} holds files of two formats: ${former.files.join(', ')} (version 1) and ${SNAPSHOT_FILE}, ${JOURNAL_FILE} (version 2). ` +
          `Delete the version you do not want to keep: version 2 holds everything up to the upgrade, version 1 what an older emulator wrote after it`,
      );
    }
    return { ...readCurrentFiles(dataDir, products, log), formerFiles: former.files };
  }
  if (former.files.length > 0) {
    const journal = former.read(products);
    return { snapshot: journal.snapshot, snapshotFile: journal.snapshotFile, journal: journal.entries, formerFiles: former.files };
  }
  return { ...readCurrentFiles(dataDir, products, log), formerFiles: [] };
}

function readCurrentFiles(dataDir: string, products: ReadonlySet<string>, log: (line: string) => void): Omit<LoadedData, 'formerFiles'> {
  const snapshotPath = path.join(dataDir, SNAPSHOT_FILE);
  const snapshot = fs.existsSync(snapshotPath) ? parseSnapshot(snapshotPath, readText(snapshotPath), dataDir) : undefined;
  const journalPath = path.join(dataDir, JOURNAL_FILE);
  const journal = fs.existsSync(journalPath)
    ? readJournal(journalPath, log, (line, lineNumber) => parseEntry(journalPath, line, lineNumber, products, dataDir))
    : [];
  return { snapshot, snapshotFile: SNAPSHOT_FILE, journal };
}

/** A snapshot write that a crash interrupted leaves its temporary file; the rename never happened, so drop it. */
function removeInterruptedWrites(dataDir: string): void {
  for (const name of fs.readdirSync(dataDir)) {
    if (name.endsWith('.tmp') && name.includes('-snapshot.json.')) fs.rmSync(path.join(dataDir, name), { force: true });
  }
}

/** Deletes the files of an earlier format (journal first: see loadDataFiles), once their content is in the snapshot. */
export function removeFormerFiles(dataDir: string, names: readonly string[], log: (line: string) => void): void {
  if (names.length === 0) return;
  const ordered = [...names].sort((a, b) => Number(b.endsWith('.jsonl')) - Number(a.endsWith('.jsonl')));
  for (const name of ordered) fs.rmSync(path.join(dataDir, name), { force: true });
  fsyncDirectory(dataDir);
  log(`data: upgraded ${ordered.join(', ')} (format version 1) to ${SNAPSHOT_FILE} and ${JOURNAL_FILE} (version ${FORMAT_VERSION})`);
}
