// Sync Services through the real twilio client: the `default` alias, CRUD, unknown services, paging.
import { startEmulator, type TestEmulator } from '../../helpers/emulator';
import { restError } from '../fixtures';
import { rawRequest } from '../fixtures';
import { expectTwilioErrorEnvelope, expectWireCompatible } from '../wire';

let emulator: TestEmulator;

beforeAll(async () => {
  emulator = await startEmulator();
});
afterAll(() => emulator.close());
beforeEach(async () => {
  await emulator.reset();
  emulator.exchanges.length = 0;
});
afterEach(() => {
  expectWireCompatible(emulator.exchanges);
});

const sync = () => emulator.client.sync.v1;

describe('the default service', () => {
  it('answers to `default` with unique_name "default" and an IS SID, the same service as by its SID', async () => {
    const byAlias = await sync().services('default').fetch();
    expect(byAlias.sid).toMatch(/^IS[0-9a-f]{32}$/);
    expect(byAlias.uniqueName).toBe('default');
    expect(byAlias.url).toBe(`${emulator.url}/v1/Services/${byAlias.sid}`);
    const bySid = await sync().services(byAlias.sid).fetch();
    expect(bySid.toJSON()).toEqual(byAlias.toJSON());
  });

  it('holds documents addressed through either name', async () => {
    const service = await sync().services('default').fetch();
    const created = await sync().services('default').documents.create({ uniqueName: 'shared', data: { n: 1 } });
    expect(created.serviceSid).toBe(service.sid);
    expect((await sync().services(service.sid).documents('shared').fetch()).sid).toBe(created.sid);
  });

  it('cannot be deleted (400 20001), and comes back after a reset with a new SID', async () => {
    const before = await sync().services('default').fetch();
    expect(await restError(() => sync().services('default').remove())).toMatchObject({ status: 400, code: 20001 });
    await emulator.reset();
    const after = await sync().services('default').fetch();
    expect(after.uniqueName).toBe('default');
    expect(after.sid).not.toBe(before.sid);
  });
});

describe('services', () => {
  it('creates with 201 and reads back every setting; the list holds the default service too', async () => {
    const created = await sync().services.create({
      friendlyName: 'Kit state',
      aclEnabled: true,
      reachabilityDebouncingEnabled: true,
      reachabilityDebouncingWindow: 3000,
      webhookUrl: 'https://example.com/hook',
    });
    expect(emulator.exchanges.at(-1)?.status).toBe(201);
    expect(created.sid).toMatch(/^IS[0-9a-f]{32}$/);
    expect(created).toMatchObject({
      uniqueName: null,
      accountSid: emulator.accountSid,
      friendlyName: 'Kit state',
      aclEnabled: true,
      reachabilityDebouncingEnabled: true,
      reachabilityDebouncingWindow: 3000,
      webhookUrl: 'https://example.com/hook',
      webhooksFromRestEnabled: false,
    });
    expect((await sync().services(created.sid).fetch()).toJSON()).toEqual(created.toJSON());
    const listed = await sync().services.list();
    expect(listed.map((service) => service.uniqueName ?? service.sid).sort()).toEqual([created.sid, 'default'].sort());
  });

  it('updates only what is sent and bumps date_updated on the emulator clock', async () => {
    await emulator.setClock('2030-01-01T00:00:00Z');
    const created = await sync().services.create({ friendlyName: 'Before', aclEnabled: true });
    await emulator.advance(60);
    const updated = await sync().services(created.sid).update({ friendlyName: 'After' });
    expect(updated).toMatchObject({ friendlyName: 'After', aclEnabled: true });
    expect(updated.dateCreated.toISOString()).toBe('2030-01-01T00:00:00.000Z');
    expect(updated.dateUpdated.toISOString()).toBe('2030-01-01T00:01:00.000Z');
  });

  it('deletes with 204 and then answers 20404 for the service and everything under it', async () => {
    const created = await sync().services.create({ friendlyName: 'Short-lived' });
    await sync().services(created.sid).documents.create({ uniqueName: 'doc' });
    expect(await sync().services(created.sid).remove()).toBe(true);
    expect(await restError(() => sync().services(created.sid).fetch())).toMatchObject({ status: 404, code: 20404 });
    expect(await restError(() => sync().services(created.sid).documents('doc').fetch())).toMatchObject({ status: 404, code: 20404 });
  });

  it.each([
    ['an unknown IS SID', `IS${'0'.repeat(32)}`],
    ['a name that is not default', 'no-such-service'],
  ])('answers 404 20404 for %s, quoting the path after /v1', async (_name, ref) => {
    const error = await restError(() => sync().services(ref).documents.list());
    expect(error).toMatchObject({ status: 404, code: 20404, message: `The requested resource /Services/${ref}/Documents was not found` });
  });

  it.each([
    ['ReachabilityDebouncingWindow below 1000', { ReachabilityDebouncingWindow: '999' }],
    ['ReachabilityDebouncingWindow above 30000', { ReachabilityDebouncingWindow: '30001' }],
    ['a WebhookUrl that is not a URL', { WebhookUrl: 'not a url' }],
    ['AclEnabled that is not a boolean', { AclEnabled: 'maybe' }],
  ])('refuses %s with 400 20001 naming the parameter', async (_name, form) => {
    const response = await rawRequest(emulator, 'POST', '/v1/Services', form);
    expect(response.status).toBe(400);
    expectTwilioErrorEnvelope(400, response.body);
    expect(response.body).toMatchObject({ code: 20001, message: `Invalid parameter: ${Object.keys(form)[0] ?? ''}` });
  });

  it('pages with meta and PageSize up to 100 (101 is 400 20001)', async () => {
    for (const name of ['One', 'Two', 'Three']) await sync().services.create({ friendlyName: name });
    const page = await sync().services.page({ pageSize: 2 });
    expect(page.instances).toHaveLength(2);
    const raw = emulator.exchanges.at(-1)?.body as { meta: { key: string; page_size: number; next_page_url: string } };
    expect(raw.meta).toMatchObject({ key: 'services', page_size: 2 });
    expect(raw.meta.next_page_url.startsWith(`${emulator.url}/v1/Services?`)).toBe(true);
    expect((await sync().services.list({ pageSize: 1 })).length).toBe(4);
    expect(await restError(() => sync().services.page({ pageSize: 101 }))).toMatchObject({ status: 400, code: 20001 });
  });
});
