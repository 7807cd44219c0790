// The edges of lib/state/model.ts: every way a stored document can be malformed (refused, never reset), and the exact
// boundaries of its time rules, its caps and the 16 KiB budget.
import { createEvent } from '../../../lib/events/security-events';
import {
  CHANNELS,
  emptyState,
  enrollmentHeldSeconds,
  holdWaitSeconds,
  MAX_STORED_BYTES,
  parseState,
  pruned,
  storedForm,
  MAX_USED_CODES,
  withUsedCode,
  type UserState,
} from '../../../lib/state/model';
import { ACTIVITY_LIMIT, recentActivity, withEvents } from '../../../lib/state/trail';
import { DAILY_FAILURE_LIMIT, DAY_MS, lockRemainingSeconds, maxFailuresPerDay, withFailure, type LockoutPolicy } from '../../../lib/state/lockout';

const T0 = Date.UTC(2030, 0, 1);
const POLICY: LockoutPolicy = { threshold: 5, baseSeconds: 60, maxSeconds: 3600, hardCap: 100 };

const event = (at: number, type: 'challenge.failed' | 'challenge.approved' = 'challenge.failed') =>
  createEvent({ type, channel: 'web', factorSid: `YF${'c'.repeat(32)}`, outcome: 'wrong_code' }, new Date(at));
/** Events that never fold into each other (each its own factor). */
const distinct = (at: number, i: number) => createEvent({ type: 'challenge.failed', channel: 'web', factorSid: `YF${String(i).padStart(32, '0')}`, outcome: 'wrong_code' }, new Date(at));

/** A set of the current format as the kit stores it (lib/core/recovery-codes.ts): 128-bit salts, 256-bit hashes. */
const SALT = Buffer.alloc(16, 1).toString('base64url');
const HASH = Buffer.alloc(32, 2).toString('base64url');
const SCRYPT_SET = { scheme: 'scrypt', N: 16_384, r: 8, p: 1, codes: [{ slot: 0, salt: SALT, hash: HASH }, { slot: 3, salt: SALT, hash: HASH }] };

/** A valid stored document with every optional part present, as JSON. */
function validStored(): Record<string, unknown> {
  const state: UserState = {
    ...emptyState(),
    web: { failures: 1, level: 2, lockedUntil: T0, recent: [T0 - 1], streak: 4, reuses: 1, inFlight: [{ id: 'r1', at: T0 - 2, challenge: true }], challenges: [T0 - 2] },
    used: [{ key: 'k', until: T0 }],
    factor: { sid: `YF${'a'.repeat(32)}`, config: { algorithm: 'SHA256', digits: 8, period: 60, skew: 0 } },
    enrollment: { id: 'hold', until: T0, phase: 'created' as const },
    recovery: { salt: 's', hashes: ['h1', 'h2'] },
    trail: [createEvent({ type: 'lock.started', channel: 'studio', outcome: 'threshold', detail: { lockSeconds: 60 } }, new Date(T0))],
  };
  return JSON.parse(storedForm(state)) as Record<string, unknown>;
}

test('the channels are web and Studio; the stored document names web `caller`, as the first version wrote it', () => {
  expect(CHANNELS).toEqual(['web', 'studio']);
  const stored = validStored();
  expect(stored.caller).toEqual({
    failures: 1,
    level: 2,
    lockedUntil: T0,
    recent: [T0 - 1],
    streak: 4,
    reuses: 1,
    inFlight: [{ id: 'r1', at: T0 - 2, challenge: true }],
    challenges: [T0 - 2],
  });
  expect(stored).not.toHaveProperty('web');
});

describe('a stored document is read only when every part is what the kit writes', () => {
  test('the valid document reads, with optional recovery and trail absent too', () => {
    const stored = validStored();
    expect(parseState(stored)).toMatchObject({ web: { failures: 1, recent: [T0 - 1] }, recovery: { hashes: ['h1', 'h2'] } });
    const { recovery: _recovery, trail: _trail, ...older } = stored;
    expect(parseState(older)).toMatchObject({ recovery: null, trail: [] });
    expect(parseState({ ...stored, factor: null, enrollment: null, recovery: null })).toMatchObject({ factor: null, enrollment: null, recovery: null });
  });

  test('a set of the current format reads as written; the format issued before (a salt and hashes) reads too', () => {
    const stored = { ...validStored(), recovery: SCRYPT_SET };
    expect(parseState(stored)?.recovery).toEqual(SCRYPT_SET);
    expect(parseState(JSON.parse(storedForm(parseState(stored) as UserState)))?.recovery).toEqual(SCRYPT_SET);
    expect(parseState({ ...stored, recovery: { ...SCRYPT_SET, codes: [] } })?.recovery).toEqual({ ...SCRYPT_SET, codes: [] });
  });

  test("the first version's channel (with its attempt count, without streak, reuses, checks in flight or quota) reads, and keeps its lock", () => {
    const first = { failures: 2, level: 1, lockedUntil: T0, attempts: 7, recent: [T0 - 1] };
    expect(parseState({ ...validStored(), caller: first })?.web).toEqual({
      failures: 2,
      level: 1,
      lockedUntil: T0,
      recent: [T0 - 1],
      streak: 0,
      reuses: 0,
      inFlight: [],
      challenges: [],
    });
  });

  const channel = (change: Record<string, unknown>) => (doc: Record<string, unknown>) => ({ ...doc, caller: { ...(doc.caller as object), ...change } });
  const part = (name: string, value: unknown) => (doc: Record<string, unknown>) => ({ ...doc, [name]: value });
  const inFactor = (change: Record<string, unknown>) => (doc: Record<string, unknown>) => ({ ...doc, factor: { ...(doc.factor as object), ...change } });
  const inConfig = (change: Record<string, unknown>) => (doc: Record<string, unknown>) => {
    const factor = doc.factor as { config: object };
    return { ...doc, factor: { ...factor, config: { ...factor.config, ...change } } };
  };
  const inEvent = (change: Record<string, unknown>) => (doc: Record<string, unknown>) => ({ ...doc, trail: [{ ...(doc.trail as object[])[0], ...change }] });

  test.each<[string, (doc: Record<string, unknown>) => unknown]>([
    ['a channel that is null', part('studio', null)],
    ['a channel that is an array', part('studio', [])],
    ['failures that are negative', channel({ failures: -1 })],
    ['failures that are a fraction', channel({ failures: 1.5 })],
    ['failures that are a string', channel({ failures: '1' })],
    ['failures past 2^53', channel({ failures: 2 ** 53 })],
    ['a level that is negative', channel({ level: -1 })],
    ['a lockedUntil that is a string', channel({ lockedUntil: String(T0) })],
    ['a streak that is negative', channel({ streak: -1 })],
    ['reuses that are a string', channel({ reuses: '1' })],
    ['checks in flight that are not an array', channel({ inFlight: {} })],
    ['a check in flight without an id', channel({ inFlight: [{ at: T0, challenge: false }] })],
    ['a check in flight whose time is a string', channel({ inFlight: [{ id: 'r', at: 'now', challenge: false }] })],
    ['a check in flight whose challenge flag is a number', channel({ inFlight: [{ id: 'r', at: T0, challenge: 1 }] })],
    ['a quota entry that is a string', channel({ challenges: ['x'] })],
    ['recent that is not an array', channel({ recent: {} })],
    ['recent holding a string', channel({ recent: [T0, 'x'] })],
    ['used that is not an array', part('used', {})],
    ['a used entry that is null', part('used', [null])],
    ['a used key that is a number', part('used', [{ key: 1, until: T0 }])],
    ['a used until that is negative', part('used', [{ key: 'k', until: -1 }])],
    ['a factor that is a string', part('factor', 'YF')],
    ['a factor sid that is a number', inFactor({ sid: 1 })],
    ['a factor config that is null', inFactor({ config: null })],
    ['an algorithm that is a number', inConfig({ algorithm: 1 })],
    ['an algorithm Verify does not have', inConfig({ algorithm: 'MD5' })],
    ['digits that are negative', inConfig({ digits: -1 })],
    ['a period of 0', inConfig({ period: 0 })],
    ['a period that is a string', inConfig({ period: '30' })],
    ['a skew that is a fraction', inConfig({ skew: 0.5 })],
    ['a hold that is an array', part('enrollment', [])],
    ['a hold id that is a number', part('enrollment', { id: 1, until: T0 })],
    ['a hold until that is a string', part('enrollment', { id: 'x', until: 'soon' })],
    ['a hold phase the kit does not have', part('enrollment', { id: 'x', until: T0, phase: 'paused' })],
    ['a hold factor that is a number', part('enrollment', { id: 'x', until: T0, phase: 'verifying', factorSid: 1 })],
    ['recovery that is an array', part('recovery', [])],
    ['a recovery salt that is a number', part('recovery', { salt: 1, hashes: [] })],
    ['recovery hashes that are not an array', part('recovery', { salt: 's', hashes: 'h' })],
    ['a recovery hash that is a number', part('recovery', { salt: 's', hashes: ['h', 2] })],
    ['a recovery scheme the kit does not know', part('recovery', { ...SCRYPT_SET, scheme: 'bcrypt' })],
    ['a scrypt N that is not a power of two', part('recovery', { ...SCRYPT_SET, N: 16_000 })],
    ['a scrypt cost beyond a Function’s memory', part('recovery', { ...SCRYPT_SET, N: 2 ** 20 })],
    ['a scrypt r of 0', part('recovery', { ...SCRYPT_SET, r: 0 })],
    ['scrypt codes that are not an array', part('recovery', { ...SCRYPT_SET, codes: {} })],
    ['a stored code without a salt', part('recovery', { ...SCRYPT_SET, codes: [{ slot: 0, hash: HASH }] })],
    ['a salt under 32 bits', part('recovery', { ...SCRYPT_SET, codes: [{ slot: 0, salt: 'AAAA', hash: HASH }] })],
    ['a salt that is not base64url', part('recovery', { ...SCRYPT_SET, codes: [{ slot: 0, salt: 'AAAA+AAA', hash: HASH }] })],
    ['a hash of 31 bytes', part('recovery', { ...SCRYPT_SET, codes: [{ slot: 0, salt: SALT, hash: HASH.slice(0, 42) }] })],
    ['a slot beyond the alphabet', part('recovery', { ...SCRYPT_SET, codes: [{ slot: 32, salt: SALT, hash: HASH }] })],
    ['two codes in one slot', part('recovery', { ...SCRYPT_SET, codes: [{ slot: 1, salt: SALT, hash: HASH }, { slot: 1, salt: SALT, hash: HASH }] })],
    ['a trail that is not an array', part('trail', {})],
    ['an event that is null', part('trail', [null])],
    ['an event with a field the kit never writes', inEvent({ ip: '10.0.0.1' })],
    ['an event id that is a number', inEvent({ id: 1 })],
    ['an event type that is missing', inEvent({ type: undefined })],
    ['an event time that is a number', inEvent({ occurredAt: T0 })],
    ['an event channel that is null', inEvent({ channel: null })],
    ['an event factorSid that is a number', inEvent({ factorSid: 1 })],
    ['an event outcome that is an object', inEvent({ outcome: {} })],
    ['an event detail that is an array', inEvent({ detail: [1] })],
    ['an event detail holding a string', inEvent({ detail: { lockSeconds: '60' } })],
    ['an event detail holding a number and a string', inEvent({ detail: { lockSeconds: 60, lockLevel: '1' } })],
    ['no version', part('v', undefined)],
  ])('%s is refused', (_what, change) => {
    expect(parseState(validStored())).toBeDefined();
    expect(parseState(JSON.parse(JSON.stringify(change(validStored()))))).toBeUndefined();
  });
});

describe('the enrollment hold', () => {
  const F1 = `YF${'1'.repeat(32)}`;
  const F2 = `YF${'2'.repeat(32)}`;
  const held = (hold: UserState['enrollment']): UserState => ({ ...emptyState(), enrollment: hold });

  test("the first version's hold reads as a creation that handed out its factor", () => {
    expect(parseState({ ...validStored(), enrollment: { id: 'x', until: T0 } })?.enrollment).toEqual({ id: 'x', until: T0, phase: 'created' });
  });

  test('a new enrollment waits for any hold', () => {
    for (const phase of ['creating', 'created', 'verifying', 'deleting'] as const) {
      expect(holdWaitSeconds(held({ id: 'h', until: T0 + 5000, phase, factorSid: F1 }), T0, { phase: 'creating' })).toBe(5);
    }
  });

  test("a first verification or a code-less delete waits for a creation, verification or delete in flight", () => {
    for (const phase of ['creating', 'verifying', 'deleting'] as const) {
      const state = held({ id: 'h', until: T0 + 5000, phase, factorSid: F1 });
      expect(holdWaitSeconds(state, T0, { phase: 'verifying', factorSid: F1 })).toBe(5);
      expect(holdWaitSeconds(state, T0, { phase: 'deleting', factorSid: F1 })).toBe(5);
    }
  });

  test('the hold of the creation that handed out a factor lets that factor be verified, or any unverified one be deleted', () => {
    const created = held({ id: 'h', until: T0 + 5000, phase: 'created', factorSid: F1 });
    expect(holdWaitSeconds(created, T0, { phase: 'verifying', factorSid: F1 })).toBe(0);
    expect(holdWaitSeconds(created, T0, { phase: 'verifying', factorSid: F2 })).toBe(5);
    expect(holdWaitSeconds(created, T0, { phase: 'deleting', factorSid: F2 })).toBe(0);
    expect(holdWaitSeconds(held({ id: 'h', until: T0 + 5000, phase: 'created' }), T0, { phase: 'verifying', factorSid: F2 })).toBe(0);
    expect(holdWaitSeconds(held({ id: 'h', until: T0, phase: 'verifying', factorSid: F1 }), T0, { phase: 'deleting', factorSid: F1 })).toBe(0);
  });
});

describe('time boundaries', () => {
  test('a lock or a hold that ends now is over; 1 ms before, it has a second left', () => {
    const state: UserState = { ...emptyState(), web: { ...emptyState().web, lockedUntil: T0 }, enrollment: { id: 'h', until: T0, phase: 'created' as const } };
    expect([lockRemainingSeconds(state, 'web', T0), lockRemainingSeconds(state, 'web', T0 - 1)]).toEqual([0, 1]);
    expect([enrollmentHeldSeconds(state, T0), enrollmentHeldSeconds(state, T0 - 1)]).toEqual([0, 1]);
  });

  test('pruning drops what ends now and keeps what ends later, in order', () => {
    const state: UserState = {
      ...emptyState(),
      used: [
        { key: 'later', until: T0 + 1 },
        { key: 'now', until: T0 },
      ],
      enrollment: { id: 'h', until: T0, phase: 'created' as const },
      trail: [event(T0 - 1000), event(T0 - 999), event(T0)],
    };
    const kept = pruned(state, T0, 1000);
    expect(kept.used.map((entry) => entry.key)).toEqual(['later']);
    expect(kept.enrollment).toBeNull();
    expect(kept.trail).toEqual(state.trail.slice(1));
    expect(pruned({ ...state, enrollment: { id: 'h', until: T0 + 1, phase: 'created' as const } }, T0).enrollment).toEqual({ id: 'h', until: T0 + 1, phase: 'created' });
    // Without a trail TTL the trail is left whole.
    expect(pruned(state, T0).trail).toEqual(state.trail);
  });

  test('recent activity is newest first and leaves out what is exactly the TTL old', () => {
    const state = { ...emptyState(), trail: [event(T0 - 1000), event(T0 - 999), event(T0)] };
    expect(recentActivity(state, T0, 1000)).toEqual([state.trail[2], state.trail[1]]);
  });

  test('wrong codes exactly a day old leave the 24 h window; younger ones stay', () => {
    const state: UserState = { ...emptyState(), web: { ...emptyState().web, recent: [T0 - DAY_MS, T0 - DAY_MS + 1] } };
    expect(withFailure(state, 'web', POLICY, T0).state.web.recent).toEqual([T0 - DAY_MS + 1, T0]);
  });

  test('the daily limit locks until the oldest of the last 30 wrong codes is a day old, and only if that is later', () => {
    const recent = Array.from({ length: DAILY_FAILURE_LIMIT - 1 }, (_, i) => T0 - 1000 * (DAILY_FAILURE_LIMIT - 1 - i));
    const state: UserState = { ...emptyState(), web: { ...emptyState().web, recent } };
    const limited = withFailure(state, 'web', POLICY, T0);
    expect(limited.state.web.lockedUntil).toBe(recent[0] as number + DAY_MS);
    expect(limited.lockBegins).toEqual({ seconds: Math.ceil((recent[0] as number + DAY_MS - T0) / 1000), reason: 'daily_limit', level: 0 });
    // A lock that already lasts exactly as long is not started again.
    const alreadyLocked = { ...state, web: { ...state.web, lockedUntil: (recent[0] as number) + DAY_MS } };
    expect(withFailure(alreadyLocked, 'web', POLICY, T0).lockBegins).toBeUndefined();
  });
});

describe('caps', () => {
  test(`the used-code list keeps the ${MAX_USED_CODES} that stay valid longest, latest first`, () => {
    let state = emptyState();
    for (let i = 0; i < 70; i += 1) state = withUsedCode(state, `k${i}`, T0 + ((i * 37) % 70));
    const untils = state.used.map((entry) => entry.until - T0);
    expect(untils).toEqual(Array.from({ length: MAX_USED_CODES }, (_, i) => 69 - i));
  });

  test('no events leave the state as it is; more than 50 keep the newest 50', () => {
    const state = emptyState();
    expect(withEvents(state, [])).toBe(state);
    const events = Array.from({ length: ACTIVITY_LIMIT + 3 }, (_, i) => distinct(T0 + i, i));
    expect(withEvents(state, events).trail).toEqual(events.slice(3));
  });

  test.each([
    [{ threshold: 5, baseSeconds: 60, maxSeconds: 3600 }, 30],
    [{ threshold: 7, baseSeconds: 60, maxSeconds: 3600 }, 30],
    [{ threshold: 3, baseSeconds: 3600, maxSeconds: 86_400 }, 15],
    [{ threshold: 10, baseSeconds: 86_400, maxSeconds: 86_400 }, 10],
    [{ threshold: 2, baseSeconds: 43_200, maxSeconds: 43_200 }, 4],
  ])('at most %j wrong codes a day: %i', (policy, bound) => {
    expect(maxFailuresPerDay(policy)).toBe(bound);
  });
});

describe('the 16 KiB budget', () => {
  /** A state of `events` trail events whose stored JSON is `bytes` long, padded through the enrollment hold's id. */
  function stateOfSize(events: number, bytes: number): UserState {
    const trail = Array.from({ length: events }, (_, i) => distinct(T0 + i, i));
    const base: UserState = { ...emptyState(), enrollment: { id: '', until: T0, phase: 'created' as const }, trail };
    const size = Buffer.byteLength(storedForm(base));
    return { ...base, enrollment: { id: 'p'.repeat(bytes - size), until: T0, phase: 'created' as const } };
  }

  test('a document exactly at the budget is stored whole', () => {
    const state = stateOfSize(ACTIVITY_LIMIT, MAX_STORED_BYTES);
    expect(Buffer.byteLength(storedForm(state))).toBe(MAX_STORED_BYTES);
    expect(JSON.parse(storedForm(state))).toMatchObject({ trail: state.trail });
  });

  test('a document that dropping three events brings exactly to the budget loses those three, not four', () => {
    const perEvent = Buffer.byteLength(JSON.stringify(distinct(T0, 0))) + 1;
    const state = stateOfSize(ACTIVITY_LIMIT, MAX_STORED_BYTES + 3 * perEvent);
    const text = storedForm(state);
    expect((JSON.parse(text) as { trail: unknown[] }).trail).toEqual(state.trail.slice(3));
    expect(Buffer.byteLength(text)).toBe(MAX_STORED_BYTES);
  });

  test('a document too large even without its trail is stored with an empty trail (Sync then refuses it), not a crash', () => {
    const state = stateOfSize(2, MAX_STORED_BYTES + 5000);
    expect(JSON.parse(storedForm(state))).toMatchObject({ trail: [] });
  });
});
