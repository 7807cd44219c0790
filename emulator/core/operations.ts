// The shape of one emulated operation, shared by every product: (context, request) → status, body and headers,
// plus the path lookups every product's operations start with.
import { resourceNotFound } from './errors';
import type { FormParams } from './form';

/** What every rendered resource needs besides its record. */
export interface RenderContext {
  accountSid: string;
  /** Origin the client reached the emulator on (from the Host header), e.g. http://127.0.0.1:4010 */
  baseUrl: string;
}

export interface OperationRequest {
  /** Path parameters named as in the OpenAPI paths ({ServiceSid}, {Identity}, {Sid}, {MapSid}, …). */
  path: Readonly<Record<string, string>>;
  /** Form body for POST, query string for GET and DELETE. */
  params: FormParams;
  /** Path without the query, for pagination URLs and 20404 messages. */
  pathname: string;
  /** Request headers by lower-case name (Sync reads If-Match: twilio-node sends the `ifMatch` option as it). */
  headers: Readonly<Record<string, string | undefined>>;
  /** The body as received (Serverless's multipart uploads); `params` holds it parsed as a form. */
  body: Buffer;
}

export interface OperationResult {
  status: number;
  body?: unknown;
  /** Extra response headers (Sync's ETag). */
  headers?: Readonly<Record<string, string>>;
}

export interface Operation<Ctx> {
  /** The product's operationId (CreateService, FetchFactor, CreateSyncMapItem, …). */
  name: string;
  method: 'GET' | 'POST' | 'DELETE';
  /** OpenAPI path template, e.g. /v2/Services/{ServiceSid}/Entities/{Identity}. */
  path: string;
  /** Synchronous, except where the product must wait on something outside it (Serverless's served environments). */
  run(ctx: Ctx, request: OperationRequest): OperationResult | Promise<OperationResult>;
}

export function pathParam(request: Pick<OperationRequest, 'path'>, name: string): string {
  const value = request.path[name];
  if (value === undefined) throw new Error(`operation path has no {${name}}`);
  return value;
}

/**
 * The service that path parameter `param` names, looked up by the product's `find` (a SID, or Sync's `default`).
 * To Twilio an unknown service is an unknown path: 20404 quoting it.
 */
export function requireServiceAt<R>(request: Pick<OperationRequest, 'path' | 'pathname'>, param: string, find: (ref: string) => R | undefined): R {
  const service = find(pathParam(request, param));
  if (service === undefined) throw resourceNotFound(request.pathname);
  return service;
}
