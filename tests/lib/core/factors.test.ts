// lib/core/factors.ts in-process: enrollment, first verification, sign-in checks, listing, deletion and the Studio check,
// each through a real UserScope over the real twilio client and the in-process emulator, with exact outcomes.
import { decodeProtectedHeader, jwtVerify } from 'jose';
import {
  checkCode,
  checkCodeForStudio,
  confirmFactor,
  enrollFactor,
  listActivity,
  listFactors,
  regenerateRecoveryCodes,
  removeFactor,
  useRecoveryCode,
} from '../../../lib/core/factors';
import type { UserScope } from '../../../lib/core/user-scope';
import { Failure, type FailureKind } from '../../../lib/core/failures';
import { stateDocumentName } from '../../../lib/state/security-state';
import { IN_FLIGHT_MS, REUSE_ALLOWANCE } from '../../../lib/state/lockout';
import type { ProvenCaller } from '../../../lib/core/users';
import { rejectionOf } from '../../helpers/rejection';
import { expectedIdentity } from '../../helpers/identity';
import { APPROVAL_SECRET, IDENTITY_SECRET, startCore, type CoreHarness } from '../../helpers/core';

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
  return (await rejectionOf(promise, Failure)).kind;
}

/** The Verify requests (not the state's Sync requests) made since exchange `before`, as "METHOD /path-without-query". */
const STATE_SERVICE = 'default';

/** The user's state document as the kit stored it in Sync. */
async function stateOf(scope: Pick<UserScope, 'identity'>): Promise<Record<string, unknown>> {
  return (await core.emulator.client.sync.v1.services(STATE_SERVICE).documents(stateDocumentName(scope.identity)).fetch()).data as Record<string, unknown>;
}

function verifyCallsSince(before: number): string[] {
  return core.emulator.exchanges
    .slice(before)
    .filter((exchange) => exchange.path.startsWith('/v2/'))
    .map((exchange) => `${exchange.method} ${exchange.path.split('?')[0]}`);
}

/** The Verify requests a failing core call made and the Failure kind it threw. */
async function attempt(run: () => Promise<unknown>): Promise<{ calls: string[]; failure: FailureKind }> {
  const before = core.emulator.exchanges.length;
  const failure = await failureOf(run());
  return { calls: verifyCallsSince(before), failure };
}

const RECOVERY_CODE = /^[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){3}$/;

async function enrolled(
  scope: UserScope<ProvenCaller> = newUser(),
): Promise<{ scope: UserScope<ProvenCaller>; factorSid: string; secret: string; recoveryCodes: string[] }> {
  const { factorSid, secret, recoveryCodes } = await core.enroll(scope);
  // The code just used is spent (RFC 6238 §5.2): later checks use the next step's code.
  await core.nextStep();
  return { scope, factorSid, secret, recoveryCodes };
}

/** One enrollment at a time: another may start once the first one's 30 s hold is over. */
async function afterEnrollmentHold(): Promise<void> {
  await core.setClock(core.now() + 30_000);
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
    await afterEnrollmentHold();
    await enrollFactor(scope, 'Second');
    await afterEnrollmentHold();
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
    await afterEnrollmentHold();
    await core.emulator.fault({ match: { method: 'DELETE', path: '/Factors/' }, code: 60390 });
    const second = await enrollFactor(scope, 'Second');
    expect(second.status).toBe('unverified');
  });

  test('any other failure to delete an unfinished enrollment is the caller failure', async () => {
    const scope = newUser();
    await enrollFactor(scope, 'First');
    await afterEnrollmentHold();
    await core.emulator.fault({ match: { method: 'DELETE', path: '/Factors/' }, status: 500 });
    expect(await failureOf(enrollFactor(scope, 'Second'))).toBe('upstream_error');
    // The failed enrollment released its hold: the retry need not wait 30 s.
    const retried = await enrollFactor(scope, 'Second');
    expect(await verifyFactorsOf(scope)).toEqual([[retried.factorSid, 'unverified']]);
  });

  test('a second enrollment within the 30 s hold is enrollment_in_progress and asks Verify nothing', async () => {
    const scope = newUser();
    const first = await enrollFactor(scope, 'First');
    await core.setClock(core.now() + 29_999);
    expect(await attempt(() => enrollFactor(scope, 'Second'))).toEqual({ calls: [], failure: 'enrollment_in_progress' });
    expect(await verifyFactorsOf(scope)).toEqual([[first.factorSid, 'unverified']]);
    await core.setClock(core.now() + 1);
    expect((await enrollFactor(scope, 'Second')).status).toBe('unverified');
  });

  test('the Verify identity is the HMAC of the user key: the user id never reaches Verify', async () => {
    const scope = core.caller('private.person@example.com');
    const before = core.emulator.exchanges.length;
    await enrollFactor(scope, 'Phone');
    const paths = core.emulator.exchanges.slice(before).map((exchange) => exchange.path);
    expect(verifyCallsSince(before)).toEqual([
      `GET /v2/Services/${core.serviceSid}/Entities/${scope.identity}/Factors`,
      `POST /v2/Services/${core.serviceSid}/Entities/${scope.identity}/Factors`,
    ]);
    // Neither Verify nor the state on Sync ever sees the user id.
    for (const path of paths) expect(decodeURIComponent(path)).not.toContain('private');
    // The identity README states, computed apart from the kit.
    expect(scope.identity).toBe(expectedIdentity(IDENTITY_SECRET, 'private.person@example.com'));
  });

  test('user keys that differ only in case are two users: one\'s factor is not the other\'s', async () => {
    const upper = await enrolled(core.caller('Dana@Example.com'));
    const lower = core.caller('dana@example.com');
    expect([upper.scope.identity, lower.identity]).toEqual([expectedIdentity(IDENTITY_SECRET, 'Dana@Example.com'), expectedIdentity(IDENTITY_SECRET, 'dana@example.com')]);
    expect(await listFactors(lower)).toEqual({ factors: [], recoveryCodesLeft: 0, recoveryCodesOutdated: false });
    expect(await failureOf(checkCode(lower, core.code(upper.secret)))).toBe('not_enrolled');
    expect(await failureOf(removeFactor(lower, upper.factorSid, { code: core.code(upper.secret) }))).toBe('factor_not_found');
    expect(await verifyFactorsOf(upper.scope)).toEqual([[upper.factorSid, 'verified']]);
  });
});

describe('confirmFactor', () => {
  test('the right code verifies the factor and issues ten distinct recovery codes, shown this once', async () => {
    const scope = newUser();
    const { factorSid, secret } = await enrollFactor(scope, 'Phone');
    const confirmed = await confirmFactor(scope, factorSid, core.code(secret));
    expect(confirmed).toEqual({ factorSid, status: 'verified', recoveryCodes: expect.any(Array) });
    expect(confirmed.recoveryCodes).toHaveLength(10);
    for (const code of confirmed.recoveryCodes ?? []) expect(code).toMatch(RECOVERY_CODE);
    expect(new Set(confirmed.recoveryCodes).size).toBe(10);
    expect(await verifyFactorsOf(scope)).toEqual([[factorSid, 'verified']]);
    expect((await listFactors(scope)).recoveryCodesLeft).toBe(10);
  });

  test('a wrong code is a result: the factor stays unverified', async () => {
    const scope = newUser();
    const { factorSid, secret } = await enrollFactor(scope, 'Phone');
    expect(await confirmFactor(scope, factorSid, core.wrongCode(secret))).toEqual({ factorSid, status: 'unverified' });
    expect(await verifyFactorsOf(scope)).toEqual([[factorSid, 'unverified']]);
    expect((await listFactors(scope)).recoveryCodesLeft).toBe(0);
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
    const { payload } = await jwtVerify(result.approval, APPROVAL_SECRET, {
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
    const { payload } = await jwtVerify(result.approval, APPROVAL_SECRET, { currentDate: new Date(core.now()) });
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

  test('a code that was already accepted is code_reused the second time (RFC 6238 §5.2), with the wait for the next code, and asks Verify nothing', async () => {
    const { scope, secret } = await enrolled();
    const code = core.code(secret);
    expect((await checkCode(scope, code)).status).toBe('approved');
    const before = core.emulator.exchanges.length;
    const reused = await rejectionOf(checkCode(scope, code), Failure);
    expect(reused).toMatchObject({ kind: 'code_reused', retryAfterSeconds: 20 });
    expect(verifyCallsSince(before)).toEqual([]);
    // Not a guess: the failure count is untouched, and the trail says what happened.
    expect(((await stateOf(scope)).caller as { failures: unknown; reuses: unknown })).toMatchObject({ failures: 0, reuses: 1 });
    expect((await listActivity(scope)).events[0]).toMatchObject({ type: 'challenge.reused' });
  });

  test('the code that finished the set-up is code_reused at the first sign-in check, not a wrong code', async () => {
    const scope = newUser();
    const { factorSid, secret } = await enrollFactor(scope, 'Phone');
    const code = core.code(secret);
    await confirmFactor(scope, factorSid, code);
    expect(await failureOf(checkCode(scope, code))).toBe('code_reused');
    expect(((await stateOf(scope)).caller as { failures: unknown }).failures).toBe(0);
  });

  test(`a reuse is free ${REUSE_ALLOWANCE} times since the last success; after that each counts as a wrong code (a replay cannot go on for ever)`, async () => {
    const { scope, secret } = await enrolled();
    const code = core.code(secret);
    await checkCode(scope, code);
    for (let i = 0; i < REUSE_ALLOWANCE + 2; i += 1) expect(await failureOf(checkCode(scope, code))).toBe('code_reused');
    expect(((await stateOf(scope)).caller as { failures: unknown; reuses: unknown })).toMatchObject({ failures: 2, reuses: REUSE_ALLOWANCE });
    expect((await listActivity(scope)).events[0]).toMatchObject({ type: 'challenge.failed', outcome: 'replay' });
  });

  test('a user without factors, or with only an unfinished enrollment, is not_enrolled', async () => {
    const scope = newUser();
    expect(await failureOf(checkCode(scope, '123456'))).toBe('not_enrolled');
    const { secret } = await enrollFactor(scope, 'Phone');
    expect(await failureOf(checkCode(scope, core.code(secret)))).toBe('not_enrolled');
  });

  test('a wrong-length code is code_length_mismatch and asks Verify nothing (the state knows the factor)', async () => {
    const { scope, secret } = await enrolled();
    for (const code of [core.code(secret).slice(0, 5), `${core.code(secret)}0`]) {
      expect(await attempt(() => checkCode(scope, code))).toEqual({ calls: [], failure: 'code_length_mismatch' });
    }
  });

  test('a sign-in check is one Verify call when the state knows the factor', async () => {
    const { scope, secret } = await enrolled();
    const before = core.emulator.exchanges.length;
    expect((await checkCode(scope, core.code(secret))).status).toBe('approved');
    expect(verifyCallsSince(before)).toEqual([`POST /v2/Services/${core.serviceSid}/Entities/${scope.identity}/Challenges`]);
  });

  test('a factor deleted outside the kit is forgotten: the check falls back to the list and says not_enrolled', async () => {
    const { scope, factorSid, secret } = await enrolled();
    await core.entityOf(scope.user).factors(factorSid).remove();
    const before = core.emulator.exchanges.length;
    expect(await failureOf(checkCode(scope, core.code(secret)))).toBe('not_enrolled');
    expect(verifyCallsSince(before)).toEqual([
      `POST /v2/Services/${core.serviceSid}/Entities/${scope.identity}/Challenges`,
      `GET /v2/Services/${core.serviceSid}/Entities/${scope.identity}/Factors`,
    ]);
    // Forgotten for good: the next check goes straight to the list.
    const again = core.emulator.exchanges.length;
    expect(await failureOf(checkCode(scope, core.code(secret)))).toBe('not_enrolled');
    expect(verifyCallsSince(again)).toEqual([`GET /v2/Services/${core.serviceSid}/Entities/${scope.identity}/Factors`]);
  });

  test('five wrong codes lock the caller: the sixth check, even with the right code, asks Verify nothing', async () => {
    const { scope, secret } = await enrolled();
    for (let i = 0; i < 4; i += 1) expect((await checkCode(scope, core.wrongCode(secret))).status).toBe('pending');
    expect(await failureOf(checkCode(scope, core.wrongCode(secret)))).toBe('locked');
    expect(await attempt(() => checkCode(scope, core.code(secret)))).toEqual({ calls: [], failure: 'locked' });
    // 60 s later the lock is over and the right code is approved.
    await core.setClock(core.now() + 60_000);
    expect((await checkCode(scope, core.code(secret))).status).toBe('approved');
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
    expect(await listFactors(newUser())).toEqual({ factors: [], recoveryCodesLeft: 0, recoveryCodesOutdated: false });
  });

  test('each factor is listed with its label, status, creation time and config, and no secret', async () => {
    const { scope, factorSid } = await enrolled();
    const createdAt = new Date(core.now() - 30_000).toISOString();
    expect(await listFactors(scope)).toEqual({
      factors: [{ factorSid, label: 'Phone', status: 'verified', createdAt, config: { algorithm: 'SHA1', digits: 6, period: 30, skew: 1 } }],
      recoveryCodesLeft: 10,
      recoveryCodesOutdated: false,
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
    expect(await failureOf(removeFactor(scope, factorSid, { code: core.wrongCode(secret) }))).toBe('wrong_code');
    expect(await verifyFactorsOf(scope)).toEqual([[factorSid, 'verified']]);
  });

  test('a verified factor with a wrong-length code is code_length_mismatch, with no challenge', async () => {
    const { scope, factorSid, secret } = await enrolled();
    expect(await attempt(() => removeFactor(scope, factorSid, { code: core.code(secret).slice(1) }))).toEqual({
      calls: [`GET /v2/Services/${core.serviceSid}/Entities/${scope.identity}/Factors/${factorSid}`],
      failure: 'code_length_mismatch',
    });
    expect(await verifyFactorsOf(scope)).toEqual([[factorSid, 'verified']]);
  });

  test('a verified factor with a current code is deleted', async () => {
    const { scope, factorSid, secret } = await enrolled();
    expect(await removeFactor(scope, factorSid, { code: core.code(secret) })).toEqual({ deleted: true });
    expect(await verifyFactorsOf(scope)).toEqual([]);
    // Its recovery codes went with it.
    expect((await listFactors(scope)).recoveryCodesLeft).toBe(0);
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
    expect(verifyCallsSince(before)).toEqual([]);
    expect(await checkCodeForStudio(studio, '1234567')).toBe('invalid');
    expect(await checkCodeForStudio(studio, core.code(secret))).toBe('approved');
  });

  test('a user key without a verified factor is not_enrolled', async () => {
    expect(await checkCodeForStudio(core.studio('+15559999999'), '123456')).toBe('not_enrolled');
  });

  test('five wrong codes lock Studio (and only Studio): then locked without a Verify call, while the web still signs in', async () => {
    const { key, secret } = await enrolledPhone();
    const studio = core.studio(key);
    for (let i = 0; i < 4; i += 1) expect(await checkCodeForStudio(studio, core.wrongCode(secret))).toBe('pending');
    expect(await checkCodeForStudio(studio, core.wrongCode(secret))).toBe('locked');
    const before = core.emulator.exchanges.length;
    expect(await checkCodeForStudio(studio, core.code(secret))).toBe('locked');
    expect(verifyCallsSince(before)).toEqual([]);
    expect((await checkCode(core.caller(key), core.code(secret))).status).toBe('approved');
  });

  test('a code approved once is reused the second time, on Studio too', async () => {
    const { key, secret } = await enrolledPhone();
    const code = core.code(secret);
    expect(await checkCodeForStudio(core.studio(key), code)).toBe('approved');
    expect(await checkCodeForStudio(core.studio(key), code)).toBe('reused');
  });

  test('with hideEnrollment, a user who never enrolled is pending for a 6-digit code, invalid for another length, and locks alike', async () => {
    const studio = core.studio('+15559999998');
    const hide = { hideEnrollment: true };
    expect(await checkCodeForStudio(studio, '12345', hide)).toBe('invalid');
    for (let i = 0; i < 4; i += 1) expect(await checkCodeForStudio(studio, '123456', hide)).toBe('pending');
    expect(await checkCodeForStudio(studio, '123456', hide)).toBe('locked');
    expect(await checkCodeForStudio(studio, '123456', hide)).toBe('locked');
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
    // Enrolled outside the kit, so the state does not know the factor and the check must list.
    const key = '+15559999997';
    const entity = core.entityOf(core.caller(key).user);
    const factor = await entity.newFactors.create({ friendlyName: 'Phone', factorType: 'totp' });
    await entity.factors(factor.sid).update({ authPayload: core.code((factor.binding as { secret: string }).secret) });
    await core.emulator.fault({ match: { method: 'GET', path: '/Factors' }, status: 503 });
    expect(await failureOf(checkCodeForStudio(core.studio(key), '123456'))).toBe('upstream_unavailable');
  });
});

describe('recovery codes', () => {
  async function approvalMethod(approval: string): Promise<unknown> {
    const { payload } = await jwtVerify(approval, APPROVAL_SECRET, { currentDate: new Date(core.now()) });
    return payload.amr;
  }

  test('each code signs in once, with amr recovery_code, in any case or spacing; the count goes down', async () => {
    const { scope, recoveryCodes } = await enrolled();
    const [first, second] = recoveryCodes as [string, string];
    const used = await useRecoveryCode(scope, first, { nonce: 'n-1' });
    expect(used).toEqual({ status: 'approved', approval: expect.any(String), recoveryCodesLeft: 9 });
    expect(await approvalMethod(used.approval)).toEqual(['recovery_code']);
    expect(await failureOf(useRecoveryCode(scope, first))).toBe('wrong_code');
    expect((await useRecoveryCode(scope, ` ${second.toLowerCase().replace(/-/g, ' ')} `)).recoveryCodesLeft).toBe(8);
    expect((await listFactors(scope)).recoveryCodesLeft).toBe(8);
  });

  test('text that cannot be a recovery code is malformed_recovery_code and costs no attempt', async () => {
    const { scope, recoveryCodes } = await enrolled();
    for (let i = 0; i < 6; i += 1) expect(await failureOf(useRecoveryCode(scope, 'not-a-code!'))).toBe('malformed_recovery_code');
    expect((await useRecoveryCode(scope, recoveryCodes[0] as string)).recoveryCodesLeft).toBe(9);
  });

  test('a wrong recovery code counts towards the lock like a wrong authenticator code', async () => {
    const { scope, recoveryCodes } = await enrolled();
    for (let i = 0; i < 4; i += 1) expect(await failureOf(useRecoveryCode(scope, '0AAA-AAAA-AAAA-AAAA'))).toBe('wrong_code');
    expect(await failureOf(useRecoveryCode(scope, '0AAA-AAAA-AAAA-AAAA'))).toBe('locked');
    expect(await failureOf(useRecoveryCode(scope, recoveryCodes[0] as string))).toBe('locked');
    expect((await listFactors(scope)).recoveryCodesLeft).toBe(10);
  });

  test("one user's recovery code does nothing for another user", async () => {
    const { recoveryCodes } = await enrolled();
    const { scope: other } = await enrolled();
    expect(await failureOf(useRecoveryCode(other, recoveryCodes[0] as string))).toBe('wrong_code');
  });

  test('a lost phone: a recovery code deletes the verified factor, and the rest of the set ends with it', async () => {
    const { scope, factorSid, recoveryCodes } = await enrolled();
    expect(await failureOf(removeFactor(scope, factorSid, { recoveryCode: 'AAAAA-AAAAA' }))).toBe('wrong_code');
    expect(await verifyFactorsOf(scope)).toEqual([[factorSid, 'verified']]);
    expect(await failureOf(removeFactor(scope, factorSid, { recoveryCode: '???' }))).toBe('malformed_recovery_code');
    expect(await removeFactor(scope, factorSid, { recoveryCode: recoveryCodes[0] as string })).toEqual({ deleted: true });
    expect(await verifyFactorsOf(scope)).toEqual([]);
    expect((await listFactors(scope)).recoveryCodesLeft).toBe(0);
    expect(await failureOf(useRecoveryCode(scope, recoveryCodes[1] as string))).toBe('wrong_code');
  });

  test('regenerating needs a current code; the new set replaces the old one at once', async () => {
    const { scope, secret, recoveryCodes } = await enrolled();
    expect(await failureOf(regenerateRecoveryCodes(scope, core.wrongCode(secret)))).toBe('wrong_code');
    const code = core.code(secret);
    const { recoveryCodes: fresh } = await regenerateRecoveryCodes(scope, code);
    expect(fresh).toHaveLength(10);
    expect(fresh.filter((entry) => recoveryCodes.includes(entry))).toEqual([]);
    expect(await failureOf(useRecoveryCode(scope, recoveryCodes[0] as string))).toBe('wrong_code');
    expect((await useRecoveryCode(scope, fresh[0] as string)).recoveryCodesLeft).toBe(9);
    // The code that regenerated is spent like any approved code.
    expect(await failureOf(regenerateRecoveryCodes(scope, code))).toBe('code_reused');
  });

  test('a user without a verified factor has no recovery codes to use or regenerate', async () => {
    const scope = newUser();
    expect(await failureOf(useRecoveryCode(scope, '0AAA-AAAA-AAAA-AAAA'))).toBe('wrong_code');
    expect(await failureOf(regenerateRecoveryCodes(scope, '123456'))).toBe('not_enrolled');
  });
});

describe('listActivity', () => {
  test('the trail names what happened, newest first, with no code or secret', async () => {
    const { scope, factorSid, secret, recoveryCodes } = await enrolled();
    await checkCode(scope, core.wrongCode(secret));
    await checkCode(scope, core.code(secret));
    await useRecoveryCode(scope, recoveryCodes[0] as string);
    const { events } = await listActivity(scope);
    expect(events.map((event) => [event.type, event.outcome ?? null, event.channel])).toEqual([
      ['recovery_code.used', 'sign_in', 'web'],
      ['challenge.approved', null, 'web'],
      ['challenge.failed', 'wrong_code', 'web'],
      ['recovery_codes.generated', null, 'web'],
      ['factor.verified', null, 'web'],
      ['factor.created', null, 'web'],
    ]);
    expect(events.filter((event) => event.type.startsWith('factor.') || event.type.startsWith('challenge.')).map((event) => event.factorSid)).toEqual([
      factorSid,
      factorSid,
      factorSid,
      factorSid,
    ]);
    const text = JSON.stringify(events);
    for (const secretText of [secret, recoveryCodes[0] as string, recoveryCodes[1] as string]) expect(text).not.toContain(secretText);
  });
});

describe('mutation-pinned flows', () => {

  async function knownFactorSid(scope: UserScope<ProvenCaller>): Promise<string | null> {
    const factor = (await stateOf(scope)).factor as { sid: string } | null;
    return factor === null ? null : factor.sid;
  }

  /** The newest trail event as [type, outcome, factorSid] (absent fields as null). */
  async function newestEvent(scope: UserScope<ProvenCaller>): Promise<[string, string | null, string | null]> {
    const [event] = (await listActivity(scope)).events;
    if (event === undefined) throw new Error('no event');
    return [event.type, event.outcome ?? null, event.factorSid ?? null];
  }

  const challenges = (scope: UserScope<ProvenCaller>): string => `POST /v2/Services/${core.serviceSid}/Entities/${scope.identity}/Challenges`;

  test('a check naming the factor the state knows asks Verify one challenge and no list', async () => {
    const { scope, factorSid, secret } = await enrolled();
    const before = core.emulator.exchanges.length;
    expect((await checkCode(scope, core.code(secret), { factorSid })).status).toBe('approved');
    expect(verifyCallsSince(before)).toEqual([challenges(scope)]);
  });

  test("a Verify fault on the known factor's challenge is thrown after one challenge and is not counted; it keeps its place in the quota", async () => {
    const { scope, secret } = await enrolled();
    await core.emulator.fault({ match: { method: 'POST', path: '/Challenges' }, status: 500 });
    expect(await attempt(() => checkCode(scope, core.code(secret)))).toEqual({ calls: [challenges(scope)], failure: 'upstream_error' });
    expect(await newestEvent(scope)).toEqual(['recovery_codes.generated', null, null]);
    // Verify may have made the challenge: the channel's share of the quota counts it.
    expect((await stateOf(scope)).caller).toMatchObject({ failures: 0, inFlight: [], challenges: [expect.any(Number)] });
  });

  test('a Verify refusal that proves no code was checked (503) is thrown, not counted, and gives its place in the quota back', async () => {
    const { scope, secret } = await enrolled();
    await core.emulator.fault({ match: { method: 'POST', path: '/Challenges' }, status: 503 });
    expect(await attempt(() => checkCode(scope, core.code(secret)))).toEqual({ calls: [challenges(scope)], failure: 'upstream_unavailable' });
    expect(await newestEvent(scope)).toEqual(['recovery_codes.generated', null, null]);
    expect((await stateOf(scope)).caller).toMatchObject({ failures: 0, inFlight: [], challenges: [] });
  });

  test('a "not found" from the challenge while the factor is still listed is thrown, with no second challenge', async () => {
    const { scope, secret } = await enrolled();
    await core.emulator.fault({ match: { method: 'POST', path: '/Challenges' }, status: 404, code: 20404 });
    expect(await attempt(() => checkCode(scope, core.code(secret)))).toEqual({
      calls: [challenges(scope), `GET /v2/Services/${core.serviceSid}/Entities/${scope.identity}/Factors`],
      failure: 'factor_not_found',
    });
  });

  test('a known factor deleted outside the kit: the code is checked against the other verified factor, which the state then knows', async () => {
    const { scope, factorSid } = await enrolled();
    const entity = core.entityOf(scope.user);
    const other = await entity.newFactors.create({ friendlyName: 'Other', factorType: 'totp' });
    const { secret } = other.binding as { secret: string };
    await entity.factors(other.sid).update({ authPayload: core.code(secret) });
    await core.nextStep();
    await entity.factors(factorSid).remove();
    expect((await checkCode(scope, core.code(secret))).status).toBe('approved');
    expect(await knownFactorSid(scope)).toBe(other.sid);
  });

  test('a known factor deleted outside the kit stays known while the factor list cannot be read', async () => {
    const { scope, factorSid, secret } = await enrolled();
    await core.entityOf(scope.user).factors(factorSid).remove();
    await core.emulator.fault({ match: { method: 'GET', path: '/Factors' }, status: 503 });
    expect(await failureOf(checkCode(scope, core.code(secret)))).not.toBe('factor_not_found');
    expect(await knownFactorSid(scope)).toBe(factorSid);
  });

  test('a known factor deleted outside the kit, named in the check, is factor_not_found and forgotten', async () => {
    const { scope, factorSid, secret } = await enrolled();
    await core.entityOf(scope.user).factors(factorSid).remove();
    expect(await failureOf(checkCode(scope, core.code(secret), { factorSid }))).toBe('factor_not_found');
    expect(await knownFactorSid(scope)).toBeNull();
  });

  test('a known factor that turns out unverified in the list is factor_not_verified and forgotten', async () => {
    const { scope, factorSid, secret } = await enrolled();
    await core.entityOf(scope.user).factors(factorSid).remove();
    const unverified = await enrollFactor(scope, 'Again');
    const document = core.emulator.client.sync.v1.services(STATE_SERVICE).documents(stateDocumentName(scope.identity));
    const data = (await document.fetch()).data as Record<string, unknown>;
    await document.update({ data: { ...data, factor: { sid: unverified.factorSid, config: unverified.config } } });
    await core.emulator.fault({ match: { method: 'POST', path: '/Challenges' }, status: 404, code: 20404 });
    expect(await failureOf(checkCode(scope, core.code(secret), { factorSid: unverified.factorSid }))).toBe('factor_not_verified');
    expect(await knownFactorSid(scope)).toBeNull();
  });

  test('a check for a user who never enrolled writes no state at all', async () => {
    const scope = newUser();
    expect(await failureOf(checkCode(scope, '123456'))).toBe('not_enrolled');
    await expect(stateOf(scope)).rejects.toMatchObject({ status: 404 });
  });

  test("Verify's legacy wrong-code error (60311) is thrown as wrong_code and counted", async () => {
    const { scope, secret } = await enrolled();
    await core.emulator.fault({ match: { method: 'POST', path: '/Challenges' }, status: 400, code: 60311 });
    expect(await failureOf(checkCode(scope, core.code(secret)))).toBe('wrong_code');
    expect(await newestEvent(scope)).toEqual(['challenge.failed', 'wrong_code', null]);
  });

  /** The web channel's consecutive wrong codes, as the user's stored document holds them. */
  async function failuresCounted(scope: UserScope<ProvenCaller>): Promise<unknown> {
    return ((await stateOf(scope)).caller as { failures: unknown }).failures;
  }

  // Every path that sends a code to Verify counts a legacy wrong-code error like a wrong code: otherwise that path would
  // let a guesser go on without ever reaching the lock.
  test.each([60311, 60324])('a legacy wrong-code error (%i) is counted on every path that checks a code', async (code) => {
    const signIn = await enrolled();
    const remove = await enrolled();
    const regenerate = await enrolled();
    const first = newUser();
    const unverified = await enrollFactor(first, 'Phone');
    const fault = (path: string): Promise<unknown> => core.emulator.fault({ match: { method: 'POST', path }, status: 400, code });
    await fault('/Challenges');
    expect(await failureOf(checkCode(signIn.scope, core.code(signIn.secret)))).toBe('wrong_code');
    await fault('/Challenges');
    expect(await failureOf(removeFactor(remove.scope, remove.factorSid, { code: core.code(remove.secret) }))).toBe('wrong_code');
    await fault('/Challenges');
    expect(await failureOf(regenerateRecoveryCodes(regenerate.scope, core.code(regenerate.secret)))).toBe('wrong_code');
    await fault(`/Factors/${unverified.factorSid}`);
    expect(await failureOf(confirmFactor(first, unverified.factorSid, core.code(unverified.secret)))).toBe('wrong_code');
    for (const scope of [signIn.scope, remove.scope, regenerate.scope, first]) {
      expect(await failuresCounted(scope)).toBe(1);
      expect(await newestEvent(scope)).toEqual(['challenge.failed', 'wrong_code', null]);
    }
    expect(await verifyFactorsOf(remove.scope)).toEqual([[remove.factorSid, 'verified']]);
    // Studio's check answers it as a wrong code, `pending`, and counts it on its own channel.
    await enrolled(core.caller(`+1555${code}`));
    const studio = core.studio(`+1555${code}`);
    await fault('/Challenges');
    expect(await checkCodeForStudio(studio, '123456')).toBe('pending');
    expect(((await stateOf(studio)).studio as { failures: unknown }).failures).toBe(1);
  });

  test('a wrong first code is recorded as challenge.failed for that factor', async () => {
    const scope = newUser();
    const { factorSid, secret } = await enrollFactor(scope, 'Phone');
    await confirmFactor(scope, factorSid, core.wrongCode(secret));
    expect(await newestEvent(scope)).toEqual(['challenge.failed', 'wrong_code', factorSid]);
  });

  test('a wrong code at a delete is recorded as challenge.failed wrong_code for that factor', async () => {
    const { scope, factorSid, secret } = await enrolled();
    expect(await failureOf(removeFactor(scope, factorSid, { code: core.wrongCode(secret) }))).toBe('wrong_code');
    expect(await newestEvent(scope)).toEqual(['challenge.failed', 'wrong_code', factorSid]);
  });

  /**
   * The same user's scope, where each code check's reservation lapses right after it is made: the clock moves past its
   * lifetime and another request's write counts it (a request that hung).
   */
  function lapsing(scope: UserScope<ProvenCaller>): UserScope<ProvenCaller> {
    const other = core.caller((scope.user as ProvenCaller).sub);
    const withCodeCheck: UserScope<ProvenCaller>['withCodeCheck'] = (options, run) =>
      scope.withCodeCheck(options, async (check) => {
        await core.setClock(core.now() + IN_FLIGHT_MS);
        await other.state.record([]);
        return run(check);
      });
    return { ...scope, withCodeCheck };
  }

  test('a delete whose approved code came after its check lapsed is wrong_code and the factor stays; the lapse counted', async () => {
    const { scope, factorSid, secret } = await enrolled();
    expect(await failureOf(removeFactor(lapsing(scope), factorSid, { code: core.code(secret) }))).toBe('wrong_code');
    expect(await verifyFactorsOf(scope)).toEqual([[factorSid, 'verified']]);
    expect(await failuresCounted(scope)).toBe(1);
    expect(await newestEvent(scope)).toEqual(['challenge.failed', 'unconfirmed', null]);
  });

  test('a delete with a recovery code records recovery_code.used delete_factor, then factor.deleted', async () => {
    const { scope, factorSid, recoveryCodes } = await enrolled();
    await removeFactor(scope, factorSid, { recoveryCode: recoveryCodes[0] as string });
    const { events } = await listActivity(scope);
    expect(events.slice(0, 2).map((event) => [event.type, event.outcome ?? null, event.factorSid ?? null])).toEqual([
      ['factor.deleted', null, factorSid],
      ['recovery_code.used', 'delete_factor', factorSid],
    ]);
  });

  test('a recovery-code sign-in gets a token id of its own: rc_ and 32 hex digits', async () => {
    const { scope, recoveryCodes } = await enrolled();
    const { approval } = await useRecoveryCode(scope, recoveryCodes[0] as string);
    const { payload } = await jwtVerify(approval, APPROVAL_SECRET, { algorithms: ['HS256'], currentDate: new Date(core.now()) });
    expect(payload.jti).toMatch(/^rc_[0-9a-f]{32}$/);
  });

  test('a wrong code at regeneration is recorded as challenge.failed for the factor', async () => {
    const { scope, factorSid, secret } = await enrolled();
    expect(await failureOf(regenerateRecoveryCodes(scope, core.wrongCode(secret)))).toBe('wrong_code');
    expect(await newestEvent(scope)).toEqual(['challenge.failed', 'wrong_code', factorSid]);
  });

  test('a regeneration records challenge.approved step_up and recovery_codes.generated with the count', async () => {
    const { scope, factorSid, secret } = await enrolled();
    await regenerateRecoveryCodes(scope, core.code(secret));
    const { events } = await listActivity(scope);
    expect(events.slice(0, 2).map((event) => [event.type, event.outcome ?? null, event.factorSid ?? null, event.detail ?? null])).toEqual([
      ['recovery_codes.generated', null, factorSid, { count: 10 }],
      ['challenge.approved', 'step_up', factorSid, null],
    ]);
  });

  test('a regeneration whose approved code came after its check lapsed is wrong_code and the old set stays', async () => {
    const { scope, secret, recoveryCodes } = await enrolled();
    expect(await failureOf(regenerateRecoveryCodes(lapsing(scope), core.code(secret)))).toBe('wrong_code');
    expect((await useRecoveryCode(scope, recoveryCodes[0] as string)).recoveryCodesLeft).toBe(9);
  });

  test('a wrong Studio code is recorded as challenge.failed for the factor', async () => {
    const { factorSid, secret } = await enrolled(core.caller('+15550099001'));
    const studio = core.studio('+15550099001');
    expect(await checkCodeForStudio(studio, core.wrongCode(secret))).toBe('pending');
    const [event] = (await studio.state.activity());
    expect([event?.type, event?.channel, event?.factorSid]).toEqual(['challenge.failed', 'studio', factorSid]);
  });
});

describe("the state document's lifetime", () => {
  async function expiryOf(scope: Pick<UserScope, 'identity'>): Promise<Date | null> {
    return (await core.emulator.client.sync.v1.services(STATE_SERVICE).documents(stateDocumentName(scope.identity)).fetch()).dateExpires;
  }

  test('never expires while it holds a verified factor and recovery codes; once the factor is deleted it does', async () => {
    const scope = newUser();
    const { factorSid, secret } = await core.enroll(scope);
    expect(await expiryOf(scope)).toBeNull();
    await core.nextStep();
    await checkCode(scope, core.code(secret));
    expect(await expiryOf(scope)).toBeNull();
    await removeFactor(scope, factorSid, { code: core.code(secret, 1) });
    const expires = await expiryOf(scope);
    expect(expires?.getTime()).toBeGreaterThan(core.now());
  });

  test('a factor verified before the kit kept state has no recovery codes: the document the first check writes never expires either', async () => {
    const scope = newUser();
    const entity = core.entityOf(scope.user);
    const created = await entity.newFactors.create({ friendlyName: 'legacy', factorType: 'totp' });
    const secret = String((created.binding as { secret?: unknown }).secret);
    await entity.factors(created.sid).update({ authPayload: core.code(secret) });
    await core.nextStep();
    await checkCode(scope, core.code(secret));
    expect(await expiryOf(scope)).toBeNull();
  });

  test('recovery codes outlive a factor deleted outside the kit: they still sign in, so the document keeps no expiry', async () => {
    const scope = newUser();
    const { factorSid, secret, recoveryCodes } = await core.enroll(scope);
    await core.entityOf(scope.user).factors(factorSid).remove();
    await core.nextStep();
    // The check finds the known factor gone and forgets it; the codes stay.
    await expect(checkCode(scope, core.code(secret))).rejects.toMatchObject({ kind: 'not_enrolled' });
    expect((await stateOf(scope)).factor).toBeNull();
    expect(await expiryOf(scope)).toBeNull();
    expect((await useRecoveryCode(scope, recoveryCodes[0] ?? '')).status).toBe('approved');
  });
});

describe("a Verify error that proves no code was checked gives the check's place in the quota back", () => {
  /** The web channel's quota entries (epoch ms of its Verify challenges within the hour) as the state keeps them. */
  async function quotaOf(scope: UserScope): Promise<unknown[]> {
    return ((await stateOf(scope)).caller as { challenges: unknown[] }).challenges;
  }

  test.each([
    [{ code: 60391 }, 'challenge_not_found'],
    [{ code: 60318 }, 'factor_not_verified'],
    [{ code: 60322 }, 'factor_state_conflict'],
    [{ code: 60315 }, 'too_many_factors'],
    [{ code: 60310 }, 'factor_attempts_exhausted'],
    [{ code: 60308 }, 'factor_attempts_throttled'],
    [{ code: 60312 }, 'challenges_throttled'],
    [{ code: 60326 }, 'enrollments_throttled'],
    [{ code: 60200 }, 'upstream_refused_input'],
    [{ code: 20429 }, 'upstream_rate_limited'],
    [{ status: 503 }, 'upstream_unavailable'],
    [{ status: 401 }, 'misconfigured'],
  ])('%j (%s)', async (fault, kind) => {
    const scope = newUser();
    const { secret } = await core.enroll(scope);
    await core.nextStep();
    const before = await quotaOf(scope);
    await core.emulator.fault({ match: { method: 'POST', path: '/Challenges' }, ...fault });
    expect(await failureOf(checkCode(scope, core.code(secret)))).toBe(kind);
    expect(await quotaOf(scope)).toEqual(before);
  });

  test('an error after which Verify may have checked the code keeps the place (a 500)', async () => {
    const scope = newUser();
    const { secret } = await core.enroll(scope);
    await core.nextStep();
    const before = await quotaOf(scope);
    await core.emulator.fault({ match: { method: 'POST', path: '/Challenges' }, status: 500 });
    expect(await failureOf(checkCode(scope, core.code(secret)))).toBe('upstream_error');
    expect(await quotaOf(scope)).toHaveLength(before.length + 1);
  });
});
