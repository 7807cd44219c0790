// node:crypto adapters for the pure modules: HMAC for TOTP, random bytes for SIDs and secrets.
import { createHmac, randomBytes } from 'node:crypto';
import type { Hmac } from './totp';

export const nodeHmac: Hmac = (algorithm, key, message) => createHmac(algorithm, key).update(message).digest();

/** A Twilio SID: two-letter prefix and 32 lowercase hex digits (Verify VA/YE/YF/YC, Sync IS/ET/MP/ES). */
export function newSid(prefix: 'VA' | 'YE' | 'YF' | 'YC' | 'IS' | 'ET' | 'MP' | 'ES'): string {
  return prefix + randomBytes(16).toString('hex');
}

/** 20 random bytes, the length of Verify's generated secrets (32 Base32 characters). */
export function newSecretBytes(): Uint8Array {
  return randomBytes(20);
}
