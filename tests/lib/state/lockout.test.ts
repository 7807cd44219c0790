// The reservation, quota and hard-cap rules of lib/state/lockout.ts as pure functions of state and time: what a new
// code check is refused for, and how an outcome takes its reservation back (tests/functions/burst.test.ts and
// tests/functions/hard-cap.test.ts drive the same rules through the Functions).
import { emptyState, type Reservation, type UserState } from '../../../lib/state/model';
import {
  challengeQuota,
  channelShare,
  DAILY_FAILURE_LIMIT,
  DAY_MS,
  HOUR_MS,
  IN_FLIGHT_MS,
  isCapped,
  lapsedReservations,
  reservationRefusal,
  withFailure,
  withoutLock,
  withoutReservation,
  withReservation,
  withSuccess,
  type LockoutPolicy,
} from '../../../lib/state/lockout';

const POLICY: LockoutPolicy = { threshold: 5, baseSeconds: 60, maxSeconds: 3600, hardCap: 100 };
const T0 = Date.UTC(2030, 0, 1);

function reservation(id: string, at = T0, challenge = true): Reservation {
  return { id, at, challenge };
}

function reserved(state: UserState, count: number, channel: 'web' | 'studio' = 'web'): UserState {
  let next = state;
  for (let i = 0; i < count; i += 1) next = withReservation(next, channel, reservation(`r${i}`));
  return next;
}

function failed(state: UserState, count: number, channel: 'web' | 'studio', at = T0): UserState {
  let next = state;
  for (let i = 0; i < count; i += 1) next = withFailure(next, channel, POLICY, at).state;
  return next;
}

describe('a check in flight counts as a wrong code until its outcome', () => {
  test('failures and checks in flight together reach the threshold: the next check waits for them, at most their lifetime', () => {
    const state = reserved(failed(emptyState(), 2, 'web'), 2);
    expect(reservationRefusal(state, 'web', POLICY, T0, 'challenge')).toBeUndefined();
    const full = withReservation(state, 'web', reservation('last', T0 + 4000));
    expect(reservationRefusal(full, 'web', POLICY, T0 + 5000, 'challenge')).toEqual({ kind: 'locked', seconds: (IN_FLIGHT_MS - 5000) / 1000 });
    // The other channel's checks in flight do not count towards this channel's lock.
    expect(reservationRefusal(full, 'studio', POLICY, T0, 'challenge')).toBeUndefined();
  });

  test('an outcome takes its own reservation away; one that is gone is undefined', () => {
    const state = reserved(emptyState(), 2);
    const without = withoutReservation(state, 'web', 'r0');
    expect(without?.web.inFlight.map((entry) => entry.id)).toEqual(['r1']);
    expect(without?.web.challenges).toHaveLength(2);
    expect(withoutReservation(state, 'web', 'gone')).toBeUndefined();
    expect(withoutReservation(state, 'studio', 'r0')).toBeUndefined();
  });

  test('a check that sent no code gives its place in the quota back; one for a recovery code never took one', () => {
    const state = withReservation(reserved(emptyState(), 1), 'web', reservation('rc', T0 + 1, false));
    expect(state.web.challenges).toEqual([T0]);
    expect(withoutReservation(state, 'web', 'r0', true)?.web.challenges).toEqual([]);
    expect(withoutReservation(state, 'web', 'rc', true)?.web.challenges).toEqual([T0]);
  });

  test('a reservation lapses IN_FLIGHT_MS after it was made, not a millisecond before', () => {
    const state = reserved(emptyState(), 1);
    expect(lapsedReservations(state, 'web', T0 + IN_FLIGHT_MS - 1)).toEqual([]);
    expect(lapsedReservations(state, 'web', T0 + IN_FLIGHT_MS)).toEqual([reservation('r0')]);
  });
});

describe('the 24 h limit', () => {
  test('wrong codes of the last day and checks in flight together reach it', () => {
    const lax = { ...POLICY, threshold: 100 };
    let state = emptyState();
    for (let i = 0; i < DAILY_FAILURE_LIMIT - 1; i += 1) state = withFailure(state, 'web', lax, T0 - DAY_MS + 1000 + i).state;
    expect(reservationRefusal(state, 'web', lax, T0, 'recovery')).toBeUndefined();
    expect(reservationRefusal(withReservation(state, 'web', reservation('r', T0)), 'web', lax, T0, 'recovery')).toMatchObject({ kind: 'locked' });
  });

  test('once its wrong codes are a day old, the channel checks codes again (no lock left by stale counts)', () => {
    const lax = { ...POLICY, threshold: 100 };
    const state = failed(emptyState(), DAILY_FAILURE_LIMIT, 'web');
    const lockedUntil = state.web.lockedUntil;
    expect(lockedUntil).toBe(T0 + DAY_MS);
    expect(reservationRefusal(state, 'web', lax, lockedUntil - 1, 'recovery')).toMatchObject({ kind: 'locked' });
    expect(reservationRefusal(state, 'web', lax, lockedUntil, 'recovery')).toBeUndefined();
  });
});

describe("each channel's share of Verify's challenge quota", () => {
  test('24 challenges an hour for codes of 5 digits or more, 4 a day for shorter ones: together below Verify’s 50 and 10', () => {
    expect(challengeQuota(6)).toEqual({ max: 24, windowMs: HOUR_MS });
    expect(challengeQuota(5)).toEqual({ max: 24, windowMs: HOUR_MS });
    expect(challengeQuota(4)).toEqual({ max: 4, windowMs: DAY_MS });
    expect(2 * challengeQuota(6).max).toBeLessThan(50);
    expect(2 * challengeQuota(4).max).toBeLessThan(10);
  });

  test('a spent share refuses challenges until its oldest leaves the window; recovery codes and first codes are not challenges', () => {
    let state = emptyState();
    for (let i = 0; i < 24; i += 1) state = withoutReservation(withReservation(state, 'web', reservation(`c${i}`, T0 + i * 1000)), 'web', `c${i}`) as UserState;
    const at = T0 + 30 * 60_000;
    expect(reservationRefusal(state, 'web', POLICY, at, 'challenge')).toEqual({ kind: 'quota', seconds: 30 * 60 });
    expect(reservationRefusal(state, 'web', POLICY, at, 'recovery')).toBeUndefined();
    expect(reservationRefusal(state, 'web', POLICY, at, 'factor')).toBeUndefined();
    expect(reservationRefusal(state, 'studio', POLICY, at, 'challenge')).toBeUndefined();
    expect(reservationRefusal(state, 'web', POLICY, T0 + HOUR_MS, 'challenge')).toBeUndefined();
  });

  test('the window follows the verified factor’s code length', () => {
    const short: UserState = { ...emptyState(), factor: { sid: 'YF1', config: { algorithm: 'SHA1', digits: 4, period: 30, skew: 1 } } };
    const state = reserved(short, 4);
    const settled = ['r0', 'r1', 'r2', 'r3'].reduce((next, id) => withoutReservation(next, 'web', id) as UserState, state);
    expect(reservationRefusal(settled, 'web', POLICY, T0 + 2 * HOUR_MS, 'challenge')).toEqual({ kind: 'quota', seconds: 22 * 3600 });
    expect(reservationRefusal({ ...settled, factor: null }, 'web', POLICY, T0 + 2 * HOUR_MS, 'challenge')).toBeUndefined();
  });
});

describe('the hard cap', () => {
  test('web may reach it alone; voice only half of it, so a spoofed caller number can never lock the web', () => {
    expect(channelShare(POLICY, 'web')).toBe(100);
    expect(channelShare(POLICY, 'studio')).toBe(50);
    expect(channelShare({ ...POLICY, hardCap: 7 }, 'studio')).toBe(3);
    const voice = failed(emptyState(), 50, 'studio');
    expect([isCapped(voice, 'studio', POLICY), isCapped(voice, 'web', POLICY)]).toEqual([true, false]);
    expect(reservationRefusal(voice, 'studio', POLICY, T0 + 2 * DAY_MS, 'challenge')).toEqual({ kind: 'capped' });
  });

  test('the failure that reaches it says so, once: the account’s, or the voice channel’s share', () => {
    const almost = failed(failed(emptyState(), 49, 'studio'), 50, 'web');
    expect(withFailure(almost, 'web', POLICY, T0).capReached).toBe('account');
    expect(withFailure(almost, 'studio', POLICY, T0).capReached).toBe('account');
    expect(withFailure(failed(emptyState(), 49, 'studio'), 'studio', POLICY, T0).capReached).toBe('channel');
    expect(withFailure(failed(emptyState(), 98, 'web'), 'web', POLICY, T0).capReached).toBeUndefined();
    expect(withFailure(failed(emptyState(), 100, 'web'), 'web', POLICY, T0).capReached).toBeUndefined();
  });

  test('at the cap every channel is refused, with no time: no lock ends it', () => {
    const capped = failed(failed(emptyState(), 50, 'studio'), 50, 'web');
    for (const channel of ['web', 'studio'] as const) {
      expect(reservationRefusal(capped, channel, POLICY, T0 + 30 * DAY_MS, 'recovery')).toEqual({ kind: 'capped' });
    }
  });

  test('checks in flight count towards it too', () => {
    const state = reserved(failed(failed(emptyState(), 40, 'studio'), 58, 'web'), 2, 'studio');
    expect(reservationRefusal(state, 'web', POLICY, T0 + 2 * DAY_MS, 'challenge')).toMatchObject({ kind: 'locked' });
  });

  test('a success on either channel starts the account’s count over; the operator’s unlock lifts the channel’s part', () => {
    const capped = failed(failed(emptyState(), 50, 'studio'), 50, 'web');
    const proven = withSuccess(capped, 'studio');
    expect([proven.web.streak, proven.studio.streak]).toEqual([0, 0]);
    // The web's own lock is not lifted by a success elsewhere: each channel is proven on its own.
    expect(proven.web.lockedUntil).toBe(capped.web.lockedUntil);
    const unlocked = withoutLock(capped, 'web');
    expect([unlocked.web.streak, unlocked.studio.streak]).toEqual([0, 50]);
    expect(isCapped(unlocked, 'web', POLICY)).toBe(false);
    expect(isCapped(unlocked, 'studio', POLICY)).toBe(true);
  });
});
