// X-Twilio-Signature as Twilio computes it for a webhook: the twilio package's own algorithm, so they cannot differ.
import { getExpectedTwilioSignature } from 'twilio/lib/webhooks/webhooks';

/** Base64 HMAC-SHA1, keyed by the account's auth token, of the URL followed by each sorted POST key and its value. */
export function twilioSignature(authToken: string, url: string, params: Record<string, string>): string {
  return getExpectedTwilioSignature(authToken, url, params);
}
