// The local stack's .env.local: read it, fill in what is missing (dummy credentials, fresh secrets), and write back
// only the variables that changed, so the user's own lines and comments stay.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { readEnvFile, removeEnvVariable, setEnvVariable, writeEnvFile } from './env-file';

/** Variables the local stack generates on first run; later runs reuse them so enrolled factors keep working. */
export const GENERATED_VARIABLES = [
  'ACCOUNT_SID',
  'AUTH_TOKEN',
  'IDENTITY_SECRET',
  'RECOVERY_CODE_SECRET',
  'AUTH_JWT_SECRET',
  'APPROVAL_SIGNING_SECRET',
  'APPROVAL_SIGNING_KEY',
] as const;

/** How the stack signs approvals when the env file chooses neither: ES256 as a deployment does, or HS256. */
export type ApprovalSigning = 'ES256' | 'HS256';

export function readEnvValues(path: string): Record<string, string> {
  return { ...readEnvFile(path).values };
}

/**
 * Sets each variable whose value differs from the file's, in place (atomically; a new file is owner-only, it holds
 * secrets), and drops the `retired` ones (a variable the stack writes under a new name). A new file starts with
 * `header` as a comment.
 */
export function updateEnvValues(path: string, values: Readonly<Record<string, string>>, header: string, retired: readonly string[] = []): void {
  const file = readEnvFile(path);
  let text = file.text === '' ? `# ${header}\n` : file.text;
  for (const [name, value] of Object.entries(values)) {
    if (file.values[name] !== value) text = setEnvVariable(text, name, value);
  }
  for (const name of retired) if (name in file.values) text = removeEnvVariable(text, name);
  if (text !== file.text) writeEnvFile(path, text);
}

function hex(bytes: number): string {
  return randomBytes(bytes).toString('hex');
}

/** An EC P-256 private key as a one-line JWK, the shape `npm run setup` writes for APPROVAL_SIGNING_KEY. */
function es256Key(): string {
  return JSON.stringify(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' }));
}

/**
 * Fills the missing generated variables: credentials in the shapes the runtime checks (AC + 32 hex, 32 characters),
 * and one approval signing variable, `signing`'s, only when the file has neither (a file that chose one keeps it).
 */
export function withGeneratedValues(values: Readonly<Record<string, string>>, signing: ApprovalSigning = 'HS256'): Record<string, string> {
  const generators: Record<(typeof GENERATED_VARIABLES)[number], () => string> = {
    ACCOUNT_SID: () => `AC${hex(16)}`,
    AUTH_TOKEN: () => hex(16),
    IDENTITY_SECRET: () => hex(32),
    RECOVERY_CODE_SECRET: () => hex(32),
    AUTH_JWT_SECRET: () => hex(32),
    APPROVAL_SIGNING_SECRET: () => hex(32),
    APPROVAL_SIGNING_KEY: es256Key,
  };
  // Never both: the Functions refuse a configuration with the two (a backend could not know which check to run).
  const chosen = values.APPROVAL_SIGNING_SECRET || values.APPROVAL_SIGNING_KEY;
  const skipped = chosen ? ['APPROVAL_SIGNING_SECRET', 'APPROVAL_SIGNING_KEY'] : [signing === 'ES256' ? 'APPROVAL_SIGNING_SECRET' : 'APPROVAL_SIGNING_KEY'];
  const filled = { ...values };
  for (const name of GENERATED_VARIABLES) {
    // A developer who points the stack at an identity provider's JWKS must not also get an HS256 secret.
    if (name === 'AUTH_JWT_SECRET' && filled.AUTH_JWKS_URL) continue;
    if (skipped.includes(name)) continue;
    if (!filled[name]) filled[name] = generators[name]();
  }
  return filled;
}
