// Random identifiers shared by every product: a Twilio SID is a two-letter prefix and 32 lowercase hex digits.
import { randomBytes } from 'node:crypto';

const SID_PREFIX = /^[A-Z]{2}$/;

/** A new SID with the product's prefix (Verify VA/YE/YF/YC, Sync IS/ET/MP/ES). */
export function newSid(prefix: string): string {
  if (!SID_PREFIX.test(prefix)) throw new Error(`a SID prefix is two capital letters, not ${JSON.stringify(prefix)}`);
  return prefix + randomBytes(16).toString('hex');
}
