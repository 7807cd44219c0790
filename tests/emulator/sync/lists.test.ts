// Sync Lists and List Items through the real twilio client: append order, indexes, If-Match, TTLs.
import { restError, useWireCheckedEmulator } from '../fixtures';
import { outcomes } from '../fixtures';

const T0 = Date.parse('2030-01-01T00:00:00Z');

const emulator = useWireCheckedEmulator(T0);

const lists = () => emulator.client.sync.v1.services('default').syncLists;
const list = (ref: string) => emulator.client.sync.v1.services('default').syncLists(ref);
const items = (ref: string) => list(ref).syncListItems;

describe('lists', () => {
  it('creates with 201 (ES SID), fetches by SID and name, lists with key "lists", updates the TTL, deletes', async () => {
    const created = await lists().create({ uniqueName: 'trail', ttl: 60 });
    expect(created.sid).toMatch(/^ES[0-9a-f]{32}$/);
    expect(created).toMatchObject({ uniqueName: 'trail', revision: '0' });
    expect(created.dateExpires?.toISOString()).toBe('2030-01-01T00:01:00.000Z');
    expect((await list(created.sid).fetch()).toJSON()).toEqual((await list('trail').fetch()).toJSON());
    expect((await lists().list()).map((listed) => listed.sid)).toEqual([created.sid]);
    expect((await list('trail').update({ collectionTtl: 0 })).dateExpires).toBeNull();
    expect(await list('trail').remove()).toBe(true);
    expect(await restError(() => list('trail').fetch())).toMatchObject({ status: 404, code: 54150 });
    await lists().create({ uniqueName: 'trail' });
    expect(await restError(() => lists().create({ uniqueName: 'trail' }))).toMatchObject({ status: 409, code: 54301 });
  });
});

describe('list items', () => {
  beforeEach(async () => {
    await lists().create({ uniqueName: 'l' });
  });

  it('appends with increasing indexes that are never reused after a delete', async () => {
    const first = await items('l').create({ data: { n: 0 } });
    const second = await items('l').create({ data: { n: 1 } });
    expect([first.index, second.index]).toEqual([0, 1]);
    expect(second.url).toBe(`${(await list('l').fetch()).url}/Items/1`);
    await items('l').get(1).remove();
    expect((await items('l').create({ data: { n: 2 } })).index).toBe(2);
    expect((await items('l').list()).map((item) => item.index)).toEqual([0, 2]);
    expect((await items('l').list({ order: 'desc' })).map((item) => item.index)).toEqual([2, 0]);
    expect((await items('l').list({ from: '0', bounds: 'exclusive' })).map((item) => item.index)).toEqual([2]);
    expect(await restError(() => items('l').get(1).fetch())).toMatchObject({ status: 404, code: 54151 });
  });

  it('gives every one of 10 concurrent appends its own index', async () => {
    const { ok } = await outcomes(Array.from({ length: 10 }, (_, n) => () => items('l').create({ data: { n } })));
    expect(ok.map((item) => item.index).sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('updates and deletes with If-Match: a stale revision is 412 54155', async () => {
    const created = await items('l').create({ data: { v: 1 } });
    await items('l').get(created.index).update({ data: { v: 2 }, ifMatch: created.revision });
    expect(await restError(() => items('l').get(created.index).update({ data: { v: 3 }, ifMatch: created.revision }))).toMatchObject({
      status: 412,
      code: 54155,
    });
    expect(await restError(() => items('l').get(created.index).remove({ ifMatch: created.revision }))).toMatchObject({ status: 412, code: 54155 });
    expect((await items('l').get(created.index).fetch()).data).toEqual({ v: 2 });
  });

  it('expires an item after ItemTtl on the emulator clock', async () => {
    const created = await items('l').create({ data: {}, itemTtl: 5 });
    await emulator.advance(5);
    expect(await restError(() => items('l').get(created.index).fetch())).toMatchObject({ status: 404, code: 54151 });
    expect(await items('l').list()).toEqual([]);
  });
});
