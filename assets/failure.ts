// Turns a failed call into what the person reads, in their language. The kit's API speaks English to developers;
// the page never shows the server's message, only the text this table gives each stable error `code`.
import type { TextKey } from './catalog';
import { TotpClientError, type TotpErrorCode } from './totp-client';
import { describeRetry } from './format';
import type { Translator } from './translator';

interface CodeText {
  key: TextKey;
  /** The text has a {retry} sentence, from Retry-After (or the body's retryAfterSeconds). */
  retry?: true;
  /** A lock: the sign-in check shows "Locked" rather than "Not checked". */
  locked?: true;
  /** News rather than an error (a set-up already under way). */
  info?: true;
}

/**
 * Every code the kit answers (its one error list, lib/http/error-codes.ts, as the ErrorCode union) and the client's
 * own two (assets/totp-client.ts): typed by the client's TotpErrorCode, so a code missing here, or here only, fails to
 * compile.
 * Codes a working page cannot provoke (a malformed body, a wrong method) share one "reload the page" text.
 */
export const ERROR_TEXTS: Readonly<Record<TotpErrorCode, CodeText>> = {
  invalid_request: { key: 'error.badRequest' },
  invalid_json: { key: 'error.pageOutdated' },
  reserved_field: { key: 'error.pageOutdated' },
  method_not_allowed: { key: 'error.pageOutdated' },
  body_too_large: { key: 'error.pageOutdated' },
  unsupported_media_type: { key: 'error.pageOutdated' },
  no_approval_keys: { key: 'error.pageOutdated' },
  missing_token: { key: 'error.sessionEnded' },
  invalid_token: { key: 'error.sessionEnded' },
  auth_keys_unavailable: { key: 'error.signInCheckUnavailable' },
  // The local stack's dev sign-in (scripts/dev-routes.ts), reached under another host name.
  host_not_allowed: { key: 'error.hostNotAllowed' },
  step_up_required: { key: 'error.stepUpRequired' },
  invalid_code: { key: 'error.invalidCode' },
  // Not an error of the person's: the code field's countdown shows when the next code comes.
  code_reused: { key: 'error.codeReused', retry: true },
  factor_not_found: { key: 'error.factorNotFound' },
  // A trusted device's token refused (forgotten, expired): the page drops it and asks for a code.
  device_not_trusted: { key: 'error.deviceNotTrusted' },
  device_not_found: { key: 'error.deviceNotFound' },
  challenge_not_found: { key: 'error.challengeNotFound' },
  not_enrolled: { key: 'error.notEnrolled' },
  already_enrolled: { key: 'error.alreadyEnrolled' },
  already_verified: { key: 'error.alreadyVerified' },
  factor_not_verified: { key: 'error.factorNotVerified' },
  factor_state_conflict: { key: 'error.factorStateConflict' },
  too_many_factors: { key: 'error.tooManyFactors' },
  too_many_attempts: { key: 'error.tooManyAttempts', retry: true, locked: true },
  too_many_challenges: { key: 'error.tooManyChallenges', retry: true, locked: true },
  too_many_enrollments: { key: 'error.tooManyEnrollments', retry: true, locked: true },
  locked: { key: 'error.locked', retry: true, locked: true },
  account_locked: { key: 'error.accountLocked', locked: true },
  enrollment_in_progress: { key: 'error.enrollmentInProgress', retry: true, info: true },
  rate_limited: { key: 'error.busy', retry: true },
  verify_error: { key: 'error.serviceFailed' },
  verify_unavailable: { key: 'error.serviceUnavailable', retry: true },
  verify_timeout: { key: 'error.serviceUnavailable', retry: true },
  state_unavailable: { key: 'error.stateUnavailable', retry: true },
  internal_error: { key: 'error.internal' },
  network_error: { key: 'error.network' },
  unexpected_response: { key: 'error.unexpected' },
};

export interface FailureText {
  /** The message in the page's language; `nowMs` keeps a retry time right when it is shown again later. */
  text(t: Translator, nowMs: number): string;
  /** How the live region shows it: a set-up already under way is news, not an error. */
  kind: 'error' | 'info';
  /** The caller token was refused: the page must sign out. */
  sessionEnded: boolean;
  locked: boolean;
}

/** Own property only: a code named like Object.prototype's members must not find them. */
function isKnownCode(code: string): code is TotpErrorCode {
  return Object.hasOwn(ERROR_TEXTS, code);
}

export function describeFailure(error: unknown): FailureText {
  if (!(error instanceof TotpClientError)) {
    return { text: (t) => t.text('error.generic'), kind: 'error', sessionEnded: false, locked: false };
  }
  const known = isKnownCode(error.code) ? ERROR_TEXTS[error.code] : undefined;
  // 401 is always the end of the session, whatever its code; an unknown 429 is still a lock.
  const sessionEnded = error.status === 401;
  const entry: CodeText = sessionEnded ? { key: 'error.sessionEnded' } : (known ?? { key: 'error.generic' });
  const { key, retry } = entry;
  return {
    text: (t, nowMs) => (retry === true ? t.text(key, { retry: describeRetry(t, error.retryAt, nowMs) }) : t.text(key)),
    kind: entry.info === true ? 'info' : 'error',
    sessionEnded,
    locked: entry.locked === true || (known === undefined && error.status === 429),
  };
}
