// The Verify identity a test expects for a user key, computed here with node:crypto from the rule README states
// (hex(HMAC-SHA256(IDENTITY_SECRET, user key))[0..32]), never with the kit's own function, so a change to that
// function (a key lower-cased, trimmed or normalised first) cannot move the expectation with it.
import { createHmac } from 'node:crypto';

export function expectedIdentity(identitySecret: string, userKey: string): string {
  return createHmac('sha256', Buffer.from(identitySecret, 'utf8')).update(Buffer.from(userKey, 'utf8')).digest('hex').slice(0, 32);
}
