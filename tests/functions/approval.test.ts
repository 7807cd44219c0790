// Approval tokens over HTTP (SECURITY.md, Your backend and the approval token): ES256 tokens that a backend verifies through the published JWKS (jose's createRemoteJWKSet,
// as the README's snippet does), bound to this deployment (iss) and to one application (aud); HS256 stays the simple option.
import { generateKeyPairSync } from 'node:crypto';
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify, SignJWT } from 'jose';
import { alignedNow, body, startFunctionsHarness, totp, type FunctionsHarness } from '../helpers/functions';

const AUDIENCE = 'bank-web';

async function approvedSignIn(harness: FunctionsHarness, user: string, extra: Record<string, string> = {}): Promise<string> {
  let clock = alignedNow();
  await harness.setClock(clock);
  const token = await harness.token(user);
  const { factorSid, secret } = body(await harness.post('/create-factor', {}, { token })) as { factorSid: string; secret: string };
  expect(body(await harness.post('/verify-factor', { factorSid, code: totp(secret, clock) }, { token })).status).toBe('verified');
  clock += 30;
  await harness.setClock(clock);
  const answer = body(await harness.post('/create-challenge', { code: totp(secret, clock), ...extra }, { token }));
  expect(answer.status).toBe('approved');
  return answer.approval as string;
}

describe('ES256 approvals (APPROVAL_SIGNING_KEY)', () => {
  let harness: FunctionsHarness;

  beforeAll(async () => {
    const signingKey = JSON.stringify(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' }));
    harness = await startFunctionsHarness({
      envOverrides: { APPROVAL_SIGNING_SECRET: '', APPROVAL_SIGNING_KEY: signingKey, APPROVAL_AUDIENCE: AUDIENCE },
    });
  });
  afterAll(async () => {
    await harness.close();
  });

  test('GET /approval-keys answers the public key set, cacheable, without any private member', async () => {
    const answer = await fetch(`${harness.url}/approval-keys`);
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toMatch(/^application\/json/);
    expect(answer.headers.get('cache-control')).toBe('public, max-age=300');
    expect(answer.headers.get('x-content-type-options')).toBe('nosniff');
    const jwks = (await answer.json()) as { keys: Array<Record<string, unknown>> };
    expect(jwks).toEqual({
      keys: [{ kty: 'EC', crv: 'P-256', x: expect.any(String), y: expect.any(String), kid: expect.any(String), alg: 'ES256', use: 'sig' }],
    });
    expect(JSON.stringify(jwks)).not.toContain(JSON.parse(harness.env.APPROVAL_SIGNING_KEY ?? '{}').d);
  });

  test('a backend verifies an approval with createRemoteJWKSet against /approval-keys, checking iss and aud', async () => {
    const approval = await approvedSignIn(harness, 'es256-user');
    expect(decodeProtectedHeader(approval)).toEqual({ alg: 'ES256', typ: 'JWT', kid: expect.any(String) });
    // What the README tells a backend to do, over HTTP against the running stack.
    const approvalKeys = createRemoteJWKSet(new URL('/approval-keys', harness.url));
    const { payload } = await jwtVerify(approval, approvalKeys, {
      algorithms: ['ES256'],
      issuer: harness.url,
      audience: AUDIENCE,
      subject: 'es256-user',
      requiredClaims: ['jti', 'exp'],
    });
    expect(payload).toEqual({
      sub: 'es256-user',
      amr: ['otp'],
      jti: expect.stringMatching(/^YC[0-9a-f]{32}$/),
      iss: harness.url,
      aud: AUDIENCE,
      iat: expect.any(Number),
      exp: expect.any(Number),
    });
    // Bound to one application and one deployment: another audience or issuer refuses it.
    await expect(jwtVerify(approval, approvalKeys, { audience: 'another-app' })).rejects.toThrow(/aud/);
    await expect(jwtVerify(approval, approvalKeys, { issuer: 'https://other-1234.twil.io' })).rejects.toThrow(/iss/);
  });

  test('the JWKS gives a backend nothing to mint with: an approval forged with an HS256 key or another EC key fails', async () => {
    const approvalKeys = createRemoteJWKSet(new URL('/approval-keys', harness.url));
    const claims = { sub: 'es256-user', amr: ['otp'], jti: `YC${'0'.repeat(32)}`, iss: harness.url, aud: AUDIENCE };
    const jwks = (await (await fetch(`${harness.url}/approval-keys`)).json()) as { keys: Array<{ kid: string; x: string }> };
    const kid = jwks.keys[0]?.kid ?? '';
    const hs = await new SignJWT(claims).setProtectedHeader({ alg: 'HS256', kid }).setIssuedAt().setExpirationTime('2m')
      .sign(new TextEncoder().encode(jwks.keys[0]?.x));
    await expect(jwtVerify(hs, approvalKeys, { algorithms: ['ES256'] })).rejects.toThrow();
    const stranger = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
    const es = await new SignJWT(claims).setProtectedHeader({ alg: 'ES256', kid }).setIssuedAt().setExpirationTime('2m').sign(stranger);
    await expect(jwtVerify(es, approvalKeys, { algorithms: ['ES256'] })).rejects.toThrow(/signature/);
  });

  test('finding 7: the nonce sent with the code check comes back in the approval', async () => {
    const approval = await approvedSignIn(harness, 'nonce-user', { nonce: 'host-sign-in-8f3a' });
    const { payload } = await jwtVerify(approval, createRemoteJWKSet(new URL('/approval-keys', harness.url)), { audience: AUDIENCE });
    expect(payload.nonce).toBe('host-sign-in-8f3a');
  });
});

describe('HS256 approvals (APPROVAL_SIGNING_SECRET), the simple option', () => {
  let harness: FunctionsHarness;

  beforeAll(async () => {
    harness = await startFunctionsHarness();
  });
  afterAll(async () => {
    await harness.close();
  });

  test('an approval verifies with the shared secret; its issuer is the deployment\'s own address', async () => {
    const approval = await approvedSignIn(harness, 'hs256-user');
    const secret = new TextEncoder().encode(harness.env.APPROVAL_SIGNING_SECRET);
    const { payload, protectedHeader } = await jwtVerify(approval, secret, { algorithms: ['HS256'], issuer: harness.url, subject: 'hs256-user' });
    expect(protectedHeader).toEqual({ alg: 'HS256', typ: 'JWT' });
    expect(payload.aud).toBeUndefined();
  });

  test('/approval-keys answers 404 no_approval_keys: a shared secret has no public half to publish', async () => {
    const answer = await fetch(`${harness.url}/approval-keys`);
    const text = await answer.text();
    expect(answer.status).toBe(404);
    expect(JSON.parse(text)).toEqual({ error: { code: 'no_approval_keys', message: expect.stringContaining('HS256') } });
    expect(answer.headers.get('cache-control')).toBe('no-store');
    expect(text).not.toContain(harness.env.APPROVAL_SIGNING_SECRET);
  });
});
