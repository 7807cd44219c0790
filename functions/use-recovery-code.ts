// POST /use-recovery-code — a sign-in with one of the caller's recovery codes (a lost phone); each code works once.
// Every device trusted before is forgotten; with rememberDevice, this one is trusted instead.
// Request:  Authorization: Bearer <caller JWT>; {code: "XXXX-XXXX-XXXX-XXXX" (case, spaces, dashes do not matter), nonce?,
//           rememberDevice?, deviceLabel?}
// Response: 200 {status: "approved", approval: <JWT, amr ["recovery_code"]>, recoveryCodesLeft, trustedDevice?}; 403
//           invalid_code for a wrong or used code (it counts towards the lock); 429 locked.
import { createCallerEndpoint } from '../lib/http/endpoint';
import { useRecoveryCode } from '../lib/core/factors';
import { rememberRequested } from '../lib/core/trusted-devices';
import { useRecoveryCodeSchema } from '../lib/http/schemas';

export const handler = createCallerEndpoint('use-recovery-code', useRecoveryCodeSchema, async (scope, { code, nonce, ...remember }, { userAgent }) => ({
  status: 200,
  body: await useRecoveryCode(scope, code, { nonce, remember: rememberRequested(remember, userAgent) }),
}));
