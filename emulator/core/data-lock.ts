// One emulator per data directory: an exclusive lock file naming the process that holds it. Two emulators writing
// one journal would corrupt it, so a second is refused; the lock of a process that is gone is taken over.
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

export const LOCK_FILE = 'emulator.lock';
const LOCK_MODE = 0o600;

/** Another live process holds the data directory; the message names it and says what to do. */
export class DataDirLockedError extends Error {
  override readonly name = 'DataDirLockedError';

  constructor(
    readonly dataDir: string,
    readonly pid: number,
  ) {
    super(
      `${dataDir} is in use by another emulator (process ${pid}): stop that one first (npm start and npm run emulator stop on Ctrl-C), ` +
        `or give this one its own --data-dir. If process ${pid} is not an emulator, delete ${path.join(dataDir, LOCK_FILE)}`,
    );
  }
}

export interface DataDirLock {
  /** Deletes the lock file, if it is still this lock's; safe to call twice. */
  release(): void;
}

interface LockContent {
  pid: number;
  token: string;
}

/** Locks held by this process, released on exit: a process.exit() between start and close must not strand its locks. */
const held = new Set<() => void>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const release of [...held]) release();
  });
}

function readLock(file: string): LockContent | undefined | 'gone' {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'gone';
    throw error;
  }
  try {
    const parsed = JSON.parse(text) as Partial<LockContent>;
    if (Number.isInteger(parsed.pid) && (parsed.pid as number) > 0 && typeof parsed.token === 'string') return parsed as LockContent;
  } catch {
    // not a lock this emulator wrote: treated as stale below
  }
  return undefined;
}

/** Whether `pid` names a running process (one of another user's counts: EPERM). */
export function isRunning(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The pid of the live process holding `dataDir`, if any (a look only: nothing is taken or changed). */
export function lockHolder(dataDir: string): number | undefined {
  const content = readLock(path.join(dataDir, LOCK_FILE));
  return typeof content === 'object' && isRunning(content.pid) ? content.pid : undefined;
}

/**
 * Takes the lock of `dataDir` or throws DataDirLockedError. The lock file appears whole (written aside, then
 * hard-linked into place, which fails if one exists), so a reader never sees a half-written one. A stale lock is
 * renamed away before it is deleted, so of two processes taking over the same stale lock only one succeeds.
 */
export function lockDataDir(dataDir: string, log: (line: string) => void): DataDirLock {
  const file = path.join(dataDir, LOCK_FILE);
  const content: LockContent = { pid: process.pid, token: randomBytes(8).toString('hex') };
  const text = `${JSON.stringify(content)}\n`;
  for (let attempt = 0; attempt < 5; attempt += 1) {
    if (tryCreate(file, text)) return holdLock(file, text);
    const current = readLock(file);
    if (current === 'gone') continue;
    if (current !== undefined && isRunning(current.pid)) throw new DataDirLockedError(dataDir, current.pid);
    if (takeAwayStale(file, current)) {
      log(`data: took over ${LOCK_FILE} from ${current === undefined ? 'an unreadable lock' : `process ${current.pid}, which is no longer running`}`);
    }
  }
  throw new Error(`could not lock ${dataDir}: its ${LOCK_FILE} kept changing`);
}

function tryCreate(file: string, text: string): boolean {
  const aside = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.new`;
  fs.writeFileSync(aside, text, { mode: LOCK_MODE });
  try {
    fs.linkSync(aside, file);
    return true;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return false;
    // A file system without hard links: an exclusive create, written at once (a reader may catch it empty).
    if (code === 'EPERM' || code === 'ENOTSUP' || code === 'ENOSYS') return createExclusive(file, text);
    throw error;
  } finally {
    fs.rmSync(aside, { force: true });
  }
}

function createExclusive(file: string, text: string): boolean {
  let fd: number;
  try {
    fd = fs.openSync(file, 'wx', LOCK_MODE);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
  try {
    fs.writeSync(fd, text);
  } finally {
    fs.closeSync(fd);
  }
  return true;
}

/** Moves a stale lock out of the way; if what it moved turns out to be someone's fresh lock, puts that one back. */
function takeAwayStale(file: string, seen: LockContent | undefined): boolean {
  const moved = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.stale`;
  try {
    fs.renameSync(file, moved);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
  const taken = readLock(moved);
  const same = seen === undefined ? taken === undefined : typeof taken === 'object' && taken.token === seen.token;
  if (!same) {
    try {
      fs.linkSync(moved, file);
    } catch {
      // a third process locked meanwhile: its lock stands, and the next attempt sees it
    }
  }
  fs.rmSync(moved, { force: true });
  return same;
}

function holdLock(file: string, text: string): DataDirLock {
  let released = false;
  const release = (): void => {
    if (released) return;
    released = true;
    held.delete(release);
    try {
      // Only this lock's own file: never one another process took over after a crash of this one.
      if (fs.readFileSync(file, 'utf8') === text) fs.rmSync(file, { force: true });
    } catch {
      // already gone
    }
  };
  held.add(release);
  installExitHook();
  return { release };
}
