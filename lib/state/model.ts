// The kit's per-user security state: its shape, its stored form (checked on every read, within Sync's 16 KiB), and the
// rules of the used codes (replay guard), the enrollment in flight and the trail, as pure functions of the state and
// the time. The lockout's rules live in ./lockout.ts; lib/state/security-state.ts reads and writes the state through
// lib/state/sync-store.ts; nothing here does I/O.
import type { ActivityEvent, Channel, FactorConfig } from '../contract';
import { parseRecoveryCodeSet, type RecoveryCodeSet } from '../core/recovery-codes';
import { withoutOldCounts } from './lockout';
import { trailWithin } from './trail';

export type { Channel } from '../contract';
/** Each channel locks on its own (lib/contract.ts). */
export const CHANNELS: readonly Channel[] = ['web', 'studio'];

/** How long one /create-factor holds the enrollment: long enough for a double click, short enough for a retry. */
export const ENROLLMENT_HOLD_MS = 30_000;
/**
 * A defensive bound on the used-code list: a factor has at most 2·skew + 1 ≤ 5 codes live at once (one per time step
 * Verify accepts), and a user one factor at a time (two across a new set-up), so 16 never drops a live one, and keeps
 * the document within 16 KiB with a full trail.
 */
export const MAX_USED_CODES = 16;

/** A code check under way on a channel: made before Verify is asked, taken away with the check's outcome (./lockout.ts). */
export interface Reservation {
  /** Names the check, so its outcome takes away its own. */
  id: string;
  /** Epoch ms when it was made; it lapses IN_FLIGHT_MS later. */
  at: number;
  /** It took a place in the channel's share of Verify's challenge quota. */
  challenge: boolean;
}

export interface ChannelState {
  /** Consecutive wrong codes since the last success or since the last lock began. */
  failures: number;
  /** Locks since the last success: the next one lasts baseSeconds × 2^level, at most maxSeconds. */
  level: number;
  /** Epoch ms until which no code is checked on this channel; 0 when not locked. From this timestamp, never from a TTL. */
  lockedUntil: number;
  /** Epoch ms of the wrong codes of the last 24 h, oldest first (for DAILY_FAILURE_LIMIT). */
  recent: number[];
  /** Consecutive wrong codes on this channel since the last success on any channel: its part of the hard cap. */
  streak: number;
  /** Reuses of a just-accepted code since the last success on this channel (REUSE_ALLOWANCE of them are free). */
  reuses: number;
  /** Code checks under way, each counted as a wrong code until its outcome is recorded. */
  inFlight: Reservation[];
  /** Epoch ms of the Verify challenges this channel asked for within its quota's window, oldest first. */
  challenges: number[];
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

/**
 * What holds the user's enrollment: a /create-factor under way (`creating`), one that handed out `factorSid`
 * (`created`, until the double-click window ends), the first code of `factorSid` being checked (`verifying`), or the
 * unverified `factorSid` being deleted without a code (`deleting`). One at a time, so a factor never becomes verified
 * between another request's look at it and its delete.
 */
export type HoldPhase = 'creating' | 'created' | 'verifying' | 'deleting';
const HOLD_PHASES: ReadonlySet<string> = new Set<HoldPhase>(['creating', 'created', 'verifying', 'deleting']);

export interface EnrollmentHold {
  id: string;
  until: number;
  phase: HoldPhase;
  factorSid?: string;
}

/** A hold a request asks for: a new enrollment, or one factor's first verification or code-less delete. */
export type HoldRequest = { phase: 'creating' } | { phase: 'verifying' | 'deleting'; factorSid: string };

/** A device the user trusts ("remember this device"): never its token, only a keyed digest of it. */
export interface TrustedDeviceRecord {
  /** `td_…`: the public name of the device (/list-devices, /forget-device). */
  id: string;
  /** HMAC of the device token (lib/state/security-state.ts): Sync never holds a token. */
  digest: string;
  /** The user's name for it; null when none was given. */
  label: string | null;
  /** In plain words, from the User-Agent when it was trusted (lib/core/user-agent.ts); null when it did not say. */
  browser: string | null;
  platform: string | null;
  /** Epoch ms when it was trusted: it stays trusted TRUSTED_DEVICE_DAYS from then (./devices.ts). */
  trustedAt: number;
  /** Epoch ms of the last sign-in with it. */
  lastUsedAt: number;
}

export interface UserState {
  web: ChannelState;
  studio: ChannelState;
  used: UsedCode[];
  factor: VerifiedFactor | null;
  enrollment: EnrollmentHold | null;
  /** The unused recovery codes as salted password hashes (lib/core/recovery-codes.ts, which reads the form); never a code. */
  recovery: RecoveryCodeSet | null;
  /** The user's security activity, oldest first: at most ACTIVITY_LIMIT events, none older than the trail's TTL (./trail.ts). */
  trail: ActivityEvent[];
  /** The devices the user trusts, oldest first (at most MAX_TRUSTED_DEVICES, ./devices.ts). */
  devices: TrustedDeviceRecord[];
}

const VERSION = 1;
/**
 * The stored document names the web channel `caller`, as the kit's first version wrote it: documents already in Sync
 * keep their locks and counts, with no migration.
 */
const STORED_WEB_CHANNEL = 'caller';

function emptyChannel(): ChannelState {
  return { failures: 0, level: 0, lockedUntil: 0, recent: [], streak: 0, reuses: 0, inFlight: [], challenges: [] };
}

export function emptyState(): UserState {
  return { web: emptyChannel(), studio: emptyChannel(), used: [], factor: null, enrollment: null, recovery: null, trail: [], devices: [] };
}

// ---- reading the stored form (Sync's data is input like any other: checked, never trusted) ----

type Json = Record<string, unknown>;

function isRecord(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

function isTimes(value: unknown): value is number[] {
  return Array.isArray(value) && value.every(isCount);
}

function parseReservations(value: unknown): Reservation[] | undefined {
  if (!Array.isArray(value)) return undefined;
  const reservations: Reservation[] = [];
  for (const entry of value) {
    if (!isRecord(entry) || typeof entry.id !== 'string' || !isCount(entry.at) || typeof entry.challenge !== 'boolean') return undefined;
    reservations.push({ id: entry.id, at: entry.at, challenge: entry.challenge });
  }
  return reservations;
}

function parseChannel(value: unknown): ChannelState | undefined {
  if (!isRecord(value)) return undefined;
  // The first version's documents have no streak, reuses, checks in flight or quota: each starts empty.
  const { failures, level, lockedUntil, recent, streak = 0, reuses = 0, inFlight = [], challenges = [] } = value;
  if (!isCount(failures) || !isCount(level) || !isCount(lockedUntil) || !isCount(streak) || !isCount(reuses)) return undefined;
  if (!isTimes(recent) || !isTimes(challenges)) return undefined;
  const reservations = parseReservations(inFlight);
  if (reservations === undefined) return undefined;
  return { failures, level, lockedUntil, recent: [...recent], streak, reuses, inFlight: reservations, challenges: [...challenges] };
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
  // The first version's holds were an enrollment that had handed out its factor, or was about to.
  const { phase = 'created', factorSid } = value;
  if (typeof phase !== 'string' || !HOLD_PHASES.has(phase)) return undefined;
  if (factorSid !== undefined && typeof factorSid !== 'string') return undefined;
  const hold: EnrollmentHold = { id: value.id, until: value.until, phase: phase as HoldPhase };
  if (factorSid !== undefined) hold.factorSid = factorSid;
  return hold;
}

const EVENT_FIELDS = new Set(['id', 'type', 'occurredAt', 'channel', 'factorSid', 'outcome', 'detail', 'count', 'firstOccurredAt']);

function parseEvent(value: unknown): ActivityEvent | undefined {
  if (!isRecord(value) || Object.keys(value).some((key) => !EVENT_FIELDS.has(key))) return undefined;
  const { id, type, occurredAt, channel, factorSid, outcome, detail, count, firstOccurredAt } = value;
  if (typeof id !== 'string' || typeof type !== 'string' || typeof occurredAt !== 'string' || typeof channel !== 'string') return undefined;
  if (factorSid !== undefined && typeof factorSid !== 'string') return undefined;
  if (outcome !== undefined && typeof outcome !== 'string') return undefined;
  // A folded event: how many, since when (lib/state/trail.ts); both or neither.
  if ((count === undefined) !== (firstOccurredAt === undefined)) return undefined;
  if (count !== undefined && (!isCount(count) || count < 2 || typeof firstOccurredAt !== 'string')) return undefined;
  if (detail !== undefined && (!isRecord(detail) || !Object.values(detail).every((entry) => typeof entry === 'number'))) return undefined;
  return value as unknown as ActivityEvent;
}

function parseTrail(value: unknown): ActivityEvent[] | undefined {
  if (value === undefined) return [];
  if (!Array.isArray(value)) return undefined;
  const events = value.map(parseEvent);
  return events.every((event): event is ActivityEvent => event !== undefined) ? events : undefined;
}

/** Device names (32 at most, lib/http/schemas.ts), browsers and platforms are short plain text. */
const MAX_DEVICE_TEXT = 64;

function isDeviceText(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0 && value.length <= MAX_DEVICE_TEXT;
}

/** A label, browser or platform: null when the person gave none or the User-Agent did not say. */
function isDeviceTextOrNull(value: unknown): value is string | null {
  return value === null || isDeviceText(value);
}

function parseDevices(value: unknown): TrustedDeviceRecord[] | undefined {
  // Documents written before trusted devices have none.
  if (value === undefined) return [];
  if (!Array.isArray(value)) return undefined;
  const devices: TrustedDeviceRecord[] = [];
  for (const entry of value) {
    if (!isRecord(entry) || !isDeviceText(entry.id) || typeof entry.digest !== 'string' || entry.digest === '') return undefined;
    const { id, digest, label, browser, platform, trustedAt, lastUsedAt } = entry;
    if (!isDeviceTextOrNull(label) || !isDeviceTextOrNull(browser) || !isDeviceTextOrNull(platform)) return undefined;
    if (!isCount(trustedAt) || !isCount(lastUsedAt)) return undefined;
    devices.push({ id, digest, label, browser, platform, trustedAt, lastUsedAt });
  }
  return devices;
}

/** The state in a stored document, or undefined when the document is not one the kit wrote. */
export function parseState(data: unknown): UserState | undefined {
  if (!isRecord(data) || data.v !== VERSION) return undefined;
  const web = parseChannel(data[STORED_WEB_CHANNEL]);
  const studio = parseChannel(data.studio);
  const used = parseUsed(data.used);
  const factor = parseFactor(data.factor);
  const enrollment = parseHold(data.enrollment);
  const recovery = parseRecoveryCodeSet(data.recovery);
  const trail = parseTrail(data.trail);
  const devices = parseDevices(data.devices);
  if (
    web === undefined ||
    studio === undefined ||
    used === undefined ||
    factor === undefined ||
    enrollment === undefined ||
    recovery === undefined ||
    trail === undefined ||
    devices === undefined
  ) {
    return undefined;
  }
  return { web, studio, used, factor, enrollment, recovery, trail, devices };
}

/**
 * Sync refuses a document over 16 KiB (54006), and the kit fails closed without its state. The trail is the only part
 * that grows with use, so it gives way: its oldest events are left out until the document fits, with room to spare.
 */
export const MAX_STORED_BYTES = 15 * 1024;

/**
 * The document's JSON text as Sync stores it: measured once, and sent as it was measured. Over the budget, the oldest
 * code checks of the trail give way first, the changes to the account only after them (./trail.ts).
 */
export function storedForm(state: UserState): string {
  const { web, studio, used, factor, enrollment, recovery, trail, devices } = state;
  const whole = { v: VERSION, [STORED_WEB_CHANNEL]: web, studio, used, factor, enrollment, recovery, devices, trail };
  const text = JSON.stringify(whole);
  const excess = Buffer.byteLength(text) - MAX_STORED_BYTES;
  if (excess <= 0) return text;
  // Each event takes its JSON and a separating comma; the document shrinks by exactly that when one is left out.
  const size = (event: ActivityEvent): number => Buffer.byteLength(JSON.stringify(event)) + 1;
  const total = trail.reduce((sum, event) => sum + size(event), 0);
  const kept = trailWithin(trail, (candidate) => total - candidate.reduce((sum, event) => sum + size(event), 0) >= excess);
  return JSON.stringify({ ...whole, trail: kept });
}

// ---- the rules ----

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

/**
 * Drops what no rule reads any more: used codes past their window, an enrollment hold past its time, quota entries
 * and wrong codes past their window. Checks in flight that lapsed stay: they are counted when the state is next written.
 */
export function pruned(state: UserState, nowMs: number, trailTtlMs = Number.POSITIVE_INFINITY): UserState {
  return {
    ...withoutOldCounts(state, nowMs),
    trail: state.trail.filter((event) => Date.parse(event.occurredAt) > nowMs - trailTtlMs),
    used: state.used.filter((entry) => entry.until > nowMs),
    enrollment: state.enrollment !== null && state.enrollment.until > nowMs ? state.enrollment : null,
  };
}

// ---- the operator's changes (npm run support) ----

/**
 * What a reset leaves: no verified factor, recovery codes, lock, used code, check in flight or enrollment hold; the
 * trail stays, for the record. A code check in flight across the reset finds its reservation gone, so its outcome
 * cannot stand.
 */
export function resetState(state: UserState): UserState {
  return { ...emptyState(), trail: state.trail };
}

/**
 * Seconds until `request` may take the hold; 0 when it may now. A new enrollment waits for any hold. A factor's first
 * verification or code-less delete waits for a creation, verification or delete in flight, but not for the hold of the
 * creation that handed out that factor (the user's next step); a verification, not for one that handed out another.
 */
export function holdWaitSeconds(state: UserState, nowMs: number, request: HoldRequest): number {
  const held = enrollmentHeldSeconds(state, nowMs);
  const hold = state.enrollment;
  if (held === 0 || hold === null || request.phase === 'creating' || hold.phase !== 'created') return held;
  if (request.phase === 'verifying' && hold.factorSid !== undefined && hold.factorSid !== request.factorSid) return held;
  return 0;
}

/** Seconds until the enrollment in flight no longer holds; 0 when there is none. */
export function enrollmentHeldSeconds(state: UserState, nowMs: number): number {
  const hold = state.enrollment;
  return hold !== null && hold.until > nowMs ? Math.ceil((hold.until - nowMs) / 1000) : 0;
}
