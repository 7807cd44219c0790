// POST /list-activity — the caller's recent security events (at most 50, newest first), for a "Recent activity" view.
// Request:  Authorization: Bearer <caller JWT>; {} (empty JSON object or empty form)
// Response: 200 {events: [{id, type, occurredAt, channel, factorSid?, outcome?, detail?}]}; never a code or secret.
import { createCallerEndpoint } from '../lib/http/endpoint';
import { listActivity } from '../lib/core/factors';
import { noInputSchema } from '../lib/http/schemas';

export const handler = createCallerEndpoint('list-activity', noInputSchema, async (scope) => ({
  status: 200,
  body: await listActivity(scope),
}));
