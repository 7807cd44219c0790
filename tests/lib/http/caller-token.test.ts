// lib/http/caller-token.ts in-process: the bearer header, the token's algorithm, subject, issuer, audience and time rules (at their
// exact boundaries), the verified-token memory, and key sets served by a local JWKS server.
import { createSecretKey, generateKeyPairSync, sign as rsaSign, type KeyObject } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { errors as joseErrors, exportJWK, generateKeyPair, SignJWT, type JWTPayload, type KeyLike } from 'jose';
import { authenticateCaller, type CallerVerification } from '../../../lib/http/caller-token';
import type { CallerKeySource } from '../../../lib/http/caller-token';
import { KitError } from '../../../lib/http/kit-error';
import { rejectionOf } from '../../helpers/rejection';

const encode = (text: string): KeyObject => createSecretKey(Buffer.from(text));
/** Far from the machine's clock, so a rule that used the real time instead of `currentDate` would fail. */
const NOW = new Date('2041-06-07T08:09:10Z');
const NOW_SECONDS = NOW.getTime() / 1000;
const HEADER_MESSAGE = 'The Authorization header must be "Bearer <token>".';
const TOKEN_MESSAGE = 'The bearer token is invalid or expired.';

const refusal = (promise: Promise<unknown>): Promise<KitError> => rejectionOf(promise, KitError);

async function hs256(secret: KeyObject, claims: JWTPayload, alg = 'HS256'): Promise<string> {
  return new SignJWT(claims).setProtectedHeader({ alg }).sign(secret);
}

describe('with a shared HS256 secret', () => {
  let source: { kind: 'secret'; secret: KeyObject };
  let verification: CallerVerification;
  let tokens = 0;

  /** A valid token for a fresh subject (fresh tokens never come from the verified-token memory). */
  async function token(claims: JWTPayload = {}, secret = source.secret): Promise<string> {
    tokens += 1;
    return hs256(secret, { sub: `user-${tokens}`, iat: NOW_SECONDS, exp: NOW_SECONDS + 60, ...claims });
  }

  beforeEach(() => {
    // A new key source per test: the memory of verified tokens is per key source.
    source = { kind: 'secret', secret: encode('caller-secret-0123456789abcdefghij') };
    verification = { key: source, issuer: undefined, audience: undefined, currentDate: NOW };
  });

  describe('the Authorization header (RFC 6750 §2.1)', () => {
    test('no header is 401 missing_token', async () => {
      const error = await refusal(authenticateCaller(undefined, verification));
      expect([error.status, error.code, error.message]).toEqual([401, 'missing_token', 'An Authorization: Bearer token is required.']);
    });

    test.each([
      ['an empty header', ''],
      ['another scheme', 'Basic dXNlcjpwYXNz'],
      ['the scheme alone', 'Bearer'],
      ['the scheme and a space', 'Bearer '],
      ['no space after the scheme', 'Bearerabc.def.ghi'],
      ['two tokens', 'Bearer abc.def ghi.jkl'],
      ['a comma in the token', 'Bearer abc,def'],
      ['text before the scheme', 'x Bearer abc.def.ghi'],
      ['padding inside the token', 'Bearer abc=def'],
    ])('%s is 401 invalid_token about the header', async (_what, header) => {
      const error = await refusal(authenticateCaller(header, verification));
      expect([error.status, error.code, error.message]).toEqual([401, 'invalid_token', HEADER_MESSAGE]);
    });

    test('a header that is not one string (a repeated header, a number) is refused the same way', async () => {
      const valid = await token();
      for (const header of [[`Bearer ${valid}`], 42, null]) {
        const error = await refusal(authenticateCaller(header, verification));
        expect([error.code, error.message]).toEqual(['invalid_token', HEADER_MESSAGE]);
      }
    });

    test('the scheme in any case, several spaces, trailing spaces and b64 padding are accepted', async () => {
      for (const format of ['bearer %', 'BEARER %', 'Bearer   %', 'Bearer %  ']) {
        const valid = await token();
        await expect(authenticateCaller(format.replace('%', valid), verification)).resolves.toEqual({ sub: `user-${tokens}` });
      }
      // A token character set of RFC 6750 (b64token), trailing "=" allowed: refused for its signature, not its form.
      expect((await refusal(authenticateCaller('Bearer a-b.c_d~e+f/g==', verification))).message).toBe(TOKEN_MESSAGE);
    });

    test('a token of 8192 characters is read; one of 8193 is refused before any verification', async () => {
      let exact: string | undefined;
      for (let pad = 6000; exact === undefined && pad < 6200; pad += 1) {
        const candidate = await hs256(source.secret, { sub: 'long', iat: NOW_SECONDS, exp: NOW_SECONDS + 60, pad: 'x'.repeat(pad) });
        if (candidate.length === 8192) exact = candidate;
      }
      if (exact === undefined) throw new Error('no token of exactly 8192 characters');
      await expect(authenticateCaller(`Bearer ${exact}`, verification)).resolves.toEqual({ sub: 'long' });
      const error = await refusal(authenticateCaller(`Bearer ${exact}A`, verification));
      expect(error.message).toBe(HEADER_MESSAGE);
    });
  });

  describe('the token', () => {
    test('a valid token answers its subject', async () => {
      await expect(authenticateCaller(`Bearer ${await token({ sub: 'dana' })}`, verification)).resolves.toEqual({ sub: 'dana' });
    });

    test.each<[string, JWTPayload]>([
      ['no subject', { sub: undefined }],
      ['an empty subject', { sub: '' }],
      ['a subject of 257 characters', { sub: 's'.repeat(257) }],
      ['a numeric subject', { sub: 42 as unknown as string }],
      ['no expiry', { exp: undefined }],
    ])('%s is 401 invalid_token', async (_what, claims) => {
      const error = await refusal(authenticateCaller(`Bearer ${await token(claims)}`, verification));
      expect([error.status, error.code, error.message]).toEqual([401, 'invalid_token', TOKEN_MESSAGE]);
    });

    test('the lifetime cap allows exactly 5 s of tolerance: iat + 24 h + 5 s is accepted, one second more is not', async () => {
      await expect(authenticateCaller(`Bearer ${await token({ sub: 'cap', iat: NOW_SECONDS, exp: NOW_SECONDS + 86_405 })}`, verification)).resolves.toEqual({ sub: 'cap' });
      const error = await refusal(authenticateCaller(`Bearer ${await token({ iat: NOW_SECONDS, exp: NOW_SECONDS + 86_406 })}`, verification));
      expect([error.status, error.code, error.message]).toEqual([401, 'invalid_token', TOKEN_MESSAGE]);
    });

    test('a subject of 256 characters is accepted', async () => {
      const sub = 's'.repeat(256);
      await expect(authenticateCaller(`Bearer ${await token({ sub })}`, verification)).resolves.toEqual({ sub });
    });

    test('only HS256: the same secret with HS384/HS512 is refused, and so is an unsigned token', async () => {
      for (const alg of ['HS384', 'HS512']) {
        const error = await refusal(authenticateCaller(`Bearer ${await hs256(source.secret, { sub: 'x', exp: NOW_SECONDS + 60 }, alg)}`, verification));
        expect(error.code).toBe('invalid_token');
        expect(error.cause).toBeInstanceOf(joseErrors.JOSEAlgNotAllowed);
      }
      const header = Buffer.from(JSON.stringify({ alg: 'none' })).toString('base64url');
      const payload = Buffer.from(JSON.stringify({ sub: 'x', exp: NOW_SECONDS + 60 })).toString('base64url');
      expect((await refusal(authenticateCaller(`Bearer ${header}.${payload}.`, verification))).code).toBe('invalid_token');
    });

    test('a token signed with another secret is refused', async () => {
      const forged = await token({}, encode('attacker-secret-0123456789abcdefghij'));
      const error = await refusal(authenticateCaller(`Bearer ${forged}`, verification));
      expect(error.code).toBe('invalid_token');
      expect(error.cause).toBeInstanceOf(joseErrors.JWSSignatureVerificationFailed);
    });

    test('issuer and audience, when configured, must match', async () => {
      const strict = { ...verification, issuer: 'https://host.example', audience: 'totp' };
      const good = await token({ iss: 'https://host.example', aud: 'totp' });
      await expect(authenticateCaller(`Bearer ${good}`, strict)).resolves.toEqual({ sub: `user-${tokens}` });
      for (const claims of [{ iss: 'https://other.example', aud: 'totp' }, { iss: 'https://host.example', aud: 'other' }, {}]) {
        const error = await refusal(authenticateCaller(`Bearer ${await token(claims)}`, strict));
        expect(error.cause).toBeInstanceOf(joseErrors.JWTClaimValidationFailed);
      }
      // Not configured: any issuer and audience.
      await expect(authenticateCaller(`Bearer ${await token({ iss: 'anyone', aud: 'anything' })}`, verification)).resolves.toBeDefined();
    });
  });

  describe('time rules, with 5 s of tolerance', () => {
    const at = (seconds: number): CallerVerification => ({ ...verification, currentDate: new Date(NOW.getTime() + seconds * 1000) });

    test('expired once exp <= now - 5 s, on first verification and from memory alike', async () => {
      const fresh1 = await token({ exp: NOW_SECONDS });
      await expect(authenticateCaller(`Bearer ${fresh1}`, at(4))).resolves.toBeDefined();
      const fresh2 = await token({ exp: NOW_SECONDS });
      const expired = await refusal(authenticateCaller(`Bearer ${fresh2}`, at(5)));
      expect(expired.cause).toBeInstanceOf(joseErrors.JWTExpired);
      // fresh1 is remembered now: the same boundary holds.
      await expect(authenticateCaller(`Bearer ${fresh1}`, at(4))).resolves.toBeDefined();
      expect((await refusal(authenticateCaller(`Bearer ${fresh1}`, at(5)))).code).toBe('invalid_token');
    });

    test('not yet valid while nbf > now + 5 s, on first verification and from memory alike', async () => {
      const early1 = await token({ nbf: NOW_SECONDS + 5 });
      await expect(authenticateCaller(`Bearer ${early1}`, at(0))).resolves.toBeDefined();
      const early2 = await token({ nbf: NOW_SECONDS + 6 });
      expect((await refusal(authenticateCaller(`Bearer ${early2}`, at(0)))).code).toBe('invalid_token');
      await expect(authenticateCaller(`Bearer ${early2}`, at(1))).resolves.toBeDefined();
      // early2 is remembered now, yet one second earlier it is still refused.
      expect((await refusal(authenticateCaller(`Bearer ${early2}`, at(0)))).code).toBe('invalid_token');
    });

    test('without currentDate the rules use the real time', async () => {
      const now = Math.floor(Date.now() / 1000);
      const live = await hs256(source.secret, { sub: 'real-time', iat: now, exp: now + 60 });
      await expect(authenticateCaller(`Bearer ${live}`, { key: source, issuer: undefined, audience: undefined })).resolves.toEqual({ sub: 'real-time' });
      const dead = await hs256(source.secret, { sub: 'real-time', iat: now - 120, exp: now - 60 });
      expect((await refusal(authenticateCaller(`Bearer ${dead}`, { key: source, issuer: undefined, audience: undefined }))).code).toBe('invalid_token');
    });
  });

  describe('the memory of verified tokens', () => {
    /** Swapping the secret inside the same key source: remembered tokens still pass, others are verified with the new key. */
    function rotateInPlace(): void {
      source.secret = encode('rotated-secret-0123456789abcdefghijk');
    }
    const at = (seconds: number): CallerVerification => ({ ...verification, currentDate: new Date(NOW.getTime() + seconds * 1000) });

    test('a remembered token is answered from memory up to the same time boundaries as a fresh one', async () => {
      const remembered = await token({ exp: NOW_SECONDS + 60, nbf: NOW_SECONDS + 10 });
      await authenticateCaller(`Bearer ${remembered}`, at(30));
      // Only the memory can accept it now: a fresh verification would use the rotated key.
      rotateInPlace();
      await expect(authenticateCaller(`Bearer ${remembered}`, at(5))).resolves.toBeDefined();
      await expect(authenticateCaller(`Bearer ${remembered}`, at(64))).resolves.toBeDefined();
      expect((await refusal(authenticateCaller(`Bearer ${remembered}`, at(4)))).code).toBe('invalid_token');
      expect((await refusal(authenticateCaller(`Bearer ${remembered}`, at(65)))).code).toBe('invalid_token');
    });

    test('a verified token is remembered per token, answering its own subject', async () => {
      const alice = await token({ sub: 'alice' });
      const bob = await token({ sub: 'bob' });
      await expect(authenticateCaller(`Bearer ${alice}`, verification)).resolves.toEqual({ sub: 'alice' });
      await expect(authenticateCaller(`Bearer ${bob}`, verification)).resolves.toEqual({ sub: 'bob' });
      rotateInPlace();
      await expect(authenticateCaller(`Bearer ${alice}`, verification)).resolves.toEqual({ sub: 'alice' });
      await expect(authenticateCaller(`Bearer ${bob}`, verification)).resolves.toEqual({ sub: 'bob' });
      const unseen = await token({ sub: 'carol' }, encode('caller-secret-0123456789abcdefghij'));
      expect((await refusal(authenticateCaller(`Bearer ${unseen}`, verification))).code).toBe('invalid_token');
    });

    test('a remembered token is checked again under another issuer or audience', async () => {
      const remembered = await token({ sub: 'erin' });
      await authenticateCaller(`Bearer ${remembered}`, verification);
      expect((await refusal(authenticateCaller(`Bearer ${remembered}`, { ...verification, issuer: 'https://required.example' }))).code).toBe(
        'invalid_token',
      );
      expect((await refusal(authenticateCaller(`Bearer ${remembered}`, { ...verification, audience: 'required' }))).code).toBe('invalid_token');
    });

    test('at most 200 tokens are remembered: the oldest is forgotten first', async () => {
      const first = await token();
      await authenticateCaller(`Bearer ${first}`, verification);
      const second = await token();
      await authenticateCaller(`Bearer ${second}`, verification);
      for (let i = 0; i < 199; i += 1) await authenticateCaller(`Bearer ${await token()}`, verification);
      rotateInPlace();
      // 201 tokens went through: the first was forgotten, the second is the oldest remembered.
      expect((await refusal(authenticateCaller(`Bearer ${first}`, verification))).code).toBe('invalid_token');
      await expect(authenticateCaller(`Bearer ${second}`, verification)).resolves.toBeDefined();
    });
  });
});

describe('with a JWKS', () => {
  let server: Server;
  let base: string;
  let fetches: Record<string, number> = {};
  type KeyPair = Awaited<ReturnType<typeof generateKeyPair>>;
  let rsa: KeyPair;
  let ec: KeyPair;
  let pss: KeyPair;
  let jwks: string;
  // An identity provider publishing an RSA key under 2048 bits: jose refuses to use it, with a plain TypeError.
  const short = generateKeyPairSync('rsa', { modulusLength: 1024 });

  beforeAll(async () => {
    rsa = await generateKeyPair('RS256');
    ec = await generateKeyPair('ES256');
    pss = await generateKeyPair('PS256');
    jwks = JSON.stringify({
      keys: [
        { ...(await exportJWK(rsa.publicKey)), kid: 'rsa', alg: 'RS256', use: 'sig' },
        { ...(await exportJWK(ec.publicKey)), kid: 'ec', alg: 'ES256', use: 'sig' },
        { ...(await exportJWK(pss.publicKey)), kid: 'pss', alg: 'PS256', use: 'sig' },
      ],
    });
    server = createServer((req, res) => {
      fetches[req.url ?? ''] = (fetches[req.url ?? ''] ?? 0) + 1;
      if (req.url?.startsWith('/short')) {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ keys: [{ ...short.publicKey.export({ format: 'jwk' }), kid: 'short', alg: 'RS256', use: 'sig' }] }));
        return;
      }
      if (req.url?.startsWith('/garbage')) {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{"keys": "not a list"}');
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(jwks);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  beforeEach(() => {
    fetches = {};
  });

  const at = (path: string): CallerVerification => ({
    key: { kind: 'jwks', url: new URL(`${base}${path}`) } satisfies CallerKeySource,
    issuer: undefined,
    audience: undefined,
    currentDate: NOW,
  });

  async function signed(alg: string, kid: string, key: KeyLike, sub: string): Promise<string> {
    return new SignJWT({ sub, iat: NOW_SECONDS, exp: NOW_SECONDS + 60 }).setProtectedHeader({ alg, kid }).sign(key);
  }

  test('RS256 and ES256 tokens are accepted; the key set is fetched once per URL', async () => {
    await expect(authenticateCaller(`Bearer ${await signed('RS256', 'rsa', rsa.privateKey, 'r')}`, at('/once.json'))).resolves.toEqual({ sub: 'r' });
    await expect(authenticateCaller(`Bearer ${await signed('ES256', 'ec', ec.privateKey, 'e')}`, at('/once.json'))).resolves.toEqual({ sub: 'e' });
    expect(fetches).toEqual({ '/once.json': 1 });
  });

  test('other algorithms are refused: PS256 from the same key set, HS256 with the shared-secret path', async () => {
    const ps = await refusal(authenticateCaller(`Bearer ${await signed('PS256', 'pss', pss.privateKey, 'p')}`, at('/keys.json')));
    expect([ps.code, ps.cause instanceof joseErrors.JOSEAlgNotAllowed]).toEqual(['invalid_token', true]);
    const hs = await refusal(authenticateCaller(`Bearer ${await hs256(encode('s'.repeat(32)), { sub: 'h', exp: NOW_SECONDS + 60 })}`, at('/keys.json')));
    expect(hs.code).toBe('invalid_token');
  });

  test('each key-set failure has its own answer, none of them a 401', async () => {
    const token = await signed('RS256', 'rsa', rsa.privateKey, 'k');
    const garbage = await refusal(authenticateCaller(`Bearer ${token}`, at('/garbage.json')));
    expect([garbage.status, garbage.code, garbage.message]).toEqual([502, 'auth_keys_unavailable', 'The identity provider answered with unusable keys.']);
    // The log line says which part failed; the caller's message does not.
    expect([garbage.retryAfterSeconds, garbage.logDetail]).toEqual([undefined, 'AUTH_JWKS_URL answered JSON that is not a JSON Web Key Set']);

    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const url = new URL(`http://127.0.0.1:${(closed.address() as AddressInfo).port}/jwks.json`);
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const unreachable = await refusal(authenticateCaller(`Bearer ${token}`, { key: { kind: 'jwks', url }, issuer: undefined, audience: undefined }));
    expect([unreachable.status, unreachable.code, unreachable.message]).toEqual([
      503,
      'auth_keys_unavailable',
      'The identity provider could not be reached; try again.',
    ]);
    expect(unreachable.logDetail).toBe('AUTH_JWKS_URL could not be reached (ECONNREFUSED)');
    expect(unreachable.retryAfterSeconds).toBeGreaterThan(0);
  });

  test('a key set whose RSA key is under 2048 bits is 502 auth_keys_unavailable, not a 500', async () => {
    // jose will not sign with such a key either, so the token is signed by hand.
    const b64url = (data: string | Buffer): string => Buffer.from(data).toString('base64url');
    const signingInput = `${b64url(JSON.stringify({ alg: 'RS256', kid: 'short' }))}.${b64url(JSON.stringify({ sub: 's', exp: NOW_SECONDS + 60 }))}`;
    const token = `${signingInput}.${b64url(rsaSign('sha256', Buffer.from(signingInput), short.privateKey))}`;
    const error = await refusal(authenticateCaller(`Bearer ${token}`, at('/short.json')));
    expect([error.status, error.code, error.message, error.retryAfterSeconds]).toEqual([502, 'auth_keys_unavailable', 'The identity provider answered with unusable keys.', undefined]);
    expect(error.logDetail).toBe('AUTH_JWKS_URL serves a key that cannot verify tokens (RS256 requires key modulusLength to be 2048 bits or larger)');
  });

  test('a key set that does not answer within 3 s is 503 auth_keys_unavailable (this test waits those 3 s)', async () => {
    // Its own server, so the request gets a new connection (a kept-alive one would bring its own idle time). It answers
    // after 4 s: later than the kit's 3 s limit, sooner than jose's own 5 s default.
    const slow = createServer((_req, res) => {
      const timer = setTimeout(() => res.writeHead(200, { 'content-type': 'application/json' }).end(jwks), 4000);
      res.on('close', () => clearTimeout(timer));
    });
    await new Promise<void>((resolve) => slow.listen(0, '127.0.0.1', resolve));
    try {
      const url = new URL(`http://127.0.0.1:${(slow.address() as AddressInfo).port}/jwks.json`);
      const token = await signed('RS256', 'rsa', rsa.privateKey, 't');
      const error = await refusal(authenticateCaller(`Bearer ${token}`, { key: { kind: 'jwks', url }, issuer: undefined, audience: undefined }));
      expect([error.status, error.code, error.message]).toEqual([503, 'auth_keys_unavailable', 'The identity provider could not be reached; try again.']);
      expect(error.logDetail).toBe('AUTH_JWKS_URL did not answer within 3000 ms');
    } finally {
      slow.closeAllConnections();
      await new Promise<void>((resolve) => slow.close(() => resolve()));
    }
  });
});
