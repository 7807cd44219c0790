// The core's own language for what went wrong: a small union of failure kinds, with no HTTP status or display code.
// lib/http/failure-table.ts turns each kind into the caller's answer at the edge.

export type FailureKind =
  // The user and their factors
  | 'not_enrolled'
  | 'already_enrolled'
  | 'already_verified'
  | 'factor_not_found'
  | 'factor_not_verified'
  | 'challenge_not_found'
  | 'too_many_factors'
  | 'factor_state_conflict'
  | 'step_up_required'
  /** A code with another number of digits than the factor's: malformed for this user, so it costs no Verify quota. */
  | 'code_length_mismatch'
  /** Text that cannot be a recovery code: bad input, not a guess, so it costs no attempt. */
  | 'malformed_recovery_code'
  /** A user key that is not well-formed Unicode: UTF-8 would make it another key's identity. */
  | 'malformed_user_key'
  /** A code that Verify refused where the flow cannot go on (the delete step-up, legacy wrong-code errors). */
  | 'wrong_code'
  /** A trusted device's token that names none of the user's trusted devices (wrong, expired or forgotten): counted like a wrong code. */
  | 'device_not_trusted'
  /** /forget-device named a device the user does not trust (or no longer). */
  | 'device_not_found'
  /** A code accepted within its window already (RFC 6238 §5.2): not a guess; retryAfterSeconds says when the next code comes. */
  | 'code_reused'
  // The kit's own state (lib/state/, on Twilio Sync)
  /** Too many consecutive wrong codes on this channel: no code is checked until the lock ends (retryAfterSeconds). */
  | 'locked'
  /** The account's hard cap on consecutive wrong codes (or the voice channel's share of it): no code is checked until support unlocks. */
  | 'capped'
  /** Another /create-factor for this user is under way (or was abandoned less than ~30 s ago). */
  | 'enrollment_in_progress'
  /** The state store did not answer usably in time: a code check fails closed rather than skip the lock or replay guard. */
  | 'state_unavailable'
  // Verify's own limits on one factor or entity
  | 'factor_attempts_exhausted'
  | 'factor_attempts_throttled'
  | 'challenges_throttled'
  | 'enrollments_throttled'
  // Upstream trouble
  | 'upstream_refused_input'
  | 'upstream_rate_limited'
  | 'upstream_error'
  | 'upstream_unavailable'
  | 'upstream_timeout'
  /** Our own credentials or service were refused: the operator must act. */
  | 'misconfigured';

export interface FailureOptions {
  /** Seconds until a retry can succeed, when the failure itself knows (e.g. a lock's remaining time). */
  retryAfterSeconds?: number;
  /** The underlying error, for debugging only; never read to decide anything. */
  cause?: unknown;
  /** A secret-free description for the log line. */
  logDetail?: string;
}

/** An expected failure of the core or a gateway. */
export class Failure extends Error {
  override readonly name = 'Failure';
  readonly retryAfterSeconds: number | undefined;
  readonly logDetail: string | undefined;

  constructor(
    readonly kind: FailureKind,
    options: FailureOptions = {},
  ) {
    super(kind, { cause: options.cause });
    this.retryAfterSeconds = options.retryAfterSeconds;
    this.logDetail = options.logDetail;
  }
}

/** True when `error` is a Failure of one of `kinds`. */
export function isFailure(error: unknown, ...kinds: FailureKind[]): error is Failure {
  return error instanceof Failure && (kinds.length === 0 || kinds.includes(error.kind));
}
