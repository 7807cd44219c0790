// A missing or malformed environment variable, or a Verify service set beyond the standards' TOTP bounds: the caller gets
// a generic 500, the log one line naming the variable or the setting (never a secret's value). A key set that cannot be
// fetched is told apart from a bad token: 502/503 and a log line, never a silent 401.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { errorOf, startFunctionsHarness, type FunctionsHarness } from '../helpers/functions';
import { factorsInVerify, setServiceTiming } from '../helpers/state';
import { captureErrorLog } from '../helpers/log-capture';

let harness: FunctionsHarness;

beforeAll(async () => {
  harness = await startFunctionsHarness();
});
afterAll(async () => {
  await harness.close();
});
/** The Functions' log lines: the one line naming the variable, read by the tests and kept out of their output. */
const log = captureErrorLog();

/**
 * The runtime hands each invocation the environment as it is at that moment (as after a redeploy with changed
 * variables), so a case edits the running stack's environment and restores it afterwards.
 */
async function withEnv<T>(changes: Record<string, string>, run: () => Promise<T>): Promise<T> {
  const saved = { ...harness.env };
  Object.assign(harness.env, changes);
  try {
    return await run();
  } finally {
    for (const name of Object.keys(changes)) {
      if (saved[name] === undefined) delete harness.env[name];
      else harness.env[name] = saved[name];
    }
  }
}

const SECRET_LOOKING = 'this-value-must-never-appear-in-any-log-line';

test.each([
  ['IDENTITY_SECRET unset', { IDENTITY_SECRET: '' }, 'IDENTITY_SECRET is not set'],
  ['IDENTITY_SECRET too short', { IDENTITY_SECRET: 'short' }, 'IDENTITY_SECRET is shorter than 32 characters'],
  ['RECOVERY_CODE_SECRET unset', { RECOVERY_CODE_SECRET: '' }, 'RECOVERY_CODE_SECRET is not set (run `npm run setup` to generate it)'],
  ['RECOVERY_CODE_SECRET equal to IDENTITY_SECRET', { RECOVERY_CODE_SECRET: 'identity' }, 'RECOVERY_CODE_SECRET must differ from IDENTITY_SECRET'],
  ['VERIFY_SERVICE_SID malformed', { VERIFY_SERVICE_SID: SECRET_LOOKING }, 'VERIFY_SERVICE_SID is not a VA'],
  ['neither APPROVAL_SIGNING_SECRET nor APPROVAL_SIGNING_KEY', { APPROVAL_SIGNING_SECRET: '' }, 'APPROVAL_SIGNING_KEY is not set (set it or APPROVAL_SIGNING_SECRET)'],
  ['both APPROVAL_SIGNING_SECRET and APPROVAL_SIGNING_KEY', { APPROVAL_SIGNING_KEY: SECRET_LOOKING }, 'APPROVAL_SIGNING_SECRET and APPROVAL_SIGNING_KEY are both set'],
  ['APPROVAL_SIGNING_KEY not a key', { APPROVAL_SIGNING_SECRET: '', APPROVAL_SIGNING_KEY: SECRET_LOOKING }, 'APPROVAL_SIGNING_KEY is not an EC P-256 private key'],
  ['finding 1: AUTH_JWKS_URL without AUTH_AUDIENCE', { AUTH_JWT_SECRET: '', AUTH_JWKS_URL: 'https://id.example.com/jwks.json' }, 'AUTH_AUDIENCE is not set (required with AUTH_JWKS_URL)'],
  ['finding 1: AUTH_JWKS_URL without AUTH_ISSUER', { AUTH_JWT_SECRET: '', AUTH_JWKS_URL: 'https://id.example.com/jwks.json', AUTH_AUDIENCE: 'x' }, 'AUTH_ISSUER is not set (required with AUTH_JWKS_URL)'],
  ['AUTH_MAX_TOKEN_LIFETIME_SECONDS above 30 days', { AUTH_MAX_TOKEN_LIFETIME_SECONDS: '2592001' }, 'AUTH_MAX_TOKEN_LIFETIME_SECONDS must be between 60 and 2592000'],
  ['APPROVAL_SIGNING_SECRET equal to AUTH_JWT_SECRET', { APPROVAL_SIGNING_SECRET: 'same' }, 'APPROVAL_SIGNING_SECRET must differ from AUTH_JWT_SECRET'],
  ['both AUTH_JWT_SECRET and AUTH_JWKS_URL', { AUTH_JWKS_URL: 'https://id.example.com/jwks.json' }, 'AUTH_JWT_SECRET and AUTH_JWKS_URL are both set'],
  ['AUTH_JWKS_URL over plain http to a remote host', { AUTH_JWT_SECRET: '', AUTH_JWKS_URL: 'http://id.example.com/jwks' }, 'AUTH_JWKS_URL must use https'],
  ['APPROVAL_TOKEN_TTL_SECONDS above 600', { APPROVAL_TOKEN_TTL_SECONDS: '601' }, 'APPROVAL_TOKEN_TTL_SECONDS must be between 1 and 600'],
  ['APPROVAL_TOKEN_TTL_SECONDS not a number', { APPROVAL_TOKEN_TTL_SECONDS: SECRET_LOOKING }, 'APPROVAL_TOKEN_TTL_SECONDS is not a whole number'],
  ['VERIFY_TIMEOUT_MS above the 10 s budget', { VERIFY_TIMEOUT_MS: '20000' }, 'VERIFY_TIMEOUT_MS must be between'],
  ['ALLOWED_ORIGINS with a wildcard', { ALLOWED_ORIGINS: '*' }, 'ALLOWED_ORIGINS must list exact origins'],
  ['ALLOWED_ORIGINS with a path', { ALLOWED_ORIGINS: 'https://app.example.com/login' }, 'ALLOWED_ORIGINS must list exact origins'],
  ['EMULATOR_URL not a URL', { EMULATOR_URL: SECRET_LOOKING }, 'EMULATOR_URL is not an http(s) URL'],
  ['SYNC_SERVICE_SID malformed', { SYNC_SERVICE_SID: SECRET_LOOKING }, 'SYNC_SERVICE_SID is not an IS'],
  ['LOCKOUT_THRESHOLD above NIST\'s 100', { LOCKOUT_THRESHOLD: '1000' }, 'LOCKOUT_THRESHOLD must be between 1 and 100'],
  ['LOCKOUT_MAX_SECONDS below LOCKOUT_BASE_SECONDS', { LOCKOUT_BASE_SECONDS: '600', LOCKOUT_MAX_SECONDS: '60' }, 'LOCKOUT_MAX_SECONDS must not be below'],
  ['STUDIO_HIDE_ENROLLMENT not a boolean', { STUDIO_HIDE_ENROLLMENT: SECRET_LOOKING }, 'STUDIO_HIDE_ENROLLMENT must be true or false'],
])('%s → generic 500, log names the variable', async (_name, changes, logLine) => {
  const answer = await withEnv(
    Object.fromEntries(
      Object.entries(changes).map(([name, value]) => [name, value === 'same' ? harness.env.AUTH_JWT_SECRET ?? '' : value === 'identity' ? harness.env.IDENTITY_SECRET ?? '' : value]),
    ),
    async () => harness.post('/list-factors', {}, { token: await harness.token('config-user') }),
  );
  expect(answer.status).toBe(500);
  expect(errorOf(answer)).toEqual({ code: 'internal_error', message: 'Something went wrong on our side.' });
  expect(log.lines).toHaveLength(1);
  expect(log.lines[0]).toContain(logLine);
  expect(log.lines[0]).not.toContain(SECRET_LOOKING);
  expect(log.lines[0]).not.toContain(harness.env.AUTH_JWT_SECRET);
  expect(answer.text).not.toMatch(/IDENTITY|VERIFY|APPROVAL|AUTH_|ALLOWED/);
});

test('with the environment restored, the same request works again', async () => {
  const answer = await harness.post('/list-factors', {}, { token: await harness.token('config-user') });
  expect(answer.status).toBe(200);
  expect(log.lines).toEqual([]);
});

describe('issue 14: a wrong AUTH_JWKS_URL is a 502/503 with a log line, not a silent 401 for every caller', () => {
  let server: Server;
  let base: string;

  beforeAll(async () => {
    server = createServer((req, res) => {
      if (req.url === '/html') res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>Sign in</title>');
      else res.writeHead(404, { 'content-type': 'text/plain' }).end('Not Found');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  /** A well-formed RS256-labelled token: the key set fails before its signature matters. */
  function providerLookingToken(): string {
    const part = (value: object): string => Buffer.from(JSON.stringify(value)).toString('base64url');
    return `${part({ alg: 'RS256', kid: 'k1' })}.${part({ sub: 'jwks-user', exp: Math.floor(Date.now() / 1000) + 300 })}.c2lnbmF0dXJl`;
  }

  test.each([
    ['answers 404', '/missing', 502, /AUTH_JWKS_URL did not answer 200 with a JSON Web Key Set/],
    ['answers 200 with a page that is not JSON', '/html', 502, /AUTH_JWKS_URL did not answer 200 with a JSON Web Key Set/],
  ])('a JWKS URL that %s → %s auth_keys_unavailable and one log line', async (_name, path, status, line) => {
    const token = providerLookingToken();
    const answer = await withEnv(
      { AUTH_JWT_SECRET: '', AUTH_JWKS_URL: `${base}${path}`, AUTH_ISSUER: 'https://id.example.com/', AUTH_AUDIENCE: 'totp-kit' },
      () => harness.post('/list-factors', {}, { token }),
    );
    expect([answer.status, errorOf(answer).code]).toEqual([status, 'auth_keys_unavailable']);
    expect(answer.headers.get('www-authenticate')).toBeNull();
    expect(log.lines).toEqual([expect.stringMatching(line)]);
    expect(log.lines[0]).toMatch(/^\[totp-functions\] list-factors: auth_keys_unavailable \(/);
    expect(log.lines[0]).not.toContain(token.slice(0, 20));
  });

  test('a JWKS URL nobody answers at → 503 auth_keys_unavailable with Retry-After, and one log line', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(closed.address() as AddressInfo).port}/jwks.json`;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const answer = await withEnv(
      { AUTH_JWT_SECRET: '', AUTH_JWKS_URL: url, AUTH_ISSUER: 'https://id.example.com/', AUTH_AUDIENCE: 'totp-kit' },
      () => harness.post('/list-factors', {}, { token: providerLookingToken() }),
    );
    expect([answer.status, errorOf(answer).code, answer.headers.get('retry-after')]).toEqual([503, 'auth_keys_unavailable', '5']);
    expect(log.lines).toEqual([expect.stringContaining('list-factors: auth_keys_unavailable (AUTH_JWKS_URL could not be reached (ECONNREFUSED))')]);
  });
});

describe('the Verify service’s TOTP settings (OWASP ASVS 6.5.5, RFC 6238 §5.2)', () => {
  afterEach(async () => {
    await setServiceTiming(harness, { timeStep: 30, skew: 1 });
  });

  test.each([
    ['a time step of 60 s', { timeStep: 60, skew: 1 }, 'a time step of 60 s is longer than the 30 s OWASP ASVS 6.5.5 allows a TOTP code to live'],
    ['a skew of 2', { timeStep: 30, skew: 2 }, 'a skew of 2 steps accepts codes more than the 1 step either side RFC 6238 §5.2 recommends'],
  ])('%s: /create-factor hands out no secret, keeps no factor, says why in the log, and lets the retry through', async (_name, timing, reason) => {
    await setServiceTiming(harness, timing);
    const token = await harness.token(`timing-user-${timing.timeStep}-${timing.skew}`);
    const answer = await harness.post('/create-factor', {}, { token });
    expect([answer.status, errorOf(answer).code]).toEqual([500, 'internal_error']);
    expect(answer.text).not.toContain('secret');
    expect(log.lines).toEqual([expect.stringContaining(`create-factor: internal_error (the Verify service's new factors: ${reason}; run \`npm run setup -- --time-step 30 --skew 1\`)`)]);
    expect(await factorsInVerify(harness, `timing-user-${timing.timeStep}-${timing.skew}`)).toEqual([]);
    // The hold was released (no 409), and once the operator fixed the service the set-up goes on.
    await setServiceTiming(harness, { timeStep: 30, skew: 1 });
    expect((await harness.post('/create-factor', {}, { token })).status).toBe(201);
  });

  test('at the bounds (30 s, skew 1; 20 s, skew 0) the set-up goes on', async () => {
    for (const [index, timing] of [{ timeStep: 30, skew: 1 }, { timeStep: 20, skew: 0 }].entries()) {
      await setServiceTiming(harness, timing);
      const answer = await harness.post('/create-factor', {}, { token: await harness.token(`bounds-user-${index}`) });
      expect([answer.status, (answer.json as { config: { period: number; skew: number } }).config]).toEqual([201, expect.objectContaining({ period: timing.timeStep, skew: timing.skew })]);
    }
    expect(log.lines).toEqual([]);
  });
});
