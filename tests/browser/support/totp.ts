// An authenticator app for tests: parses the otpauth:// URI it scanned and computes codes with otplib (RFC 6238).
// otplib's TOTP/HOTP core (@otplib/totp, CommonJS) with Node's HMAC: otplib's default plugins are ESM-only
// packages (@scure/base, @noble/hashes) that Jest's CommonJS runtime cannot load.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { generateSync, type CryptoPlugin } from '@otplib/totp';

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

const BASE32_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** RFC 4648 §6 Base32, as key URIs carry the secret (upper case, padding optional). */
export function decodeBase32(text: string): Uint8Array {
  const bytes: number[] = [];
  let buffer = 0;
  let bits = 0;
  for (const char of text.replace(/=+$/, '').toUpperCase()) {
    const value = BASE32_ALPHABET.indexOf(char);
    if (value < 0) throw new Error(`not a Base32 character: ${char}`);
    buffer = (buffer << 5) | value;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      bytes.push((buffer >> bits) & 0xff);
    }
  }
  return Uint8Array.from(bytes);
}

const nodeCrypto: CryptoPlugin = {
  name: 'node-crypto',
  hmac: (algorithm, key, data) => new Uint8Array(createHmac(algorithm, key).update(data).digest()),
  randomBytes: (length) => new Uint8Array(randomBytes(length)),
  constantTimeEqual: (a, b) => {
    const left = Buffer.from(a);
    const right = Buffer.from(b);
    return left.length === right.length && timingSafeEqual(left, right);
  },
};

/** The code the app shows at `atMs` (epoch milliseconds). */
export function codeAt(account: ScannedAccount, atMs: number): string {
  return generateSync({
    crypto: nodeCrypto,
    secret: decodeBase32(account.secret),
    algorithm: account.algorithm,
    digits: account.digits,
    period: account.period,
    epoch: Math.floor(atMs / 1000),
  });
}

/** A code that is wrong at `atMs` and in the neighbouring steps, so no skew window accepts it. */
export function wrongCodeAt(account: ScannedAccount, atMs: number): string {
  const near = new Set([-2, -1, 0, 1, 2].map((step) => codeAt(account, atMs + step * account.period * 1000)));
  for (let candidate = 0; ; candidate += 1) {
    const code = String(candidate).padStart(account.digits, '0');
    if (!near.has(code)) return code;
  }
}
