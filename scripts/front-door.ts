// The local stack's request router in front of the runtime: the bare address, CORS preflights, dev routes, private
// Functions kept private, protected ones behind Twilio's signature check, a log line.
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { handleDevRoute, sendJson, type DevRouteContext } from './dev-routes';
import { passProtected } from './local-gateway';
import { answerPreflight } from './local-cors';
import type { PageHeaders } from './page-headers';

export interface FrontDoorOptions extends DevRouteContext {
  /** The Functions and the page. */
  runtime: RequestListener;
  allowedOrigins: ReadonlySet<string>;
  /**
   * Routes of private Functions (the shared kit.private.js): deployed, Twilio never serves them over HTTP, but the
   * runtime's dev server would run them (serverless-toolkit issue 194), so the front door answers 404 as Twilio does.
   */
  privateRoutes: ReadonlySet<string>;
  /**
   * Routes of `.protected` Functions: answered only with a valid X-Twilio-Signature for `authToken`, as Twilio's
   * gateway answers them once deployed (the runtime's dev server checks nothing: serverless-toolkit issue 31).
   */
  protectedRoutes: ReadonlySet<string>;
  /** The headers of each HTML page (its own CSP and referrer policy, nosniff), by route. */
  pageHeaders: PageHeaders;
  /** The account's auth token, the key of X-Twilio-Signature. */
  authToken: string;
  /** One line per request: method, path, status, time (never a body, header or query). */
  log: (line: string) => void;
}

export function createFrontDoor(options: FrontDoorOptions): RequestListener {
  return (req: IncomingMessage, res: ServerResponse) => {
    const started = process.hrtime.bigint();
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    res.on('finish', () => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      options.log(`${req.method ?? '?'} ${path} ${res.statusCode} ${ms.toFixed(1)} ms`);
    });
    if (req.method === 'OPTIONS') {
      answerPreflight(req, res, options.allowedOrigins);
    } else if (req.url === '/') {
      // Convenience for a person typing the bare address; the page itself lives at /index.html as when deployed.
      res.writeHead(302, { Location: '/index.html' }).end();
    } else if (options.privateRoutes.has(path)) {
      sendJson(res, 404, { error: { code: 'not_found', message: 'No such route.' } });
    } else if (options.protectedRoutes.has(path)) {
      passProtected(req, res, options.authToken)
        .then((signed) => {
          if (signed !== undefined) options.runtime(signed, res);
        })
        .catch(() => {
          // The caller went away mid-body, or the runtime threw: nothing useful can be said beyond this.
          if (!res.headersSent) sendJson(res, 400, { error: { code: 'invalid_request', message: 'The request body could not be read.' } });
          else res.destroy();
        });
    } else if (path.startsWith('/__dev/')) {
      handleDevRoute(req, res, options).catch(() => sendJson(res, 500, { error: { code: 'internal_error', message: 'Dev route failed.' } }));
    } else {
      for (const [name, value] of Object.entries(options.pageHeaders.get(path) ?? {})) res.setHeader(name, value);
      options.runtime(req, res);
    }
  };
}
