// Environment variables that govern the whole emulator, under their current names or (deprecated) their former ones.
import { deprecationLine } from './switches';

/** The emulator's port: `EMULATOR_PORT`, formerly `VERIFY_EMULATOR_PORT` (the emulator serves more than Verify). */
export const EMULATOR_PORT = { name: 'EMULATOR_PORT', former: 'VERIFY_EMULATOR_PORT' } as const;
/** Where the local stack's emulator listens, written into .env.local: `EMULATOR_URL`, formerly `VERIFY_EMULATOR_URL`. */
export const EMULATOR_URL = { name: 'EMULATOR_URL', former: 'VERIFY_EMULATOR_URL' } as const;

export interface RenamedVariable {
  name: string;
  former: string;
}

/**
 * The value of `variable` (blank counts as unset) and the name it was read under. Only the former name set: its
 * value, with one deprecation line to `onDeprecated`. Both set: the current name wins.
 */
export function readRenamed(
  env: Readonly<Record<string, string | undefined>>,
  variable: RenamedVariable,
  onDeprecated: (line: string) => void,
): { value: string | undefined; readAs: string } {
  const current = env[variable.name]?.trim();
  if (current) return { value: current, readAs: variable.name };
  const former = env[variable.former]?.trim();
  if (former) {
    onDeprecated(deprecationLine(variable.former, variable.name));
    return { value: former, readAs: variable.former };
  }
  return { value: undefined, readAs: variable.name };
}
