// The replay guard (lib/state/security-state.ts): with the emulator's Verify accepting a code again (allowCodeReuse, which
// Twilio does not document either way), the kit still gives exactly one approval per code, serially and under
// concurrency, on every path. A code used again answers `code_reused` (Studio: `reused`) with the wait for the next
// code; it is not a guess, so the first few reuses since a success do not count towards the lock, and the rest do.
import { jwtVerify } from 'jose';
import { enrollUser } from '../helpers/enrolled';
import { body, errorOf, totp, wrongCode } from '../helpers/functions';
import { useFunctionsStack } from '../helpers/functions-stack';
import { captureErrorLog } from '../helpers/log-capture';
import { factorsInVerify, storedState } from '../helpers/state';
import { REUSE_ALLOWANCE } from '../../lib/state/lockout';

const { harness, clock } = useFunctionsStack({ emulatorSwitches: { allowCodeReuse: true, maxAttempts: 50 } });
/** The Functions' log lines (a lock's one line when it begins); kept out of the test output. */
captureErrorLog();

test('Verify itself accepts the same code twice here (the precondition of every test below)', async () => {
  const { secret, factorSid } = await enrollUser(harness, clock, 'replay-precondition');
  const identity = harness.identityOf('replay-precondition');
  const code = totp(secret, clock.now);
  const path = `Services/${harness.env.VERIFY_SERVICE_SID}/Entities/${identity}/Challenges`;
  const statuses: unknown[] = [];
  for (let i = 0; i < 2; i += 1) {
    const response = await fetch(`${harness.stack.emulatorUrl}/v2/${path}`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`${harness.env.ACCOUNT_SID}:${harness.env.AUTH_TOKEN}`).toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams({ FactorSid: factorSid, AuthPayload: code }).toString(),
    });
    statuses.push(((await response.json()) as { status: unknown }).status);
  }
  expect(statuses).toEqual(['approved', 'approved']);
});

describe('/create-challenge', () => {
  test('a code is approved once; the second use answers 409 code_reused with the wait for the next code, and no approval token', async () => {
    const { token, secret } = await enrollUser(harness, clock, 'replay-serial');
    const code = totp(secret, clock.now);
    const first = body(await harness.post('/create-challenge', { code }, { token }));
    expect(first.status).toBe('approved');
    const second = await harness.post('/create-challenge', { code }, { token });
    expect([second.status, errorOf(second).code, second.headers.get('retry-after')]).toEqual([409, 'code_reused', '30']);
    expect(body(second).error).toMatchObject({ retryAfterSeconds: 30 });
    expect(body(second)).not.toHaveProperty('approval');
    // Within the code's whole acceptance window (the next step is still inside skew 1).
    await clock.advance(30);
    expect(errorOf(await harness.post('/create-challenge', { code }, { token })).code).toBe('code_reused');
  });

  test('10 requests with the same code at the same moment: exactly one approval', async () => {
    const { token, secret } = await enrollUser(harness, clock, 'replay-burst');
    const code = totp(secret, clock.now);
    const answers = await Promise.all(Array.from({ length: 10 }, () => harness.post('/create-challenge', { code }, { token })));
    const approvals = answers.filter((answer) => answer.status === 200 && body(answer).status === 'approved');
    expect(approvals).toHaveLength(1);
    // The others: reuses (code_reused, or the lock that counting the later ones started), or refused while checks were
    // in flight (locked). None is pending: none was taken for a wrong code.
    for (const answer of answers) {
      if (approvals.includes(answer)) continue;
      expect([[409, 'code_reused'], [429, 'locked']]).toContainEqual([answer.status, errorOf(answer).code]);
    }
    const { payload } = await jwtVerify(body(approvals[0] as (typeof answers)[number]).approval as string, new TextEncoder().encode(harness.env.APPROVAL_SIGNING_SECRET));
    expect(payload.sub).toBe('replay-burst');
  });

  test(`a replayed code is free ${REUSE_ALLOWANCE} times since the last success, then counts: replaying cannot go on for ever`, async () => {
    const { token, secret } = await enrollUser(harness, clock, 'replay-counts');
    const code = totp(secret, clock.now);
    expect(body(await harness.post('/create-challenge', { code }, { token })).status).toBe('approved');
    // Free reuses, then counted ones: the 5th counted one starts the lock.
    for (let i = 0; i < REUSE_ALLOWANCE + 4; i += 1) expect(errorOf(await harness.post('/create-challenge', { code }, { token })).code).toBe('code_reused');
    const locking = await harness.post('/create-challenge', { code }, { token });
    expect([locking.status, errorOf(locking).code]).toEqual([429, 'locked']);
  });

  test('the code that finished the set-up is code_reused at the first sign-in check, and counts nothing', async () => {
    const token = await harness.token('replay-enrollment-code');
    const { factorSid, secret } = body(await harness.post('/create-factor', {}, { token })) as { factorSid: string; secret: string };
    const code = totp(secret, clock.now);
    expect(body(await harness.post('/verify-factor', { factorSid, code }, { token })).status).toBe('verified');
    const reused = await harness.post('/create-challenge', { code }, { token });
    expect([reused.status, errorOf(reused).code]).toEqual([409, 'code_reused']);
    expect((await storedState(harness, 'replay-enrollment-code'))?.data.caller).toMatchObject({ failures: 0, reuses: 1 });
    const events = body(await harness.post('/list-activity', {}, { token })).events as Array<{ type: string }>;
    expect(events[0]).toMatchObject({ type: 'challenge.reused', factorSid });
  });
});

describe('the delete step-up', () => {
  test('a code that signed in cannot delete the factor: 409 code_reused, the factor stays', async () => {
    const { token, factorSid, secret } = await enrollUser(harness, clock, 'replay-delete');
    const code = totp(secret, clock.now);
    expect(body(await harness.post('/create-challenge', { code }, { token })).status).toBe('approved');
    const answer = await harness.post('/delete-factor', { factorSid, code }, { token });
    expect([answer.status, errorOf(answer).code]).toEqual([409, 'code_reused']);
    expect(await factorsInVerify(harness, 'replay-delete')).toEqual([{ sid: factorSid, status: 'verified' }]);
  });

  test('10 concurrent deletes with one code: one deletes, the others are refused', async () => {
    const { token, factorSid, secret } = await enrollUser(harness, clock, 'replay-delete-burst');
    const code = totp(secret, clock.now);
    const answers = await Promise.all(Array.from({ length: 10 }, () => harness.post('/delete-factor', { factorSid, code }, { token })));
    expect(answers.filter((answer) => answer.status === 200)).toHaveLength(1);
    // The others: a reuse (code_reused, or the lock it started), refused while checks were in flight (locked), or,
    // checked after the winner's delete, no factor.
    for (const answer of answers.filter((candidate) => candidate.status !== 200)) {
      expect(['code_reused', 'locked', 'factor_not_found']).toContain(errorOf(answer).code);
    }
    expect(await factorsInVerify(harness, 'replay-delete-burst')).toEqual([]);
  });
});

describe('Studio', () => {
  test('a code used on the web answers reused by phone; 10 phone checks with one code approve once', async () => {
    const user = '+15550200001';
    const { token, secret } = await enrollUser(harness, clock, user);
    const used = totp(secret, clock.now);
    expect(body(await harness.post('/create-challenge', { code: used }, { token })).status).toBe('approved');
    expect(body(await harness.post('/studio/check-code', { user, code: used }, { form: true, signed: true }))).toEqual({ status: 'reused' });

    await clock.advance(90);
    const code = totp(secret, clock.now);
    const answers = await Promise.all(Array.from({ length: 10 }, () => harness.post('/studio/check-code', { user, code }, { form: true, signed: true })));
    const statuses = answers.map((answer) => body(answer).status);
    expect(statuses.filter((status) => status === 'approved')).toHaveLength(1);
    expect(statuses.every((status) => ['approved', 'reused', 'locked'].includes(String(status)))).toBe(true);
  });

  test('a wrong code by phone is still only a wrong code', async () => {
    const user = '+15550200002';
    const { secret } = await enrollUser(harness, clock, user);
    expect(body(await harness.post('/studio/check-code', { user, code: wrongCode(secret, clock.now) }, { form: true, signed: true }))).toEqual({ status: 'pending' });
  });
});
