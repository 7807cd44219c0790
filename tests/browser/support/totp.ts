// An authenticator app for tests: parses the otpauth:// URI it scanned and computes codes with otplib (RFC 6238).
import { totpAt, wrongTotpAt } from '../../helpers/totp';

export interface ScannedAccount {
  label: string;
  issuer: string | null;
  secret: string;
  algorithm: 'sha1' | 'sha256' | 'sha512';
  digits: number;
  period: number;
}

const ALGORITHMS = { SHA1: 'sha1', SHA256: 'sha256', SHA512: 'sha512' } as const;

function isAlgorithmName(name: string): name is keyof typeof ALGORITHMS {
  return name in ALGORITHMS;
}

/** Key-Uri format: otpauth://totp/ISSUER:ACCOUNT?secret=…&issuer=…&algorithm=…&digits=…&period=… */
export function parseOtpauthUri(uri: string): ScannedAccount {
  const url = new URL(uri);
  if (url.protocol !== 'otpauth:' || url.host !== 'totp') throw new Error(`not a TOTP key URI: ${url.protocol}//${url.host}`);
  const secret = url.searchParams.get('secret');
  if (secret === null || secret === '') throw new Error('key URI without a secret');
  const algorithmName = (url.searchParams.get('algorithm') ?? 'SHA1').toUpperCase();
  if (!isAlgorithmName(algorithmName)) throw new Error(`unknown algorithm ${algorithmName}`);
  return {
    label: decodeURIComponent(url.pathname.replace(/^\//, '')),
    issuer: url.searchParams.get('issuer'),
    secret,
    algorithm: ALGORITHMS[algorithmName],
    digits: Number(url.searchParams.get('digits') ?? '6'),
    period: Number(url.searchParams.get('period') ?? '30'),
  };
}

/** The code the app shows at `atMs` (epoch milliseconds). */
export function codeAt(account: ScannedAccount, atMs: number): string {
  return totpAt(account.secret, atMs, account);
}

/** A code that is wrong at `atMs` and in the neighbouring steps, so no skew window accepts it. */
export function wrongCodeAt(account: ScannedAccount, atMs: number): string {
  return wrongTotpAt(account.secret, atMs, account, 2);
}
