// POST /delete-factor — removes one of the caller's factors; a verified one only with a current code (step-up).
// Request:  Authorization: Bearer <caller JWT>; {factorSid: "YF…", code?: "123456" (required when verified)}
// Response: 200 {deleted: true}; 403 step_up_required without a code, 403 invalid_code with a wrong or used one;
//           429 locked after too many wrong codes in a row.
import { createCallerEndpoint } from '../lib/endpoint';
import { removeFactor } from '../lib/factors';
import { deleteFactorSchema } from '../lib/schemas';

export const handler = createCallerEndpoint('delete-factor', deleteFactorSchema, async (scope, input) => ({
  status: 200,
  body: await removeFactor(scope, input.factorSid, input.code),
}));
