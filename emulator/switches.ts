// Every product's switches as one set, for the programs that start an emulator (`npm run emulator`, `npm start`):
// their flags, their environment variables and their types.
import type { AnyProduct, Product } from './core/product';
import { parseSwitchValue, switchEnvName as envNameIn, switchFlag, switchesFromVariables } from './core/switches';
import { PRODUCTS } from './products';

type Plugged = (typeof PRODUCTS)[number];
type SwitchesOf<P> = P extends Product<infer S, infer _Ctx, infer _Change> ? S : never;
type Intersection<U> = (U extends unknown ? (value: U) => void : never) extends (value: infer I) => void ? I : never;

/** Every switch of every product (each product declares its own, with its default). */
export type EmulatorSwitches = Intersection<SwitchesOf<Plugged>>;
export type SwitchName = keyof EmulatorSwitches & string;

/** The products as the core sees them: each one's own types stay in its folder. */
const PLUGGED: readonly AnyProduct[] = PRODUCTS;

export const DEFAULT_SWITCHES: Readonly<EmulatorSwitches> = Object.freeze(
  Object.assign({}, ...PLUGGED.map((product) => product.switches.defaults)) as EmulatorSwitches,
);

export const SWITCH_NAMES = Object.keys(DEFAULT_SWITCHES) as SwitchName[];

export { switchFlag };

/** allowCodeReuse → VERIFY_EMULATOR_ALLOW_CODE_REUSE; syncWriteRateLimit → EMULATOR_SYNC_WRITE_RATE_LIMIT */
export function switchEnvName(name: SwitchName): string {
  const owner = PLUGGED.find((product) => name in product.switches.defaults);
  if (!owner) throw new Error(`unknown switch ${name}`);
  return envNameIn(owner.switches.envPrefix, name);
}

/** Parses one switch's value given as text (a CLI flag). */
export function parseSwitch(name: SwitchName, text: string): boolean | number {
  return parseSwitchValue(name, DEFAULT_SWITCHES[name], text);
}

/**
 * The switches set by environment variables (empty ones ignored), each product's under its own prefix. One parser
 * for every program that starts an emulator; `onDeprecated` hears of variables set under a former name.
 */
export function switchesFromEnvironment(
  env: Readonly<Record<string, string | undefined>>,
  onDeprecated: (line: string) => void = () => undefined,
): Partial<EmulatorSwitches> {
  return Object.assign({}, ...PLUGGED.map((product) => switchesFromVariables(product.switches, env, onDeprecated)));
}
