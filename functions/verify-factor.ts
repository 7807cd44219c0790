// POST /verify-factor — the first code from the authenticator app, which activates the factor.
// Request:  Authorization: Bearer <caller JWT>; {factorSid: "YF…", code: "123456"}
// Response: 200 {factorSid, status: "verified" | "unverified"} (a wrong code answers "unverified", not an error)
//           409 already_verified when the factor is verified already (no code is checked then);
//           429 locked after too many wrong codes in a row (they count with the caller's sign-in codes).
import { createCallerEndpoint } from '../lib/http/endpoint';
import { confirmFactor } from '../lib/core/factors';
import { verifyFactorSchema } from '../lib/http/schemas';

export const handler = createCallerEndpoint('verify-factor', verifyFactorSchema, async (scope, input) => ({
  status: 200,
  body: await confirmFactor(scope, input.factorSid, input.code),
}));
