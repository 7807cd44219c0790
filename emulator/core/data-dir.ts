// Opening a data directory: created owner-only (0700) or tightened if it is looser, its files owner-only (0600),
// then locked for this emulator alone. It holds TOTP secrets in clear text.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { FILE_MODE } from './data-files';
import { lockDataDir, type DataDirLock } from './data-lock';

const DIR_MODE = 0o700;

/** Creates or tightens `dataDir`, then takes its lock (DataDirLockedError if another emulator holds it). */
export function openDataDir(dataDir: string, log: (line: string) => void): DataDirLock {
  fs.mkdirSync(dataDir, { recursive: true, mode: DIR_MODE });
  tighten(dataDir, log);
  return lockDataDir(dataDir, log);
}

/** POSIX permissions only: on Windows the folder's ACL decides, and chmod cannot express it. */
function tighten(dataDir: string, log: (line: string) => void): void {
  if (process.platform === 'win32') return;
  const loosened: string[] = [];
  const dirMode = fs.statSync(dataDir).mode & 0o777;
  if ((dirMode & 0o077) !== 0) {
    fs.chmodSync(dataDir, DIR_MODE);
    loosened.push(`${path.basename(dataDir)}/ (was ${dirMode.toString(8).padStart(4, '0')})`);
  }
  for (const entry of fs.readdirSync(dataDir, { withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const file = path.join(dataDir, entry.name);
    const mode = fs.statSync(file).mode & 0o777;
    if ((mode & 0o077) === 0) continue;
    fs.chmodSync(file, mode & FILE_MODE);
    loosened.push(`${entry.name} (was ${mode.toString(8).padStart(4, '0')})`);
  }
  if (loosened.length > 0) log(`data: made ${loosened.join(', ')} owner-only: the data directory holds TOTP secrets`);
}
