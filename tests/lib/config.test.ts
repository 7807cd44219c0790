// parseConfig: defaults, limits, and errors that name the variable without its value.
import { parseConfig } from '../../lib/config';
import { ConfigError } from '../../lib/errors';

const VALID = {
  VERIFY_SERVICE_SID: `VA${'a'.repeat(32)}`,
  IDENTITY_SECRET: 'i'.repeat(32),
  AUTH_JWT_SECRET: 'c'.repeat(32),
  APPROVAL_SIGNING_SECRET: 'p'.repeat(32),
};

function configError(env: Record<string, unknown>): ConfigError {
  try {
    parseConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

test('the minimal environment gets the documented defaults', () => {
  const config = parseConfig(VALID);
  expect(config.approvalTtlSeconds).toBe(120);
  expect(config.approvalIssuer).toBe('totp-functions');
  expect(config.verifyTimeoutMs).toBe(3000);
  expect(config.allowedOrigins.size).toBe(0);
  expect(config.verifyEmulatorUrl).toBeUndefined();
  expect(config.callerKey.kind).toBe('secret');
  expect(config.callerIssuer).toBeUndefined();
  expect(config.syncServiceSid).toBe('default');
  expect([config.lockoutThreshold, config.lockoutBaseSeconds, config.lockoutMaxSeconds]).toEqual([5, 60, 3600]);
  expect(config.studioUniformEnrollmentAnswer).toBe(false);
});

test('the lockout policy and the Sync service can be set', () => {
  const config = parseConfig({
    ...VALID,
    SYNC_SERVICE_SID: `IS${'b'.repeat(32)}`,
    LOCKOUT_THRESHOLD: '3',
    LOCKOUT_BASE_SECONDS: '30',
    LOCKOUT_MAX_SECONDS: '30',
    STUDIO_UNIFORM_ENROLLMENT_ANSWER: 'true',
  });
  expect(config.syncServiceSid).toBe(`IS${'b'.repeat(32)}`);
  expect([config.lockoutThreshold, config.lockoutBaseSeconds, config.lockoutMaxSeconds]).toEqual([3, 30, 30]);
  expect(config.studioUniformEnrollmentAnswer).toBe(true);
});

test('the runtime context carries more than variables (getTwilioClient, PATH): those are ignored', () => {
  expect(() => parseConfig({ ...VALID, PATH: '/x', getTwilioClient: () => undefined })).not.toThrow();
});

test('ALLOWED_ORIGINS is a comma-separated list of exact origins, blanks ignored', () => {
  const config = parseConfig({ ...VALID, ALLOWED_ORIGINS: ' https://a.example.com, http://localhost:5173 ,,' });
  expect([...config.allowedOrigins]).toEqual(['https://a.example.com', 'http://localhost:5173']);
});

test('JWKS mode: https anywhere, http only on the loopback', () => {
  const env = { ...VALID, AUTH_JWT_SECRET: undefined };
  expect(parseConfig({ ...env, AUTH_JWKS_URL: 'https://tenant.auth0.com/.well-known/jwks.json' }).callerKey.kind).toBe('jwks');
  expect(parseConfig({ ...env, AUTH_JWKS_URL: 'http://127.0.0.1:9999/jwks' }).callerKey.kind).toBe('jwks');
  expect(configError({ ...env, AUTH_JWKS_URL: 'http://10.0.0.1/jwks' }).variable).toBe('AUTH_JWKS_URL');
});

test('APPROVAL_TOKEN_TTL_SECONDS accepts 1–600 and nothing else', () => {
  expect(parseConfig({ ...VALID, APPROVAL_TOKEN_TTL_SECONDS: '600' }).approvalTtlSeconds).toBe(600);
  expect(parseConfig({ ...VALID, APPROVAL_TOKEN_TTL_SECONDS: '1' }).approvalTtlSeconds).toBe(1);
  for (const value of ['0', '601', '-5', '1.5', '2e2', ' 60']) {
    expect(configError({ ...VALID, APPROVAL_TOKEN_TTL_SECONDS: value }).variable).toBe('APPROVAL_TOKEN_TTL_SECONDS');
  }
});

test('VERIFY_EMULATOR_URL is kept as an origin', () => {
  expect(parseConfig({ ...VALID, VERIFY_EMULATOR_URL: 'http://127.0.0.1:4010/' }).verifyEmulatorUrl).toBe('http://127.0.0.1:4010');
});

test.each([
  ['VERIFY_SERVICE_SID', { VERIFY_SERVICE_SID: undefined }],
  ['VERIFY_SERVICE_SID', { VERIFY_SERVICE_SID: 'VA123' }],
  ['IDENTITY_SECRET', { IDENTITY_SECRET: '' }],
  ['IDENTITY_SECRET', { IDENTITY_SECRET: 'x'.repeat(31) }],
  ['AUTH_JWT_SECRET', { AUTH_JWT_SECRET: undefined }],
  ['AUTH_JWT_SECRET', { AUTH_JWT_SECRET: 'tooShortValue' }],
  ['AUTH_JWT_SECRET', { AUTH_JWKS_URL: 'https://id.example.com/jwks' }],
  ['APPROVAL_SIGNING_SECRET', { APPROVAL_SIGNING_SECRET: undefined }],
  ['APPROVAL_SIGNING_SECRET', { APPROVAL_SIGNING_SECRET: 'c'.repeat(32) }],
  ['ALLOWED_ORIGINS', { ALLOWED_ORIGINS: '*' }],
  ['ALLOWED_ORIGINS', { ALLOWED_ORIGINS: 'portal-without-scheme.test' }],
  ['VERIFY_TIMEOUT_MS', { VERIFY_TIMEOUT_MS: '9001' }],
  ['VERIFY_EMULATOR_URL', { VERIFY_EMULATOR_URL: 'ftp://x' }],
  ['VERIFY_EMULATOR_URL', { VERIFY_EMULATOR_URL: 'https://verify-mock.example.com' }],
  ['AUTH_ISSUER', { AUTH_ISSUER: 42 }],
  ['SYNC_SERVICE_SID', { SYNC_SERVICE_SID: 'IS123' }],
  ['SYNC_SERVICE_SID', { SYNC_SERVICE_SID: `VA${'a'.repeat(32)}` }],
  ['LOCKOUT_THRESHOLD', { LOCKOUT_THRESHOLD: '0' }],
  ['LOCKOUT_THRESHOLD', { LOCKOUT_THRESHOLD: '101' }],
  ['LOCKOUT_BASE_SECONDS', { LOCKOUT_BASE_SECONDS: '0' }],
  ['LOCKOUT_MAX_SECONDS', { LOCKOUT_MAX_SECONDS: '86401' }],
  ['LOCKOUT_MAX_SECONDS', { LOCKOUT_BASE_SECONDS: '120', LOCKOUT_MAX_SECONDS: '60' }],
  ['STUDIO_UNIFORM_ENROLLMENT_ANSWER', { STUDIO_UNIFORM_ENROLLMENT_ANSWER: 'yes' }],
])('%s is named when it is wrong (%p)', (variable, change) => {
  const error = configError({ ...VALID, ...change });
  expect(error.variable).toBe(variable);
  for (const value of Object.values(change)) {
    if (typeof value === 'string' && value.length > 3) expect(error.message).not.toContain(value);
  }
});
