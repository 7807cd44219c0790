// The data directory's safety: one emulator per directory (a live holder refuses, a dead one's lock is taken over),
// a damaged journal tail set aside rather than a dead end, owner-only permissions, and version 1 data from earlier
// emulators upgraded in place (data-v1/ was written by the emulator of the commit before the product folders).
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createEmulator } from '../../../emulator/server';
import { createEmulatorTwilioClient, newTestCredentials, startEmulator } from '../../helpers/emulator';
import { JOURNAL, LOCK, SNAPSHOT, codeFor, journalLines, removeTempDataDirs, startCli, tempDataDir } from '../fixtures';

jest.setTimeout(120_000);

afterAll(removeTempDataDirs);

const credentials = newTestCredentials();

/** The pid of a process that has run and been reaped: certainly not running now. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' });
  await new Promise((resolve) => child.once('exit', resolve));
  return child.pid as number;
}

function lockOf(dataDir: string): { pid: number } {
  return JSON.parse(fs.readFileSync(path.join(dataDir, LOCK), 'utf8')) as { pid: number };
}

function modeOf(file: string): string {
  return (fs.statSync(file).mode & 0o777).toString(8);
}

/** The set-aside files beside the journal, with their contents. */
function setAside(dataDir: string): Array<{ name: string; text: string }> {
  return fs
    .readdirSync(dataDir)
    .filter((name) => name.endsWith('.set-aside'))
    .map((name) => ({ name, text: fs.readFileSync(path.join(dataDir, name), 'utf8') }));
}

describe('one emulator per data directory', () => {
  it('refuses a second emulator on a directory in use, naming the process that holds it; the first keeps serving', async () => {
    const dataDir = tempDataDir();
    const first = await startEmulator({ dataDir });
    try {
      const sid = await first.createService({ friendlyName: 'Held' });
      expect(lockOf(dataDir).pid).toBe(process.pid);
      const journalBefore = fs.readFileSync(path.join(dataDir, JOURNAL));
      expect(() => createEmulator({ ...credentials, dataDir })).toThrow(
        `${dataDir} is in use by another emulator (process ${process.pid}): stop that one first (npm start and npm run emulator stop on Ctrl-C), or give this one its own --data-dir. If process ${process.pid} is not an emulator, delete ${path.join(dataDir, LOCK)}`,
      );
      // Refused before it touched anything: the journal is byte for byte what the first one wrote.
      expect(fs.readFileSync(path.join(dataDir, JOURNAL)).equals(journalBefore)).toBe(true);
      expect((await first.client.verify.v2.services(sid).fetch()).friendlyName).toBe('Held');
    } finally {
      await first.close();
    }
    expect(fs.existsSync(path.join(dataDir, LOCK))).toBe(false);
    const next = await startEmulator({ dataDir });
    await next.close();
  });

  it('refuses a directory whose lock names another live process', async () => {
    const dataDir = tempDataDir();
    const holder = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
    try {
      fs.writeFileSync(path.join(dataDir, LOCK), JSON.stringify({ pid: holder.pid, token: 'theirs' }));
      expect(() => createEmulator({ ...credentials, dataDir })).toThrow(`is in use by another emulator (process ${holder.pid})`);
      expect(lockOf(dataDir).pid).toBe(holder.pid);
    } finally {
      holder.kill('SIGKILL');
      await new Promise((resolve) => holder.once('exit', resolve));
    }
  });

  it('takes over the lock of a process that is gone, and says so', async () => {
    const dataDir = tempDataDir();
    const pid = await deadPid();
    fs.writeFileSync(path.join(dataDir, LOCK), JSON.stringify({ pid, token: 'stale' }));
    const logs: string[] = [];
    const emulator = await startEmulator({ dataDir, log: (line) => logs.push(line) });
    try {
      expect(logs).toContain(`data: took over emulator.lock from process ${pid}, which is no longer running`);
      expect(lockOf(dataDir).pid).toBe(process.pid);
      // Only the lock itself: no stray file of the takeover stays behind.
      expect(fs.readdirSync(dataDir).sort()).toEqual([JOURNAL, LOCK, SNAPSHOT].sort());
    } finally {
      await emulator.close();
    }
  });

  it('lets the directory go when the start fails on damaged data', () => {
    const dataDir = tempDataDir();
    fs.writeFileSync(path.join(dataDir, SNAPSHOT), 'not json');
    expect(() => createEmulator({ ...credentials, dataDir })).toThrow(/is not valid JSON/);
    expect(fs.existsSync(path.join(dataDir, LOCK))).toBe(false);
  });

  it('as processes: a second CLI on the same directory exits 1 naming the first one\'s pid, and the first keeps its data', async () => {
    const dataDir = tempDataDir();
    const env = { ACCOUNT_SID: credentials.accountSid, AUTH_TOKEN: credentials.authToken };
    const first = await startCli(['--port', '0', '--data-dir', dataDir], env);
    try {
      const client = createEmulatorTwilioClient(first.url, credentials.accountSid, credentials.authToken);
      const service = await client.verify.v2.services.create({ friendlyName: 'First' });
      // A second one that started anyway is stopped at once, so the test fails rather than waits.
      const second = await startCli(['--port', '0', '--data-dir', dataDir], env).then(
        (started) => {
          started.child.kill('SIGKILL');
          return 'it started';
        },
        (error: Error) => error.message,
      );
      expect(second).toMatch(/^emulator exited \(1\) before listening/);
      expect(second).toContain(`emulator: cannot start: ${dataDir} is in use by another emulator (process ${first.child.pid})`);
      expect((await client.verify.v2.services(service.sid).fetch()).friendlyName).toBe('First');
    } finally {
      first.child.kill('SIGTERM');
      await first.exited;
    }
  });
});

describe('a journal with a damaged tail', () => {
  /** A data directory whose journal holds two acknowledged services, closed. */
  async function twoServices(): Promise<{ dataDir: string; sids: string[] }> {
    const dataDir = tempDataDir();
    const emulator = await startEmulator({ dataDir });
    const sids = [await emulator.createService({ friendlyName: 'One' }), await emulator.createService({ friendlyName: 'Two' })];
    await emulator.close();
    return { dataDir, sids };
  }

  async function servicesAfterRestart(dataDir: string, logs: string[]): Promise<string[]> {
    const restarted = await startEmulator({ dataDir, log: (line) => logs.push(line) });
    try {
      return (await restarted.client.verify.v2.services.list()).map((service) => service.sid);
    } finally {
      await restarted.close();
    }
  }

  it('keeps every complete entry of a journal another writer wrote into after its end, and sets that data aside in a named file', async () => {
    const { dataDir, sids } = await twoServices();
    const journalPath = path.join(dataDir, JOURNAL);
    const fd = fs.openSync(journalPath, 'r+');
    fs.writeSync(fd, 'garbage', fs.statSync(journalPath).size - 100);
    fs.closeSync(fd);
    const logs: string[] = [];
    expect(await servicesAfterRestart(dataDir, logs)).toEqual(sids);
    const [aside] = setAside(dataDir);
    expect(aside?.text.replace(/\0+/g, '\0')).toBe('\0garbage');
    expect(logs).toContain(
      `data: ${JOURNAL}: data after the end of the journal, written by another program or a second emulator; kept the 3 complete line(s) before it, set the remaining ${Buffer.byteLength(aside?.text ?? '')} bytes aside in ${aside?.name}`,
    );
    // Recovered for good: the next start finds a clean journal and sets nothing more aside.
    const again: string[] = [];
    expect(await servicesAfterRestart(dataDir, again)).toEqual(sids);
    expect(again.filter((line) => line.startsWith('data:'))).toEqual([]);
    expect(setAside(dataDir)).toHaveLength(1);
  });

  it('sets aside a last line a crash cut short (never acknowledged), byte for byte', async () => {
    const { dataDir, sids } = await twoServices();
    const journalPath = path.join(dataDir, JOURNAL);
    const end = fs.readFileSync(journalPath).indexOf(0);
    const torn = '{"product":"verify","changes":[{"put":"service","record":{"sid":"VA';
    const fd = fs.openSync(journalPath, 'r+');
    fs.writeSync(fd, torn, end);
    fs.closeSync(fd);
    const logs: string[] = [];
    expect(await servicesAfterRestart(dataDir, logs)).toEqual(sids);
    expect(setAside(dataDir).map((file) => file.text)).toEqual([torn]);
    expect(logs.join('\n')).toMatch(/a last line cut short, a write that a crash interrupted before anything was acknowledged; kept the 3 complete line\(s\)/);
  });

  it('keeps the entries before a damaged line, and sets that line and everything after it aside', async () => {
    const { dataDir, sids } = await twoServices();
    const journalPath = path.join(dataDir, JOURNAL);
    const [header, one, two] = fs.readFileSync(journalPath, 'utf8').replace(/\0+$/, '').split('\n');
    const damaged = (two ?? '').slice(0, 20);
    fs.writeFileSync(journalPath, `${header}\n${one}\n${damaged}\n${one}\n`);
    const logs: string[] = [];
    expect(await servicesAfterRestart(dataDir, logs)).toEqual([sids[0]]);
    expect(setAside(dataDir).map((file) => file.text)).toEqual([`${damaged}\n${one}\n`]);
    expect(logs.join('\n')).toMatch(/line 3 is not a complete entry; kept the 2 complete line\(s\) before it/);
  });

  it('sets a whole journal aside when its first line is not the header (a foreign file), and starts from the snapshot', async () => {
    const { dataDir, sids } = await twoServices();
    const restarted = await startEmulator({ dataDir });
    await restarted.close();
    // The snapshot now holds both services; the journal is replaced by someone else's file.
    fs.writeFileSync(path.join(dataDir, JOURNAL), 'not a journal\n');
    const logs: string[] = [];
    expect(await servicesAfterRestart(dataDir, logs)).toEqual(sids);
    expect(setAside(dataDir).map((file) => file.text)).toEqual(['not a journal\n']);
    expect(logs.join('\n')).toMatch(/line 1 is not a complete entry; kept the 0 complete line\(s\) before it/);
  });
});

describe('permissions (the directory holds TOTP secrets in clear text)', () => {
  const posix = process.platform === 'win32' ? it.skip : it;

  posix('creates the directory owner-only (0700) and its files 0600', async () => {
    const dataDir = path.join(tempDataDir(), 'fresh');
    const emulator = await startEmulator({ dataDir });
    try {
      await emulator.createService();
      expect(modeOf(dataDir)).toBe('700');
      for (const name of [SNAPSHOT, JOURNAL, LOCK]) expect([name, modeOf(path.join(dataDir, name))]).toEqual([name, '600']);
    } finally {
      await emulator.close();
    }
  });

  posix('tightens a directory and files that others could read, and says so', async () => {
    const dataDir = tempDataDir();
    const first = await startEmulator({ dataDir });
    await first.createService();
    await first.close();
    fs.chmodSync(dataDir, 0o755);
    fs.chmodSync(path.join(dataDir, SNAPSHOT), 0o644);
    fs.chmodSync(path.join(dataDir, JOURNAL), 0o644);
    const logs: string[] = [];
    const second = await startEmulator({ dataDir, log: (line) => logs.push(line) });
    try {
      expect(modeOf(dataDir)).toBe('700');
      for (const name of [SNAPSHOT, JOURNAL]) expect([name, modeOf(path.join(dataDir, name))]).toEqual([name, '600']);
      expect(logs.find((line) => line.includes('owner-only'))).toBe(
        `data: made ${path.basename(dataDir)}/ (was 0755), ${JOURNAL} (was 0644), ${SNAPSHOT} (was 0644) owner-only: the data directory holds TOTP secrets`,
      );
    } finally {
      await second.close();
    }
  });
});

describe('data written by earlier emulators (format version 1)', () => {
  const FIXTURE = path.join(__dirname, 'data-v1');
  const V1_FILES = ['verify-emulator-journal.jsonl', 'verify-emulator-snapshot.json'];
  // What data-v1/ holds: a Verify service, a factor verified at T0 with a known secret, a challenge approved with the
  // code of the next step; Sync's default service, a document updated once, a map item and a list item.
  const T0 = Date.parse('2030-01-01T00:00:10Z');
  const SECRET = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';
  const SERVICE = 'VA45f842c04ef7d84cfaf88a926562e705';
  const FACTOR = 'YF9c371820f44fc491e7ed8cc97e9dc83a';
  const CHALLENGE = 'YC39ff56318280f95fe8e2bacbde4ef37c';
  const IDENTITY = 'fixture-user-0001';

  function copyOfFixture(): string {
    const dataDir = tempDataDir();
    for (const name of V1_FILES) fs.copyFileSync(path.join(FIXTURE, name), path.join(dataDir, name));
    return dataDir;
  }

  it('loads a version 1 data directory, replaces its files with version 2, and everything keeps working', async () => {
    const dataDir = copyOfFixture();
    const logs: string[] = [];
    const emulator = await startEmulator({ dataDir, log: (line) => logs.push(line) });
    try {
      expect(logs).toContain(`data: upgraded ${V1_FILES.join(', ')} (format version 1) to ${SNAPSHOT} and ${JOURNAL} (version 2)`);
      expect(fs.readdirSync(dataDir).sort()).toEqual([JOURNAL, LOCK, SNAPSHOT].sort());
      const entity = emulator.client.verify.v2.services(SERVICE).entities(IDENTITY);
      expect((await entity.factors(FACTOR).fetch()).status).toBe('verified');
      expect((await entity.challenges(CHALLENGE).fetch()).status).toBe('approved');
      // The accepted step came along: the code that approved the challenge is still a replay.
      await emulator.setClock(T0 + 30_000);
      expect((await entity.challenges.create({ factorSid: FACTOR, authPayload: codeFor(SECRET, T0 + 30_000) })).status).toBe('pending');
      await emulator.setClock(T0 + 60_000);
      expect((await entity.challenges.create({ factorSid: FACTOR, authPayload: codeFor(SECRET, T0 + 60_000) })).status).toBe('approved');
      const sync = emulator.client.sync.v1.services('default');
      const document = await sync.documents('state-doc').fetch();
      expect([document.data, document.revision]).toEqual([{ failures: 3 }, '1']);
      expect((await sync.syncMaps('used-codes').syncMapItems('step:1').fetch()).data).toEqual({ at: 1 });
      expect((await sync.syncLists('trail').syncListItems.list()).map((item) => [item.index, item.data])).toEqual([[0, { event: 'factor.verified' }]]);
      // The list's next index came along too: indexes are never reused.
      expect((await sync.syncLists('trail').syncListItems.create({ data: {} })).index).toBe(1);
    } finally {
      await emulator.close();
    }
    // The next start reads version 2, quietly.
    const logs2: string[] = [];
    const again = await startEmulator({ dataDir, log: (line) => logs2.push(line) });
    try {
      expect(logs2.filter((line) => line.startsWith('data:'))).toEqual([]);
      expect((await again.client.verify.v2.services(SERVICE).entities(IDENTITY).factors(FACTOR).fetch()).status).toBe('verified');
      expect((await again.client.sync.v1.services('default').syncLists('trail').syncListItems.list()).map((item) => item.index)).toEqual([0, 1]);
    } finally {
      await again.close();
    }
  });

  it('refuses a directory holding both formats (an older emulator ran after the upgrade), naming the files to choose between', async () => {
    const dataDir = copyOfFixture();
    const upgraded = await startEmulator({ dataDir });
    await upgraded.close();
    for (const name of V1_FILES) fs.copyFileSync(path.join(FIXTURE, name), path.join(dataDir, name));
    expect(() => createEmulator({ ...credentials, dataDir })).toThrow(
      `${dataDir} holds files of two formats: verify-emulator-snapshot.json, verify-emulator-journal.jsonl (version 1) and ${SNAPSHOT}, ${JOURNAL} (version 2). Delete the version you do not want to keep`,
    );
  });

  it('finishes an upgrade that stopped after deleting the old journal: the new files hold everything', async () => {
    const dataDir = copyOfFixture();
    const upgraded = await startEmulator({ dataDir });
    await upgraded.close();
    fs.copyFileSync(path.join(FIXTURE, 'verify-emulator-snapshot.json'), path.join(dataDir, 'verify-emulator-snapshot.json'));
    const emulator = await startEmulator({ dataDir });
    try {
      expect(fs.readdirSync(dataDir).sort()).toEqual([JOURNAL, LOCK, SNAPSHOT].sort());
      expect((await emulator.client.verify.v2.services(SERVICE).entities(IDENTITY).challenges(CHALLENGE).fetch()).status).toBe('approved');
      expect(journalLines(dataDir)).toEqual([]);
    } finally {
      await emulator.close();
    }
  });
});
