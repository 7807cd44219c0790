// Caller-token attacks over HTTP: none, forged, expired, wrong issuer/audience, algorithm confusion, JWKS from a local server,
// a lifetime past the cap, a rotated-out key, and fields named `request` standing in for headers.
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
    harness = await startFunctionsHarness({
      envOverrides: { AUTH_ISSUER: ISSUER, AUTH_AUDIENCE: AUDIENCE, ALLOWED_ORIGINS: 'https://app.example.com' },
    });
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
    expect(body(answer)).toEqual({ factors: [], recoveryCodesLeft: 0, recoveryCodesOutdated: false });
  });

  test('issue 24.5: a token without iat → 401 invalid_token, even one that expires within the hour', async () => {
    await expectUnauthorized(harness, `Bearer ${await sign({ iat: undefined, exp: now() + 3600 })}`);
    await expectUnauthorized(harness, `Bearer ${await sign({ iat: undefined, nbf: now() - 10 * 365 * 86_400, exp: now() + 60 })}`);
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
    ['that expires in the year 3000 (finding 8: lifetime capped at 24 h)', { exp: 32503680000 }],
    ['valid for 25 hours (finding 8)', { exp: now() + 25 * 3600 }],
    ['whose subject has a lone surrogate (finding 8: one identity for many subjects)', { sub: 'alice\uD800' }],
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

  describe('finding 4: fields named `request` never stand in for the request headers', () => {
    /** A raw request with only the headers given (fetch adds no Authorization, Content-Type or Origin by itself). */
    async function send(method: string, path: string, init: { body?: string; headers?: Record<string, string> } = {}): Promise<Response> {
      return fetch(harness.url + path, { method, headers: init.headers, body: init.body });
    }

    test('GET with request[headers][authorization] and [content-length] in the query → 400 reserved_field, not the factors', async () => {
      const query = new URLSearchParams({
        'request[headers][authorization]': `Bearer ${await sign({})}`,
        'request[headers][content-length]': '0',
      });
      const answer = await send('GET', `/list-factors?${query}`);
      expect(answer.status).toBe(400);
      const text = await answer.text();
      expect(JSON.parse(text)).toEqual({ error: { code: 'reserved_field', message: expect.stringContaining('"request"') } });
      expect(text).not.toContain('factors');
      expect(answer.headers.get('cache-control')).toBe('no-store');
    });

    test.each(['PUT', 'DELETE'])('%s with the headers in a JSON body → 400 reserved_field', async (method) => {
      const body = JSON.stringify({ request: { headers: { authorization: `Bearer ${await sign({})}`, 'content-type': 'application/json' } } });
      const answer = await send(method, '/list-factors', { body, headers: { 'content-type': 'application/json' } });
      expect([answer.status, ((await answer.json()) as { error: { code: string } }).error.code]).toEqual([400, 'reserved_field']);
    });

    test('a body field naming an allowed Origin is refused, and the answer reflects no Origin', async () => {
      const token = await sign({});
      const body = JSON.stringify({
        request: { headers: { origin: 'https://app.example.com', authorization: `Bearer ${token}`, 'content-type': 'application/json' } },
      });
      const answer = await harness.post('/list-factors', {}, { token, raw: body, headers: { origin: 'https://evil.example' } });
      expect([answer.status, errorOf(answer).code]).toEqual([400, 'reserved_field']);
      expect(answer.headers.get('access-control-allow-origin')).toBeNull();
      // The same request without the field is answered, and the real (allowed) Origin is reflected.
      const honest = await harness.post('/list-factors', {}, { token, headers: { origin: 'https://app.example.com' } });
      expect([honest.status, honest.headers.get('access-control-allow-origin')]).toEqual([200, 'https://app.example.com']);
    });

    test.each([
      ['a form field request=1', 'request=1', ''],
      ['a query field request=1 on an otherwise good POST', '', '?request=1'],
      ['a query field request[cookies][a]=b (half the runtime\'s shape)', '', '?request[cookies][a]=b'],
    ])('%s → 400 reserved_field, on every endpoint', async (_name, form, query) => {
      const token = await sign({});
      for (const path of ['/create-factor', '/verify-factor', '/create-challenge', '/list-factors', '/delete-factor', '/studio/check-code']) {
        const headers: Record<string, string> = { authorization: `Bearer ${token}`, 'content-type': 'application/x-www-form-urlencoded' };
        // The protected route answers only what the gateway lets through: a request signed as Studio signs it.
        if (path === '/studio/check-code') headers['x-twilio-signature'] = harness.sign(path + query, { contentType: headers['content-type'], body: form }).signature;
        const answer = await send('POST', path + query, { body: form, headers });
        expect([path, answer.status, ((await answer.json()) as { error: { code: string } }).error.code]).toEqual([path, 400, 'reserved_field']);
      }
    });
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
  let jwksBase: string;
  /** What /rotating/jwks.json serves; a test rotates it as an identity provider would. */
  let rotatingKeys: JWK[] = [];

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
    jwksServer = createServer((req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ keys: req.url === '/rotating/jwks.json' ? rotatingKeys : keys }));
    });
    await new Promise<void>((resolve) => jwksServer.listen(0, '127.0.0.1', resolve));
    jwksBase = `http://127.0.0.1:${(jwksServer.address() as AddressInfo).port}`;
    const jwksUrl = `${jwksBase}/.well-known/jwks.json`;
    harness = await startFunctionsHarness({
      envOverrides: { AUTH_JWKS_URL: jwksUrl, AUTH_JWT_SECRET: '', AUTH_AUDIENCE: AUDIENCE, AUTH_ISSUER: ISSUER },
    });
  });
  afterAll(async () => {
    await harness.close();
    await new Promise<void>((resolve) => jwksServer.close(() => resolve()));
  });

  function claims(extra: Record<string, unknown> = {}): Record<string, unknown> {
    return { sub: 'carol', iss: ISSUER, aud: AUDIENCE, iat: now(), exp: now() + 300, ...extra };
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

  test('finding 1: without AUTH_AUDIENCE and AUTH_ISSUER, a token another app of the provider minted gets a generic 500, never 200', async () => {
    const logged: string[] = [];
    const spy = jest.spyOn(console, 'error').mockImplementation((line: unknown) => void logged.push(String(line)));
    const saved = { AUTH_AUDIENCE: harness.env.AUTH_AUDIENCE, AUTH_ISSUER: harness.env.AUTH_ISSUER };
    delete harness.env.AUTH_AUDIENCE;
    delete harness.env.AUTH_ISSUER;
    try {
      // Signed with the provider's published key, as any application of the same provider can get one.
      const foreign = await new SignJWT(claims({ iss: 'https://evil.example/', aud: 'some-other-app' }))
        .setProtectedHeader({ alg: 'ES256', kid: 'ec-1' })
        .sign(ecKey);
      const answer = await harness.post('/list-factors', {}, { token: foreign });
      expect([answer.status, errorOf(answer).code]).toEqual([500, 'internal_error']);
      expect(answer.text).not.toContain('factors');
      expect(logged).toEqual([expect.stringContaining('configuration error: AUTH_AUDIENCE is not set (required with AUTH_JWKS_URL)')]);
    } finally {
      Object.assign(harness.env, saved);
      spy.mockRestore();
    }
    const honest = await new SignJWT(claims()).setProtectedHeader({ alg: 'ES256', kid: 'ec-1' }).sign(ecKey);
    expect((await harness.post('/list-factors', {}, { token: honest })).status).toBe(200);
  });

  test('finding 3: a token verified (and cached) under a key the provider then rotates out is refused once the new set is fetched', async () => {
    const old = await generateKeyPair('ES256');
    const next = await generateKeyPair('ES256');
    rotatingKeys = [{ ...(await exportJWK(old.publicKey)), kid: 'old', alg: 'ES256', use: 'sig' }];
    const saved = harness.env.AUTH_JWKS_URL;
    harness.env.AUTH_JWKS_URL = `${jwksBase}/rotating/jwks.json`;
    const realNow = Date.now.bind(Date);
    try {
      const oldToken = await new SignJWT(claims()).setProtectedHeader({ alg: 'ES256', kid: 'old' }).sign(old.privateKey);
      expect((await harness.post('/list-factors', {}, { token: oldToken })).status).toBe(200);
      expect((await harness.post('/list-factors', {}, { token: oldToken })).status).toBe(200);

      // The provider rotates; jose refetches for a token naming the new key once its 30 s cool-down has passed
      // (the key-set clock moves forward instead of the test waiting).
      rotatingKeys = [{ ...(await exportJWK(next.publicKey)), kid: 'new', alg: 'ES256', use: 'sig' }];
      jest.spyOn(Date, 'now').mockImplementation(() => realNow() + 31_000);
      const newToken = await new SignJWT(claims()).setProtectedHeader({ alg: 'ES256', kid: 'new' }).sign(next.privateKey);
      expect((await harness.post('/list-factors', {}, { token: newToken })).status).toBe(200);

      // A fresh copy of the old token is refused, and so is the one the container had remembered.
      const freshOld = await new SignJWT(claims({ jti: 'another' })).setProtectedHeader({ alg: 'ES256', kid: 'old' }).sign(old.privateKey);
      await expectUnauthorized(harness, `Bearer ${freshOld}`);
      await expectUnauthorized(harness, `Bearer ${oldToken}`);
    } finally {
      jest.restoreAllMocks();
      harness.env.AUTH_JWKS_URL = saved ?? '';
    }
  });
});
