// POST /list-factors — the caller's TOTP factors, newest first, without any secret.
// Request:  Authorization: Bearer <caller JWT>; {} (empty JSON object or empty form)
// Response: 200 {factors: [{factorSid, label, status, createdAt, config}]}
import { createCallerEndpoint } from '../lib/http/endpoint';
import { listFactors } from '../lib/core/factors';
import { noInputSchema } from '../lib/http/schemas';

export const handler = createCallerEndpoint('list-factors', noInputSchema, async (scope) => ({
  status: 200,
  body: await listFactors(scope),
}));
