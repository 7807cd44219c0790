// Sync's error codes (Twilio's 54xxx catalogue) with their HTTP status, rendered in the shared Twilio envelope.
import { CORE_ERRORS, errorsOf, type ErrorTable } from '../core/errors';

export const SYNC_ERRORS = {
  54003: { status: 400, message: 'Invalid If-Match header: not a revision' },
  54006: { status: 413, message: 'Request entity too large: data is limited to 16 KiB' },
  54009: { status: 429, message: 'Rate limit exceeded' },
  54011: { status: 400, message: 'Invalid TTL' },
  54100: { status: 404, message: 'Document not found' },
  54103: { status: 412, message: 'Document revision mismatch' },
  54150: { status: 404, message: 'List not found' },
  54151: { status: 404, message: 'List Item not found' },
  54155: { status: 412, message: 'List Item revision mismatch' },
  54200: { status: 404, message: 'Map not found' },
  54201: { status: 404, message: 'Map Item not found' },
  54205: { status: 412, message: 'Map Item revision mismatch' },
  54208: { status: 409, message: 'Map Item already exists' },
  54209: { status: 400, message: 'Invalid Map Item key' },
  54301: { status: 409, message: 'Unique name already exists' },
} as const satisfies ErrorTable;

export type SyncErrorCode = keyof typeof SYNC_ERRORS;

/** Sync's codes and the shared ones (20001 and so on), with the table's status and message (or a specific one). */
export const syncError = errorsOf({ ...CORE_ERRORS, ...SYNC_ERRORS });

/** Sync's answer to a malformed parameter: Twilio's generic 20001, naming the parameter (Sync documents no code). */
export function invalidSyncParameter(name: string) {
  return syncError(20001, `Invalid parameter: ${name}`);
}
