// POST /forget-device — stops trusting one of the caller's devices, or every one: its token no longer signs in.
// Request:  Authorization: Bearer <caller JWT>; {deviceId: "td_…"} or {all: true}
// Response: 200 {forgotten: <how many>}; 404 device_not_found for a device the caller does not trust.
import { createCallerEndpoint } from '../lib/http/endpoint';
import { forgetDevice } from '../lib/core/trusted-devices';
import { forgetDeviceSchema } from '../lib/http/schemas';

export const handler = createCallerEndpoint('forget-device', forgetDeviceSchema, async (scope, request) => ({ status: 200, body: await forgetDevice(scope, request) }));
