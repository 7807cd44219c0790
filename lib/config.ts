// The typed, validated environment of the Functions; a ConfigError names the first bad variable (never its value).
import { createHash, createPrivateKey, createPublicKey, createSecretKey, sign, verify, type JsonWebKey, type KeyObject } from 'node:crypto';
import type { ApprovalKey, ApprovalSigner } from './core/approval';
import { deriveRecoveryCodePepper } from './core/recovery-codes';
import { DEFAULT_MAX_TOKEN_LIFETIME_SECONDS, type CallerKeySource, type CallerVerification } from './http/caller-token';
import { parseWebhookSecret, type WebhookTarget } from './events/webhook';
import { MAX_HARD_CAP } from './state/lockout';

/**
 * A missing or malformed environment variable. The caller sees a generic internal_error; the log names the
 * variable (never its value), so the operator knows what to fix.
 */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';

  constructor(
    readonly variable: string,
    readonly problem: string,
  ) {
    super(`configuration error: ${variable} ${problem}`);
  }
}

/** A secret from the environment, as a key object (jose and node:crypto use it without re-importing it per call). */
export type SecretKey = KeyObject;

/**
 * Every variable the Functions read, in one list: the parser can read only these names (the reader's type says so),
 * loadConfig keys its cache on them, and tests check that `.env.example` and the README describe each one.
 */
export const CONFIG_VARIABLES = [
  'VERIFY_SERVICE_SID',
  'IDENTITY_SECRET',
  'RECOVERY_CODE_SECRET',
  'AUTH_JWT_SECRET',
  'AUTH_JWKS_URL',
  'AUTH_ISSUER',
  'AUTH_AUDIENCE',
  'AUTH_MAX_TOKEN_LIFETIME_SECONDS',
  'APPROVAL_SIGNING_SECRET',
  'APPROVAL_SIGNING_KEY',
  'APPROVAL_TOKEN_TTL_SECONDS',
  'APPROVAL_ISSUER',
  'APPROVAL_AUDIENCE',
  'ALLOWED_ORIGINS',
  'VERIFY_TIMEOUT_MS',
  'EMULATOR_URL',
  /** EMULATOR_URL's former name, still read (the emulator serves Sync too). */
  'VERIFY_EMULATOR_URL',
  'STUDIO_HIDE_ENROLLMENT',
  'SYNC_SERVICE_SID',
  'LOCKOUT_THRESHOLD',
  'LOCKOUT_BASE_SECONDS',
  'LOCKOUT_MAX_SECONDS',
  'LOCKOUT_HARD_CAP',
  'ACTIVITY_TTL_DAYS',
  'TRUSTED_DEVICE_DAYS',
  'EVENTS_WEBHOOK_URL',
  'EVENTS_WEBHOOK_SECRET',
  'DOMAIN_NAME',
] as const;
export type ConfigVariable = (typeof CONFIG_VARIABLES)[number];
/** Set by the Functions runtime itself (the service's domain; `127.0.0.1:<port>` on the local stack), never by you. */
export const RUNTIME_VARIABLES: readonly ConfigVariable[] = ['DOMAIN_NAME'];

export interface Config {
  verifyServiceSid: string;
  identitySecret: SecretKey;
  /** Pepper of the recovery codes' password hashes, derived (HKDF) from RECOVERY_CODE_SECRET; a key of its own. */
  recoveryCodePepper: SecretKey;
  /** How caller tokens are checked; lib/http/caller-token.ts takes it as it is. */
  caller: CallerVerification;
  /** How approval tokens are signed; lib/core/approval.ts takes it as it is. */
  approval: ApprovalSigner;
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
  /** Consecutive wrong codes on the account, across every channel, after which nothing is checked until support unlocks. */
  lockoutHardCap: number;
  /** Studio answers `pending` instead of `not_enrolled`, so a spoofed caller ID cannot learn who is enrolled. */
  studioHideEnrollment: boolean;
  /** How long the user's activity trail keeps an event (ACTIVITY_TTL_DAYS). */
  activityTtlDays: number;
  /** How long a device stays trusted from when it was trusted, not from its last use (TRUSTED_DEVICE_DAYS). */
  trustedDeviceDays: number;
  /** Where security events go to the host backend, signed (Standard Webhooks); none when EVENTS_WEBHOOK_URL is unset. */
  eventsWebhook: WebhookTarget | undefined;
}

export const DEFAULT_APPROVAL_TTL_SECONDS = 120;
export const MAX_APPROVAL_TTL_SECONDS = 600;
const MIN_MAX_TOKEN_LIFETIME_SECONDS = 60;
const MAX_MAX_TOKEN_LIFETIME_SECONDS = 30 * 86_400;
export const DEFAULT_VERIFY_TIMEOUT_MS = 3000;
/** Twilio stops a Function after 10 s; upstream calls must be done a second before, so the answer still goes out. */
export const REQUEST_BUDGET_MS = 9000;
/** One Verify call may use the whole budget, never more. */
export const MAX_VERIFY_TIMEOUT_MS = REQUEST_BUDGET_MS;
export const DEFAULT_SYNC_SERVICE_SID = 'default';
/** NIST SP 800-63B §5.2.2 allows at most 100 consecutive failures; the defaults lock far earlier. */
export const DEFAULT_LOCKOUT_THRESHOLD = 5;
export const MAX_LOCKOUT_THRESHOLD = 100;
export const DEFAULT_LOCKOUT_BASE_SECONDS = 60;
export const DEFAULT_LOCKOUT_MAX_SECONDS = 3600;
export const MAX_LOCKOUT_SECONDS = 86400;
/** NIST SP 800-63B-4 §3.2.2: at most 100 consecutive failures per account; never higher. At least 2, so voice has a share. */
export const MAX_LOCKOUT_HARD_CAP = MAX_HARD_CAP;
export const MIN_LOCKOUT_HARD_CAP = 2;
export const DEFAULT_ACTIVITY_TTL_DAYS = 90;
export const MAX_ACTIVITY_TTL_DAYS = 365;
/** Auth0's "remember this browser" and better-auth's trustDevice keep 30 days; 90 at most, so a lost laptop is not trusted for long. */
export const DEFAULT_TRUSTED_DEVICE_DAYS = 30;
export const MAX_TRUSTED_DEVICE_DAYS = 90;
/** RFC 7518 §3.2: an HS256 key must be at least 256 bits; the identity key follows the same rule. */
export const MIN_SECRET_LENGTH = 32;

const VERIFY_SERVICE_SID = /^VA[0-9a-fA-F]{32}$/;
const SYNC_SERVICE_SID = /^IS[0-9a-fA-F]{32}$/;
const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

type Env = Readonly<Record<string, unknown>>;
/** The one way the parser reads the environment: only listed variables, empty counts as unset. */
type Read = (name: ConfigVariable) => string | undefined;

function reader(env: Env): Read {
  return (name) => {
    const value = env[name];
    if (value === undefined || value === null || value === '') return undefined;
    if (typeof value !== 'string') throw new ConfigError(name, 'is not a string');
    return value;
  };
}

function requireValue(read: Read, name: ConfigVariable): string {
  const value = read(name);
  if (value === undefined) throw new ConfigError(name, 'is not set');
  return value;
}

function parseSecret(name: ConfigVariable, value: string): SecretKey {
  if (value.length < MIN_SECRET_LENGTH) throw new ConfigError(name, `is shorter than ${MIN_SECRET_LENGTH} characters`);
  return createSecretKey(Buffer.from(value, 'utf8'));
}

function parseInteger(read: Read, name: ConfigVariable, fallback: number, min: number, max: number): number {
  const raw = read(name);
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw)) throw new ConfigError(name, 'is not a whole number');
  const value = Number(raw);
  if (value < min || value > max) throw new ConfigError(name, `must be between ${min} and ${max}`);
  return value;
}

function parseBoolean(read: Read, name: ConfigVariable): boolean {
  const raw = read(name);
  if (raw === undefined || raw === 'false') return false;
  if (raw === 'true') return true;
  throw new ConfigError(name, 'must be true or false');
}

function parseUrl(name: ConfigVariable, value: string): URL {
  try {
    const url = new URL(value);
    if (url.protocol === 'https:' || url.protocol === 'http:') return url;
  } catch {
    // fall through to the error below
  }
  throw new ConfigError(name, 'is not an http(s) URL');
}

/** Events carry the host's user ids: https only, plain http only on this machine (a local receiver). */
function parseEventsWebhook(read: Read): WebhookTarget | undefined {
  const raw = read('EVENTS_WEBHOOK_URL');
  const secret = read('EVENTS_WEBHOOK_SECRET');
  if (raw === undefined) {
    if (secret !== undefined) throw new ConfigError('EVENTS_WEBHOOK_SECRET', 'is set without EVENTS_WEBHOOK_URL');
    return undefined;
  }
  const url = parseUrl('EVENTS_WEBHOOK_URL', raw);
  if (url.protocol === 'http:' && !LOOPBACK_HOSTS.has(url.hostname)) {
    throw new ConfigError('EVENTS_WEBHOOK_URL', 'must use https (http only on localhost)');
  }
  if (secret === undefined) throw new ConfigError('EVENTS_WEBHOOK_SECRET', 'is not set (events must be signed)');
  const key = parseWebhookSecret(secret);
  if (key === undefined) throw new ConfigError('EVENTS_WEBHOOK_SECRET', 'is not a whsec_… secret of at least 16 bytes');
  return { url, key };
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
function parseEmulatorUrl(name: 'EMULATOR_URL' | 'VERIFY_EMULATOR_URL', value: string): string {
  const url = parseUrl(name, value);
  if (!LOOPBACK_HOSTS.has(url.hostname)) {
    throw new ConfigError(name, 'must be on this machine (127.0.0.1, localhost or [::1])');
  }
  return url.origin;
}

function parseCallerKey(read: Read): CallerKeySource {
  const secret = read('AUTH_JWT_SECRET');
  const jwksUrl = read('AUTH_JWKS_URL');
  // Exactly one key source: accepting both would let an HS256 token stand in for a JWKS-signed one.
  if (secret !== undefined && jwksUrl !== undefined) {
    throw new ConfigError('AUTH_JWT_SECRET', 'and AUTH_JWKS_URL are both set; set exactly one');
  }
  if (jwksUrl !== undefined) return { kind: 'jwks', url: parseJwksUrl(jwksUrl) };
  if (secret === undefined) throw new ConfigError('AUTH_JWT_SECRET', 'is not set (set it or AUTH_JWKS_URL)');
  return { kind: 'secret', secret: parseSecret('AUTH_JWT_SECRET', secret) };
}

function parseCaller(read: Read): CallerVerification {
  const key = parseCallerKey(read);
  const issuer = read('AUTH_ISSUER');
  const audience = read('AUTH_AUDIENCE');
  // An identity provider signs the tokens of every application it serves with the same keys (Firebase: every
  // project), so without both checks a token minted for another application would pass as one of ours.
  if (key.kind === 'jwks') {
    if (audience === undefined) throw new ConfigError('AUTH_AUDIENCE', 'is not set (required with AUTH_JWKS_URL)');
    if (issuer === undefined) throw new ConfigError('AUTH_ISSUER', 'is not set (required with AUTH_JWKS_URL)');
  }
  const maxLifetimeSeconds = parseInteger(
    read,
    'AUTH_MAX_TOKEN_LIFETIME_SECONDS',
    DEFAULT_MAX_TOKEN_LIFETIME_SECONDS,
    MIN_MAX_TOKEN_LIFETIME_SECONDS,
    MAX_MAX_TOKEN_LIFETIME_SECONDS,
  );
  return { key, issuer, audience, maxLifetimeSeconds };
}

/** RFC 7638 §3.2: the thumbprint of an EC key hashes its required members in lexicographic order. */
function ecThumbprint(jwk: JsonWebKey): string {
  const canonical = JSON.stringify({ crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y });
  return createHash('sha256').update(canonical).digest('base64url');
}

/** APPROVAL_SIGNING_KEY: an EC P-256 private key as a JWK on one line (what `npm run setup` writes). */
function parseSigningKey(value: string): ApprovalKey {
  const problem = 'is not an EC P-256 private key in JWK format (run `npm run setup` to generate one)';
  let jwk: unknown;
  try {
    jwk = JSON.parse(value);
  } catch {
    throw new ConfigError('APPROVAL_SIGNING_KEY', problem);
  }
  if (typeof jwk !== 'object' || jwk === null) throw new ConfigError('APPROVAL_SIGNING_KEY', problem);
  const { kty, crv, d } = jwk as JsonWebKey;
  if (kty !== 'EC' || crv !== 'P-256' || typeof d !== 'string') throw new ConfigError('APPROVAL_SIGNING_KEY', problem);
  let privateKey: KeyObject;
  let publicKey: KeyObject;
  try {
    privateKey = createPrivateKey({ key: jwk as JsonWebKey, format: 'jwk' });
    publicKey = createPublicKey(privateKey);
    // node:crypto takes `d` and `x`/`y` as given without checking that they belong together; a key whose halves
    // differ would publish a public key that verifies none of its approvals.
    const probe = Buffer.from('totp-functions approval key check');
    if (!verify('sha256', probe, publicKey, sign('sha256', probe, privateKey))) throw new Error('mismatched key halves');
  } catch {
    throw new ConfigError('APPROVAL_SIGNING_KEY', problem);
  }
  // Only the public members go out: export from the public half, never from the JWK that holds `d`.
  const { x, y } = publicKey.export({ format: 'jwk' });
  if (x === undefined || y === undefined) throw new ConfigError('APPROVAL_SIGNING_KEY', problem);
  const kid = ecThumbprint({ kty: 'EC', crv: 'P-256', x, y });
  return { alg: 'ES256', privateKey, publicJwk: { kty: 'EC', crv: 'P-256', x, y, kid, alg: 'ES256', use: 'sig' }, kid };
}

/**
 * RECOVERY_CODE_SECRET keys only the recovery codes' pepper: a key shared with the identity HMAC would let whoever
 * holds one hold both (issue 24.8). Required, so no deployment falls back to the identity key.
 */
function parseRecoveryCodeSecret(read: Read, identitySecret: string): SecretKey {
  const value = read('RECOVERY_CODE_SECRET');
  if (value === undefined) throw new ConfigError('RECOVERY_CODE_SECRET', 'is not set (run `npm run setup` to generate it)');
  if (value === identitySecret) throw new ConfigError('RECOVERY_CODE_SECRET', 'must differ from IDENTITY_SECRET');
  return deriveRecoveryCodePepper(parseSecret('RECOVERY_CODE_SECRET', value));
}

/** The deployment's own address: `https://<DOMAIN_NAME>`, or http on the local stack's loopback address. */
function ownAddress(domainName: string): string {
  let url: URL | undefined;
  try {
    url = new URL(`http://${domainName}`);
  } catch {
    url = undefined;
  }
  if (url === undefined || url.host !== domainName.toLowerCase()) throw new ConfigError('DOMAIN_NAME', 'is not a host name');
  return `${LOOPBACK_HOSTS.has(url.hostname) ? 'http' : 'https'}://${url.host}`;
}

/** Default: the deployment's own address, so an approval from one deployment is not taken for another's. */
function parseApprovalIssuer(read: Read): string {
  const issuer = read('APPROVAL_ISSUER');
  if (issuer !== undefined) return issuer;
  const domainName = read('DOMAIN_NAME');
  if (domainName === undefined) throw new ConfigError('APPROVAL_ISSUER', 'is not set and the runtime gave no DOMAIN_NAME to default to');
  return ownAddress(domainName);
}

function parseApproval(read: Read, caller: CallerVerification): ApprovalSigner {
  const secret = read('APPROVAL_SIGNING_SECRET');
  const signingKey = read('APPROVAL_SIGNING_KEY');
  // One signing mode: with both, a backend could not know which check an approval must pass.
  if (secret !== undefined && signingKey !== undefined) {
    throw new ConfigError('APPROVAL_SIGNING_SECRET', 'and APPROVAL_SIGNING_KEY are both set; set exactly one');
  }
  let key: ApprovalKey;
  if (signingKey !== undefined) {
    key = parseSigningKey(signingKey);
  } else {
    if (secret === undefined) throw new ConfigError('APPROVAL_SIGNING_KEY', 'is not set (set it or APPROVAL_SIGNING_SECRET)');
    // A shared secret would make every approval token a valid caller token too.
    if (caller.key.kind === 'secret' && secret === read('AUTH_JWT_SECRET')) {
      throw new ConfigError('APPROVAL_SIGNING_SECRET', 'must differ from AUTH_JWT_SECRET');
    }
    key = { alg: 'HS256', secret: parseSecret('APPROVAL_SIGNING_SECRET', secret) };
  }
  return {
    key,
    issuer: parseApprovalIssuer(read),
    audience: read('APPROVAL_AUDIENCE'),
    ttlSeconds: parseInteger(read, 'APPROVAL_TOKEN_TTL_SECONDS', DEFAULT_APPROVAL_TTL_SECONDS, 1, MAX_APPROVAL_TTL_SECONDS),
  };
}

function parseAllowedOrigins(read: Read): ReadonlySet<string> {
  const raw = read('ALLOWED_ORIGINS');
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

/** ALLOWED_ORIGINS alone, for the local stack's own preflight answers (the same rule as the Functions'). */
export function parseAllowedOriginsOf(env: Env): ReadonlySet<string> {
  return parseAllowedOrigins(reader(env));
}

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
  const read = reader(env);
  const verifyServiceSid = requireValue(read, 'VERIFY_SERVICE_SID');
  if (!VERIFY_SERVICE_SID.test(verifyServiceSid)) throw new ConfigError('VERIFY_SERVICE_SID', 'is not a VA… service SID');
  const caller = parseCaller(read);
  const emulatorUrlName = read('EMULATOR_URL') === undefined && read('VERIFY_EMULATOR_URL') !== undefined ? 'VERIFY_EMULATOR_URL' : 'EMULATOR_URL';
  const emulatorUrl = read(emulatorUrlName);
  const syncServiceSid = read('SYNC_SERVICE_SID') ?? DEFAULT_SYNC_SERVICE_SID;
  if (syncServiceSid !== DEFAULT_SYNC_SERVICE_SID && !SYNC_SERVICE_SID.test(syncServiceSid)) {
    throw new ConfigError('SYNC_SERVICE_SID', 'is not an IS… service SID or "default"');
  }
  const lockoutBaseSeconds = parseInteger(read, 'LOCKOUT_BASE_SECONDS', DEFAULT_LOCKOUT_BASE_SECONDS, 1, MAX_LOCKOUT_SECONDS);
  const lockoutMaxSeconds = parseInteger(read, 'LOCKOUT_MAX_SECONDS', DEFAULT_LOCKOUT_MAX_SECONDS, 1, MAX_LOCKOUT_SECONDS);
  if (lockoutMaxSeconds < lockoutBaseSeconds) throw new ConfigError('LOCKOUT_MAX_SECONDS', 'must not be below LOCKOUT_BASE_SECONDS');
  const identitySecret = requireValue(read, 'IDENTITY_SECRET');
  return {
    verifyServiceSid,
    identitySecret: parseSecret('IDENTITY_SECRET', identitySecret),
    recoveryCodePepper: parseRecoveryCodeSecret(read, identitySecret),
    caller,
    approval: parseApproval(read, caller),
    allowedOrigins: parseAllowedOrigins(read),
    verifyTimeoutMs: parseInteger(read, 'VERIFY_TIMEOUT_MS', DEFAULT_VERIFY_TIMEOUT_MS, 1, MAX_VERIFY_TIMEOUT_MS),
    verifyEmulatorUrl: emulatorUrl === undefined ? undefined : parseEmulatorUrl(emulatorUrlName, emulatorUrl),
    syncServiceSid,
    lockoutThreshold: parseInteger(read, 'LOCKOUT_THRESHOLD', DEFAULT_LOCKOUT_THRESHOLD, 1, MAX_LOCKOUT_THRESHOLD),
    lockoutBaseSeconds,
    lockoutMaxSeconds,
    lockoutHardCap: parseInteger(read, 'LOCKOUT_HARD_CAP', MAX_LOCKOUT_HARD_CAP, MIN_LOCKOUT_HARD_CAP, MAX_LOCKOUT_HARD_CAP),
    studioHideEnrollment: parseBoolean(read, 'STUDIO_HIDE_ENROLLMENT'),
    activityTtlDays: parseInteger(read, 'ACTIVITY_TTL_DAYS', DEFAULT_ACTIVITY_TTL_DAYS, 1, MAX_ACTIVITY_TTL_DAYS),
    trustedDeviceDays: parseInteger(read, 'TRUSTED_DEVICE_DAYS', DEFAULT_TRUSTED_DEVICE_DAYS, 1, MAX_TRUSTED_DEVICE_DAYS),
    eventsWebhook: parseEventsWebhook(read),
  };
}
