// The one table that turns a failed Sync call (Twilio error code, HTTP status or transport failure) into what the
// state layer does next: an expected answer its compare-and-swap loop handles, or a Failure that fails the check closed.
import { Failure, type FailureKind } from '../core/failures';

/** Expected answers of a Sync write or read; everything else is a Failure. */
export type SyncAnswer = 'not_found' | 'name_taken' | 'revision_mismatch';

/** Twilio error codes (reference: twilio.com/docs/api/errors/<code>) → an expected answer or a failure kind. */
export const SYNC_ERROR_TABLE: Readonly<Record<number, SyncAnswer | FailureKind>> = {
  // Document not found: a user with no state yet (or one whose document expired between a read and a write).
  54100: 'not_found',
  // Unique name already exists: another request created this user's document first (an atomic claim).
  54301: 'name_taken',
  // If-Match does not match the current revision: someone else wrote first; read again and retry.
  54103: 'revision_mismatch',
  // Our credentials, or a service that does not exist: the operator must fix SYNC_SERVICE_SID or the account.
  20003: 'misconfigured',
  20404: 'misconfigured',
  // The per-object rate limit (20 writes/s): retrying within one request would only deepen it.
  54009: 'state_unavailable',
  20429: 'state_unavailable',
};

/** Transport failures of the HTTP client (axios error codes / Node socket errors) that mean "no usable answer". */
const TRANSPORT_CODES = new Set(['ECONNABORTED', 'ETIMEDOUT', 'ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ECONNRESET', 'EPIPE', 'ERR_BAD_RESPONSE']);

interface TwilioRestError {
  status: number;
  code: unknown;
}

function isTwilioRestError(error: unknown): error is Error & TwilioRestError {
  return error instanceof Error && typeof (error as Partial<TwilioRestError>).status === 'number';
}

function twilioCode(error: Error & TwilioRestError): number | undefined {
  return typeof error.code === 'number' ? error.code : undefined;
}

function transportCode(error: unknown): string | undefined {
  const code = error instanceof Error ? (error as { code?: unknown }).code : undefined;
  return typeof code === 'string' ? code : undefined;
}

function describe(error: unknown): string {
  if (isTwilioRestError(error)) {
    const code = twilioCode(error);
    const hint = error.status === 401 ? ' (check ACCOUNT_SID/AUTH_TOKEN)' : code === 20404 ? ' (check SYNC_SERVICE_SID)' : '';
    return `Sync answered HTTP ${error.status}${code === undefined ? '' : ` code ${code}`}${hint}`;
  }
  if (error instanceof SyntaxError) return 'Sync answered a body that is not JSON';
  const code = transportCode(error);
  return `Sync call failed${code !== undefined && TRANSPORT_CODES.has(code) ? ` (${code})` : ''}`;
}

function kindOf(error: unknown): SyncAnswer | FailureKind {
  if (isTwilioRestError(error)) {
    const code = twilioCode(error);
    const known = code === undefined ? undefined : SYNC_ERROR_TABLE[code];
    if (known !== undefined) return known;
    if (error.status === 401 || error.status === 403) return 'misconfigured';
    if (error.status === 412) return 'revision_mismatch';
    return 'state_unavailable';
  }
  // Timeouts, refused or dropped connections, a proxy's HTML page: no usable answer, so nothing is decided on it.
  return 'state_unavailable';
}

/** Maps a failed Sync call once, where it enters: an expected answer, or a Failure whose log line says what failed. */
export function mapSyncError(error: unknown, operation: string): SyncAnswer | Failure {
  if (error instanceof Failure) return error;
  const kind = kindOf(error);
  if (kind === 'not_found' || kind === 'name_taken' || kind === 'revision_mismatch') return kind;
  return new Failure(kind, { cause: error, logDetail: `state ${operation}: ${describe(error)}` });
}
