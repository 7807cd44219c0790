// A code check in progress: the lock already checked (the state's CodeAttempt), and Verify's calls that take a code,
// each counting a legacy wrong-code error before it goes on. The core has no other way to send a code to Verify, so a
// new path that checks a code cannot forget to count a wrong one.
import type { FactorStatus } from '../contract';
import type { CodeAttempt } from '../state/security-state';
import type { Challenge, CodeVerifier } from '../verify/gateway';
import { isFailure } from './failures';

export interface CodeCheck {
  /** The state's side of this check: the lock was checked when it began; it records the outcome. */
  readonly attempt: CodeAttempt;
  /** A challenge with the code (a sign-in, a step-up) on one of the user's factors. */
  createChallenge(factorSid: string, code: string): Promise<Challenge>;
  /** The first code of an unverified factor; a wrong one is the status `unverified`. */
  verifyFactor(factorSid: string, code: string): Promise<FactorStatus>;
}

/** The code check of `attempt` for the user `identity`, over Verify's code-taking calls. */
export function startCodeCheck(attempt: CodeAttempt, verify: CodeVerifier, identity: string): CodeCheck {
  // Legacy Verify answers a wrong code with an error (60311/60324): it still counts, then goes on as before.
  async function counted<T>(run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      if (isFailure(error, 'wrong_code')) await attempt.refused();
      throw error;
    }
  }
  return {
    attempt,
    createChallenge: (factorSid, code) => counted(() => verify.createChallenge(identity, factorSid, code)),
    verifyFactor: (factorSid, code) => counted(() => verify.verifyFactor(identity, factorSid, code)),
  };
}
