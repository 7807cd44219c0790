// Serverless's error codes with their HTTP status, in the shared Twilio envelope. Twilio reports its documented build
// refusals as 400 with the generic 20001 and a specific message; 82007 is the documented code for a bad runtime.
import { CORE_ERRORS, errorsOf, type ErrorTable } from '../core/errors';

export const SERVERLESS_ERRORS = {
  82007: { status: 400, message: 'Unsupported Runtime' },
} as const satisfies ErrorTable;

/** Serverless's codes and the shared ones (20001, 20404, 20413 …), with the table's status and message. */
export const serverlessError = errorsOf({ ...CORE_ERRORS, ...SERVERLESS_ERRORS });

/** A refusal as Twilio's Serverless API words them: 400, code 20001, the reason as the message. */
export function refusal(message: string) {
  return serverlessError(20001, message);
}

/** Serverless's answer to a malformed parameter: 20001 naming it (Serverless documents no code of its own). */
export function invalidServerlessParameter(name: string) {
  return refusal(`Invalid parameter: ${name}`);
}
