// Reading the runtime's `event`: the caller's fields, the request headers (refusing a field that would stand in for
// them), and the POST-with-a-body rule, since the runtime hides the HTTP method from a Function.
import { KitError } from './kit-error';

/** The runtime's `event`: body and query fields, plus `request.headers` (lower-cased names). */
export interface RuntimeEvent {
  request?: { headers?: Record<string, unknown> };
  [field: string]: unknown;
}

const ACCEPTED_MEDIA_TYPES = new Set(['application/json', 'application/x-www-form-urlencoded']);

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * What the runtime builds: `{headers, cookies}`, both objects, always (the dev runtime does so, and the runtime's types,
 * @twilio-labs/serverless-runtime-types, declare both). Only this pair is checked: more rules would not stop a copy of
 * the shape, and each one more would be a way to refuse the real runtime's entry.
 */
function isRuntimeRequest(request: unknown): request is { headers: Record<string, unknown>; cookies: Record<string, unknown> } {
  return isPlainObject(request) && isPlainObject(request.headers) && isPlainObject(request.cookies);
}

/**
 * The request headers as the runtime passes them. The runtime merges query and body fields over `event`, so a field
 * named `request` would replace them: a token in the URL, a GET passed off as a POST, an Origin of the caller's
 * choosing. Such a request is refused. The runtime's own entry is recognised by its shape, since the merge leaves
 * nothing else to tell them apart; a field that copies that shape exactly restates only headers its sender could
 * have sent as headers (SECURITY.md, "Fields named request").
 */
export function requestHeaders(event: RuntimeEvent): Record<string, unknown> {
  const { request } = event;
  if (request === undefined) return {};
  if (!isRuntimeRequest(request)) {
    throw new KitError('reserved_field');
  }
  return request.headers;
}

/** The caller's fields: everything in `event` except the runtime's own `request` entry. */
export function requestFields(event: RuntimeEvent): Record<string, unknown> {
  const { request: _runtimeRequest, ...fields } = event;
  return fields;
}

/**
 * The runtime hides the HTTP method from a Function. A POST carries a body and therefore Content-Length
 * (the Fetch standard sends `Content-Length: 0` even for an empty POST) or Content-Type; a GET carries neither.
 * Bodies must be JSON or form-encoded, the two formats the runtime parses into `event`.
 */
export function requirePostBody(event: RuntimeEvent): void {
  const headers = requestHeaders(event);
  const contentType = headers['content-type'];
  const contentLength = headers['content-length'];
  if (contentType === undefined && contentLength === undefined) {
    throw new KitError('method_not_allowed');
  }
  if (contentType === undefined) {
    if (contentLength === '0') return;
    throw new KitError('unsupported_media_type');
  }
  const mediaType = typeof contentType === 'string' ? contentType.split(';')[0]?.trim().toLowerCase() : undefined;
  if (mediaType === undefined || !ACCEPTED_MEDIA_TYPES.has(mediaType)) {
    throw new KitError('unsupported_media_type');
  }
}
