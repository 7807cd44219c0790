// The TOTP settings the standards allow, for `npm run setup` and the Functions alike: a code lives at most 30 s, and
// Verify accepts it at most one time step either side of the current one.

/** OWASP ASVS 5.0 6.5.5: a time-based OTP has a maximum lifetime of 30 seconds. */
export const MAX_TIME_STEP_SECONDS = 30;
/**
 * RFC 6238 §5.2: "We RECOMMEND that at most one time step is allowed as the network delay." With skew 1 a code is
 * accepted during its own step and the steps on either side; skew 2 would stretch that to five steps (150 s at 30 s).
 */
export const MAX_SKEW_STEPS = 1;

export interface TotpTiming {
  /** Seconds per code (Verify's time step). */
  timeStep: number;
  /** Steps accepted before and after the current one. */
  skew: number;
}

/** Why `timing` is beyond what the standards allow, one sentence per setting; empty when it is within them. */
export function totpTimingProblems({ timeStep, skew }: TotpTiming): string[] {
  const problems: string[] = [];
  if (timeStep > MAX_TIME_STEP_SECONDS) {
    problems.push(`a time step of ${timeStep} s is longer than the ${MAX_TIME_STEP_SECONDS} s OWASP ASVS 6.5.5 allows a TOTP code to live`);
  }
  if (skew > MAX_SKEW_STEPS) {
    problems.push(`a skew of ${skew} steps accepts codes more than the ${MAX_SKEW_STEPS} step either side RFC 6238 §5.2 recommends`);
  }
  return problems;
}
