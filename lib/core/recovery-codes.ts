// One-time recovery codes: generation, the forgiving input format, and the stored form (a salted scrypt hash per code,
// peppered with a key of its own); sets issued before this format (salted HMACs) are still checked until used or replaced.
import { createHmac, createSecretKey, hkdfSync, randomBytes, scrypt, timingSafeEqual, type KeyObject } from 'node:crypto';

/** How many codes a user gets at enrollment and on regeneration. */
export const RECOVERY_CODE_COUNT = 10;
/** Crockford's Base32: no I, L, O or U, so nothing reads as another character aloud or on paper. */
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const SYMBOL_BITS = 5;
/**
 * A code is its slot (one symbol, not secret: it names the one stored hash this code can match, so a check hashes one
 * candidate) and 15 random symbols, shown as `XXXX-XXXX-XXXX-XXXX`.
 */
const SECRET_SYMBOLS = 15;
export const RECOVERY_CODE_LENGTH = 1 + SECRET_SYMBOLS;
const GROUP = 4;
/** NIST SP 800-63B-4 §4.2.1.1: a saved recovery code has at least 64 bits. The slot symbol is not counted: 75 bits. */
export const RECOVERY_CODE_BITS = SECRET_SYMBOLS * SYMBOL_BITS;
/** The format issued before: `XXXXX-XXXXX`, 10 random symbols (50 bits), a keyed HMAC under one salt per set. */
export const LEGACY_CODE_LENGTH = 10;
export const LEGACY_CODE_BITS = LEGACY_CODE_LENGTH * SYMBOL_BITS;

/**
 * scrypt's cost for a new set (RFC 7914): 16 MiB and about 50 ms per hash on one core (docs/figures.md), so a check stays
 * far inside the Functions' 10 s. NIST allows a small work factor for look-up secrets: the codes' 75 bits do the rest.
 */
export const SCRYPT_COST: ScryptCost = { N: 16_384, r: 8, p: 1 };
/** ASVS 6.5.2 / NIST §3.1.2: a salt of at least 32 bits per secret; the kit uses 128. */
const SALT_BYTES = 16;
const MIN_SALT_BYTES = 4;
const HASH_BYTES = 32;
/** HKDF's info: the pepper is for this purpose only, whatever else RECOVERY_CODE_SECRET might ever derive. */
const PEPPER_INFO = 'totp-functions recovery-code pepper v1';
/** A stored set may name another cost (a future default), within what a Function's memory allows. */
const MAX_SCRYPT_MEMORY = 64 * 1024 * 1024;

export interface ScryptCost {
  N: number;
  r: number;
  p: number;
}

/** One unused code of a current set: its slot (the code's first symbol), its own salt and its peppered scrypt hash. */
export interface StoredRecoveryCode {
  slot: number;
  salt: string;
  hash: string;
}

/** A set as the state keeps it: the scheme and cost, and one entry per unused code; never a code. */
export interface ScryptRecoveryCodes extends ScryptCost {
  scheme: 'scrypt';
  codes: StoredRecoveryCode[];
}

/** A set issued before the scrypt format: one salt for the set, one HMAC per unused code (IDENTITY_SECRET's key). */
export interface LegacyRecoveryCodes {
  salt: string;
  hashes: string[];
}

export type RecoveryCodeSet = ScryptRecoveryCodes | LegacyRecoveryCodes;

/** The keys the checks use: the pepper for current sets, and the key the sets issued before were made with. */
export interface RecoveryCodeKeys {
  /** From RECOVERY_CODE_SECRET (deriveRecoveryCodePepper); never the identity key. */
  pepper: KeyObject;
  /** IDENTITY_SECRET: only to check a set issued before the scrypt format. */
  legacyKey: KeyObject | Uint8Array;
}

/** The password hash; injectable so a test can count the work an attempt costs. */
export type PasswordHash = (password: string, salt: Buffer, cost: ScryptCost) => Promise<Buffer>;

/** scrypt from node:crypto, off the event loop (libuv's pool: at most four at once, 16 MiB each). */
export const scryptHash: PasswordHash = (password, salt, cost) =>
  new Promise((resolve, reject) => {
    const maxmem = 2 * 128 * cost.N * cost.r * cost.p;
    const { N, r, p } = cost;
    scrypt(password, salt, HASH_BYTES, { N, r, p, maxmem }, (error, key) => (error === null ? resolve(key) : reject(error)));
  });

/** What one attempt computed, before the write that may use the code up (./security-state.ts compares it there). */
export type RecoveryCodeCandidate =
  | { scheme: 'scrypt'; slot: number; digest: Buffer }
  | { scheme: 'legacy'; digest: Buffer };

/** What the state needs to issue, check and use up recovery codes, with the keys already bound. */
export interface RecoveryCodeVault {
  /** A new set: the codes to show once, and the set to keep. */
  issue(): Promise<{ codes: string[]; stored: ScryptRecoveryCodes }>;
  /** Exactly one hash of `input`, whatever it is and whichever code it is near: the work does not depend on it. */
  prepare(set: RecoveryCodeSet | null, input: string): Promise<RecoveryCodeCandidate>;
}

/** RFC 5869 HKDF-SHA256 from RECOVERY_CODE_SECRET, with the pepper's purpose as `info`. */
export function deriveRecoveryCodePepper(secret: KeyObject | Uint8Array): KeyObject {
  return createSecretKey(Buffer.from(hkdfSync('sha256', secret, Buffer.alloc(0), PEPPER_INFO, HASH_BYTES)));
}

function randomSymbols(count: number): string {
  // Each symbol from 5 bits of one random byte: 256 is a multiple of 32, so no modulo bias.
  let symbols = '';
  for (const byte of randomBytes(count)) symbols += ALPHABET[byte & 0x1f];
  return symbols;
}

function grouped(canonical: string, size: number): string {
  return (canonical.match(new RegExp(`.{1,${size}}`, 'g')) ?? []).join('-');
}

/** A code for `slot`: `SXXX-XXXX-XXXX-XXXX`, uniformly random apart from the slot symbol. */
export function generateRecoveryCode(slot: number): string {
  return grouped(`${ALPHABET[slot] ?? ''}${randomSymbols(SECRET_SYMBOLS)}`, GROUP);
}

/**
 * The canonical form of what a user typed: case, spaces and dashes do not matter, and the letters Crockford's
 * alphabet leaves out are read as the digits they look like (O → 0, I and L → 1). A current code has 16 symbols, one
 * issued before 10. Undefined when it cannot be a code.
 */
export function normalizeRecoveryCode(input: string): string | undefined {
  const compact = input.toUpperCase().replace(/[\s-]/g, '').replace(/O/g, '0').replace(/[IL]/g, '1');
  if (compact.length !== RECOVERY_CODE_LENGTH && compact.length !== LEGACY_CODE_LENGTH) return undefined;
  for (const symbol of compact) if (!ALPHABET.includes(symbol)) return undefined;
  return compact;
}

/** The peppered password hash of one code (NIST SP 800-63B-4 §3.1.1.2: a keyed hash over the salted hash). */
async function peppered(hash: PasswordHash, pepper: KeyObject, canonical: string, salt: Buffer, cost: ScryptCost): Promise<Buffer> {
  return createHmac('sha256', pepper).update(await hash(canonical, salt, cost)).digest();
}

/** The set issued before: a keyed HMAC in its own domain (the same key derives identities and used-code digests). */
function legacyDigest(key: KeyObject | Uint8Array, salt: string, canonical: string): Buffer {
  return Buffer.from(createHmac('sha256', key).update(`recovery-code\0${salt}\0${canonical}`).digest('base64url'));
}

/** The salt a check hashes with when no stored code can match: the attempt then costs what any other costs. */
const UNMATCHED_SALT = Buffer.alloc(SALT_BYTES).toString('base64url');

export function createRecoveryCodeVault(keys: RecoveryCodeKeys, hash: PasswordHash = scryptHash): RecoveryCodeVault {
  return {
    async issue() {
      const codes = Array.from({ length: RECOVERY_CODE_COUNT }, (_, slot) => generateRecoveryCode(slot));
      const stored = await Promise.all(
        codes.map(async (code, slot) => {
          const salt = randomBytes(SALT_BYTES);
          const digest = await peppered(hash, keys.pepper, normalizeRecoveryCode(code) ?? '', salt, SCRYPT_COST);
          return { slot, salt: salt.toString('base64url'), hash: digest.toString('base64url') };
        }),
      );
      return { codes, stored: { scheme: 'scrypt', ...SCRYPT_COST, codes: stored } };
    },

    async prepare(set, input) {
      const canonical = normalizeRecoveryCode(input) ?? '';
      if (set !== null && !('scheme' in set)) return { scheme: 'legacy', digest: legacyDigest(keys.legacyKey, set.salt, canonical) };
      // The slot symbol picks the one stored code to hash against; with none (no set, a used or unknown slot, a code of
      // the old length) the same hash is computed against a fixed salt, and matches nothing.
      const slot = canonical.length === RECOVERY_CODE_LENGTH ? ALPHABET.indexOf(canonical[0] ?? '') : -1;
      const entry = set?.codes.find((code) => code.slot === slot);
      const cost = set === null ? SCRYPT_COST : { N: set.N, r: set.r, p: set.p };
      const digest = await peppered(hash, keys.pepper, canonical, Buffer.from(entry?.salt ?? UNMATCHED_SALT, 'base64url'), cost);
      return { scheme: 'scrypt', slot: entry === undefined ? -1 : slot, digest };
    },
  };
}

function equalDigests(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * The position in `set` of the code `candidate` was computed for, or undefined. Compared in constant time; a set that
 * changed since the hash (a new set: other salts) matches nothing, as its hashes differ.
 */
export function matchRecoveryCode(candidate: RecoveryCodeCandidate, set: RecoveryCodeSet | null): number | undefined {
  if (set === null) return undefined;
  if (candidate.scheme === 'legacy') {
    if ('scheme' in set) return undefined;
    let found: number | undefined;
    // Every stored hash is compared, matching or not.
    set.hashes.forEach((hash, index) => {
      if (equalDigests(Buffer.from(hash), candidate.digest)) found = index;
    });
    return found;
  }
  if (!('scheme' in set)) return undefined;
  const index = set.codes.findIndex((code) => code.slot === candidate.slot);
  const entry = set.codes[index];
  return entry !== undefined && equalDigests(Buffer.from(entry.hash, 'base64url'), candidate.digest) ? index : undefined;
}

/** The set without the code at `position` (used up). */
export function withoutRecoveryCode(set: RecoveryCodeSet, position: number): RecoveryCodeSet {
  if ('scheme' in set) return { ...set, codes: set.codes.filter((_, at) => at !== position) };
  return { ...set, hashes: set.hashes.filter((_, at) => at !== position) };
}

/** Unused codes in a set (0 without one). */
export function recoveryCodesLeft(set: RecoveryCodeSet | null): number {
  if (set === null) return 0;
  return 'scheme' in set ? set.codes.length : set.hashes.length;
}

/** A set issued before the scrypt format (50-bit codes): it works until used or replaced, and the user is told so. */
export function isOutdatedSet(set: RecoveryCodeSet | null): boolean {
  return set !== null && !('scheme' in set);
}

// ---- reading the stored form (Sync's data is input like any other: checked, never trusted) ----

type Json = Record<string, unknown>;

function isRecord(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isBase64Url(value: unknown, minBytes: number, maxBytes: number): value is string {
  if (typeof value !== 'string' || !/^[A-Za-z0-9_-]*$/.test(value)) return false;
  const bytes = Buffer.from(value, 'base64url').length;
  return bytes >= minBytes && bytes <= maxBytes;
}

function isInteger(value: unknown, min: number, max: number): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= min && value <= max;
}

/** A cost the kit will compute: N a power of two, memory (128·N·r·p bytes) within a Function's means. */
function isCost(value: Json): boolean {
  const { N, r, p } = value;
  if (!isInteger(N, 2, 2 ** 20) || (N & (N - 1)) !== 0 || !isInteger(r, 1, 32) || !isInteger(p, 1, 16)) return false;
  return 128 * N * r * p <= MAX_SCRYPT_MEMORY;
}

function parseStoredCode(value: unknown): StoredRecoveryCode | undefined {
  if (!isRecord(value)) return undefined;
  const { slot, salt, hash } = value;
  if (!isInteger(slot, 0, ALPHABET.length - 1) || !isBase64Url(salt, MIN_SALT_BYTES, 64) || !isBase64Url(hash, HASH_BYTES, HASH_BYTES)) return undefined;
  return { slot, salt, hash };
}

/** The recovery codes of a stored document: null for none, undefined when the field is not one the kit wrote. */
export function parseRecoveryCodeSet(value: unknown): RecoveryCodeSet | null | undefined {
  // Documents written before recovery codes existed have no such field.
  if (value === undefined || value === null) return null;
  if (!isRecord(value)) return undefined;
  if (value.scheme === undefined) {
    if (typeof value.salt !== 'string' || !Array.isArray(value.hashes)) return undefined;
    const hashes = value.hashes;
    if (!hashes.every((hash): hash is string => typeof hash === 'string')) return undefined;
    return { salt: value.salt, hashes: [...hashes] };
  }
  if (value.scheme !== 'scrypt' || !isCost(value) || !Array.isArray(value.codes)) return undefined;
  const codes = value.codes.map(parseStoredCode);
  if (!codes.every((code): code is StoredRecoveryCode => code !== undefined)) return undefined;
  if (new Set(codes.map((code) => code.slot)).size !== codes.length) return undefined;
  return { scheme: 'scrypt', N: value.N as number, r: value.r as number, p: value.p as number, codes };
}
