// POST /create-challenge — a sign-in check of a code against the caller's verified factor.
// Request:  Authorization: Bearer <caller JWT>; {code: "123456", factorSid?: "YF…" (default: the verified factor),
//           nonce?: the host's value for this sign-in, echoed in the approval token,
//           rememberDevice?: true to trust this device (TRUSTED_DEVICE_DAYS), deviceLabel?: the user's name for it}
// Response: 200 {status: "approved", challengeSid, approval: <JWT for the host backend>, trustedDevice?: {deviceId,
//           deviceToken, expiresAt}} | {status: "pending", challengeSid}
//           404 not_enrolled when the caller has no verified factor; 429 locked after too many wrong codes in a row.
import { createCallerEndpoint } from '../lib/http/endpoint';
import { checkCode } from '../lib/core/factors';
import { rememberRequested } from '../lib/core/trusted-devices';
import { createChallengeSchema } from '../lib/http/schemas';

export const handler = createCallerEndpoint('create-challenge', createChallengeSchema, async (scope, { code, factorSid, nonce, ...remember }, { userAgent }) => ({
  status: 200,
  body: await checkCode(scope, code, { factorSid, nonce, remember: rememberRequested(remember, userAgent) }),
}));
