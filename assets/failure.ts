// Turns a failed call into what the person reads: locked factors say when to retry, unknown errors say little.
import { ApiError } from './api';
import { describeRetry } from './format';

export interface FailureText {
  text: string;
  /** How the live region shows it: a set-up already under way is news, not an error. */
  kind: 'error' | 'info';
  /** The caller token was refused: the page must sign out. */
  sessionEnded: boolean;
  locked: boolean;
}

export function describeFailure(error: unknown, nowMs: number): FailureText {
  if (!(error instanceof ApiError)) {
    return { text: 'Something went wrong. Try again.', kind: 'error', sessionEnded: false, locked: false };
  }
  if (error.status === 401) {
    return { text: 'Your session has ended. Sign in again.', kind: 'error', sessionEnded: true, locked: false };
  }
  if (error.code === 'enrollment_in_progress') {
    // A double click or a second tab: the first set-up goes on; only a fresh one has to wait a few seconds.
    return {
      text: `A set-up is already under way, perhaps in another tab. Use that one, or start again: ${describeRetry(error.retryAt, nowMs)}`,
      kind: 'info',
      sessionEnded: false,
      locked: false,
    };
  }
  if (error.code === 'locked') {
    return { text: `Locked: too many wrong codes. ${describeRetry(error.retryAt, nowMs)}`, kind: 'error', sessionEnded: false, locked: true };
  }
  if (error.status === 429) {
    // The kit's 429 codes: too_many_enrollments is about set-ups; the others lock the authenticator for a while.
    const what = error.code === 'too_many_enrollments' ? 'Too many set-ups for today.' : 'Locked: too many attempts with this authenticator.';
    return {
      text: `${what} ${describeRetry(error.retryAt, nowMs)}`,
      kind: 'error',
      sessionEnded: false,
      locked: true,
    };
  }
  return { text: error.message, kind: 'error', sessionEnded: false, locked: false };
}
