// POST /studio/check-code — for Studio's Run Function widget (protected: Twilio checks X-Twilio-Signature when deployed).
// Request:  {user: <the app's user key, e.g. the caller's number>, code: <digits keyed in>} (form-encoded or JSON)
// Response: always 200 {status: "approved" | "pending" | "not_enrolled" | "locked" | "invalid"} for expected outcomes,
//           so a Split widget can branch on widgets.<name>.parsed.status; real faults answer non-2xx (the Fail path).
//           "locked" includes the kit's own lock on the Studio channel, which never locks the user's web sign-in; with
//           STUDIO_HIDE_ENROLLMENT=true a user without a factor gets "pending" instead of "not_enrolled".
import type { StudioCheckCodeResponse } from '../../lib/contract';
import { createEndpoint } from '../../lib/http/endpoint';
import { checkCodeForStudio } from '../../lib/core/factors';
import { isWellFormedCode, parseInput, studioCheckCodeSchema } from '../../lib/http/schemas';
import { studioUser } from '../../lib/core/users';

export const handler = createEndpoint('studio/check-code', async (request) => {
  const { user, code } = parseInput(studioCheckCodeSchema, request.fields);
  const body: StudioCheckCodeResponse = {
    status: isWellFormedCode(code)
      ? await checkCodeForStudio(request.scopeFor(studioUser(user)), code, { hideEnrollment: request.config.studioHideEnrollment })
      : 'invalid',
  };
  return { status: 200, body };
});
