// The replay guard (lib/state/security-state.ts): with the emulator's Verify accepting a code again (allowCodeReuse, which
// Twilio does not document either way), the kit still gives exactly one approval per code, serially and under
// concurrency, on every path; a replay answers as a wrong code and counts towards the lock.
import { jwtVerify } from 'jose';
import { enrollUser } from '../helpers/enrolled';
import { body, errorOf, totp, wrongCode } from '../helpers/functions';
import { useFunctionsStack } from '../helpers/functions-stack';
import { captureErrorLog } from '../helpers/log-capture';
import { factorsInVerify } from '../helpers/state';

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
  test('a code is approved once; the second use answers pending, with no approval token', async () => {
    const { token, secret } = await enrollUser(harness, clock, 'replay-serial');
    const code = totp(secret, clock.now);
    const first = body(await harness.post('/create-challenge', { code }, { token }));
    expect(first.status).toBe('approved');
    const second = body(await harness.post('/create-challenge', { code }, { token }));
    expect(second).toEqual({ status: 'pending', challengeSid: expect.stringMatching(/^YC/) });
    // Within the code's whole acceptance window (the next step is still inside skew 1).
    await clock.advance(30);
    expect(body(await harness.post('/create-challenge', { code }, { token })).status).toBe('pending');
  });

  test('10 requests with the same code at the same moment: exactly one approval', async () => {
    const { token, secret } = await enrollUser(harness, clock, 'replay-burst');
    const code = totp(secret, clock.now);
    const answers = await Promise.all(Array.from({ length: 10 }, () => harness.post('/create-challenge', { code }, { token })));
    const approvals = answers.filter((answer) => answer.status === 200 && body(answer).status === 'approved');
    expect(approvals).toHaveLength(1);
    // The others are wrong codes to the kit: pending, or the lock they started (they count).
    for (const answer of answers) {
      if (approvals.includes(answer)) continue;
      if (answer.status === 200) expect(body(answer)).toEqual({ status: 'pending', challengeSid: expect.stringMatching(/^YC/) });
      else expect([answer.status, errorOf(answer).code]).toEqual([429, 'locked']);
    }
    const { payload } = await jwtVerify(body(approvals[0] as (typeof answers)[number]).approval as string, new TextEncoder().encode(harness.env.APPROVAL_SIGNING_SECRET));
    expect(payload.sub).toBe('replay-burst');
  });

  test('a replay counts towards the lock', async () => {
    const { token, secret } = await enrollUser(harness, clock, 'replay-counts');
    const code = totp(secret, clock.now);
    expect(body(await harness.post('/create-challenge', { code }, { token })).status).toBe('approved');
    for (let i = 0; i < 4; i += 1) expect(body(await harness.post('/create-challenge', { code }, { token })).status).toBe('pending');
    const fifth = await harness.post('/create-challenge', { code }, { token });
    expect([fifth.status, errorOf(fifth).code]).toEqual([429, 'locked']);
  });

  test('the first code of an enrollment cannot sign in afterwards', async () => {
    const token = await harness.token('replay-enrollment-code');
    const { factorSid, secret } = body(await harness.post('/create-factor', {}, { token })) as { factorSid: string; secret: string };
    const code = totp(secret, clock.now);
    expect(body(await harness.post('/verify-factor', { factorSid, code }, { token })).status).toBe('verified');
    expect(body(await harness.post('/create-challenge', { code }, { token })).status).toBe('pending');
  });
});

describe('the delete step-up', () => {
  test('a code that signed in cannot delete the factor: 403 invalid_code, the factor stays', async () => {
    const { token, factorSid, secret } = await enrollUser(harness, clock, 'replay-delete');
    const code = totp(secret, clock.now);
    expect(body(await harness.post('/create-challenge', { code }, { token })).status).toBe('approved');
    const answer = await harness.post('/delete-factor', { factorSid, code }, { token });
    expect([answer.status, errorOf(answer).code]).toEqual([403, 'invalid_code']);
    expect(await factorsInVerify(harness, 'replay-delete')).toEqual([{ sid: factorSid, status: 'verified' }]);
  });

  test('10 concurrent deletes with one code: one deletes, the others are refused', async () => {
    const { token, factorSid, secret } = await enrollUser(harness, clock, 'replay-delete-burst');
    const code = totp(secret, clock.now);
    const answers = await Promise.all(Array.from({ length: 10 }, () => harness.post('/delete-factor', { factorSid, code }, { token })));
    expect(answers.filter((answer) => answer.status === 200)).toHaveLength(1);
    // The others: a replay (invalid_code, or the lock it started), or, checked after the winner's delete, no factor.
    for (const answer of answers.filter((candidate) => candidate.status !== 200)) {
      expect(['invalid_code', 'locked', 'factor_not_found']).toContain(errorOf(answer).code);
    }
    expect(await factorsInVerify(harness, 'replay-delete-burst')).toEqual([]);
  });
});

describe('Studio', () => {
  test('a code used on the web answers pending by phone; 10 phone checks with one code approve once', async () => {
    const user = '+15550200001';
    const { token, secret } = await enrollUser(harness, clock, user);
    const used = totp(secret, clock.now);
    expect(body(await harness.post('/create-challenge', { code: used }, { token })).status).toBe('approved');
    expect(body(await harness.post('/studio/check-code', { user, code: used }, { form: true, signed: true }))).toEqual({ status: 'pending' });

    await clock.advance(90);
    const code = totp(secret, clock.now);
    const answers = await Promise.all(Array.from({ length: 10 }, () => harness.post('/studio/check-code', { user, code }, { form: true, signed: true })));
    const statuses = answers.map((answer) => body(answer).status);
    expect(statuses.filter((status) => status === 'approved')).toHaveLength(1);
    expect(statuses.every((status) => ['approved', 'pending', 'locked'].includes(String(status)))).toBe(true);
  });

  test('a wrong code by phone is still only a wrong code', async () => {
    const user = '+15550200002';
    const { secret } = await enrollUser(harness, clock, user);
    expect(body(await harness.post('/studio/check-code', { user, code: wrongCode(secret, clock.now) }, { form: true, signed: true }))).toEqual({ status: 'pending' });
  });
});
