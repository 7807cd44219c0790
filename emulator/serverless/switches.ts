// Serverless's switches: where Twilio's documentation of the Serverless API is silent or inconsistent, the choice the
// emulator makes by default, and the other one behind a switch (docs/emulator.md).
import type { SwitchSet } from '../core/switches';

export const SERVERLESS_SWITCH_DEFAULTS = Object.freeze({
  /**
   * Seconds on the emulator's clock a Build reads `building` before it reads `completed` or `failed`. Twilio's builds
   * take seconds to minutes; 0 (the default) lets a deploy finish at once, and a test that freezes the clock can
   * watch the deploy wait.
   */
  serverlessBuildSeconds: 0 as number,
  /** Services per account before 400/20001 "Services are limited to less than or equal to 50" (observed; an older page says 10). */
  serverlessMaxServices: 50 as number,
  /**
   * Refuse a Build over Twilio's documented per-build limits (50 Function Versions, 50 private and 1000 public or
   * protected Asset Versions) with 400/20001. Twilio documents the limits but no message, so the wording is the
   * emulator's own; off, any number is accepted.
   */
  serverlessEnforceBuildLimits: true as boolean,
  /**
   * Refuse an unsupported Runtime with the documented 82007 "Unsupported Runtime" instead of what Twilio was seen to
   * answer (400/20001 "unsupported runtime: node10", twilio-cli issue 252). Default false: the observed answer.
   */
  serverlessDocumentedRuntimeError: false as boolean,
});

export type ServerlessSwitches = typeof SERVERLESS_SWITCH_DEFAULTS;

/** EMULATOR_SERVERLESS_*: the prefix of every product that is not Verify. */
export const SERVERLESS_SWITCHES: SwitchSet<ServerlessSwitches> = { defaults: SERVERLESS_SWITCH_DEFAULTS, envPrefix: 'EMULATOR_' };
