// The one table at the HTTP edge: each failure kind of the core becomes a code of the error list (./error-codes.ts),
// with a message of its own where the code's is too general, and a default Retry-After where the kind has one.
import type { ErrorCode } from './error-codes';
import { KitError } from './kit-error';
import type { Failure, FailureKind } from '../core/failures';

interface Answer {
  code: ErrorCode;
  /** Where one code serves several kinds, what this kind tells the caller; else the list's message. */
  message?: string;
  retryAfterSeconds?: number;
}

const SECONDS_PER_MINUTE = 60;
const SECONDS_PER_HOUR = 3600;
const SECONDS_PER_DAY = 86400;
/** Retry-After for transient upstream trouble: short, so a user's retry soon succeeds, long enough to avoid a storm. */
export const TRANSIENT_RETRY_SECONDS = 5;

export const FAILURE_TABLE: Readonly<Record<FailureKind, Answer>> = {
  not_enrolled: { code: 'not_enrolled' },
  already_enrolled: { code: 'already_enrolled' },
  already_verified: { code: 'already_verified' },
  factor_not_found: { code: 'factor_not_found' },
  factor_not_verified: { code: 'factor_not_verified' },
  challenge_not_found: { code: 'challenge_not_found' },
  too_many_factors: { code: 'too_many_factors' },
  factor_state_conflict: { code: 'factor_state_conflict' },
  step_up_required: { code: 'step_up_required' },
  code_length_mismatch: { code: 'invalid_request', message: 'Invalid request: code must have as many digits as the authenticator shows.' },
  malformed_recovery_code: {
    code: 'invalid_request',
    message: 'Invalid request: a recovery code has 16 letters and digits, as XXXX-XXXX-XXXX-XXXX (10, as XXXXX-XXXXX, if issued before).',
  },
  malformed_user_key: { code: 'invalid_request', message: 'Invalid request: user must be well-formed Unicode.' },
  wrong_code: { code: 'invalid_code' },
  device_not_trusted: { code: 'device_not_trusted' },
  device_not_found: { code: 'device_not_found' },
  code_reused: { code: 'code_reused' },
  locked: { code: 'locked' },
  capped: { code: 'account_locked' },
  enrollment_in_progress: { code: 'enrollment_in_progress' },
  state_unavailable: { code: 'state_unavailable', retryAfterSeconds: TRANSIENT_RETRY_SECONDS },
  // An unverified factor that reached its attempt limit stays locked until Verify deletes it (within 24 h).
  factor_attempts_exhausted: {
    code: 'too_many_attempts',
    message: 'Too many wrong codes for this factor; delete it and enroll again.',
    retryAfterSeconds: SECONDS_PER_DAY,
  },
  factor_attempts_throttled: { code: 'too_many_attempts', retryAfterSeconds: 5 * SECONDS_PER_MINUTE },
  challenges_throttled: { code: 'too_many_challenges', retryAfterSeconds: SECONDS_PER_HOUR },
  enrollments_throttled: { code: 'too_many_enrollments', retryAfterSeconds: SECONDS_PER_DAY },
  upstream_refused_input: { code: 'invalid_request', message: 'Verify refused a parameter of this request.' },
  upstream_rate_limited: { code: 'rate_limited', retryAfterSeconds: TRANSIENT_RETRY_SECONDS },
  upstream_error: { code: 'verify_error' },
  upstream_unavailable: { code: 'verify_unavailable', retryAfterSeconds: TRANSIENT_RETRY_SECONDS },
  upstream_timeout: { code: 'verify_timeout', retryAfterSeconds: TRANSIENT_RETRY_SECONDS },
  // The caller learns nothing more than "our side"; the log line says what to fix.
  misconfigured: { code: 'internal_error' },
};

/** The caller's answer to a core failure; a retry time the failure knows wins over the table's default. */
export function toKitError(failure: Failure): KitError {
  const answer = FAILURE_TABLE[failure.kind];
  return new KitError(answer.code, {
    message: answer.message,
    retryAfterSeconds: failure.retryAfterSeconds ?? answer.retryAfterSeconds,
    cause: failure,
    logDetail: failure.logDetail,
  });
}
