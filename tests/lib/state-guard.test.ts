// The state guard over the real twilio client against the emulator's Sync, with interleavings that HTTP requests to
// the Functions cannot order deterministically: two checks that read the same revision, then write one after the other.
import { createSecretKey } from 'node:crypto';
import { createSyncStateStore } from '../../lib/state';
import { createRecoveryCodes } from '../../lib/recovery-codes';
import { createStateGuard, type StateGuard } from '../../lib/state-guard';
import type { Channel, VerifiedFactor } from '../../lib/state-model';
import { startEmulator, type TestEmulator } from '../helpers/emulator';

let emulator: TestEmulator;
let serviceSid: string;
let users = 0;
const now = Date.UTC(2030, 0, 15, 9, 0, 10);
const FACTOR: VerifiedFactor = { sid: `YF${'a'.repeat(32)}`, config: { algorithm: 'SHA1', digits: 6, period: 30, skew: 1 } };
const codeKey = createSecretKey(Buffer.from('k'.repeat(32)));

beforeAll(async () => {
  emulator = await startEmulator();
  serviceSid = (await emulator.client.sync.v1.services.create({ friendlyName: 'guard test' })).sid;
});
afterAll(async () => {
  await emulator.close();
});

/** Two "requests" of one fresh user: guards over the same document, each with its own budget and log. */
function requestsOf(channel: Channel = 'caller'): { guard: () => StateGuard; logged: string[] } {
  users += 1;
  const identity = `guard-user-${users}`;
  const logged: string[] = [];
  return {
    logged,
    guard: () =>
      createStateGuard({
        store: createSyncStateStore(emulator.client, { serviceSid, deadline: Date.now() + 5000 }),
        identity,
        channel,
        policy: { threshold: 5, baseSeconds: 60, maxSeconds: 3600 },
        now: () => new Date(now),
        codeKey,
        log: (line) => logged.push(line),
        activity: { channel: channel === 'caller' ? 'web' : 'studio', ttlMs: 90 * 86_400_000, onRecorded: () => undefined },
      }),
  };
}

test('an approval stands when nothing else was recorded since its lock check', async () => {
  const { guard } = requestsOf();
  const attempt = await guard().beginCodeCheck();
  expect(await attempt.approved(FACTOR, '123456')).toBe(true);
});

test('an approval does not stand when another attempt was recorded in between; it counts as a wrong code', async () => {
  const { guard } = requestsOf();
  const right = await guard().beginCodeCheck();
  const wrong = await guard().beginCodeCheck();
  await wrong.refused();
  expect(await right.approved(FACTOR, '123456')).toBe(false);
  // Both counted: the next check sees two failures (three more start the lock).
  const next = await guard().beginCodeCheck();
  await next.refused();
  await (await guard().beginCodeCheck()).refused();
  await expect((await guard().beginCodeCheck()).refused()).rejects.toMatchObject({ kind: 'locked' });
});

test('a code approved once is refused the second time, even from a check that began before the first was recorded', async () => {
  const { guard } = requestsOf();
  const first = await guard().beginCodeCheck();
  const second = await guard().beginCodeCheck();
  expect(await first.approved(FACTOR, '123456')).toBe(true);
  expect(await second.approved(FACTOR, '123456')).toBe(false);
  expect(await (await guard().beginCodeCheck()).approved(FACTOR, '123456')).toBe(false);
  // Another code of the same factor is fine.
  expect(await (await guard().beginCodeCheck()).approved(FACTOR, '654321')).toBe(true);
});

test('the 5th failure throws locked once, logs one line, and the next check is refused before anything else', async () => {
  const { guard, logged } = requestsOf('studio');
  for (let i = 0; i < 4; i += 1) await (await guard().beginCodeCheck()).refused();
  await expect((await guard().beginCodeCheck()).refused()).rejects.toMatchObject({ kind: 'locked', retryAfterSeconds: 60 });
  await expect(guard().beginCodeCheck()).rejects.toMatchObject({ kind: 'locked', retryAfterSeconds: 60 });
  expect(logged).toEqual(["lockout: a user's studio channel is locked for 60 s (5 wrong codes in a row, lock 1 since the last success)"]);
});

test('an activation is never refused by a race, but a race keeps the failures it recorded', async () => {
  const { guard } = requestsOf();
  const activation = await guard().beginCodeCheck();
  await (await guard().beginCodeCheck()).refused();
  await activation.activated(FACTOR, '111111', createRecoveryCodes(codeKey).stored);
  const next = await guard().beginCodeCheck();
  expect(next.knownFactor).toEqual(FACTOR);
  expect(await next.approved(FACTOR, '111111')).toBe(false);
});

test('of concurrent enrollment holds exactly one is granted; a release lets the next one in', async () => {
  const { guard } = requestsOf();
  const results = await Promise.allSettled(Array.from({ length: 6 }, () => guard().holdEnrollment()));
  const granted = results.filter((result) => result.status === 'fulfilled');
  expect(granted).toHaveLength(1);
  for (const result of results) {
    if (result.status === 'rejected') expect(result.reason).toMatchObject({ kind: 'enrollment_in_progress', retryAfterSeconds: 30 });
  }
  await (granted[0] as PromiseFulfilledResult<Awaited<ReturnType<StateGuard['holdEnrollment']>>>).value.release();
  await expect(guard().holdEnrollment()).resolves.toBeDefined();
});
