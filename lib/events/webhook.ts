// Sends security events to the host backend as Standard Webhooks: signed, time-stamped, never failing the user's request.
import { createHmac, randomUUID } from 'node:crypto';

/** A `whsec_…` secret (Standard Webhooks §Signature scheme): the key is the Base64 text after the prefix. */
export interface WebhookTarget {
  url: URL;
  key: Uint8Array;
}

export interface SignedDelivery {
  headers: Record<string, string>;
  body: string;
}

const SECRET_PREFIX = 'whsec_';

/** Decodes `whsec_<base64>`; undefined when the text is not such a secret (config names the variable, never the value). */
export function parseWebhookSecret(secret: string): Uint8Array | undefined {
  if (!secret.startsWith(SECRET_PREFIX)) return undefined;
  const base64 = secret.slice(SECRET_PREFIX.length);
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(base64)) return undefined;
  const key = Buffer.from(base64, 'base64');
  // The spec recommends 24–64 bytes; fewer than 16 would be a weak HMAC key.
  return key.length >= 16 ? new Uint8Array(key) : undefined;
}

/**
 * Standard Webhooks: `webhook-id`, `webhook-timestamp` (Unix seconds) and
 * `webhook-signature: v1,<base64 HMAC-SHA256(key, "<id>.<timestamp>.<body>")>`. The receiver verifies it with the
 * `standardwebhooks` library and refuses replays by id and stale timestamps.
 */
export function signDelivery(key: Uint8Array, id: string, timestampSeconds: number, body: string): SignedDelivery {
  const signature = createHmac('sha256', key).update(`${id}.${timestampSeconds}.${body}`).digest('base64');
  return {
    body,
    headers: {
      'content-type': 'application/json',
      'webhook-id': id,
      'webhook-timestamp': String(timestampSeconds),
      'webhook-signature': `v1,${signature}`,
    },
  };
}

export type DeliveryResult = { delivered: true; status: number } | { delivered: false; reason: string };

/**
 * Posts one payload within `timeoutMs`. It never throws: a receiver that is down, slow or refusing costs the user
 * at most the timeout, and the caller logs the reason (the event stays in the user's trail).
 */
export async function deliverWebhook(
  target: WebhookTarget,
  payload: object,
  options: { now: Date; timeoutMs: number; fetch?: typeof fetch },
): Promise<DeliveryResult> {
  const id = `msg_${randomUUID().replace(/-/g, '')}`;
  const delivery = signDelivery(target.key, id, Math.floor(options.now.getTime() / 1000), JSON.stringify(payload));
  try {
    const response = await (options.fetch ?? fetch)(target.url, {
      method: 'POST',
      headers: delivery.headers,
      body: delivery.body,
      redirect: 'error',
      signal: AbortSignal.timeout(Math.max(1, options.timeoutMs)),
    });
    // The answer's body is not needed; cancelling it frees the connection at once.
    await response.body?.cancel();
    return response.ok ? { delivered: true, status: response.status } : { delivered: false, reason: `HTTP ${response.status}` };
  } catch (error) {
    // Duck-typed: the abort arrives as a DOMException, which is not an Error in every realm.
    const name = typeof (error as { name?: unknown })?.name === 'string' ? (error as { name: string }).name : 'error';
    return { delivered: false, reason: name === 'TimeoutError' ? `no answer within ${options.timeoutMs} ms` : `${name}` };
  }
}
