// POST /list-devices — the caller's trusted devices, newest first: label, browser, platform, when trusted, last used
// and when each stops being trusted. Never a token.
// Request:  Authorization: Bearer <caller JWT>; {}
// Response: 200 {devices: [{deviceId, label, browser, platform, trustedAt, lastUsedAt, expiresAt}], trustedDeviceDays, maxDevices}
import { createCallerEndpoint } from '../lib/http/endpoint';
import { listDevices } from '../lib/core/trusted-devices';
import { noInputSchema } from '../lib/http/schemas';

export const handler = createCallerEndpoint('list-devices', noInputSchema, async (scope) => ({ status: 200, body: await listDevices(scope) }));
