// The local stack's stand-in for Twilio's gateway in front of `.protected` Functions: reads the body once, checks
// X-Twilio-Signature over the URL the caller used, and hands the runtime the same request, or answers as Twilio does.
import { IncomingMessage, type ServerResponse } from 'node:http';
import { checkTwilioSignature, GATEWAY_REFUSAL } from '../emulator/core/gateway-signature';
import { sendJson } from './dev-routes';

/** The runtime's own body limit (@twilio/runtime-handler's dev server accepts 6 MB). */
export const MAX_PROTECTED_BODY_BYTES = 6 * 1024 * 1024;

/**
 * The address the caller used, which is what a signer signs: the Host header and the path with its query, over http
 * (the local stack speaks http), or https when a tunnel in front says so with X-Forwarded-Proto.
 */
export function callerUrl(req: IncomingMessage): string {
  const forwarded = String(req.headers['x-forwarded-proto'] ?? '').split(',')[0]?.trim().toLowerCase();
  const scheme = forwarded === 'https' ? 'https' : 'http';
  return `${scheme}://${req.headers.host ?? ''}${req.url ?? '/'}`;
}

function readBody(req: IncomingMessage, limit: number): Promise<Buffer | 'too_large'> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      // Past the limit the rest is read and dropped, so the answer can still be sent; the connection then closes.
      if (size > limit) resolve('too_large');
      else chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
    req.on('close', () => {
      if (!req.complete) reject(new Error('the request ended before its body'));
    });
  });
}

/** A request the runtime can read as if it came off the socket: the same line and headers, the body it already had. */
function replay(req: IncomingMessage, body: Buffer): IncomingMessage {
  const copy = new IncomingMessage(req.socket);
  copy.method = req.method;
  copy.url = req.url;
  copy.httpVersion = req.httpVersion;
  copy.httpVersionMajor = req.httpVersionMajor;
  copy.httpVersionMinor = req.httpVersionMinor;
  copy.headers = req.headers;
  copy.rawHeaders = req.rawHeaders;
  copy.complete = true;
  if (body.length > 0) copy.push(body);
  copy.push(null);
  return copy;
}

/**
 * Resolves with the request to pass on when the signature is valid for `authToken`; otherwise answers (403 with
 * Twilio's text, missing and wrong signatures alike) and resolves with undefined. No auth token: nothing is valid.
 */
export async function passProtected(req: IncomingMessage, res: ServerResponse, authToken: string): Promise<IncomingMessage | undefined> {
  const body = await readBody(req, MAX_PROTECTED_BODY_BYTES);
  if (body === 'too_large') {
    res.setHeader('Connection', 'close');
    res.on('finish', () => req.destroy());
    sendJson(res, 413, { error: { code: 'body_too_large', message: 'The request body could not be read.' } });
    return undefined;
  }
  const signature = req.headers['x-twilio-signature'];
  const check =
    authToken === ''
      ? { valid: false }
      : checkTwilioSignature(authToken, {
          url: callerUrl(req),
          signature: typeof signature === 'string' ? signature : undefined,
          contentType: req.headers['content-type'],
          body: body.toString('utf8'),
        });
  if (!check.valid) {
    res.writeHead(GATEWAY_REFUSAL.status, { 'Content-Type': GATEWAY_REFUSAL.contentType, 'Cache-Control': 'no-store' }).end(GATEWAY_REFUSAL.body);
    return undefined;
  }
  return replay(req, body);
}
