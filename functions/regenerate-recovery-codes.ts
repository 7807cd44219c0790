// POST /regenerate-recovery-codes — a new set of recovery codes for a current authenticator code; the old set stops working.
// Request:  Authorization: Bearer <caller JWT>; {code: "123456"}
// Response: 200 {recoveryCodes: [10 × "XXXXX-XXXXX"]} (shown once, never cached); 403 invalid_code; 404 not_enrolled;
//           429 locked.
import { createCallerEndpoint } from '../lib/http/endpoint';
import { regenerateRecoveryCodes } from '../lib/core/factors';
import { regenerateRecoveryCodesSchema } from '../lib/http/schemas';

export const handler = createCallerEndpoint('regenerate-recovery-codes', regenerateRecoveryCodesSchema, async (scope, { code }) => ({
  status: 200,
  body: await regenerateRecoveryCodes(scope, code),
}));
