// POST /delete-factor — removes one of the caller's factors; a verified one only with a step-up: a current code from
// it, or a recovery code when the phone is lost (then the old recovery codes stop working, and a new set-up is possible).
// Request:  Authorization: Bearer <caller JWT>; {factorSid: "YF…", code?: "123456" | recoveryCode?: "XXXXX-XXXXX"}
// Response: 200 {deleted: true}; 403 step_up_required without either, 403 invalid_code with a wrong or used one;
//           429 locked after too many wrong codes in a row.
import { createCallerEndpoint } from '../lib/http/endpoint';
import { removeFactor } from '../lib/core/factors';
import { deleteFactorSchema } from '../lib/http/schemas';

export const handler = createCallerEndpoint('delete-factor', deleteFactorSchema, async (scope, { factorSid, code, recoveryCode }) => ({
  status: 200,
  body: await removeFactor(scope, factorSid, code !== undefined ? { code } : recoveryCode !== undefined ? { recoveryCode } : {}),
}));
