// A missing or malformed environment variable: the caller gets a generic 500, the log one line naming the variable (never its value).
import { errorOf, startFunctionsHarness, type FunctionsHarness } from '../helpers/functions';

let harness: FunctionsHarness;
let logged: string[];

beforeAll(async () => {
  harness = await startFunctionsHarness();
});
afterAll(async () => {
  await harness.close();
});
beforeEach(() => {
  logged = [];
  jest.spyOn(console, 'error').mockImplementation((line: unknown) => {
    logged.push(String(line));
  });
});
afterEach(() => {
  jest.restoreAllMocks();
});

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
  ['VERIFY_SERVICE_SID malformed', { VERIFY_SERVICE_SID: SECRET_LOOKING }, 'VERIFY_SERVICE_SID is not a VA'],
  ['APPROVAL_SIGNING_SECRET unset', { APPROVAL_SIGNING_SECRET: '' }, 'APPROVAL_SIGNING_SECRET is not set'],
  ['APPROVAL_SIGNING_SECRET equal to AUTH_JWT_SECRET', { APPROVAL_SIGNING_SECRET: 'same' }, 'APPROVAL_SIGNING_SECRET must differ from AUTH_JWT_SECRET'],
  ['both AUTH_JWT_SECRET and AUTH_JWKS_URL', { AUTH_JWKS_URL: 'https://id.example.com/jwks.json' }, 'AUTH_JWT_SECRET and AUTH_JWKS_URL are both set'],
  ['AUTH_JWKS_URL over plain http to a remote host', { AUTH_JWT_SECRET: '', AUTH_JWKS_URL: 'http://id.example.com/jwks' }, 'AUTH_JWKS_URL must use https'],
  ['APPROVAL_TOKEN_TTL_SECONDS above 600', { APPROVAL_TOKEN_TTL_SECONDS: '601' }, 'APPROVAL_TOKEN_TTL_SECONDS must be between 1 and 600'],
  ['APPROVAL_TOKEN_TTL_SECONDS not a number', { APPROVAL_TOKEN_TTL_SECONDS: SECRET_LOOKING }, 'APPROVAL_TOKEN_TTL_SECONDS is not a whole number'],
  ['VERIFY_TIMEOUT_MS above the 10 s budget', { VERIFY_TIMEOUT_MS: '20000' }, 'VERIFY_TIMEOUT_MS must be between'],
  ['ALLOWED_ORIGINS with a wildcard', { ALLOWED_ORIGINS: '*' }, 'ALLOWED_ORIGINS must list exact origins'],
  ['ALLOWED_ORIGINS with a path', { ALLOWED_ORIGINS: 'https://app.example.com/login' }, 'ALLOWED_ORIGINS must list exact origins'],
  ['VERIFY_EMULATOR_URL not a URL', { VERIFY_EMULATOR_URL: SECRET_LOOKING }, 'VERIFY_EMULATOR_URL is not an http(s) URL'],
  ['SYNC_SERVICE_SID malformed', { SYNC_SERVICE_SID: SECRET_LOOKING }, 'SYNC_SERVICE_SID is not an IS'],
  ['LOCKOUT_THRESHOLD above NIST\'s 100', { LOCKOUT_THRESHOLD: '1000' }, 'LOCKOUT_THRESHOLD must be between 1 and 100'],
  ['LOCKOUT_MAX_SECONDS below LOCKOUT_BASE_SECONDS', { LOCKOUT_BASE_SECONDS: '600', LOCKOUT_MAX_SECONDS: '60' }, 'LOCKOUT_MAX_SECONDS must not be below'],
  ['STUDIO_UNIFORM_ENROLLMENT_ANSWER not a boolean', { STUDIO_UNIFORM_ENROLLMENT_ANSWER: SECRET_LOOKING }, 'STUDIO_UNIFORM_ENROLLMENT_ANSWER must be true or false'],
])('%s → generic 500, log names the variable', async (_name, changes, logLine) => {
  const answer = await withEnv(
    Object.fromEntries(Object.entries(changes).map(([name, value]) => [name, value === 'same' ? harness.env.AUTH_JWT_SECRET ?? '' : value])),
    async () => harness.post('/list-factors', {}, { token: await harness.token('config-user') }),
  );
  expect(answer.status).toBe(500);
  expect(errorOf(answer)).toEqual({ code: 'internal_error', message: 'Something went wrong on our side.' });
  expect(logged).toHaveLength(1);
  expect(logged[0]).toContain(logLine);
  expect(logged[0]).not.toContain(SECRET_LOOKING);
  expect(logged[0]).not.toContain(harness.env.AUTH_JWT_SECRET);
  expect(answer.text).not.toMatch(/IDENTITY|VERIFY|APPROVAL|AUTH_|ALLOWED/);
});

test('with the environment restored, the same request works again', async () => {
  const answer = await harness.post('/list-factors', {}, { token: await harness.token('config-user') });
  expect(answer.status).toBe(200);
  expect(logged).toEqual([]);
});
