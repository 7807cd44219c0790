// Event webhooks (lib/events/webhook.ts) as a host backend receives them: verified by the `standardwebhooks` library, never failing the sender.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { deliverWebhook, parseWebhookSecret } from '../../../lib/events/webhook';

interface Received {
  headers: IncomingHttpHeaders;
  body: string;
}

const SECRET = `whsec_${randomBytes(32).toString('base64')}`;
let server: Server;
let url: URL;
let received: Received[];
let answer: (res: import('node:http').ServerResponse) => void;

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      answer(res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/totp`);
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});
beforeEach(() => {
  received = [];
  answer = (res) => res.writeHead(204).end();
});

function target(): { url: URL; key: Uint8Array } {
  const key = parseWebhookSecret(SECRET);
  if (key === undefined) throw new Error('test secret did not parse');
  return { url, key };
}

test('the standardwebhooks library verifies what the kit sends, and returns the payload', async () => {
  const payload = { id: 'ev_1', type: 'factor.verified', occurredAt: '2026-11-29T10:00:00.000Z', sub: 'user-1' };
  const result = await deliverWebhook(target(), payload, { now: new Date(), timeoutMs: 2000 });
  expect(result).toEqual({ delivered: true, status: 204 });
  expect(received).toHaveLength(1);
  const { headers, body } = received[0] as Received;
  expect(headers['content-type']).toBe('application/json');
  expect(headers['webhook-id']).toMatch(/^msg_[0-9a-f]{32}$/);
  const verified = new Webhook(SECRET).verify(body, headers as Record<string, string>);
  expect(verified).toEqual(payload);
});

test('a receiver with another secret, or a changed body, fails verification', async () => {
  await deliverWebhook(target(), { type: 'lock.started' }, { now: new Date(), timeoutMs: 2000 });
  const { headers, body } = received[0] as Received;
  expect(() => new Webhook(`whsec_${randomBytes(32).toString('base64')}`).verify(body, headers as Record<string, string>)).toThrow();
  expect(() => new Webhook(SECRET).verify(body.replace('lock', 'lack'), headers as Record<string, string>)).toThrow();
});

test('a stale timestamp is refused by the receiver (replay protection comes with the signed timestamp)', async () => {
  await deliverWebhook(target(), { type: 'lock.started' }, { now: new Date(Date.now() - 60 * 60 * 1000), timeoutMs: 2000 });
  const { headers, body } = received[0] as Received;
  expect(() => new Webhook(SECRET).verify(body, headers as Record<string, string>)).toThrow(/timestamp/i);
});

test('a refusing receiver is a result with the status, not an exception', async () => {
  answer = (res) => res.writeHead(500).end('boom');
  expect(await deliverWebhook(target(), { type: 'x' }, { now: new Date(), timeoutMs: 2000 })).toEqual({ delivered: false, reason: 'HTTP 500' });
});

test('a receiver that never answers costs at most the timeout, and says so', async () => {
  answer = () => undefined;
  const result = await deliverWebhook(target(), { type: 'x' }, { now: new Date(), timeoutMs: 150 });
  expect(result).toEqual({ delivered: false, reason: 'no answer within 150 ms' });
});

test('a receiver that is down is a result too', async () => {
  const down = new URL('http://127.0.0.1:9/unused');
  const result = await deliverWebhook({ ...target(), url: down }, { type: 'x' }, { now: new Date(), timeoutMs: 2000 });
  expect(result.delivered).toBe(false);
});

test('redirects are not followed (the signed body must reach only the configured URL)', async () => {
  answer = (res) => res.writeHead(307, { location: 'http://127.0.0.1:9/elsewhere' }).end();
  const result = await deliverWebhook(target(), { type: 'x' }, { now: new Date(), timeoutMs: 2000 });
  expect(result.delivered).toBe(false);
  expect(received).toHaveLength(1);
});

test.each([['secret'], ['whsec_'], ['whsec_not base64!'], [`whsec_${Buffer.from('short').toString('base64')}`]])('%j is not a usable secret', (secret) => {
  expect(parseWebhookSecret(secret)).toBeUndefined();
});
