// lib/http/caller-token.ts directly: key-set failures, token lifetime and subject rules, the verified-token cache.
import { createSecretKey } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRemoteJWKSet, errors as joseErrors, exportJWK, generateKeyPair, jwtVerify, SignJWT, type KeyLike } from 'jose';
import { authenticateCaller } from '../../../lib/http/caller-token';
import { KitError } from '../../../lib/http/kit-error';
import { rejectionOf } from '../../helpers/rejection';

// jwtVerify stays the real one; wrapping it lets a test count how often lib/http/caller-token.ts really checks a signature.
jest.mock('jose', () => {
  const actual = jest.requireActual<typeof import('jose')>('jose');
  return { ...actual, jwtVerify: jest.fn(actual.jwtVerify), createRemoteJWKSet: jest.fn(actual.createRemoteJWKSet) };
});
const signatureChecks = jwtVerify as jest.MockedFunction<typeof jwtVerify>;
// Also the real one, unless a test makes the key set's fetch fail in a way a local server cannot.
const remoteKeySets = createRemoteJWKSet as jest.MockedFunction<typeof createRemoteJWKSet>;

const failure = (promise: Promise<unknown>): Promise<KitError> => rejectionOf(promise, KitError);

describe('authenticateCaller with an unusable key set', () => {
  let server: Server;
  let base: string;

  beforeAll(async () => {
    server = createServer((req, res) => {
      if (req.url === '/missing.json') {
        res.writeHead(404, { 'content-type': 'text/html' }).end('<h1>Not Found</h1>');
      } else if (req.url === '/html.json') {
        res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><p>Welcome</p>');
      } else {
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"keys": "not a list"}');
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  async function rsLookingToken(): Promise<string> {
    // Any well-formed RS256-labelled token: the key set fails before its signature matters.
    const header = Buffer.from(JSON.stringify({ alg: 'RS256', kid: 'k' })).toString('base64url');
    const payload = Buffer.from(JSON.stringify({ sub: 'a', exp: 4102444800 })).toString('base64url');
    return `${header}.${payload}.c2ln`;
  }

  test('an identity provider that answers garbage → 502 auth_keys_unavailable', async () => {
    const error = await failure(
      authenticateCaller(`Bearer ${await rsLookingToken()}`, { key: { kind: 'jwks', url: new URL(`${base}/garbage.json`) }, issuer: undefined, audience: undefined }),
    );
    expect([error.status, error.code]).toEqual([502, 'auth_keys_unavailable']);
    expect(error.logDetail).toBe('AUTH_JWKS_URL answered JSON that is not a JSON Web Key Set');
  });

  test.each([
    ['answers 404', 'missing.json'],
    ['answers 200 with a page that is not JSON', 'html.json'],
  ])('issue 14: a wrong AUTH_JWKS_URL that %s → 502 auth_keys_unavailable with a log detail, not 401', async (_name, path) => {
    const error = await failure(
      authenticateCaller(`Bearer ${await rsLookingToken()}`, { key: { kind: 'jwks', url: new URL(`${base}/${path}`) }, issuer: undefined, audience: undefined }),
    );
    expect([error.status, error.code]).toEqual([502, 'auth_keys_unavailable']);
    expect(error.logDetail).toMatch(/^AUTH_JWKS_URL did not answer 200 with a JSON Web Key Set/);
  });

  test('an identity provider that cannot be reached → 503 auth_keys_unavailable', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const url = new URL(`http://127.0.0.1:${(closed.address() as AddressInfo).port}/jwks.json`);
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const error = await failure(authenticateCaller(`Bearer ${await rsLookingToken()}`, { key: { kind: 'jwks', url }, issuer: undefined, audience: undefined }));
    expect([error.status, error.code]).toEqual([503, 'auth_keys_unavailable']);
    expect(error.logDetail).toBe('AUTH_JWKS_URL could not be reached (ECONNREFUSED)');
  });

  test.each([
    ['an error without a code', new Error('socket closed')],
    ['a thrown string', 'boom'],
    ['null', null],
  ])('a key-set fetch that fails with %s → 503 with Retry-After 5, logged as a network error', async (name, thrown) => {
    remoteKeySets.mockReturnValueOnce((async () => {
      throw thrown;
    }) as unknown as ReturnType<typeof createRemoteJWKSet>);
    const url = new URL(`https://idp.invalid/${encodeURIComponent(name)}.json`);
    const error = await failure(authenticateCaller(`Bearer ${await rsLookingToken()}`, { key: { kind: 'jwks', url }, issuer: undefined, audience: undefined }));
    expect([error.status, error.code, error.retryAfterSeconds, error.logDetail]).toEqual([
      503,
      'auth_keys_unavailable',
      5,
      'AUTH_JWKS_URL could not be reached (network error)',
    ]);
  });
});

describe('authenticateCaller with a shared secret', () => {
  const key = { kind: 'secret' as const, secret: createSecretKey(Buffer.from('k'.repeat(32))) };

  test('returns the subject of a valid token', async () => {
    const token = await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject('dana').setIssuedAt().setExpirationTime('1m').sign(key.secret);
    await expect(authenticateCaller(`bearer ${token}`, { key, issuer: undefined, audience: undefined })).resolves.toEqual({ sub: 'dana' });
  });

  test('a token verified once is served from the cache (no second signature check), yet refused before nbf and after exp', async () => {
    const issuedAt = new Date('2026-03-01T10:00:00Z');
    const at = (seconds: number): Date => new Date(issuedAt.getTime() + seconds * 1000);
    const token = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('hugo')
      .setIssuedAt(issuedAt)
      .setNotBefore(at(10))
      .setExpirationTime(at(60))
      .sign(key.secret);
    const verification = (currentDate: Date) => ({ key, issuer: undefined, audience: undefined, currentDate });
    expect((await failure(authenticateCaller(`Bearer ${token}`, verification(at(0))))).code).toBe('invalid_token');
    await expect(authenticateCaller(`Bearer ${token}`, verification(at(30)))).resolves.toEqual({ sub: 'hugo' });
    const checked = signatureChecks.mock.calls.length;
    // Served from the cache now: accepted without jose checking the signature again.
    await expect(authenticateCaller(`Bearer ${token}`, verification(at(64)))).resolves.toEqual({ sub: 'hugo' });
    expect(signatureChecks.mock.calls.length).toBe(checked);
    // Yet before nbf and after exp (beyond the 5 s tolerance) it is refused again, as jose would.
    expect((await failure(authenticateCaller(`Bearer ${token}`, verification(at(0))))).code).toBe('invalid_token');
    expect((await failure(authenticateCaller(`Bearer ${token}`, verification(at(66))))).code).toBe('invalid_token');
  });

  test('a token verified under one key is not accepted under another key source', async () => {
    const token = await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject('ivy').setIssuedAt().setExpirationTime('1m').sign(key.secret);
    await expect(authenticateCaller(`Bearer ${token}`, { key, issuer: undefined, audience: undefined })).resolves.toEqual({ sub: 'ivy' });
    const otherKey = { kind: 'secret' as const, secret: createSecretKey(Buffer.from('o'.repeat(32))) };
    expect((await failure(authenticateCaller(`Bearer ${token}`, { key: otherKey, issuer: undefined, audience: undefined }))).code).toBe('invalid_token');
    expect((await failure(authenticateCaller(`Bearer ${token}`, { key, issuer: 'https://required.example', audience: undefined }))).code).toBe('invalid_token');
  });

  test('an unexpected error while verifying is passed on as it is, not turned into a 401', async () => {
    const token = await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject('jo').setIssuedAt().setExpirationTime('1m').sign(key.secret);
    const unexpected = new TypeError('key trouble');
    signatureChecks.mockRejectedValueOnce(unexpected);
    await expect(rejectionOf(authenticateCaller(`Bearer ${token}`, { key, issuer: undefined, audience: undefined }), TypeError)).resolves.toBe(unexpected);
  });

  test('refuses a header given twice (an array) and an oversized token', async () => {
    const verification = { key, issuer: undefined, audience: undefined };
    expect((await failure(authenticateCaller(['Bearer a.b.c', 'Bearer d.e.f'], verification))).code).toBe('invalid_token');
    expect((await failure(authenticateCaller(`Bearer ${'a'.repeat(9000)}`, verification))).code).toBe('invalid_token');
  });
});

describe('finding 8: caller tokens with a capped lifetime and a well-formed subject', () => {
  const key = { kind: 'secret' as const, secret: createSecretKey(Buffer.from('l'.repeat(32))) };
  const verification = { key, issuer: undefined, audience: undefined };
  const now = Math.floor(Date.now() / 1000);

  function sign(claims: Record<string, unknown>): Promise<string> {
    return new SignJWT({ sub: 'lena', iat: now, exp: now + 600, ...claims }).setProtectedHeader({ alg: 'HS256' }).sign(key.secret);
  }

  test('a token that expires in the year 3000 → 401 invalid_token', async () => {
    const token = await sign({ exp: 32503680000 });
    expect((await failure(authenticateCaller(`Bearer ${token}`, verification))).code).toBe('invalid_token');
  });

  test('24 h from iat is accepted, a minute more is not; a token without iat is refused, however soon it expires', async () => {
    await expect(authenticateCaller(`Bearer ${await sign({ exp: now + 86_400 })}`, verification)).resolves.toEqual({ sub: 'lena' });
    expect((await failure(authenticateCaller(`Bearer ${await sign({ exp: now + 86_460 })}`, verification))).code).toBe('invalid_token');
    // An iat an hour ago with a 25 h lifetime: only 24 h are left, yet the token was issued for longer.
    expect((await failure(authenticateCaller(`Bearer ${await sign({ iat: now - 3600, exp: now + 86_400 })}`, verification))).code).toBe('invalid_token');
    // An iat in the future cannot stretch the window: it counts from now.
    expect((await failure(authenticateCaller(`Bearer ${await sign({ iat: now + 86_400, exp: now + 2 * 86_400 })}`, verification))).code).toBe('invalid_token');
    // Issue 24.5: without iat its lifetime is unknown (a ten-year token in its last day would pass a check from now).
    expect((await failure(authenticateCaller(`Bearer ${await sign({ iat: undefined, exp: now + 90_000 })}`, verification))).code).toBe('invalid_token');
    expect((await failure(authenticateCaller(`Bearer ${await sign({ iat: undefined, exp: now + 3600 })}`, verification))).code).toBe('invalid_token');
    expect((await failure(authenticateCaller(`Bearer ${await sign({ iat: undefined, nbf: now - 10 * 365 * 86_400, exp: now + 60 })}`, verification))).code).toBe('invalid_token');
    // An iat that is not a number is no iat.
    expect((await failure(authenticateCaller(`Bearer ${await sign({ iat: String(now), exp: now + 60 })}`, verification))).code).toBe('invalid_token');
  });

  test('AUTH_MAX_TOKEN_LIFETIME_SECONDS sets the cap', async () => {
    const token = await sign({ exp: now + 7200 });
    await expect(authenticateCaller(`Bearer ${token}`, verification)).resolves.toEqual({ sub: 'lena' });
    expect((await failure(authenticateCaller(`Bearer ${token}`, { ...verification, maxLifetimeSeconds: 3600 }))).code).toBe('invalid_token');
  });

  test('a subject with a lone surrogate → 401 (UTF-8 would fold it into U+FFFD, one identity for many subjects)', async () => {
    for (const sub of ['\uD800', 'ada\uDC00', '\uDFFFada']) {
      expect([sub, (await failure(authenticateCaller(`Bearer ${await sign({ sub })}`, verification))).code]).toEqual([sub, 'invalid_token']);
    }
    // A proper surrogate pair (an emoji) is well-formed.
    await expect(authenticateCaller(`Bearer ${await sign({ sub: 'ada \u{1F600}' })}`, verification)).resolves.toEqual({ sub: 'ada \u{1F600}' });
  });
});

describe('JWKS-verified tokens are remembered only while the key set they were checked against is in force', () => {
  let server: Server;
  let base: string;
  let served: string;
  let fetches = 0;
  let old: Awaited<ReturnType<typeof generateKeyPair>>;
  let rotated: Awaited<ReturnType<typeof generateKeyPair>>;
  // Far from the machine's clock: the token's time rules use currentDate, the key set's age uses Date.now.
  const currentDate = new Date('2041-06-07T08:09:10Z');
  const T0 = 2_000_000_000_000;

  const keySet = async (publicKey: KeyLike, kid: string): Promise<string> => JSON.stringify({ keys: [{ ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' }] });
  const signed = (privateKey: KeyLike, kid: string, sub: string): Promise<string> =>
    new SignJWT({ sub, iat: currentDate.getTime() / 1000, exp: currentDate.getTime() / 1000 + 60 }).setProtectedHeader({ alg: 'RS256', kid }).sign(privateKey);

  beforeAll(async () => {
    old = await generateKeyPair('RS256');
    rotated = await generateKeyPair('RS256');
    server = createServer((_req, res) => {
      fetches += 1;
      res.writeHead(200, { 'content-type': 'application/json' }).end(served);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  beforeEach(async () => {
    served = await keySet(old.publicKey, 'old');
    fetches = 0;
  });

  test('answered from memory for up to 10 minutes of key-set age; at 10 minutes the set is fetched again and a rotated-out key is refused', async () => {
    const clock = jest.spyOn(Date, 'now').mockReturnValue(T0);
    try {
      const verification = { key: { kind: 'jwks' as const, url: new URL(`${base}/aging.json`) }, issuer: undefined, audience: undefined, currentDate };
      const token = await signed(old.privateKey, 'old', 'sam');
      await expect(authenticateCaller(`Bearer ${token}`, verification)).resolves.toEqual({ sub: 'sam' });
      const checked = signatureChecks.mock.calls.length;
      clock.mockReturnValue(T0 + 599_999);
      await expect(authenticateCaller(`Bearer ${token}`, verification)).resolves.toEqual({ sub: 'sam' });
      expect([signatureChecks.mock.calls.length, fetches]).toEqual([checked, 1]);
      // The identity provider rotated its key meanwhile; once the set is 10 minutes old the token is checked again.
      served = await keySet(rotated.publicKey, 'new');
      clock.mockReturnValue(T0 + 600_000);
      const error = await failure(authenticateCaller(`Bearer ${token}`, verification));
      expect([error.status, error.code, error.message, fetches]).toEqual([401, 'invalid_token', 'The bearer token is invalid or expired.', 2]);
      expect(error.cause).toBeInstanceOf(joseErrors.JWKSNoMatchingKey);
    } finally {
      clock.mockRestore();
    }
  });

  test('a token whose verification ends as its key set turns 10 minutes old is not remembered', async () => {
    const clock = jest.spyOn(Date, 'now').mockReturnValue(T0);
    try {
      const verification = { key: { kind: 'jwks' as const, url: new URL(`${base}/turning.json`) }, issuer: undefined, audience: undefined, currentDate };
      const token = await signed(old.privateKey, 'old', 'cy');
      const actual = jest.requireActual<typeof import('jose')>('jose').jwtVerify as (...args: unknown[]) => Promise<unknown>;
      // The signature is checked with the set fetched at T0; the clock reaches T0 + 10 min before the result is remembered.
      signatureChecks.mockImplementationOnce((async (...args: unknown[]) => {
        const result = await actual(...args);
        clock.mockReturnValue(T0 + 600_000);
        return result;
      }) as typeof jwtVerify);
      await expect(authenticateCaller(`Bearer ${token}`, verification)).resolves.toEqual({ sub: 'cy' });
      served = await keySet(rotated.publicKey, 'new');
      const error = await failure(authenticateCaller(`Bearer ${token}`, verification));
      expect([error.status, error.code, fetches]).toEqual([401, 'invalid_token', 2]);
    } finally {
      clock.mockRestore();
    }
  });

  test('a refetch for a new key forgets the tokens verified against the previous key set', async () => {
    const clock = jest.spyOn(Date, 'now').mockReturnValue(T0);
    try {
      const verification = { key: { kind: 'jwks' as const, url: new URL(`${base}/rotation.json`) }, issuer: undefined, audience: undefined, currentDate };
      const before = await signed(old.privateKey, 'old', 'ann');
      await expect(authenticateCaller(`Bearer ${before}`, verification)).resolves.toEqual({ sub: 'ann' });
      served = await keySet(rotated.publicKey, 'new');
      // Past jose's 30 s cooldown, a token with an unknown kid makes it fetch the set again.
      clock.mockReturnValue(T0 + 31_000);
      await expect(authenticateCaller(`Bearer ${await signed(rotated.privateKey, 'new', 'bea')}`, verification)).resolves.toEqual({ sub: 'bea' });
      const error = await failure(authenticateCaller(`Bearer ${before}`, verification));
      expect([error.status, error.code, fetches]).toEqual([401, 'invalid_token', 2]);
    } finally {
      clock.mockRestore();
    }
  });
});
