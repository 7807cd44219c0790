// Security events (lib/events/security-events.ts) reach the log and the webhook with only what each may hold, and a failing webhook fails nothing.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { createEvent, recordEvent } from '../../../lib/events/security-events';
import { parseWebhookSecret } from '../../../lib/events/webhook';

const SECRET = `whsec_${randomBytes(24).toString('base64')}`;
const NOW = new Date('2026-11-29T09:14:00.000Z');
let server: Server;
let url: URL;
let bodies: { headers: Record<string, string>; body: string }[];

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    req.on('end', () => {
      bodies.push({ headers: req.headers as Record<string, string>, body });
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/events`);
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});
beforeEach(() => {
  bodies = [];
});

const subject = { identity: '0123456789abcdef0123456789abcdef', sub: 'alice@example.com', client: { userAgent: 'Firefox/128' } };

test('an event gets an id and the time it happened', () => {
  const event = createEvent({ type: 'lock.started', channel: 'web', detail: { failures: 5, lockSeconds: 60 } }, NOW);
  expect(event).toEqual({
    id: expect.stringMatching(/^ev_[0-9a-f]{32}$/),
    type: 'lock.started',
    occurredAt: '2026-11-29T09:14:00.000Z',
    channel: 'web',
    detail: { failures: 5, lockSeconds: 60 },
  });
});

test('the log gets the event without the user id or client; the webhook gets both, signed', async () => {
  const lines: string[] = [];
  const event = createEvent({ type: 'challenge.failed', channel: 'web', outcome: 'wrong_code', factorSid: `YF${'a'.repeat(32)}` }, NOW);
  await recordEvent(
    {
      log: (line) => lines.push(line),
      webhook: { target: { url, key: parseWebhookSecret(SECRET) as Uint8Array }, timeoutMs: 2000 },
    },
    subject,
    event,
    // The send time signs the delivery; the receiver refuses stale ones, so it is the real clock here.
    new Date(),
  );
  expect(lines).toHaveLength(1);
  expect(JSON.parse(lines[0] ?? '')).toEqual({
    event: 'challenge.failed',
    id: event.id,
    user: subject.identity,
    channel: 'web',
    factorSid: event.factorSid,
    outcome: 'wrong_code',
  });
  for (const leaked of [subject.sub, subject.client.userAgent]) expect(lines[0]).not.toContain(leaked);
  expect(bodies).toHaveLength(1);
  const delivered = new Webhook(SECRET).verify(bodies[0]?.body ?? '', bodies[0]?.headers ?? {});
  expect(delivered).toEqual({ ...event, sub: subject.sub, client: subject.client });
});

test('an unreachable webhook is logged, never thrown', async () => {
  const lines: string[] = [];
  const event = createEvent({ type: 'factor.deleted', channel: 'support' }, NOW);
  await expect(
    recordEvent(
      {
        log: (line) => lines.push(line),
        webhook: { target: { url: new URL('http://127.0.0.1:9/x'), key: parseWebhookSecret(SECRET) as Uint8Array }, timeoutMs: 500 },
      },
      subject,
      event,
      NOW,
    ),
  ).resolves.toBeUndefined();
  expect(lines.slice(1)).toEqual([expect.stringMatching(new RegExp(`^events webhook: event ${event.id} not delivered`))]);
});

test('without a host user id (a Studio caller) nothing is sent to the webhook', async () => {
  const event = createEvent({ type: 'challenge.approved', channel: 'studio' }, NOW);
  await recordEvent(
    { log: () => undefined, webhook: { target: { url, key: parseWebhookSecret(SECRET) as Uint8Array }, timeoutMs: 2000 } },
    { identity: subject.identity },
    event,
    NOW,
  );
  expect(bodies).toHaveLength(0);
});
