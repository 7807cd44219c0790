// The Verify identity of a user: an HMAC of the user key, so no personal data reaches Twilio and no table is needed.
import { createHmac, type KeyObject } from 'node:crypto';
import { Failure } from './failures';

/** Hex characters of the identity: 128 bits, within Verify's 8–64 character identity rule. */
const IDENTITY_LENGTH = 32;
/** A code point that UTF-8 cannot encode: a lone surrogate (the `u` flag keeps proper pairs whole). */
const LONE_SURROGATE = /\p{Surrogate}/u;

/** True when `text` holds a lone surrogate: UTF-8 would turn it into U+FFFD, so two different texts would be one. */
export function hasLoneSurrogate(text: string): boolean {
  return LONE_SURROGATE.test(text);
}

/**
 * The Verify identity of a user: hex(HMAC-SHA256(IDENTITY_SECRET, userKey)), first 32 characters.
 * The identity must not carry personal data, and the same user always maps to the same entity without a table.
 * A key with a lone surrogate is refused: UTF-8 would turn it into U+FFFD, so two different keys would share one entity.
 */
export function deriveIdentity(identitySecret: KeyObject | Uint8Array, userKey: string): string {
  if (hasLoneSurrogate(userKey)) throw new Failure('malformed_user_key');
  return createHmac('sha256', identitySecret).update(userKey, 'utf8').digest('hex').slice(0, IDENTITY_LENGTH);
}
