// One-time recovery codes: generation, the forgiving input format, and the salted, keyed hashes that are all the kit stores.
import { createHmac, randomBytes, timingSafeEqual, type KeyObject } from 'node:crypto';

/** How many codes a user gets at enrollment and on regeneration. */
export const RECOVERY_CODE_COUNT = 10;
/** Crockford's Base32: no I, L, O or U, so nothing reads as another character aloud or on paper. */
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const SYMBOLS_PER_CODE = 10;
const GROUP = 5;
/** 10 symbols × 5 bits = 50 bits of entropy per code. */
export const RECOVERY_CODE_BITS = SYMBOLS_PER_CODE * 5;
const SALT_BYTES = 16;

/** What the state keeps for one set: a random salt and one hash per unused code; never a code. */
export interface RecoveryCodeHashes {
  salt: string;
  hashes: string[];
}

/** `XXXXX-XXXXX`, uniformly random (each symbol from 5 bits of crypto.randomBytes, so no modulo bias). */
export function generateRecoveryCode(): string {
  const bytes = randomBytes(SYMBOLS_PER_CODE);
  let code = '';
  for (const byte of bytes) code += ALPHABET[byte & 0x1f];
  return `${code.slice(0, GROUP)}-${code.slice(GROUP)}`;
}

/**
 * The canonical form of what a user typed: case, spaces and dashes do not matter, and the letters Crockford's
 * alphabet leaves out are read as the digits they look like (O → 0, I and L → 1). Undefined when it cannot be a code.
 */
export function normalizeRecoveryCode(input: string): string | undefined {
  const compact = input.toUpperCase().replace(/[\s-]/g, '').replace(/O/g, '0').replace(/[IL]/g, '1');
  if (compact.length !== SYMBOLS_PER_CODE) return undefined;
  for (const symbol of compact) if (!ALPHABET.includes(symbol)) return undefined;
  return compact;
}

/**
 * OWASP ASVS 2.6.2: look-up secrets of less than 112 bits are stored salted and hashed. The hash is keyed with a
 * server secret (a pepper that never reaches Sync), so a copy of the state alone does not allow a 50-bit search.
 */
function hashCode(pepper: KeyObject | Uint8Array, salt: string, canonical: string): string {
  // Its own domain: the same key also derives identities and used-code digests, which must never collide with this.
  return createHmac('sha256', pepper).update(`recovery-code\0${salt}\0${canonical}`).digest('base64url');
}

/** A new set: the codes to show once, and the hashes to keep. */
export function createRecoveryCodes(pepper: KeyObject | Uint8Array): { codes: string[]; stored: RecoveryCodeHashes } {
  const salt = randomBytes(SALT_BYTES).toString('base64url');
  const codes = Array.from({ length: RECOVERY_CODE_COUNT }, generateRecoveryCode);
  const hashes = codes.map((code) => hashCode(pepper, salt, normalizeRecoveryCode(code) ?? ''));
  return { codes, stored: { salt, hashes } };
}

/** The index of the stored hash that `input` matches, compared in constant time; undefined for no match. */
export function findRecoveryCode(pepper: KeyObject | Uint8Array, stored: RecoveryCodeHashes, input: string): number | undefined {
  const canonical = normalizeRecoveryCode(input);
  if (canonical === undefined) return undefined;
  const candidate = Buffer.from(hashCode(pepper, stored.salt, canonical));
  let found: number | undefined;
  stored.hashes.forEach((hash, index) => {
    const known = Buffer.from(hash);
    if (known.length === candidate.length && timingSafeEqual(known, candidate)) found = index;
  });
  return found;
}
