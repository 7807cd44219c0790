// End to end through the runtime and the emulator: enroll, verify, sign in, list, delete — and one user never reaches another's factors.
import { decodeJwt, jwtVerify, SignJWT } from 'jose';
import { enrollUser, type EnrolledUser } from '../helpers/enrolled';
import { body, errorOf, totp, wrongCode } from '../helpers/functions';
import { useFunctionsStack } from '../helpers/functions-stack';

const { harness, clock } = useFunctionsStack({ envOverrides: { ALLOWED_ORIGINS: 'https://app.example.com' }, freshStep: 'test' });

/** What Verify itself holds for `user` (through the emulator's API), to check the Functions' answers against. */
async function inVerify(user: string, path: string): Promise<Record<string, unknown>> {
  const entity = `Services/${harness.env.VERIFY_SERVICE_SID}/Entities/${harness.identityOf(user)}`;
  return (await harness.verifyGet(`${entity}/${path}`)) as Record<string, unknown>;
}

/** Enrolls `user` with a label of their own; the verification answers exactly the factor, its status and the recovery codes. */
async function enroll(user: string): Promise<EnrolledUser> {
  const enrolled = await enrollUser(harness, clock, user, { label: `${user}'s phone` });
  expect(body(enrolled.verified)).toEqual({
    factorSid: enrolled.factorSid,
    status: 'verified',
    recoveryCodes: expect.arrayContaining([expect.stringMatching(/^[0-9A-Z]{4}(-[0-9A-Z]{4}){3}$/)]),
  });
  return enrolled;
}

describe('enrollment', () => {
  test('create-factor answers 201 with the otpauth URI, the secret and the TOTP config, never cached', async () => {
    const token = await harness.token('enroll-1');
    const answer = await harness.post('/create-factor', { label: 'Work phone' }, { token });
    expect(answer.status).toBe(201);
    expect(answer.headers.get('cache-control')).toBe('no-store');
    expect(answer.headers.get('content-type')).toMatch(/^application\/json/);
    const created = body(answer);
    expect(created).toEqual({
      factorSid: expect.stringMatching(/^YF[0-9a-f]{32}$/),
      status: 'unverified',
      uri: expect.stringMatching(/^otpauth:\/\/totp\/.+:Work%20phone\?secret=[A-Z2-7]+&/),
      secret: expect.stringMatching(/^[A-Z2-7]{32}$/),
      config: { algorithm: 'SHA1', digits: 6, period: 30, skew: 1 },
    });
    // The SID names the factor Verify created for this user, with this label.
    expect(await inVerify('enroll-1', `Factors/${String(created.factorSid)}`)).toMatchObject({
      sid: created.factorSid,
      friendly_name: 'Work phone',
      status: 'unverified',
    });
  });

  test('without a label the account name in the app is the documented default "Account"', async () => {
    const token = await harness.token('enroll-default-label');
    const created = body(await harness.post('/create-factor', {}, { token }));
    expect(created.uri).toMatch(/:Account\?/);
  });

  test('a wrong first code leaves the factor unverified; the right one verifies it', async () => {
    const token = await harness.token('enroll-2');
    const { factorSid, secret } = body(await harness.post('/create-factor', {}, { token })) as { factorSid: string; secret: string };
    const rejected = await harness.post('/verify-factor', { factorSid, code: wrongCode(secret, clock.now) }, { token });
    expect(rejected.status).toBe(200);
    expect(body(rejected)).toEqual({ factorSid, status: 'unverified' });
    const accepted = await harness.post('/verify-factor', { factorSid, code: totp(secret, clock.now) }, { token });
    expect(body(accepted)).toEqual({ factorSid, status: 'verified', recoveryCodes: expect.arrayContaining([expect.stringMatching(/^[0-9A-Z]{4}(-[0-9A-Z]{4}){3}$/)]) });
  });

  test('a new enrollment replaces unfinished ones instead of piling them up', async () => {
    const token = await harness.token('enroll-3');
    const first = body(await harness.post('/create-factor', {}, { token }));
    // The first set-up holds the enrollment for 30 s (one at a time); a new one after that replaces it.
    await harness.setClock(clock.now + 31);
    const second = body(await harness.post('/create-factor', {}, { token }));
    const listed = body(await harness.post('/list-factors', {}, { token })) as { factors: Array<{ factorSid: string }> };
    expect(listed.factors.map((factor) => factor.factorSid)).toEqual([second.factorSid]);
    expect(first.factorSid).not.toBe(second.factorSid);
  });

  test('with a verified factor, create-factor answers 409 already_enrolled (a stolen token cannot add a second app)', async () => {
    const { token } = await enroll('enroll-4');
    const answer = await harness.post('/create-factor', {}, { token });
    expect(answer.status).toBe(409);
    expect(errorOf(answer).code).toBe('already_enrolled');
  });
});

describe('sign-in checks', () => {
  test('a correct code is approved with an approval token whose claims verify with jose', async () => {
    const { token, factorSid, secret } = await enroll('signin-1');
    const answer = await harness.post('/create-challenge', { code: totp(secret, clock.now) }, { token });
    expect(answer.status).toBe(200);
    const result = body(answer) as { status: string; challengeSid: string; approval: string };
    expect(result.status).toBe('approved');
    expect(result.challengeSid).toMatch(/^YC[0-9a-f]{32}$/);
    const { payload, protectedHeader } = await jwtVerify(result.approval, new TextEncoder().encode(harness.env.APPROVAL_SIGNING_SECRET), {
      algorithms: ['HS256'],
      issuer: harness.url,
    });
    expect(protectedHeader.alg).toBe('HS256');
    expect(payload).toEqual({
      sub: 'signin-1',
      amr: ['otp'],
      jti: result.challengeSid,
      iss: harness.url, // the deployment's own address by default
      iat: expect.any(Number),
      exp: expect.any(Number),
    });
    expect((payload.exp ?? 0) - (payload.iat ?? 0)).toBe(120);
    // The SID (and so the token's jti) is the challenge Verify approved for this user's factor.
    expect(await inVerify('signin-1', `Challenges/${result.challengeSid}`)).toMatchObject({
      sid: result.challengeSid,
      factor_sid: factorSid,
      status: 'approved',
    });
  });

  test('a wrong code is pending, without an approval token', async () => {
    const { token, factorSid, secret } = await enroll('signin-2');
    const result = body(await harness.post('/create-challenge', { code: wrongCode(secret, clock.now) }, { token }));
    expect(result).toEqual({ status: 'pending', challengeSid: expect.any(String) });
    expect(await inVerify('signin-2', `Challenges/${String(result.challengeSid)}`)).toMatchObject({
      sid: result.challengeSid,
      factor_sid: factorSid,
      status: 'pending',
    });
  });

  test('an approval token is no caller token: presented as one it is refused, though its claims would pass', async () => {
    const { token, secret } = await enroll('signin-5');
    const { approval } = body(await harness.post('/create-challenge', { code: totp(secret, clock.now) }, { token })) as { approval: string };
    const refused = await harness.post('/list-factors', {}, { token: approval });
    expect([refused.status, errorOf(refused).code]).toEqual([401, 'invalid_token']);
    // Only the key tells them apart: the same claims signed with the caller secret are accepted.
    const resigned = await new SignJWT(decodeJwt(approval))
      .setProtectedHeader({ alg: 'HS256' })
      .sign(new TextEncoder().encode(harness.env.AUTH_JWT_SECRET));
    expect((await harness.post('/list-factors', {}, { token: resigned })).status).toBe(200);
  });

  test('an explicit factorSid works; an unverified factor answers 409 factor_not_verified', async () => {
    const { token, factorSid, secret } = await enroll('signin-3');
    const explicit = body(await harness.post('/create-challenge', { code: totp(secret, clock.now), factorSid }, { token }));
    expect(explicit.status).toBe('approved');

    const other = await harness.token('signin-3b');
    const pending = body(await harness.post('/create-factor', {}, { token: other })) as { factorSid: string; secret: string };
    const answer = await harness.post('/create-challenge', { code: totp(pending.secret, clock.now), factorSid: pending.factorSid }, { token: other });
    expect(answer.status).toBe(409);
    expect(errorOf(answer).code).toBe('factor_not_verified');
  });

  test('without any verified factor the check answers 404 not_enrolled', async () => {
    const token = await harness.token('signin-4');
    const answer = await harness.post('/create-challenge', { code: '123456' }, { token });
    expect(answer.status).toBe(404);
    expect(errorOf(answer).code).toBe('not_enrolled');
  });
});

describe('listing and deleting', () => {
  test('list-factors shows label, status and creation time, never a secret', async () => {
    const { token, factorSid, secret } = await enroll('list-1');
    const answer = await harness.post('/list-factors', {}, { token });
    expect(body(answer)).toEqual({
      factors: [
        {
          factorSid,
          label: "list-1's phone",
          status: 'verified',
          createdAt: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/),
          config: { algorithm: 'SHA1', digits: 6, period: 30, skew: 1 },
        },
      ],
      recoveryCodesLeft: 10,
      recoveryCodesOutdated: false,
    });
    expect(answer.text).not.toContain(secret);
  });

  test('a user without factors gets an empty list', async () => {
    const answer = await harness.post('/list-factors', {}, { token: await harness.token('list-empty') });
    expect(body(answer)).toEqual({ factors: [], recoveryCodesLeft: 0, recoveryCodesOutdated: false });
  });

  test('an unverified factor is deleted without a code', async () => {
    const token = await harness.token('delete-1');
    const { factorSid } = body(await harness.post('/create-factor', {}, { token }));
    expect(body(await harness.post('/delete-factor', { factorSid }, { token }))).toEqual({ deleted: true });
    expect(body(await harness.post('/list-factors', {}, { token }))).toEqual({ factors: [], recoveryCodesLeft: 0, recoveryCodesOutdated: false });
  });

  test('a verified factor needs a current code: none → 403 step_up_required, wrong → 403 invalid_code, right → deleted', async () => {
    const { token, factorSid, secret } = await enroll('delete-2');
    const missing = await harness.post('/delete-factor', { factorSid }, { token });
    expect([missing.status, errorOf(missing).code]).toEqual([403, 'step_up_required']);
    const wrong = await harness.post('/delete-factor', { factorSid, code: wrongCode(secret, clock.now) }, { token });
    expect([wrong.status, errorOf(wrong).code]).toEqual([403, 'invalid_code']);
    const right = await harness.post('/delete-factor', { factorSid, code: totp(secret, clock.now) }, { token });
    expect(body(right)).toEqual({ deleted: true });
    // With the old factor gone, enrolling again works.
    expect((await harness.post('/create-factor', {}, { token })).status).toBe(201);
  });
});

describe('isolation between users', () => {
  test("Mallory, enrolled herself, cannot verify, check or delete Alice's factor even with Alice's code: 404 factor_not_found", async () => {
    const alice = await enroll('alice');
    // Mallory is a user in good standing with her own verified factor, so every request passes the checks before
    // ownership (token, entity, factor SID format) and only Verify's factor-belongs-to-entity rule can stop it.
    const mallory = await enroll('mallory');
    const code = totp(alice.secret, clock.now);
    const attempts = [
      await harness.post('/verify-factor', { factorSid: alice.factorSid, code }, { token: mallory.token }),
      await harness.post('/create-challenge', { factorSid: alice.factorSid, code }, { token: mallory.token }),
      await harness.post('/delete-factor', { factorSid: alice.factorSid, code }, { token: mallory.token }),
    ];
    const notFound = [404, { error: { code: 'factor_not_found', message: expect.any(String) } }];
    expect(attempts.map((answer) => [answer.status, answer.json])).toEqual([notFound, notFound, notFound]);
    const listed = body(await harness.post('/list-factors', {}, { token: mallory.token })) as { factors: Array<{ factorSid: string }> };
    expect(listed.factors.map((factor) => factor.factorSid)).toEqual([mallory.factorSid]);
    // No challenge was created under Mallory's entity, and Alice's factor is untouched: this very code (its time
    // step not yet used) still signs her in.
    expect((await inVerify('mallory', 'Challenges')).challenges).toEqual([]);
    const check = body(await harness.post('/create-challenge', { code }, { token: alice.token }));
    expect(check.status).toBe('approved');
  });

  test('Verify stores the HMAC identity, never the user id', async () => {
    await enroll('bob@example.com');
    const identity = harness.identityOf('bob@example.com');
    expect(identity).toMatch(/^[0-9a-f]{32}$/);
    const factors = (await harness.verifyGet(`Services/${harness.env.VERIFY_SERVICE_SID}/Entities/${identity}/Factors`)) as {
      factors: Array<{ identity: string }>;
    };
    expect(factors.factors.map((factor) => factor.identity)).toEqual([identity]);
    const entities = JSON.stringify(await harness.verifyGet(`Services/${harness.env.VERIFY_SERVICE_SID}/Entities`));
    expect(entities).not.toContain('bob@example.com');
    expect(entities).toContain(identity);
  });

  test('user ids that differ only in case are two users, each under the identity README states', async () => {
    const upper = await enroll('Carol@Example.com');
    const lower = await harness.token('carol@example.com');
    expect(body(await harness.post('/list-factors', {}, { token: lower }))).toEqual({ factors: [], recoveryCodesLeft: 0, recoveryCodesOutdated: false });
    const check = await harness.post('/create-challenge', { code: totp(upper.secret, clock.now) }, { token: lower });
    expect([check.status, errorOf(check).code]).toEqual([404, 'not_enrolled']);
    // harness.identityOf is computed apart from the kit (tests/helpers/identity.ts).
    expect((await inVerify('Carol@Example.com', 'Factors')).factors).toEqual([expect.objectContaining({ sid: upper.factorSid, status: 'verified' })]);
    expect(body(await harness.post('/create-challenge', { code: totp(upper.secret, clock.now) }, { token: upper.token })).status).toBe('approved');
  });
});

describe('CORS and caching', () => {
  test('an allowed origin is echoed with Vary: Origin; any other origin gets no CORS header', async () => {
    const token = await harness.token('cors-1');
    const allowed = await harness.post('/list-factors', {}, { token, headers: { origin: 'https://app.example.com' } });
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
    expect(allowed.headers.get('vary')).toMatch(/Origin/);
    const other = await harness.post('/list-factors', {}, { token, headers: { origin: 'https://evil.example' } });
    expect(other.status).toBe(200);
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
    expect(other.headers.get('access-control-expose-headers')).toBeNull();
  });

  test("an allowed origin may read Retry-After (not CORS-safelisted), so its page can count a limit's wait down", async () => {
    const token = await harness.token('cors-2');
    const allowed = await harness.post('/list-factors', {}, { token, headers: { origin: 'https://app.example.com' } });
    expect(allowed.headers.get('access-control-expose-headers')).toBe('Retry-After');
  });

  test('errors carry the same headers: no-store, JSON, allowed origin', async () => {
    const answer = await harness.post('/list-factors', {}, { headers: { origin: 'https://app.example.com' } });
    expect(answer.status).toBe(401);
    expect(answer.headers.get('cache-control')).toBe('no-store');
    expect(answer.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
  });
});

describe('form-encoded requests', () => {
  test('the browser endpoints accept application/x-www-form-urlencoded as well as JSON', async () => {
    const token = await harness.token('form-1');
    const answer = await harness.post('/create-factor', { label: 'Form phone' }, { token, form: true });
    expect(answer.status).toBe(201);
    expect(body(answer).uri).toMatch(/Form%20phone/);
  });
});
