// Sync durability in the shared journal: restarts, reads that never write, snapshots of the earlier format (with
// and without Sync), kill -9 mid-burst.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createEmulator } from '../../../emulator/server';
import { createEmulatorTwilioClient, newTestCredentials, startEmulator, type TestEmulator } from '../../helpers/emulator';
import { journalEntry, journalLines, removeTempDataDirs, restError, startCli, tempDataDir } from '../fixtures';

jest.setTimeout(120_000);

/** Format version 1's snapshot (emulator/core/data-files-v1.ts): still read, then replaced. */
const V1_SNAPSHOT = 'verify-emulator-snapshot.json';
const T0 = Date.parse('2030-01-01T00:00:00Z');
const tempDir = tempDataDir;

afterAll(removeTempDataDirs);

/** What the client sees of every Sync object, minus what legitimately changes across restarts (account, port). */
async function syncView(emulator: TestEmulator): Promise<unknown> {
  const service = emulator.client.sync.v1.services('default');
  const strip = (value: { toJSON(): object }) => {
    const { accountSid: _account, url: _url, links: _links, ...rest } = value.toJSON() as Record<string, unknown>;
    return rest;
  };
  return {
    service: strip(await service.fetch()),
    documents: (await service.documents.list()).map(strip),
    maps: (await service.syncMaps.list()).map(strip),
    mapItems: (await service.syncMaps('m').syncMapItems.list()).map(strip),
    lists: (await service.syncLists.list()).map(strip),
    listItems: (await service.syncLists('l').syncListItems.list()).map(strip),
  };
}

describe('restart', () => {
  it('keeps the default service, documents, maps, lists and their items with revisions and expiries', async () => {
    const dataDir = tempDir();
    const first = await startEmulator({ dataDir });
    await first.setClock(T0);
    const service = first.client.sync.v1.services('default');
    await service.documents.create({ uniqueName: 'state', data: { failures: 2 }, ttl: 3600 });
    await service.documents('state').update({ data: { failures: 3 } });
    await service.syncMaps.create({ uniqueName: 'm', collectionTtl: 7200 });
    await service.syncMaps('m').syncMapItems.create({ key: 'used:1', data: { at: 1 }, itemTtl: 90 });
    await service.syncLists.create({ uniqueName: 'l' });
    for (const n of [0, 1, 2]) await service.syncLists('l').syncListItems.create({ data: { n } });
    await service.syncLists('l').syncListItems(1).remove();
    const before = await syncView(first);
    await first.close();

    const second = await startEmulator({ dataDir });
    try {
      await second.setClock(T0);
      expect(await syncView(second)).toEqual(before);
      // The list's next index survived too: indexes are not reused after the restart.
      expect((await second.client.sync.v1.services('default').syncLists('l').syncListItems.create({ data: {} })).index).toBe(3);
      // So did the TTL, on the emulator clock.
      await second.advance(90);
      expect(await restError(() => second.client.sync.v1.services('default').syncMaps('m').syncMapItems('used:1').fetch())).toMatchObject({
        code: 54201,
      });
    } finally {
      await second.close();
    }
  });

  it('writes the default service into the snapshot at start, not the journal, and keeps its SID', async () => {
    const dataDir = tempDir();
    const first = await startEmulator({ dataDir });
    const sid = (await first.client.sync.v1.services('default').fetch()).sid;
    expect(journalLines(dataDir)).toEqual([]);
    await first.close();
    const second = await startEmulator({ dataDir });
    try {
      expect((await second.client.sync.v1.services('default').fetch()).sid).toBe(sid);
      expect((await second.client.sync.v1.services.list()).length).toBe(1);
    } finally {
      await second.close();
    }
  });

  it('never writes on a read, even of expired objects', async () => {
    const dataDir = tempDir();
    const emulator = await startEmulator({ dataDir });
    try {
      await emulator.setClock(T0);
      const service = emulator.client.sync.v1.services('default');
      await service.documents.create({ uniqueName: 'brief', ttl: 10 });
      await service.syncMaps.create({ uniqueName: 'm' });
      await service.syncMaps('m').syncMapItems.create({ key: 'k', data: {}, itemTtl: 10 });
      const written = journalLines(dataDir).length;
      await emulator.advance(10);
      expect(await restError(() => service.documents('brief').fetch())).toMatchObject({ code: 54100 });
      expect(await restError(() => service.syncMaps('m').syncMapItems('k').fetch())).toMatchObject({ code: 54201 });
      expect(await service.documents.list()).toEqual([]);
      expect(await service.syncMaps('m').syncMapItems.list()).toEqual([]);
      await service.fetch();
      expect(journalLines(dataDir)).toHaveLength(written);
      // The next write that meets the expired item removes it in its own journal line.
      await service.syncMaps('m').syncMapItems.create({ key: 'k', data: { again: true } });
      expect(journalEntry(journalLines(dataDir).at(-1))).toEqual({
        product: 'sync',
        changes: [
          { remove: 'mapItem', mapSid: expect.stringMatching(/^MP/), key: 'k' },
          { put: 'mapItem', record: expect.objectContaining({ key: 'k', data: { again: true } }) },
        ],
      });
    } finally {
      await emulator.close();
    }
  });
});

describe('snapshots', () => {
  const credentials = newTestCredentials();

  it('loads a version 1 snapshot from before Sync (no "sync" part) and seeds the default service', async () => {
    const dataDir = tempDir();
    const state = { services: [], entities: [], factors: [], challenges: [] };
    fs.writeFileSync(path.join(dataDir, V1_SNAPSHOT), JSON.stringify({ format: 'totp-functions/verify-emulator-snapshot', version: 1, state }));
    const emulator = await startEmulator({ dataDir });
    try {
      expect((await emulator.client.sync.v1.services('default').fetch()).uniqueName).toBe('default');
    } finally {
      await emulator.close();
    }
  });

  it('refuses to start on a damaged Sync part of a version 1 snapshot, naming it', () => {
    const dataDir = tempDir();
    const state = { services: [], entities: [], factors: [], challenges: [], sync: { services: [], documents: [{ sid: 'MPnot-a-document' }] } };
    fs.writeFileSync(path.join(dataDir, V1_SNAPSHOT), JSON.stringify({ format: 'totp-functions/verify-emulator-snapshot', version: 1, state }));
    expect(() => createEmulator({ ...credentials, dataDir })).toThrow(/"sync\.documents" is damaged/);
  });
});

describe('kill -9', () => {
  it('loses no acknowledged Sync write when the process is killed in the middle of a burst', async () => {
    const dataDir = tempDir();
    const credentials = newTestCredentials();
    const { child, url, exited } = await startCli(['--port', '0', '--data-dir', dataDir], { ACCOUNT_SID: credentials.accountSid, AUTH_TOKEN: credentials.authToken });
    const client = createEmulatorTwilioClient(url, credentials.accountSid, credentials.authToken);
    const service = client.sync.v1.services('default');
    await service.syncMaps.create({ uniqueName: 'burst' });
    await service.documents.create({ uniqueName: 'counter', data: { n: 0 } });

    // Two kinds of writes, 16 in flight: Map Item claims, and compare-and-swap increments of one document.
    // SIGKILL lands synchronously at the 150th acknowledgement; every answer received counts as acknowledged.
    const claimed: string[] = [];
    let increments = 0;
    let acks = 0;
    let sent = 0;
    let killed = false;
    const acknowledge = (): void => {
      acks += 1;
      if (acks === 150 && !killed) {
        killed = true;
        child.kill('SIGKILL');
      }
    };
    const write = async (n: number): Promise<void> => {
      if (n % 2 === 0) {
        await service.syncMaps('burst').syncMapItems.create({ key: `k${n}`, data: { n } });
        claimed.push(`k${n}`);
      } else {
        const current = await service.documents('counter').fetch();
        const counter = current.data as { n: number };
        await service.documents('counter').update({ data: { n: counter.n + 1 }, ifMatch: current.revision });
        increments += 1;
      }
      acknowledge();
    };
    const worker = async (): Promise<void> => {
      while (!killed && sent < 2000) await write(sent++).catch(() => undefined);
    };
    await Promise.all(Array.from({ length: 16 }, worker));
    expect((await exited).signal).toBe('SIGKILL');
    expect(claimed.length).toBeGreaterThan(0);
    expect(increments).toBeGreaterThan(0);

    const restarted = await startEmulator({ dataDir });
    try {
      const again = restarted.client.sync.v1.services('default');
      const keys = new Set((await again.syncMaps('burst').syncMapItems.list()).map((item) => item.key));
      for (const key of claimed) expect(keys.has(key)).toBe(true);
      // Every acknowledged increment is there, and none was lost to a race: n equals the revision.
      const counter = await again.documents('counter').fetch();
      expect((counter.data as { n: number }).n).toBeGreaterThanOrEqual(increments);
      expect(parseInt(counter.revision, 16)).toBe((counter.data as { n: number }).n);
    } finally {
      await restarted.close();
    }
  });
});
