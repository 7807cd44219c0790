// lib/config.ts's parseConfig: defaults, limits, errors that name the variable without its value, and the one list of variables.
import { generateKeyPairSync, hkdfSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { calculateJwkThumbprint } from 'jose';
import { CONFIG_VARIABLES, ConfigError, loadConfig, parseConfig, RUNTIME_VARIABLES } from '../../lib/config';

const ROOT = join(__dirname, '..', '..');
const VALID = {
  VERIFY_SERVICE_SID: `VA${'a'.repeat(32)}`,
  IDENTITY_SECRET: 'i'.repeat(32),
  RECOVERY_CODE_SECRET: 'r'.repeat(32),
  AUTH_JWT_SECRET: 'c'.repeat(32),
  APPROVAL_SIGNING_SECRET: 'p'.repeat(32),
  DOMAIN_NAME: 'totp-functions-1234-dev.twil.io',
};
/** What `npm run setup` writes: an EC P-256 private key as a one-line JWK. */
const SIGNING_KEY = JSON.stringify(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' }));

function configError(env: Record<string, unknown>): ConfigError {
  try {
    parseConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

test('the recovery codes’ pepper is HKDF-SHA256 of RECOVERY_CODE_SECRET with its purpose label, never of IDENTITY_SECRET', () => {
  const hkdf = (secret: string): Buffer => Buffer.from(hkdfSync('sha256', Buffer.from(secret), Buffer.alloc(0), 'totp-functions recovery-code pepper v1', 32));
  const pepper = parseConfig(VALID).recoveryCodePepper.export();
  expect(pepper.equals(hkdf(VALID.RECOVERY_CODE_SECRET))).toBe(true);
  expect(pepper.equals(hkdf(VALID.IDENTITY_SECRET))).toBe(false);
  expect(pepper.equals(Buffer.from(VALID.RECOVERY_CODE_SECRET))).toBe(false);
});

test('the minimal environment gets the documented defaults', () => {
  const config = parseConfig(VALID);
  expect(config.approval.ttlSeconds).toBe(120);
  expect(config.approval.key.alg).toBe('HS256');
  expect(config.approval.audience).toBeUndefined();
  expect(config.verifyTimeoutMs).toBe(3000);
  expect(config.allowedOrigins.size).toBe(0);
  expect(config.verifyEmulatorUrl).toBeUndefined();
  expect(config.caller.key.kind).toBe('secret');
  expect(config.caller.issuer).toBeUndefined();
  expect(config.caller.maxLifetimeSeconds).toBe(86_400);
  expect(config.syncServiceSid).toBe('default');
  expect([config.lockoutThreshold, config.lockoutBaseSeconds, config.lockoutMaxSeconds]).toEqual([5, 60, 3600]);
  expect(config.studioHideEnrollment).toBe(false);
});

test('finding 7: the approval issuer defaults to the deployment\'s own address (http only on the loopback)', () => {
  expect(parseConfig(VALID).approval.issuer).toBe('https://totp-functions-1234-dev.twil.io');
  expect(parseConfig({ ...VALID, DOMAIN_NAME: '127.0.0.1:3000' }).approval.issuer).toBe('http://127.0.0.1:3000');
  expect(parseConfig({ ...VALID, DOMAIN_NAME: 'localhost:3000' }).approval.issuer).toBe('http://localhost:3000');
  expect(parseConfig({ ...VALID, APPROVAL_ISSUER: 'https://auth.example.com' }).approval.issuer).toBe('https://auth.example.com');
  expect(parseConfig({ ...VALID, APPROVAL_AUDIENCE: 'bank-web' }).approval.audience).toBe('bank-web');
  expect(configError({ ...VALID, DOMAIN_NAME: undefined }).variable).toBe('APPROVAL_ISSUER');
  expect(configError({ ...VALID, DOMAIN_NAME: 'evil.example/path?' }).variable).toBe('DOMAIN_NAME');
});

test('finding 7: APPROVAL_SIGNING_KEY (a P-256 private JWK) selects ES256 and publishes only the public half', async () => {
  const { approval } = parseConfig({ ...VALID, APPROVAL_SIGNING_SECRET: undefined, APPROVAL_SIGNING_KEY: SIGNING_KEY });
  if (approval.key.alg !== 'ES256') throw new Error('expected ES256');
  const { x, y } = JSON.parse(SIGNING_KEY) as { x: string; y: string };
  expect(approval.key.publicJwk).toEqual({ kty: 'EC', crv: 'P-256', x, y, kid: approval.key.kid, alg: 'ES256', use: 'sig' });
  // RFC 7638 thumbprint, as jose computes it.
  expect(approval.key.kid).toBe(await calculateJwkThumbprint({ kty: 'EC', crv: 'P-256', x, y }));
  expect(JSON.stringify(approval.key.publicJwk)).not.toContain((JSON.parse(SIGNING_KEY) as { d: string }).d);
});

test.each([
  ['not JSON', 'not-a-key'],
  ['an RSA key', JSON.stringify(generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ format: 'jwk' }))],
  ['a P-384 key', JSON.stringify(generateKeyPairSync('ec', { namedCurve: 'P-384' }).privateKey.export({ format: 'jwk' }))],
  ['a public key only', JSON.stringify({ ...(JSON.parse(SIGNING_KEY) as object), d: undefined })],
  ['a P-256 key with a broken d', JSON.stringify({ ...(JSON.parse(SIGNING_KEY) as object), d: 'AAAA' })],
])('APPROVAL_SIGNING_KEY that is %s is named, never echoed', (_name, value) => {
  const error = configError({ ...VALID, APPROVAL_SIGNING_SECRET: undefined, APPROVAL_SIGNING_KEY: value });
  expect(error.variable).toBe('APPROVAL_SIGNING_KEY');
  expect(error.message).not.toContain(value.slice(0, 20));
});

test('one approval signing mode: both APPROVAL_SIGNING_SECRET and APPROVAL_SIGNING_KEY, or neither, is refused', () => {
  expect(configError({ ...VALID, APPROVAL_SIGNING_KEY: SIGNING_KEY }).variable).toBe('APPROVAL_SIGNING_SECRET');
  expect(configError({ ...VALID, APPROVAL_SIGNING_SECRET: undefined }).variable).toBe('APPROVAL_SIGNING_KEY');
});

test('finding 8: AUTH_MAX_TOKEN_LIFETIME_SECONDS caps caller tokens, 60 s to 30 days', () => {
  expect(parseConfig({ ...VALID, AUTH_MAX_TOKEN_LIFETIME_SECONDS: '3600' }).caller.maxLifetimeSeconds).toBe(3600);
  for (const value of ['59', '2592001', 'forever']) {
    expect(configError({ ...VALID, AUTH_MAX_TOKEN_LIFETIME_SECONDS: value }).variable).toBe('AUTH_MAX_TOKEN_LIFETIME_SECONDS');
  }
});

test('the lockout policy and the Sync service can be set', () => {
  const config = parseConfig({
    ...VALID,
    SYNC_SERVICE_SID: `IS${'b'.repeat(32)}`,
    LOCKOUT_THRESHOLD: '3',
    LOCKOUT_BASE_SECONDS: '30',
    LOCKOUT_MAX_SECONDS: '30',
    LOCKOUT_HARD_CAP: '20',
    STUDIO_HIDE_ENROLLMENT: 'true',
  });
  expect(config.syncServiceSid).toBe(`IS${'b'.repeat(32)}`);
  expect([config.lockoutThreshold, config.lockoutBaseSeconds, config.lockoutMaxSeconds, config.lockoutHardCap]).toEqual([3, 30, 30, 20]);
  // NIST SP 800-63B-4 §3.2.2's 100 consecutive failures is the default and the most it can be.
  expect(parseConfig(VALID).lockoutHardCap).toBe(100);
  expect(config.studioHideEnrollment).toBe(true);
});

test('the runtime context carries more than variables (getTwilioClient, PATH): those are ignored', () => {
  expect(() => parseConfig({ ...VALID, PATH: '/x', getTwilioClient: () => undefined })).not.toThrow();
});

test('ALLOWED_ORIGINS is a comma-separated list of exact origins, blanks ignored', () => {
  const config = parseConfig({ ...VALID, ALLOWED_ORIGINS: ' https://a.example.com, http://localhost:5173 ,,' });
  expect([...config.allowedOrigins]).toEqual(['https://a.example.com', 'http://localhost:5173']);
});

test('JWKS mode: https anywhere, http only on the loopback', () => {
  const env = { ...VALID, AUTH_JWT_SECRET: undefined, AUTH_ISSUER: 'https://tenant.auth0.com/', AUTH_AUDIENCE: 'bank-web' };
  expect(parseConfig({ ...env, AUTH_JWKS_URL: 'https://tenant.auth0.com/.well-known/jwks.json' }).caller.key.kind).toBe('jwks');
  expect(parseConfig({ ...env, AUTH_JWKS_URL: 'http://127.0.0.1:9999/jwks' }).caller.key.kind).toBe('jwks');
  expect(configError({ ...env, AUTH_JWKS_URL: 'http://10.0.0.1/jwks' }).variable).toBe('AUTH_JWKS_URL');
});

test('finding 1: JWKS mode refuses to run without AUTH_AUDIENCE and AUTH_ISSUER (any app of the provider could sign in)', () => {
  const env = { ...VALID, AUTH_JWT_SECRET: undefined, AUTH_JWKS_URL: 'https://www.googleapis.com/service_accounts/v1/jwk/securetoken@system.gserviceaccount.com' };
  expect(configError(env).variable).toBe('AUTH_AUDIENCE');
  expect(configError({ ...env, AUTH_AUDIENCE: 'my-project' }).variable).toBe('AUTH_ISSUER');
  expect(configError({ ...env, AUTH_ISSUER: 'https://securetoken.google.com/my-project' }).variable).toBe('AUTH_AUDIENCE');
  const config = parseConfig({ ...env, AUTH_AUDIENCE: 'my-project', AUTH_ISSUER: 'https://securetoken.google.com/my-project' });
  expect([config.caller.issuer, config.caller.audience]).toEqual(['https://securetoken.google.com/my-project', 'my-project']);
});

test('APPROVAL_TOKEN_TTL_SECONDS accepts 1–600 and nothing else', () => {
  expect(parseConfig({ ...VALID, APPROVAL_TOKEN_TTL_SECONDS: '600' }).approval.ttlSeconds).toBe(600);
  expect(parseConfig({ ...VALID, APPROVAL_TOKEN_TTL_SECONDS: '1' }).approval.ttlSeconds).toBe(1);
  for (const value of ['0', '601', '-5', '1.5', '2e2', ' 60']) {
    expect(configError({ ...VALID, APPROVAL_TOKEN_TTL_SECONDS: value }).variable).toBe('APPROVAL_TOKEN_TTL_SECONDS');
  }
});

test('EMULATOR_URL is kept as an origin', () => {
  expect(parseConfig({ ...VALID, EMULATOR_URL: 'http://127.0.0.1:4010/' }).verifyEmulatorUrl).toBe('http://127.0.0.1:4010');
});

test('VERIFY_EMULATOR_URL, its former name, is still read (and refused when off this machine); the current name wins', () => {
  expect(parseConfig({ ...VALID, VERIFY_EMULATOR_URL: 'http://127.0.0.1:4010/' }).verifyEmulatorUrl).toBe('http://127.0.0.1:4010');
  expect(parseConfig({ ...VALID, EMULATOR_URL: 'http://127.0.0.1:4011', VERIFY_EMULATOR_URL: 'http://127.0.0.1:4010' }).verifyEmulatorUrl).toBe('http://127.0.0.1:4011');
  expect(() => parseConfig({ ...VALID, VERIFY_EMULATOR_URL: 'https://verify-mock.example.com' })).toThrow(/VERIFY_EMULATOR_URL/);
});

test.each([
  ['VERIFY_SERVICE_SID', { VERIFY_SERVICE_SID: undefined }],
  ['VERIFY_SERVICE_SID', { VERIFY_SERVICE_SID: 'VA123' }],
  ['IDENTITY_SECRET', { IDENTITY_SECRET: '' }],
  ['IDENTITY_SECRET', { IDENTITY_SECRET: 'x'.repeat(31) }],
  ['RECOVERY_CODE_SECRET', { RECOVERY_CODE_SECRET: undefined }],
  ['RECOVERY_CODE_SECRET', { RECOVERY_CODE_SECRET: 'x'.repeat(31) }],
  ['RECOVERY_CODE_SECRET', { RECOVERY_CODE_SECRET: 'i'.repeat(32) }],
  ['AUTH_JWT_SECRET', { AUTH_JWT_SECRET: undefined }],
  ['AUTH_JWT_SECRET', { AUTH_JWT_SECRET: 'tooShortValue' }],
  ['AUTH_JWT_SECRET', { AUTH_JWKS_URL: 'https://id.example.com/jwks' }],
  ['APPROVAL_SIGNING_KEY', { APPROVAL_SIGNING_SECRET: undefined }],
  ['APPROVAL_SIGNING_SECRET', { APPROVAL_SIGNING_SECRET: 'c'.repeat(32) }],
  ['ALLOWED_ORIGINS', { ALLOWED_ORIGINS: '*' }],
  ['ALLOWED_ORIGINS', { ALLOWED_ORIGINS: 'portal-without-scheme.test' }],
  ['VERIFY_TIMEOUT_MS', { VERIFY_TIMEOUT_MS: '9001' }],
  ['EMULATOR_URL', { EMULATOR_URL: 'ftp://x' }],
  ['EMULATOR_URL', { EMULATOR_URL: 'https://verify-mock.example.com' }],
  ['AUTH_ISSUER', { AUTH_ISSUER: 42 }],
  ['SYNC_SERVICE_SID', { SYNC_SERVICE_SID: 'IS123' }],
  ['SYNC_SERVICE_SID', { SYNC_SERVICE_SID: `VA${'a'.repeat(32)}` }],
  ['LOCKOUT_THRESHOLD', { LOCKOUT_THRESHOLD: '0' }],
  ['LOCKOUT_THRESHOLD', { LOCKOUT_THRESHOLD: '101' }],
  ['LOCKOUT_BASE_SECONDS', { LOCKOUT_BASE_SECONDS: '0' }],
  ['LOCKOUT_MAX_SECONDS', { LOCKOUT_MAX_SECONDS: '86401' }],
  ['LOCKOUT_MAX_SECONDS', { LOCKOUT_BASE_SECONDS: '120', LOCKOUT_MAX_SECONDS: '60' }],
  ['LOCKOUT_HARD_CAP', { LOCKOUT_HARD_CAP: '101' }],
  ['LOCKOUT_HARD_CAP', { LOCKOUT_HARD_CAP: '1' }],
  ['LOCKOUT_HARD_CAP', { LOCKOUT_HARD_CAP: 'none' }],
  ['STUDIO_HIDE_ENROLLMENT', { STUDIO_HIDE_ENROLLMENT: 'yes' }],
])('%s is named when it is wrong (%p)', (variable, change) => {
  const error = configError({ ...VALID, ...change });
  expect(error.variable).toBe(variable);
  for (const value of Object.values(change)) {
    if (typeof value === 'string' && value.length > 3) expect(error.message).not.toContain(value);
  }
});

describe('one list of variables (lib/config.ts CONFIG_VARIABLES)', () => {
  /** Every variable the Functions read is described in .env.example: a comment line right above its line. */
  test('.env.example describes every variable the Functions read', () => {
    const lines = readFileSync(join(ROOT, '.env.example'), 'utf8').split('\n');
    for (const name of CONFIG_VARIABLES.filter((variable) => !RUNTIME_VARIABLES.includes(variable))) {
      const at = lines.findIndex((line) => new RegExp(`^#? ?${name}=`).test(line));
      expect([name, at >= 0]).toEqual([name, true]);
      const above = lines.slice(0, at).reverse();
      const comment = above.find((line) => line.startsWith('#') && !/^#? ?[A-Z_]+=/.test(line));
      expect([name, comment !== undefined]).toEqual([name, true]);
    }
  });

  test('the README\'s configuration table has a row for every variable the Functions read', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const table = readme.slice(readme.indexOf('## Configuration'), readme.indexOf('## Security model'));
    const rows = table.split('\n').filter((line) => line.startsWith('| `'));
    for (const name of CONFIG_VARIABLES) {
      expect([name, rows.some((row) => row.split('|')[1]?.includes(`\`${name}\``))]).toEqual([name, true]);
    }
  });

  test('a warm container re-parses when any listed variable changes, and keeps its Config otherwise', () => {
    /** A second valid value for each variable (the URL ones and the signing key need others set with them). */
    const other: Partial<Record<(typeof CONFIG_VARIABLES)[number], string>> = {
      VERIFY_SERVICE_SID: `VA${'b'.repeat(32)}`,
      IDENTITY_SECRET: 'j'.repeat(32),
      AUTH_JWT_SECRET: 'd'.repeat(32),
      AUTH_ISSUER: 'https://id.example.com/',
      AUTH_AUDIENCE: 'bank-web',
      AUTH_MAX_TOKEN_LIFETIME_SECONDS: '3600',
      APPROVAL_SIGNING_SECRET: 'q'.repeat(32),
      APPROVAL_TOKEN_TTL_SECONDS: '60',
      APPROVAL_ISSUER: 'https://auth.example.com',
      APPROVAL_AUDIENCE: 'bank-web',
      ALLOWED_ORIGINS: 'https://app.example.com',
      VERIFY_TIMEOUT_MS: '2000',
      EMULATOR_URL: 'http://127.0.0.1:4010',
      DOMAIN_NAME: 'totp-functions-1234.twil.io',
    };
    const first = loadConfig(VALID);
    expect(loadConfig({ ...VALID, PATH: '/another-function' })).toBe(first);
    for (const [name, value] of Object.entries(other)) {
      const changed = loadConfig({ ...VALID, [name]: value });
      expect([name, changed === first]).toEqual([name, false]);
      expect(loadConfig(VALID) === changed).toBe(false);
    }
  });
});
