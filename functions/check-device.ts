// POST /check-device — a sign-in on a trusted device: its token instead of a code ("remember this device").
// Request:  Authorization: Bearer <caller JWT>; {deviceToken: <43 characters, from an approved check with rememberDevice>, nonce?}
// Response: 200 {status: "approved", approval: <JWT, amr ["trusted_device"], device_trusted_at>, deviceId, trustedAt, expiresAt};
//           403 device_not_trusted for a wrong, expired or forgotten token (it counts towards the lock); 429 locked.
import { createCallerEndpoint } from '../lib/http/endpoint';
import { checkDevice } from '../lib/core/trusted-devices';
import { checkDeviceSchema } from '../lib/http/schemas';

export const handler = createCallerEndpoint('check-device', checkDeviceSchema, async (scope, { deviceToken, nonce }) => ({
  status: 200,
  body: await checkDevice(scope, deviceToken, { nonce }),
}));
