// The one table that turns a failed Verify call (Twilio error code, HTTP status or transport failure) into a KitError.
import { KitError } from './errors';

interface Mapping {
  status: number;
  code: string;
  message: string;
  retryAfterSeconds?: number;
}

const SECONDS_PER_HOUR = 3600;
const SECONDS_PER_DAY = 86400;
/** Retry-After for transient upstream trouble: short, so a user's retry soon succeeds, long enough to avoid a storm. */
const TRANSIENT_RETRY_SECONDS = 5;

/** Twilio error codes (reference: twilio.com/docs/api/errors/<code>) → kit errors. Mirrored in docs/functions.md. */
export const TWILIO_ERROR_TABLE: Readonly<Record<number, Mapping>> = {
  60200: { status: 400, code: 'invalid_request', message: 'Verify refused a parameter of this request.' },
  60314: { status: 400, code: 'invalid_request', message: 'Verify refused the factor binding.' },
  60367: { status: 400, code: 'invalid_request', message: 'Verify refused the entity identity.' },
  60369: { status: 400, code: 'invalid_request', message: 'Verify refused the factor type.' },
  60370: { status: 400, code: 'invalid_request', message: 'Verify refused the factor configuration.' },
  // Legacy Verify behaviour (before Oct 2021) answered a wrong code with an error instead of a status.
  60311: { status: 403, code: 'invalid_code', message: 'The code is not valid.' },
  60324: { status: 403, code: 'invalid_code', message: 'The code is not valid.' },
  // Verify's generic "resource not found"; on a factor path it means the factor (or its entity) does not exist.
  20404: { status: 404, code: 'factor_not_found', message: 'No such factor.' },
  60390: { status: 404, code: 'factor_not_found', message: 'No such factor.' },
  60391: { status: 404, code: 'challenge_not_found', message: 'No such challenge.' },
  60392: { status: 404, code: 'factor_not_found', message: 'No such factor.' },
  60315: { status: 409, code: 'too_many_factors', message: 'This user has too many factors; delete one first.' },
  60318: { status: 409, code: 'factor_not_verified', message: 'This factor is not verified yet; verify it first.' },
  60322: { status: 409, code: 'factor_state_conflict', message: 'This challenge was already answered.' },
  60323: { status: 409, code: 'factor_state_conflict', message: 'This challenge has expired.' },
  60383: { status: 409, code: 'factor_state_conflict', message: 'The factor is not in a state that allows this.' },
  // An unverified factor that reached its attempt limit stays locked until Verify deletes it (within 24 h).
  60310: {
    status: 429,
    code: 'too_many_attempts',
    message: 'Too many wrong codes for this factor; delete it and enroll again.',
    retryAfterSeconds: SECONDS_PER_DAY,
  },
  60308: { status: 429, code: 'too_many_attempts', message: 'Too many wrong codes; try again later.', retryAfterSeconds: 300 },
  60312: {
    status: 429,
    code: 'too_many_challenges',
    message: 'Too many sign-in checks for this factor; try again later.',
    retryAfterSeconds: SECONDS_PER_HOUR,
  },
  60326: {
    status: 429,
    code: 'too_many_enrollments',
    message: 'Too many enrollments for this user today; try again tomorrow.',
    retryAfterSeconds: SECONDS_PER_DAY,
  },
  20429: { status: 429, code: 'rate_limited', message: 'Too many requests; try again shortly.', retryAfterSeconds: TRANSIENT_RETRY_SECONDS },
};

const VERIFY_ERROR: Mapping = { status: 502, code: 'verify_error', message: 'The verification service failed; try again.' };
const VERIFY_UNAVAILABLE: Mapping = {
  status: 503,
  code: 'verify_unavailable',
  message: 'The verification service is unavailable; try again shortly.',
  retryAfterSeconds: TRANSIENT_RETRY_SECONDS,
};
export const VERIFY_TIMEOUT: Mapping = {
  status: 503,
  code: 'verify_timeout',
  message: 'The verification service did not answer in time; try again.',
  retryAfterSeconds: TRANSIENT_RETRY_SECONDS,
};
/** Our own credentials or service SID were refused: the operator must act, the caller learns nothing more. */
export const SERVER_MISCONFIGURED: Mapping = { status: 500, code: 'internal_error', message: 'Something went wrong on our side.' };

/** Transport failures of the HTTP client (axios error codes / Node socket errors). */
const TRANSPORT_ERROR_TABLE: Readonly<Record<string, Mapping>> = {
  ECONNABORTED: VERIFY_TIMEOUT,
  ETIMEDOUT: VERIFY_TIMEOUT,
  ECONNREFUSED: VERIFY_UNAVAILABLE,
  ENOTFOUND: VERIFY_UNAVAILABLE,
  EAI_AGAIN: VERIFY_UNAVAILABLE,
  EHOSTUNREACH: VERIFY_UNAVAILABLE,
  // The connection dropped mid-answer: Verify may or may not have acted, which is a bad gateway, not a retryable outage.
  ECONNRESET: VERIFY_ERROR,
  EPIPE: VERIFY_ERROR,
  ERR_BAD_RESPONSE: VERIFY_ERROR,
};

/** What a twilio-node RestException carries (duck-typed: the class may come from another copy of the package). */
interface TwilioRestError {
  status: number;
  code: unknown;
}

function isTwilioRestError(error: unknown): error is Error & TwilioRestError {
  return error instanceof Error && typeof (error as Partial<TwilioRestError>).status === 'number';
}

function errorCode(error: unknown): string | undefined {
  const code = error instanceof Error ? (error as { code?: unknown }).code : undefined;
  return typeof code === 'string' ? code : undefined;
}

export function kitError(mapping: Mapping, cause: unknown, logDetail?: string): KitError {
  return new KitError(mapping.status, mapping.code, mapping.message, {
    retryAfterSeconds: mapping.retryAfterSeconds,
    cause,
    logDetail,
  });
}

/** The Twilio error code of a failed Verify call, when Verify answered with one. */
export function twilioErrorCode(error: unknown): number | undefined {
  return isTwilioRestError(error) && typeof error.code === 'number' ? error.code : undefined;
}

function mapHttpStatus(status: number): Mapping {
  if (status === 401 || status === 403) return SERVER_MISCONFIGURED;
  if (status === 404) return TWILIO_ERROR_TABLE[20404] ?? VERIFY_ERROR;
  if (status === 429) return TWILIO_ERROR_TABLE[20429] ?? VERIFY_ERROR;
  if (status === 503) return VERIFY_UNAVAILABLE;
  if (status === 504) return VERIFY_TIMEOUT;
  return VERIFY_ERROR;
}

function selectMapping(error: unknown): Mapping {
  if (isTwilioRestError(error)) {
    const code = twilioErrorCode(error);
    const known = code === undefined ? undefined : TWILIO_ERROR_TABLE[code];
    return known ?? mapHttpStatus(error.status);
  }
  // JSON.parse of a non-JSON body (a proxy's HTML page, a truncated answer).
  if (error instanceof SyntaxError) return VERIFY_ERROR;
  const transport = errorCode(error);
  const byCode = transport === undefined ? undefined : TRANSPORT_ERROR_TABLE[transport];
  if (byCode !== undefined) return byCode;
  if (error instanceof Error && /timeout/i.test(error.message)) return VERIFY_TIMEOUT;
  return VERIFY_ERROR;
}

/** Maps any failure of a Verify call; the original error rides along as `cause`, a secret-free line as `logDetail`. */
export function mapVerifyError(error: unknown, operation: string): KitError {
  if (error instanceof KitError) return error;
  return kitError(selectMapping(error), error, `verify ${operation}: ${describeVerifyFailure(error)}`);
}

/** A short, secret-free description of a Verify failure for the log line. */
export function describeVerifyFailure(error: unknown): string {
  if (isTwilioRestError(error)) {
    const code = twilioErrorCode(error);
    const hint =
      error.status === 401 ? ' (check ACCOUNT_SID/AUTH_TOKEN)' : code === 20404 ? ' (check VERIFY_SERVICE_SID)' : '';
    return `Verify answered HTTP ${error.status}${code === undefined ? '' : ` code ${code}`}${hint}`;
  }
  if (error instanceof SyntaxError) return 'Verify answered a body that is not JSON';
  const code = errorCode(error);
  return `Verify call failed${code === undefined ? '' : ` (${code})`}`;
}
