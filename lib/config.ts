// The typed, validated environment of the Functions; a ConfigError names the first bad variable (never its value).
import { createSecretKey, type KeyObject } from 'node:crypto';
import { ConfigError } from './errors';

/** A secret from the environment, as a key object (jose and node:crypto use it without re-importing it per call). */
export type SecretKey = KeyObject;

/** How caller tokens are verified: a shared HS256 secret, or an identity provider's published keys. */
export type CallerKeySource = { kind: 'secret'; secret: SecretKey } | { kind: 'jwks'; url: URL };

export interface Config {
  verifyServiceSid: string;
  identitySecret: SecretKey;
  callerKey: CallerKeySource;
  callerIssuer: string | undefined;
  callerAudience: string | undefined;
  approvalSecret: SecretKey;
  approvalTtlSeconds: number;
  approvalIssuer: string;
  allowedOrigins: ReadonlySet<string>;
  verifyTimeoutMs: number;
  /** Local runs only: send Verify calls to this emulator instead of verify.twilio.com. */
  verifyEmulatorUrl: string | undefined;
  /** The Sync service holding the kit's own state (lockout, used codes, enrollment in flight): IS… or `default`. */
  syncServiceSid: string;
  /** Consecutive wrong codes on one channel that start a lock. */
  lockoutThreshold: number;
  /** The first lock's length; each further lock without a success in between doubles it, up to lockoutMaxSeconds. */
  lockoutBaseSeconds: number;
  lockoutMaxSeconds: number;
  /** Studio answers `pending` instead of `not_enrolled`, so a caller cannot learn who is enrolled. */
  studioUniformEnrollmentAnswer: boolean;
}

export const DEFAULT_APPROVAL_TTL_SECONDS = 120;
export const MAX_APPROVAL_TTL_SECONDS = 600;
export const DEFAULT_APPROVAL_ISSUER = 'totp-functions';
export const DEFAULT_VERIFY_TIMEOUT_MS = 3000;
/** A Function must answer within Twilio's 10 s limit; one Verify call may not use more than this. */
export const MAX_VERIFY_TIMEOUT_MS = 9000;
export const DEFAULT_SYNC_SERVICE_SID = 'default';
/** NIST SP 800-63B §5.2.2 allows at most 100 consecutive failures; the defaults lock far earlier. */
export const DEFAULT_LOCKOUT_THRESHOLD = 5;
export const MAX_LOCKOUT_THRESHOLD = 100;
export const DEFAULT_LOCKOUT_BASE_SECONDS = 60;
export const DEFAULT_LOCKOUT_MAX_SECONDS = 3600;
export const MAX_LOCKOUT_SECONDS = 86400;
/** RFC 7518 §3.2: an HS256 key must be at least 256 bits; the identity key follows the same rule. */
export const MIN_SECRET_LENGTH = 32;

const VERIFY_SERVICE_SID = /^VA[0-9a-fA-F]{32}$/;
const SYNC_SERVICE_SID = /^IS[0-9a-fA-F]{32}$/;
const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

type Env = Readonly<Record<string, unknown>>;

function optionalString(env: Env, name: string): string | undefined {
  const value = env[name];
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string') throw new ConfigError(name, 'is not a string');
  return value;
}

function requireString(env: Env, name: string): string {
  const value = optionalString(env, name);
  if (value === undefined) throw new ConfigError(name, 'is not set');
  return value;
}

function parseSecret(name: string, value: string): SecretKey {
  if (value.length < MIN_SECRET_LENGTH) throw new ConfigError(name, `is shorter than ${MIN_SECRET_LENGTH} characters`);
  return createSecretKey(Buffer.from(value, 'utf8'));
}

function parseInteger(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = optionalString(env, name);
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw)) throw new ConfigError(name, 'is not a whole number');
  const value = Number(raw);
  if (value < min || value > max) throw new ConfigError(name, `must be between ${min} and ${max}`);
  return value;
}

function parseBoolean(env: Env, name: string): boolean {
  const raw = optionalString(env, name);
  if (raw === undefined || raw === 'false') return false;
  if (raw === 'true') return true;
  throw new ConfigError(name, 'must be true or false');
}

function parseUrl(name: string, value: string): URL {
  try {
    const url = new URL(value);
    if (url.protocol === 'https:' || url.protocol === 'http:') return url;
  } catch {
    // fall through to the error below
  }
  throw new ConfigError(name, 'is not an http(s) URL');
}

/** JWKS must come over TLS (the keys decide who is who); plain http is allowed only on the loopback for local runs. */
function parseJwksUrl(value: string): URL {
  const url = parseUrl('AUTH_JWKS_URL', value);
  if (url.protocol === 'http:' && !LOOPBACK_HOSTS.has(url.hostname)) {
    throw new ConfigError('AUTH_JWKS_URL', 'must use https (http only on localhost)');
  }
  return url;
}

/** The emulator receives the account credentials (Basic auth), so it may only live on this machine. */
function parseEmulatorUrl(value: string): string {
  const url = parseUrl('VERIFY_EMULATOR_URL', value);
  if (!LOOPBACK_HOSTS.has(url.hostname)) {
    throw new ConfigError('VERIFY_EMULATOR_URL', 'must be on this machine (127.0.0.1, localhost or [::1])');
  }
  return url.origin;
}

function parseCallerKey(env: Env): CallerKeySource {
  const secret = optionalString(env, 'AUTH_JWT_SECRET');
  const jwksUrl = optionalString(env, 'AUTH_JWKS_URL');
  // Exactly one key source: accepting both would let an HS256 token stand in for a JWKS-signed one.
  if (secret !== undefined && jwksUrl !== undefined) {
    throw new ConfigError('AUTH_JWT_SECRET', 'and AUTH_JWKS_URL are both set; set exactly one');
  }
  if (jwksUrl !== undefined) return { kind: 'jwks', url: parseJwksUrl(jwksUrl) };
  if (secret === undefined) throw new ConfigError('AUTH_JWT_SECRET', 'is not set (set it or AUTH_JWKS_URL)');
  return { kind: 'secret', secret: parseSecret('AUTH_JWT_SECRET', secret) };
}

function parseAllowedOrigins(env: Env): ReadonlySet<string> {
  const raw = optionalString(env, 'ALLOWED_ORIGINS');
  if (raw === undefined) return new Set();
  const origins = raw
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
  for (const origin of origins) {
    // Only exact origins: a wildcard would let any site read the secrets these endpoints return.
    let parsed: URL | undefined;
    try {
      parsed = new URL(origin);
    } catch {
      parsed = undefined;
    }
    if (parsed === undefined || parsed.origin !== origin) {
      throw new ConfigError('ALLOWED_ORIGINS', 'must list exact origins such as https://app.example.com, comma-separated');
    }
  }
  return new Set(origins);
}

/** Every variable parseConfig reads: a change to any of them yields a fresh Config. */
const CONFIG_VARIABLES = [
  'VERIFY_SERVICE_SID',
  'IDENTITY_SECRET',
  'AUTH_JWT_SECRET',
  'AUTH_JWKS_URL',
  'AUTH_ISSUER',
  'AUTH_AUDIENCE',
  'APPROVAL_SIGNING_SECRET',
  'APPROVAL_TOKEN_TTL_SECONDS',
  'APPROVAL_ISSUER',
  'ALLOWED_ORIGINS',
  'VERIFY_TIMEOUT_MS',
  'VERIFY_EMULATOR_URL',
  'SYNC_SERVICE_SID',
  'LOCKOUT_THRESHOLD',
  'LOCKOUT_BASE_SECONDS',
  'LOCKOUT_MAX_SECONDS',
  'STUDIO_UNIFORM_ENROLLMENT_ANSWER',
] as const;

let cached: { key: string; config: Config } | undefined;

/**
 * The Config for this invocation. A warm container sees the same environment on every request, so the parsed
 * result (with its key objects) is reused while the variables are unchanged; errors are never cached.
 */
export function loadConfig(env: Env): Config {
  const key = JSON.stringify(CONFIG_VARIABLES.map((name) => env[name] ?? null));
  if (cached?.key !== key) cached = { key, config: parseConfig(env) };
  return cached.config;
}

/** Reads the environment (the Function's `context`); throws ConfigError on the first problem. */
export function parseConfig(env: Env): Config {
  const verifyServiceSid = requireString(env, 'VERIFY_SERVICE_SID');
  if (!VERIFY_SERVICE_SID.test(verifyServiceSid)) throw new ConfigError('VERIFY_SERVICE_SID', 'is not a VA… service SID');
  const callerKey = parseCallerKey(env);
  const approvalSecretText = requireString(env, 'APPROVAL_SIGNING_SECRET');
  // A shared secret would make every approval token a valid caller token too.
  if (callerKey.kind === 'secret' && approvalSecretText === optionalString(env, 'AUTH_JWT_SECRET')) {
    throw new ConfigError('APPROVAL_SIGNING_SECRET', 'must differ from AUTH_JWT_SECRET');
  }
  const emulatorUrl = optionalString(env, 'VERIFY_EMULATOR_URL');
  const syncServiceSid = optionalString(env, 'SYNC_SERVICE_SID') ?? DEFAULT_SYNC_SERVICE_SID;
  if (syncServiceSid !== DEFAULT_SYNC_SERVICE_SID && !SYNC_SERVICE_SID.test(syncServiceSid)) {
    throw new ConfigError('SYNC_SERVICE_SID', 'is not an IS… service SID or "default"');
  }
  const lockoutBaseSeconds = parseInteger(env, 'LOCKOUT_BASE_SECONDS', DEFAULT_LOCKOUT_BASE_SECONDS, 1, MAX_LOCKOUT_SECONDS);
  const lockoutMaxSeconds = parseInteger(env, 'LOCKOUT_MAX_SECONDS', DEFAULT_LOCKOUT_MAX_SECONDS, 1, MAX_LOCKOUT_SECONDS);
  if (lockoutMaxSeconds < lockoutBaseSeconds) throw new ConfigError('LOCKOUT_MAX_SECONDS', 'must not be below LOCKOUT_BASE_SECONDS');
  return {
    verifyServiceSid,
    identitySecret: parseSecret('IDENTITY_SECRET', requireString(env, 'IDENTITY_SECRET')),
    callerKey,
    callerIssuer: optionalString(env, 'AUTH_ISSUER'),
    callerAudience: optionalString(env, 'AUTH_AUDIENCE'),
    approvalSecret: parseSecret('APPROVAL_SIGNING_SECRET', approvalSecretText),
    approvalTtlSeconds: parseInteger(env, 'APPROVAL_TOKEN_TTL_SECONDS', DEFAULT_APPROVAL_TTL_SECONDS, 1, MAX_APPROVAL_TTL_SECONDS),
    approvalIssuer: optionalString(env, 'APPROVAL_ISSUER') ?? DEFAULT_APPROVAL_ISSUER,
    allowedOrigins: parseAllowedOrigins(env),
    verifyTimeoutMs: parseInteger(env, 'VERIFY_TIMEOUT_MS', DEFAULT_VERIFY_TIMEOUT_MS, 1, MAX_VERIFY_TIMEOUT_MS),
    verifyEmulatorUrl: emulatorUrl === undefined ? undefined : parseEmulatorUrl(emulatorUrl),
    syncServiceSid,
    lockoutThreshold: parseInteger(env, 'LOCKOUT_THRESHOLD', DEFAULT_LOCKOUT_THRESHOLD, 1, MAX_LOCKOUT_THRESHOLD),
    lockoutBaseSeconds,
    lockoutMaxSeconds,
    studioUniformEnrollmentAnswer: parseBoolean(env, 'STUDIO_UNIFORM_ENROLLMENT_ANSWER'),
  };
}
