// One enrollment at a time (lib/state/security-state.ts): concurrent /create-factor calls for one user leave exactly one
// unverified factor in Verify, the one a caller received; the others answer 409 enrollment_in_progress. An abandoned
// or failed enrollment blocks a new one for ~30 s at most. And the races of security review 3, item 2: with the
// emulator's latency faults holding Verify's DELETE open, a /create-factor or a code-less /delete-factor never removes
// a factor that the user's concurrent /verify-factor verified, and every factor removed has its factor.deleted.
import { body, errorOf, totp, type Answer } from '../helpers/functions';
import { useFunctionsStack } from '../helpers/functions-stack';
import { captureErrorLog } from '../helpers/log-capture';
import { factorsInVerify, storedState } from '../helpers/state';

const { harness, clock } = useFunctionsStack({ clearFaults: true });
/** The Functions' error log: an upstream failure's one line, read by the test that causes it. */
const log = captureErrorLog();

function createFactors(token: string, count: number): Promise<Answer[]> {
  return Promise.all(Array.from({ length: count }, () => harness.post('/create-factor', {}, { token })));
}

test('8 concurrent enrollments: one 201, seven 409, and Verify holds the one factor that was handed out', async () => {
  const token = await harness.token('race-8');
  const answers = await createFactors(token, 8);
  const created = answers.filter((answer) => answer.status === 201);
  expect(created).toHaveLength(1);
  for (const answer of answers.filter((candidate) => candidate.status !== 201)) {
    expect([answer.status, errorOf(answer).code]).toEqual([409, 'enrollment_in_progress']);
    const seconds = Number(answer.headers.get('retry-after'));
    expect(seconds).toBeGreaterThan(0);
    expect(seconds).toBeLessThanOrEqual(30);
    expect(body(answer).error).toMatchObject({ retryAfterSeconds: seconds });
  }
  const handedOut = body(created[0] as Answer).factorSid;
  expect(await factorsInVerify(harness, 'race-8')).toEqual([{ sid: handedOut, status: 'unverified' }]);
});

test('an abandoned enrollment blocks a new one for 30 s at most, then the new one replaces it', async () => {
  const token = await harness.token('race-abandoned');
  const first = body(await harness.post('/create-factor', {}, { token })).factorSid;
  await clock.advance(29);
  const early = await harness.post('/create-factor', {}, { token });
  expect([early.status, errorOf(early).code, early.headers.get('retry-after')]).toEqual([409, 'enrollment_in_progress', '1']);
  await clock.advance(1);
  const again = await harness.post('/create-factor', {}, { token });
  expect(again.status).toBe(201);
  expect(body(again).factorSid).not.toBe(first);
  expect(await factorsInVerify(harness, 'race-abandoned')).toEqual([{ sid: body(again).factorSid, status: 'unverified' }]);
});

test('a failed creation in Verify lets the next attempt go ahead at once', async () => {
  const token = await harness.token('race-failed');
  await harness.fault({ match: { method: 'POST', path: '/Factors' }, status: 503 });
  const failed = await harness.post('/create-factor', {}, { token });
  expect([failed.status, errorOf(failed).code]).toEqual([503, 'verify_unavailable']);
  expect(log.lines).toEqual(['[totp-functions] create-factor: verify_unavailable (verify create factor: Verify answered HTTP 503 code 503)']);
  const retried = await harness.post('/create-factor', {}, { token });
  expect(retried.status).toBe(201);
  expect(await factorsInVerify(harness, 'race-failed')).toHaveLength(1);
});

test('different users do not wait for each other', async () => {
  const answers = await Promise.all(
    ['race-a', 'race-b', 'race-c'].map(async (user) => harness.post('/create-factor', {}, { token: await harness.token(user) })),
  );
  expect(answers.map((answer) => answer.status)).toEqual([201, 201, 201]);
});

describe("a factor verified during another request is never removed (the attacker's authenticator never replaces the user's)", () => {
  /** Verify's answers are held open: the first code's update for 300 ms, the DELETE of that factor for 1500 ms. */
  async function widenWindow(factorSid: string): Promise<void> {
    await harness.fault({ match: { method: 'POST', path: `/Factors/${factorSid}` }, latencyMs: 300 });
    await harness.fault({ match: { method: 'DELETE', path: `/Factors/${factorSid}` }, latencyMs: 1500 });
  }

  /** A set-up the user started more than 30 s ago (its hold over), and is now finishing with the right first code. */
  async function userSetUp(user: string): Promise<{ token: string; factorSid: string; secret: string }> {
    const token = await harness.token(user);
    const created = body(await harness.post('/create-factor', {}, { token })) as { factorSid: string; secret: string };
    await clock.advance(31);
    return { token, ...created };
  }

  async function trailOf(user: string): Promise<Array<{ type: string; factorSid?: string }>> {
    const data = (await storedState(harness, user))?.data as { trail: Array<{ type: string; factorSid?: string }>; kept?: Array<{ type: string; factorSid?: string }> };
    return [...(data.kept ?? []), ...data.trail];
  }

  /** What must hold whatever the order: a factor the user was told is verified is still there, and nothing else was added. */
  async function expectUserFactorKept(user: string, factorSid: string, verify: Answer, other: Answer): Promise<void> {
    const factors = await factorsInVerify(harness, user);
    if (verify.status === 200 && body(verify).status === 'verified') {
      expect(factors).toEqual([{ sid: factorSid, status: 'verified' }]);
      expect([other.status, errorOf(other).code]).toEqual([409, 'enrollment_in_progress']);
    } else {
      // The other request went first: the user's code was not checked (409), and the unverified factor went, on the record.
      expect([verify.status, errorOf(verify).code]).toEqual([409, 'enrollment_in_progress']);
      expect(factors.some((factor) => factor.sid === factorSid)).toBe(false);
      expect(await trailOf(user)).toContainEqual(expect.objectContaining({ type: 'factor.deleted', factorSid }));
    }
  }

  test('an attacker\'s /create-factor (stolen caller token) while the user verifies the first code', async () => {
    const user = 'race-enroll-verify';
    const { token, factorSid, secret } = await userSetUp(user);
    await widenWindow(factorSid);
    const [attacker, verify] = await Promise.all([
      harness.post('/create-factor', {}, { token }),
      harness.post('/verify-factor', { factorSid, code: totp(secret, clock.now) }, { token }),
    ]);
    await expectUserFactorKept(user, factorSid, verify, attacker);
    if (attacker.status === 201) {
      // The attacker replaced an unfinished set-up (which a stolen token can always do), and only that.
      expect(await factorsInVerify(harness, user)).toEqual([{ sid: body(attacker).factorSid, status: 'unverified' }]);
    }
  });

  test('a code-less /delete-factor while the user verifies the first code', async () => {
    const user = 'race-delete-verify';
    const { token, factorSid, secret } = await userSetUp(user);
    await widenWindow(factorSid);
    const [deleted, verify] = await Promise.all([
      harness.post('/delete-factor', { factorSid }, { token }),
      harness.post('/verify-factor', { factorSid, code: totp(secret, clock.now) }, { token }),
    ]);
    await expectUserFactorKept(user, factorSid, verify, deleted);
  });

  test('while a first code is being checked, a new enrollment and a code-less delete are refused (409) and remove nothing', async () => {
    const user = 'race-verify-first';
    const { token, factorSid, secret } = await userSetUp(user);
    await harness.fault({ match: { method: 'POST', path: `/Factors/${factorSid}` }, latencyMs: 1000 });
    const verifying = harness.post('/verify-factor', { factorSid, code: totp(secret, clock.now) }, { token });
    await until(async () => (await storedState(harness, user))?.data.enrollment !== null, 'the verification holds the enrollment');
    const [created, deleted] = await Promise.all([harness.post('/create-factor', {}, { token }), harness.post('/delete-factor', { factorSid }, { token })]);
    expect([created.status, errorOf(created).code, deleted.status, errorOf(deleted).code]).toEqual([409, 'enrollment_in_progress', 409, 'enrollment_in_progress']);
    expect(body(await verifying).status).toBe('verified');
    expect(await factorsInVerify(harness, user)).toEqual([{ sid: factorSid, status: 'verified' }]);
    // Its hold ended with it: the next code-less delete is a step-up question, the next enrollment already_enrolled.
    const again = await harness.post('/delete-factor', { factorSid }, { token });
    expect([again.status, errorOf(again).code]).toEqual([403, 'step_up_required']);
    expect(errorOf(await harness.post('/create-factor', {}, { token })).code).toBe('already_enrolled');
  });

  test('a verified factor the state knows is refused a code-less delete without asking Verify to delete it', async () => {
    const user = 'race-known-verified';
    const { token, factorSid, secret } = await userSetUp(user);
    expect(body(await harness.post('/verify-factor', { factorSid, code: totp(secret, clock.now) }, { token })).status).toBe('verified');
    await harness.fault({ match: { method: 'DELETE', path: `/Factors/${factorSid}` }, status: 500 });
    const answer = await harness.post('/delete-factor', { factorSid }, { token });
    expect([answer.status, errorOf(answer).code]).toEqual([403, 'step_up_required']);
    expect(await factorsInVerify(harness, user)).toEqual([{ sid: factorSid, status: 'verified' }]);
  });
});

/** Polls `check` (bounded: 200 tries, 10 ms apart) until it holds; fails naming `what` otherwise. */
async function until(check: () => Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 200; i += 1) {
    if (await check()) return;
    await new Promise((resolve) => setImmediate(resolve));
  }
  throw new Error(`timed out waiting until ${what}`);
}
