// Which of the kit's variables the local stack takes from the shell: every variable .env.example documents, except
// those the stack generates or owns in .env.local.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { GENERATED_VARIABLES } from './local-env';

const ENV_EXAMPLE = join(__dirname, '..', '.env.example');

/**
 * Kept in .env.local only, whatever the shell says: the emulator's account and service, the URL the stack points
 * the Functions at, and the caller-key choice with its secrets (`npm run token` signs with what the file holds, and a
 * shell AUTH_JWKS_URL beside the generated AUTH_JWT_SECRET would give the Functions two key sources).
 */
const STACK_OWNED: ReadonlySet<string> = new Set([...GENERATED_VARIABLES, 'VERIFY_SERVICE_SID', 'EMULATOR_URL', 'VERIFY_EMULATOR_URL', 'AUTH_JWKS_URL']);

/** `NAME=` lines of .env.example, commented out or not: the file is the documented list of every variable. */
export function documentedVariables(text = readFileSync(ENV_EXAMPLE, 'utf8')): string[] {
  const names = [...text.matchAll(/^#?[ \t]*([A-Z][A-Z0-9_]*)=/gm)].map((match) => match[1] ?? '');
  return [...new Set(names)];
}

/** The kit's policy variables set (non-empty) in `environment`, for the Functions of the local stack. */
export function policyFromEnvironment(environment: Readonly<Record<string, string | undefined>>): Record<string, string> {
  const policy: Record<string, string> = {};
  for (const name of documentedVariables()) {
    const value = environment[name];
    if (!STACK_OWNED.has(name) && value !== undefined && value !== '') policy[name] = value;
  }
  return policy;
}
