// The lockout, replay and enrollment rules of lib/state/model.ts and lib/state/lockout.ts as pure functions of state and
// time (no Sync here; the suites in tests/functions/ drive the same rules through the Functions and the emulator).
import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { createEvent } from '../../../lib/events/security-events';
import { emptyState, isUsed, MAX_STORED_BYTES, parseState, pruned, resetState, storedForm, usedUntil, withUsedCode, MAX_USED_CODES, type UserState } from '../../../lib/state/model';
import { ACTIVITY_LIMIT, KEPT_LIMIT, withEvents } from '../../../lib/state/trail';
import { MAX_TRUSTED_DEVICES } from '../../../lib/state/devices';
import { MAX_DEVICE_LABEL_LENGTH } from '../../../lib/http/schemas';
import {
  challengeQuota,
  DAILY_FAILURE_LIMIT,
  DAY_MS,
  lockRemainingSeconds,
  lockSeconds,
  maxFailuresPerDay,
  withFailure,
  withoutLock,
  withSuccess,
  type LockoutPolicy,
} from '../../../lib/state/lockout';

const DEFAULTS: LockoutPolicy = { threshold: 5, baseSeconds: 60, maxSeconds: 3600, hardCap: 100 };
const T0 = Date.UTC(2030, 0, 1);
const CONFIG = { algorithm: 'SHA1' as const, digits: 6, period: 30, skew: 1 };

function failTimes(state: UserState, times: number, at: number, policy = DEFAULTS): { state: UserState; locks: number[] } {
  const locks: number[] = [];
  let current = state;
  for (let i = 0; i < times; i += 1) {
    const result = withFailure(current, 'web', policy, at);
    current = result.state;
    if (result.lockBegins) locks.push(result.lockBegins.seconds);
  }
  return { state: current, locks };
}

describe('lockout with backoff', () => {
  test('the threshold-th consecutive wrong code starts a lock of the base length', () => {
    const four = failTimes(emptyState(), 4, T0);
    expect(four.locks).toEqual([]);
    expect(lockRemainingSeconds(four.state, 'web', T0)).toBe(0);
    const five = failTimes(four.state, 1, T0);
    expect(five.locks).toEqual([60]);
    expect(lockRemainingSeconds(five.state, 'web', T0)).toBe(60);
    expect(lockRemainingSeconds(five.state, 'web', T0 + 59_001)).toBe(1);
    expect(lockRemainingSeconds(five.state, 'web', T0 + 60_000)).toBe(0);
  });

  test('each further lock without a success doubles, up to the maximum', () => {
    expect([0, 1, 2, 3, 4, 5, 6, 7, 40].map((level) => lockSeconds(DEFAULTS, level))).toEqual([60, 120, 240, 480, 960, 1920, 3600, 3600, 3600]);
    let state = emptyState();
    let at = T0;
    const locks: number[] = [];
    for (let round = 0; round < 5; round += 1) {
      const result = failTimes(state, 5, at);
      state = result.state;
      locks.push(...result.locks);
      at += lockRemainingSeconds(state, 'web', at) * 1000;
    }
    expect(locks).toEqual([60, 120, 240, 480, 960]);
  });

  test('a success resets the count, the backoff and the lock; the other channel keeps its own', () => {
    let state = failTimes(emptyState(), 5, T0).state;
    state = withFailure(state, 'studio', DEFAULTS, T0).state;
    state = withSuccess(state, 'web');
    expect(state.web).toMatchObject({ failures: 0, level: 0, lockedUntil: 0, recent: [] });
    expect(state.studio.failures).toBe(1);
    // After the reset the next lock is the base length again.
    expect(failTimes(state, 5, T0).locks).toEqual([60]);
  });

  test('failures on one channel never lock the other', () => {
    let state = emptyState();
    for (let i = 0; i < 50; i += 1) state = withFailure(state, 'studio', DEFAULTS, T0 + i * 3_600_000).state;
    expect(lockRemainingSeconds(state, 'web', T0 + 50 * 3_600_000)).toBe(0);
    expect(state.web).toEqual(emptyState().web);
  });

  test(`at most ${DAILY_FAILURE_LIMIT} wrong codes per channel in any 24 h, whatever the policy`, () => {
    const lax: LockoutPolicy = { threshold: 100, baseSeconds: 1, maxSeconds: 1, hardCap: 100 };
    const { state, locks } = failTimes(emptyState(), DAILY_FAILURE_LIMIT, T0, lax);
    expect(locks).toEqual([86_400]);
    expect(lockRemainingSeconds(state, 'web', T0 + DAY_MS - 1000)).toBe(1);
    expect(lockRemainingSeconds(state, 'web', T0 + DAY_MS)).toBe(0);
  });

  test('an attacker who guesses whenever the lock allows never exceeds the bound the README states', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 100 }),
        fc.integer({ min: 1, max: 3600 }),
        fc.integer({ min: 0, max: 86_400 }),
        (threshold, baseSeconds, extra) => {
          const policy = { threshold, baseSeconds, maxSeconds: Math.min(86_400, baseSeconds + extra), hardCap: 100 };
          let state = emptyState();
          let at = T0;
          const guesses: number[] = [];
          while (at < T0 + 3 * DAY_MS) {
            const wait = lockRemainingSeconds(state, 'web', at);
            if (wait > 0) at += wait * 1000;
            else {
              guesses.push(at);
              state = withFailure(state, 'web', policy, at).state;
            }
          }
          const bound = maxFailuresPerDay(policy);
          // Every 24 h window, not only the first one.
          return guesses.every((start) => guesses.filter((t) => t >= start && t < start + DAY_MS).length <= bound);
        },
      ),
      { numRuns: 60 },
    );
    expect(maxFailuresPerDay(DEFAULTS)).toBe(30);
  });
});

describe('replay guard', () => {
  test('a code stays used through the last time step any skew could accept it in', () => {
    // Used in step n (here 10 s into it): it matched a step within n±1, which is accepted up to step n+2 inclusive.
    const stepStart = Math.floor(T0 / 30_000) * 30_000;
    expect(usedUntil(CONFIG, stepStart + 10_000)).toBe(stepStart + 3 * 30_000);
    expect(usedUntil({ ...CONFIG, skew: 0 }, stepStart)).toBe(stepStart + 30_000);
    const state = withUsedCode(emptyState(), 'k', usedUntil(CONFIG, stepStart));
    expect(isUsed(state, 'k', stepStart + 89_999)).toBe(true);
    expect(isUsed(state, 'k', stepStart + 90_000)).toBe(false);
    expect(isUsed(state, 'other', stepStart)).toBe(false);
    expect(pruned(state, stepStart + 90_000).used).toEqual([]);
  });
});

describe('the stored form', () => {
  test('round-trips, and anything the kit did not write is refused rather than reset', () => {
    const state = withUsedCode(failTimes(emptyState(), 3, T0).state, 'k', T0 + 1);
    const full: UserState = { ...state, factor: { sid: `YF${'a'.repeat(32)}`, config: CONFIG }, enrollment: { id: 'x', until: T0, phase: 'created' as const } };
    expect(parseState(JSON.parse(storedForm(full)))).toEqual(full);
    for (const bad of [null, [], {}, { ...JSON.parse(storedForm(full)), v: 2 }, { ...JSON.parse(storedForm(full)), caller: { failures: -1 } }, { ...JSON.parse(storedForm(full)), used: [{ key: 1 }] }]) {
      expect(parseState(bad)).toBeUndefined();
    }
  });

  /**
   * A state at its largest: on both channels every check in flight the 24 h limit allows (with a threshold of 100) and
   * every place of the quota, every used-code slot, a verification's hold, recovery codes, ten trusted devices with the
   * longest labels (32 characters of three UTF-8 bytes each), and a full trail of the largest events there are: 20
   * changes to the account (support resets, the biggest) and 30 folded failures, each with a count and a first time.
   */
  function largestState(): UserState {
    const challenges = Array.from({ length: challengeQuota(6).max }, (_, i) => T0 - i * 1000);
    // Wrong codes of the last day and checks in flight share the 24 h limit; a check in flight is the larger entry.
    const inFlight = Array.from({ length: DAILY_FAILURE_LIMIT }, (_, i) => ({ id: 'r'.repeat(8), at: T0 - i, challenge: true }));
    const channel = { failures: 99, level: 30, lockedUntil: T0 + DAY_MS, recent: [], streak: 100, reuses: 3, inFlight, challenges };
    let state: UserState = {
      ...emptyState(),
      web: channel,
      studio: channel,
      factor: { sid: `YF${'a'.repeat(32)}`, config: { algorithm: 'SHA512', digits: 8, period: 30, skew: 2 } },
      enrollment: { id: 'e'.repeat(36), until: T0, phase: 'verifying' as const, factorSid: `YF${'c'.repeat(32)}` },
      // A current set at its largest: ten codes, each with its own 128-bit salt and 256-bit hash.
      recovery: {
        scheme: 'scrypt',
        N: 16_384,
        r: 8,
        p: 1,
        codes: Array.from({ length: 10 }, (_, slot) => ({ slot, salt: randomBytes(16).toString('base64url'), hash: randomBytes(32).toString('base64url') })),
      },
    };
    for (let i = 0; i < MAX_USED_CODES; i += 1) state = withUsedCode(state, 'u'.repeat(22), T0 + i);
    state = {
      ...state,
      devices: Array.from({ length: MAX_TRUSTED_DEVICES }, (_, i) => ({
        id: `td_${String(i).padStart(16, '0')}`,
        digest: randomBytes(16).toString('base64url'),
        label: '端'.repeat(MAX_DEVICE_LABEL_LENGTH),
        browser: 'Samsung Internet',
        platform: 'ChromeOS',
        trustedAt: T0 - i * DAY_MS,
        lastUsedAt: T0 + i,
      })),
    };
    const changes = Array.from({ length: KEPT_LIMIT }, (_, i) =>
      createEvent({ type: 'support.reset', channel: 'support', detail: { factorsRemoved: 100, recoveryCodesRemoved: 10, devicesRemoved: 10 } }, new Date(T0 + i)),
    );
    const failures = Array.from({ length: ACTIVITY_LIMIT - KEPT_LIMIT }, (_, i) => {
      const failed = createEvent({ type: 'challenge.failed', channel: 'studio', factorSid: `YF${String(i).padStart(32, '0')}`, outcome: 'wrong_recovery_code' }, new Date(T0 + i));
      return { ...failed, count: 99_999, firstOccurredAt: new Date(T0 - DAY_MS).toISOString() };
    });
    return { ...state, trail: [...changes, ...failures] };
  }

  test('a document at its largest stays within Sync’s 16 KiB: every change to the account stays, the oldest failures give way', () => {
    const state = largestState();
    const stored = storedForm(state);
    const bytes = Buffer.byteLength(stored);
    expect(bytes).toBeLessThanOrEqual(MAX_STORED_BYTES);
    expect(MAX_STORED_BYTES).toBeLessThan(16 * 1024);
    const parsed = parseState(JSON.parse(stored));
    const trail = parsed?.trail ?? [];
    expect(trail.filter((event) => event.type === 'support.reset')).toHaveLength(KEPT_LIMIT);
    // Only the oldest failures went, and only as many as needed: one more would not have fitted.
    const failures = state.trail.filter((event) => event.type === 'challenge.failed');
    const left = trail.filter((event) => event.type === 'challenge.failed');
    // Ten trusted devices at their largest take 2.8 KB of the 15 KiB: at this extreme (a lock threshold of 100, so 30
    // checks in flight per channel) the newest 7 failures stay (TRAIL_PRINT=1 prints the sizes).
    expect(left.length).toBeGreaterThanOrEqual(5);
    expect(left).toEqual(failures.slice(-left.length));
    expect(parsed).toEqual({ ...state, trail: [...trail] });
    const oneMore = failures[failures.length - left.length - 1];
    if (oneMore !== undefined) expect(bytes + Buffer.byteLength(JSON.stringify(oneMore)) + 1).toBeGreaterThan(MAX_STORED_BYTES);
    if (process.env.TRAIL_PRINT === '1') process.stdout.write(`largest document: ${bytes} bytes, ${left.length} of ${failures.length} failures kept\n`);
  });

  test('with the default lock (5 in a row, so at most 5 checks in flight) the largest document keeps nearly all its failures', () => {
    const state = largestState();
    const fewer = (channel: UserState['web']): UserState['web'] => ({ ...channel, inFlight: channel.inFlight.slice(0, 5), recent: Array.from({ length: 25 }, (_, i) => T0 - i) });
    const usual: UserState = { ...state, web: fewer(state.web), studio: fewer(state.studio) };
    const stored = storedForm(usual);
    const trail = parseState(JSON.parse(stored))?.trail ?? [];
    expect(trail.filter((event) => event.type === 'support.reset')).toHaveLength(KEPT_LIMIT);
    // With ten trusted devices at their largest: 34 of the 50 (all 20 changes and 14 failures); with none, nearly all.
    expect(trail.length).toBeGreaterThanOrEqual(30);
    const withoutDevices = parseState(JSON.parse(storedForm({ ...usual, devices: [] })))?.trail ?? [];
    expect(withoutDevices.length).toBeGreaterThanOrEqual(ACTIVITY_LIMIT - 5);
    if (process.env.TRAIL_PRINT === '1') process.stdout.write(`largest document with the default lock: ${Buffer.byteLength(stored)} bytes, ${trail.length} of ${ACTIVITY_LIMIT} events\n`);
  });
});

describe("the operator's changes", () => {
  test('an unlock ends the lock and the counts that would relock at the next typo; the backoff and the other channel stay', () => {
    // Six locks in a row, then the daily limit: 30 wrong codes within a day.
    let state = failTimes(emptyState(), DAILY_FAILURE_LIMIT, T0).state;
    state = withFailure(state, 'studio', DEFAULTS, T0).state;
    expect(lockRemainingSeconds(state, 'web', T0)).toBeGreaterThan(0);
    const unlocked = withoutLock(state, 'web');
    expect(lockRemainingSeconds(unlocked, 'web', T0)).toBe(0);
    expect(unlocked.web).toMatchObject({ failures: 0, lockedUntil: 0, recent: [], streak: 0, level: state.web.level });
    expect(unlocked.studio).toEqual(state.studio);
    // One typo does not lock again; the next lock (after the threshold) is as long as the backoff had reached.
    expect(withFailure(unlocked, 'web', DEFAULTS, T0).lockBegins).toBeUndefined();
    expect(failTimes(unlocked, 5, T0).locks).toEqual([lockSeconds(DEFAULTS, state.web.level)]);
  });

  test('a reset keeps only the trail, and drops the checks in flight so none of them can record a success', () => {
    const event = { id: 'ev_1', type: 'challenge.failed' as const, occurredAt: new Date(T0).toISOString(), channel: 'web' as const };
    const locked = withUsedCode(failTimes(emptyState(), 5, T0).state, 'k', T0 + 1);
    const state: UserState = {
      ...locked,
      factor: { sid: `YF${'a'.repeat(32)}`, config: CONFIG },
      enrollment: { id: 'x', until: T0 + 1, phase: 'created' as const },
      recovery: { salt: 's', hashes: ['h1', 'h2'] },
      trail: [event],
    };
    const reset = resetState({ ...state, web: { ...state.web, inFlight: [{ id: 'r1', at: T0, challenge: true }] } });
    expect(reset).toEqual({ ...emptyState(), trail: [event] });
    expect(parseState(JSON.parse(storedForm(reset)))).toEqual(reset);
  });
});
