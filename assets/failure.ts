// Turns a failed call into what the person reads: locked factors say when to retry, unknown errors say little.
import { ApiError } from './api';
import { describeRetry } from './format';

export interface FailureText {
  text: string;
  /** The caller token was refused: the page must sign out. */
  sessionEnded: boolean;
  locked: boolean;
}

export function describeFailure(error: unknown, nowMs: number): FailureText {
  if (!(error instanceof ApiError)) {
    return { text: 'Something went wrong. Try again.', sessionEnded: false, locked: false };
  }
  if (error.status === 401) {
    return { text: 'Your session has ended. Sign in again.', sessionEnded: true, locked: false };
  }
  if (error.status === 429) {
    // The kit's 429 codes: too_many_enrollments is about set-ups; the others lock the authenticator for a while.
    const what = error.code === 'too_many_enrollments' ? 'Too many set-ups for today.' : 'Locked: too many attempts with this authenticator.';
    return {
      text: `${what} ${describeRetry(error.retryAt, nowMs)}`,
      sessionEnded: false,
      locked: true,
    };
  }
  return { text: error.message, sessionEnded: false, locked: false };
}
