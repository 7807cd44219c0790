// Rules of the core around a code check: a verified factor is not "verified" again, a wrong-length code costs no
// Verify quota on any path, and the host's nonce is bound into the approval token.
import { jwtVerify } from 'jose';
import { enrollUser } from '../helpers/enrolled';
import { body, errorOf, totp, wrongCode } from '../helpers/functions';
import { useFunctionsStack } from '../helpers/functions-stack';

const { harness, clock } = useFunctionsStack({ freshStep: 'test' });

/** The challenges Verify holds for `user`: each one is a guess that counted against Verify's limits. */
async function challengesOf(user: string): Promise<unknown[]> {
  const listed = (await harness.verifyGet(`Services/${harness.env.VERIFY_SERVICE_SID}/Entities/${harness.identityOf(user)}/Challenges`)) as {
    challenges: unknown[];
  };
  return listed.challenges;
}

describe('/verify-factor on a factor that is already verified', () => {
  test('a wrong code answers 409 already_verified, not "verified"', async () => {
    const { token, factorSid, secret } = await enrollUser(harness, clock, 'verified-twice');
    const answer = await harness.post('/verify-factor', { factorSid, code: wrongCode(secret, clock.now) }, { token });
    expect(answer.status).toBe(409);
    expect(errorOf(answer).code).toBe('already_verified');
  });

  test('the right code answers 409 too: the endpoint is no code check for integrators', async () => {
    const { token, factorSid, secret } = await enrollUser(harness, clock, 'verified-twice-right');
    const answer = await harness.post('/verify-factor', { factorSid, code: totp(secret, clock.now) }, { token });
    expect(answer.status).toBe(409);
    expect(errorOf(answer).code).toBe('already_verified');
  });
});

describe('a code whose length differs from the factor digits', () => {
  test('/create-challenge answers 400 invalid_request and creates no challenge in Verify', async () => {
    const { token, secret } = await enrollUser(harness, clock, 'short-code-web');
    const sixDigits = totp(secret, clock.now);
    const answer = await harness.post('/create-challenge', { code: sixDigits.slice(0, 5) }, { token });
    expect(answer.status).toBe(400);
    expect(errorOf(answer).code).toBe('invalid_request');
    expect(await challengesOf('short-code-web')).toHaveLength(0);
    // The same user's six-digit code still goes to Verify: the refusal is about the length alone.
    expect(body(await harness.post('/create-challenge', { code: sixDigits }, { token })).status).toBe('approved');
    expect(await challengesOf('short-code-web')).toHaveLength(1);
  });

  test('Studio answers "invalid" and creates no challenge in Verify', async () => {
    const { secret } = await enrollUser(harness, clock, '+15550009001');
    for (const code of ['000', '1234', '12345678']) {
      const answer = await harness.post('/studio/check-code', { user: '+15550009001', code }, { form: true, signed: true });
      expect(body(answer)).toEqual({ status: 'invalid' });
    }
    expect(await challengesOf('+15550009001')).toHaveLength(0);
    const right = await harness.post('/studio/check-code', { user: '+15550009001', code: totp(secret, clock.now) }, { form: true, signed: true });
    expect(body(right)).toEqual({ status: 'approved' });
  });

  test('the delete step-up answers 400 invalid_request and keeps the factor', async () => {
    const { token, factorSid, secret } = await enrollUser(harness, clock, 'short-code-delete');
    const answer = await harness.post('/delete-factor', { factorSid, code: totp(secret, clock.now).slice(1) }, { token });
    expect(answer.status).toBe(400);
    expect(await challengesOf('short-code-delete')).toHaveLength(0);
    expect((body(await harness.post('/list-factors', {}, { token })).factors as unknown[]).length).toBe(1);
  });
});

describe('the host nonce', () => {
  test('is echoed in the approval token as the nonce claim', async () => {
    const { token, secret } = await enrollUser(harness, clock, 'nonce-user');
    const answer = body(await harness.post('/create-challenge', { code: totp(secret, clock.now), nonce: 'signin-4f2a.b_c~d' }, { token }));
    expect(answer.status).toBe('approved');
    const { payload } = await jwtVerify(answer.approval as string, new TextEncoder().encode(harness.env.APPROVAL_SIGNING_SECRET));
    expect(payload.nonce).toBe('signin-4f2a.b_c~d');
    expect(payload.sub).toBe('nonce-user');
  });

  test('is absent from the token when the check sent none', async () => {
    const { token, secret } = await enrollUser(harness, clock, 'no-nonce-user');
    const answer = body(await harness.post('/create-challenge', { code: totp(secret, clock.now) }, { token }));
    const { payload } = await jwtVerify(answer.approval as string, new TextEncoder().encode(harness.env.APPROVAL_SIGNING_SECRET));
    expect(payload).not.toHaveProperty('nonce');
  });

  test.each([['a space inside'], ['x'.repeat(129)], [''], ['quote"'], ['ünï']])('%j is refused with 400 before any Verify call', async (nonce) => {
    const token = await harness.token('bad-nonce-user');
    const answer = await harness.post('/create-challenge', { code: '123456', nonce }, { token });
    expect(answer.status).toBe(400);
    expect(errorOf(answer).code).toBe('invalid_request');
    expect(errorOf(answer).message).toContain('nonce');
  });
});

describe('a code sent twice (a double submit)', () => {
  test('both in flight at once: one approved, the other 409 code_reused, and neither counted as a wrong code', async () => {
    const { token, secret } = await enrollUser(harness, clock, 'double-submit');
    // The first request's challenge is answered at once, the second's later: Verify refuses a step it has accepted.
    await harness.fault({ match: { method: 'POST', path: '/Challenges' }, latencyMs: 20 });
    await harness.fault({ match: { method: 'POST', path: '/Challenges' }, latencyMs: 600 });
    const code = totp(secret, clock.now);
    const answers = await Promise.all([harness.post('/create-challenge', { code }, { token }), harness.post('/create-challenge', { code }, { token })]);
    const outcomes = answers.map((answer) => (answer.status === 200 ? String(body(answer).status) : `${answer.status} ${String(errorOf(answer).code)}`));
    expect(outcomes.sort()).toEqual(['409 code_reused', 'approved']);
    // Verify did check both: the second was its refusal of a step it had accepted, which the kit knew as used.
    expect(await challengesOf('double-submit')).toHaveLength(2);
    const events = body(await harness.post('/list-activity', {}, { token })).events as Array<{ type: string }>;
    expect(events.map((event) => event.type).slice(0, 2).sort()).toEqual(['challenge.approved', 'challenge.reused']);
  });
});
