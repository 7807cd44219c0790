// Durability shared by every product: restarts, resets, compaction and the journal's entries; damaged data that
// stops a start; the CLI as a real process (ports, switches, kill -9). Recovery and locking: data-safety.test.ts.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createEmulator } from '../../../emulator/server';
import { createEmulatorTwilioClient, newTestCredentials, startEmulator } from '../../helpers/emulator';
import {
  JOURNAL,
  SNAPSHOT,
  codeFor,
  journalEntry,
  journalLines,
  removeTempDataDirs,
  restError,
  spawnCli,
  startCli,
  T0,
  IDENTITY,
  tempDataDir,
  wrongCodeFor,
} from '../fixtures';

jest.setTimeout(120_000);

const tempDir = tempDataDir;

afterAll(removeTempDataDirs);

describe('restart', () => {
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

  it('writes the snapshot atomically and starts a fresh journal, header first, at every start (compaction)', async () => {
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
    const snapshot = JSON.parse(fs.readFileSync(path.join(dataDir, SNAPSHOT), 'utf8')) as Record<string, unknown>;
    expect(snapshot).toEqual({
      format: 'totp-functions/emulator-snapshot',
      version: 2,
      products: {
        verify: expect.objectContaining({ services: [expect.any(Object)] }),
        sync: expect.objectContaining({ services: [expect.any(Object)] }),
        serverless: expect.objectContaining({ services: [] }),
        studio: { flows: [], revisions: [], executions: [] },
      },
    });
    // The lock went with the emulator that closed.
    expect(fs.readdirSync(dataDir).sort()).toEqual([JOURNAL, SNAPSHOT]);
  });
});


describe('the journal', () => {
  it('writes each mutation as one entry tagged with its product, and a reset as an entry of its own', async () => {
    const dataDir = tempDir();
    const emulator = await startEmulator({ dataDir });
    try {
      await emulator.createService({ friendlyName: 'Tagged' });
      await emulator.client.sync.v1.services('default').documents.create({ uniqueName: 'tagged', data: { n: 1 } });
      await emulator.reset();
      const entries = journalLines(dataDir).map(journalEntry);
      expect(entries).toEqual([
        { product: 'verify', changes: [{ put: 'service', record: expect.objectContaining({ friendlyName: 'Tagged' }) }] },
        { product: 'sync', changes: [{ put: 'document', record: expect.objectContaining({ uniqueName: 'tagged', data: { n: 1 } }) }] },
        { reset: true },
        // After the reset, Sync makes its default service again.
        { product: 'sync', changes: [{ put: 'service', record: expect.objectContaining({ uniqueName: 'default' }) }] },
      ]);
    } finally {
      await emulator.close();
    }
  });
});

describe('data it must not guess about', () => {
  const credentials = newTestCredentials();

  it('refuses to start on a snapshot that is not JSON, naming the file', () => {
    const dataDir = tempDir();
    fs.writeFileSync(path.join(dataDir, SNAPSHOT), '{"format": "totp-functions/emulator-snapsh');
    expect(() => createEmulator({ ...credentials, dataDir })).toThrow(new RegExp(`${SNAPSHOT} is not valid JSON; move it aside to start empty`));
  });

  it('refuses to start on a snapshot of another format', () => {
    const dataDir = tempDir();
    fs.writeFileSync(path.join(dataDir, SNAPSHOT), JSON.stringify({ services: [] }));
    expect(() => createEmulator({ ...credentials, dataDir })).toThrow(/is not an emulator snapshot/);
  });

  it('refuses files a newer emulator wrote, saying what to do', () => {
    const dataDir = tempDir();
    fs.writeFileSync(path.join(dataDir, SNAPSHOT), JSON.stringify({ format: 'totp-functions/emulator-snapshot', version: 3, products: {} }));
    expect(() => createEmulator({ ...credentials, dataDir })).toThrow(
      new RegExp(`${SNAPSHOT} is format version 3, written by a newer emulator; this one reads versions 1 and 2. Update the kit, or delete ${dataDir} to start empty`),
    );
    fs.rmSync(path.join(dataDir, SNAPSHOT));
    fs.writeFileSync(path.join(dataDir, JOURNAL), `${JSON.stringify({ format: 'totp-functions/emulator-journal', version: 3 })}\n`);
    expect(() => createEmulator({ ...credentials, dataDir })).toThrow(new RegExp(`${JOURNAL} is format version 3, written by a newer emulator`));
  });

  it('refuses state of a product it does not serve, in the snapshot or the journal, and leaves the files as they were', () => {
    const dataDir = tempDir();
    const snapshot = JSON.stringify({ format: 'totp-functions/emulator-snapshot', version: 2, products: { flex: { flows: [] } } });
    fs.writeFileSync(path.join(dataDir, SNAPSHOT), snapshot);
    expect(() => createEmulator({ ...credentials, dataDir })).toThrow(`${SNAPSHOT} holds state of "flex", which this emulator does not serve`);
    expect(fs.readFileSync(path.join(dataDir, SNAPSHOT), 'utf8')).toBe(snapshot);
    fs.rmSync(path.join(dataDir, SNAPSHOT));
    const journal = `${JSON.stringify({ format: 'totp-functions/emulator-journal', version: 2 })}\n${JSON.stringify({ product: 'flex', changes: [{}] })}\n`;
    fs.writeFileSync(path.join(dataDir, JOURNAL), journal);
    expect(() => createEmulator({ ...credentials, dataDir })).toThrow(/line 2 holds changes of "flex", which this emulator does not serve; run the version that wrote it, or delete/);
    expect(fs.readFileSync(path.join(dataDir, JOURNAL), 'utf8')).toBe(journal);
  });

  it('refuses a damaged part of a product\'s state, naming the product and the part', () => {
    const dataDir = tempDir();
    const products = { verify: { services: [{ sid: 'YFnot-a-service' }], entities: [], factors: [], challenges: [] } };
    fs.writeFileSync(path.join(dataDir, SNAPSHOT), JSON.stringify({ format: 'totp-functions/emulator-snapshot', version: 2, products }));
    expect(() => createEmulator({ ...credentials, dataDir })).toThrow(`${SNAPSHOT}: "verify.services" is damaged`);
  });
});

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

  it('takes switches from flags and VERIFY_EMULATOR_* variables (Verify\'s switches keep their prefix)', async () => {
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

  it('on a port in use, says so plainly (no raw EADDRINUSE) and exits 1, leaving the data directory free', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const port = (taken.address() as AddressInfo).port;
    const dataDir = tempDir();
    try {
      const cli = spawnCli(['--port', String(port), '--data-dir', dataDir], {});
      expect((await cli.exited).code).toBe(1);
      expect(cli.output()).toContain(
        `emulator: port ${port} is already in use on 127.0.0.1: stop the program that holds it (another emulator, or npm start), or choose another port with --port or EMULATOR_PORT`,
      );
      expect(cli.output()).not.toMatch(/EADDRINUSE|\n\s+at /);
      // Its lock went with it: the next emulator takes the directory without a word about a stale lock.
      const logs: string[] = [];
      const next = await startEmulator({ dataDir, log: (line) => logs.push(line) });
      await next.close();
      expect(logs.filter((line) => line.startsWith('data:'))).toEqual([]);
    } finally {
      await new Promise((resolve) => taken.close(resolve));
    }
  });

  it('reads its port from EMULATOR_PORT, and from VERIFY_EMULATOR_PORT with one deprecation line', async () => {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const port = (probe.address() as AddressInfo).port;
    await new Promise((resolve) => probe.close(resolve));
    for (const [variable, deprecated] of [['EMULATOR_PORT', false], ['VERIFY_EMULATOR_PORT', true]] as const) {
      const cli = await startCli(['--in-memory'], { [variable]: String(port) });
      try {
        expect(cli.url).toBe(`http://127.0.0.1:${port}`);
        const warnings = cli.output().split('\n').filter((line) => line.includes('deprecated'));
        expect(warnings).toEqual(deprecated ? ['emulator: warning: VERIFY_EMULATOR_PORT is deprecated: it is now EMULATOR_PORT (the old name still works for now)'] : []);
      } finally {
        cli.child.kill('SIGTERM');
        await cli.exited;
      }
    }
  });

  it('takes Sync\'s switches from EMULATOR_SYNC_* variables, and from their former VERIFY_EMULATOR_SYNC_* names with a deprecation line', async () => {
    const credentials = newTestCredentials();
    for (const variable of ['EMULATOR_SYNC_WRITE_RATE_LIMIT', 'VERIFY_EMULATOR_SYNC_WRITE_RATE_LIMIT']) {
      const cli = await startCli(['--port', '0', '--in-memory'], { ACCOUNT_SID: credentials.accountSid, AUTH_TOKEN: credentials.authToken, [variable]: '1' });
      try {
        const documents = createEmulatorTwilioClient(cli.url, credentials.accountSid, credentials.authToken).sync.v1.services('default').documents;
        await documents.create({ uniqueName: 'limited' });
        // 1 write per second over Sync's 10 s window: the eleventh update within it is refused.
        for (let i = 0; i < 10; i++) await documents('limited').update({ data: { i } });
        expect(await restError(() => documents('limited').update({ data: { i: 10 } }))).toMatchObject({ status: 429, code: 54009 });
        expect(cli.output().includes('VERIFY_EMULATOR_SYNC_WRITE_RATE_LIMIT is deprecated: it is now EMULATOR_SYNC_WRITE_RATE_LIMIT')).toBe(variable.startsWith('VERIFY_'));
      } finally {
        cli.child.kill('SIGTERM');
        await cli.exited;
      }
    }
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

    // The killed process could not remove its lock: the next start takes it over, and says so.
    const logs: string[] = [];
    const restarted = await startEmulator({ dataDir, log: (line) => logs.push(line) });
    expect(logs).toContain(`data: took over emulator.lock from process ${cli.child.pid}, which is no longer running`);
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
