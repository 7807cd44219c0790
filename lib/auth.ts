// Who is calling: verifies the caller's bearer JWT (HS256 secret or JWKS) and derives the Verify identity from its `sub`.
import { createHmac, type KeyObject } from 'node:crypto';
import { createRemoteJWKSet, errors as joseErrors, jwtVerify, type JWTVerifyGetKey } from 'jose';
import type { CallerKeySource } from './config';
import { KitError } from './errors';

/** Asymmetric algorithms accepted from an identity provider's JWKS (Auth0, Firebase, Cognito, Supabase). */
const JWKS_ALGORITHMS = ['RS256', 'ES256'];
/** Only HS256 with the shared secret; listing one algorithm rules out `none` and key confusion (RFC 8725 §3.1). */
const SECRET_ALGORITHMS = ['HS256'];
/** Small allowance for clock drift between the token issuer and the Function. */
const CLOCK_TOLERANCE_SECONDS = 5;
const MAX_TOKEN_LENGTH = 8192;
const MAX_SUBJECT_LENGTH = 256;
/** Fetching the keys shares the Function's 10 s budget with Verify calls. */
const JWKS_TIMEOUT_MS = 3000;
/** Hex characters of the identity: 128 bits, within Verify's 8–64 character identity rule. */
const IDENTITY_LENGTH = 32;

export interface CallerVerification {
  key: CallerKeySource;
  issuer: string | undefined;
  audience: string | undefined;
  /** The time to check `exp`/`nbf` against (default: now). */
  currentDate?: Date;
}

export interface Caller {
  /** The host application's user id (token `sub`); never sent to Twilio. */
  sub: string;
}

/** One key set per URL per warm container, so keys are fetched once and cached by jose. */
const remoteKeySets = new Map<string, JWTVerifyGetKey>();

function remoteKeySet(url: URL): JWTVerifyGetKey {
  let keySet = remoteKeySets.get(url.href);
  if (keySet === undefined) {
    keySet = createRemoteJWKSet(url, { timeoutDuration: JWKS_TIMEOUT_MS });
    remoteKeySets.set(url.href, keySet);
  }
  return keySet;
}

/** RFC 6750 §2.1: `Authorization: Bearer <token>`; the scheme name is case-insensitive (RFC 9110 §11.1). */
function parseBearer(header: unknown): string {
  if (header === undefined) {
    throw new KitError(401, 'missing_token', 'An Authorization: Bearer token is required.');
  }
  const match = typeof header === 'string' ? /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i.exec(header) : null;
  const token = match?.[1];
  if (token === undefined || token.length > MAX_TOKEN_LENGTH) {
    throw new KitError(401, 'invalid_token', 'The Authorization header must be "Bearer <token>".');
  }
  return token;
}

function invalidToken(cause: unknown): KitError {
  return new KitError(401, 'invalid_token', 'The bearer token is invalid or expired.', { cause });
}

/**
 * A caller sends the same token with every request until it expires, and verifying it is the largest part of a
 * handler's own work. Tokens that passed verification are remembered until their `exp`, per key source (a changed
 * configuration has new key objects, hence an empty cache), for at most this many tokens.
 */
const MAX_CACHED_TOKENS = 200;
const verifiedTokens = new WeakMap<CallerKeySource, Map<string, { sub: string; exp: number; nbf: number }>>();

function cachedCaller(verification: CallerVerification, token: string): Caller | undefined {
  const entry = verifiedTokens.get(verification.key)?.get(`${verification.issuer}|${verification.audience}|${token}`);
  const now = (verification.currentDate ?? new Date()).getTime() / 1000;
  // The same time rules as jose: expired once exp <= now - tolerance, not yet valid while nbf > now + tolerance.
  if (entry === undefined || entry.exp <= now - CLOCK_TOLERANCE_SECONDS || entry.nbf > now + CLOCK_TOLERANCE_SECONDS) {
    return undefined;
  }
  return { sub: entry.sub };
}

function rememberCaller(verification: CallerVerification, token: string, entry: { sub: string; exp: number; nbf: number }): void {
  let tokens = verifiedTokens.get(verification.key);
  if (tokens === undefined) {
    tokens = new Map();
    verifiedTokens.set(verification.key, tokens);
  }
  if (tokens.size >= MAX_CACHED_TOKENS) tokens.delete(tokens.keys().next().value ?? '');
  tokens.set(`${verification.issuer}|${verification.audience}|${token}`, entry);
}

/** Verifies the caller token and returns its subject; every failure of the token itself is a 401. */
export async function authenticateCaller(authorization: unknown, verification: CallerVerification): Promise<Caller> {
  const token = parseBearer(authorization);
  const cached = cachedCaller(verification, token);
  if (cached !== undefined) return cached;
  const { key } = verification;
  const options = {
    algorithms: key.kind === 'secret' ? SECRET_ALGORITHMS : JWKS_ALGORITHMS,
    issuer: verification.issuer,
    audience: verification.audience,
    clockTolerance: CLOCK_TOLERANCE_SECONDS,
    currentDate: verification.currentDate,
    // Without `exp` a leaked token would be valid forever.
    requiredClaims: ['sub', 'exp'],
  };
  let payload: { sub?: unknown; exp?: unknown; nbf?: unknown };
  try {
    payload =
      key.kind === 'secret'
        ? (await jwtVerify(token, key.secret, options)).payload
        : (await jwtVerify(token, remoteKeySet(key.url), options)).payload;
  } catch (error) {
    if (error instanceof joseErrors.JWKSTimeout) {
      throw new KitError(503, 'auth_keys_unavailable', 'The identity provider did not answer; try again.', { cause: error });
    }
    if (error instanceof joseErrors.JWKSInvalid) {
      throw new KitError(502, 'auth_keys_unavailable', 'The identity provider answered with unusable keys.', { cause: error });
    }
    if (error instanceof joseErrors.JOSEError) throw invalidToken(error);
    // Anything else failed while fetching the key set (DNS, refused connection): not the caller's fault.
    throw new KitError(503, 'auth_keys_unavailable', 'The identity provider could not be reached; try again.', { cause: error });
  }
  const { sub, exp, nbf } = payload;
  if (typeof sub !== 'string' || sub === '' || sub.length > MAX_SUBJECT_LENGTH) throw invalidToken(undefined);
  if (typeof exp === 'number') rememberCaller(verification, token, { sub, exp, nbf: typeof nbf === 'number' ? nbf : 0 });
  return { sub };
}

/**
 * The Verify identity of a user: hex(HMAC-SHA256(IDENTITY_SECRET, userKey)), first 32 characters.
 * The identity must not carry personal data, and the same user always maps to the same entity without a table.
 */
export function deriveIdentity(identitySecret: KeyObject | Uint8Array, userKey: string): string {
  return createHmac('sha256', identitySecret).update(userKey, 'utf8').digest('hex').slice(0, IDENTITY_LENGTH);
}
