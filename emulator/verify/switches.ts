// Verify's switches: where Twilio's documentation of Verify is silent, the safe choice by default.
import type { SwitchSet } from '../core/switches';

export const VERIFY_SWITCH_DEFAULTS = Object.freeze({
  /** Accept the same TOTP time step twice for one factor. Default false: RFC 6238 §5.2 forbids a second use. */
  allowCodeReuse: false as boolean,
  /** Seconds after creation an unverified factor disappears (Twilio: "1 to 24 hours"). Default 3600, the earliest. */
  unverifiedFactorTtlSeconds: 3600 as number,
  /** Match identities case-insensitively (the spec's readFullTotpUppercasing example hints Twilio normalises case). */
  identityCaseInsensitive: true as boolean,
  /** Identity must be dash-separated alphanumerics; false accepts any [A-Za-z0-9-] string of 8–64 characters. */
  strictIdentityFormat: true as boolean,
  /**
   * Wrong codes a factor (enrolment) or a challenge accepts; the next call answers 429 60310 / 60308 without checking
   * the code (Twilio: 5 for TOTP). Only failures count ("too many incorrect TOTP codes"); a correct code never does.
   */
  maxAttempts: 5 as number,
  /** Enforce 60312 challenge-creation and 60326 factor-creation rate limits. */
  enforceRateLimits: true as boolean,
});

export type VerifySwitches = typeof VERIFY_SWITCH_DEFAULTS;

/** Verify's own switches keep the VERIFY_EMULATOR_ prefix: they are about Verify alone. */
export const VERIFY_SWITCHES: SwitchSet<VerifySwitches> = { defaults: VERIFY_SWITCH_DEFAULTS, envPrefix: 'VERIFY_EMULATOR_' };
