// Challenges through the real twilio client: approval, wrong codes, the state machine, replay, limits, listing.
import { startEmulator, type TestEmulator } from '../../helpers/emulator';
import { codeFor, createFactor, enrolFactor, IDENTITY, restError, T0, wrongCodeFor, type CreatedFactor } from '../fixtures';
import { expectWireCompatible } from '../wire';

let emulator: TestEmulator;
let serviceSid: string;
let factor: CreatedFactor;

beforeAll(async () => {
  emulator = await startEmulator();
});
afterAll(() => emulator.close());
beforeEach(async () => {
  await emulator.reset();
  // Enrolled two steps before T0, so T0's code is fresh for the replay rule.
  await emulator.setClock(T0 - 60_000);
  serviceSid = await emulator.createService();
  factor = await enrolFactor(emulator, serviceSid, T0 - 60_000);
  await emulator.setClock(T0);
  emulator.exchanges.length = 0;
});
afterEach(() => {
  expectWireCompatible(emulator.exchanges);
});

const challenges = (identity = IDENTITY) => emulator.client.verify.v2.services(serviceSid).entities(identity).challenges;

describe('creating a challenge', () => {
  it('with a correct code answers 201 approved, date_responded set, details null, expiring 5 minutes later', async () => {
    const challenge = await challenges().create({ factorSid: factor.sid, authPayload: codeFor(factor.secret, T0) });
    expect(challenge).toMatchObject({
      status: 'approved',
      respondedReason: 'none',
      factorType: 'totp',
      factorSid: factor.sid,
      identity: IDENTITY,
      details: null,
      hiddenDetails: null,
      metadata: null,
    });
    expect(challenge.sid).toMatch(/^YC[0-9a-f]{32}$/);
    expect(challenge.dateResponded?.getTime()).toBe(T0);
    expect(challenge.expirationDate.getTime()).toBe(T0 + 5 * 60_000);
    expect(emulator.exchanges.at(-1)?.status).toBe(201);
  });

  it('with a wrong code answers 201 pending (not an error)', async () => {
    const challenge = await challenges().create({ factorSid: factor.sid, authPayload: wrongCodeFor(factor.secret, T0) });
    expect(challenge.status).toBe('pending');
    expect(challenge.dateResponded).toBeNull();
  });

  it('without a code answers 201 pending, to be answered by an update', async () => {
    const created = await challenges().create({ factorSid: factor.sid });
    expect(created.status).toBe('pending');
    await emulator.advance(40);
    const answered = await challenges().get(created.sid).update({ authPayload: codeFor(factor.secret, T0 + 40_000) });
    expect(answered.status).toBe('approved');
    expect(answered.dateResponded?.getTime()).toBe(T0 + 40_000);
    expect(emulator.exchanges.at(-1)?.status).toBe(200);
  });

  it('keeps Details and HiddenDetails, returned parsed', async () => {
    const challenge = await challenges().create({
      factorSid: factor.sid,
      'details.message': 'Sign in to Acme',
      'details.fields': [{ label: 'IP', value: '192.0.2.1' }, { label: 'Browser', value: 'Firefox' }],
      hiddenDetails: { session: 's-1' },
    });
    expect(challenge.details).toEqual({
      message: 'Sign in to Acme',
      fields: [
        { label: 'IP', value: '192.0.2.1' },
        { label: 'Browser', value: 'Firefox' },
      ],
    });
    expect(challenge.hiddenDetails).toEqual({ session: 's-1' });
  });

  it.each([
    ['a Details.Message over 256 characters', { 'details.message': 'x'.repeat(257) }],
    ['a Details.Fields item that is not {label, value} JSON', { 'details.fields': ['not json'] }],
    ['more than 20 Details.Fields', { 'details.fields': Array.from({ length: 21 }, (_, i) => ({ label: `l${i}`, value: 'v' })) }],
  ])('rejects %s with 400 60368', async (_name, params) => {
    const error = await restError(() => challenges().create({ factorSid: factor.sid, ...params }));
    expect(error).toMatchObject({ status: 400, code: 60368, message: 'Challenge details invalid or not provided' });
  });

  it('accepts ExpirationDate up to 60 minutes ahead; in the past or later answers 400 60384', async () => {
    const tenMinutes = await challenges().create({ factorSid: factor.sid, expirationDate: new Date(T0 + 10 * 60_000) });
    expect(tenMinutes.expirationDate.getTime()).toBe(T0 + 10 * 60_000);
    expect(await restError(() => challenges().create({ factorSid: factor.sid, expirationDate: new Date(T0 - 1000) }))).toMatchObject({
      status: 400,
      code: 60384,
    });
    expect(await restError(() => challenges().create({ factorSid: factor.sid, expirationDate: new Date(T0 + 61 * 60_000) }))).toMatchObject({
      status: 400,
      code: 60384,
    });
  });

  it('on an unverified factor answers 403 60318', async () => {
    const unverified = await createFactor(emulator, serviceSid);
    const error = await restError(() => challenges().create({ factorSid: unverified.sid, authPayload: codeFor(unverified.secret, T0) }));
    expect(error).toMatchObject({ status: 403, code: 60318, message: 'Factor is unverified' });
  });

  it('answers 404 60390 for an unknown or foreign factor, 400 60362 for a malformed FactorSid, 404 60392 for no entity', async () => {
    const other = await enrolFactor(emulator, serviceSid, T0, 'someone-else-99');
    expect(await restError(() => challenges().create({ factorSid: `YF${'a'.repeat(32)}` }))).toMatchObject({ status: 404, code: 60390 });
    expect(await restError(() => challenges().create({ factorSid: other.sid }))).toMatchObject({ status: 404, code: 60390 });
    expect(await restError(() => challenges().create({ factorSid: 'YF123' }))).toMatchObject({ status: 400, code: 60362 });
    expect(await restError(() => challenges('nobody-at-all').create({ factorSid: factor.sid }))).toMatchObject({ status: 404, code: 60392 });
  });

  it('rejects an AuthPayload outside 3–8 characters with 400 60200', async () => {
    expect(await restError(() => challenges().create({ factorSid: factor.sid, authPayload: '12' }))).toMatchObject({ status: 400, code: 60200 });
  });
});

describe('the challenge state machine', () => {
  it('answering an approved challenge again is 403 60322', async () => {
    const approved = await challenges().create({ factorSid: factor.sid, authPayload: codeFor(factor.secret, T0) });
    const error = await restError(() => challenges().get(approved.sid).update({ authPayload: codeFor(factor.secret, T0) }));
    expect(error).toMatchObject({ status: 403, code: 60322, message: 'Challenge already responded' });
  });

  it('a pending challenge reads as expired at its expiration date, and answering it is 403 60323', async () => {
    const pending = await challenges().create({ factorSid: factor.sid });
    await emulator.advance(5 * 60 - 1);
    expect((await challenges().get(pending.sid).fetch()).status).toBe('pending');
    await emulator.advance(1);
    expect((await challenges().get(pending.sid).fetch()).status).toBe('expired');
    const code = codeFor(factor.secret, T0 + 300_000);
    expect(await restError(() => challenges().get(pending.sid).update({ authPayload: code }))).toMatchObject({ status: 403, code: 60323 });
  });

  it('an approved challenge stays approved after its expiration date', async () => {
    const approved = await challenges().create({ factorSid: factor.sid, authPayload: codeFor(factor.secret, T0) });
    await emulator.advance(3600);
    expect((await challenges().get(approved.sid).fetch()).status).toBe('approved');
  });

  it('after 5 wrong codes (the one at creation included) answers 429 60308, even for the right code', async () => {
    const wrong = wrongCodeFor(factor.secret, T0);
    const pending = await challenges().create({ factorSid: factor.sid, authPayload: wrong });
    for (let i = 0; i < 4; i++) expect((await challenges().get(pending.sid).update({ authPayload: wrong })).status).toBe('pending');
    const error = await restError(() => challenges().get(pending.sid).update({ authPayload: codeFor(factor.secret, T0) }));
    expect(error).toMatchObject({ status: 429, code: 60308, message: 'Challenge verification attempts limit reached' });
  });

  it('answering without AuthPayload is 400 60200', async () => {
    const pending = await challenges().create({ factorSid: factor.sid });
    expect(await restError(() => challenges().get(pending.sid).update({}))).toMatchObject({ status: 400, code: 60200 });
  });

  it('answering a challenge whose factor was deleted is 404 60390', async () => {
    const pending = await challenges().create({ factorSid: factor.sid });
    await emulator.client.verify.v2.services(serviceSid).entities(IDENTITY).factors(factor.sid).remove();
    const error = await restError(() => challenges().get(pending.sid).update({ authPayload: codeFor(factor.secret, T0) }));
    expect(error).toMatchObject({ status: 404, code: 60390 });
  });

  it("another entity's challenge is 404 60391 on fetch and update, for an entity with its own verified factor", async () => {
    // The caller's entity exists and is enrolled, so only the challenge-belongs-to-entity check can refuse.
    await emulator.advance(30);
    const other = await enrolFactor(emulator, serviceSid, T0 + 30_000, 'someone-else-99');
    const foreign = await challenges('someone-else-99').create({ factorSid: other.sid });
    expect(await restError(() => challenges().get(foreign.sid).fetch())).toMatchObject({ status: 404, code: 60391 });
    // A step after enrolment, so the owner's code is not a replay (RFC 6238 §5.2).
    await emulator.advance(30);
    const code = codeFor(other.secret, T0 + 60_000);
    expect(await restError(() => challenges().get(foreign.sid).update({ authPayload: code }))).toMatchObject({ status: 404, code: 60391 });
    // Untouched: still pending, and its owner's code still answers it.
    expect((await challenges('someone-else-99').get(foreign.sid).update({ authPayload: code })).status).toBe('approved');
  });

  it('an unknown challenge is 404 60391 on fetch and update', async () => {
    const sid = `YC${'0'.repeat(32)}`;
    expect(await restError(() => challenges().get(sid).fetch())).toMatchObject({ status: 404, code: 60391, message: 'Challenge not found' });
    expect(await restError(() => challenges().get(sid).update({ authPayload: '123456' }))).toMatchObject({ status: 404, code: 60391 });
  });
});

describe('replay (RFC 6238 §5.2)', () => {
  it('accepts a time step once per factor: the same code, or an older one, leaves the next challenge pending', async () => {
    const code = codeFor(factor.secret, T0);
    expect((await challenges().create({ factorSid: factor.sid, authPayload: code })).status).toBe('approved');
    expect((await challenges().create({ factorSid: factor.sid, authPayload: code })).status).toBe('pending');
    expect((await challenges().create({ factorSid: factor.sid, authPayload: codeFor(factor.secret, T0 - 30_000) })).status).toBe('pending');
    await emulator.advance(30);
    expect((await challenges().create({ factorSid: factor.sid, authPayload: codeFor(factor.secret, T0 + 30_000) })).status).toBe('approved');
  });

  it('the code that verified the factor cannot approve a challenge', async () => {
    const fresh = await createFactor(emulator, serviceSid);
    const code = codeFor(fresh.secret, T0);
    await emulator.client.verify.v2.services(serviceSid).entities(IDENTITY).factors(fresh.sid).update({ authPayload: code });
    expect((await challenges().create({ factorSid: fresh.sid, authPayload: code })).status).toBe('pending');
  });

  it('with allowCodeReuse the same code approves again', async () => {
    const lenient = await startEmulator({ switches: { allowCodeReuse: true } });
    try {
      await lenient.setClock(T0);
      const sid = await lenient.createService();
      const enrolled = await enrolFactor(lenient, sid, T0);
      const list = lenient.client.verify.v2.services(sid).entities(IDENTITY).challenges;
      const code = codeFor(enrolled.secret, T0);
      expect((await list.create({ factorSid: enrolled.sid, authPayload: code })).status).toBe('approved');
      expect((await list.create({ factorSid: enrolled.sid, authPayload: code })).status).toBe('approved');
    } finally {
      await lenient.close();
    }
  });
});

describe('challenge creation limits (60312)', () => {
  it('allows 50 per hour per factor for 6-digit codes, then 429 60312 until the hour has passed', async () => {
    for (let i = 0; i < 50; i++) await challenges().create({ factorSid: factor.sid });
    expect(await restError(() => challenges().create({ factorSid: factor.sid }))).toMatchObject({ status: 429, code: 60312 });
    await emulator.advance(3600);
    expect((await challenges().create({ factorSid: factor.sid })).status).toBe('pending');
  });

  it('allows 100 per day for 6-digit codes even when spread over hours', async () => {
    for (let i = 0; i < 100; i++) {
      if (i > 0 && i % 50 === 0) await emulator.advance(3600);
      await challenges().create({ factorSid: factor.sid });
    }
    await emulator.advance(3600);
    expect(await restError(() => challenges().create({ factorSid: factor.sid }))).toMatchObject({ status: 429, code: 60312 });
  });

  it('allows 10 per day for codes of 4 digits or fewer', async () => {
    const short = await createFactor(emulator, serviceSid, IDENTITY, { 'config.codeLength': 4 });
    const config = { alg: 'sha1' as const, codeLength: 4, timeStep: 30 };
    await emulator.client.verify.v2.services(serviceSid).entities(IDENTITY).factors(short.sid).update({ authPayload: codeFor(short.secret, T0, config) });
    for (let i = 0; i < 10; i++) await challenges().create({ factorSid: short.sid });
    expect(await restError(() => challenges().create({ factorSid: short.sid }))).toMatchObject({ status: 429, code: 60312 });
    await emulator.advance(24 * 3600);
    expect((await challenges().create({ factorSid: short.sid })).status).toBe('pending');
  });
});

describe('listing challenges', () => {
  it('filters by FactorSid and Status, orders asc by default or desc, and pages through next_page_url', async () => {
    const second = await enrolFactor(emulator, serviceSid, T0);
    const a = await challenges().create({ factorSid: factor.sid, authPayload: codeFor(factor.secret, T0) });
    const b = await challenges().create({ factorSid: factor.sid });
    const c = await challenges().create({ factorSid: second.sid });
    await emulator.advance(10);
    const d = await challenges().create({ factorSid: factor.sid });

    expect((await challenges().list()).map((x) => x.sid)).toEqual([a.sid, b.sid, c.sid, d.sid]);
    expect((await challenges().list({ order: 'desc' })).map((x) => x.sid)).toEqual([d.sid, c.sid, b.sid, a.sid]);
    expect((await challenges().list({ factorSid: second.sid })).map((x) => x.sid)).toEqual([c.sid]);
    expect((await challenges().list({ status: 'approved' })).map((x) => x.sid)).toEqual([a.sid]);
    expect((await challenges().list({ factorSid: factor.sid, status: 'pending', pageSize: 1 })).map((x) => x.sid)).toEqual([b.sid, d.sid]);
    const raw = emulator.exchanges.at(-2)?.body as { meta: Record<string, unknown> };
    expect(raw.meta).toMatchObject({ key: 'challenges', page: 0, page_size: 1 });
    expect(String(raw.meta.next_page_url)).toContain(`${emulator.url}/v2/Services/${serviceSid}/Entities/${IDENTITY}/Challenges?FactorSid=${factor.sid}&Status=pending&PageSize=1&Page=1&PageToken=`);

    await emulator.advance(295);
    expect((await challenges().list({ status: 'expired' })).map((x) => x.sid)).toEqual([b.sid, c.sid]);
  });
});
