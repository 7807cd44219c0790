// Serverless Services, Environments and Variables through the real twilio client: Twilio's fields and defaults, the
// domain names Twilio gives, paging, the 50-service limit and refusals, every body checked against
// twilio_serverless_v1.json.
import { startEmulator, type TestEmulator } from '../../helpers/emulator';
import { expectTwilioErrorEnvelope, expectWireCompatible } from '../wire';
import { API_HOST, hostRequest, refusalOf } from './fixtures';

let emulator: TestEmulator;

beforeAll(async () => {
  emulator = await startEmulator({ switches: { serverlessMaxServices: 3 } });
});
afterAll(() => emulator.close());
beforeEach(async () => {
  await emulator.reset();
  emulator.exchanges.length = 0;
});
afterEach(() => {
  expect(expectWireCompatible(emulator.exchanges)).toBeGreaterThan(0);
});

const serverless = () => emulator.client.serverless.v1;

test('a service is created as twilio-run creates it, with its domain base, and fetched by SID or unique name', async () => {
  const created = await serverless().services.create({ uniqueName: 'totp-functions', friendlyName: 'totp-functions', includeCredentials: true, uiEditable: false });
  expect(created).toMatchObject({ uniqueName: 'totp-functions', friendlyName: 'totp-functions', includeCredentials: true, uiEditable: false, accountSid: emulator.accountSid });
  expect(created.sid).toMatch(/^ZS[0-9a-f]{32}$/);
  expect(created.domainBase).toMatch(/^totp-functions-\d{4}$/);
  expect(created.url).toBe(`https://${API_HOST}/v1/Services/${created.sid}`);
  expect((await serverless().services('totp-functions').fetch()).sid).toBe(created.sid);
  const updated = await serverless().services(created.sid).update({ friendlyName: 'TOTP', uiEditable: true });
  expect(updated).toMatchObject({ friendlyName: 'TOTP', uiEditable: true, includeCredentials: true });
});

test('IncludeCredentials is on unless a service is created without it', async () => {
  expect((await serverless().services.create({ uniqueName: 'defaults', friendlyName: 'defaults' })).includeCredentials).toBe(true);
  expect((await serverless().services.create({ uniqueName: 'no-credentials', friendlyName: 'x', includeCredentials: false })).includeCredentials).toBe(false);
});

test('services are limited as Twilio words it (here to 3, by the switch), and a unique name is taken once', async () => {
  for (const name of ['one', 'two', 'three']) await serverless().services.create({ uniqueName: name, friendlyName: name });
  expect(await refusalOf(serverless().services.create({ uniqueName: 'four', friendlyName: 'four' }))).toEqual({
    status: 400,
    code: 20001,
    message: 'Services are limited to less than or equal to 3',
  });
  await serverless().services('three').remove();
  expect(await refusalOf(serverless().services.create({ uniqueName: 'two', friendlyName: 'again' }))).toMatchObject({ status: 400, code: 20001 });
});

test('a service needs UniqueName and FriendlyName, a unique name of at most 50 URL-friendly characters', async () => {
  const send = (fields: Record<string, string>) => hostRequest(emulator, API_HOST, 'POST', '/v1/Services', { type: 'application/x-www-form-urlencoded', data: Buffer.from(new URLSearchParams(fields).toString()) });
  expect(await send({ FriendlyName: 'x' })).toEqual({ status: 400, body: expect.objectContaining({ code: 20001, message: 'Missing required parameter UniqueName in the post body' }) });
  expect((await send({ UniqueName: 'x'.repeat(51), FriendlyName: 'x' })).body).toMatchObject({ code: 20001, message: 'Invalid parameter: UniqueName' });
  expect((await send({ UniqueName: 'has space', FriendlyName: 'x' })).body).toMatchObject({ code: 20001, message: 'Invalid parameter: UniqueName' });
  const bad = await send({ UniqueName: 'ok', FriendlyName: 'x', IncludeCredentials: 'maybe' });
  expect(bad.body).toMatchObject({ code: 20001, message: 'Invalid parameter: IncludeCredentials' });
  expectTwilioErrorEnvelope(400, bad.body);
  // Nothing was created by the refused requests.
  expect(await serverless().services.list()).toEqual([]);
});

test("environments get Twilio's domain names (without a host that serves them) and are found by suffix as twilio-run looks", async () => {
  const service = await serverless().services.create({ uniqueName: 'thanos', friendlyName: 'thanos' });
  const dev = await serverless().services(service.sid).environments.create({ uniqueName: 'dev-environment', domainSuffix: 'dev' });
  const production = await serverless().services(service.sid).environments.create({ uniqueName: 'production' });
  expect(dev).toMatchObject({ uniqueName: 'dev-environment', domainSuffix: 'dev', buildSid: null, domainName: `${service.domainBase}-dev.twil.io` });
  expect(production).toMatchObject({ domainSuffix: null, domainName: `${service.domainBase}.twil.io` });
  expect(dev.sid).toMatch(/^ZE[0-9a-f]{32}$/);
  const listed = await serverless().services(service.sid).environments.list();
  expect(listed.map((environment) => environment.domainSuffix)).toEqual(['dev', null]);
  expect((await serverless().services(service.sid).environments(dev.sid).fetch()).domainName).toBe(dev.domainName);
});

test('two environments of a service cannot share a unique name or a suffix; a suffix is at most 16 URL-friendly characters', async () => {
  const service = await serverless().services.create({ uniqueName: 'suffixes', friendlyName: 'x' });
  const environments = serverless().services(service.sid).environments;
  await environments.create({ uniqueName: 'dev-environment', domainSuffix: 'dev' });
  expect(await refusalOf(environments.create({ uniqueName: 'dev-environment', domainSuffix: 'stage' }))).toMatchObject({ status: 400, code: 20001 });
  expect(await refusalOf(environments.create({ uniqueName: 'other', domainSuffix: 'dev' }))).toMatchObject({ status: 400, code: 20001 });
  expect(await refusalOf(environments.create({ uniqueName: 'long', domainSuffix: 'x'.repeat(17) }))).toMatchObject({ status: 400, message: 'Invalid parameter: DomainSuffix' });
  expect(await refusalOf(environments.create({ uniqueName: 'dots', domainSuffix: 'a.b' }))).toMatchObject({ status: 400, message: 'Invalid parameter: DomainSuffix' });
});

test('an environment of an unknown service, or an unknown environment, is an unknown path (20404)', async () => {
  expect(await refusalOf(serverless().services(`ZS${'0'.repeat(32)}`).environments.list())).toMatchObject({ status: 404, code: 20404 });
  const service = await serverless().services.create({ uniqueName: 'lonely', friendlyName: 'x' });
  expect(await refusalOf(serverless().services(service.sid).environments(`ZE${'0'.repeat(32)}`).fetch())).toMatchObject({ status: 404, code: 20404 });
});

test('variables are created, listed with their values, updated (a POST), and deleted', async () => {
  const service = await serverless().services.create({ uniqueName: 'variables', friendlyName: 'x' });
  const environment = await serverless().services(service.sid).environments.create({ uniqueName: 'dev-environment', domainSuffix: 'dev' });
  const variables = serverless().services(service.sid).environments(environment.sid).variables;
  const created = await variables.create({ key: 'VERIFY_SERVICE_SID', value: `VA${'a'.repeat(32)}` });
  expect(created.sid).toMatch(/^ZV[0-9a-f]{32}$/);
  await variables.create({ key: 'EMPTY', value: '' });
  expect((await variables.list()).map(({ key, value }) => [key, value])).toEqual([
    ['VERIFY_SERVICE_SID', `VA${'a'.repeat(32)}`],
    ['EMPTY', ''],
  ]);
  expect((await variables(created.sid).update({ value: 'changed' })).value).toBe('changed');
  expect(await refusalOf(variables.create({ key: 'EMPTY', value: 'again' }))).toMatchObject({ status: 400, code: 20001 });
  expect(await variables(created.sid).remove()).toBe(true);
  expect((await variables.list()).map(({ key }) => key)).toEqual(['EMPTY']);
});

test('a variable Key is at most 128 characters and a Value at most 450 bytes', async () => {
  const service = await serverless().services.create({ uniqueName: 'limits', friendlyName: 'x' });
  const environment = await serverless().services(service.sid).environments.create({ uniqueName: 'dev-environment', domainSuffix: 'dev' });
  const variables = serverless().services(service.sid).environments(environment.sid).variables;
  await variables.create({ key: 'K'.repeat(128), value: 'é'.repeat(225) });
  expect(await refusalOf(variables.create({ key: 'K'.repeat(129), value: 'x' }))).toMatchObject({ status: 400, message: 'Invalid parameter: Key' });
  expect(await refusalOf(variables.create({ key: 'BIG', value: 'é'.repeat(226) }))).toMatchObject({ status: 400, message: 'Invalid parameter: Value' });
});

test('lists page as the other products do, and twilio-run-style next_page_url paging stays on the https API host', async () => {
  await emulator.reset();
  const service = await serverless().services.create({ uniqueName: 'paging', friendlyName: 'x' });
  for (const name of ['a', 'b', 'c', 'd', 'e']) await serverless().services(service.sid).functions.create({ friendlyName: `/${name}` });
  const first = await hostRequest(emulator, API_HOST, 'GET', `/v1/Services/${service.sid}/Functions?PageSize=2`);
  const meta = (first.body as { meta: { next_page_url: string; key: string } }).meta;
  expect(meta.key).toBe('functions');
  expect(meta.next_page_url).toBe(`https://${API_HOST}/v1/Services/${service.sid}/Functions?PageSize=2&Page=1&PageToken=PT2`);
  const all = await serverless().services(service.sid).functions.list({ pageSize: 2 });
  expect(all.map((fn) => fn.friendlyName)).toEqual(['/a', '/b', '/c', '/d', '/e']);
});
