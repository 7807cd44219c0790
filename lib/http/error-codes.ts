// Every error code the kit answers, with its HTTP status and message: the one list that the edge table, every throw at
// the HTTP edge, the ErrorCode union (lib/contract.ts, so totp-client.js and the page) and README's error table follow.
// A code here is part of the API: the page, host frontends and Studio branch on it. Pure data, no imports.

export interface ErrorSpec {
  /** The answer's HTTP status. */
  readonly status: number;
  /** The status when the upstream behind this code could not be reached at all (README: "502 / 503"). */
  readonly unreachableStatus?: number;
  /** The default message, English, for developers (the page shows its own text per code). */
  readonly message: string;
  /** The body's `error` also carries `retryAfterSeconds`: a page on another origin cannot read Retry-After. */
  readonly retryAfterSeconds?: true;
  /** An expected refusal that needs no log line of its own (a lock is logged once, when it begins). */
  readonly quiet?: true;
}

export const ERROR_CODES = {
  invalid_request: { status: 400, message: 'Invalid request.' },
  // The local stack's answer for a body the runtime's parser refuses (scripts/body-parser-errors.ts).
  invalid_json: { status: 400, message: 'The request body could not be read.' },
  reserved_field: { status: 400, message: 'The query and body must not carry a field named "request"; send headers as headers.' },
  missing_token: { status: 401, message: 'An Authorization: Bearer token is required.' },
  invalid_token: { status: 401, message: 'The bearer token is invalid or expired.' },
  // The local stack's dev sign-in reached under another host name (scripts/dev-routes.ts).
  host_not_allowed: { status: 403, message: "The dev sign-in answers only at this machine's own address." },
  // NIST SP 800-63B-4 §3.2.2's hard cap: no time helps, only the operator (npm run support -- unlock).
  account_locked: { status: 403, message: 'Too many wrong codes in a row on this account; no code is checked until support unlocks it.', quiet: true },
  step_up_required: { status: 403, message: 'Deleting a verified authenticator needs a current code from it.' },
  invalid_code: { status: 403, message: 'The code is not valid.' },
  // A trusted device's token that is wrong, expired or forgotten: it counts towards the lock like a wrong code.
  device_not_trusted: { status: 403, message: 'This device is not trusted (any more); ask for a code.' },
  // RFC 6238 §5.2: a code is accepted once. Not a guess (the user's double submit), so the page says to wait for the next.
  code_reused: { status: 409, message: 'This code was just used; wait for the next one.', retryAfterSeconds: true },
  factor_not_found: { status: 404, message: 'No such factor.' },
  challenge_not_found: { status: 404, message: 'No such challenge.' },
  device_not_found: { status: 404, message: 'No such trusted device.' },
  not_enrolled: { status: 404, message: 'No verified authenticator is enrolled for this user.' },
  no_approval_keys: { status: 404, message: 'Approval tokens are signed with a shared secret (HS256); there are no public keys.' },
  method_not_allowed: { status: 405, message: 'Use POST with a JSON or form-encoded body.' },
  already_enrolled: { status: 409, message: 'An authenticator is already enrolled; delete it (with a current code) first.' },
  already_verified: { status: 409, message: 'This authenticator is already verified; use /create-challenge to check a code.' },
  enrollment_in_progress: {
    status: 409,
    message: 'A set-up for this user is already under way; use that one, or start again in a moment.',
    retryAfterSeconds: true,
  },
  factor_not_verified: { status: 409, message: 'This factor is not verified yet; verify it first.' },
  factor_state_conflict: { status: 409, message: 'The factor is not in a state that allows this.' },
  too_many_factors: { status: 409, message: 'This user has too many factors; delete one first.' },
  // The local stack's answer for a body over the runtime parser's limit (scripts/body-parser-errors.ts).
  body_too_large: { status: 413, message: 'The request body could not be read.' },
  unsupported_media_type: { status: 415, message: 'Send the body as application/json or application/x-www-form-urlencoded.' },
  locked: { status: 429, message: 'Too many wrong codes; no code is checked until the lock ends.', retryAfterSeconds: true, quiet: true },
  too_many_attempts: { status: 429, message: 'Too many wrong codes; try again later.' },
  too_many_challenges: { status: 429, message: 'Too many sign-in checks for this factor; try again later.' },
  too_many_enrollments: { status: 429, message: 'Too many enrollments for this user today; try again tomorrow.' },
  rate_limited: { status: 429, message: 'Too many requests; try again shortly.' },
  internal_error: { status: 500, message: 'Something went wrong on our side.' },
  verify_error: { status: 502, message: 'The verification service failed; try again.' },
  auth_keys_unavailable: { status: 502, unreachableStatus: 503, message: 'The identity provider answered with unusable keys.' },
  verify_unavailable: { status: 503, message: 'The verification service is unavailable; try again shortly.' },
  state_unavailable: { status: 503, message: 'The security state store is unavailable, so no code can be checked; try again shortly.' },
  verify_timeout: { status: 503, message: 'The verification service did not answer in time; try again.' },
} as const satisfies Readonly<Record<string, ErrorSpec>>;

/** A stable error code of the kit's answers: `{error: {code, message}}`. */
export type ErrorCode = keyof typeof ERROR_CODES;

/** The list's entry for `code`, typed as a plain spec (the `as const` literal types are for the ErrorCode union). */
export function errorSpec(code: ErrorCode): ErrorSpec {
  return ERROR_CODES[code];
}
