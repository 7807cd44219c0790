// lib/factors.ts in-process: enrollment, first verification, sign-in checks, listing, deletion and the Studio check,
// each through a real UserScope over the real twilio client and the in-process emulator, with exact outcomes.
import { decodeProtectedHeader, jwtVerify } from 'jose';
import {
  checkCode,
  checkCodeForStudio,
  confirmFactor,
  enrollFactor,
  listFactors,
  removeFactor,
  type UserScope,
} from '../../lib/factors';
import { Failure, type FailureKind } from '../../lib/failures';
import type { ProvenCaller } from '../../lib/users';
import { APPROVAL, startCore, type CoreHarness } from './harness';

let core: CoreHarness;
let users = 0;

beforeAll(async () => {
  core = await startCore();
});
afterAll(() => core.close());
afterEach(() => core.emulator.clearFaults());

/** A fresh user per test, so tests share the emulator without sharing state. */
function newUser(): UserScope<ProvenCaller> {
  users += 1;
  return core.caller(`user-${users}@example.com`);
}

async function failureOf(promise: Promise<unknown>): Promise<FailureKind> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof Failure) return error.kind;
    throw error;
  }
  throw new Error('expected a Failure');
}

/** The Verify requests a failing core call made (as "METHOD /path-without-query") and the Failure kind it threw. */
async function attempt(run: () => Promise<unknown>): Promise<{ calls: string[]; failure: FailureKind }> {
  const before = core.emulator.exchanges.length;
  const failure = await failureOf(run());
  return { calls: core.emulator.exchanges.slice(before).map((exchange) => `${exchange.method} ${exchange.path.split('?')[0]}`), failure };
}

async function enrolled(scope: UserScope<ProvenCaller> = newUser()): Promise<{ scope: UserScope<ProvenCaller>; factorSid: string; secret: string }> {
  const { factorSid, secret } = await enrollFactor(scope, 'Phone');
  expect(await confirmFactor(scope, factorSid, core.code(secret))).toEqual({ factorSid, status: 'verified' });
  // The code just used is spent (RFC 6238 §5.2): later checks use the next step's code.
  await core.nextStep();
  return { scope, factorSid, secret };
}

/** Verify's own view of the user's factors: [sid, status] pairs. */
async function verifyFactorsOf(scope: UserScope<ProvenCaller>): Promise<Array<[string, string]>> {
  const factors = await core.entityOf(scope.user).factors.list().catch(() => []);
  return factors.map((factor) => [factor.sid, factor.status]);
}

describe('enrollFactor', () => {
  test('a new user gets one unverified factor with its secret, Key-Uri and the service defaults', async () => {
    const scope = newUser();
    const created = await enrollFactor(scope, 'Work phone');
    expect(created).toEqual({
      factorSid: expect.stringMatching(/^YF[0-9a-f]{32}$/),
      status: 'unverified',
      uri: expect.stringMatching(/^otpauth:\/\/totp\/Core%20Tests:Work%20phone\?secret=[A-Z2-7]+&issuer=Core%20Tests&algorithm=SHA1&digits=6&period=30$/),
      secret: expect.stringMatching(/^[A-Z2-7]{32}$/),
      config: { algorithm: 'SHA1', digits: 6, period: 30, skew: 1 },
    });
    expect(created.uri).toContain(`secret=${created.secret}&`);
    expect(await verifyFactorsOf(scope)).toEqual([[created.factorSid, 'unverified']]);
  });

  test('earlier unfinished enrollments are deleted, so only the new factor remains', async () => {
    const scope = newUser();
    await enrollFactor(scope, 'First');
    await enrollFactor(scope, 'Second');
    const third = await enrollFactor(scope, 'Third');
    expect(await verifyFactorsOf(scope)).toEqual([[third.factorSid, 'unverified']]);
  });

  test('a user with a verified factor is refused (already_enrolled) and nothing is created or deleted', async () => {
    const { scope, factorSid } = await enrolled();
    expect(await attempt(() => enrollFactor(scope, 'Attacker phone'))).toEqual({
      calls: [`GET /v2/Services/${core.serviceSid}/Entities/${scope.identity}/Factors`],
      failure: 'already_enrolled',
    });
    expect(await verifyFactorsOf(scope)).toEqual([[factorSid, 'verified']]);
  });

  test('an unfinished enrollment that Verify drops meanwhile (60390 on delete) does not stop the new one', async () => {
    const scope = newUser();
    await enrollFactor(scope, 'First');
    await core.emulator.fault({ match: { method: 'DELETE', path: '/Factors/' }, code: 60390 });
    const second = await enrollFactor(scope, 'Second');
    expect(second.status).toBe('unverified');
  });

  test('any other failure to delete an unfinished enrollment is the caller failure', async () => {
    const scope = newUser();
    await enrollFactor(scope, 'First');
    await core.emulator.fault({ match: { method: 'DELETE', path: '/Factors/' }, status: 500 });
    expect(await failureOf(enrollFactor(scope, 'Second'))).toBe('upstream_error');
  });

  test('the Verify identity is the HMAC of the user key: the user id never reaches Verify', async () => {
    const scope = core.caller('private.person@example.com');
    const before = core.emulator.exchanges.length;
    await enrollFactor(scope, 'Phone');
    const paths = core.emulator.exchanges.slice(before).map((exchange) => exchange.path);
    expect(paths).toHaveLength(2);
    for (const path of paths) {
      expect(path).toContain(`/Entities/${scope.identity}/`);
      expect(path).not.toContain('private');
    }
  });
});

describe('confirmFactor', () => {
  test('the right code verifies the factor', async () => {
    const scope = newUser();
    const { factorSid, secret } = await enrollFactor(scope, 'Phone');
    expect(await confirmFactor(scope, factorSid, core.code(secret))).toEqual({ factorSid, status: 'verified' });
    expect(await verifyFactorsOf(scope)).toEqual([[factorSid, 'verified']]);
  });

  test('a wrong code is a result: the factor stays unverified', async () => {
    const scope = newUser();
    const { factorSid, secret } = await enrollFactor(scope, 'Phone');
    expect(await confirmFactor(scope, factorSid, core.wrongCode(secret))).toEqual({ factorSid, status: 'unverified' });
    expect(await verifyFactorsOf(scope)).toEqual([[factorSid, 'unverified']]);
  });

  test('a verified factor is refused (already_verified) without sending the code to Verify', async () => {
    const { scope, factorSid, secret } = await enrolled();
    for (const code of [core.code(secret), core.wrongCode(secret)]) {
      expect(await attempt(() => confirmFactor(scope, factorSid, code))).toEqual({
        calls: [`GET /v2/Services/${core.serviceSid}/Entities/${scope.identity}/Factors/${factorSid}`],
        failure: 'already_verified',
      });
    }
  });

  test.each(['12345', '1234567', '123'])('the code %s (not 6 digits) is code_length_mismatch, with no verification call', async (code) => {
    const scope = newUser();
    const { factorSid } = await enrollFactor(scope, 'Phone');
    expect(await attempt(() => confirmFactor(scope, factorSid, code))).toEqual({
      calls: [`GET /v2/Services/${core.serviceSid}/Entities/${scope.identity}/Factors/${factorSid}`],
      failure: 'code_length_mismatch',
    });
  });

  test("another user's factor is factor_not_found, even when that user is enrolled", async () => {
    const victim = newUser();
    const { factorSid, secret } = await enrollFactor(victim, 'Phone');
    const { scope: attacker } = await enrolled();
    expect(await failureOf(confirmFactor(attacker, factorSid, core.code(secret)))).toBe('factor_not_found');
    expect(await verifyFactorsOf(victim)).toEqual([[factorSid, 'unverified']]);
  });
});

describe('checkCode', () => {
  test('the right code is approved, with an approval token of exactly the documented claims', async () => {
    const { scope, secret } = await enrolled();
    const result = await checkCode(scope, core.code(secret));
    expect(result).toEqual({ status: 'approved', challengeSid: expect.stringMatching(/^YC[0-9a-f]{32}$/), approval: expect.any(String) });
    if (result.status !== 'approved') throw new Error('unreachable');
    const { payload } = await jwtVerify(result.approval, APPROVAL.secret, {
      algorithms: ['HS256'],
      currentDate: new Date(core.now()),
    });
    const iat = Math.floor(core.now() / 1000);
    expect(payload).toEqual({
      sub: (scope.user as ProvenCaller).sub,
      amr: ['otp'],
      jti: result.challengeSid,
      iss: 'core-tests',
      iat,
      exp: iat + 120,
    });
    expect(decodeProtectedHeader(result.approval)).toEqual({ alg: 'HS256', typ: 'JWT' });
  });

  test("the host's nonce is echoed in the approval token", async () => {
    const { scope, secret } = await enrolled();
    const result = await checkCode(scope, core.code(secret), { nonce: 'sign-in.42~x_y-z' });
    if (result.status !== 'approved') throw new Error(`expected approved, got ${result.status}`);
    const { payload } = await jwtVerify(result.approval, APPROVAL.secret, { currentDate: new Date(core.now()) });
    const iat = Math.floor(core.now() / 1000);
    expect(payload).toEqual({
      sub: (scope.user as ProvenCaller).sub,
      amr: ['otp'],
      nonce: 'sign-in.42~x_y-z',
      jti: result.challengeSid,
      iss: 'core-tests',
      iat,
      exp: iat + 120,
    });
  });

  test('a wrong code is pending, with the challenge and no approval', async () => {
    const { scope, secret } = await enrolled();
    expect(await checkCode(scope, core.wrongCode(secret))).toEqual({ status: 'pending', challengeSid: expect.stringMatching(/^YC/) });
  });

  test('a code that was already accepted is pending the second time (RFC 6238 §5.2)', async () => {
    const { scope, secret } = await enrolled();
    const code = core.code(secret);
    expect((await checkCode(scope, code)).status).toBe('approved');
    expect(await checkCode(scope, code)).toEqual({ status: 'pending', challengeSid: expect.any(String) });
  });

  test('a user without factors, or with only an unfinished enrollment, is not_enrolled', async () => {
    const scope = newUser();
    expect(await failureOf(checkCode(scope, '123456'))).toBe('not_enrolled');
    const { secret } = await enrollFactor(scope, 'Phone');
    expect(await failureOf(checkCode(scope, core.code(secret)))).toBe('not_enrolled');
  });

  test('a wrong-length code is code_length_mismatch and creates no challenge', async () => {
    const { scope, secret } = await enrolled();
    for (const code of [core.code(secret).slice(0, 5), `${core.code(secret)}0`]) {
      expect(await attempt(() => checkCode(scope, code))).toEqual({
        calls: [`GET /v2/Services/${core.serviceSid}/Entities/${scope.identity}/Factors`],
        failure: 'code_length_mismatch',
      });
    }
  });

  describe('with two verified factors', () => {
    /** A second factor is possible in Verify (another app, an earlier version of the kit): made here with the raw client. */
    async function addVerifiedFactor(scope: UserScope<ProvenCaller>, name: string): Promise<{ sid: string; secret: string }> {
      const entity = core.entityOf(scope.user);
      const factor = await entity.newFactors.create({ friendlyName: name, factorType: 'totp' });
      const { secret } = factor.binding as { secret: string };
      await entity.factors(factor.sid).update({ authPayload: core.code(secret) });
      return { sid: factor.sid, secret };
    }

    /** Older and newer verified factors, then an unfinished enrollment, newest of all (built in each test, not in a hook). */
    async function twoFactors(): Promise<{ scope: UserScope<ProvenCaller>; older: { sid: string; secret: string }; newer: { sid: string; secret: string } }> {
      const scope = newUser();
      const older = await addVerifiedFactor(scope, 'Older');
      await core.nextStep();
      const newer = await addVerifiedFactor(scope, 'Newer');
      await core.nextStep();
      await core.entityOf(scope.user).newFactors.create({ friendlyName: 'Unfinished', factorType: 'totp' });
      await core.nextStep();
      return { scope, older, newer };
    }

    test('without a factorSid the newest verified factor is checked', async () => {
      const { scope, older, newer } = await twoFactors();
      expect((await checkCode(scope, core.code(older.secret))).status).toBe('pending');
      expect((await checkCode(scope, core.code(newer.secret))).status).toBe('approved');
    });

    test('with a factorSid that factor is checked', async () => {
      const { scope, older, newer } = await twoFactors();
      expect((await checkCode(scope, core.code(newer.secret), { factorSid: older.sid })).status).toBe('pending');
      expect((await checkCode(scope, core.code(older.secret), { factorSid: older.sid })).status).toBe('approved');
    });

    test('the listing is newest first', async () => {
      const { scope } = await twoFactors();
      const { factors } = await listFactors(scope);
      expect(factors.map((factor) => factor.label)).toEqual(['Unfinished', 'Newer', 'Older']);
    });
  });

  test('a named unverified factor is factor_not_verified; an unknown or foreign one factor_not_found', async () => {
    const { scope } = await enrolled();
    const { scope: other, factorSid: foreign } = await enrolled();
    expect(await failureOf(checkCode(scope, '123456', { factorSid: foreign }))).toBe('factor_not_found');
    expect(await failureOf(checkCode(scope, '123456', { factorSid: `YF${'0'.repeat(32)}` }))).toBe('factor_not_found');
    const pending = await core.entityOf(scope.user).newFactors.create({ friendlyName: 'Unfinished', factorType: 'totp' });
    // Refused by the core itself: the code is not sent to Verify.
    expect(await attempt(() => checkCode(scope, '123456', { factorSid: pending.sid }))).toEqual({
      calls: [`GET /v2/Services/${core.serviceSid}/Entities/${scope.identity}/Factors`],
      failure: 'factor_not_verified',
    });
    expect(await verifyFactorsOf(other)).toEqual([[foreign, 'verified']]);
  });
});

describe('listFactors', () => {
  test('a user who never enrolled has an empty list (no entity is not an error)', async () => {
    expect(await listFactors(newUser())).toEqual({ factors: [] });
  });

  test('each factor is listed with its label, status, creation time and config, and no secret', async () => {
    const { scope, factorSid } = await enrolled();
    const createdAt = new Date(core.now() - 30_000).toISOString();
    expect(await listFactors(scope)).toEqual({
      factors: [{ factorSid, label: 'Phone', status: 'verified', createdAt, config: { algorithm: 'SHA1', digits: 6, period: 30, skew: 1 } }],
    });
  });
});

describe('removeFactor', () => {
  test('an unverified factor is deleted without a code', async () => {
    const scope = newUser();
    const { factorSid } = await enrollFactor(scope, 'Phone');
    expect(await removeFactor(scope, factorSid)).toEqual({ deleted: true });
    expect(await verifyFactorsOf(scope)).toEqual([]);
  });

  test('a verified factor without a code is step_up_required and stays', async () => {
    const { scope, factorSid } = await enrolled();
    expect(await failureOf(removeFactor(scope, factorSid))).toBe('step_up_required');
    expect(await verifyFactorsOf(scope)).toEqual([[factorSid, 'verified']]);
  });

  test('a verified factor with a wrong code is wrong_code and stays', async () => {
    const { scope, factorSid, secret } = await enrolled();
    expect(await failureOf(removeFactor(scope, factorSid, core.wrongCode(secret)))).toBe('wrong_code');
    expect(await verifyFactorsOf(scope)).toEqual([[factorSid, 'verified']]);
  });

  test('a verified factor with a wrong-length code is code_length_mismatch, with no challenge', async () => {
    const { scope, factorSid, secret } = await enrolled();
    expect(await attempt(() => removeFactor(scope, factorSid, core.code(secret).slice(1)))).toEqual({
      calls: [`GET /v2/Services/${core.serviceSid}/Entities/${scope.identity}/Factors/${factorSid}`],
      failure: 'code_length_mismatch',
    });
    expect(await verifyFactorsOf(scope)).toEqual([[factorSid, 'verified']]);
  });

  test('a verified factor with a current code is deleted', async () => {
    const { scope, factorSid, secret } = await enrolled();
    expect(await removeFactor(scope, factorSid, core.code(secret))).toEqual({ deleted: true });
    expect(await verifyFactorsOf(scope)).toEqual([]);
  });

  test("another user's factor is factor_not_found and stays", async () => {
    const { scope: victim, factorSid } = await enrolled();
    const attacker = newUser();
    await enrollFactor(attacker, 'Attacker phone');
    expect(await failureOf(removeFactor(attacker, factorSid))).toBe('factor_not_found');
    expect(await verifyFactorsOf(victim)).toEqual([[factorSid, 'verified']]);
  });
});

describe('checkCodeForStudio', () => {
  let phone = 0;
  /** A caller enrolled through the web; Studio reaches the same Verify entity with the same user key. */
  async function enrolledPhone(): Promise<{ key: string; secret: string }> {
    phone += 1;
    const key = `+1555000${String(phone).padStart(4, '0')}`;
    const { secret } = await enrolled(core.caller(key));
    return { key, secret };
  }

  test('the right code is approved, a wrong one pending, a wrong-length one invalid (with no challenge)', async () => {
    const { key, secret } = await enrolledPhone();
    const studio = core.studio(key);
    expect(await checkCodeForStudio(studio, core.wrongCode(secret))).toBe('pending');
    const before = core.emulator.exchanges.length;
    expect(await checkCodeForStudio(studio, '12345')).toBe('invalid');
    expect(core.emulator.exchanges.slice(before).map((exchange) => exchange.method)).toEqual(['GET']);
    expect(await checkCodeForStudio(studio, '1234567')).toBe('invalid');
    expect(await checkCodeForStudio(studio, core.code(secret))).toBe('approved');
  });

  test('a user key without a verified factor is not_enrolled', async () => {
    expect(await checkCodeForStudio(core.studio('+15559999999'), '123456')).toBe('not_enrolled');
  });

  test('after 50 sign-in checks within the hour Verify throttles the factor (60312): locked', async () => {
    const { key, secret } = await enrolledPhone();
    const studio = core.studio(key);
    for (let i = 0; i < 50; i += 1) expect(await checkCodeForStudio(studio, core.wrongCode(secret))).toBe('pending');
    expect(await checkCodeForStudio(studio, core.code(secret))).toBe('locked');
  });

  test.each([
    [60308, 'locked'],
    [60310, 'locked'],
    [60312, 'locked'],
    // Legacy Verify answered a wrong code with an error.
    [60311, 'pending'],
    [60324, 'pending'],
  ])('Verify error %i on the check is %s', async (code, status) => {
    const { key, secret } = await enrolledPhone();
    await core.emulator.fault({ match: { method: 'POST', path: '/Challenges' }, code });
    expect(await checkCodeForStudio(core.studio(key), core.code(secret))).toBe(status);
  });

  test.each([
    [{ code: 20429 }, 'upstream_rate_limited'],
    [{ status: 500 }, 'upstream_error'],
  ])('other failures of the check are thrown (%j → %s)', async (fault, kind) => {
    const { key, secret } = await enrolledPhone();
    await core.emulator.fault({ match: { method: 'POST', path: '/Challenges' }, ...fault });
    expect(await failureOf(checkCodeForStudio(core.studio(key), core.code(secret)))).toBe(kind);
  });

  test('a failure to list the factors is thrown, not taken for not_enrolled', async () => {
    const { key } = await enrolledPhone();
    await core.emulator.fault({ match: { method: 'GET', path: '/Factors' }, status: 503 });
    expect(await failureOf(checkCodeForStudio(core.studio(key), '123456'))).toBe('upstream_unavailable');
  });
});
