// The one table that turns a failed Verify call (Twilio error code, HTTP status or transport failure) into a Failure.
import { Failure, type FailureKind } from '../core/failures';

/** Twilio error codes (reference: twilio.com/docs/api/errors/<code>) → the core's failure kinds. */
export const TWILIO_ERROR_TABLE: Readonly<Record<number, FailureKind>> = {
  60200: 'upstream_refused_input',
  60314: 'upstream_refused_input',
  60367: 'upstream_refused_input',
  60369: 'upstream_refused_input',
  60370: 'upstream_refused_input',
  // Legacy Verify behaviour (before Oct 2021) answered a wrong code with an error instead of a status.
  60311: 'wrong_code',
  60324: 'wrong_code',
  // Verify's generic "resource not found"; on a factor path it means the factor (or its entity) does not exist.
  20404: 'factor_not_found',
  60390: 'factor_not_found',
  60391: 'challenge_not_found',
  60392: 'factor_not_found',
  60315: 'too_many_factors',
  60318: 'factor_not_verified',
  60322: 'factor_state_conflict',
  60323: 'factor_state_conflict',
  60383: 'factor_state_conflict',
  60310: 'factor_attempts_exhausted',
  60308: 'factor_attempts_throttled',
  60312: 'challenges_throttled',
  60326: 'enrollments_throttled',
  20429: 'upstream_rate_limited',
};

/** Transport failures of the HTTP client (axios error codes / Node socket errors). */
const TRANSPORT_ERROR_TABLE: Readonly<Record<string, FailureKind>> = {
  ECONNABORTED: 'upstream_timeout',
  ETIMEDOUT: 'upstream_timeout',
  ECONNREFUSED: 'upstream_unavailable',
  ENOTFOUND: 'upstream_unavailable',
  EAI_AGAIN: 'upstream_unavailable',
  EHOSTUNREACH: 'upstream_unavailable',
  // The connection dropped mid-answer: Verify may or may not have acted, which is a bad gateway, not a retryable outage.
  ECONNRESET: 'upstream_error',
  EPIPE: 'upstream_error',
  ERR_BAD_RESPONSE: 'upstream_error',
};

/** Per-operation exceptions to the table, where a code means something else in that call's context. */
export type TwilioCodeOverrides = Readonly<Partial<Record<number, FailureKind>>>;

/** What a twilio-node RestException carries (duck-typed: the class may come from another copy of the package). */
interface TwilioRestError {
  status: number;
  code: unknown;
}

function isTwilioRestError(error: unknown): error is Error & TwilioRestError {
  return error instanceof Error && typeof (error as Partial<TwilioRestError>).status === 'number';
}

function transportCode(error: unknown): string | undefined {
  const code = error instanceof Error ? (error as { code?: unknown }).code : undefined;
  return typeof code === 'string' ? code : undefined;
}

function twilioErrorCode(error: Error & TwilioRestError): number | undefined {
  return typeof error.code === 'number' ? error.code : undefined;
}

function kindOfHttpStatus(status: number): FailureKind {
  if (status === 401 || status === 403) return 'misconfigured';
  if (status === 404) return 'factor_not_found';
  if (status === 429) return 'upstream_rate_limited';
  if (status === 503) return 'upstream_unavailable';
  if (status === 504) return 'upstream_timeout';
  return 'upstream_error';
}

function kindOf(error: unknown, overrides: TwilioCodeOverrides): FailureKind {
  if (isTwilioRestError(error)) {
    const code = twilioErrorCode(error);
    const known = code === undefined ? undefined : (overrides[code] ?? TWILIO_ERROR_TABLE[code]);
    return known ?? kindOfHttpStatus(error.status);
  }
  // JSON.parse of a non-JSON body (a proxy's HTML page, a truncated answer).
  if (error instanceof SyntaxError) return 'upstream_error';
  const transport = transportCode(error);
  const byCode = transport === undefined ? undefined : TRANSPORT_ERROR_TABLE[transport];
  if (byCode !== undefined) return byCode;
  if (error instanceof Error && /timeout/i.test(error.message)) return 'upstream_timeout';
  return 'upstream_error';
}

/** Maps any failure of a Verify call once, where it enters; the log line says what failed, without secrets. */
export function mapVerifyError(error: unknown, operation: string, overrides: TwilioCodeOverrides = {}): Failure {
  if (error instanceof Failure) return error;
  return new Failure(kindOf(error, overrides), { cause: error, logDetail: `verify ${operation}: ${describeVerifyFailure(error)}` });
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
  const code = transportCode(error);
  return `Verify call failed${code === undefined ? '' : ` (${code})`}`;
}
