// The shape of one emulated Verify operation: (context, request) → status and body.
import type { Clock } from '../clock';
import type { FormParams } from '../form';
import type { RenderContext } from '../resources';
import type { VerifyStore } from '../store';
import type { EmulatorSwitches } from '../switches';
import type { Hmac } from '../totp';

export interface OperationContext {
  store: VerifyStore;
  clock: Clock;
  switches: EmulatorSwitches;
  hmac: Hmac;
  render: RenderContext;
}

export interface OperationRequest {
  /** Path parameters named as in the OpenAPI paths ({ServiceSid}, {Identity}, {Sid}). */
  path: Readonly<Record<string, string>>;
  /** Form body for POST, query string for GET and DELETE. */
  params: FormParams;
  /** Path without the query, for pagination URLs and 20404 messages. */
  pathname: string;
}

export interface OperationResult {
  status: number;
  body?: unknown;
}

export interface Operation {
  /** Verify's operationId (CreateService, FetchFactor, …). */
  name: string;
  method: 'GET' | 'POST' | 'DELETE';
  /** OpenAPI path template, e.g. /v2/Services/{ServiceSid}/Entities/{Identity}. */
  path: string;
  run(ctx: OperationContext, request: OperationRequest): OperationResult;
}
