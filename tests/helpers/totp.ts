// The tests' independent TOTP implementation: otplib's RFC 6238 core on Node's HMAC, and a Base32 decoder.
// otplib's umbrella build loads ESM-only plugins (@scure/base, @noble/hashes) that Jest's CommonJS runtime cannot
// require, so the tests use its TOTP core (@otplib/totp) with a node:crypto plugin; the emulator's own TOTP and
// Base32 code is deliberately not reused here.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { generateSync, type CryptoPlugin } from '@otplib/totp';

export type TotpAlgorithm = 'sha1' | 'sha256' | 'sha512';

export interface TotpParams {
  algorithm?: TotpAlgorithm;
  digits?: number;
  /** Seconds per step. */
  period?: number;
}

const nodeCrypto: CryptoPlugin = {
  name: 'node-crypto',
  hmac: (algorithm, key, data) => new Uint8Array(createHmac(algorithm, key).update(data).digest()),
  randomBytes: (length) => new Uint8Array(randomBytes(length)),
  constantTimeEqual: (a, b) => a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b)),
};

const BASE32_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** RFC 4648 §6 Base32 without padding, as the emulator writes secrets. */
export function encodeBase32(bytes: Uint8Array): string {
  let text = '';
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = ((buffer << 8) | byte) & 0xffff;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      text += BASE32_ALPHABET[(buffer >> bits) & 31];
    }
  }
  return bits > 0 ? text + BASE32_ALPHABET[(buffer << (5 - bits)) & 31] : text;
}

/** RFC 4648 §6 Base32, as key URIs carry the secret (upper case, padding optional). */
export function decodeBase32(text: string): Uint8Array {
  const bytes: number[] = [];
  let buffer = 0;
  let bits = 0;
  for (const char of text.replace(/=+$/, '').toUpperCase()) {
    const value = BASE32_ALPHABET.indexOf(char);
    if (value < 0) throw new Error(`not a Base32 character: ${char}`);
    buffer = ((buffer << 5) | value) & 0xffff;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      bytes.push((buffer >> bits) & 0xff);
    }
  }
  return Uint8Array.from(bytes);
}

/** The RFC 6238 code for a Base32 secret at `atMs` (epoch milliseconds); defaults SHA1, 6 digits, 30 s. */
export function totpAt(secret: string, atMs: number, { algorithm = 'sha1', digits = 6, period = 30 }: TotpParams = {}): string {
  return generateSync({
    crypto: nodeCrypto,
    secret: decodeBase32(secret),
    algorithm,
    digits,
    period,
    epoch: Math.floor(atMs / 1000),
  });
}

/** A code that no step within ±`spread` steps of `atMs` accepts, so no skew window lets it through. */
export function wrongTotpAt(secret: string, atMs: number, params: TotpParams = {}, spread = 2): string {
  const digits = params.digits ?? 6;
  const periodMs = (params.period ?? 30) * 1000;
  const near = new Set<string>();
  for (let step = -spread; step <= spread; step += 1) near.add(totpAt(secret, atMs + step * periodMs, params));
  for (let candidate = 0; ; candidate += 1) {
    const code = String(candidate).padStart(digits, '0');
    if (!near.has(code)) return code;
  }
}
