// Verify's error codes (Twilio's 60xxx catalogue) with their HTTP status, rendered in the shared Twilio envelope.
import { CORE_ERRORS, errorsOf, type ErrorTable } from '../core/errors';

export const VERIFY_ERRORS = {
  60200: { status: 400, message: 'Invalid parameter' },
  60301: { status: 409, message: 'Entity already exists' },
  60308: { status: 429, message: 'Challenge verification attempts limit reached' },
  60310: { status: 429, message: 'Factor verification attempts reached' },
  60312: { status: 429, message: 'Challenge creation limit reached' },
  60314: { status: 400, message: 'Factors binding format is invalid' },
  60315: { status: 400, message: 'Reached max limit of 100 totp Factors associated per Entity' },
  60318: { status: 403, message: 'Factor is unverified' },
  60322: { status: 403, message: 'Challenge already responded' },
  60323: { status: 403, message: 'Challenge expired' },
  60326: { status: 429, message: 'Too many requests to create factors for the entity. Try again 24h later' },
  60362: { status: 400, message: 'Factor SID invalid or not provided' },
  60367: { status: 400, message: 'Invalid entity identity' },
  60368: { status: 400, message: 'Challenge details invalid or not provided' },
  60369: { status: 400, message: 'Factor type invalid or not provided' },
  60370: { status: 400, message: 'Factor config invalid or not provided' },
  60384: { status: 400, message: 'Invalid challenge timeout' },
  60390: { status: 404, message: 'Factor not found' },
  60391: { status: 404, message: 'Challenge not found' },
  60392: { status: 404, message: 'Entity not found' },
} as const satisfies ErrorTable;

/** Verify's codes and the shared ones (20001 and so on), with the table's status and message (or a specific one). */
export const verifyError = errorsOf({ ...CORE_ERRORS, ...VERIFY_ERRORS });

/** 60200 naming the offending form parameter, as Twilio does ("Invalid parameter: To"). */
export function invalidParameter(name: string) {
  return verifyError(60200, `Invalid parameter: ${name}`);
}
