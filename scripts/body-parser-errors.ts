// The local stack's answer when the runtime's body parser refuses a body, in the kit's error shape and headers.
import type { ErrorRequestHandler } from 'express';

/**
 * The runtime's body parser rejects a malformed JSON or oversized body before any Function runs, and Express would
 * answer with an HTML page carrying a stack trace. This answers as lib/http/respond.ts's respond() does: JSON, no-store,
 * nosniff, Vary: Origin, and Access-Control-Allow-Origin only for an allowed origin.
 */
export function bodyParserErrors(allowedOrigins: ReadonlySet<string>): ErrorRequestHandler {
  return (error: { type?: unknown; status?: unknown }, req, res, _next) => {
    const status = typeof error.status === 'number' && error.status >= 400 && error.status < 500 ? error.status : 400;
    const code = error.type === 'entity.parse.failed' ? 'invalid_json' : error.type === 'entity.too.large' ? 'body_too_large' : 'invalid_request';
    const origin = req.headers.origin;
    res.status(status).set({ 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff', Vary: 'Origin' });
    if (typeof origin === 'string' && allowedOrigins.has(origin)) res.set('Access-Control-Allow-Origin', origin);
    res.json({ error: { code, message: 'The request body could not be read.' } });
  };
}
