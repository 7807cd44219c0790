// Twilio's gateway check for `.protected` Functions: X-Twilio-Signature over the URL the caller used and the body,
// keyed with the account's auth token, and the gateway's answer when it fails. Pure: strings in, a verdict out.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/** What the gateway sees of a request. */
export interface GatewayRequest {
  /** The full URL the caller used: scheme, host (and port when the caller gave one), path and query, as sent. */
  url: string;
  /** The X-Twilio-Signature header; undefined when absent. */
  signature: string | undefined;
  /** The Content-Type header; undefined when absent. */
  contentType: string | undefined;
  /** The body exactly as received ('' for none). */
  body: string;
}

export type SignatureCheck = { valid: true } | { valid: false; reason: 'missing' | 'mismatch' | 'body_mismatch' | 'unsigned_body' };

/**
 * How the gateway answers a protected Function's request without a valid signature, missing or wrong alike: 403 with
 * this text. Twilio's support article on calling a protected Function from outside Twilio gives 403, and the text is
 * what deployed Functions are reported to answer; the Functions request-flow page says 400 instead (docs/deploy.md).
 */
export const GATEWAY_REFUSAL = {
  status: 403,
  contentType: 'text/plain; charset=utf-8',
  body: 'Unauthorized - you are not authenticated to perform this request',
} as const;

export type SignedParams = Readonly<Record<string, string | readonly string[]>>;

/**
 * Twilio's documented algorithm (webhooks security): the URL, then each parameter name followed by its value, names
 * in sorted order (a repeated name: its distinct values sorted), HMAC-SHA1 keyed with the auth token, Base64.
 */
export function twilioSignature(authToken: string, url: string, params: SignedParams = {}): string {
  let data = url;
  for (const name of Object.keys(params).sort()) {
    const value = params[name] ?? '';
    const values = typeof value === 'string' ? [value] : [...new Set(value)].sort();
    for (const one of values) data += name + one;
  }
  return createHmac('sha1', authToken).update(Buffer.from(data, 'utf8')).digest('base64');
}

/** The hex SHA-256 a JSON body is signed by: Twilio puts it in the URL as `bodySHA256` and signs the URL alone. */
export function bodyHash(body: string): string {
  return createHash('sha256').update(Buffer.from(body, 'utf8')).digest('hex');
}

function isForm(contentType: string | undefined): boolean {
  return (contentType ?? '').split(';')[0]?.trim().toLowerCase() === 'application/x-www-form-urlencoded';
}

/** The form's parameters as Twilio signs them: decoded, a repeated name with all its values. */
export function formParams(body: string): Record<string, string[]> {
  // No prototype: a parameter named `toString` or `__proto__` is a parameter like any other.
  const params = Object.create(null) as Record<string, string[]>;
  for (const [name, value] of new URLSearchParams(body)) (params[name] ??= []).push(value);
  return params;
}

/**
 * The URL as sent, and the same URL with the scheme's default port written out or left out: callers (and Twilio's
 * own validators) differ on `https://host/` against `https://host:443/`. Any other port must match as sent.
 */
function urlVariants(url: string): string[] {
  const match = /^(https?):\/\/([^/?#]*)(.*)$/i.exec(url);
  if (match === null) return [url];
  const [, scheme = '', authority = '', rest = ''] = match;
  const defaultPort = scheme.toLowerCase() === 'https' ? '443' : '80';
  const portAt = authority.lastIndexOf(':');
  const hasPort = portAt > authority.lastIndexOf(']');
  if (!hasPort) return [url, `${scheme}://${authority}:${defaultPort}${rest}`];
  if (authority.slice(portAt + 1) === defaultPort) return [url, `${scheme}://${authority.slice(0, portAt)}${rest}`];
  return [url];
}

function sameText(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  // The expected length is fixed by the algorithm, not secret: an early return on it leaks nothing.
  return left.length === right.length && timingSafeEqual(left, right);
}

function bodySha256Of(url: string): string | undefined {
  try {
    return new URL(url).searchParams.get('bodySHA256') ?? undefined;
  } catch {
    return undefined;
  }
}

/**
 * The gateway's verdict. A form body is signed by its parameters; any other body only through `bodySHA256` in the
 * URL (as Twilio signs JSON). A non-form body without it is not covered by the signature, so it is refused: a
 * signature lifted from another request must not carry a body of the sender's choosing (Twilio does not document
 * this case; refusing is the safe choice).
 */
export function checkTwilioSignature(authToken: string, request: GatewayRequest): SignatureCheck {
  if (request.signature === undefined || request.signature === '') return { valid: false, reason: 'missing' };
  const hash = bodySha256Of(request.url);
  let params: SignedParams = {};
  if (hash !== undefined) {
    if (!sameText(hash, bodyHash(request.body))) return { valid: false, reason: 'body_mismatch' };
  } else if (isForm(request.contentType)) {
    params = formParams(request.body);
  } else if (request.body !== '') {
    return { valid: false, reason: 'unsigned_body' };
  }
  const signature = request.signature;
  return urlVariants(request.url).some((url) => sameText(signature, twilioSignature(authToken, url, params)))
    ? { valid: true }
    : { valid: false, reason: 'mismatch' };
}

/**
 * Signs a request as Twilio does: a form body by its parameters; a JSON body by adding `bodySHA256` to the URL and
 * signing that URL. Returns the URL to call (changed only for JSON) and the X-Twilio-Signature value.
 */
export function signTwilioRequest(authToken: string, request: Omit<GatewayRequest, 'signature'>): { url: string; signature: string } {
  if (isForm(request.contentType) || request.body === '') {
    return { url: request.url, signature: twilioSignature(authToken, request.url, isForm(request.contentType) ? formParams(request.body) : {}) };
  }
  const url = new URL(request.url);
  url.searchParams.set('bodySHA256', bodyHash(request.body));
  const signed = url.toString();
  return { url: signed, signature: twilioSignature(authToken, signed, {}) };
}
