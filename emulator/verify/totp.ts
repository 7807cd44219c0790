// RFC 6238 TOTP over RFC 4226 HOTP, pure: the HMAC and the time are passed in, nothing is read from the process.

export type TotpAlgorithm = 'sha1' | 'sha256' | 'sha512';

/** HMAC of `message` under `key`; the caller supplies the implementation (node:crypto in the emulator). */
export type Hmac = (algorithm: TotpAlgorithm, key: Uint8Array, message: Uint8Array) => Uint8Array;

export interface TotpParameters {
  key: Uint8Array;
  algorithm: TotpAlgorithm;
  /** Code length in digits (RFC 4226 §5.3 allows 6–8; Verify allows 3–8). */
  digits: number;
  /** Time step X in seconds (RFC 6238 §4.1). */
  period: number;
}

export type TotpVerification = { valid: true; step: number } | { valid: false };

const BASE32_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** RFC 4648 §6 Base32, upper case, without '=' padding (the Key-Uri format drops it). */
export function encodeBase32(bytes: Uint8Array): string {
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += BASE32_ALPHABET[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += BASE32_ALPHABET[(value << (5 - bits)) & 31];
  return out;
}

/** Decodes RFC 4648 Base32 (case-insensitive, optional padding); undefined when the text is not Base32. */
export function decodeBase32(text: string): Uint8Array | undefined {
  const clean = text.toUpperCase().replace(/=+$/, '');
  if (clean.length === 0 || !/^[A-Z2-7]+$/.test(clean)) return undefined;
  const bytes: number[] = [];
  let bits = 0;
  let value = 0;
  for (const char of clean) {
    value = ((value << 5) | BASE32_ALPHABET.indexOf(char)) & 0xffff;
    bits += 5;
    if (bits >= 8) {
      bytes.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Uint8Array.from(bytes);
}

/** RFC 4226 §5.3: HMAC over the 8-byte big-endian counter, dynamic truncation, modulo 10^digits. */
export function hotp(hmac: Hmac, params: Omit<TotpParameters, 'period'>, counter: number): string {
  const message = new Uint8Array(8);
  const view = new DataView(message.buffer);
  view.setUint32(0, Math.floor(counter / 2 ** 32));
  view.setUint32(4, counter >>> 0);
  const digest = hmac(params.algorithm, params.key, message);
  const offset = (digest[digest.length - 1] ?? 0) & 0x0f;
  const binary =
    (((digest[offset] ?? 0) & 0x7f) << 24) |
    ((digest[offset + 1] ?? 0) << 16) |
    ((digest[offset + 2] ?? 0) << 8) |
    (digest[offset + 3] ?? 0);
  return String(binary % 10 ** params.digits).padStart(params.digits, '0');
}

/** RFC 6238 §4.2: T = floor((unix time - T0) / X) with T0 = 0. */
export function timeStep(epochMs: number, period: number): number {
  return Math.floor(epochMs / 1000 / period);
}

export function totpAt(hmac: Hmac, params: TotpParameters, epochMs: number): string {
  return hotp(hmac, params, timeStep(epochMs, params.period));
}

/**
 * Checks `code` against the steps T-skew … T+skew (RFC 6238 §5.2 window). Steps at or below `lastAcceptedStep`
 * are not tried, so a verifier can refuse a second use of an accepted code (RFC 6238 §5.2).
 */
export function verifyTotp(
  hmac: Hmac,
  params: TotpParameters,
  code: string,
  epochMs: number,
  skew: number,
  lastAcceptedStep?: number,
): TotpVerification {
  if (code.length !== params.digits || !/^\d+$/.test(code)) return { valid: false };
  const current = timeStep(epochMs, params.period);
  for (let step = current - skew; step <= current + skew; step++) {
    if (step < 0 || (lastAcceptedStep !== undefined && step <= lastAcceptedStep)) continue;
    if (constantTimeEqual(hotp(hmac, params, step), code)) return { valid: true, step };
  }
  return { valid: false };
}

function constantTimeEqual(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

/**
 * Google Authenticator Key-Uri: otpauth://totp/ISSUER:ACCOUNT?secret&issuer&algorithm&digits&period, all five
 * parameters in Verify's order, both label parts and the issuer percent-encoded (RFC 3986, space as %20).
 */
export function keyUri(input: { issuer: string; accountName: string; secret: string; algorithm: TotpAlgorithm; digits: number; period: number }): string {
  const issuer = percentEncode(input.issuer);
  const label = `${issuer}:${percentEncode(input.accountName)}`;
  return (
    `otpauth://totp/${label}?secret=${input.secret}&issuer=${issuer}` +
    `&algorithm=${input.algorithm.toUpperCase()}&digits=${input.digits}&period=${input.period}`
  );
}

/** RFC 3986 §2.3: everything but unreserved characters is percent-encoded as UTF-8 (encodeURIComponent spares !'()*). */
export function percentEncode(text: string): string {
  return encodeURIComponent(text).replace(/[!'()*]/g, (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`);
}
