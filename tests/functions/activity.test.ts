// Security activity over HTTP: each action is one event in the user's trail (/list-activity), one JSON log line, and
// one Standard Webhooks delivery that a host verifies with the `standardwebhooks` library; a failing receiver costs the
// user nothing, and no event, line or trail entry carries a code, a secret or a token.
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { stackClock, type StackClock } from '../helpers/clock';
import { body, errorOf, startFunctionsHarness, totp, wrongCode, type FunctionsHarness } from '../helpers/functions';
import { captureErrorLog } from '../helpers/log-capture';

const SECRET = `whsec_${randomBytes(32).toString('base64')}`;

interface Delivery {
  headers: IncomingHttpHeaders;
  body: string;
}

let receiver: Server;
let deliveries: Delivery[];
let answer: (res: ServerResponse) => void;
let harness: FunctionsHarness;
let clock: StackClock;
let logLines: string[];
let users = 0;

beforeAll(async () => {
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      deliveries.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      answer(res);
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks/totp`;
  harness = await startFunctionsHarness({ envOverrides: { EVENTS_WEBHOOK_URL: url, EVENTS_WEBHOOK_SECRET: SECRET } });
});
afterAll(async () => {
  await harness.close();
  receiver.closeAllConnections();
  await new Promise((resolve) => receiver.close(resolve));
});
beforeEach(async () => {
  deliveries = [];
  answer = (res) => res.writeHead(204).end();
  logLines = [];
  jest.spyOn(console, 'log').mockImplementation((line: unknown) => {
    logLines.push(String(line));
  });
  clock = stackClock(harness);
  await clock.start();
});
afterEach(() => {
  jest.restoreAllMocks();
});
/** The Functions' error log: a failed delivery's line, and a lock's; read by the tests, kept out of their output. */
const log = captureErrorLog();

/** What the host receives: every delivery verified with the standardwebhooks library (it throws on a bad one). */
function received(): Array<Record<string, unknown>> {
  return deliveries.map((delivery) => new Webhook(SECRET).verify(delivery.body, delivery.headers as Record<string, string>) as Record<string, unknown>);
}

async function activity(token: string): Promise<Array<Record<string, unknown>>> {
  return body(await harness.post('/list-activity', {}, { token })).events as Array<Record<string, unknown>>;
}

test('enrolling, a wrong code, a lock and a recovery code: each one event in the trail, the log and the webhook', async () => {
  users += 1;
  const user = `activity-user-${users}`;
  const token = await harness.token(user);
  const { factorSid, secret } = body(await harness.post('/create-factor', {}, { token })) as { factorSid: string; secret: string };
  const codes = body(await harness.post('/verify-factor', { factorSid, code: totp(secret, clock.now) }, { token })).recoveryCodes as string[];
  await clock.nextStep();
  const wrong = wrongCode(secret, clock.now);
  for (let i = 0; i < 4; i += 1) await harness.post('/create-challenge', { code: wrong }, { token });
  expect(errorOf(await harness.post('/create-challenge', { code: wrong }, { token })).code).toBe('locked');
  await harness.setClock(clock.now + 61);
  expect((await harness.post('/use-recovery-code', { code: codes[0] }, { token })).status).toBe(200);

  const expected = [
    ['factor.created', undefined],
    ['factor.verified', undefined],
    ['recovery_codes.generated', undefined],
    ...Array.from({ length: 5 }, () => ['challenge.failed', 'wrong_code']),
    ['lock.started', 'threshold'],
    ['recovery_code.used', 'sign_in'],
  ];
  // The trail: newest first, the same events, the five wrong codes in a row folded into one with their count.
  const trail = await activity(token);
  const folded = expected.filter(([type], index) => type !== 'challenge.failed' || expected[index - 1]?.[0] !== 'challenge.failed');
  expect(trail.map((event) => [event.type, event.outcome])).toEqual([...folded].reverse());
  expect(trail.find((event) => event.type === 'challenge.failed')).toMatchObject({ count: 5, firstOccurredAt: expect.any(String) });
  expect(trail.every((event) => event.channel === 'web')).toBe(true);
  expect(trail.find((event) => event.type === 'lock.started')?.detail).toEqual({ lockSeconds: 60, lockLevel: 1 });

  // The webhook: each event once, verified, carrying the host's user id; the trail's ids are among them (a folded
  // event keeps the first one's).
  const hosted = received();
  expect(hosted.map((event) => [event.type, event.outcome])).toEqual(expected);
  expect(new Set(hosted.map((event) => event.id)).size).toBe(hosted.length);
  expect(hosted.map((event) => event.id)).toEqual(expect.arrayContaining(trail.map((event) => event.id)));
  expect(hosted.every((event) => event.count === undefined)).toBe(true);
  expect(hosted.every((event) => event.sub === user)).toBe(true);

  // The log: one JSON line per event, with the HMAC identity instead of the user id.
  const logged = logLines.filter((line) => line.startsWith('[totp-functions] {')).map((line) => JSON.parse(line.slice('[totp-functions] '.length)) as Record<string, unknown>);
  expect(logged.map((line) => line.event)).toEqual(expected.map(([type]) => type));
  expect(logged.every((line) => line.user === harness.identityOf(user))).toBe(true);

  // Never a code, a secret, a token or the user id where it does not belong.
  const everything = [JSON.stringify(trail), ...logLines, ...deliveries.map((delivery) => delivery.body)].join('\n');
  for (const leak of [secret, wrong, totp(secret, clock.now - 30), token, ...codes, ...codes.map((code) => code.replace(/-/g, ''))]) {
    expect(everything).not.toContain(leak);
  }
  expect([JSON.stringify(trail), ...logLines].join('\n')).not.toContain(user);
});

test('the browser is named to the host by its User-Agent (the runtime strips forwarded IPs), never in the trail', async () => {
  const token = await harness.token('client-info-user');
  await harness.post('/create-factor', {}, { token, headers: { 'user-agent': 'TestBrowser/1.0', 'x-forwarded-for': '203.0.113.9, 10.0.0.1' } });
  const [created] = received();
  expect(created?.client).toEqual({ userAgent: 'TestBrowser/1.0' });
  expect(JSON.stringify(await activity(token))).not.toMatch(/203\.0\.113\.9|TestBrowser/);
});

test('the Studio path emits its events too, on the studio channel, without client details', async () => {
  const token = await harness.token('+15550007001');
  const { factorSid, secret } = body(await harness.post('/create-factor', {}, { token })) as { factorSid: string; secret: string };
  await harness.post('/verify-factor', { factorSid, code: totp(secret, clock.now) }, { token });
  await clock.nextStep();
  deliveries = [];
  const studio = await harness.post('/studio/check-code', { user: '+15550007001', code: totp(secret, clock.now) }, { form: true, signed: true });
  expect(body(studio)).toEqual({ status: 'approved' });
  expect(received()).toEqual([expect.objectContaining({ type: 'challenge.approved', channel: 'studio', factorSid, sub: '+15550007001' })]);
  expect(received()[0]).not.toHaveProperty('client');
  expect((await activity(token))[0]).toMatchObject({ type: 'challenge.approved', channel: 'studio' });
});

test.each([
  ['answers 500', (res: ServerResponse) => res.writeHead(500).end('down')],
  ['never answers', () => undefined],
])('a receiver that %s leaves the request unaffected; the trail still has the event and the log says why', async (_name, behaviour) => {
  answer = behaviour;
  const token = await harness.token(`receiver-down-${_name}`);
  const created = await harness.post('/create-factor', {}, { token });
  expect(created.status).toBe(201);
  expect(deliveries).toHaveLength(1);
  expect((await activity(token)).map((event) => event.type)).toEqual(['factor.created']);
  expect([...logLines, ...log.lines].join('\n')).toMatch(/events webhook: event ev_[0-9a-f]{32} not delivered/);
});

test('/list-activity answers only the caller\'s own events, and needs a token', async () => {
  const alice = await harness.token('activity-alice');
  const mallory = await harness.token('activity-mallory');
  await harness.post('/create-factor', {}, { token: alice });
  await harness.post('/create-factor', {}, { token: mallory });
  const mine = await activity(mallory);
  expect(mine).toHaveLength(1);
  expect(await activity(alice)).toHaveLength(1);
  expect(mine[0]?.id).not.toBe((await activity(alice))[0]?.id);
  expect((await harness.post('/list-activity', {})).status).toBe(401);
});
