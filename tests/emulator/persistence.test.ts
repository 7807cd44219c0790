// Durability: state survives restarts and kill -9 mid-burst; damaged data stops the start; the CLI as a real process.
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createEmulator } from '../../emulator/server';
import { createEmulatorTwilioClient, newTestCredentials, startEmulator } from '../helpers/emulator';
import { codeFor, createFactor, enrolFactor, IDENTITY, removeTempDataDirs, restError, storedState, T0, tempDataDir, wrongCodeFor } from './fixtures';

jest.setTimeout(120_000);

const REPO_ROOT = path.join(__dirname, '../..');
const SNAPSHOT = 'verify-emulator-snapshot.json';
const JOURNAL = 'verify-emulator-journal.jsonl';

/** The journal's written lines (the file is preallocated with zeros after them). */
function journalLines(dataDir: string): string[] {
  return fs.readFileSync(path.join(dataDir, JOURNAL), 'utf8').replace(/\0+$/, '').split('\n').filter(Boolean);
}

const tempDir = tempDataDir;

afterAll(removeTempDataDirs);

/** Resources as the client sees them, minus what legitimately changes across restarts (account, port). */
function portable(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value, (key, inner: unknown) => (key === 'accountSid' || key === 'url' || key === 'links' || key === '_version' || key === '_solution' || key === '_context' ? undefined : inner)));
}

describe('restart', () => {
  it('keeps services, entities, factors, challenges, attempt counters and accepted steps', async () => {
    const dataDir = tempDir();
    const first = await startEmulator({ dataDir });
    await first.setClock(T0);
    const serviceSid = await first.createService({ friendlyName: 'Durable', 'totp.issuer': 'Durable Co', 'totp.skew': 0 });
    const entity = (emulator: typeof first) => emulator.client.verify.v2.services(serviceSid).entities(IDENTITY);
    const enrolled = await enrolFactor(first, serviceSid, T0);
    const struggling = await createFactor(first, serviceSid);
    await entity(first).factors(struggling.sid).update({ authPayload: wrongCodeFor(struggling.secret, T0) });
    await entity(first).factors(struggling.sid).update({ authPayload: wrongCodeFor(struggling.secret, T0) });
    await first.advance(30);
    const approved = await entity(first).challenges.create({ factorSid: enrolled.sid, authPayload: codeFor(enrolled.secret, T0 + 30_000) });
    const pending = await entity(first).challenges.create({ factorSid: enrolled.sid });
    const before = {
      service: portable(await first.client.verify.v2.services(serviceSid).fetch()),
      entity: portable(await entity(first).fetch()),
      factors: portable(await entity(first).factors.list()),
      challenges: portable(await entity(first).challenges.list()),
    };
    await first.close();

    const second = await startEmulator({ dataDir });
    try {
      await second.setClock(T0 + 30_000);
      expect({
        service: portable(await second.client.verify.v2.services(serviceSid).fetch()),
        entity: portable(await entity(second).fetch()),
        factors: portable(await entity(second).factors.list()),
        challenges: portable(await entity(second).challenges.list()),
      }).toEqual(before);
      expect(approved.status).toBe('approved');
      // The accepted step survived: the same code is still a replay.
      const replay = await entity(second).challenges.create({ factorSid: enrolled.sid, authPayload: codeFor(enrolled.secret, T0 + 30_000) });
      expect(replay.status).toBe('pending');
      // The failure counter survived: 3 more wrong codes, then the limit.
      for (let i = 0; i < 3; i++) await entity(second).factors(struggling.sid).update({ authPayload: wrongCodeFor(struggling.secret, T0) });
      expect(await restError(() => entity(second).factors(struggling.sid).update({ authPayload: '000000' }))).toMatchObject({ code: 60310 });
      expect((await entity(second).challenges.get(pending.sid).fetch()).status).toBe('pending');
    } finally {
      await second.close();
    }
  });

  it('keeps a reset (and the deletes before it) across a restart', async () => {
    const dataDir = tempDir();
    const first = await startEmulator({ dataDir });
    const sid = await first.createService();
    await first.client.verify.v2.services(sid).remove();
    await first.createService({ friendlyName: 'Wiped' });
    await first.reset();
    const kept = await first.createService({ friendlyName: 'After reset' });
    await first.close();
    const second = await startEmulator({ dataDir });
    try {
      expect((await second.client.verify.v2.services.list()).map((service) => service.sid)).toEqual([kept]);
    } finally {
      await second.close();
    }
  });

  it('writes the snapshot atomically and starts a fresh journal at every start (compaction)', async () => {
    const dataDir = tempDir();
    const first = await startEmulator({ dataDir });
    await first.createService();
    expect(journalLines(dataDir)).toHaveLength(1);
    await first.close();
    // What a crash during a snapshot write leaves behind: a temporary file that was never renamed.
    fs.writeFileSync(path.join(dataDir, `${SNAPSHOT}.12345.tmp`), '{"half": ');
    const second = await startEmulator({ dataDir });
    await second.close();
    expect(journalLines(dataDir)).toEqual([]);
    const snapshot = JSON.parse(fs.readFileSync(path.join(dataDir, SNAPSHOT), 'utf8')) as { state: { services: unknown[] } };
    expect(snapshot.state.services).toHaveLength(1);
    expect(fs.readdirSync(dataDir).sort()).toEqual([JOURNAL, SNAPSHOT]);
  });
});

describe('reads never write', () => {
  /** The default unverified-factor TTL (switch unverifiedFactorTtlSeconds). */
  const TTL_SECONDS = 3600;

  it('GETs of everything (an aged-out factor and an expired challenge included) leave the journal as it was', async () => {
    const dataDir = tempDir();
    const emulator = await startEmulator({ dataDir });
    try {
      await emulator.setClock(T0);
      const serviceSid = await emulator.createService();
      const service = emulator.client.verify.v2.services(serviceSid);
      const enrolled = await enrolFactor(emulator, serviceSid, T0);
      const abandoned = await createFactor(emulator, serviceSid);
      const challenge = await service.entities(IDENTITY).challenges.create({ factorSid: enrolled.sid });
      await emulator.advance(TTL_SECONDS);
      const before = journalLines(dataDir);

      await service.fetch();
      await emulator.client.verify.v2.services.list();
      await service.entities(IDENTITY).fetch();
      await service.entities.list();
      expect((await service.entities(IDENTITY).factors.list()).map((factor) => factor.sid)).toEqual([enrolled.sid]);
      expect(await restError(() => service.entities(IDENTITY).factors(abandoned.sid).fetch())).toMatchObject({ status: 404, code: 60390 });
      expect((await service.entities(IDENTITY).challenges(challenge.sid).fetch()).status).toBe('expired');
      expect((await service.entities(IDENTITY).challenges.list({ status: 'expired' })).map((listed) => listed.sid)).toEqual([challenge.sid]);

      expect(journalLines(dataDir)).toEqual(before);
    } finally {
      await emulator.close();
    }
  });

  it('an aged-out factor answers 60390 to fetch, update, challenge and delete, and is left out of lists; none of them journals anything', async () => {
    const dataDir = tempDir();
    const emulator = await startEmulator({ dataDir });
    try {
      await emulator.setClock(T0);
      const serviceSid = await emulator.createService();
      const entity = emulator.client.verify.v2.services(serviceSid).entities(IDENTITY);
      const abandoned = await createFactor(emulator, serviceSid);
      await emulator.advance(TTL_SECONDS);
      const before = journalLines(dataDir);
      const code = codeFor(abandoned.secret, T0 + TTL_SECONDS * 1000);
      expect(await restError(() => entity.factors(abandoned.sid).fetch())).toMatchObject({ status: 404, code: 60390 });
      expect(await restError(() => entity.factors(abandoned.sid).update({ authPayload: code }))).toMatchObject({ status: 404, code: 60390 });
      expect(await restError(() => entity.challenges.create({ factorSid: abandoned.sid, authPayload: code }))).toMatchObject({ status: 404, code: 60390 });
      expect(await restError(() => entity.factors(abandoned.sid).remove())).toMatchObject({ status: 404, code: 60390 });
      expect(await entity.factors.list()).toEqual([]);
      expect(journalLines(dataDir)).toEqual(before);
    } finally {
      await emulator.close();
    }
  });

  it('the next factor created for the entity deletes its aged-out factors, in the same journal line', async () => {
    const dataDir = tempDir();
    const emulator = await startEmulator({ dataDir });
    try {
      await emulator.setClock(T0);
      const serviceSid = await emulator.createService();
      const abandoned = await createFactor(emulator, serviceSid);
      const young = await createFactor(emulator, serviceSid);
      await emulator.advance(TTL_SECONDS - 1);
      const younger = await createFactor(emulator, serviceSid);
      await emulator.advance(1);
      const before = journalLines(dataDir);
      const fresh = await createFactor(emulator, serviceSid);
      const written = journalLines(dataDir).slice(before.length);
      expect(written).toHaveLength(1);
      const changes = JSON.parse(written[0] ?? '[]') as Array<{ put?: string; remove?: string; sid?: string; record?: { sid: string } }>;
      expect(changes.filter((change) => change.remove === 'factor').map((change) => change.sid).sort()).toEqual([abandoned.sid, young.sid].sort());
      expect(changes.some((change) => change.put === 'factor' && change.record?.sid === fresh.sid)).toBe(true);
      const listed = await emulator.client.verify.v2.services(serviceSid).entities(IDENTITY).factors.list();
      expect(listed.map((factor) => factor.sid)).toEqual([younger.sid, fresh.sid]);
    } finally {
      await emulator.close();
    }
  });

  it('compaction leaves aged-out factors (and their secrets) out of the snapshot', async () => {
    const dataDir = tempDir();
    const emulator = await startEmulator({ dataDir });
    let kept: { sid: string };
    let abandoned: { sid: string; secret: string };
    try {
      // Created under the wall clock, as a restart (which compacts) follows the wall clock again.
      const serviceSid = await emulator.createService();
      kept = await createFactor(emulator, serviceSid, 'kept-user-1234');
      await emulator.setClock(Date.now() - (TTL_SECONDS + 60) * 1000);
      abandoned = await createFactor(emulator, serviceSid);
    } finally {
      await emulator.close();
    }
    const snapshot = (await storedState(dataDir)).factors;
    expect(snapshot.map((factor) => factor.sid)).toEqual([kept.sid]);
    expect(JSON.stringify(snapshot)).not.toContain(abandoned.secret);
  });
});

describe('damaged data', () => {
  const credentials = newTestCredentials();

  it('refuses to start on a snapshot that is not JSON, naming the file', () => {
    const dataDir = tempDir();
    fs.writeFileSync(path.join(dataDir, SNAPSHOT), '{"format": "totp-functions/verify-emulator-snapsh');
    expect(() => createEmulator({ ...credentials, dataDir })).toThrow(new RegExp(`${SNAPSHOT} is not valid JSON`));
  });

  it('refuses to start on a journal with data after its end', async () => {
    const dataDir = tempDir();
    const emulator = await startEmulator({ dataDir });
    await emulator.createService();
    await emulator.close();
    const journalPath = path.join(dataDir, JOURNAL);
    const fd = fs.openSync(journalPath, 'r+');
    fs.writeSync(fd, 'garbage', fs.statSync(journalPath).size - 100);
    fs.closeSync(fd);
    expect(() => createEmulator({ ...credentials, dataDir })).toThrow(/has data after its end/);
  });

  it('refuses to start on a snapshot of another format', () => {
    const dataDir = tempDir();
    fs.writeFileSync(path.join(dataDir, SNAPSHOT), JSON.stringify({ services: [] }));
    expect(() => createEmulator({ ...credentials, dataDir })).toThrow(/is not a version 1 Verify emulator snapshot/);
  });

  it('refuses to start on a damaged journal line and leaves the files untouched', async () => {
    const dataDir = tempDir();
    const emulator = await startEmulator({ dataDir });
    await emulator.createService();
    await emulator.createService();
    await emulator.close();
    const journalPath = path.join(dataDir, JOURNAL);
    const lines = journalLines(dataDir);
    lines[0] = lines[0]?.slice(0, 20) ?? '';
    const damaged = `${lines.join('\n')}\n`;
    fs.writeFileSync(journalPath, damaged);
    expect(() => createEmulator({ ...credentials, dataDir })).toThrow(new RegExp(`${JOURNAL}: line 1 is damaged`));
    expect(fs.readFileSync(journalPath, 'utf8')).toBe(damaged);
  });

  it('drops only a half-written last line (a write the crash interrupted, never acknowledged)', async () => {
    const dataDir = tempDir();
    const emulator = await startEmulator({ dataDir });
    const kept = await emulator.createService({ friendlyName: 'Acknowledged' });
    await emulator.close();
    // What a crash mid-write leaves: the start of a line where the zeros began.
    const journalPath = path.join(dataDir, JOURNAL);
    const end = fs.readFileSync(journalPath).indexOf(0);
    const fd = fs.openSync(journalPath, 'r+');
    fs.writeSync(fd, '[{"put":"service","record":{"sid":"VA', end);
    fs.closeSync(fd);
    const logs: string[] = [];
    const restarted = await startEmulator({ dataDir, log: (line) => logs.push(line) });
    try {
      expect((await restarted.client.verify.v2.services.list()).map((service) => service.sid)).toEqual([kept]);
      expect(logs.join('\n')).toMatch(/discarded a half-written journal line/);
    } finally {
      await restarted.close();
    }
  });
});

interface CliProcess {
  child: ChildProcess;
  url: string;
  output: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Runs `npm run emulator`'s entry point as a real process (node --import tsx, so signals reach the emulator itself). */
function startCli(args: string[], env: Record<string, string | undefined>): Promise<CliProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'emulator/main.ts', ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, ACCOUNT_SID: undefined, AUTH_TOKEN: undefined, VERIFY_EMULATOR_PORT: undefined, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return new Promise((resolve, reject) => {
    const onData = (): void => {
      const match = /Verify emulator listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
      if (match?.[1]) {
        child.stdout?.off('data', onData);
        resolve({ child, url: match[1], output: () => output, exited });
      }
    };
    child.stdout?.on('data', onData);
    void exited.then(({ code }) => reject(new Error(`emulator exited (${code}) before listening:\n${output}`)));
  });
}

describe('the CLI process', () => {
  it('prints its address, serves the twilio client, and stops cleanly on SIGTERM', async () => {
    const credentials = newTestCredentials();
    const dataDir = tempDir();
    const cli = await startCli(['--port', '0', '--data-dir', dataDir], { ACCOUNT_SID: credentials.accountSid, AUTH_TOKEN: credentials.authToken });
    const client = createEmulatorTwilioClient(cli.url, credentials.accountSid, credentials.authToken);
    const service = await client.verify.v2.services.create({ friendlyName: 'From CLI' });
    expect((await client.verify.v2.services(service.sid).fetch()).friendlyName).toBe('From CLI');
    expect(cli.output()).not.toContain(credentials.authToken);
    cli.child.kill('SIGTERM');
    expect(await cli.exited).toEqual({ code: 0, signal: null });
    expect(cli.output()).toMatch(/POST \/v2\/Services 201 /);
    // What it served is in its data directory for the next start.
    const restarted = await startEmulator({ dataDir });
    try {
      expect((await restarted.client.verify.v2.services.list()).map((listed) => [listed.sid, listed.friendlyName])).toEqual([[service.sid, 'From CLI']]);
    } finally {
      await restarted.close();
    }
  });

  it('generates and prints credentials when ACCOUNT_SID/AUTH_TOKEN are unset', async () => {
    const cli = await startCli(['--port', '0', '--in-memory'], {});
    try {
      const accountSid = /ACCOUNT_SID=(AC[0-9a-f]{32})/.exec(cli.output())?.[1] ?? '';
      const authToken = /AUTH_TOKEN=([0-9a-f]{32})/.exec(cli.output())?.[1] ?? '';
      const client = createEmulatorTwilioClient(cli.url, accountSid, authToken);
      expect(await client.verify.v2.services.list()).toEqual([]);
    } finally {
      cli.child.kill('SIGINT');
      expect((await cli.exited).code).toBe(0);
    }
  });

  it('takes switches from flags and VERIFY_EMULATOR_* variables', async () => {
    const credentials = newTestCredentials();
    const cli = await startCli(['--port', '0', '--in-memory', '--unverified-factor-ttl-seconds', '60'], {
      ACCOUNT_SID: credentials.accountSid,
      AUTH_TOKEN: credentials.authToken,
      VERIFY_EMULATOR_MAX_ATTEMPTS: '1',
    });
    try {
      const client = createEmulatorTwilioClient(cli.url, credentials.accountSid, credentials.authToken);
      const setClock = (body: unknown) =>
        fetch(`${cli.url}/__emulator/clock`, {
          method: 'POST',
          headers: { authorization: `Basic ${Buffer.from(`${credentials.accountSid}:${credentials.authToken}`).toString('base64')}` },
          body: JSON.stringify(body),
        });
      await setClock({ now: T0 });
      const serviceSid = (await client.verify.v2.services.create({ friendlyName: 'Switches' })).sid;
      const entity = client.verify.v2.services(serviceSid).entities(IDENTITY);
      const factor = await entity.newFactors.create({ friendlyName: 'phone', factorType: 'totp' });
      const secret = (factor.binding as { secret: string }).secret;
      await entity.factors(factor.sid).update({ authPayload: wrongCodeFor(secret, T0) });
      expect(await restError(() => entity.factors(factor.sid).update({ authPayload: codeFor(secret, T0) }))).toMatchObject({ code: 60310 });
      await setClock({ advanceSeconds: 60 });
      expect(await restError(() => entity.factors(factor.sid).fetch())).toMatchObject({ code: 60390 });
    } finally {
      cli.child.kill('SIGTERM');
      await cli.exited;
    }
  });

  it('refuses an unknown option or a bad switch value with exit code 2', async () => {
    await expect(startCli(['--port', '0', '--allow-code-reuse', 'perhaps'], {})).rejects.toThrow(/exited \(2\)[\s\S]*--allow-code-reuse expects true or false/);
    await expect(startCli(['--prot', '4010'], {})).rejects.toThrow(/exited \(2\)[\s\S]*unknown option --prot/);
  });

  it('exits with a clear message when the data directory is damaged', async () => {
    const dataDir = tempDir();
    fs.writeFileSync(path.join(dataDir, SNAPSHOT), 'not json');
    await expect(startCli(['--port', '0', '--data-dir', dataDir], {})).rejects.toThrow(/exited \(1\)[\s\S]*cannot start: .*is not valid JSON/);
  });

  it('loses nothing it acknowledged when killed with SIGKILL in the middle of a burst of writes', async () => {
    const dataDir = tempDir();
    const credentials = newTestCredentials();
    const env = { ACCOUNT_SID: credentials.accountSid, AUTH_TOKEN: credentials.authToken };
    const cli = await startCli(['--port', '0', '--data-dir', dataDir, '--allow-code-reuse'], env);
    const client = createEmulatorTwilioClient(cli.url, credentials.accountSid, credentials.authToken);
    const serviceSid = (await client.verify.v2.services.create({ friendlyName: 'Burst' })).sid;
    const service = client.verify.v2.services(serviceSid);
    const enrolled: Array<{ identity: string; sid: string; secret: string }> = [];
    for (let i = 0; i < 8; i++) {
      const identity = `burst-enrolled-${i}`;
      const factor = await service.entities(identity).newFactors.create({ friendlyName: 'phone', factorType: 'totp' });
      const secret = (factor.binding as { secret: string }).secret;
      await service.entities(identity).factors(factor.sid).update({ authPayload: codeFor(secret, Date.now()) });
      enrolled.push({ identity, sid: factor.sid, secret });
    }

    // Two kinds of writes, 16 in flight; SIGKILL lands synchronously when the 150th acknowledgement arrives.
    // Every answer the client received counts as acknowledged, including those that raced the kill.
    const acknowledged = {
      factors: [] as Array<{ identity: string; sid: string }>,
      challenges: [] as Array<{ identity: string; sid: string; status: string }>,
    };
    let sent = 0;
    let acks = 0;
    let killed = false;
    const write = async (n: number): Promise<void> => {
      if (n % 2 === 0) {
        const identity = `burst-new-${n}`;
        const factor = await service.entities(identity).newFactors.create({ friendlyName: `f${n}`, factorType: 'totp' });
        acknowledged.factors.push({ identity, sid: factor.sid });
      } else {
        const target = enrolled[n % enrolled.length] as { identity: string; sid: string; secret: string };
        const challenge = await service
          .entities(target.identity)
          .challenges.create({ factorSid: target.sid, authPayload: codeFor(target.secret, Date.now()) });
        acknowledged.challenges.push({ identity: target.identity, sid: challenge.sid, status: challenge.status });
      }
      acks += 1;
      if (acks === 150 && !killed) {
        killed = true;
        cli.child.kill('SIGKILL');
      }
    };
    const worker = async (): Promise<void> => {
      while (!killed && sent < 2000) {
        const n = sent++;
        await write(n).catch(() => undefined);
      }
    };
    await Promise.all(Array.from({ length: 16 }, worker));
    expect(await cli.exited).toEqual({ code: null, signal: 'SIGKILL' });
    expect(acknowledged.factors.length + acknowledged.challenges.length).toBeGreaterThanOrEqual(150);

    const restarted = await startEmulator({ dataDir });
    try {
      const again = restarted.client.verify.v2.services(serviceSid);
      for (const { identity, sid } of acknowledged.factors) {
        expect((await again.entities(identity).factors(sid).fetch()).sid).toBe(sid);
      }
      // Each challenge was answered 201 approved (a valid code, allowCodeReuse): approved is the only right state.
      expect(new Set(acknowledged.challenges.map(({ status }) => status))).toEqual(new Set(['approved']));
      for (const { identity, sid } of acknowledged.challenges) {
        const challenge = await again.entities(identity).challenges.get(sid).fetch();
        expect([challenge.sid, challenge.status]).toEqual([sid, 'approved']);
      }
      expect(acknowledged.challenges.length).toBeGreaterThan(0);
    } finally {
      await restarted.close();
    }
  });
});
