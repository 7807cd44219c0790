// Format version 1, written by emulators from before the products had folders of their own: Verify's records at
// the top of the snapshot with Sync's under `sync`, and journal lines that are arrays of changes (`{sync: …}` for a
// Sync change). Read once, then replaced by version 2 (see loadDataFiles).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DataFileError, isRecord, newerFormat, readJournal, readText, type JournalEntry, type Snapshot } from './data-files';

const V1_SNAPSHOT_FILE = 'verify-emulator-snapshot.json';
const V1_JOURNAL_FILE = 'verify-emulator-journal.jsonl';
const V1_SNAPSHOT_FORMAT = 'totp-functions/verify-emulator-snapshot';
/** The product names version 1's parts belong to (fixed: version 1 knew only these two). */
const VERIFY = 'verify';
const SYNC = 'sync';

export interface FormerFiles {
  /** Version 1 files present in the directory. */
  files: string[];
  read(products: ReadonlySet<string>): { snapshot: Snapshot | undefined; snapshotFile: string; entries: JournalEntry[] };
}

export function readFormerFiles(dataDir: string, log: (line: string) => void): FormerFiles {
  const files = [V1_SNAPSHOT_FILE, V1_JOURNAL_FILE].filter((name) => fs.existsSync(path.join(dataDir, name)));
  return {
    files,
    read(products) {
      for (const product of [VERIFY, SYNC]) {
        if (!products.has(product)) throw new DataFileError(`${dataDir} holds version 1 data of "${product}", which this emulator does not serve`);
      }
      const snapshotPath = path.join(dataDir, V1_SNAPSHOT_FILE);
      const journalPath = path.join(dataDir, V1_JOURNAL_FILE);
      const snapshot = fs.existsSync(snapshotPath) ? parseV1Snapshot(snapshotPath, readText(snapshotPath), dataDir) : undefined;
      const entries = fs.existsSync(journalPath) ? readJournal(journalPath, log, (line) => parseV1Line(line)) : [];
      return { snapshot, snapshotFile: V1_SNAPSHOT_FILE, entries };
    },
  };
}

function parseV1Snapshot(file: string, text: string, dataDir: string): Snapshot {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new DataFileError(`${file} is not valid JSON; move it aside to start empty (or delete ${dataDir}), or restore it`);
  }
  if (!isRecord(parsed) || parsed.format !== V1_SNAPSHOT_FORMAT) {
    throw new DataFileError(`${file} is not an emulator snapshot; move it aside to start empty (or delete ${dataDir}), or restore it`);
  }
  if (typeof parsed.version === 'number' && parsed.version > 1) throw newerFormat(file, parsed.version, dataDir);
  if (parsed.version !== 1 || !isRecord(parsed.state)) throw new DataFileError(`${file} is not a version 1 emulator snapshot`);
  const { sync, ...verify } = parsed.state;
  // A snapshot from before Sync has no `sync` part: Sync starts empty (and gets its default service).
  return { products: sync === undefined ? { [VERIFY]: verify } : { [VERIFY]: verify, [SYNC]: sync } };
}

/** A version 1 line (an array of changes) as version 2 entries, one per run of changes of the same product. */
function parseV1Line(line: string): JournalEntry[] | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (!Array.isArray(parsed) || !parsed.every(isRecord)) return undefined;
  const entries: JournalEntry[] = [];
  for (const change of parsed) {
    if (change.reset === true) {
      entries.push({ reset: true });
      continue;
    }
    const product = 'sync' in change ? SYNC : VERIFY;
    const inner = 'sync' in change ? change.sync : change;
    if (!isRecord(inner)) return undefined;
    const last = entries.at(-1);
    if (last !== undefined && 'product' in last && last.product === product) last.changes.push(inner);
    else entries.push({ product, changes: [inner] });
  }
  return entries;
}
