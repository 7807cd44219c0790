// Sync under the emulator's controls: the write-rate and expiry-delay switches, faults aimed at Sync paths, reset.
import { startEmulator, type TestEmulator } from '../../helpers/emulator';
import { restError } from '../fixtures';
import { rawRequest } from '../fixtures';
import { expectWireCompatible } from '../wire';

const T0 = Date.parse('2030-01-01T00:00:00Z');

describe('the syncWriteRateLimit switch (54009)', () => {
  let emulator: TestEmulator;

  beforeAll(async () => {
    emulator = await startEmulator({ switches: { syncWriteRateLimit: 2 } });
  });
  afterAll(() => emulator.close());
  beforeEach(async () => {
    await emulator.reset();
    await emulator.setClock(T0);
    emulator.exchanges.length = 0;
  });
  afterEach(() => {
    expectWireCompatible(emulator.exchanges);
  });

  const documents = () => emulator.client.sync.v1.services('default').documents;
  const maps = () => emulator.client.sync.v1.services('default').syncMaps;

  it('allows rate × 10 writes to one object in any 10 s, then answers 429 54009 until the window moves on', async () => {
    await documents().create({ uniqueName: 'hot' });
    for (let n = 1; n <= 20; n++) await documents()('hot').update({ data: { n } });
    expect(await restError(() => documents()('hot').update({ data: { n: 21 } }))).toMatchObject({ status: 429, code: 54009 });
    // Reads are not limited by this switch, and the refused write changed nothing.
    expect((await documents()('hot').fetch()).data).toEqual({ n: 20 });
    await emulator.advance(9);
    expect(await restError(() => documents()('hot').update({ data: { n: 21 } }))).toMatchObject({ code: 54009 });
    await emulator.advance(1);
    expect((await documents()('hot').update({ data: { n: 21 } })).data).toEqual({ n: 21 });
  });

  it('counts per object: another document is not throttled', async () => {
    await documents().create({ uniqueName: 'hot' });
    await documents().create({ uniqueName: 'cold' });
    for (let n = 1; n <= 20; n++) await documents()('hot').update({ data: { n } });
    expect(await restError(() => documents()('hot').update({ data: {} }))).toMatchObject({ code: 54009 });
    expect((await documents()('cold').update({ data: { ok: true } })).revision).toBe('1');
  });

  it('counts a map and all its items as one object', async () => {
    await maps().create({ uniqueName: 'm' });
    for (let n = 0; n < 20; n++) await maps()('m').syncMapItems.create({ key: `k${n}`, data: {} });
    expect(await restError(() => maps()('m').syncMapItems.create({ key: 'one-more', data: {} }))).toMatchObject({ status: 429, code: 54009 });
    expect(await restError(() => maps()('m').syncMapItems('k0').update({ data: { x: 1 } }))).toMatchObject({ code: 54009 });
  });
});

describe('the syncExpiryDelaySeconds switch', () => {
  let emulator: TestEmulator;

  beforeAll(async () => {
    emulator = await startEmulator({ switches: { syncExpiryDelaySeconds: 60 } });
  });
  afterAll(() => emulator.close());

  it('keeps an expired document readable (and its name taken) until the delay has passed', async () => {
    await emulator.setClock(T0);
    const documents = emulator.client.sync.v1.services('default').documents;
    const created = await documents.create({ uniqueName: 'lingering', ttl: 10 });
    await emulator.advance(30);
    expect((await documents('lingering').fetch()).dateExpires?.toISOString()).toBe(created.dateExpires?.toISOString());
    expect(await restError(() => documents.create({ uniqueName: 'lingering' }))).toMatchObject({ code: 54301 });
    await emulator.advance(40);
    expect(await restError(() => documents('lingering').fetch())).toMatchObject({ status: 404, code: 54100 });
  });
});

describe('faults and reset on Sync paths', () => {
  let emulator: TestEmulator;

  beforeAll(async () => {
    emulator = await startEmulator();
  });
  afterAll(() => emulator.close());
  beforeEach(async () => {
    await emulator.reset();
  });

  const documents = () => emulator.client.sync.v1.services('default').documents;

  it('answers a fault aimed at a Sync path, and only there', async () => {
    await documents().create({ uniqueName: 'doc' });
    await emulator.fault({ match: { path: '/v1/Services/' }, status: 503, code: 20503, message: 'Service unavailable' });
    const verifyService = await emulator.createService();
    expect(verifyService).toMatch(/^VA/);
    expect(await restError(() => documents()('doc').fetch())).toMatchObject({ status: 503, code: 20503 });
    expect((await documents()('doc').fetch()).uniqueName).toBe('doc');
  });

  it('takes the status of a Sync code from the code alone: 54009 is 429, a storm of 54103 is 412 each time', async () => {
    await documents().create({ uniqueName: 'doc' });
    await emulator.fault({ match: { method: 'POST', path: '/Documents/doc' }, code: 54009 });
    expect(await restError(() => documents()('doc').update({ data: {} }))).toMatchObject({ status: 429, code: 54009, message: 'Rate limit exceeded' });
    await emulator.fault({ match: { method: 'POST', path: '/Documents/doc' }, code: 54103, count: 5 });
    for (let n = 0; n < 5; n++) {
      expect(await restError(() => documents()('doc').update({ data: { n }, ifMatch: '0' }))).toMatchObject({ status: 412, code: 54103 });
    }
    // The faults stood in for the writes: nothing changed, and the sixth attempt goes through.
    expect((await documents()('doc').update({ data: { n: 5 }, ifMatch: '0' })).revision).toBe('1');
  });

  it('drops the connection or answers garbage on a Sync path when told', async () => {
    await emulator.fault({ match: { path: '/Maps' }, drop: true });
    await expect(emulator.client.sync.v1.services('default').syncMaps.create({ uniqueName: 'm' })).rejects.toThrow();
    await emulator.fault({ match: { path: '/Maps' }, malformed: true });
    const raw = await fetch(`${emulator.url}/v1/Services/default/Maps`, {
      headers: { authorization: `Basic ${Buffer.from(`${emulator.accountSid}:${emulator.authToken}`).toString('base64')}` },
    });
    expect(await raw.text()).toMatch(/^<html>/);
  });

  it('wipes Sync state on reset and restores the default service', async () => {
    const custom = await emulator.client.sync.v1.services.create({ friendlyName: 'custom' });
    await documents().create({ uniqueName: 'doc' });
    await emulator.reset();
    expect(await restError(() => documents()('doc').fetch())).toMatchObject({ code: 54100 });
    expect(await restError(() => emulator.client.sync.v1.services(custom.sid).fetch())).toMatchObject({ code: 20404 });
    expect((await emulator.client.sync.v1.services.list()).map((service) => service.uniqueName)).toEqual(['default']);
  });

  it('needs Basic auth on Sync paths like everywhere else (401 20003)', async () => {
    const response = await rawRequest({ ...emulator, authToken: 'wrong' }, 'GET', '/v1/Services/default');
    expect(response).toMatchObject({ status: 401, body: { code: 20003 } });
  });
});
