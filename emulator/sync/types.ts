// What one emulated Sync operation runs with, and its result helper: Sync's state, the clock, Sync's switches, the
// per-object write limit; a result carrying one object sends its revision as the ETag header.
import type { Clock } from '../core/clock';
import type { Operation, OperationRequest, OperationResult, RenderContext } from '../core/operations';
import type { PageLimits } from '../core/paging';
import { revisionText } from './resources';
import type { SyncStore } from './store';
import type { SyncSwitches } from './switches';
import type { WriteRateLimiter } from './write-rate';

export interface SyncContext {
  store: SyncStore;
  clock: Clock;
  switches: SyncSwitches;
  render: RenderContext;
  writeRate: WriteRateLimiter;
  pageLimits: PageLimits;
}

export type SyncOperation = Operation<SyncContext>;
export type SyncRequest = OperationRequest;

/** "Every response with a Sync object carries ETag": the object's revision. */
export function objectResult(status: number, body: unknown, revision: number): OperationResult {
  return { status, body, headers: { ETag: revisionText(revision) } };
}

/** The If-Match header, when sent (twilio-node sends the `ifMatch` option as this header). */
export function ifMatchOf(request: SyncRequest): string | undefined {
  return request.headers['if-match'];
}
