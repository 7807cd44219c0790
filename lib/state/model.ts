// The kit's per-user security state and its rules, as pure functions of the state and the time: the lockout with
// backoff per channel, the used codes of the replay guard, the enrollment in flight, and the verified factor's settings.
// lib/state/security-state.ts reads and writes it through lib/state/sync-store.ts; nothing here does I/O.
import type { ActivityEvent, Channel, FactorConfig } from '../contract';
import type { RecoveryCodeHashes } from '../core/recovery-codes';

export type { Channel } from '../contract';
/** Each channel locks on its own (lib/contract.ts). */
export const CHANNELS: readonly Channel[] = ['web', 'studio'];

export interface LockoutPolicy {
  /** Consecutive wrong codes that start a lock. */
  threshold: number;
  /** The first lock's length; each further lock without a success in between doubles it, up to maxSeconds. */
  baseSeconds: number;
  maxSeconds: number;
}

/**
 * At most this many wrong codes per channel in any 24 h, whatever the backoff allows. Verify lets a factor have 50
 * challenges an hour and 100 a day (60312), shared by every channel; with 30 one channel can never use up the other's.
 */
export const DAILY_FAILURE_LIMIT = 30;
export const DAY_MS = 86_400_000;
/** How long one /create-factor holds the enrollment: long enough for a double click, short enough for a retry. */
export const ENROLLMENT_HOLD_MS = 30_000;
/** A defensive bound on the used-code list (a handful is live at any time); keeps the document far below 16 KiB. */
const MAX_USED_CODES = 64;

export interface ChannelState {
  /** Consecutive wrong codes since the last success or since the last lock began. */
  failures: number;
  /** Locks since the last success: the next one lasts baseSeconds × 2^level, at most maxSeconds. */
  level: number;
  /** Epoch ms until which no code is checked on this channel; 0 when not locked. From this timestamp, never from a TTL. */
  lockedUntil: number;
  /** Counts every recorded outcome: an approval stands only if no other attempt was recorded since its lock check. */
  attempts: number;
  /** Epoch ms of the wrong codes of the last 24 h, oldest first (for DAILY_FAILURE_LIMIT). */
  recent: number[];
}

export interface UsedCode {
  /** A keyed digest of factor SID and code (lib/state/security-state.ts): Sync never holds a code. */
  key: string;
  /** Epoch ms when the code leaves its acceptance window and can no longer be replayed. */
  until: number;
}

/** The verified factor's SID and settings, so a sign-in check need not list the user's factors in Verify. */
export interface VerifiedFactor {
  sid: string;
  config: FactorConfig;
}

export interface EnrollmentHold {
  id: string;
  until: number;
}

export interface UserState {
  web: ChannelState;
  studio: ChannelState;
  used: UsedCode[];
  factor: VerifiedFactor | null;
  enrollment: EnrollmentHold | null;
  /** Salted, keyed hashes of the unused recovery codes (lib/core/recovery-codes.ts); never a code. */
  recovery: RecoveryCodeHashes | null;
  /** The user's security activity, oldest first: at most ACTIVITY_LIMIT events, none older than the trail's TTL. */
  trail: ActivityEvent[];
}

/** The last events a user can see (/list-activity); older ones are dropped on the next write. */
export const ACTIVITY_LIMIT = 50;

const VERSION = 1;
/**
 * The stored document names the web channel `caller`, as the kit's first version wrote it: documents already in Sync
 * keep their locks and counts, with no migration.
 */
const STORED_WEB_CHANNEL = 'caller';

function emptyChannel(): ChannelState {
  return { failures: 0, level: 0, lockedUntil: 0, attempts: 0, recent: [] };
}

export function emptyState(): UserState {
  return { web: emptyChannel(), studio: emptyChannel(), used: [], factor: null, enrollment: null, recovery: null, trail: [] };
}

// ---- reading the stored form (Sync's data is input like any other: checked, never trusted) ----

type Json = Record<string, unknown>;

function isRecord(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

function parseChannel(value: unknown): ChannelState | undefined {
  if (!isRecord(value)) return undefined;
  const { failures, level, lockedUntil, attempts, recent } = value;
  if (!isCount(failures) || !isCount(level) || !isCount(lockedUntil) || !isCount(attempts)) return undefined;
  if (!Array.isArray(recent) || !recent.every(isCount)) return undefined;
  return { failures, level, lockedUntil, attempts, recent: [...recent] };
}

function parseUsed(value: unknown): UsedCode[] | undefined {
  if (!Array.isArray(value)) return undefined;
  const used: UsedCode[] = [];
  for (const entry of value) {
    if (!isRecord(entry) || typeof entry.key !== 'string' || !isCount(entry.until)) return undefined;
    used.push({ key: entry.key, until: entry.until });
  }
  return used;
}

const ALGORITHMS = new Set(['SHA1', 'SHA256', 'SHA512']);

function parseFactor(value: unknown): VerifiedFactor | null | undefined {
  if (value === null) return null;
  if (!isRecord(value) || typeof value.sid !== 'string' || !isRecord(value.config)) return undefined;
  const { algorithm, digits, period, skew } = value.config;
  if (typeof algorithm !== 'string' || !ALGORITHMS.has(algorithm)) return undefined;
  if (!isCount(digits) || !isCount(period) || period === 0 || !isCount(skew)) return undefined;
  return { sid: value.sid, config: { algorithm: algorithm as FactorConfig['algorithm'], digits, period, skew } };
}

function parseHold(value: unknown): EnrollmentHold | null | undefined {
  if (value === null) return null;
  if (!isRecord(value) || typeof value.id !== 'string' || !isCount(value.until)) return undefined;
  return { id: value.id, until: value.until };
}

function parseRecovery(value: unknown): RecoveryCodeHashes | null | undefined {
  // Documents written before recovery codes existed have no such field.
  if (value === undefined || value === null) return null;
  if (!isRecord(value) || typeof value.salt !== 'string' || !Array.isArray(value.hashes)) return undefined;
  const hashes = value.hashes;
  if (!hashes.every((hash): hash is string => typeof hash === 'string')) return undefined;
  return { salt: value.salt, hashes: [...hashes] };
}

const EVENT_FIELDS = new Set(['id', 'type', 'occurredAt', 'channel', 'factorSid', 'outcome', 'detail']);

function parseEvent(value: unknown): ActivityEvent | undefined {
  if (!isRecord(value) || Object.keys(value).some((key) => !EVENT_FIELDS.has(key))) return undefined;
  const { id, type, occurredAt, channel, factorSid, outcome, detail } = value;
  if (typeof id !== 'string' || typeof type !== 'string' || typeof occurredAt !== 'string' || typeof channel !== 'string') return undefined;
  if (factorSid !== undefined && typeof factorSid !== 'string') return undefined;
  if (outcome !== undefined && typeof outcome !== 'string') return undefined;
  if (detail !== undefined && (!isRecord(detail) || !Object.values(detail).every((entry) => typeof entry === 'number'))) return undefined;
  return value as unknown as ActivityEvent;
}

function parseTrail(value: unknown): ActivityEvent[] | undefined {
  if (value === undefined) return [];
  if (!Array.isArray(value)) return undefined;
  const events = value.map(parseEvent);
  return events.every((event): event is ActivityEvent => event !== undefined) ? events : undefined;
}

/** The state in a stored document, or undefined when the document is not one the kit wrote. */
export function parseState(data: unknown): UserState | undefined {
  if (!isRecord(data) || data.v !== VERSION) return undefined;
  const web = parseChannel(data[STORED_WEB_CHANNEL]);
  const studio = parseChannel(data.studio);
  const used = parseUsed(data.used);
  const factor = parseFactor(data.factor);
  const enrollment = parseHold(data.enrollment);
  const recovery = parseRecovery(data.recovery);
  const trail = parseTrail(data.trail);
  if (
    web === undefined ||
    studio === undefined ||
    used === undefined ||
    factor === undefined ||
    enrollment === undefined ||
    recovery === undefined ||
    trail === undefined
  ) {
    return undefined;
  }
  return { web, studio, used, factor, enrollment, recovery, trail };
}

/**
 * Sync refuses a document over 16 KiB (54006), and the kit fails closed without its state. The trail is the only part
 * that grows with use, so it gives way: its oldest events are left out until the document fits, with room to spare.
 */
export const MAX_STORED_BYTES = 15 * 1024;

/** The document's JSON text as Sync stores it: measured once, and sent as it was measured. */
export function storedForm(state: UserState): string {
  const { web, studio, used, factor, enrollment, recovery, trail } = state;
  const whole = { v: VERSION, [STORED_WEB_CHANNEL]: web, studio, used, factor, enrollment, recovery, trail };
  const text = JSON.stringify(whole);
  let excess = Buffer.byteLength(text) - MAX_STORED_BYTES;
  if (excess <= 0) return text;
  let dropped = 0;
  // Each event takes its JSON and a separating comma.
  while (excess > 0 && dropped < state.trail.length) {
    excess -= Buffer.byteLength(JSON.stringify(state.trail[dropped])) + 1;
    dropped += 1;
  }
  return JSON.stringify({ ...whole, trail: state.trail.slice(dropped) });
}

// ---- the rules ----

/** Seconds until `channel` may check codes again; 0 when it is not locked. */
export function lockRemainingSeconds(state: UserState, channel: Channel, nowMs: number): number {
  const until = state[channel].lockedUntil;
  return until > nowMs ? Math.ceil((until - nowMs) / 1000) : 0;
}

/** The length of the lock that starts after `level` earlier locks without a success. */
export function lockSeconds(policy: LockoutPolicy, level: number): number {
  // 2^level grows past any maximum quickly; cap the exponent so the arithmetic stays exact.
  return Math.min(policy.baseSeconds * 2 ** Math.min(level, 30), policy.maxSeconds);
}

export interface FailureResult {
  state: UserState;
  /** Set when this failure starts (or lengthens) a lock: its length in seconds and why. */
  lockBegins?: { seconds: number; reason: 'threshold' | 'daily_limit'; level: number };
}

/** A wrong code (or a replayed one) on `channel`: counts towards the lock, and may start one. */
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
  const next = { failures, level, lockedUntil, attempts: current.attempts + 1, recent };
  return { state: { ...state, [channel]: next }, lockBegins };
}

/** A code accepted on `channel`: the person is proven, so the count, the backoff and any lock start over. */
export function withSuccess(state: UserState, channel: Channel): UserState {
  const attempts = state[channel].attempts + 1;
  return { ...state, [channel]: { ...emptyChannel(), attempts } };
}

/**
 * When a code used now stops being acceptable: Verify accepts a code for time steps within ±skew of the current
 * one (RFC 6238 §5.2), so a code accepted in step n matched a step ≥ n − skew and stays valid through step n + 2·skew.
 */
export function usedUntil(config: FactorConfig, nowMs: number): number {
  const periodMs = config.period * 1000;
  return (Math.floor(nowMs / periodMs) + 2 * config.skew + 1) * periodMs;
}

export function isUsed(state: UserState, key: string, nowMs: number): boolean {
  return state.used.some((entry) => entry.key === key && entry.until > nowMs);
}

export function withUsedCode(state: UserState, key: string, until: number): UserState {
  const used = [...state.used, { key, until }].sort((a, b) => b.until - a.until).slice(0, MAX_USED_CODES);
  return { ...state, used };
}

/** Appends events to the trail, keeping the newest ACTIVITY_LIMIT. */
export function withEvents(state: UserState, events: readonly ActivityEvent[]): UserState {
  return events.length === 0 ? state : { ...state, trail: [...state.trail, ...events].slice(-ACTIVITY_LIMIT) };
}

/** The trail as the user sees it: newest first, nothing older than `ttlMs`. */
export function recentActivity(state: UserState, nowMs: number, ttlMs: number): ActivityEvent[] {
  return state.trail.filter((event) => Date.parse(event.occurredAt) > nowMs - ttlMs).reverse();
}

/** Drops what no rule reads any more: used codes past their window and an enrollment hold past its time. */
export function pruned(state: UserState, nowMs: number, trailTtlMs = Number.POSITIVE_INFINITY): UserState {
  return {
    ...state,
    trail: state.trail.filter((event) => Date.parse(event.occurredAt) > nowMs - trailTtlMs),
    used: state.used.filter((entry) => entry.until > nowMs),
    enrollment: state.enrollment !== null && state.enrollment.until > nowMs ? state.enrollment : null,
  };
}

// ---- the operator's changes (npm run support) ----

/**
 * Lifts the lock on `channel`: the lock ends, and so do the counts that would start the next one at the user's first
 * typo (the consecutive failures, the 24 h window). The backoff level stays: only a correct code proves the person.
 */
export function withoutLock(state: UserState, channel: Channel): UserState {
  return { ...state, [channel]: { ...state[channel], failures: 0, lockedUntil: 0, recent: [] } };
}

/**
 * What a reset leaves: no verified factor, recovery codes, lock, used code or enrollment hold; the trail stays, for the
 * record. Each channel's attempt count moves on, so a code check in flight across the reset cannot record a success.
 */
export function resetState(state: UserState): UserState {
  const fresh = emptyState();
  return {
    ...fresh,
    web: { ...fresh.web, attempts: state.web.attempts + 1 },
    studio: { ...fresh.studio, attempts: state.studio.attempts + 1 },
    trail: state.trail,
  };
}

/** Seconds until the enrollment in flight no longer holds; 0 when there is none. */
export function enrollmentHeldSeconds(state: UserState, nowMs: number): number {
  const hold = state.enrollment;
  return hold !== null && hold.until > nowMs ? Math.ceil((hold.until - nowMs) / 1000) : 0;
}

/**
 * The most wrong codes one channel can be made to take in any 24 h from a fresh state (the README's bound): the
 * threshold before each lock, the backoff between locks, and never more than DAILY_FAILURE_LIMIT.
 */
export function maxFailuresPerDay(policy: LockoutPolicy): number {
  let elapsed = 0;
  let total = 0;
  for (let level = 0; elapsed < DAY_MS / 1000 && total < DAILY_FAILURE_LIMIT; level += 1) {
    total += policy.threshold;
    elapsed += lockSeconds(policy, level);
  }
  return Math.min(total, DAILY_FAILURE_LIMIT);
}
