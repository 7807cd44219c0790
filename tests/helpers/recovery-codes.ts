// The recovery codes' stored forms computed apart from the kit, from what docs/functions.md documents: a current code's
// peppered scrypt hash, and a set of the format issued before (salted HMACs), as the kit's first version wrote it.
import { createHmac, hkdfSync, randomBytes, scryptSync } from 'node:crypto';

/** What the user typed, reduced as the documentation says: no case, spaces or dashes. */
export function canonicalCode(code: string): string {
  return code.toUpperCase().replace(/[\s-]/g, '');
}

/** HMAC-SHA256(HKDF-SHA256(RECOVERY_CODE_SECRET, info), scrypt(code, salt, N, r, p, 32 bytes)), base64url. */
export function expectedRecoveryHash(recoveryCodeSecret: string, code: string, salt: string, cost: { N: number; r: number; p: number }): string {
  const pepper = Buffer.from(hkdfSync('sha256', Buffer.from(recoveryCodeSecret), Buffer.alloc(0), 'totp-functions recovery-code pepper v1', 32));
  const hashed = scryptSync(canonicalCode(code), Buffer.from(salt, 'base64url'), 32, { ...cost, maxmem: 256 * cost.N * cost.r * cost.p });
  return createHmac('sha256', pepper).update(hashed).digest('base64url');
}

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** Ten codes of the format issued before (`XXXXX-XXXXX`) and their stored form: one salt, HMACs under IDENTITY_SECRET. */
export function legacyRecoverySet(identitySecret: string): { codes: string[]; stored: { salt: string; hashes: string[] } } {
  const salt = randomBytes(16).toString('base64url');
  const codes = Array.from({ length: 10 }, () => {
    const symbols = [...randomBytes(10)].map((byte) => ALPHABET[byte & 0x1f]).join('');
    return `${symbols.slice(0, 5)}-${symbols.slice(5)}`;
  });
  const hashes = codes.map((code) => createHmac('sha256', identitySecret).update(`recovery-code\0${salt}\0${canonicalCode(code)}`).digest('base64url'));
  return { codes, stored: { salt, hashes } };
}
