// Factors through the real twilio client: creation, Key-Uri binding, enrolment state machine, limits, expiry.
import { startEmulator, type TestEmulator } from '../../helpers/emulator';
import { codeFor, createFactor, IDENTITY, restError, T0, wrongCodeFor } from '../fixtures';
import { expectWireCompatible } from '../wire';

let emulator: TestEmulator;
let serviceSid: string;

beforeAll(async () => {
  emulator = await startEmulator();
});
afterAll(() => emulator.close());
beforeEach(async () => {
  await emulator.reset();
  await emulator.setClock(T0);
  serviceSid = await emulator.createService({ friendlyName: 'Acme Login' });
  emulator.exchanges.length = 0;
});
afterEach(() => {
  expectWireCompatible(emulator.exchanges);
});

const entity = (identity = IDENTITY) => emulator.client.verify.v2.services(serviceSid).entities(identity);

describe('creating a totp factor', () => {
  it('answers 201 with an unverified factor, defaults sha1/6/30/skew 1, and a binding shown only once', async () => {
    const factor = await entity().newFactors.create({ friendlyName: 'Ada’s phone', factorType: 'totp' });
    expect(factor).toMatchObject({
      status: 'unverified',
      factorType: 'totp',
      identity: IDENTITY,
      friendlyName: 'Ada’s phone',
      config: { alg: 'sha1', code_length: 6, time_step: 30, skew: 1 },
      metadata: null,
    });
    expect(factor.sid).toMatch(/^YF[0-9a-f]{32}$/);
    expect(factor.entitySid).toMatch(/^YE[0-9a-f]{32}$/);
    const binding = factor.binding as { secret: string; uri: string };
    expect(binding.secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(binding.uri).toBe(
      `otpauth://totp/Acme%20Login:Ada%E2%80%99s%20phone?secret=${binding.secret}&issuer=Acme%20Login&algorithm=SHA1&digits=6&period=30`,
    );
    const fetched = await entity().factors(factor.sid).fetch();
    expect(fetched.status).toBe('unverified');
    const raw = emulator.exchanges.at(-1)?.body as Record<string, unknown>;
    expect(raw).not.toHaveProperty('binding');
  });

  it('takes issuer and config from the service, and Config.* from the request over the service', async () => {
    const sid = await emulator.createService({
      friendlyName: 'Other',
      'totp.issuer': 'Acme: Corp',
      'totp.timeStep': 60,
      'totp.codeLength': 8,
      'totp.skew': 2,
    });
    const factors = emulator.client.verify.v2.services(sid).entities(IDENTITY).newFactors;
    const fromService = await factors.create({ friendlyName: 'phone', factorType: 'totp' });
    expect(fromService.config).toEqual({ alg: 'sha1', code_length: 8, time_step: 60, skew: 2 });
    expect((fromService.binding as { uri: string }).uri).toMatch(/^otpauth:\/\/totp\/Acme%3A%20Corp:phone\?secret=[A-Z2-7]+&issuer=Acme%3A%20Corp&algorithm=SHA1&digits=8&period=60$/);
    const fromRequest = await factors.create({
      friendlyName: 'phone 2',
      factorType: 'totp',
      'config.alg': 'sha512',
      'config.codeLength': 7,
      'config.timeStep': 20,
      'config.skew': 0,
    });
    expect(fromRequest.config).toEqual({ alg: 'sha512', code_length: 7, time_step: 20, skew: 0 });
    expect((fromRequest.binding as { uri: string }).uri).toMatch(/&algorithm=SHA512&digits=7&period=20$/);
  });

  it('imports a Base32 Binding.Secret and echoes it in the binding', async () => {
    const secret = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';
    const factor = await entity().newFactors.create({ friendlyName: 'imported', factorType: 'totp', 'binding.secret': secret });
    expect((factor.binding as { secret: string }).secret).toBe(secret);
    const verified = await entity().factors(factor.sid).update({ authPayload: codeFor(secret, T0) });
    expect(verified.status).toBe('verified');
  });

  it('creates the entity on the fly for a new identity', async () => {
    const factor = await entity('fresh-identity-42').newFactors.create({ friendlyName: 'x', factorType: 'totp' });
    const created = await entity('fresh-identity-42').fetch();
    expect(created.sid).toBe(factor.entitySid);
  });

  it.each([
    ['an empty FactorType', { friendlyName: 'x', factorType: '' }, 400, 60369],
    ['the push FactorType (not emulated)', { friendlyName: 'x', factorType: 'push' }, 400, 60369],
    ['an unknown FactorType', { friendlyName: 'x', factorType: 'sms' }, 400, 60369],
    ['Config.Alg md5', { friendlyName: 'x', factorType: 'totp', 'config.alg': 'md5' }, 400, 60370],
    ['Config.CodeLength 2', { friendlyName: 'x', factorType: 'totp', 'config.codeLength': 2 }, 400, 60370],
    ['Config.CodeLength 9', { friendlyName: 'x', factorType: 'totp', 'config.codeLength': 9 }, 400, 60370],
    ['Config.TimeStep 19', { friendlyName: 'x', factorType: 'totp', 'config.timeStep': 19 }, 400, 60370],
    ['Config.TimeStep 61', { friendlyName: 'x', factorType: 'totp', 'config.timeStep': 61 }, 400, 60370],
    ['Config.Skew 3', { friendlyName: 'x', factorType: 'totp', 'config.skew': 3 }, 400, 60370],
    ['Config.Skew not a number', { friendlyName: 'x', factorType: 'totp', 'config.skew': 'one' }, 400, 60370],
    ['a Binding.Secret that is not Base32', { friendlyName: 'x', factorType: 'totp', 'binding.secret': 'not base32!' }, 400, 60314],
    ['a Binding.Secret under 128 bits', { friendlyName: 'x', factorType: 'totp', 'binding.secret': 'JBSWY3DPEHPK3PXP' }, 400, 60314],
    ['a FriendlyName over 64 characters', { friendlyName: 'x'.repeat(65), factorType: 'totp' }, 400, 60200],
    ['Metadata that is not a JSON object', { friendlyName: 'x', factorType: 'totp', metadata: '[1]' }, 400, 60200],
  ])('rejects %s', async (_name, params, status, code) => {
    const error = await restError(() => entity().newFactors.create(params as never));
    expect(error).toMatchObject({ status, code });
  });

  it.each([
    ['too short', 'abc-1234'.slice(0, 7)],
    ['too long', 'a'.repeat(65)],
    ['with an underscore', 'user_12345'],
    ['with a leading dash', '-user12345'],
    ['with a double dash', 'user--12345'],
  ])('rejects an identity %s with 60367', async (_name, identity) => {
    const error = await restError(() => entity(identity).newFactors.create({ friendlyName: 'x', factorType: 'totp' }));
    expect(error).toMatchObject({ status: 400, code: 60367, message: 'Invalid entity identity' });
  });

  it('stores Metadata and returns it parsed', async () => {
    const factor = await entity().newFactors.create({ friendlyName: 'x', factorType: 'totp', metadata: { os: 'Android' } });
    expect(factor.metadata).toEqual({ os: 'Android' });
  });

  it('allows 100 totp factors per entity, then answers 400 60315', async () => {
    // The daily creation limit is also 100, so it is switched off to reach the per-entity limit on its own.
    const relaxed = await startEmulator({ switches: { enforceRateLimits: false } });
    try {
      const sid = await relaxed.createService();
      const factors = relaxed.client.verify.v2.services(sid).entities(IDENTITY).newFactors;
      for (let i = 0; i < 100; i++) await factors.create({ friendlyName: `f${i}`, factorType: 'totp' });
      const error = await restError(() => factors.create({ friendlyName: 'one too many', factorType: 'totp' }));
      expect(error).toMatchObject({ status: 400, code: 60315 });
      expect(expectWireCompatible(relaxed.exchanges)).toBe(102);
    } finally {
      await relaxed.close();
    }
  });

  it('allows 100 factor creations per entity per day (deleted ones count), then 429 60326 until a day has passed', async () => {
    for (let i = 0; i < 100; i++) {
      const factor = await entity().newFactors.create({ friendlyName: `f${i}`, factorType: 'totp' });
      await entity().factors(factor.sid).remove();
    }
    const error = await restError(() => entity().newFactors.create({ friendlyName: 'again', factorType: 'totp' }));
    expect(error).toMatchObject({ status: 429, code: 60326 });
    await emulator.advance(24 * 3600 + 1);
    const later = await entity().newFactors.create({ friendlyName: 'next day', factorType: 'totp' });
    expect(later.status).toBe('unverified');
  });

  it('with enforceRateLimits off, creation is not limited per day', async () => {
    const relaxed = await startEmulator({ switches: { enforceRateLimits: false } });
    try {
      const sid = await relaxed.createService();
      const factors = relaxed.client.verify.v2.services(sid).entities(IDENTITY);
      for (let i = 0; i < 101; i++) {
        const factor = await factors.newFactors.create({ friendlyName: `f${i}`, factorType: 'totp' });
        await factors.factors(factor.sid).remove();
      }
      expect(await factors.factors.list()).toEqual([]);
    } finally {
      await relaxed.close();
    }
  });
});

describe('verifying a factor (enrolment)', () => {
  it('turns verified on a correct code and bumps date_updated', async () => {
    const { sid, secret } = await createFactor(emulator, serviceSid);
    await emulator.advance(20);
    const verified = await entity().factors(sid).update({ authPayload: codeFor(secret, T0 + 20_000) });
    expect(verified.status).toBe('verified');
    expect(verified.dateUpdated.getTime()).toBe(T0 + 20_000);
    expect(verified.dateCreated.getTime()).toBe(T0);
  });

  it('accepts codes from one step before and after (skew 1) but not two', async () => {
    const a = await createFactor(emulator, serviceSid);
    const b = await createFactor(emulator, serviceSid);
    const c = await createFactor(emulator, serviceSid);
    expect((await entity().factors(a.sid).update({ authPayload: codeFor(a.secret, T0 - 30_000) })).status).toBe('verified');
    expect((await entity().factors(b.sid).update({ authPayload: codeFor(b.secret, T0 + 30_000) })).status).toBe('verified');
    expect((await entity().factors(c.sid).update({ authPayload: codeFor(c.secret, T0 + 60_000) })).status).toBe('unverified');
  });

  it('answers a wrong code with 200 and status unverified, not an error', async () => {
    const { sid, secret } = await createFactor(emulator, serviceSid);
    const result = await entity().factors(sid).update({ authPayload: wrongCodeFor(secret, T0) });
    expect(result.status).toBe('unverified');
  });

  it('after 5 wrong codes answers 429 60310 even for the right code', async () => {
    const { sid, secret } = await createFactor(emulator, serviceSid);
    for (let i = 0; i < 5; i++) {
      expect((await entity().factors(sid).update({ authPayload: wrongCodeFor(secret, T0) })).status).toBe('unverified');
    }
    const error = await restError(() => entity().factors(sid).update({ authPayload: codeFor(secret, T0) }));
    expect(error).toMatchObject({ status: 429, code: 60310, message: 'Factor verification attempts reached' });
  });

  it('honours the maxAttempts switch', async () => {
    const strict = await startEmulator({ switches: { maxAttempts: 1 } });
    try {
      await strict.setClock(T0);
      const sid = await strict.createService();
      const factor = await createFactor(strict, sid);
      const factors = strict.client.verify.v2.services(sid).entities(IDENTITY).factors(factor.sid);
      expect((await factors.update({ authPayload: wrongCodeFor(factor.secret, T0) })).status).toBe('unverified');
      expect(await restError(() => factors.update({ authPayload: codeFor(factor.secret, T0) }))).toMatchObject({ code: 60310 });
    } finally {
      await strict.close();
    }
  });

  it('rejects an AuthPayload outside 3–8 characters with 60200', async () => {
    const { sid } = await createFactor(emulator, serviceSid);
    expect(await restError(() => entity().factors(sid).update({ authPayload: '12' }))).toMatchObject({ status: 400, code: 60200 });
    expect(await restError(() => entity().factors(sid).update({ authPayload: '123456789' }))).toMatchObject({ status: 400, code: 60200 });
  });

  it('keeps a verified factor verified when a code arrives again', async () => {
    const { sid, secret } = await createFactor(emulator, serviceSid);
    await entity().factors(sid).update({ authPayload: codeFor(secret, T0) });
    const again = await entity().factors(sid).update({ authPayload: wrongCodeFor(secret, T0) });
    expect(again.status).toBe('verified');
  });

  it('updates FriendlyName and Config without a code, and never requires FriendlyName', async () => {
    const { sid } = await createFactor(emulator, serviceSid);
    const renamed = await entity().factors(sid).update({ friendlyName: 'work phone', 'config.codeLength': 8 });
    expect(renamed).toMatchObject({ friendlyName: 'work phone', status: 'unverified', config: { code_length: 8 } });
    const invalid = await restError(() => entity().factors(sid).update({ 'config.timeStep': 10 }));
    expect(invalid).toMatchObject({ status: 400, code: 60370 });
  });
});

describe('unverified factor expiry', () => {
  it('an unverified factor is gone after unverifiedFactorTtlSeconds (default 1 h): 404 60390, out of the list', async () => {
    const { sid, secret } = await createFactor(emulator, serviceSid);
    await emulator.advance(3599);
    expect((await entity().factors(sid).fetch()).status).toBe('unverified');
    await emulator.advance(1);
    expect(await restError(() => entity().factors(sid).fetch())).toMatchObject({ status: 404, code: 60390, message: 'Factor not found' });
    expect(await restError(() => entity().factors(sid).update({ authPayload: codeFor(secret, T0 + 3600_000) }))).toMatchObject({ code: 60390 });
    expect(await entity().factors.list()).toEqual([]);
  });

  it('never expires a verified factor', async () => {
    const { sid, secret } = await createFactor(emulator, serviceSid);
    await entity().factors(sid).update({ authPayload: codeFor(secret, T0) });
    await emulator.advance(30 * 24 * 3600);
    expect((await entity().factors(sid).fetch()).status).toBe('verified');
  });

  it('follows a configured TTL', async () => {
    const quick = await startEmulator({ switches: { unverifiedFactorTtlSeconds: 60 } });
    try {
      await quick.setClock(T0);
      const sid = await quick.createService();
      const factor = await createFactor(quick, sid);
      await quick.advance(60);
      const error = await restError(() => quick.client.verify.v2.services(sid).entities(IDENTITY).factors(factor.sid).fetch());
      expect(error).toMatchObject({ code: 60390 });
    } finally {
      await quick.close();
    }
  });
});

describe('fetching, listing and deleting factors', () => {
  it('lists the entity’s factors (unverified included) without bindings, paged with meta on the emulator’s address', async () => {
    const created = [];
    for (let i = 0; i < 3; i++) created.push((await createFactor(emulator, serviceSid)).sid);
    const page = await entity().factors.page({ pageSize: 2 });
    expect(page.instances.map((f) => f.sid)).toEqual(created.slice(0, 2));
    const raw = emulator.exchanges.at(-1)?.body as { meta: { key: string; next_page_url: string; url: string } };
    expect(raw.meta.key).toBe('factors');
    expect(raw.meta.next_page_url.startsWith(`${emulator.url}/v2/Services/${serviceSid}/Entities/${IDENTITY}/Factors?`)).toBe(true);
    const next = await page.nextPage();
    expect(next?.instances.map((f) => f.sid)).toEqual(created.slice(2));
    expect((await entity().factors.list()).map((f) => f.sid)).toEqual(created);
  });

  it('answers 404 60390 for an unknown factor, another entity’s factor, and a malformed SID', async () => {
    const { sid } = await createFactor(emulator, serviceSid);
    await createFactor(emulator, serviceSid, 'other-identity-1');
    expect(await restError(() => entity().factors(`YF${'0'.repeat(32)}`).fetch())).toMatchObject({ status: 404, code: 60390 });
    expect(await restError(() => entity('other-identity-1').factors(sid).fetch())).toMatchObject({ status: 404, code: 60390 });
    expect(await restError(() => entity().factors('YFnotasid').fetch())).toMatchObject({ status: 404, code: 60390 });
  });

  it('answers 404 60392 when the entity does not exist', async () => {
    expect(await restError(() => entity('nobody-here-1').factors.list())).toMatchObject({ status: 404, code: 60392, message: 'Entity not found' });
  });

  it('deletes with 204, after which the factor is gone', async () => {
    const { sid } = await createFactor(emulator, serviceSid);
    expect(await entity().factors(sid).remove()).toBe(true);
    expect(await restError(() => entity().factors(sid).remove())).toMatchObject({ status: 404, code: 60390 });
  });
});
