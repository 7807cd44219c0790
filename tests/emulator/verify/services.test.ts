// Services and the transport rules (auth, unknown paths, methods) through the real twilio client.
import { createEmulatorTwilioClient, startEmulator, type TestEmulator } from '../../helpers/emulator';
import { enrolFactor, removeTempDataDirs, restError, storedState, T0, tempDataDir } from '../fixtures';
import { expectTwilioErrorEnvelope, expectWireCompatible } from '../wire';

let emulator: TestEmulator;

beforeAll(async () => {
  emulator = await startEmulator();
});
afterAll(async () => {
  await emulator.close();
  removeTempDataDirs();
});
beforeEach(async () => {
  await emulator.reset();
  emulator.exchanges.length = 0;
});
afterEach(() => {
  expectWireCompatible(emulator.exchanges);
});

const services = () => emulator.client.verify.v2.services;
const service = (sid: string) => emulator.client.verify.v2.services(sid);

describe('services', () => {
  it('creates with 201: totp settings null until configured, SID VA + 32 hex, ISO dates, URLs on the emulator', async () => {
    const service = await services().create({ friendlyName: 'Acme Login' });
    expect(emulator.exchanges.at(-1)?.status).toBe(201);
    expect(service.sid).toMatch(/^VA[0-9a-f]{32}$/);
    expect(service.accountSid).toBe(emulator.accountSid);
    expect(service.totp).toEqual({ issuer: null, time_step: null, code_length: null, skew: null });
    expect(service.codeLength).toBe(6);
    expect(service.url).toBe(`${emulator.url}/v2/Services/${service.sid}`);
    const raw = emulator.exchanges.at(-1)?.body as { date_created: string };
    expect(raw.date_created).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  });

  it('stores Totp.Issuer/TimeStep/CodeLength/Skew and the other settings; fetch returns them', async () => {
    const created = await services().create({
      friendlyName: 'Acme',
      'totp.issuer': 'Acme Corp',
      'totp.timeStep': 45,
      'totp.codeLength': 7,
      'totp.skew': 0,
      codeLength: 8,
      lookupEnabled: true,
      psd2Enabled: true,
    });
    const fetched = await service(created.sid).fetch();
    expect(fetched.totp).toEqual({ issuer: 'Acme Corp', time_step: 45, code_length: 7, skew: 0 });
    expect(fetched).toMatchObject({ friendlyName: 'Acme', codeLength: 8, lookupEnabled: true, psd2Enabled: true });
  });

  it('shows passkeys all null until configured, then echoes Passkeys.* with Origins as an array', async () => {
    const created = await services().create({ friendlyName: 'Passkeys' });
    expect(created.passkeys).toEqual({
      relying_party: { id: null, name: null, origins: null },
      authenticator_attachment: null,
      discoverable_credentials: null,
      user_verification: null,
    });
    const updated = await service(created.sid).update({
      'passkeys.relyingParty.id': 'example.com',
      'passkeys.relyingParty.name': 'Example',
      'passkeys.relyingParty.origins': 'https://example.com, https://login.example.com',
      'passkeys.authenticatorAttachment': 'platform',
      'passkeys.userVerification': 'preferred',
    });
    expect((await service(created.sid).fetch()).passkeys).toEqual({
      relying_party: { id: 'example.com', name: 'Example', origins: ['https://example.com', 'https://login.example.com'] },
      authenticator_attachment: 'platform',
      discoverable_credentials: null,
      user_verification: 'preferred',
    });
    expect(updated.passkeys).toEqual((await service(created.sid).fetch()).passkeys);
    const error = await restError(() => service(created.sid).update({ 'passkeys.userVerification': 'always' }));
    expect(error).toMatchObject({ status: 400, code: 60200, message: 'Invalid parameter: Passkeys.UserVerification' });
  });

  it.each([
    ['Totp.TimeStep 19', { 'totp.timeStep': 19 }, 'Invalid parameter: Totp.TimeStep'],
    ['Totp.TimeStep 61', { 'totp.timeStep': 61 }, 'Invalid parameter: Totp.TimeStep'],
    ['Totp.CodeLength 2', { 'totp.codeLength': 2 }, 'Invalid parameter: Totp.CodeLength'],
    ['Totp.CodeLength 9', { 'totp.codeLength': 9 }, 'Invalid parameter: Totp.CodeLength'],
    ['Totp.Skew 3', { 'totp.skew': 3 }, 'Invalid parameter: Totp.Skew'],
    ['CodeLength 11', { codeLength: 11 }, 'Invalid parameter: CodeLength'],
    ['a FriendlyName over 30 characters', { friendlyName: 'x'.repeat(31) }, 'Invalid parameter: FriendlyName'],
  ])('rejects %s with 400 60200', async (_name, params, message) => {
    const error = await restError(() => services().create({ friendlyName: 'Acme', ...params }));
    expect(error).toMatchObject({ status: 400, code: 60200, message });
  });

  it('rejects a create without FriendlyName with 400 20001', async () => {
    const response = await fetch(`${emulator.url}/v2/Services`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`${emulator.accountSid}:${emulator.authToken}`).toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: 'CodeLength=6',
    });
    expect(response.status).toBe(400);
    const body: unknown = await response.json();
    expectTwilioErrorEnvelope(400, body);
    expect(body).toMatchObject({ code: 20001, message: 'Missing required parameter FriendlyName in the post body' });
  });

  it('updates only what is sent and bumps date_updated', async () => {
    await emulator.setClock('2030-01-01T00:00:00Z');
    const created = await services().create({ friendlyName: 'Acme', 'totp.issuer': 'Acme' });
    await emulator.advance(60);
    const updated = await service(created.sid).update({ 'totp.skew': 2 });
    expect(updated.totp).toEqual({ issuer: 'Acme', time_step: null, code_length: null, skew: 2 });
    expect(updated.friendlyName).toBe('Acme');
    expect(updated.dateUpdated.toISOString()).toBe('2030-01-01T00:01:00.000Z');
    expect(updated.dateCreated.toISOString()).toBe('2030-01-01T00:00:00.000Z');
  });

  it('lists with meta.key "services" and follows next_page_url back to the emulator', async () => {
    const sids = [];
    for (let i = 0; i < 5; i++) sids.push((await services().create({ friendlyName: `Service ${i}` })).sid);
    expect((await services().list({ pageSize: 2 })).map((s) => s.sid)).toEqual(sids);
    const firstPage = emulator.exchanges.find((exchange) => exchange.method === 'GET') as { body: { meta: Record<string, unknown> } };
    expect(firstPage.body.meta).toEqual({
      page: 0,
      page_size: 2,
      first_page_url: `${emulator.url}/v2/Services?PageSize=2&Page=0`,
      previous_page_url: null,
      url: `${emulator.url}/v2/Services?PageSize=2&Page=0`,
      next_page_url: `${emulator.url}/v2/Services?PageSize=2&Page=1&PageToken=PT2`,
      key: 'services',
    });
    expect(emulator.exchanges.filter((exchange) => exchange.method === 'GET')).toHaveLength(3);
    expect((await services().list({ limit: 3 })).map((s) => s.sid)).toEqual(sids.slice(0, 3));
  });

  it('rejects PageSize outside 1–1000 with 400 60200', async () => {
    expect(await restError(() => services().page({ pageSize: 1001 }))).toMatchObject({ status: 400, code: 60200 });
  });

  it('deletes with 204; the service is then 20404, and a new one starts empty', async () => {
    const sid = (await services().create({ friendlyName: 'Acme' })).sid;
    await service(sid).entities('user-12345678').newFactors.create({ friendlyName: 'x', factorType: 'totp' });
    expect(await service(sid).remove()).toBe(true);
    expect(emulator.exchanges.at(-1)?.status).toBe(204);
    const error = await restError(() => service(sid).fetch());
    expect(error).toMatchObject({ status: 404, code: 20404, message: `The requested resource /Services/${sid} was not found` });
    const recreated = await services().create({ friendlyName: 'Acme' });
    expect(await service(recreated.sid).entities.list()).toEqual([]);
  });

  it('deleting a service deletes its entities, factors and challenges: the data dir then holds none of them', async () => {
    // A new service has a new SID, so the API cannot tell a cascade from orphans left behind; the stored state can.
    const dataDir = tempDataDir();
    const durable = await startEmulator({ dataDir });
    let kept: string;
    let doomed: { sid: string; secret: string };
    try {
      await durable.setClock(T0);
      kept = await durable.createService({ friendlyName: 'Kept' });
      await enrolFactor(durable, kept, T0, 'bystander-1234');
      const sid = await durable.createService({ friendlyName: 'Doomed' });
      doomed = await enrolFactor(durable, sid, T0, 'doomed-user-1234');
      await durable.client.verify.v2.services(sid).entities('doomed-user-1234').challenges.create({ factorSid: doomed.sid });
      expect(await durable.client.verify.v2.services(sid).remove()).toBe(true);
    } finally {
      await durable.close();
    }
    const state = await storedState(dataDir);
    expect(state.services.map((record) => record.sid)).toEqual([kept]);
    expect(state.entities.map((entity) => entity.identity)).toEqual(['bystander-1234']);
    expect(state.factors.map((factor) => factor.serviceSid)).toEqual([kept]);
    expect(state.challenges).toEqual([]);
    expect(JSON.stringify(state)).not.toContain(doomed.secret);
  });

  it('answers 20404 for an unknown service in any nested path', async () => {
    const sid = `VA${'f'.repeat(32)}`;
    expect(await restError(() => service(sid).entities('user-12345678').factors.list())).toMatchObject({ status: 404, code: 20404 });
  });
});

describe('transport', () => {
  it('refuses wrong credentials with 401 20003 (envelope, WWW-Authenticate)', async () => {
    const exchanges: typeof emulator.exchanges = [];
    const intruder = createEmulatorTwilioClient(emulator.url, emulator.accountSid, 'wrong-token-wrong-token-wrong-to', exchanges);
    const error = await restError(() => intruder.verify.v2.services.list());
    expect(error).toMatchObject({ status: 401, code: 20003, message: 'Authenticate', moreInfo: 'https://www.twilio.com/docs/errors/20003' });
    expectWireCompatible(exchanges);
    const bare = await fetch(`${emulator.url}/v2/Services`);
    expect(bare.status).toBe(401);
    expect(bare.headers.get('www-authenticate')).toBe('Basic realm="Twilio API"');
  });

  it('answers 20404 for an unknown path, quoting the path after /v2', async () => {
    const response = await fetch(`${emulator.url}/v2/Services/VA${'0'.repeat(32)}/VerificationCheck`, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from(`${emulator.accountSid}:${emulator.authToken}`).toString('base64')}` },
    });
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({
      code: 20404,
      message: `The requested resource /Services/VA${'0'.repeat(32)}/VerificationCheck was not found`,
      more_info: 'https://www.twilio.com/docs/errors/20404',
      status: 404,
    });
  });

  it('answers 405 20004 for a method the path does not have', async () => {
    const response = await fetch(`${emulator.url}/v2/Services`, {
      method: 'DELETE',
      headers: { authorization: `Basic ${Buffer.from(`${emulator.accountSid}:${emulator.authToken}`).toString('base64')}` },
    });
    expect(response.status).toBe(405);
    expectTwilioErrorEnvelope(405, await response.json());
  });

  it('refuses a body over 64 KiB with 413', async () => {
    const response = await fetch(`${emulator.url}/v2/Services`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`${emulator.accountSid}:${emulator.authToken}`).toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: `FriendlyName=${'x'.repeat(70_000)}`,
    });
    expect(response.status).toBe(413);
    expectTwilioErrorEnvelope(413, await response.json());
  });
});
