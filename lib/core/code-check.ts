// A code check in progress: reserved already (the state's CodeAttempt), and Verify's calls that take a code, each
// telling the attempt whether the code may have reached Verify and counting a legacy wrong-code error before it goes
// on. The core has no other way to send a code to Verify, so a new path that checks a code cannot forget to count one.
import type { FactorStatus } from '../contract';
import type { VerifiedFactor } from '../state/model';
import type { CodeAttempt } from '../state/security-state';
import type { Challenge, CodeVerifier } from '../verify/gateway';
import { isFailure, type FailureKind } from './failures';

export interface CodeCheck {
  /** The state's side of this check: reserved when it began; it records the outcome. */
  readonly attempt: CodeAttempt;
  /**
   * A challenge with the code (a sign-in, a step-up) on one of the user's factors. A code the factor accepted within
   * its window already never reaches Verify: Failure('code_reused') (the attempt records the reuse).
   */
  createChallenge(factor: VerifiedFactor, code: string): Promise<Challenge>;
  /** The first code of an unverified factor; a wrong one is the status `unverified`. */
  verifyFactor(factorSid: string, code: string): Promise<FactorStatus>;
}

/** Verify's answers that prove it checked no code: the factor, the input or the account was refused first. */
const NOT_CHECKED: FailureKind[] = [
  'factor_not_found',
  'challenge_not_found',
  'factor_not_verified',
  'factor_state_conflict',
  'too_many_factors',
  'factor_attempts_exhausted',
  'factor_attempts_throttled',
  'challenges_throttled',
  'enrollments_throttled',
  'upstream_refused_input',
  'upstream_rate_limited',
  'upstream_unavailable',
  'misconfigured',
];

/** The code check of `attempt` for the user `identity`, over Verify's code-taking calls. */
export function startCodeCheck(attempt: CodeAttempt, verify: CodeVerifier, identity: string): CodeCheck {
  async function sent<T>(run: () => Promise<T>): Promise<T> {
    attempt.markCodeSent(true);
    try {
      return await run();
    } catch (error) {
      // Legacy Verify answers a wrong code with an error (60311/60324): it still counts, then goes on as before.
      if (isFailure(error, 'wrong_code')) await attempt.refused();
      else if (isFailure(error, ...NOT_CHECKED)) attempt.markCodeSent(false);
      throw error;
    }
  }
  return {
    attempt,
    async createChallenge(factor, code) {
      // RFC 6238 §5.2: a code is accepted once. Its reuse is answered as such, and spends none of Verify's quota.
      if (attempt.isReuse(factor, code)) await attempt.reused(factor);
      return sent(() => verify.createChallenge(identity, factor.sid, code));
    },
    verifyFactor: (factorSid, code) => sent(() => verify.verifyFactor(identity, factorSid, code)),
  };
}
