// The one table at the HTTP edge: each failure kind of the core becomes a status, a stable code and a message.
// README's error table lists the same rows; a code here is part of the API (the page and Studio branch on it).
import { KitError } from './errors';
import type { Failure, FailureKind } from './failures';

interface Answer {
  status: number;
  code: string;
  message: string;
  retryAfterSeconds?: number;
  /** Also put retryAfterSeconds in the body: a page on another origin cannot read Retry-After (not CORS-safelisted). */
  retryAfterInBody?: true;
  /** An expected refusal that needs no log line of its own (a lock logs once, when it begins: lib/state-guard.ts). */
  quiet?: true;
}

const SECONDS_PER_HOUR = 3600;
const SECONDS_PER_DAY = 86400;
/** Retry-After for transient upstream trouble: short, so a user's retry soon succeeds, long enough to avoid a storm. */
export const TRANSIENT_RETRY_SECONDS = 5;

export const FAILURE_TABLE: Readonly<Record<FailureKind, Answer>> = {
  not_enrolled: { status: 404, code: 'not_enrolled', message: 'No verified authenticator is enrolled for this user.' },
  already_enrolled: {
    status: 409,
    code: 'already_enrolled',
    message: 'An authenticator is already enrolled; delete it (with a current code) first.',
  },
  already_verified: {
    status: 409,
    code: 'already_verified',
    message: 'This authenticator is already verified; use /create-challenge to check a code.',
  },
  factor_not_found: { status: 404, code: 'factor_not_found', message: 'No such factor.' },
  factor_not_verified: { status: 409, code: 'factor_not_verified', message: 'This factor is not verified yet; verify it first.' },
  challenge_not_found: { status: 404, code: 'challenge_not_found', message: 'No such challenge.' },
  too_many_factors: { status: 409, code: 'too_many_factors', message: 'This user has too many factors; delete one first.' },
  factor_state_conflict: { status: 409, code: 'factor_state_conflict', message: 'The factor is not in a state that allows this.' },
  step_up_required: {
    status: 403,
    code: 'step_up_required',
    message: 'Deleting a verified authenticator needs a current code from it.',
  },
  code_length_mismatch: { status: 400, code: 'invalid_request', message: 'Invalid request: code must have as many digits as the authenticator shows.' },
  malformed_recovery_code: {
    status: 400,
    code: 'invalid_request',
    message: 'Invalid request: a recovery code has 10 letters and digits, as XXXXX-XXXXX.',
  },
  wrong_code: { status: 403, code: 'invalid_code', message: 'The code is not valid.' },
  locked: {
    status: 429,
    code: 'locked',
    message: 'Too many wrong codes; no code is checked until the lock ends.',
    retryAfterInBody: true,
    quiet: true,
  },
  enrollment_in_progress: {
    status: 409,
    code: 'enrollment_in_progress',
    message: 'A set-up for this user is already under way; use that one, or start again in a moment.',
    retryAfterInBody: true,
  },
  state_unavailable: {
    status: 503,
    code: 'state_unavailable',
    message: 'The security state store is unavailable, so no code can be checked; try again shortly.',
    retryAfterSeconds: TRANSIENT_RETRY_SECONDS,
  },
  // An unverified factor that reached its attempt limit stays locked until Verify deletes it (within 24 h).
  factor_attempts_exhausted: {
    status: 429,
    code: 'too_many_attempts',
    message: 'Too many wrong codes for this factor; delete it and enroll again.',
    retryAfterSeconds: SECONDS_PER_DAY,
  },
  factor_attempts_throttled: { status: 429, code: 'too_many_attempts', message: 'Too many wrong codes; try again later.', retryAfterSeconds: 300 },
  challenges_throttled: {
    status: 429,
    code: 'too_many_challenges',
    message: 'Too many sign-in checks for this factor; try again later.',
    retryAfterSeconds: SECONDS_PER_HOUR,
  },
  enrollments_throttled: {
    status: 429,
    code: 'too_many_enrollments',
    message: 'Too many enrollments for this user today; try again tomorrow.',
    retryAfterSeconds: SECONDS_PER_DAY,
  },
  upstream_refused_input: { status: 400, code: 'invalid_request', message: 'Verify refused a parameter of this request.' },
  upstream_rate_limited: {
    status: 429,
    code: 'rate_limited',
    message: 'Too many requests; try again shortly.',
    retryAfterSeconds: TRANSIENT_RETRY_SECONDS,
  },
  upstream_error: { status: 502, code: 'verify_error', message: 'The verification service failed; try again.' },
  upstream_unavailable: {
    status: 503,
    code: 'verify_unavailable',
    message: 'The verification service is unavailable; try again shortly.',
    retryAfterSeconds: TRANSIENT_RETRY_SECONDS,
  },
  upstream_timeout: {
    status: 503,
    code: 'verify_timeout',
    message: 'The verification service did not answer in time; try again.',
    retryAfterSeconds: TRANSIENT_RETRY_SECONDS,
  },
  // The caller learns nothing more than "our side"; the log line says what to fix.
  misconfigured: { status: 500, code: 'internal_error', message: 'Something went wrong on our side.' },
};

/** The caller's answer to a core failure; a retry time the failure knows wins over the table's default. */
export function toKitError(failure: Failure): KitError {
  const answer = FAILURE_TABLE[failure.kind];
  const retryAfterSeconds = failure.retryAfterSeconds ?? answer.retryAfterSeconds;
  return new KitError(answer.status, answer.code, answer.message, {
    retryAfterSeconds,
    cause: failure,
    logDetail: failure.logDetail,
    bodyFields: answer.retryAfterInBody && retryAfterSeconds !== undefined ? { retryAfterSeconds } : undefined,
    quiet: answer.quiet,
  });
}
