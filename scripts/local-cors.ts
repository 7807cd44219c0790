// CORS on the local stack, answered by the kit instead of the runtime's dev server (which answers every preflight
// with `Access-Control-Allow-Origin: *` and credentials allowed): the same ALLOWED_ORIGINS allow-list as the Functions.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { parseAllowedOriginsOf } from '../lib/config';

/** What the browser endpoints accept: POST, a bearer token, a JSON or form body. */
const ALLOWED_METHODS = 'POST';
const ALLOWED_HEADERS = 'authorization, content-type';

/** The Functions' own allow-list; a list the Functions would refuse allows no origin. */
export function allowedOriginsOf(env: Readonly<Record<string, string>>): ReadonlySet<string> {
  try {
    return parseAllowedOriginsOf(env);
  } catch {
    return new Set();
  }
}

/** The Origin when it is on the allow-list (exact match, never `*`). */
export function allowedOrigin(req: IncomingMessage, allowedOrigins: ReadonlySet<string>): string | undefined {
  const origin = req.headers.origin;
  return typeof origin === 'string' && allowedOrigins.has(origin) ? origin : undefined;
}

/**
 * Answers OPTIONS (Fetch standard, CORS protocol): an allowed origin asking for POST gets its own origin echoed with
 * the methods and headers the endpoints take; any other preflight gets no Access-Control-Allow-Origin, so the browser
 * never sends the request.
 */
export function answerPreflight(req: IncomingMessage, res: ServerResponse, allowedOrigins: ReadonlySet<string>): void {
  const origin = allowedOrigin(req, allowedOrigins);
  const method = req.headers['access-control-request-method'];
  const headers: Record<string, string> = { Vary: 'Origin', Allow: ALLOWED_METHODS, 'Cache-Control': 'no-store' };
  if (origin !== undefined && (method === undefined || method === ALLOWED_METHODS)) {
    headers['Access-Control-Allow-Origin'] = origin;
    headers['Access-Control-Allow-Methods'] = ALLOWED_METHODS;
    headers['Access-Control-Allow-Headers'] = ALLOWED_HEADERS;
  }
  res.writeHead(204, headers).end();
}
