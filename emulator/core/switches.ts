// Emulator behaviour where Twilio's documentation is silent: typed switches with safe defaults, settable from CLI/env.

export interface EmulatorSwitches {
  /** Accept the same TOTP time step twice for one factor. Default false: RFC 6238 §5.2 forbids a second use. */
  allowCodeReuse: boolean;
  /** Seconds after creation an unverified factor disappears (Twilio: "1 to 24 hours"). Default 3600, the earliest. */
  unverifiedFactorTtlSeconds: number;
  /** Match identities case-insensitively (the spec's readFullTotpUppercasing example hints Twilio normalises case). */
  identityCaseInsensitive: boolean;
  /** Identity must be dash-separated alphanumerics; false accepts any [A-Za-z0-9-] string of 8–64 characters. */
  strictIdentityFormat: boolean;
  /**
   * Wrong codes a factor (enrolment) or a challenge accepts; the next call answers 429 60310 / 60308 without checking
   * the code (Twilio: 5 for TOTP). Only failures count ("too many incorrect TOTP codes"); a correct code never does.
   */
  maxAttempts: number;
  /** Enforce 60312 challenge-creation and 60326 factor-creation rate limits. */
  enforceRateLimits: boolean;
  /**
   * Sync writes per second per object (a Map or List counts as one object with its items) before 429 54009, over
   * Sync's 10-second burst window: at most 10 × this many writes in any 10 s. Twilio's limit is 20; 0 (the default)
   * turns the check off, so tests that hammer one object on purpose are not throttled.
   */
  syncWriteRateLimit: number;
  /**
   * Seconds an expired Sync object stays readable after its date_expires. Twilio's TTL "sacrifices accurate firing
   * times"; a delay here shows whether a caller wrongly relies on TTL. Default 0: gone at date_expires.
   */
  syncExpiryDelaySeconds: number;
}

export const DEFAULT_SWITCHES: Readonly<EmulatorSwitches> = Object.freeze({
  allowCodeReuse: false,
  unverifiedFactorTtlSeconds: 3600,
  identityCaseInsensitive: true,
  strictIdentityFormat: true,
  maxAttempts: 5,
  enforceRateLimits: true,
  syncWriteRateLimit: 0,
  syncExpiryDelaySeconds: 0,
});

export type SwitchName = keyof EmulatorSwitches;

/** allowCodeReuse → --allow-code-reuse */
export function switchFlag(name: SwitchName): string {
  return `--${name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}

/** allowCodeReuse → VERIFY_EMULATOR_ALLOW_CODE_REUSE */
export function switchEnvName(name: SwitchName): string {
  return `VERIFY_EMULATOR_${name.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`;
}

/** Validates a partial set of switches and fills in the defaults. */
export function resolveSwitches(partial: Partial<EmulatorSwitches> = {}): EmulatorSwitches {
  const switches = { ...DEFAULT_SWITCHES, ...partial };
  for (const name of Object.keys(DEFAULT_SWITCHES) as SwitchName[]) {
    const value: unknown = switches[name];
    if (typeof value !== typeof DEFAULT_SWITCHES[name]) throw new Error(`switch ${name} must be a ${typeof DEFAULT_SWITCHES[name]}`);
    if (typeof value === 'number' && !(Number.isFinite(value) && value >= 0)) throw new Error(`switch ${name} must be a number >= 0`);
  }
  for (const key of Object.keys(partial)) {
    if (!(key in DEFAULT_SWITCHES)) throw new Error(`unknown switch ${key}`);
  }
  return switches;
}

/** Parses a switch value given as text (CLI flag or environment variable). */
export function parseSwitchValue(name: SwitchName, text: string): boolean | number {
  if (typeof DEFAULT_SWITCHES[name] === 'boolean') {
    if (/^(true|1|yes|on)$/i.test(text)) return true;
    if (/^(false|0|no|off)$/i.test(text)) return false;
    throw new Error(`${switchFlag(name)} expects true or false, got ${JSON.stringify(text)}`);
  }
  const value = Number(text);
  if (!Number.isFinite(value) || value < 0) throw new Error(`${switchFlag(name)} expects a number >= 0, got ${JSON.stringify(text)}`);
  return value;
}

/**
 * The switches set by VERIFY_EMULATOR_<SWITCH> variables (empty ones ignored). One parser for every program that
 * starts an emulator: `npm run emulator` and `npm start`.
 */
export function switchesFromEnvironment(env: Readonly<Record<string, string | undefined>>): Partial<EmulatorSwitches> {
  const switches: Partial<EmulatorSwitches> = {};
  for (const name of Object.keys(DEFAULT_SWITCHES) as SwitchName[]) {
    const text = env[switchEnvName(name)];
    if (text === undefined || text === '') continue;
    try {
      Object.assign(switches, { [name]: parseSwitchValue(name, text) });
    } catch (error) {
      // Name the variable the person actually set.
      throw new Error(`${switchEnvName(name)}: ${(error as Error).message}`);
    }
  }
  return switches;
}
