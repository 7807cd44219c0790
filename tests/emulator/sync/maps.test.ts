// Sync Maps and Map Items through the real twilio client: atomic key claims, If-Match, item and collection TTLs.
import { restError, useWireCheckedEmulator } from '../fixtures';
import { outcomes, rawRequest } from '../fixtures';
import { expectTwilioErrorEnvelope } from '../wire';

const T0 = Date.parse('2030-01-01T00:00:00Z');

const emulator = useWireCheckedEmulator(T0);

const maps = () => emulator.client.sync.v1.services('default').syncMaps;
const map = (ref: string) => emulator.client.sync.v1.services('default').syncMaps(ref);
const items = (mapRef: string) => map(mapRef).syncMapItems;
const item = (mapRef: string, key: string) => map(mapRef).syncMapItems(key);

describe('maps', () => {
  it('creates with 201: MP SID, revision "0", links to its items, date_expires from CollectionTtl', async () => {
    const created = await maps().create({ uniqueName: 'user-codes', collectionTtl: 600 });
    expect(emulator.exchanges.at(-1)?.status).toBe(201);
    expect(created.sid).toMatch(/^MP[0-9a-f]{32}$/);
    expect(created).toMatchObject({ uniqueName: 'user-codes', revision: '0', createdBy: 'system' });
    expect(created.dateExpires?.toISOString()).toBe('2030-01-01T00:10:00.000Z');
    expect(created.links).toEqual({ items: `${created.url}/Items`, permissions: `${created.url}/Permissions` });
  });

  it('takes Ttl as an alias of CollectionTtl, ignored when both are sent', async () => {
    expect((await maps().create({ ttl: 60 })).dateExpires?.toISOString()).toBe('2030-01-01T00:01:00.000Z');
    expect((await maps().create({ ttl: 60, collectionTtl: 120 })).dateExpires?.toISOString()).toBe('2030-01-01T00:02:00.000Z');
  });

  it('fetches by SID and unique name, lists with key "maps", updates the TTL, deletes with its items', async () => {
    const created = await maps().create({ uniqueName: 'm' });
    await items('m').create({ key: 'k', data: { v: 1 } });
    expect((await map(created.sid).fetch()).toJSON()).toEqual((await map('m').fetch()).toJSON());
    expect((await maps().list()).map((listed) => listed.sid)).toEqual([created.sid]);
    const updated = await map('m').update({ collectionTtl: 30 });
    expect(updated.revision).toBe('1');
    expect(updated.dateExpires?.toISOString()).toBe('2030-01-01T00:00:30.000Z');
    expect(await map('m').remove()).toBe(true);
    expect(await restError(() => map('m').fetch())).toMatchObject({ status: 404, code: 54200, message: 'Map not found' });
    expect(await restError(() => item(created.sid, 'k').fetch())).toMatchObject({ status: 404, code: 54200 });
    // A new map under the same name starts empty: the items went with the old one.
    await maps().create({ uniqueName: 'm' });
    expect(await items('m').list()).toEqual([]);
  });

  it('refuses a taken unique name with 409 54301, and answers 404 54200 for an unknown map', async () => {
    await maps().create({ uniqueName: 'once' });
    expect(await restError(() => maps().create({ uniqueName: 'once' }))).toMatchObject({ status: 409, code: 54301 });
    expect(await restError(() => items('never').create({ key: 'k', data: {} }))).toMatchObject({ status: 404, code: 54200 });
  });

  it('takes its items with it when it expires', async () => {
    await maps().create({ uniqueName: 'brief', collectionTtl: 10 });
    await items('brief').create({ key: 'k', data: {} });
    await emulator.advance(10);
    expect(await restError(() => item('brief', 'k').fetch())).toMatchObject({ status: 404, code: 54200 });
    expect(await maps().list()).toEqual([]);
  });
});

describe('map items', () => {
  beforeEach(async () => {
    await maps().create({ uniqueName: 'm' });
  });

  it('creates with 201: key, map_sid, revision "0", data, URL ending in the encoded key, ETag', async () => {
    const created = await items('m').create({ key: 'code:YF01:123456', data: { used: true } });
    const parent = await map('m').fetch();
    expect(created).toMatchObject({ key: 'code:YF01:123456', mapSid: parent.sid, revision: '0', data: { used: true }, dateExpires: null });
    expect(created.url).toBe(`${parent.url}/Items/code%3AYF01%3A123456`);
    const raw = await rawRequest(emulator, 'GET', `/v1/Services/default/Maps/m/Items/${encodeURIComponent('code:YF01:123456')}`);
    expect(raw).toMatchObject({ status: 200, etag: '0' });
  });

  it('refuses an existing key with 409 54208', async () => {
    await items('m').create({ key: 'once', data: {} });
    const error = await restError(() => items('m').create({ key: 'once', data: { again: true } }));
    expect(error).toMatchObject({ status: 409, code: 54208, message: 'Map Item already exists' });
    expect((await item('m', 'once').fetch()).data).toEqual({});
  });

  it('answers exactly one 201 to 10 concurrent creates of one key; the other 9 get 409 54208', async () => {
    const { ok, failed } = await outcomes(Array.from({ length: 10 }, (_, n) => () => items('m').create({ key: 'claim', data: { n } })));
    expect(ok).toHaveLength(1);
    expect(failed).toEqual(Array.from({ length: 9 }, () => ({ status: 409, code: 54208 })));
    expect(emulator.exchanges.filter((exchange) => exchange.status === 201 && exchange.path.endsWith('/Items'))).toHaveLength(1);
    expect((await item('m', 'claim').fetch()).data).toEqual(ok[0]?.data);
  });

  it('updates with If-Match: the current revision wins, a stale one is 412 54205', async () => {
    const created = await items('m').create({ key: 'counter', data: { n: 0 } });
    const { ok, failed } = await outcomes(
      [1, 2].map((n) => () => item('m', 'counter').update({ data: { n }, ifMatch: created.revision })),
    );
    expect(ok.map((updated) => updated.revision)).toEqual(['1']);
    expect(failed).toEqual([{ status: 412, code: 54205 }]);
    expect((await item('m', 'counter').fetch()).data).toEqual(ok[0]?.data);
  });

  it('deletes with If-Match: a stale revision is 412 54205 and the item stays; the current one deletes it', async () => {
    await items('m').create({ key: 'k', data: {} });
    const updated = await item('m', 'k').update({ data: { v: 2 } });
    expect(await restError(() => item('m', 'k').remove({ ifMatch: '0' }))).toMatchObject({ status: 412, code: 54205 });
    expect((await item('m', 'k').fetch()).revision).toBe('1');
    expect(await item('m', 'k').remove({ ifMatch: updated.revision })).toBe(true);
    expect(await restError(() => item('m', 'k').fetch())).toMatchObject({ status: 404, code: 54201, message: 'Map Item not found' });
  });

  it('expires an item after ItemTtl on the emulator clock, and the key can be claimed again', async () => {
    const created = await items('m').create({ key: 'used-code', data: { at: T0 }, itemTtl: 90 });
    expect(created.dateExpires?.toISOString()).toBe('2030-01-01T00:01:30.000Z');
    await emulator.advance(89);
    expect(await restError(() => items('m').create({ key: 'used-code', data: {} }))).toMatchObject({ code: 54208 });
    await emulator.advance(1);
    expect(await restError(() => item('m', 'used-code').fetch())).toMatchObject({ status: 404, code: 54201 });
    expect(await items('m').list()).toEqual([]);
    expect((await items('m').create({ key: 'used-code', data: { again: true } })).revision).toBe('0');
  });

  it('takes Ttl as an alias of ItemTtl (ignored when both are sent); CollectionTtl sets the map expiry', async () => {
    expect((await items('m').create({ key: 'a', data: {}, ttl: 60 })).dateExpires?.toISOString()).toBe('2030-01-01T00:01:00.000Z');
    expect((await items('m').create({ key: 'b', data: {}, ttl: 60, itemTtl: 30 })).dateExpires?.toISOString()).toBe(
      '2030-01-01T00:00:30.000Z',
    );
    await items('m').create({ key: 'c', data: {}, collectionTtl: 300 });
    expect((await map('m').fetch()).dateExpires?.toISOString()).toBe('2030-01-01T00:05:00.000Z');
  });

  it('refuses CollectionTtl alone on an update with 400 20001', async () => {
    await items('m').create({ key: 'k', data: {} });
    expect(await restError(() => item('m', 'k').update({ collectionTtl: 60 }))).toMatchObject({ status: 400, code: 20001 });
  });

  it.each([
    ['an empty Key', { Key: '', Data: '{}' }, 400, 54209],
    ['a Key over 320 characters', { Key: 'k'.repeat(321), Data: '{}' }, 400, 54209],
    ['no Key', { Data: '{}' }, 400, 20001],
    ['no Data', { Key: 'k' }, 400, 20001],
    ['an ItemTtl over a year', { Key: 'k', Data: '{}', ItemTtl: '31536001' }, 400, 54011],
    ['Data over 16 KiB', { Key: 'k', Data: JSON.stringify({ pad: 'x'.repeat(16 * 1024) }) }, 413, 54006],
  ])('refuses a create with %s', async (_name, form, status, code) => {
    const response = await rawRequest(emulator, 'POST', '/v1/Services/default/Maps/m/Items', form);
    expect(response).toMatchObject({ status, body: { code } });
    expectTwilioErrorEnvelope(status, response.body);
  });

  it('lists by key, ascending or descending, from a key inclusively or not, in pages', async () => {
    for (const key of ['c', 'a', 'e', 'b', 'd']) await items('m').create({ key, data: {} });
    const keys = async (params: Parameters<ReturnType<typeof items>['list']>[0]) => (await items('m').list(params)).map((listed) => listed.key);
    expect(await keys({})).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(await keys({ order: 'desc' })).toEqual(['e', 'd', 'c', 'b', 'a']);
    expect(await keys({ from: 'c' })).toEqual(['c', 'd', 'e']);
    expect(await keys({ from: 'c', bounds: 'exclusive' })).toEqual(['d', 'e']);
    expect(await keys({ from: 'c', order: 'desc', bounds: 'exclusive' })).toEqual(['b', 'a']);
    expect(await keys({ pageSize: 2 })).toEqual(['a', 'b', 'c', 'd', 'e']);
    const meta = (emulator.exchanges.at(-1)?.body as { meta: { key: string; url: string } }).meta;
    expect(meta.key).toBe('items');
    expect(await restError(() => items('m').list({ order: 'sideways' as 'asc' }))).toMatchObject({ status: 400, code: 20001 });
  });
});
