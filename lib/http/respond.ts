// The answers of the HTTP edge in one place: JSON responses with the headers every answer carries, and the one error
// renderer, which turns a KitError into its answer and anything else into a generic internal_error.
import { ConfigError } from '../config';
import { errorSpec } from './error-codes';
import { KitError } from './kit-error';

/** The subset of `Twilio.Response` (a global of the Functions runtime) that the kit uses. */
export interface RuntimeResponse {
  setStatusCode(statusCode: number): unknown;
  setBody(body: object): unknown;
  appendHeader(name: string, value: string): unknown;
}

export interface Outcome {
  status: number;
  body: object;
}

/** Where error lines go; console.error reaches the Twilio Console's Function logs. */
export type Logger = (line: string) => void;

function newRuntimeResponse(): RuntimeResponse {
  const runtime = (globalThis as { Twilio?: { Response?: new () => RuntimeResponse } }).Twilio;
  if (runtime?.Response === undefined) throw new Error('Twilio.Response is missing: run inside the Twilio Functions runtime');
  return new runtime.Response();
}

/** A JSON answer with the headers every answer carries; the caller adds how it may be cached. */
function jsonResponse(status: number, body: object, headers: Record<string, string>): RuntimeResponse {
  const response = newRuntimeResponse();
  response.setStatusCode(status);
  response.appendHeader('Content-Type', 'application/json; charset=utf-8');
  response.appendHeader('X-Content-Type-Options', 'nosniff');
  for (const [name, value] of Object.entries(headers)) response.appendHeader(name, value);
  response.setBody(body);
  return response;
}

/**
 * Every answer, success or error: JSON, never cached (factor secrets, tokens), CORS only for allowed origins. An
 * allowed origin may also read Retry-After, which is not CORS-safelisted (Fetch standard), so its page can count down.
 */
export function respond(outcome: Outcome, origin: string | undefined, extraHeaders: Record<string, string> = {}): RuntimeResponse {
  return jsonResponse(outcome.status, outcome.body, {
    'Cache-Control': 'no-store',
    Vary: 'Origin',
    ...(origin !== undefined && { 'Access-Control-Allow-Origin': origin, 'Access-Control-Expose-Headers': 'Retry-After' }),
    ...extraHeaders,
  });
}

/** Public data that anyone may read and cache (the approval token's public keys): the same for every caller. */
export function respondPublic(body: object, maxAgeSeconds: number): RuntimeResponse {
  return jsonResponse(200, body, { 'Cache-Control': `public, max-age=${maxAgeSeconds}` });
}

function headersFor(error: KitError): Record<string, string> {
  const headers: Record<string, string> = {};
  if (error.code === 'method_not_allowed') headers.Allow = 'POST';
  // RFC 6750 §3: a refused token names the scheme; §3.1: no error code when the request carried no token at all.
  if (error.code === 'missing_token') headers['WWW-Authenticate'] = 'Bearer';
  if (error.code === 'invalid_token') headers['WWW-Authenticate'] = 'Bearer error="invalid_token"';
  if (error.retryAfterSeconds !== undefined) headers['Retry-After'] = String(error.retryAfterSeconds);
  return headers;
}

/**
 * The one error renderer. A KitError becomes `{error: {code, message}}` with its status; a ConfigError or anything
 * unexpected becomes a generic 500 whose only detail goes to the log (the variable's name, never a value or a stack).
 */
export function fail(error: unknown, origin: string | undefined, log: Logger, endpoint: string): RuntimeResponse {
  if (error instanceof KitError) {
    // Upstream trouble and rate limits are operational signals; expected 4xx answers are not worth a line.
    if (!error.quiet && (error.status >= 500 || error.status === 429)) log(`${endpoint}: ${error.code}${error.logDetail === undefined ? '' : ` (${error.logDetail})`}`);
    const body = { error: { ...error.bodyFields, code: error.code, message: error.message } };
    return respond({ status: error.status, body }, origin, headersFor(error));
  }
  if (error instanceof ConfigError) {
    log(`${endpoint}: configuration error: ${error.variable} ${error.problem}`);
  } else {
    // Name and message only: a stack or the raw error object could carry request data into the log.
    const description = error instanceof Error ? `${error.name}: ${error.message.slice(0, 200)}` : typeof error;
    log(`${endpoint}: unexpected ${description}`);
  }
  const generic = errorSpec('internal_error');
  return respond({ status: generic.status, body: { error: { code: 'internal_error', message: generic.message } } }, origin);
}
