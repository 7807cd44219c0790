// The httpClient that redirects the twilio client to the emulator: Verify and Sync calls, paging URLs, nothing else.
import twilio from 'twilio';
import { createEmulatorHttpClient } from '../../../emulator/client/http-client';
import { startEmulator, type TestEmulator } from '../../helpers/emulator';

let emulator: TestEmulator;
let client: twilio.Twilio;

beforeAll(async () => {
  emulator = await startEmulator();
  client = twilio(emulator.accountSid, emulator.authToken, {
    httpClient: createEmulatorHttpClient({ emulatorUrl: emulator.url, timeoutMs: 5000 }),
  });
});
afterAll(() => emulator.close());

test('Verify calls reach the emulator, and a list follows next_page_url back to it', async () => {
  const created = [];
  for (const name of ['Paging One', 'Paging Two', 'Paging Three']) {
    created.push((await client.verify.v2.services.create({ friendlyName: name })).sid);
  }
  const listed = await client.verify.v2.services.list({ pageSize: 2 });
  expect(listed.map((service) => service.sid).sort()).toEqual([...created].sort());
});

test('Sync calls reach the emulator too', async () => {
  const created = await client.sync.v1.services('default').documents.create({ uniqueName: 'routed', data: { ok: true } });
  expect(created.url.startsWith(`${emulator.url}/v1/Services/`)).toBe(true);
  expect((await client.sync.v1.services('default').documents('routed').fetch()).data).toEqual({ ok: true });
});

test('Serverless calls keep their host, so the emulator tells them from Sync\'s same paths, and lists page back through it', async () => {
  const names = ['routed-one', 'routed-two', 'routed-three'];
  for (const name of names) await client.serverless.v1.services.create({ uniqueName: name, friendlyName: name });
  const listed = await client.serverless.v1.services.list({ pageSize: 2 });
  expect(listed.map((service) => service.uniqueName)).toEqual(names);
  expect(listed[0]?.url.startsWith('https://serverless.twilio.com/v1/Services/ZS')).toBe(true);
  // The same path without Serverless's host is Sync's: the default Sync service is there, no Serverless one.
  expect((await client.sync.v1.services.list()).map((service) => service.uniqueName)).toEqual(['default']);
});

test("a shell's TWILIO_REGION and TWILIO_EDGE do not lead the client away: regional hosts of the products are the emulator too", async () => {
  const regional = twilio(emulator.accountSid, emulator.authToken, {
    region: 'ie1',
    edge: 'dublin',
    httpClient: createEmulatorHttpClient({ emulatorUrl: emulator.url, timeoutMs: 5000 }),
  });
  const created = await regional.verify.v2.services.create({ friendlyName: 'Regional' });
  expect((await client.verify.v2.services(created.sid).fetch()).friendlyName).toBe('Regional');
  await expect(regional.api.v2010.accounts.list({ limit: 1 })).rejects.toThrow(/not api\.dublin\.ie1\.twilio\.com/);
});

test('calls to other Twilio products are refused instead of reaching the real API', async () => {
  await expect(client.api.v2010.accounts.list({ limit: 1 })).rejects.toThrow(
    /serves only https:\/\/verify\.twilio\.com, https:\/\/sync\.twilio\.com, https:\/\/serverless\.twilio\.com, https:\/\/studio\.twilio\.com, not api\.twilio\.com/,
  );
});
