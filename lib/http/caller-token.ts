// Who is calling: verifies the caller's bearer JWT (HS256 secret or JWKS) and returns its `sub`; every refusal is a KitError.
import type { KeyObject } from 'node:crypto';
import {
  createRemoteJWKSet,
  errors as joseErrors,
  jwksCache,
  jwtVerify,
  type JWKSCacheInput,
  type JWTVerifyGetKey,
} from 'jose';
import { hasLoneSurrogate } from '../core/identity';
import { MAX_USER_KEY_LENGTH } from '../core/users';
import { KitError } from './kit-error';

/** How caller tokens are verified: a shared HS256 secret, or an identity provider's published keys. */
export type CallerKeySource = { kind: 'secret'; secret: KeyObject } | { kind: 'jwks'; url: URL };

export interface CallerVerification {
  key: CallerKeySource;
  /** Required `iss`; lib/config.ts makes it mandatory with a JWKS. */
  issuer: string | undefined;
  /** Required `aud`; lib/config.ts makes it mandatory with a JWKS. */
  audience: string | undefined;
  /** A token whose `exp` lies further than this after its `iat` (or after now, for an `iat` ahead) is refused; default 24 h. */
  maxLifetimeSeconds?: number;
  /** The time to check `exp`/`nbf` against (default: now). */
  currentDate?: Date;
}

export interface Caller {
  /** The host application's user id (token `sub`); never sent to Twilio. */
  sub: string;
}

/** A caller token valid for longer than this is refused: a leaked one must not work for years. */
export const DEFAULT_MAX_TOKEN_LIFETIME_SECONDS = 86_400;
/** Asymmetric algorithms accepted from an identity provider's JWKS (Auth0, Firebase, Cognito, Supabase). */
const JWKS_ALGORITHMS = ['RS256', 'ES256'];
/** Only HS256 with the shared secret; listing one algorithm rules out `none` and key confusion (RFC 8725 §3.1). */
const SECRET_ALGORITHMS = ['HS256'];
/** Small allowance for clock drift between the token issuer and the Function. */
const CLOCK_TOLERANCE_SECONDS = 5;
const MAX_TOKEN_LENGTH = 8192;
/** Fetching the keys shares the Function's 10 s budget with Verify calls. */
const JWKS_TIMEOUT_MS = 3000;
/** An unreachable identity provider is worth a retry soon, as an unreachable Verify is. */
const KEY_SET_RETRY_AFTER_SECONDS = 5;

/**
 * An identity provider's key set, fetched and cached by jose (refetched after 10 minutes, or sooner when a token
 * names a key it does not know). `cache.uat` changes on every fetch, which tells the token cache below to forget.
 */
interface RemoteKeySet {
  getKey: JWTVerifyGetKey;
  cache: JWKSCacheInput;
}

/** The key set failed, not the token: its fetch, its HTTP status, or its content. Not the caller's fault. */
class KeySetUnavailable extends Error {
  override readonly name = 'KeySetUnavailable';
  constructor(
    /** No answer at all (a timeout, a refused connection), as opposed to an answer the kit cannot use. */
    readonly unreachable: boolean,
    readonly detail: string,
  ) {
    super(detail);
  }
}

/** Errors of jose's key selection that come from the token's header (unknown `kid`, unsupported `alg`). */
function isTokenFault(error: unknown): boolean {
  return (
    error instanceof joseErrors.JWKSNoMatchingKey ||
    error instanceof joseErrors.JWKSMultipleMatchingKeys ||
    error instanceof joseErrors.JOSENotSupported
  );
}

/** Why fetching the key set failed, in words for the log: never the URL's query, never a token. */
function keySetFailure(error: unknown): KeySetUnavailable {
  if (error instanceof joseErrors.JWKSTimeout) return new KeySetUnavailable(true, `AUTH_JWKS_URL did not answer within ${JWKS_TIMEOUT_MS} ms`);
  if (error instanceof joseErrors.JWKSInvalid) return new KeySetUnavailable(false, 'AUTH_JWKS_URL answered JSON that is not a JSON Web Key Set');
  // jose's fetch says "Expected 200 OK" or "Failed to parse … as JSON" with a plain JOSEError.
  if (error instanceof joseErrors.JOSEError) return new KeySetUnavailable(false, `AUTH_JWKS_URL did not answer 200 with a JSON Web Key Set (${error.message})`);
  const code = typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : 'network error';
  return new KeySetUnavailable(true, `AUTH_JWKS_URL could not be reached (${code})`);
}

/** jose refuses some keys with a plain TypeError (an RSA key under 2048 bits, a key of the wrong type): the key set's fault. */
function unusableKey(error: TypeError): KeySetUnavailable {
  return new KeySetUnavailable(false, `AUTH_JWKS_URL serves a key that cannot verify tokens (${error.message})`);
}

/** One key set per URL per warm container, so keys are fetched once and cached by jose. */
const remoteKeySets = new Map<string, RemoteKeySet>();

function remoteKeySet(url: URL): RemoteKeySet {
  let keySet = remoteKeySets.get(url.href);
  if (keySet === undefined) {
    const cache: JWKSCacheInput = {};
    const remote = createRemoteJWKSet(url, { timeoutDuration: JWKS_TIMEOUT_MS, [jwksCache]: cache });
    const getKey: JWTVerifyGetKey = async (header, token) => {
      try {
        return await remote(header, token);
      } catch (error) {
        throw isTokenFault(error) ? error : keySetFailure(error);
      }
    };
    keySet = { getKey, cache };
    remoteKeySets.set(url.href, keySet);
  }
  return keySet;
}

/** RFC 6750 §2.1: `Authorization: Bearer <token>`; the scheme name is case-insensitive (RFC 9110 §11.1). */
function parseBearer(header: unknown): string {
  if (header === undefined) {
    throw new KitError('missing_token');
  }
  const match = typeof header === 'string' ? /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i.exec(header) : null;
  const token = match?.[1];
  if (token === undefined || token.length > MAX_TOKEN_LENGTH) {
    throw new KitError('invalid_token', { message: 'The Authorization header must be "Bearer <token>".' });
  }
  return token;
}

function invalidToken(cause: unknown): KitError {
  return new KitError('invalid_token', { cause });
}

/**
 * A caller sends the same token with every request until it expires, and verifying it is the largest part of a
 * handler's own work. Tokens that passed verification are remembered until their `exp`, per key source (a changed
 * configuration has new key objects, hence an empty cache), for at most this many tokens. With a JWKS, a token is
 * remembered only while the key set it was verified against is the one jose holds: after a refetch (a rotated key)
 * or once that set is 10 minutes old, the token is verified again, so it never outlives its key.
 */
const MAX_CACHED_TOKENS = 200;
interface CachedToken {
  sub: string;
  exp: number;
  nbf: number;
  /** When the key set this token was verified against was fetched (JWKS only). */
  keySetFetchedAt: number | undefined;
}
const verifiedTokens = new WeakMap<CallerKeySource, Map<string, CachedToken>>();
/** jose's default `cacheMaxAge`: a key set older than this is fetched again before the next verification. */
const KEY_SET_MAX_AGE_MS = 600_000;

function cacheKey(verification: CallerVerification, token: string): string {
  return `${verification.issuer}|${verification.audience}|${verification.maxLifetimeSeconds}|${token}`;
}

/** When the key set in force was fetched; undefined for a shared secret, or a JWKS not fetched (or too old). */
function keySetFetchedAt(key: CallerKeySource): number | undefined {
  if (key.kind !== 'jwks') return undefined;
  const fetchedAt = remoteKeySet(key.url).cache.uat;
  return fetchedAt !== undefined && Date.now() - fetchedAt < KEY_SET_MAX_AGE_MS ? fetchedAt : undefined;
}

function cachedCaller(verification: CallerVerification, token: string): Caller | undefined {
  const entry = verifiedTokens.get(verification.key)?.get(cacheKey(verification, token));
  if (entry === undefined) return undefined;
  if (verification.key.kind === 'jwks' && (entry.keySetFetchedAt === undefined || entry.keySetFetchedAt !== keySetFetchedAt(verification.key))) {
    return undefined;
  }
  const now = (verification.currentDate ?? new Date()).getTime() / 1000;
  // The same time rules as jose: expired once exp <= now - tolerance, not yet valid while nbf > now + tolerance.
  if (entry.exp <= now - CLOCK_TOLERANCE_SECONDS || entry.nbf > now + CLOCK_TOLERANCE_SECONDS) return undefined;
  return { sub: entry.sub };
}

function rememberCaller(verification: CallerVerification, token: string, entry: CachedToken): void {
  let tokens = verifiedTokens.get(verification.key);
  if (tokens === undefined) {
    tokens = new Map();
    verifiedTokens.set(verification.key, tokens);
  }
  if (tokens.size >= MAX_CACHED_TOKENS) tokens.delete(tokens.keys().next().value ?? '');
  tokens.set(cacheKey(verification, token), entry);
}

/** Verifies the caller token and returns its subject; every failure of the token itself is invalid_token. */
export async function authenticateCaller(authorization: unknown, verification: CallerVerification): Promise<Caller> {
  const token = parseBearer(authorization);
  const cached = cachedCaller(verification, token);
  if (cached !== undefined) return cached;
  const { key } = verification;
  const currentDate = verification.currentDate ?? new Date();
  const options = {
    algorithms: key.kind === 'secret' ? SECRET_ALGORITHMS : JWKS_ALGORITHMS,
    issuer: verification.issuer,
    audience: verification.audience,
    clockTolerance: CLOCK_TOLERANCE_SECONDS,
    currentDate,
    // Without `exp` a leaked token would be valid forever; without `iat` its lifetime is unknown, and a ten-year token
    // would pass in its last day (issue 24.5). Every provider the README names sets both.
    requiredClaims: ['sub', 'exp', 'iat'],
  };
  let payload: { sub?: unknown; exp?: unknown; nbf?: unknown; iat?: unknown };
  try {
    payload =
      key.kind === 'secret'
        ? (await jwtVerify(token, key.secret, options)).payload
        : (await jwtVerify(token, remoteKeySet(key.url).getKey, options)).payload;
  } catch (thrown) {
    const error = key.kind === 'jwks' && thrown instanceof TypeError ? unusableKey(thrown) : thrown;
    if (error instanceof KeySetUnavailable) {
      throw new KitError('auth_keys_unavailable', {
        unreachable: error.unreachable,
        message: error.unreachable ? 'The identity provider could not be reached; try again.' : undefined,
        retryAfterSeconds: error.unreachable ? KEY_SET_RETRY_AFTER_SECONDS : undefined,
        cause: error,
        logDetail: error.detail,
      });
    }
    if (error instanceof joseErrors.JOSEError) throw invalidToken(error);
    throw error;
  }
  const { sub, exp, nbf, iat } = payload;
  // A lone surrogate cannot be encoded in UTF-8: the identity HMAC would see U+FFFD, so several subjects would be one user.
  if (typeof sub !== 'string' || sub === '' || sub.length > MAX_USER_KEY_LENGTH || hasLoneSurrogate(sub)) throw invalidToken(undefined);
  if (typeof exp !== 'number' || typeof iat !== 'number') throw invalidToken(undefined);
  const now = currentDate.getTime() / 1000;
  // An `iat` ahead of this clock (drift) counts from now, so it cannot shorten the lifetime the check sees.
  const start = Math.min(iat, now);
  const maxLifetime = verification.maxLifetimeSeconds ?? DEFAULT_MAX_TOKEN_LIFETIME_SECONDS;
  if (exp - start > maxLifetime + CLOCK_TOLERANCE_SECONDS) throw invalidToken(undefined);
  rememberCaller(verification, token, { sub, exp, nbf: typeof nbf === 'number' ? nbf : 0, keySetFetchedAt: keySetFetchedAt(key) });
  return { sub };
}
