// Studio's errors in the shared Twilio envelope: Twilio reports Studio's refusals as 400/20001 with a specific message.
import { CORE_ERRORS, errorsOf } from '../core/errors';

export const STUDIO_ERRORS = {} as const;

export const studioError = errorsOf({ ...CORE_ERRORS });

/** A refusal: 400, 20001, the reason as the message. */
export function studioRefusal(message: string) {
  return studioError(20001, message);
}

/** Studio's answer to a malformed parameter: 20001 naming it. */
export function invalidStudioParameter(name: string) {
  return studioRefusal(`Invalid parameter: ${name}`);
}
