// Caller-token attacks over HTTP: none, forged, expired, wrong issuer/audience, algorithm confusion, JWKS from a local server.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, exportSPKI, generateKeyPair, SignJWT, UnsecuredJWT, type JWK, type KeyLike } from 'jose';
import { body, errorOf, startFunctionsHarness, type FunctionsHarness } from '../helpers/functions';

const ISSUER = 'https://id.example.com/';
const AUDIENCE = 'totp-kit';
const now = (): number => Math.floor(Date.now() / 1000);

async function expectUnauthorized(harness: FunctionsHarness, authorization: string | undefined, code = 'invalid_token'): Promise<void> {
  const answer = await harness.post('/list-factors', {}, authorization === undefined ? {} : { headers: { authorization } });
  expect(answer.status).toBe(401);
  expect(errorOf(answer).code).toBe(code);
  expect(answer.headers.get('www-authenticate')).toMatch(/^Bearer/);
  expect(answer.text).not.toMatch(/at .+\.js:\d+/);
}

describe('HS256 caller tokens with AUTH_ISSUER and AUTH_AUDIENCE', () => {
  let harness: FunctionsHarness;
  let secret: Uint8Array;

  beforeAll(async () => {
    harness = await startFunctionsHarness({ envOverrides: { AUTH_ISSUER: ISSUER, AUTH_AUDIENCE: AUDIENCE } });
    secret = new TextEncoder().encode(harness.env.AUTH_JWT_SECRET);
  });
  afterAll(async () => {
    await harness.close();
  });

  function sign(claims: Record<string, unknown>, key: Uint8Array = secret, alg = 'HS256'): Promise<string> {
    return new SignJWT({ sub: 'alice', iss: ISSUER, aud: AUDIENCE, iat: now(), exp: now() + 300, ...claims })
      .setProtectedHeader({ alg })
      .sign(key);
  }

  test('a valid token with the right issuer and audience is accepted', async () => {
    const answer = await harness.post('/list-factors', {}, { token: await sign({}) });
    expect(answer.status).toBe(200);
    expect(body(answer)).toEqual({ factors: [] });
  });

  test('no Authorization header → 401 missing_token, WWW-Authenticate without an error code (RFC 6750 §3.1)', async () => {
    await expectUnauthorized(harness, undefined, 'missing_token');
    const answer = await harness.post('/list-factors', {});
    expect(answer.headers.get('www-authenticate')).toBe('Bearer');
    const invalid = await harness.post('/list-factors', {}, { token: 'x.y.z' });
    expect(invalid.headers.get('www-authenticate')).toBe('Bearer error="invalid_token"');
  });

  test.each([
    ['another scheme', 'Basic YWxpY2U6c2VjcmV0'],
    ['an empty bearer', 'Bearer '],
    ['a bearer that is not a JWT', 'Bearer not-a-jwt'],
    ['a bearer with spaces inside', 'Bearer a b c'],
  ])('%s → 401 invalid_token', async (_name, header) => {
    await expectUnauthorized(harness, header);
  });

  test('alg "none" (an unsigned token) → 401', async () => {
    const unsigned = new UnsecuredJWT({ sub: 'alice', iss: ISSUER, aud: AUDIENCE }).setIssuedAt().setExpirationTime('5m').encode();
    await expectUnauthorized(harness, `Bearer ${unsigned}`);
  });

  test('a token signed with another secret (forged) → 401', async () => {
    const forged = await sign({}, new TextEncoder().encode('x'.repeat(40)));
    await expectUnauthorized(harness, `Bearer ${forged}`);
  });

  test('a token whose payload was edited after signing → 401', async () => {
    const [header, , signature] = (await sign({})).split('.');
    const payload = Buffer.from(JSON.stringify({ sub: 'mallory', iss: ISSUER, aud: AUDIENCE, exp: now() + 300 })).toString('base64url');
    await expectUnauthorized(harness, `Bearer ${header}.${payload}.${signature}`);
  });

  test.each([
    ['expired a minute ago', { exp: now() - 60 }],
    ['without exp', { exp: undefined }],
    ['not valid before a minute from now', { nbf: now() + 60 }],
    ['from another issuer', { iss: 'https://evil.example.com/' }],
    ['without an issuer', { iss: undefined }],
    ['for another audience', { aud: 'other-app' }],
    ['without a subject', { sub: undefined }],
    ['with an empty subject', { sub: '' }],
    ['with a numeric subject', { sub: 42 }],
    ['with a 300-character subject', { sub: 'a'.repeat(300) }],
  ])('a token %s → 401', async (_name, claims) => {
    await expectUnauthorized(harness, `Bearer ${await sign(claims)}`);
  });

  test('the same secret with HS512 is refused: only HS256 is accepted', async () => {
    await expectUnauthorized(harness, `Bearer ${await sign({}, secret, 'HS512')}`);
  });

  test('an approval token cannot be used as a caller token, even one carrying the caller issuer and audience', async () => {
    // Every claim a caller token needs, so only the key can refuse it: signed with the caller secret it is accepted.
    const approvalClaims = { amr: ['otp'], jti: `YC${'0'.repeat(32)}` };
    expect((await harness.post('/list-factors', {}, { token: await sign(approvalClaims) })).status).toBe(200);
    const approval = await sign(approvalClaims, new TextEncoder().encode(harness.env.APPROVAL_SIGNING_SECRET));
    await expectUnauthorized(harness, `Bearer ${approval}`);
  });

  test('every endpoint refuses a missing token before looking at the input', async () => {
    for (const path of ['/create-factor', '/verify-factor', '/create-challenge', '/list-factors', '/delete-factor']) {
      const answer = await harness.post(path, { factorSid: '../../etc', code: [] });
      expect([path, answer.status, errorOf(answer).code]).toEqual([path, 401, 'missing_token']);
    }
  });
});

describe('caller tokens verified against a JWKS (RS256/ES256) served from a local server', () => {
  let harness: FunctionsHarness;
  let jwksServer: Server;
  let rsaKey: KeyLike;
  let ecKey: KeyLike;
  let rsaPublicPem: string;

  beforeAll(async () => {
    const rsa = await generateKeyPair('RS256');
    const ec = await generateKeyPair('ES256');
    rsaKey = rsa.privateKey;
    ecKey = ec.privateKey;
    rsaPublicPem = await exportSPKI(rsa.publicKey);
    const keys: JWK[] = [
      { ...(await exportJWK(rsa.publicKey)), kid: 'rsa-1', alg: 'RS256', use: 'sig' },
      { ...(await exportJWK(ec.publicKey)), kid: 'ec-1', alg: 'ES256', use: 'sig' },
    ];
    jwksServer = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ keys }));
    });
    await new Promise<void>((resolve) => jwksServer.listen(0, '127.0.0.1', resolve));
    const jwksUrl = `http://127.0.0.1:${(jwksServer.address() as AddressInfo).port}/.well-known/jwks.json`;
    harness = await startFunctionsHarness({ envOverrides: { AUTH_JWKS_URL: jwksUrl, AUTH_JWT_SECRET: '', AUTH_AUDIENCE: AUDIENCE } });
  });
  afterAll(async () => {
    await harness.close();
    await new Promise<void>((resolve) => jwksServer.close(() => resolve()));
  });

  function claims(extra: Record<string, unknown> = {}): Record<string, unknown> {
    return { sub: 'carol', aud: AUDIENCE, iat: now(), exp: now() + 300, ...extra };
  }

  test.each([
    ['RS256', 'rsa-1'],
    ['ES256', 'ec-1'],
  ])('a %s token signed by a published key is accepted', async (alg, kid) => {
    const token = await new SignJWT(claims())
      .setProtectedHeader({ alg, kid })
      .sign(alg === 'RS256' ? rsaKey : ecKey);
    const answer = await harness.post('/list-factors', {}, { token });
    expect(answer.status).toBe(200);
  });

  test('an HS256 token keyed with the published RSA public key (algorithm confusion) → 401', async () => {
    const confused = await new SignJWT(claims())
      .setProtectedHeader({ alg: 'HS256', kid: 'rsa-1' })
      .sign(new TextEncoder().encode(rsaPublicPem));
    await expectUnauthorized(harness, `Bearer ${confused}`);
  });

  test('an HS256 token with the (now unused) shared secret → 401', async () => {
    const token = await new SignJWT(claims()).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode('s'.repeat(64)));
    await expectUnauthorized(harness, `Bearer ${token}`);
  });

  test('a token signed by a key that is not in the JWKS → 401', async () => {
    const stranger = await generateKeyPair('RS256');
    const token = await new SignJWT(claims()).setProtectedHeader({ alg: 'RS256', kid: 'rsa-1' }).sign(stranger.privateKey);
    await expectUnauthorized(harness, `Bearer ${token}`);
  });

  test('alg "none" → 401, expired → 401, wrong audience → 401', async () => {
    await expectUnauthorized(harness, `Bearer ${new UnsecuredJWT(claims()).encode()}`);
    const expired = await new SignJWT(claims({ exp: now() - 60 })).setProtectedHeader({ alg: 'ES256', kid: 'ec-1' }).sign(ecKey);
    await expectUnauthorized(harness, `Bearer ${expired}`);
    const otherAudience = await new SignJWT(claims({ aud: 'x' })).setProtectedHeader({ alg: 'ES256', kid: 'ec-1' }).sign(ecKey);
    await expectUnauthorized(harness, `Bearer ${otherAudience}`);
  });
});
