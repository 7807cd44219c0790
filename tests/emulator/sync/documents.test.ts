// Sync Documents through the real twilio client: CRUD by SID or unique name, revision/ETag/If-Match, TTL, limits.
import { restError, useWireCheckedEmulator } from '../fixtures';
import { outcomes, rawRequest } from '../fixtures';
import { expectMatchesSpec, expectTwilioErrorEnvelope } from '../wire';

const T0 = Date.parse('2030-01-01T00:00:00Z');

const emulator = useWireCheckedEmulator(T0);

const documents = () => emulator.client.sync.v1.services('default').documents;
const document = (ref: string) => emulator.client.sync.v1.services('default').documents(ref);

describe('create, fetch, list, delete', () => {
  it('creates with 201: ET SID, revision "0", data as an object, date_expires from Ttl, created_by system', async () => {
    const created = await documents().create({ uniqueName: 'user-state', data: { failures: 0 }, ttl: 3600 });
    expect(emulator.exchanges.at(-1)?.status).toBe(201);
    expect(created.sid).toMatch(/^ET[0-9a-f]{32}$/);
    expect(created).toMatchObject({ uniqueName: 'user-state', revision: '0', data: { failures: 0 }, createdBy: 'system' });
    expect(created.dateCreated.toISOString()).toBe('2030-01-01T00:00:00.000Z');
    expect(created.dateExpires?.toISOString()).toBe('2030-01-01T01:00:00.000Z');
    expect(created.url).toBe(`${emulator.url}/v1/Services/${created.serviceSid}/Documents/${created.sid}`);
  });

  it('creates without a name, data or TTL: unique_name null, data {}, date_expires null', async () => {
    const created = await documents().create();
    expect(created).toMatchObject({ uniqueName: null, data: {}, dateExpires: null });
  });

  it('fetches the same document by SID and by unique name', async () => {
    const created = await documents().create({ uniqueName: 'by-name', data: { a: [1, 2] } });
    expect((await document(created.sid).fetch()).toJSON()).toEqual(created.toJSON());
    expect((await document('by-name').fetch()).toJSON()).toEqual(created.toJSON());
  });

  it('sends the revision as the ETag header on create, fetch and update', async () => {
    const created = await rawRequest(emulator, 'POST', '/v1/Services/default/Documents', { UniqueName: 'etag', Data: '{"v":1}' });
    expect(created).toMatchObject({ status: 201, etag: '0' });
    expectMatchesSpec('POST', '/v1/Services/default/Documents', 201, created.body);
    expect(await rawRequest(emulator, 'GET', '/v1/Services/default/Documents/etag')).toMatchObject({ status: 200, etag: '0' });
    const updated = await rawRequest(emulator, 'POST', '/v1/Services/default/Documents/etag', { Data: '{"v":2}' });
    expect(updated).toMatchObject({ status: 200, etag: '1', body: { revision: '1', data: { v: 2 } } });
  });

  it('lists live documents with paging meta', async () => {
    for (const name of ['a', 'b', 'c']) await documents().create({ uniqueName: name });
    const listed = await documents().list({ pageSize: 2 });
    expect(listed.map((item) => item.uniqueName)).toEqual(['a', 'b', 'c']);
    const first = emulator.exchanges.find((exchange) => exchange.method === 'GET')?.body as { meta: { key: string } };
    expect(first.meta.key).toBe('documents');
  });

  it('deletes by unique name with 204; the document is then 404 54100', async () => {
    await documents().create({ uniqueName: 'gone' });
    expect(await document('gone').remove()).toBe(true);
    expect(await restError(() => document('gone').fetch())).toMatchObject({ status: 404, code: 54100, message: 'Document not found' });
  });

  it('answers 404 54100 for an unknown SID or name, for fetch, update and delete', async () => {
    for (const ref of [`ET${'0'.repeat(32)}`, 'never-created']) {
      expect(await restError(() => document(ref).fetch())).toMatchObject({ status: 404, code: 54100 });
      expect(await restError(() => document(ref).update({ data: {} }))).toMatchObject({ status: 404, code: 54100 });
      expect(await restError(() => document(ref).remove())).toMatchObject({ status: 404, code: 54100 });
    }
  });

  it('refuses a taken unique name with 409 54301', async () => {
    await documents().create({ uniqueName: 'taken' });
    expect(await restError(() => documents().create({ uniqueName: 'taken' }))).toMatchObject({ status: 409, code: 54301 });
  });
});

describe('update and revisions', () => {
  it('replaces data, bumps the revision, keeps the expiry unless a new Ttl is sent (0 removes it)', async () => {
    const created = await documents().create({ uniqueName: 'u', data: { a: 1, b: 2 }, ttl: 600 });
    await emulator.advance(60);
    const updated = await document('u').update({ data: { a: 3 } });
    expect(updated).toMatchObject({ revision: '1', data: { a: 3 } });
    expect(updated.dateExpires?.toISOString()).toBe(created.dateExpires?.toISOString());
    expect(updated.dateUpdated.toISOString()).toBe('2030-01-01T00:01:00.000Z');
    const extended = await document('u').update({ ttl: 120 });
    expect(extended).toMatchObject({ revision: '2', data: { a: 3 } });
    expect(extended.dateExpires?.toISOString()).toBe('2030-01-01T00:03:00.000Z');
    expect((await document('u').update({ ttl: 0 })).dateExpires).toBeNull();
  });

  it('with If-Match: applies on the current revision, refuses a stale one with 412 54103', async () => {
    const created = await documents().create({ uniqueName: 'cas', data: { n: 0 } });
    const first = await document('cas').update({ data: { n: 1 }, ifMatch: created.revision });
    expect(first.revision).toBe('1');
    const stale = await restError(() => document('cas').update({ data: { n: 2 }, ifMatch: created.revision }));
    expect(stale).toMatchObject({ status: 412, code: 54103, message: 'Document revision mismatch' });
    expect((await document('cas').fetch()).data).toEqual({ n: 1 });
  });

  it('reads a quoted or weak entity tag as the bare revision', async () => {
    await documents().create({ uniqueName: 'quoted' });
    expect((await rawRequest(emulator, 'POST', '/v1/Services/default/Documents/quoted', { Data: '{}' }, { 'if-match': '"0"' })).status).toBe(200);
    expect((await rawRequest(emulator, 'POST', '/v1/Services/default/Documents/quoted', { Data: '{}' }, { 'if-match': 'W/"1"' })).status).toBe(200);
  });

  it.each([['a word', 'latest'], ['an empty value', ''], ['a wildcard', '*']])('refuses %s in If-Match with 400 54003', async (_name, value) => {
    await documents().create({ uniqueName: 'bad-tag' });
    const response = await rawRequest(emulator, 'POST', '/v1/Services/default/Documents/bad-tag', { Data: '{}' }, { 'if-match': value });
    expect(response.status).toBe(400);
    expectTwilioErrorEnvelope(400, response.body);
    expect(response.body).toMatchObject({ code: 54003 });
  });

  it('lets exactly one of two writers holding the same revision win', async () => {
    const created = await documents().create({ uniqueName: 'race', data: { winner: null } });
    const { ok, failed } = await outcomes(
      ['left', 'right'].map((writer) => () => document('race').update({ data: { winner: writer }, ifMatch: created.revision })),
    );
    expect(ok).toHaveLength(1);
    expect(failed).toEqual([{ status: 412, code: 54103 }]);
    expect((await document('race').fetch()).data).toEqual({ winner: ok[0]?.data.winner });
  });

  it('lets exactly one of 10 concurrent creators of one unique name win; the others get 409 54301', async () => {
    const { ok, failed } = await outcomes(Array.from({ length: 10 }, (_, n) => () => documents().create({ uniqueName: 'claim', data: { n } })));
    expect(ok).toHaveLength(1);
    expect(failed).toEqual(Array.from({ length: 9 }, () => ({ status: 409, code: 54301 })));
    expect((await document('claim').fetch()).data).toEqual(ok[0]?.data);
  });

  it('refuses an update with neither Data nor Ttl with 400 20001', async () => {
    await documents().create({ uniqueName: 'empty-update' });
    expect(await restError(() => document('empty-update').update({}))).toMatchObject({ status: 400, code: 20001 });
  });
});

describe('TTL on the emulator clock', () => {
  it('keeps the document until date_expires, then answers 54100 and frees the unique name', async () => {
    const created = await documents().create({ uniqueName: 'short', data: { v: 1 }, ttl: 30 });
    await emulator.advance(29);
    expect((await document('short').fetch()).sid).toBe(created.sid);
    await emulator.advance(1);
    expect(await restError(() => document('short').fetch())).toMatchObject({ status: 404, code: 54100 });
    expect(await restError(() => document(created.sid).update({ data: {} }))).toMatchObject({ status: 404, code: 54100 });
    expect(await documents().list()).toEqual([]);
    const again = await documents().create({ uniqueName: 'short', data: { v: 2 } });
    expect(again.sid).not.toBe(created.sid);
    expect((await document('short').fetch()).data).toEqual({ v: 2 });
  });

  it.each([
    ['over a year', '31536001'],
    ['negative', '-1'],
    ['not an integer', '1.5'],
  ])('refuses a Ttl %s with 400 54011', async (_name, ttl) => {
    const response = await rawRequest(emulator, 'POST', '/v1/Services/default/Documents', { Ttl: ttl });
    expect(response).toMatchObject({ status: 400, body: { code: 54011 } });
    expectTwilioErrorEnvelope(400, response.body);
  });

  it('accepts a Ttl of exactly one year', async () => {
    const created = await documents().create({ ttl: 31_536_000 });
    expect(created.dateExpires?.toISOString()).toBe('2031-01-01T00:00:00.000Z');
  });
});

describe('data', () => {
  it('accepts 16 KiB of data and refuses more with 413 54006', async () => {
    const fits = JSON.stringify({ pad: 'x'.repeat(16 * 1024 - 10) });
    expect(fits.length).toBe(16 * 1024);
    expect((await rawRequest(emulator, 'POST', '/v1/Services/default/Documents', { Data: fits })).status).toBe(201);
    const tooLarge = await rawRequest(emulator, 'POST', '/v1/Services/default/Documents', { Data: JSON.stringify({ pad: 'x'.repeat(16 * 1024) }) });
    expect(tooLarge).toMatchObject({ status: 413, body: { code: 54006 } });
    expectTwilioErrorEnvelope(413, tooLarge.body);
  });

  it.each([
    ['not JSON', '{"open": '],
    ['a JSON array', '[1, 2]'],
    ['a bare string', '"text"'],
  ])('refuses Data that is %s with 400 20001', async (_name, data) => {
    const response = await rawRequest(emulator, 'POST', '/v1/Services/default/Documents', { Data: data });
    expect(response).toMatchObject({ status: 400, body: { code: 20001, message: 'Invalid parameter: Data' } });
  });

  it.each([
    ['longer than 320 characters', 'n'.repeat(321)],
    ['shaped like a Document SID', `ET${'a'.repeat(32)}`],
  ])('refuses a UniqueName %s with 400 20001', async (_name, uniqueName) => {
    expect(await restError(() => documents().create({ uniqueName }))).toMatchObject({ status: 400, code: 20001 });
  });
});
