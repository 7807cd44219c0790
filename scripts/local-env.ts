// The local stack's .env.local: read it, fill in what is missing (dummy credentials, fresh secrets), write it back owner-only.
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';

/** Variables the local stack generates on first run; later runs reuse them so enrolled factors keep working. */
export const GENERATED_VARIABLES = [
  'ACCOUNT_SID',
  'AUTH_TOKEN',
  'IDENTITY_SECRET',
  'AUTH_JWT_SECRET',
  'APPROVAL_SIGNING_SECRET',
] as const;

/** Dotenv-style `NAME=value` lines; `#` comments and blank lines are skipped, surrounding quotes removed. */
export function parseEnv(text: string): Record<string, string> {
  const values: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    const match = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*?)\s*$/.exec(line);
    if (match?.[1] === undefined || match[2] === undefined) continue;
    const raw = match[2];
    const quoted = /^(['"])(.*)\1$/.exec(raw);
    values[match[1]] = quoted?.[2] ?? raw.replace(/\s+#.*$/, '');
  }
  return values;
}

export function readEnvValues(path: string): Record<string, string> {
  return existsSync(path) ? parseEnv(readFileSync(path, 'utf8')) : {};
}

/** Writes every variable, one per line, via rename so an interrupted run never leaves half a file; secrets: mode 600. */
export function writeEnvValues(path: string, values: Readonly<Record<string, string>>, header: string): void {
  const lines = Object.entries(values).map(([name, value]) => `${name}=${value}`);
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, `# ${header}\n${lines.join('\n')}\n`, { mode: 0o600 });
  chmodSync(temporary, 0o600);
  renameSync(temporary, path);
}

function hex(bytes: number): string {
  return randomBytes(bytes).toString('hex');
}

/** Fills the missing generated variables: credentials in the shapes the runtime checks (AC + 32 hex, 32 characters). */
export function withGeneratedValues(values: Readonly<Record<string, string>>): Record<string, string> {
  const generators: Record<(typeof GENERATED_VARIABLES)[number], () => string> = {
    ACCOUNT_SID: () => `AC${hex(16)}`,
    AUTH_TOKEN: () => hex(16),
    IDENTITY_SECRET: () => hex(32),
    AUTH_JWT_SECRET: () => hex(32),
    APPROVAL_SIGNING_SECRET: () => hex(32),
  };
  const filled = { ...values };
  for (const name of GENERATED_VARIABLES) {
    // A developer who points the stack at an identity provider's JWKS must not also get an HS256 secret.
    if (name === 'AUTH_JWT_SECRET' && filled.AUTH_JWKS_URL) continue;
    if (!filled[name]) filled[name] = generators[name]();
  }
  return filled;
}
