// The lockout rules, as pure functions of the user's state and the time: each code check reserved before Verify is
// asked, wrong codes counted per channel with a doubling lock and a 24 h limit, the account's hard cap on consecutive
// wrong codes (with the voice channel's share of it), each channel's share of Verify's challenge quota, and reuses of a
// just-used code. lib/state/security-state.ts applies them by compare-and-swap; nothing here does I/O.
import type { Channel, ChannelState, Reservation, UserState } from './model';

export interface LockoutPolicy {
  /** Consecutive wrong codes that start a lock. */
  threshold: number;
  /** The first lock's length; each further lock without a success in between doubles it, up to maxSeconds. */
  baseSeconds: number;
  maxSeconds: number;
  /**
   * NIST SP 800-63B-4 §3.2.2: at most this many consecutive wrong codes on the account, across every channel and route
   * (at most 100); then no code is checked until the operator unlocks (npm run support -- unlock).
   */
  hardCap: number;
}

/** NIST SP 800-63B-4 §3.2.2: a verifier limits consecutive failed attempts on one account to no more than 100. */
export const MAX_HARD_CAP = 100;
/**
 * At most this many wrong codes per channel in any 24 h, whatever the backoff allows: two channels together stay
 * within Verify's 100 challenges a day per factor (60312), with room for the user's own checks.
 */
export const DAILY_FAILURE_LIMIT = 30;
export const DAY_MS = 86_400_000;
export const HOUR_MS = 3_600_000;
/**
 * How long a reservation holds before it lapses: longer than any request lives (Twilio ends a Function at 10 s). A
 * lapsed one is counted as a wrong code whose answer never came, since Verify may have checked it.
 */
export const IN_FLIGHT_MS = 15_000;
/**
 * Reuses of a code that was just accepted answered `code_reused` without counting (a double submit, a page retry); the
 * ones after that, until a success, count as wrong codes, so a replayed code cannot be sent for ever.
 */
export const REUSE_ALLOWANCE = 3;

/**
 * A channel's share of Verify's challenge quota for one factor (60312): codes of 5 digits or more may be checked 50
 * times an hour, shorter ones 10 times a day. Each channel takes less than half (counted over a sliding window, so any
 * hour or day Verify counts holds no more), so neither can use up what the other needs; the spare absorbs clock skew.
 */
export function challengeQuota(digits: number): { max: number; windowMs: number } {
  return digits <= 4 ? { max: 4, windowMs: DAY_MS } : { max: 24, windowMs: HOUR_MS };
}

/**
 * How many consecutive wrong codes a channel may add to the account's count. A Studio flow's user is the caller's
 * number, which can be spoofed: the voice channel alone stays below the cap, so it can never lock the web sign-in.
 */
export function channelShare(policy: Pick<LockoutPolicy, 'hardCap'>, channel: Channel): number {
  return channel === 'studio' ? Math.floor(policy.hardCap / 2) : policy.hardCap;
}

/** Consecutive wrong codes on the account since the last success on any channel. */
export function consecutiveFailures(state: UserState): number {
  return state.web.streak + state.studio.streak;
}

/** True when the hard cap (or this channel's share of it) was reached: nothing is checked until the operator unlocks. */
export function isCapped(state: UserState, channel: Channel, policy: LockoutPolicy): boolean {
  return consecutiveFailures(state) >= policy.hardCap || state[channel].streak >= channelShare(policy, channel);
}

/** Seconds until `channel` may check codes again; 0 when it is not locked. */
export function lockRemainingSeconds(state: UserState, channel: Channel, nowMs: number): number {
  const until = state[channel].lockedUntil;
  return until > nowMs ? Math.ceil((until - nowMs) / 1000) : 0;
}

/** The length of the lock that starts after `level` earlier locks without a success. */
export function lockSeconds(policy: Pick<LockoutPolicy, 'baseSeconds' | 'maxSeconds'>, level: number): number {
  // 2^level grows past any maximum quickly; cap the exponent so the arithmetic stays exact.
  return Math.min(policy.baseSeconds * 2 ** Math.min(level, 30), policy.maxSeconds);
}

/** What a code check on `channel` is for: a Verify challenge, a new factor's first code, a recovery code or a trusted device's token. */
export type CheckPurpose = 'challenge' | 'factor' | 'recovery' | 'device';

/** Why a code check is refused before anything is asked. */
export type Refusal =
  /** The hard cap, or the channel's share of it: until the operator unlocks. */
  | { kind: 'capped' }
  /** A lock, or checks in flight that would start one if they fail: no code is checked for `seconds`. */
  | { kind: 'locked'; seconds: number }
  /** The channel's share of Verify's challenge quota is spent for `seconds`. */
  | { kind: 'quota'; seconds: number };

function lapsesAt(reservation: Reservation): number {
  return reservation.at + IN_FLIGHT_MS;
}

/** Seconds until the first check in flight lapses: by then every one of them has an outcome or is counted. */
function inFlightSeconds(state: UserState, nowMs: number): number {
  const ends = [...state.web.inFlight, ...state.studio.inFlight].map(lapsesAt);
  return ends.length === 0 ? 1 : Math.max(1, Math.ceil((Math.min(...ends) - nowMs) / 1000));
}

/** The digits of the user's codes as the state knows them (Verify's default when it does not). */
function digitsOf(state: UserState): number {
  return state.factor?.config.digits ?? 6;
}

/**
 * Whether a new code check on `channel` must be refused. Every check in flight counts as a wrong code until its outcome
 * is recorded, so parallel requests get no more checks than the lock, the 24 h limit and the cap allow one at a time.
 */
export function reservationRefusal(state: UserState, channel: Channel, policy: LockoutPolicy, nowMs: number, purpose: CheckPurpose): Refusal | undefined {
  if (isCapped(state, channel, policy)) return { kind: 'capped' };
  const locked = lockRemainingSeconds(state, channel, nowMs);
  if (locked > 0) return { kind: 'locked', seconds: locked };
  const own = state[channel];
  const flying = state.web.inFlight.length + state.studio.inFlight.length;
  const lastDay = own.recent.filter((at) => at > nowMs - DAY_MS).length;
  if (
    own.failures + own.inFlight.length >= policy.threshold ||
    lastDay + own.inFlight.length >= DAILY_FAILURE_LIMIT ||
    own.streak + own.inFlight.length >= channelShare(policy, channel) ||
    consecutiveFailures(state) + flying >= policy.hardCap
  ) {
    return { kind: 'locked', seconds: inFlightSeconds(state, nowMs) };
  }
  if (purpose === 'challenge') {
    const { max, windowMs } = challengeQuota(digitsOf(state));
    const inWindow = own.challenges.filter((at) => at > nowMs - windowMs);
    const oldest = inWindow[0];
    if (inWindow.length >= max && oldest !== undefined) return { kind: 'quota', seconds: Math.max(1, Math.ceil((oldest + windowMs - nowMs) / 1000)) };
  }
  return undefined;
}

/** Records a check in flight (and, for a challenge, its place in the channel's quota). */
export function withReservation(state: UserState, channel: Channel, reservation: Reservation): UserState {
  const current = state[channel];
  const challenges = reservation.challenge ? [...current.challenges, reservation.at] : current.challenges;
  return { ...state, [channel]: { ...current, inFlight: [...current.inFlight, reservation], challenges } };
}

/**
 * Takes the check `id` off the list in flight; undefined when it is not there (it lapsed and was counted, or a reset
 * removed it), so its outcome must not stand. `unused`: no code reached Verify, so its challenge gives its place back.
 */
export function withoutReservation(state: UserState, channel: Channel, id: string, unused = false): UserState | undefined {
  const current = state[channel];
  const reservation = current.inFlight.find((entry) => entry.id === id);
  if (reservation === undefined) return undefined;
  let { challenges } = current;
  if (unused && reservation.challenge) {
    const at = challenges.lastIndexOf(reservation.at);
    if (at !== -1) challenges = challenges.filter((_, index) => index !== at);
  }
  const inFlight = current.inFlight.filter((entry) => entry !== reservation);
  return { ...state, [channel]: { ...current, inFlight, challenges } };
}

export interface FailureResult {
  state: UserState;
  /** Set when this failure starts (or lengthens) a lock: its length in seconds and why. */
  lockBegins?: { seconds: number; reason: 'threshold' | 'daily_limit'; level: number };
  /** Set when this failure reaches the hard cap (`account`) or the channel's share of it (`channel`). */
  capReached?: 'account' | 'channel';
}

/** A wrong code on `channel`: counts towards the lock, the 24 h limit and the hard cap, and may start a lock. */
export function withFailure(state: UserState, channel: Channel, policy: LockoutPolicy, nowMs: number): FailureResult {
  const current = state[channel];
  const recent = [...current.recent.filter((at) => at > nowMs - DAY_MS), nowMs].slice(-DAILY_FAILURE_LIMIT);
  let { failures, level, lockedUntil } = current;
  failures += 1;
  let lockBegins: FailureResult['lockBegins'];
  if (failures >= policy.threshold) {
    const seconds = lockSeconds(policy, level);
    level += 1;
    failures = 0;
    lockedUntil = Math.max(lockedUntil, nowMs + seconds * 1000);
    lockBegins = { seconds, reason: 'threshold', level };
  }
  const oldest = recent[0];
  if (recent.length >= DAILY_FAILURE_LIMIT && oldest !== undefined && oldest + DAY_MS > lockedUntil) {
    // The oldest of the last DAILY_FAILURE_LIMIT wrong codes must age out of the 24 h window before the next one.
    lockedUntil = oldest + DAY_MS;
    lockBegins = { seconds: Math.ceil((lockedUntil - nowMs) / 1000), reason: 'daily_limit', level };
  }
  const wasCapped = isCapped(state, channel, policy);
  const next: ChannelState = { ...current, failures, level, lockedUntil, recent, streak: current.streak + 1 };
  const counted = { ...state, [channel]: next };
  let capReached: FailureResult['capReached'];
  if (!wasCapped && isCapped(counted, channel, policy)) capReached = consecutiveFailures(counted) >= policy.hardCap ? 'account' : 'channel';
  return { state: counted, lockBegins, capReached };
}

/**
 * A code accepted on `channel`: the person is proven, so the channel's count, backoff, lock and reuses start over, and
 * the account's consecutive count (both channels' streaks) too. Checks in flight and the quota are not counts of failures.
 */
export function withSuccess(state: UserState, channel: Channel): UserState {
  const current = state[channel];
  const proven: ChannelState = { ...current, failures: 0, level: 0, lockedUntil: 0, recent: [], streak: 0, reuses: 0 };
  const other: Channel = channel === 'web' ? 'studio' : 'web';
  return { ...state, [channel]: proven, [other]: { ...state[other], streak: 0 } };
}

/** A code refused because it was just accepted: free up to REUSE_ALLOWANCE times since the last success; true when it still was. */
export function reuseIsFree(state: UserState, channel: Channel): boolean {
  return state[channel].reuses < REUSE_ALLOWANCE;
}

export function withFreeReuse(state: UserState, channel: Channel): UserState {
  return { ...state, [channel]: { ...state[channel], reuses: state[channel].reuses + 1 } };
}

/** The checks in flight on `channel` that lapsed by `nowMs` (their request is gone without an outcome). */
export function lapsedReservations(state: UserState, channel: Channel, nowMs: number): Reservation[] {
  return state[channel].inFlight.filter((reservation) => lapsesAt(reservation) <= nowMs);
}

/** Drops what no rule reads any more: quota entries past the window of the user's code length, wrong codes past 24 h. */
export function withoutOldCounts(state: UserState, nowMs: number): UserState {
  const { windowMs } = challengeQuota(digitsOf(state));
  const keep = (channel: ChannelState): ChannelState => {
    const challenges = channel.challenges.filter((at) => at > nowMs - windowMs);
    const recent = channel.recent.filter((at) => at > nowMs - DAY_MS);
    return challenges.length === channel.challenges.length && recent.length === channel.recent.length ? channel : { ...channel, challenges, recent };
  };
  return { ...state, web: keep(state.web), studio: keep(state.studio) };
}

/**
 * Lifts the lock on `channel`: the lock ends, and so do the counts that would start the next one at the user's first
 * typo (the consecutive failures, the 24 h window, the channel's part of the hard cap). The backoff level stays: only a
 * correct code proves the person. Checks in flight keep their reservations.
 */
export function withoutLock(state: UserState, channel: Channel): UserState {
  return { ...state, [channel]: { ...state[channel], failures: 0, lockedUntil: 0, recent: [], streak: 0, reuses: 0 } };
}

/**
 * The most wrong codes one channel can be made to take in any 24 h from a fresh state (the README's bound): the
 * threshold before each lock, the backoff between locks, and never more than DAILY_FAILURE_LIMIT.
 */
export function maxFailuresPerDay(policy: Omit<LockoutPolicy, 'hardCap'>): number {
  let elapsed = 0;
  let total = 0;
  for (let level = 0; elapsed < DAY_MS / 1000 && total < DAILY_FAILURE_LIMIT; level += 1) {
    total += policy.threshold;
    elapsed += lockSeconds(policy, level);
  }
  return Math.min(total, DAILY_FAILURE_LIMIT);
}
