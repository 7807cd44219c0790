// Switches: behaviour where Twilio's documentation is silent, each product declaring its own with safe defaults;
// here the machinery every product shares (flag and variable names, parsing, validation).

export type SwitchValue = boolean | number;
export type SwitchValues = Readonly<Record<string, SwitchValue>>;

/** One product's switches: their defaults (which also give each one's type) and the prefix of their variables. */
export interface SwitchSet<S extends SwitchValues> {
  defaults: S;
  /** `VERIFY_EMULATOR_` for Verify's own switches, `EMULATOR_` for switches of a product that is not Verify. */
  envPrefix: string;
  /** An earlier prefix still read, with a deprecation line (Sync's switches were once `VERIFY_EMULATOR_*`). */
  formerEnvPrefix?: string;
}

/** allowCodeReuse → --allow-code-reuse */
export function switchFlag(name: string): string {
  return `--${name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}

/** allowCodeReuse → ALLOW_CODE_REUSE */
function screamingSnake(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase();
}

/** allowCodeReuse with prefix VERIFY_EMULATOR_ → VERIFY_EMULATOR_ALLOW_CODE_REUSE */
export function switchEnvName(prefix: string, name: string): string {
  return `${prefix}${screamingSnake(name)}`;
}

/** Parses a switch value given as text (CLI flag or environment variable), typed by its default. */
export function parseSwitchValue(name: string, defaultValue: SwitchValue, text: string): SwitchValue {
  if (typeof defaultValue === 'boolean') {
    if (/^(true|1|yes|on)$/i.test(text)) return true;
    if (/^(false|0|no|off)$/i.test(text)) return false;
    throw new Error(`${switchFlag(name)} expects true or false, got ${JSON.stringify(text)}`);
  }
  const value = Number(text);
  if (!Number.isFinite(value) || value < 0) throw new Error(`${switchFlag(name)} expects a number >= 0, got ${JSON.stringify(text)}`);
  return value;
}

/** Checks given values against the defaults' types and fills in the rest; unknown names are refused. */
export function resolveSwitches<S extends SwitchValues>(defaults: S, given: Readonly<Record<string, unknown>> = {}): S {
  for (const key of Object.keys(given)) {
    if (!(key in defaults)) throw new Error(`unknown switch ${key}`);
  }
  const switches = { ...defaults, ...given } as Record<string, unknown>;
  for (const name of Object.keys(defaults)) {
    const value = switches[name];
    const expected = typeof defaults[name];
    if (typeof value !== expected) throw new Error(`switch ${name} must be a ${expected}`);
    if (typeof value === 'number' && !(Number.isFinite(value) && value >= 0)) throw new Error(`switch ${name} must be a number >= 0`);
  }
  return switches as S;
}

/**
 * The switches of `set` given by environment variables (empty ones ignored). A switch under its former name still
 * counts, and `onDeprecated` hears the line that says so; the current name wins when both are set.
 */
export function switchesFromVariables<S extends SwitchValues>(
  set: SwitchSet<S>,
  env: Readonly<Record<string, string | undefined>>,
  onDeprecated: (line: string) => void,
): Partial<S> {
  const found: Record<string, SwitchValue> = {};
  for (const name of Object.keys(set.defaults)) {
    const current = switchEnvName(set.envPrefix, name);
    const former = set.formerEnvPrefix === undefined ? undefined : switchEnvName(set.formerEnvPrefix, name);
    let variable = current;
    let text = env[current];
    if ((text === undefined || text === '') && former !== undefined && env[former]) {
      variable = former;
      text = env[former];
      onDeprecated(deprecationLine(former, current));
    }
    if (text === undefined || text === '') continue;
    try {
      found[name] = parseSwitchValue(name, set.defaults[name] as SwitchValue, text);
    } catch (error) {
      // Name the variable the person actually set.
      throw new Error(`${variable}: ${(error as Error).message}`);
    }
  }
  return found as Partial<S>;
}

/** The one line said when a variable is set under its former name. */
export function deprecationLine(former: string, current: string): string {
  return `${former} is deprecated: it is now ${current} (the old name still works for now)`;
}
