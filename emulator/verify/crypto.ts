// node:crypto adapters for Verify's pure TOTP module: the HMAC, and random bytes for generated secrets.
import { createHmac, randomBytes } from 'node:crypto';
import type { Hmac } from './totp';

export const nodeHmac: Hmac = (algorithm, key, message) => createHmac(algorithm, key).update(message).digest();

/** 20 random bytes, the length of Verify's generated secrets (32 Base32 characters). */
export function newSecretBytes(): Uint8Array {
  return randomBytes(20);
}
