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
function requestsOf(channel: Channel = 'web', policy = POLICY): {
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
        policy,
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

/** Replaces the user's document with `data`, as the operator's reset does (or any other writer). */
async function overwriteDocument(identity: string, data: object): Promise<void> {
  await emulator.client.sync.v1.services(serviceSid).documents(stateDocumentName(identity)).update({ data });
}

function eventsIn(recorded: ActivityEvent[][]): string[] {
  return recorded.flat().map((event) => [event.type, event.outcome].filter((part) => part !== undefined).join(':'));
}

describe('the hard cap and the quota refuse before anything is reserved', () => {
  test('the account cap: the wrong code that reaches it throws capped, logs it once, and every later check is capped', async () => {
    const { guard, logged, recorded } = requestsOf('web', { ...POLICY, threshold: 100, hardCap: 4 });
    for (let i = 0; i < 3; i += 1) await (await guard().beginCodeCheck(CHALLENGE)).refused();
    await expect((await guard().beginCodeCheck(CHALLENGE)).refused()).rejects.toMatchObject({ kind: 'capped' });
    await expect(guard().beginCodeCheck(CHALLENGE)).rejects.toMatchObject({ kind: 'capped' });
    expect(logged).toEqual(['lockout: a user reached the hard cap of 4 consecutive wrong codes; no code is checked on any channel until support unlocks']);
    const capped = recorded.flat().find((event) => event.type === 'lock.started');
    expect(capped).toMatchObject({ outcome: 'hard_cap', detail: { consecutiveFailures: 4 } });
  });

  test("voice's share: half the cap ends the studio channel only, with a line of its own", async () => {
    const { guard, logged, recorded } = requestsOf('studio', { ...POLICY, threshold: 100, hardCap: 4 });
    await (await guard().beginCodeCheck(CHALLENGE)).refused();
    await expect((await guard().beginCodeCheck(CHALLENGE)).refused()).rejects.toMatchObject({ kind: 'capped' });
    expect(logged).toEqual([
      "lockout: a user's studio channel reached its share (2) of the hard cap; it checks no code until a success elsewhere or support unlocks",
    ]);
    expect(recorded.flat().find((event) => event.type === 'lock.started')).toMatchObject({ outcome: 'channel_cap', detail: { consecutiveFailures: 2 } });
  });

  test("the channel's share of Verify's quota: the 25th challenge in an hour is challenges_throttled with the wait", async () => {
    const { guard, advance } = requestsOf();
    for (let i = 0; i < 24; i += 1) {
      const attempt = await guard().beginCodeCheck(CHALLENGE);
      // Sent to Verify, then an error: the check keeps its place in the quota.
      attempt.markCodeSent(true);
      await attempt.close();
      advance(1000);
    }
    await expect(guard().beginCodeCheck(CHALLENGE)).rejects.toMatchObject({ kind: 'challenges_throttled', retryAfterSeconds: 3600 - 24 });
    // A recovery code takes no place in Verify's quota.
    await expect(guard().beginCodeCheck({ purpose: 'recovery' })).resolves.toBeDefined();
  });
});

describe('checks in flight that lapse', () => {
  test('are counted with the next write, even one that changes nothing else, and their lock is logged then', async () => {
    const { guard, advance, logged, recorded, identity } = requestsOf();
    for (let i = 0; i < 5; i += 1) await guard().beginCodeCheck(CHALLENGE);
    advance(IN_FLIGHT_MS);
    // A forget of a device that is not there writes nothing of its own; the lapsed checks are written all the same.
    await expect(guard().forgetDevices({ deviceId: 'td_0000000000000000' })).rejects.toMatchObject({ kind: 'device_not_found' });
    expect((await documentOf(identity)).caller).toMatchObject({ inFlight: [], failures: 0, level: 1 });
    expect(logged).toEqual(["lockout: a user's web channel is locked for 60 s (5 wrong codes in a row, lock 1 since the last success)"]);
    expect(eventsIn(recorded)).toEqual(['challenge.failed:unconfirmed', 'challenge.failed:unconfirmed', 'challenge.failed:unconfirmed', 'challenge.failed:unconfirmed', 'challenge.failed:unconfirmed', 'lock.started:threshold']);
  });

  test('a read that finds nothing to settle writes nothing', async () => {
    const { guard, recorded } = requestsOf();
    await guard().record([{ type: 'factor.created', factorSid: FACTOR.sid }]);
    recorded.length = 0;
    await expect(guard().forgetDevices({ deviceId: 'td_0000000000000000' })).rejects.toMatchObject({ kind: 'device_not_found' });
    expect(recorded).toEqual([]);
  });
});

describe('the enrollment hold', () => {
  test('the verified factor the state knows is never deleted without a step-up; another factor may be', async () => {
    const { guard } = requestsOf();
    await guard().record([], (state) => ({ ...state, factor: FACTOR }));
    await expect(guard().holdDelete(FACTOR.sid)).rejects.toMatchObject({ kind: 'step_up_required' });
    await expect(guard().holdDelete(`YF${'b'.repeat(32)}`)).resolves.toBeDefined();
  });

  test('a release that is no longer its own still writes its events, and leaves the other hold alone', async () => {
    const { guard, advance, recorded } = requestsOf();
    const first = await guard().holdEnrollment();
    advance(31_000);
    await guard().holdEnrollment();
    await first.release([{ type: 'factor.deleted', factorSid: FACTOR.sid }]);
    expect(eventsIn(recorded)).toContain('factor.deleted');
    await expect(guard().holdEnrollment()).rejects.toMatchObject({ kind: 'enrollment_in_progress' });
  });

  test("a first code takes the hold with its reservation: it waits for a set-up in flight, then holds off others until its outcome", async () => {
    const { guard } = requestsOf();
    const factorSid = FACTOR.sid;
    const verifying = { purpose: 'factor', hold: { phase: 'verifying', factorSid } } as const;
    const enrollment = await guard().holdEnrollment();
    await expect(guard().beginCodeCheck(verifying)).rejects.toMatchObject({ kind: 'enrollment_in_progress', retryAfterSeconds: 30 });
    // Once the set-up handed out this factor, its first code may be checked; another factor's may not.
    await enrollment.created(factorSid, [{ type: 'factor.created', factorSid }]);
    await expect(guard().beginCodeCheck({ ...verifying, hold: { phase: 'verifying', factorSid: `YF${'c'.repeat(32)}` } })).rejects.toMatchObject({ kind: 'enrollment_in_progress' });
    const check = await guard().beginCodeCheck(verifying);
    await expect(guard().holdEnrollment()).rejects.toMatchObject({ kind: 'enrollment_in_progress', retryAfterSeconds: 15 });
    await check.activated(FACTOR, '123456', await issueSet());
    await expect(guard().holdEnrollment()).resolves.toBeDefined();
  });

  test('a first code that ends without an outcome gives the hold back', async () => {
    const { guard } = requestsOf();
    const check = await guard().beginCodeCheck({ purpose: 'factor', hold: { phase: 'verifying', factorSid: FACTOR.sid } });
    await check.close();
    await expect(guard().holdEnrollment()).resolves.toBeDefined();
  });

  test('created applies its change with its events, and keeps the hold', async () => {
    const { guard } = requestsOf();
    const ticket = await guard().holdEnrollment();
    await ticket.created(FACTOR.sid, [], (state) => ({ ...state, factor: FACTOR }));
    expect((await guard().beginCodeCheck(CHALLENGE)).knownFactor).toEqual(FACTOR);
    await expect(guard().holdEnrollment()).rejects.toMatchObject({ kind: 'enrollment_in_progress' });
  });
});

describe("an outcome after the check's reservation is gone (the operator reset the user meanwhile)", () => {
  test('an approval does not stand, a refusal counts nothing, and neither a recovery code nor a device signs in', async () => {
    const { guard, identity } = requestsOf();
    const approval = await guard().beginCodeCheck(CHALLENGE);
    const refusal = await guard().beginCodeCheck(CHALLENGE);
    const recovery = await guard().beginCodeCheck({ purpose: 'recovery' });
    const device = await guard().beginCodeCheck({ purpose: 'device' });
    const reuse = await guard().beginCodeCheck(CHALLENGE);
    await overwriteDocument(identity, JSON.parse(storedForm(emptyState())) as object);
    expect(await approval.approved(FACTOR, '123456')).toBe(false);
    await refusal.refused();
    expect(await recovery.redeemRecoveryCode('0000-0000-0000-0000', { purpose: 'sign_in' })).toBeUndefined();
    expect(await device.redeemDevice('A'.repeat(43))).toBeUndefined();
    await expect(reuse.reused(FACTOR)).rejects.toMatchObject({ kind: 'code_reused', retryAfterSeconds: 1 });
    expect((await documentOf(identity)).caller).toMatchObject({ failures: 0, streak: 0, inFlight: [] });
  });
});
