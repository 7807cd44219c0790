// POST /create-factor — starts a TOTP enrollment for the signed-in caller.
// Request:  Authorization: Bearer <caller JWT>; {label?: string (1–64 characters, default "Account")}
// Response: 201 {factorSid, status: "unverified", uri, secret, config: {algorithm, digits, period, skew}}
//           409 already_enrolled while a verified factor exists (delete it with a current code first);
//           409 enrollment_in_progress while another set-up for the caller is under way (30 s at most).
import { createCallerEndpoint } from '../lib/http/endpoint';
import { enrollFactor } from '../lib/core/factors';
import { createFactorSchema, DEFAULT_LABEL } from '../lib/http/schemas';

export const handler = createCallerEndpoint('create-factor', createFactorSchema, async (scope, input) => ({
  status: 201,
  body: await enrollFactor(scope, input.label ?? DEFAULT_LABEL),
}));
