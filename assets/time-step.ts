// TOTP time-step arithmetic for the countdown (pure, so it is tested without a browser).

/** RFC 6238 §4.2: steps are counted from the Unix epoch, so every step starts at a multiple of the period. */
export function secondsLeftInStep(nowMs: number, periodSeconds: number): number {
  const elapsed = Math.floor(nowMs / 1000) % periodSeconds;
  return periodSeconds - elapsed;
}
