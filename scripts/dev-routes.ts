// The dev-only routes under /__dev/ (never deployed): the stand-in for the host app's sign-in, for this machine only.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { MAX_USER_KEY_LENGTH } from '../lib/core/users';
import { hostForUrl } from './local-settings';
import { mintCallerToken } from './token';

const MAX_DEV_BODY_BYTES = 16 * 1024;
const LOOPBACK_NAMES = ['127.0.0.1', 'localhost', '[::1]'];

export function sendJson(res: ServerResponse, status: number, body: object): void {
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
  });
  res.end(JSON.stringify(body));
}

/**
 * The Host header values the dev sign-in answers: the loopback names and the configured HOST, each with the port.
 * Anything else may be a DNS-rebinding page (its own name resolved to 127.0.0.1) asking for a token.
 */
export function devHostsFor(port: number, host: string): ReadonlySet<string> {
  const names = new Set([...LOOPBACK_NAMES, hostForUrl(host).toLowerCase()]);
  // A browser leaves the default port out of Host.
  return new Set([...names].flatMap((name) => (port === 80 ? [`${name}:${port}`, name] : [`${name}:${port}`])));
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let size = 0;
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_DEV_BODY_BYTES) {
        reject(new Error('body too large'));
        req.destroy();
      } else chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

export interface DevRouteContext {
  env: Readonly<Record<string, string>>;
  /** From devHostsFor. */
  allowedHosts: ReadonlySet<string>;
}

/** POST /__dev/token {user} → {token}: what the host app's sign-in would hand the page; GET → 204 (the page's probe). */
export async function handleDevRoute(req: IncomingMessage, res: ServerResponse, context: DevRouteContext): Promise<void> {
  if (!context.allowedHosts.has((req.headers.host ?? '').toLowerCase())) {
    sendJson(res, 403, { error: { code: 'host_not_allowed', message: 'The dev sign-in answers only at this machine\'s own address.' } });
    return;
  }
  if (new URL(req.url ?? '/', 'http://local').pathname !== '/__dev/token') {
    sendJson(res, 404, { error: { code: 'not_found', message: 'Unknown dev route.' } });
    return;
  }
  // GET tells the page that the dev sign-in exists here, without minting a token.
  if (req.method === 'GET') {
    res.writeHead(204, { 'Cache-Control': 'no-store' }).end();
    return;
  }
  if (req.method !== 'POST') {
    res.setHeader('Allow', 'GET, POST');
    sendJson(res, 405, { error: { code: 'method_not_allowed', message: 'Use POST with {"user": "..."}.' } });
    return;
  }
  let user: unknown;
  try {
    user = (JSON.parse(await readBody(req)) as { user?: unknown }).user;
  } catch {
    user = undefined;
  }
  if (typeof user !== 'string' || user === '' || user.length > MAX_USER_KEY_LENGTH) {
    sendJson(res, 400, { error: { code: 'invalid_request', message: `Send JSON {"user": "<1–${MAX_USER_KEY_LENGTH} characters>"}.` } });
    return;
  }
  sendJson(res, 200, { token: await mintCallerToken(context.env, user) });
}
