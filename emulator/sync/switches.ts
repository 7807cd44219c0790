// Sync's switches: where Twilio's documentation of Sync is silent, the safe choice by default.
import type { SwitchSet } from '../core/switches';

export const SYNC_SWITCH_DEFAULTS = Object.freeze({
  /**
   * Sync writes per second per object (a Map or List counts as one object with its items) before 429 54009, over
   * Sync's 10-second burst window: at most 10 × this many writes in any 10 s. Twilio's limit is 20; 0 (the default)
   * turns the check off, so tests that hammer one object on purpose are not throttled.
   */
  syncWriteRateLimit: 0 as number,
  /**
   * Seconds an expired Sync object stays readable after its date_expires. Twilio's TTL "sacrifices accurate firing
   * times"; a delay here shows whether a caller wrongly relies on TTL. Default 0: gone at date_expires.
   */
  syncExpiryDelaySeconds: 0 as number,
});

export type SyncSwitches = typeof SYNC_SWITCH_DEFAULTS;

/** EMULATOR_SYNC_*: these are not Verify's, so not VERIFY_EMULATOR_* (still read, with a deprecation line). */
export const SYNC_SWITCHES: SwitchSet<SyncSwitches> = { defaults: SYNC_SWITCH_DEFAULTS, envPrefix: 'EMULATOR_', formerEnvPrefix: 'VERIFY_EMULATOR_' };
