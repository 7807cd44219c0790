// `npm run token -- <user>`: prints a caller token for the local stack, signed as the host app's sign-in would sign it.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { SignJWT } from 'jose';
import { policyFromEnvironment } from './kit-variables';
import { readEnvValues } from './local-env';

/** Long enough for an afternoon of manual testing; a real host app issues much shorter tokens. */
export const DEV_TOKEN_TTL_SECONDS = 3600;

/** The local stack's env file: ENV_FILE when set, else .env.local in the repository (`npm start` uses the same rule). */
export function localEnvFile(environment: Readonly<Record<string, string | undefined>>): string {
  return environment.ENV_FILE || join(__dirname, '..', '.env.local');
}

/** HS256 caller JWT with `sub` = user (and iss/aud when the environment asks for them). Dev only: never deployed. */
export async function mintCallerToken(env: Readonly<Record<string, string>>, user: string, now = new Date()): Promise<string> {
  const secret = env.AUTH_JWT_SECRET;
  if (secret === undefined || secret === '') throw new Error('AUTH_JWT_SECRET is not set: dev tokens need the HS256 secret');
  const iat = Math.floor(now.getTime() / 1000);
  let token = new SignJWT({})
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(user)
    .setIssuedAt(iat)
    .setExpirationTime(iat + DEV_TOKEN_TTL_SECONDS);
  if (env.AUTH_ISSUER) token = token.setIssuer(env.AUTH_ISSUER);
  if (env.AUTH_AUDIENCE) token = token.setAudience(env.AUTH_AUDIENCE);
  return token.sign(new TextEncoder().encode(secret));
}

const USAGE = [
  'usage: npm run --silent token -- <user>',
  '',
  'Prints a caller token (HS256, one hour) for <user>, signed with AUTH_JWT_SECRET from .env.local',
  '(or the file ENV_FILE names), as your sign-in backend would sign it. Local testing only.',
].join('\n');

async function main(): Promise<number> {
  const user = process.argv[2];
  if (user === '--help' || user === '-h') {
    console.log(USAGE);
    return 0;
  }
  // A name that looks like a flag is a mistake, not a user called "--verbose".
  if (user === undefined || user === '' || user.startsWith('-') || process.argv.length > 3) {
    console.error(USAGE);
    return 2;
  }
  const envFile = localEnvFile(process.env);
  if (!existsSync(envFile)) {
    console.error(process.env.ENV_FILE ? `ENV_FILE names ${envFile}, which does not exist` : 'no .env.local yet: run `npm start` once first');
    return 1;
  }
  // The same variables the Functions see: the file, then the shell's policy variables (AUTH_ISSUER, AUTH_AUDIENCE).
  const env = { ...readEnvValues(envFile), ...policyFromEnvironment(process.env) };
  console.log(await mintCallerToken(env, user));
  return 0;
}

if (require.main === module) {
  main().then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error(error instanceof Error ? error.message : error);
      process.exit(1);
    },
  );
}
