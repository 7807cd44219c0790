// Every product's switches as one set, for the programs that start an emulator (`npm run emulator`, `npm start`):
// their flags, their environment variables and their types.
import type { Product } from './core/product';
import { parseSwitchValue, resolveSwitches as resolveAgainst, switchEnvName as envNameIn, switchFlag, switchesFromVariables, type SwitchValues } from './core/switches';
import { PRODUCTS } from './products';

type Plugged = (typeof PRODUCTS)[number];
type SwitchesOf<P> = P extends Product<infer S, infer _Ctx, infer _Change> ? S : never;
type Intersection<U> = (U extends unknown ? (value: U) => void : never) extends (value: infer I) => void ? I : never;

/** Every switch of every product (each product declares its own, with its default). */
export type EmulatorSwitches = Intersection<SwitchesOf<Plugged>>;
export type SwitchName = keyof EmulatorSwitches & string;

export const DEFAULT_SWITCHES: Readonly<EmulatorSwitches> = Object.freeze(
  Object.assign({}, ...PRODUCTS.map((product) => product.switches.defaults)) as EmulatorSwitches,
);

export const SWITCH_NAMES = Object.keys(DEFAULT_SWITCHES) as SwitchName[];

export { switchFlag };

function ownerOf(name: SwitchName): Plugged {
  const owner = PRODUCTS.find((product) => name in product.switches.defaults);
  if (!owner) throw new Error(`unknown switch ${name}`);
  return owner;
}

/** allowCodeReuse → VERIFY_EMULATOR_ALLOW_CODE_REUSE; syncWriteRateLimit → EMULATOR_SYNC_WRITE_RATE_LIMIT */
export function switchEnvName(name: SwitchName): string {
  return envNameIn(ownerOf(name).switches.envPrefix, name);
}

/** Parses one switch's value given as text (a CLI flag). */
export function parseSwitch(name: SwitchName, text: string): boolean | number {
  return parseSwitchValue(name, DEFAULT_SWITCHES[name], text);
}

/** Checks a partial set of switches and fills in every default. */
export function resolveSwitches(partial: Partial<EmulatorSwitches> = {}): EmulatorSwitches {
  return resolveAgainst(DEFAULT_SWITCHES as SwitchValues, partial) as EmulatorSwitches;
}

/**
 * The switches set by environment variables (empty ones ignored), each product's under its own prefix. One parser
 * for every program that starts an emulator; `onDeprecated` hears of variables set under a former name.
 */
export function switchesFromEnvironment(
  env: Readonly<Record<string, string | undefined>>,
  onDeprecated: (line: string) => void = () => undefined,
): Partial<EmulatorSwitches> {
  return Object.assign({}, ...PRODUCTS.map((product) => switchesFromVariables(product.switches as Product<SwitchValues, unknown, unknown>['switches'], env, onDeprecated)));
}
