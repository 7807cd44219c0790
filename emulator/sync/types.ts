// The shape of one emulated Sync operation: (context, request) → status, body and the object's revision (ETag).
import type { Clock } from '../clock';
import type { FormParams } from '../form';
import type { RenderContext } from '../resources';
import type { EmulatorSwitches } from '../switches';
import type { SyncStore } from './store';
import type { WriteRateLimiter } from './write-rate';

export interface SyncContext {
  store: SyncStore;
  clock: Clock;
  switches: EmulatorSwitches;
  render: RenderContext;
  writeRate: WriteRateLimiter;
}

export interface SyncRequest {
  /** Path parameters named as in the OpenAPI paths ({ServiceSid}, {Sid}, {MapSid}, {Key}, …). */
  path: Readonly<Record<string, string>>;
  /** Form body for POST, query string for GET and DELETE. */
  params: FormParams;
  /** Path without the query, for pagination URLs and 20404 messages. */
  pathname: string;
  /** The If-Match header, when sent (twilio-node sends the `ifMatch` option as this header). */
  ifMatch: string | undefined;
}

export interface SyncResult {
  status: number;
  body?: unknown;
  /** The object's revision, sent as the ETag header ("every response with a Sync object carries ETag"). */
  etag?: string;
}

export interface SyncOperation {
  /** Sync's operationId (CreateDocument, FetchSyncMapItem, …). */
  name: string;
  method: 'GET' | 'POST' | 'DELETE';
  /** OpenAPI path template, e.g. /v1/Services/{ServiceSid}/Documents/{Sid}. */
  path: string;
  run(ctx: SyncContext, request: SyncRequest): SyncResult;
}
