// The user's security state (lib/state/security-state.ts) over the real twilio client against the emulator's Sync, with interleavings that HTTP requests to
// the Functions cannot order deterministically: two checks that read the same revision, then write one after the other.
import { createSecretKey } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import type { ActivityEvent } from '../../../lib/contract';
import { createSyncStateStore } from '../../../lib/state/sync-store';
import { createRecoveryCodeVault, deriveRecoveryCodePepper } from '../../../lib/core/recovery-codes';
import { createSecurityState, stateDocumentName, stateTtlSeconds, STATE_TTL_SECONDS, type SecurityState } from '../../../lib/state/security-state';
import { IN_FLIGHT_MS } from '../../../lib/state/lockout';
import { emptyState, storedForm, type Channel, type VerifiedFactor } from '../../../lib/state/model';
import { startEmulator, type TestEmulator } from '../../helpers/emulator';

// The pauses between lost races are recorded (and still taken, unless a test says otherwise).
jest.mock('node:timers/promises', () => {
  const actual = jest.requireActual('node:timers/promises');
  return { ...actual, setTimeout: jest.fn(actual.setTimeout) };
});
const pauses = delay as unknown as jest.Mock;

let emulator: TestEmulator;
let serviceSid: string;
let users = 0;
const now = Date.UTC(2030, 0, 15, 9, 0, 10);
const FACTOR: VerifiedFactor = { sid: `YF${'a'.repeat(32)}`, config: { algorithm: 'SHA1', digits: 6, period: 30, skew: 1 } };
const codeKey = createSecretKey(Buffer.from('k'.repeat(32)));
const recoveryCodes = createRecoveryCodeVault({ pepper: deriveRecoveryCodePepper(Buffer.from('r'.repeat(32))), legacyKey: codeKey });
const issueSet = async () => (await recoveryCodes.issue()).stored;
const CHALLENGE = { purpose: 'challenge' } as const;
const POLICY = { threshold: 5, baseSeconds: 60, maxSeconds: 3600, hardCap: 100 };

beforeAll(async () => {
  emulator = await startEmulator();
  serviceSid = (await emulator.client.sync.v1.services.create({ friendlyName: 'guard test' })).sid;
});
afterAll(async () => {
  await emulator.close();
});

/** Two "requests" of one fresh user: guards over the same document, each with its own budget and log. */
function requestsOf(channel: Channel = 'web'): {
  guard: () => SecurityState;
  logged: string[];
  recorded: ActivityEvent[][];
  identity: string;
  advance: (ms: number) => void;
} {
  users += 1;
  const identity = `guard-user-${users}`;
  const logged: string[] = [];
  const recorded: ActivityEvent[][] = [];
  let clock = now;
  return {
    logged,
    recorded,
    identity,
    advance: (ms) => {
      clock += ms;
    },
    guard: () =>
      createSecurityState({
        store: createSyncStateStore(emulator.client, { serviceSid, deadline: Date.now() + 5000 }),
        identity,
        channel,
        policy: POLICY,
        now: () => new Date(clock),
        codeKey,
        recoveryCodes,
        log: (line) => logged.push(line),
        activity: { ttlMs: 90 * 86_400_000, onRecorded: (events) => recorded.push(events) },
        trustedDeviceTtlMs: 30 * 86_400_000,
      }),
  };
}

test('an approval stands when nothing else was recorded since its lock check', async () => {
  const { guard } = requestsOf();
  const attempt = await guard().beginCodeCheck(CHALLENGE);
  expect(await attempt.approved(FACTOR, '123456')).toBe(true);
});

test('an approval stands even when another check failed since its reservation: both were within the threshold', async () => {
  const { guard, identity } = requestsOf();
  const right = await guard().beginCodeCheck(CHALLENGE);
  const wrong = await guard().beginCodeCheck(CHALLENGE);
  await wrong.refused();
  expect(await right.approved(FACTOR, '123456')).toBe(true);
  expect((await documentOf(identity)).caller).toMatchObject({ failures: 0, streak: 0, inFlight: [] });
});

test('a code approved once is a reuse the second time, even from a check that began before the first was recorded', async () => {
  const { guard } = requestsOf();
  const first = await guard().beginCodeCheck(CHALLENGE);
  const second = await guard().beginCodeCheck(CHALLENGE);
  expect(await first.approved(FACTOR, '123456')).toBe(true);
  expect(second.isReuse(FACTOR, '123456')).toBe(false);
  await expect(second.approved(FACTOR, '123456')).rejects.toMatchObject({ kind: 'code_reused', retryAfterSeconds: 20 });
  const third = await guard().beginCodeCheck(CHALLENGE);
  expect(third.isReuse(FACTOR, '123456')).toBe(true);
  await expect(third.reused(FACTOR)).rejects.toMatchObject({ kind: 'code_reused' });
  // Another code of the same factor is fine.
  expect(await (await guard().beginCodeCheck(CHALLENGE)).approved(FACTOR, '654321')).toBe(true);
});

test('a refusal of a code another check had accepted meanwhile is a reuse, not a wrong code; without `reuse` it is one', async () => {
  const { guard, identity } = requestsOf();
  const accepted = await guard().beginCodeCheck(CHALLENGE);
  const refused = await guard().beginCodeCheck(CHALLENGE);
  const wrong = await guard().beginCodeCheck(CHALLENGE);
  await accepted.approved(FACTOR, '123456');
  await expect(refused.refused({ factorSid: FACTOR.sid, reuse: { factor: FACTOR, code: '123456' } })).rejects.toMatchObject({ kind: 'code_reused' });
  await wrong.refused({ factorSid: FACTOR.sid, reuse: { factor: FACTOR, code: '654321' } });
  expect((await documentOf(identity)).caller).toMatchObject({ failures: 1, reuses: 1, inFlight: [] });
});

test('a reused code checked before Verify gives back its place in the quota; the reuses after the free ones count', async () => {
  const { guard, identity } = requestsOf();
  await (await guard().beginCodeCheck(CHALLENGE)).approved(FACTOR, '123456');
  for (let i = 0; i < 4; i += 1) {
    const attempt = await guard().beginCodeCheck(CHALLENGE);
    await expect(attempt.reused(FACTOR)).rejects.toMatchObject({ kind: 'code_reused' });
  }
  expect((await documentOf(identity)).caller).toMatchObject({ failures: 1, reuses: 3, challenges: [now] });
  // The trail folds the free reuses into one event with their count.
  const events = await guard().activity();
  expect(events.slice(0, 2).map((event) => [event.type, event.outcome ?? null, event.count ?? 1])).toEqual([
    ['challenge.failed', 'replay', 1],
    ['challenge.reused', null, 3],
  ]);
});

test('the 5th failure throws locked once, logs one line, and the next check is refused before anything else', async () => {
  const { guard, logged } = requestsOf('studio');
  for (let i = 0; i < 4; i += 1) await (await guard().beginCodeCheck(CHALLENGE)).refused();
  await expect((await guard().beginCodeCheck(CHALLENGE)).refused()).rejects.toMatchObject({ kind: 'locked', retryAfterSeconds: 60 });
  await expect(guard().beginCodeCheck(CHALLENGE)).rejects.toMatchObject({ kind: 'locked', retryAfterSeconds: 60 });
  expect(logged).toEqual(["lockout: a user's studio channel is locked for 60 s (5 wrong codes in a row, lock 1 since the last success)"]);
});

test('an activation is never refused, even when its reservation lapsed and was counted meanwhile', async () => {
  const { guard, advance } = requestsOf();
  const activation = await guard().beginCodeCheck({ purpose: 'factor' });
  advance(IN_FLIGHT_MS);
  await (await guard().beginCodeCheck(CHALLENGE)).refused();
  await activation.activated(FACTOR, '111111', await issueSet());
  const next = await guard().beginCodeCheck(CHALLENGE);
  expect(next.knownFactor).toEqual(FACTOR);
  expect(next.isReuse(FACTOR, '111111')).toBe(true);
});

test('of concurrent enrollment holds exactly one is granted; a release lets the next one in', async () => {
  const { guard } = requestsOf();
  const results = await Promise.allSettled(Array.from({ length: 6 }, () => guard().holdEnrollment()));
  const granted = results.filter((result) => result.status === 'fulfilled');
  expect(granted).toHaveLength(1);
  for (const result of results) {
    if (result.status === 'rejected') expect(result.reason).toMatchObject({ kind: 'enrollment_in_progress', retryAfterSeconds: 30 });
  }
  await (granted[0] as PromiseFulfilledResult<Awaited<ReturnType<SecurityState['holdEnrollment']>>>).value.release();
  await expect(guard().holdEnrollment()).resolves.toBeDefined();
});

/** Writes the user's document directly (as another writer, or an older kit, would). */
async function writeDocument(identity: string, data: object): Promise<void> {
  await emulator.client.sync.v1.services(serviceSid).documents.create({ uniqueName: stateDocumentName(identity), data });
}

async function documentOf(identity: string): Promise<Record<string, unknown>> {
  return (await emulator.client.sync.v1.services(serviceSid).documents(stateDocumentName(identity)).fetch()).data as Record<string, unknown>;
}

test('the document lives 30 days, or as long as the activity trail if that is longer', () => {
  expect(STATE_TTL_SECONDS).toBe(2_592_000);
  expect(stateTtlSeconds(0)).toBe(2_592_000);
  expect(stateTtlSeconds(90 * 86_400_000 + 1)).toBe(7_776_001);
});

test('a used code is kept as a 22-character digest, never the code', async () => {
  const { guard, identity } = requestsOf();
  await (await guard().beginCodeCheck(CHALLENGE)).approved(FACTOR, '123456');
  const used = (await documentOf(identity)).used as Array<{ key: string }>;
  expect(used.map((entry) => entry.key)).toEqual([expect.stringMatching(/^[A-Za-z0-9_-]{22}$/)]);
});

test('a document not in the kit format is state_unavailable, never reset', async () => {
  const { guard, identity } = requestsOf();
  await writeDocument(identity, { v: 999 });
  await expect(guard().beginCodeCheck(CHALLENGE)).rejects.toMatchObject({
    kind: 'state_unavailable',
    logDetail: 'state read: the user document is not in the kit format',
  });
  expect(await documentOf(identity)).toEqual({ v: 999 });
});

test('a lost race is retried with growing pauses; ten lost in a row are state_unavailable', async () => {
  const { guard, identity } = requestsOf();
  const attempt = await guard().beginCodeCheck(CHALLENGE);
  jest.spyOn(Math, 'random').mockReturnValue(0.5);
  pauses.mockClear();
  pauses.mockImplementation(async () => undefined);
  try {
    // The reservation created the document; the outcome's ten replaces lose.
    await emulator.fault({ match: { method: 'POST', path: `/Documents/${stateDocumentName(identity)}` }, status: 412, code: 54103, count: 10 });
    await expect(attempt.refused()).rejects.toMatchObject({ kind: 'state_unavailable', logDetail: 'state write: lost 10 compare-and-swap races in a row' });
    expect(pauses.mock.calls.map((call) => call[0])).toEqual([7.5, 15, 22.5, 30, 37.5, 45, 52.5, 60, 67.5]);
  } finally {
    pauses.mockImplementation(jest.requireActual('node:timers/promises').setTimeout);
    jest.restoreAllMocks();
    await emulator.clearFaults();
  }
});

test('nine lost races in a row still end in the write', async () => {
  const { guard, identity } = requestsOf();
  const attempt = await guard().beginCodeCheck(CHALLENGE);
  pauses.mockImplementation(async () => undefined);
  try {
    await emulator.fault({ match: { method: 'POST', path: `/Documents/${stateDocumentName(identity)}` }, status: 412, code: 54103, count: 9 });
    await attempt.refused();
    expect((await documentOf(identity)).caller).toMatchObject({ failures: 1, streak: 1, inFlight: [] });
  } finally {
    pauses.mockImplementation(jest.requireActual('node:timers/promises').setTimeout);
    await emulator.clearFaults();
  }
});

test('only writes that carry events are reported, once each, with exactly those events', async () => {
  const { guard, recorded } = requestsOf();
  const ticket = await guard().holdEnrollment();
  await ticket.release();
  await (await guard().beginCodeCheck(CHALLENGE)).refused({ factorSid: FACTOR.sid });
  expect(recorded).toEqual([[{ id: expect.any(String), occurredAt: new Date(now).toISOString(), type: 'challenge.failed', channel: 'web', factorSid: FACTOR.sid, outcome: 'wrong_code' }]]);
});

test('the failure that starts a lock writes lock.started with the reason, length and level', async () => {
  const { guard } = requestsOf();
  for (let i = 0; i < 4; i += 1) await (await guard().beginCodeCheck(CHALLENGE)).refused();
  await expect((await guard().beginCodeCheck(CHALLENGE)).refused()).rejects.toMatchObject({ kind: 'locked' });
  const [newest] = await guard().activity();
  expect(newest).toMatchObject({ type: 'lock.started', outcome: 'threshold', detail: { lockSeconds: 60, lockLevel: 1 } });
});

test('a daily-limit lock is logged as such', async () => {
  const { guard, identity, logged } = requestsOf();
  const state = emptyState();
  await writeDocument(identity, JSON.parse(storedForm({ ...state, web: { ...state.web, recent: Array.from({ length: 29 }, () => now - 1000) } })) as object);
  await expect((await guard().beginCodeCheck(CHALLENGE)).refused()).rejects.toMatchObject({ kind: 'locked', retryAfterSeconds: 86_399 });
  expect(logged).toEqual(["lockout: a user's web channel is locked for 86399 s (daily limit of wrong codes)"]);
});

test('an activation resets the failure count and writes its two events', async () => {
  const { guard, identity } = requestsOf();
  for (let i = 0; i < 4; i += 1) await (await guard().beginCodeCheck(CHALLENGE)).refused();
  await (await guard().beginCodeCheck({ purpose: 'factor' })).activated(FACTOR, '111111', await issueSet());
  expect((await documentOf(identity)).caller).toEqual({ failures: 0, level: 0, lockedUntil: 0, recent: [], streak: 0, reuses: 0, inFlight: [], challenges: [now, now, now, now] });
  expect((await guard().activity()).slice(0, 2)).toMatchObject([
    { type: 'recovery_codes.generated', detail: { count: 10 } },
    { type: 'factor.verified', factorSid: FACTOR.sid },
  ]);
});

describe('recovery codes', () => {
  async function withCodes(): Promise<{ requests: ReturnType<typeof requestsOf>; codes: string[] }> {
    const requests = requestsOf();
    const recovery = await recoveryCodes.issue();
    await (await requests.guard().beginCodeCheck({ purpose: 'factor' })).activated(FACTOR, '111111', recovery.stored);
    requests.recorded.length = 0;
    return { requests, codes: recovery.codes };
  }

  test('a wrong one is counted as challenge.failed wrong_recovery_code and leaves the set alone', async () => {
    const { requests, codes } = await withCodes();
    expect(await (await requests.guard().beginCodeCheck({ purpose: 'recovery' })).redeemRecoveryCode('0AAA-AAAA-AAAA-AAAA', { purpose: 'sign_in' })).toBeUndefined();
    expect(requests.recorded).toEqual([[expect.objectContaining({ type: 'challenge.failed', outcome: 'wrong_recovery_code' })]]);
    expect(await requests.guard().recoveryCodes()).toEqual({ left: codes.length, outdated: false });
  });

  test('a right one is used up with recovery_code.used naming the purpose, the factor (if given) and the codes left', async () => {
    const { requests, codes } = await withCodes();
    expect(await (await requests.guard().beginCodeCheck({ purpose: 'recovery' })).redeemRecoveryCode(codes[0] as string, { purpose: 'delete_factor', factorSid: FACTOR.sid })).toBe(9);
    expect(await (await requests.guard().beginCodeCheck({ purpose: 'recovery' })).redeemRecoveryCode(codes[1] as string, { purpose: 'sign_in' })).toBe(8);
    const [[withFactor], [without]] = requests.recorded as [[ActivityEvent], [ActivityEvent]];
    expect(withFactor).toStrictEqual({ id: expect.any(String), occurredAt: expect.any(String), type: 'recovery_code.used', channel: 'web', outcome: 'delete_factor', factorSid: FACTOR.sid, detail: { recoveryCodesLeft: 9 } });
    expect(without).toStrictEqual({ id: expect.any(String), occurredAt: expect.any(String), type: 'recovery_code.used', channel: 'web', outcome: 'sign_in', detail: { recoveryCodesLeft: 8 } });
  });

  test('of two checks with one right code, the one recorded second finds it used up: a wrong code', async () => {
    const { requests, codes } = await withCodes();
    const first = await requests.guard().beginCodeCheck({ purpose: 'recovery' });
    const second = await requests.guard().beginCodeCheck({ purpose: 'recovery' });
    expect(await first.redeemRecoveryCode(codes[0] as string, { purpose: 'sign_in' })).toBe(9);
    expect(await second.redeemRecoveryCode(codes[0] as string, { purpose: 'sign_in' })).toBeUndefined();
    expect(await requests.guard().recoveryCodes()).toEqual({ left: 9, outdated: false });
  });
});

test('record applies its change in the same write as the events', async () => {
  const { guard } = requestsOf();
  await guard().record([{ type: 'factor.created', factorSid: FACTOR.sid }], (state) => ({ ...state, factor: FACTOR }));
  expect((await guard().beginCodeCheck(CHALLENGE)).knownFactor).toEqual(FACTOR);
});

test("a release ends only its own hold, and is harmless once the hold has run out", async () => {
  const { guard, advance } = requestsOf();
  const first = await guard().holdEnrollment();
  advance(31_000);
  await first.release();
  await guard().holdEnrollment();
  await first.release();
  await expect(guard().holdEnrollment()).rejects.toMatchObject({ kind: 'enrollment_in_progress', retryAfterSeconds: 30 });
});
