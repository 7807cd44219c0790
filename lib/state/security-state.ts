// The user's security state on Sync, read and written by compare-and-swap on the user's one document: each code check
// reserved before Verify (the lock check), its outcome recorded atomically after it (the replay guard's "used" record
// and the failure count), one enrollment at a time, the recovery codes (issued, redeemed), the verified factor and the
// activity trail. Any doubt fails closed. The rules are pure (./model.ts, ./lockout.ts); the only Sync caller is
// ./sync-store.ts.
import { createHmac, randomBytes, randomUUID, type KeyObject } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import type { ActivityEvent, Channel } from '../contract';
import { createEvent, type EventNote } from '../events/security-events';
import { Failure } from '../core/failures';
import {
  isOutdatedSet,
  matchRecoveryCode,
  recoveryCodesLeft,
  withoutRecoveryCode,
  type RecoveryCodeSet,
  type RecoveryCodeVault,
  type ScryptRecoveryCodes,
} from '../core/recovery-codes';
import type { StateStore } from './sync-store';
import {
  CHANNELS,
  emptyState,
  ENROLLMENT_HOLD_MS,
  holdWaitSeconds,
  isUsed,
  parseState,
  pruned,
  storedForm,
  usedUntil,
  withUsedCode,
  type HoldRequest,
  type TrustedDeviceRecord,
  type UserState,
  type VerifiedFactor,
} from './model';
import { recentActivity, withEvents } from './trail';
import {
  deviceByDigest,
  droppedDevices,
  isTrusted,
  withDeviceUsed,
  withoutDevices,
  withoutExpiredDevices,
  withTrustedDevice,
} from './devices';
import {
  channelShare,
  consecutiveFailures,
  IN_FLIGHT_MS,
  lapsedReservations,
  reservationRefusal,
  reuseIsFree,
  withFailure,
  withFreeReuse,
  withoutReservation,
  withReservation,
  withSuccess,
  type CheckPurpose,
  type FailureResult,
  type LockoutPolicy,
  type Refusal,
} from './lockout';

/** Garbage collection only (Sync's TTL is approximate; no decision reads it): well beyond any lock or code window. */
export const STATE_TTL_SECONDS = 30 * 86_400;
/** Writes that may lose a race in a row before the request gives up (fails closed); each loss means another writer won. */
export const MAX_WRITE_ATTEMPTS = 10;
/** Upper bound of the random pause before retrying a lost race, per attempt so far (spreads a burst of writers out). */
const RETRY_JITTER_MS = 15;

/** The user's one Sync document, named by the HMAC identity (no personal data reaches Sync). */
export function stateDocumentName(identity: string): string {
  return `totp-user-${identity}`;
}

/**
 * The document lives as long as the longest thing it keeps: the trail, a trusted device (Sync's TTL only collects it;
 * no decision reads the TTL).
 */
export function stateTtlSeconds(activityTtlMs: number, trustedDeviceTtlMs = 0): number {
  return Math.max(STATE_TTL_SECONDS, Math.ceil(activityTtlMs / 1000), Math.ceil(trustedDeviceTtlMs / 1000));
}

/**
 * The TTL to write `state` with: none (0) while it holds a verified factor or recovery codes, which must outlive any
 * quiet spell (a user who signs in twice a year still has their codes when the phone is lost); `ttlSeconds` once it
 * holds only what time makes worthless (locks, used codes, the trail, devices whose factor is gone), so a deleted
 * user's document is collected.
 */
export function documentTtlSeconds(state: UserState, ttlSeconds: number): number {
  return state.factor !== null || state.recovery !== null ? 0 : ttlSeconds;
}

export interface SecurityStateOptions {
  store: StateStore;
  /** The user's HMAC identity (lib/core/identity.ts): the document's name, so no Sync object takes more than one user's writes. */
  identity: string;
  /** Where this user's codes are checked: each channel locks on its own, and stamps the events it records. */
  channel: Channel;
  policy: LockoutPolicy;
  now: () => Date;
  /** Keys the digest under which a used code is recorded (Sync never sees a code). */
  codeKey: KeyObject | Uint8Array;
  /** Issues and hashes recovery codes (lib/core/recovery-codes.ts, with its keys); the state keeps and uses them up. */
  recoveryCodes: RecoveryCodeVault;
  /** One line when a lock begins; never personal data. */
  log: (line: string) => void;
  /** The user's security activity: kept in the same document, written in the same compare-and-swap as each outcome. */
  activity: {
    /** Events older than this are dropped from the trail (ACTIVITY_TTL_DAYS). */
    ttlMs: number;
    /** Called with the events of each successful write, for the log line and the host's webhook (lib/events/security-events.ts). */
    onRecorded: (events: ActivityEvent[]) => void;
  };
  /** How long a device stays trusted from when it was trusted (TRUSTED_DEVICE_DAYS). */
  trustedDeviceTtlMs: number;
}

/** What a change to the state may also set: the recovery codes and factor go with the outcome, in one write. */
export type StateChange = (state: UserState) => UserState;

/** Why devices stopped being trusted: the `device.forgotten` event's outcome (lib/contract.ts ActivityType). */
export type ForgetReason = 'user' | 'user_all' | 'replaced' | 'expired' | 'factor_deleted' | 'recovery_code' | 'support';

/** A device to trust with an approved check ("remember this device"); the state keeps only the token's digest. */
export interface DeviceToTrust {
  id: string;
  /** The device token, handed to the caller once; never stored. */
  token: string;
  label: string | null;
  browser: string | null;
  platform: string | null;
  /** What the check was: the `device.trusted` event's outcome. */
  method: 'otp' | 'recovery_code';
}

/** What an approved outcome also does, in its one write. */
export interface OutcomeEffects {
  change?: StateChange;
  /** Why the devices `change` drops are forgotten (a change drops them only when it forgets the factor). */
  forgetReason?: ForgetReason;
  /** Trusts this device, as of the outcome's time (the oldest gives way beyond MAX_TRUSTED_DEVICES). */
  trust?: DeviceToTrust;
}

/** What a code check is for, decided before it begins: its place in the quota, and a hold it takes with it. */
export interface CodeCheckOptions {
  /** A Verify challenge (it takes a place in the channel's challenge quota), a new factor's first code, or a recovery code. */
  purpose: CheckPurpose;
  /**
   * Runs after the lock check and before the reservation, with the verified factor the state knows: a lookup that may
   * end the check (a user who never enrolled) ends it with nothing written.
   */
  prepare?: (knownFactor: VerifiedFactor | undefined) => Promise<void>;
  /**
   * A new factor's first code takes the enrollment's hold with its reservation, in the same write, and gives it back
   * with its outcome: no enrollment or code-less delete can remove the factor while Verify may be activating it.
   */
  hold?: { phase: 'verifying'; factorSid: string };
}

/** One code check in progress, from its reservation to the recorded outcome. */
export interface CodeAttempt {
  /** The verified factor as the state last recorded it; undefined when the state does not know it. */
  readonly knownFactor: VerifiedFactor | undefined;
  /** Records the verified factor with this attempt's outcome (the next check then needs no factor list); undefined: no change. */
  noteFactor(factor: VerifiedFactor | null | undefined): void;
  /**
   * Whether the code may have reached Verify: set before a code-taking call, and unset when its error proves that
   * Verify checked nothing. A check that ends without an outcome keeps its place in the challenge quota if it was.
   */
  markCodeSent(sent: boolean): void;
  /**
   * Verify refused the code: count it, with a `challenge.failed` event (`outcome` default `wrong_code`). Throws
   * Failure('locked') when this failure starts a lock, Failure('capped') when it reaches the hard cap. With `reuse`, a
   * code that another request had the factor accept meanwhile (a double submit) is a reuse instead (see `reused`).
   */
  refused(failed?: { factorSid?: string; outcome?: string; reuse?: { factor: VerifiedFactor; code: string } }): Promise<void>;
  /**
   * Verify approved the code: record it as used, atomically, with `events` (default `challenge.approved`) and `change`.
   * A code accepted already is a reuse (see `reused`). False when this check's reservation is gone (it lapsed and was
   * counted, or the operator reset the user meanwhile).
   */
  approved(factor: VerifiedFactor, code: string, effects?: OutcomeEffects & { events?: EventNote[] }): Promise<boolean>;
  /** True when the state this check read holds `code` as accepted for `factor` within its window: a reuse, not a guess. */
  isReuse(factor: VerifiedFactor, code: string): boolean;
  /**
   * Records a reuse of a just-accepted code (found by `isReuse`) without asking Verify: not a guess, so not counted (a `challenge.reused`
   * event) up to REUSE_ALLOWANCE since the last success, counted as a wrong code after that. Throws
   * Failure('code_reused') with the seconds until the next code (or locked / capped when counting it starts one).
   */
  reused(factor: VerifiedFactor): Promise<never>;
  /**
   * The first code of a new factor was accepted (Verify has activated it): record the code as used, the factor as the
   * verified one and its new recovery codes, and end the enrollment in flight. Never refused: Verify's answer is final.
   */
  activated(factor: VerifiedFactor, code: string, recovery: RecoveryCodeSet): Promise<void>;
  /**
   * A recovery code instead of an authenticator code: used up atomically if it is one of the set, with `event` and
   * `change`; the codes left, or undefined when it is not one (counted as a wrong code, may throw like `refused`).
   * The `recovery_code.used` event names `purpose` as its outcome.
   */
  redeemRecoveryCode(input: string, effects: OutcomeEffects & { purpose: string; factorSid?: string }): Promise<number | undefined>;
  /**
   * A trusted device's token instead of a code: the device it names, marked as used (a `device.used` event), or
   * undefined when it names none of this user's trusted devices (wrong, expired or forgotten), counted as a wrong code
   * (may throw like `refused`).
   */
  redeemDevice(token: string): Promise<TrustedDeviceRecord | undefined>;
  /**
   * Ends the check if no outcome was recorded (an error, or no code to check after all): its reservation is given back,
   * and its place in the quota too unless the code may have reached Verify. A no-op after an outcome. (A request that
   * dies before either lets its reservation lapse, and that counts as a wrong code.)
   */
  close(): Promise<void>;
}

export interface HoldTicket {
  /**
   * Ends the hold, with `events` (the factors it removed) in the same write; best effort for a failed enrollment, the
   * hold expires anyway.
   */
  release(events?: EventNote[]): Promise<void>;
}

export interface EnrollmentTicket extends HoldTicket {
  /**
   * The enrollment handed out `factorSid`: its events (`factor.deleted` of the factors it removed, `factor.created`) and
   * `change` are written, and the hold stays (a double click still waits) but lets that factor's first code be checked.
   */
  created(factorSid: string, events: EventNote[], change?: StateChange): Promise<void>;
}

export interface SecurityState {
  /**
   * Step 1 of every code check, the lock check and the reservation in one compare-and-swap: throws Failure('locked')
   * while this channel is locked or checks in flight could lock it, Failure('capped') at the hard cap, and
   * Failure('challenges_throttled') when the channel's share of Verify's quota is spent, all without asking Verify.
   */
  beginCodeCheck(options: CodeCheckOptions): Promise<CodeAttempt>;
  /** A new set of recovery codes: the codes to show once, the password hashes to keep. No I/O (ten scrypt hashes). */
  issueRecoveryCodes(): Promise<{ codes: string[]; stored: ScryptRecoveryCodes }>;
  /** Unused recovery codes of the current set, and whether it is a set of the format issued before (a read). */
  recoveryCodes(): Promise<{ left: number; outdated: boolean }>;
  /** The user's recent security events, newest first (a read). */
  activity(): Promise<ActivityEvent[]>;
  /** The devices the user trusts now, newest first (a read). */
  trustedDevices(): Promise<TrustedDeviceRecord[]>;
  /**
   * Stops trusting one device or every one (a `device.forgotten` event, outcome `user` or `user_all`); how many.
   * Failure('device_not_found') when the one named is not trusted (nothing is written).
   */
  forgetDevices(which: { deviceId: string } | 'all'): Promise<number>;
  /** Writes events that come with no other change (a factor created or deleted), with `change` if given. */
  record(events: EventNote[], change?: StateChange): Promise<void>;
  /**
   * Holds the user's enrollment for ~30 s; throws Failure('enrollment_in_progress') while another enrollment, a first
   * verification or a code-less delete holds it.
   */
  holdEnrollment(): Promise<EnrollmentTicket>;
  /**
   * Holds the enrollment while the unverified `factorSid` is deleted without a code: Failure('enrollment_in_progress')
   * while an enrollment or a first verification is under way, Failure('step_up_required') when the state knows it as
   * the verified factor.
   */
  holdDelete(factorSid: string): Promise<HoldTicket>;
}

interface Snapshot {
  state: UserState;
  /** undefined: there is no document yet (the first write creates it). */
  revision: string | undefined;
}

/** What a compare-and-swap step decides: the next state to write (or none), and what to return once it is written. */
interface Step<T> {
  next: UserState | undefined;
  result: T;
  /** Events that go into the trail with `next`, and out to the log and webhook once written. */
  events?: ActivityEvent[];
  /** Log lines for once `next` is written (a lock that begins). */
  logs?: string[];
  /** Why the devices `next` no longer holds are forgotten (default `factor_deleted`: the only other change that drops them). */
  forgetReason?: ForgetReason;
}

/** What counting a wrong code decided: the lock or cap it starts, to answer with. */
interface Counted {
  lockBegins: FailureResult['lockBegins'];
  capReached: FailureResult['capReached'];
}

/** What an outcome answers: a counted wrong code (maybe a lock), and for a reuse the seconds until the next code. */
interface Answered {
  counted: Counted | undefined;
  /** Set for a reuse: the answer is code_reused, with this wait. */
  retryAfterSeconds?: number;
}

function forgottenNote(reason: ForgetReason, devices: number): EventNote {
  return { type: 'device.forgotten', outcome: reason, detail: { devices } };
}

/** Seconds until the next time step begins: the authenticator's next code. */
function secondsToNextStep(periodSeconds: number, nowMs: number): number {
  const periodMs = periodSeconds * 1000;
  return Math.max(1, Math.ceil((periodMs - (nowMs % periodMs)) / 1000));
}

function refusalFailure(refusal: Refusal): Failure {
  if (refusal.kind === 'capped') return new Failure('capped');
  if (refusal.kind === 'quota') return new Failure('challenges_throttled', { retryAfterSeconds: refusal.seconds });
  return new Failure('locked', { retryAfterSeconds: refusal.seconds });
}

export function createSecurityState(options: SecurityStateOptions): SecurityState {
  const { store, channel, policy } = options;
  const name = stateDocumentName(options.identity);
  const nowMs = (): number => options.now().getTime();
  const { activity } = options;
  const ttlSeconds = stateTtlSeconds(activity.ttlMs, options.trustedDeviceTtlMs);
  const stampOn = (on: Channel, notes: readonly EventNote[], now: number): ActivityEvent[] =>
    notes.map((note) => createEvent({ ...note, channel: on }, new Date(now)));
  const stamp = (notes: readonly EventNote[], now: number): ActivityEvent[] => stampOn(channel, notes, now);

  function digest(factorSid: string, code: string): string {
    return createHmac('sha256', options.codeKey).update(`used-code\0${factorSid}\0${code}`).digest('base64url').slice(0, 22);
  }

  /**
   * The device token's digest: the token is 256 random bits, so a keyed hash (no password hash) is enough, and 128 of
   * its bits (as for used codes) keep ten devices small in the 16 KiB document.
   */
  function deviceDigest(token: string): string {
    return createHmac('sha256', options.codeKey).update(`trusted-device\0${token}`).digest('base64url').slice(0, 22);
  }

  const { trustedDeviceTtlMs } = options;

  async function read(): Promise<Snapshot> {
    const document = await store.fetch(name);
    if (document === undefined) return { state: emptyState(), revision: undefined };
    const state = parseState(document.data);
    // A document the kit cannot read is never reset on the fly: that would lift a lock. The operator must look.
    if (state === undefined) throw new Failure('state_unavailable', { logDetail: 'state read: the user document is not in the kit format' });
    return { state, revision: document.revision };
  }

  /** Counts a wrong code on `on` in `state`, with its `challenge.failed` event and the lock or cap it starts. */
  function countFailure(state: UserState, on: Channel, now: number, failed: EventNote): Step<Counted> {
    const { state: next, lockBegins, capReached } = withFailure(state, on, policy, now);
    const notes: EventNote[] = [failed];
    const logs: string[] = [];
    if (lockBegins !== undefined) {
      notes.push({ type: 'lock.started', outcome: lockBegins.reason, detail: { lockSeconds: lockBegins.seconds, lockLevel: lockBegins.level } });
      const why = lockBegins.reason === 'threshold' ? `${policy.threshold} wrong codes in a row, lock ${lockBegins.level} since the last success` : 'daily limit of wrong codes';
      logs.push(`lockout: a user's ${on} channel is locked for ${lockBegins.seconds} s (${why})`);
    }
    if (capReached !== undefined) {
      const consecutive = consecutiveFailures(next);
      notes.push({ type: 'lock.started', outcome: capReached === 'account' ? 'hard_cap' : 'channel_cap', detail: { consecutiveFailures: consecutive } });
      logs.push(
        capReached === 'account'
          ? `lockout: a user reached the hard cap of ${policy.hardCap} consecutive wrong codes; no code is checked on any channel until support unlocks`
          : `lockout: a user's ${on} channel reached its share (${channelShare(policy, on)}) of the hard cap; it checks no code until a success elsewhere or support unlocks`,
      );
    }
    return { next, result: { lockBegins, capReached }, events: stampOn(on, notes, now), logs };
  }

  /** The checks in flight whose request is gone without an outcome: each counted as a wrong code that was never answered. */
  function settleLapsed(state: UserState, now: number): { state: UserState; events: ActivityEvent[]; logs: string[] } {
    let settled = state;
    const events: ActivityEvent[] = [];
    const logs: string[] = [];
    for (const on of CHANNELS) {
      for (const lapsed of lapsedReservations(settled, on, now)) {
        const without = withoutReservation(settled, on, lapsed.id) ?? settled;
        const counted = countFailure(without, on, now, { type: 'challenge.failed', outcome: 'unconfirmed' });
        settled = counted.next ?? without;
        events.push(...(counted.events ?? []));
        logs.push(...(counted.logs ?? []));
      }
    }
    // Devices whose time is up leave the state with the next write, reported like every device that leaves it.
    const fresh = withoutExpiredDevices(settled, now, trustedDeviceTtlMs);
    if (fresh.expired > 0) events.push(...stamp([forgottenNote('expired', fresh.expired)], now));
    return { state: fresh.state, events, logs };
  }

  /**
   * Applies `decide` to the freshest state and writes it with If-Match (or creates the document), retrying with a
   * fresh read when another writer got there first. The first try uses `snapshot`, so an uncontended step costs one
   * write. Checks in flight that lapsed are counted first, in the same write.
   */
  async function update<T>(snapshot: Snapshot, decide: (state: UserState, now: number) => Step<T>): Promise<{ result: T; snapshot: Snapshot }> {
    let current = snapshot;
    for (let attempt = 1; ; attempt += 1) {
      const now = nowMs();
      const settled = settleLapsed(pruned(current.state, now, activity.ttlMs), now);
      const step = decide(settled.state, now);
      const decided = step.next ?? (settled.events.length > 0 ? settled.state : undefined);
      if (decided === undefined) return { result: step.result, snapshot: current };
      // No device leaves the state unreported, whatever change dropped it; reported before the step's own events, so
      // a change and the code that allowed it stay side by side in the trail.
      const dropped = step.next === undefined ? 0 : droppedDevices(settled.state, step.next);
      const forgotten = dropped === 0 ? [] : stamp([forgottenNote(step.forgetReason ?? 'factor_deleted', dropped)], now);
      const events = [...settled.events, ...forgotten, ...(step.next === undefined ? [] : (step.events ?? []))];
      const next = withEvents(decided, events);
      const json = storedForm(next);
      const ttl = documentTtlSeconds(next, ttlSeconds);
      const written = current.revision === undefined ? await store.create(name, json, ttl) : await store.replace(name, json, current.revision, ttl);
      if (typeof written !== 'string') {
        for (const line of [...settled.logs, ...(step.next === undefined ? [] : (step.logs ?? []))]) options.log(line);
        if (events.length > 0) activity.onRecorded(events);
        return { result: step.result, snapshot: { state: next, revision: written.revision } };
      }
      if (attempt >= MAX_WRITE_ATTEMPTS) {
        throw new Failure('state_unavailable', { logDetail: `state write: lost ${attempt} compare-and-swap races in a row` });
      }
      await delay(Math.random() * RETRY_JITTER_MS * attempt);
      current = await read();
    }
  }

  /**
   * A reuse of a code accepted for `factor`: free up to REUSE_ALLOWANCE since the channel's last success (a
   * `challenge.reused` event), counted as a wrong code (`challenge.failed`, outcome `replay`) after that.
   */
  function reuseStep(state: UserState, now: number, factor: VerifiedFactor): Step<Answered> {
    const retryAfterSeconds = secondsToNextStep(factor.config.period, now);
    if (reuseIsFree(state, channel)) {
      return { next: withFreeReuse(state, channel), result: { counted: undefined, retryAfterSeconds }, events: stamp([{ type: 'challenge.reused', factorSid: factor.sid }], now) };
    }
    const counted = countFailure(state, channel, now, { type: 'challenge.failed', factorSid: factor.sid, outcome: 'replay' });
    return { ...counted, result: { counted: counted.result, retryAfterSeconds } };
  }

  /** A reuse is answered code_reused (after any lock or cap its count started); a wrong code, only by a lock or cap. */
  function answerReuse(answered: Answered): void {
    answerFailure(answered.counted);
    if (answered.retryAfterSeconds !== undefined) throw new Failure('code_reused', { retryAfterSeconds: answered.retryAfterSeconds });
  }

  /** A counted failure that starts a lock or reaches the cap is answered so; otherwise the caller answers. */
  function answerFailure(counted: Counted | undefined): void {
    if (counted?.capReached !== undefined) throw new Failure('capped');
    if (counted?.lockBegins !== undefined) throw new Failure('locked', { retryAfterSeconds: counted.lockBegins.seconds });
  }

  /**
   * `effects` applied to an approved outcome's state: the change, then the device it trusts (with its `device.trusted`
   * event), and why the devices that leave the state go.
   */
  function withEffects(state: UserState, now: number, effects: OutcomeEffects): { state: UserState; events: EventNote[]; forgetReason?: ForgetReason } {
    const changed = (effects.change ?? ((same: UserState) => same))(state);
    const { trust } = effects;
    if (trust === undefined) return { state: changed, events: [], forgetReason: effects.forgetReason };
    const record: TrustedDeviceRecord = {
      id: trust.id,
      digest: deviceDigest(trust.token),
      label: trust.label,
      browser: trust.browser,
      platform: trust.platform,
      trustedAt: now,
      lastUsedAt: now,
    };
    const trusted = withTrustedDevice(changed, record);
    return { state: trusted.state, events: [{ type: 'device.trusted', outcome: trust.method }], forgetReason: effects.forgetReason ?? 'replaced' };
  }

  /** Takes the enrollment's hold for `request`, by compare-and-swap, for `lifetimeMs` at most. */
  async function hold(request: HoldRequest, lifetimeMs: number): Promise<HoldTicket & { id: string }> {
    const id = randomUUID();
    const { result: refusal } = await update<Failure | undefined>(await read(), (state, now) => {
      // The factor the state knows as verified is never deleted without a step-up.
      if (request.phase === 'deleting' && state.factor?.sid === request.factorSid) return { next: undefined, result: new Failure('step_up_required') };
      const wait = holdWaitSeconds(state, now, request);
      if (wait > 0) return { next: undefined, result: new Failure('enrollment_in_progress', { retryAfterSeconds: wait }) };
      return { next: { ...state, enrollment: { id, until: now + lifetimeMs, ...request } }, result: undefined };
    });
    if (refusal !== undefined) throw refusal;
    return {
      id,
      async release(notes = []) {
        await update(await read(), (state, now) => {
          const mine = state.enrollment?.id === id;
          if (!mine && notes.length === 0) return { next: undefined, result: undefined };
          return { next: mine ? { ...state, enrollment: null } : state, result: undefined, events: stamp(notes, now) };
        });
      },
    };
  }

  return {
    async beginCodeCheck({ purpose, prepare, hold }) {
      const id = randomBytes(6).toString('base64url');
      const holdId = randomUUID();
      /** Why this check cannot begin now: a lock, the cap, the quota, or another request's hold on the enrollment. */
      const refusalOf = (state: UserState, now: number): Failure | undefined => {
        const refusal = reservationRefusal(state, channel, policy, now, purpose);
        if (refusal !== undefined) return refusalFailure(refusal);
        const wait = hold === undefined ? 0 : holdWaitSeconds(state, now, hold);
        return wait > 0 ? new Failure('enrollment_in_progress', { retryAfterSeconds: wait }) : undefined;
      };
      const first = await read();
      // Refused on the read alone, nothing is written; the reservation below decides again on the freshest state.
      const early = refusalOf(pruned(first.state, nowMs()), nowMs());
      if (early !== undefined) throw early;
      await prepare?.(first.state.factor ?? undefined);
      const reserved = await update<Failure | undefined>(first, (state, now) => {
        const refusal = refusalOf(state, now);
        if (refusal !== undefined) return { next: undefined, result: refusal };
        const next = withReservation(state, channel, { id, at: now, challenge: purpose === 'challenge' });
        const enrollment = hold === undefined ? next.enrollment : { id: holdId, until: now + IN_FLIGHT_MS, ...hold };
        return { next: { ...next, enrollment }, result: undefined };
      });
      if (reserved.result !== undefined) throw reserved.result;
      let { snapshot } = reserved;
      let factorChange: VerifiedFactor | null | undefined;
      let codeSent = false;
      let ended = false;
      /** The noted factor, and the end of this check's hold on the enrollment (if it took one and still has it). */
      const withFactor = (state: UserState): UserState => {
        const enrollment = state.enrollment?.id === holdId ? null : state.enrollment;
        return { ...state, enrollment, ...(factorChange === undefined ? {} : { factor: factorChange }) };
      };
      /** This check's reservation taken away from `state`; undefined when it is gone (lapsed and counted, or reset). */
      const withoutOwn = (state: UserState, unused = false): UserState | undefined => withoutReservation(withFactor(state), channel, id, unused);
      /** Records one outcome; the first call ends the check (a second outcome, or close, writes nothing). */
      async function outcome<T>(decide: (state: UserState, now: number) => Step<T>): Promise<T> {
        ended = true;
        const written = await update(snapshot, decide);
        snapshot = written.snapshot;
        return written.result;
      }
      /** Only the noted factor and the hold's end, when this check's reservation is gone and so is its outcome. */
      const factorOnly = <T>(state: UserState, result: T): Step<T> => {
        const changes = factorChange !== undefined || state.enrollment?.id === holdId;
        return { next: changes ? withFactor(state) : undefined, result };
      };

      return {
        knownFactor: snapshot.state.factor ?? undefined,
        noteFactor(factor) {
          factorChange = factor;
        },
        markCodeSent(sent) {
          codeSent = sent;
        },
        async refused(failed = {}) {
          const note: EventNote = { type: 'challenge.failed', factorSid: failed.factorSid, outcome: failed.outcome ?? 'wrong_code' };
          const { reuse } = failed;
          const result = await outcome<Answered>((state, now) => {
            const base = withoutOwn(state);
            if (base === undefined) return factorOnly(state, { counted: undefined });
            // Verify refused a code that a concurrent request had it accept: the user's double submit, not a guess.
            if (reuse !== undefined && isUsed(base, digest(reuse.factor.sid, reuse.code), now)) return reuseStep(base, now, reuse.factor);
            const counted = countFailure(base, channel, now, note);
            return { ...counted, result: { counted: counted.result } };
          });
          answerReuse(result);
        },
        async approved(factor, code, effects = {}) {
          const key = digest(factor.sid, code);
          const result = await outcome<Answered & { accepted: boolean }>((state, now) => {
            const base = withoutOwn(state);
            if (base === undefined) return factorOnly(state, { accepted: false, counted: undefined });
            // This code was accepted before (Verify may accept a step twice): it cannot stand again.
            if (isUsed(base, key, now)) {
              const reuse = reuseStep(base, now, factor);
              return { ...reuse, result: { ...reuse.result, accepted: false } };
            }
            const marked = withUsedCode(base, key, usedUntil(factor.config, now));
            const applied = withEffects(withSuccess(marked, channel), now, effects);
            const events = [...(effects.events ?? [{ type: 'challenge.approved', factorSid: factor.sid }]), ...applied.events];
            return { next: applied.state, result: { accepted: true, counted: undefined }, events: stamp(events, now), forgetReason: applied.forgetReason };
          });
          answerReuse(result);
          return result.accepted;
        },
        isReuse(factor, code) {
          return isUsed(snapshot.state, digest(factor.sid, code), nowMs());
        },
        async reused(factor) {
          const result = await outcome<Answered>((state, now) => {
            // No challenge was made: the check gives its place in the quota back.
            const base = withoutOwn(state, true);
            if (base === undefined) return factorOnly(state, { counted: undefined });
            return reuseStep(base, now, factor);
          });
          answerReuse(result);
          throw new Failure('code_reused', { retryAfterSeconds: result.retryAfterSeconds ?? 1 });
        },
        async activated(factor, code, recovery) {
          const key = digest(factor.sid, code);
          await outcome((state, now) => {
            // Verify's answer is final: the factor is verified even if this check's reservation lapsed meanwhile. The
            // hold ends only if it is still this check's: another request's is never cleared.
            const base = withoutOwn(state) ?? withFactor(state);
            const next: UserState = { ...withSuccess(withUsedCode(base, key, usedUntil(factor.config, now)), channel), factor, recovery };
            const events = stamp([{ type: 'factor.verified', factorSid: factor.sid }, { type: 'recovery_codes.generated', detail: { count: recoveryCodesLeft(recovery) } }], now);
            return { next, result: undefined, events };
          });
        },
        async redeemRecoveryCode(input, effects) {
          // The one password hash of this attempt, before the write (a compare-and-swap retry only compares again).
          const candidate = await options.recoveryCodes.prepare(withFactor(snapshot.state).recovery, input);
          const result = await outcome<{ left: number | undefined; counted?: Counted }>((state, now) => {
            const base = withoutOwn(state);
            if (base === undefined) return factorOnly(state, { left: undefined });
            const index = matchRecoveryCode(candidate, base.recovery);
            // Not one of the set (or one that a racing request used first): a wrong code, counted like any other.
            if (base.recovery === null || index === undefined) {
              const failure = countFailure(base, channel, now, { type: 'challenge.failed', outcome: 'wrong_recovery_code' });
              return { ...failure, result: { left: undefined, counted: failure.result } };
            }
            const recovery = withoutRecoveryCode(base.recovery, index);
            const left = recoveryCodesLeft(recovery);
            const spent: UserState = { ...withSuccess(base, channel), recovery };
            const applied = withEffects(spent, now, effects);
            const event: EventNote = { type: 'recovery_code.used', outcome: effects.purpose, detail: { recoveryCodesLeft: left } };
            if (effects.factorSid !== undefined) event.factorSid = effects.factorSid;
            return { next: applied.state, result: { left }, events: stamp([event, ...applied.events], now), forgetReason: applied.forgetReason };
          });
          answerFailure(result.counted);
          return result.left;
        },
        async redeemDevice(token) {
          const digest = deviceDigest(token);
          const result = await outcome<{ device: TrustedDeviceRecord | undefined; counted?: Counted }>((state, now) => {
            const base = withoutOwn(state);
            if (base === undefined) return factorOnly(state, { device: undefined });
            // Decided on the freshest state: a device forgotten by a racing request is not trusted here either.
            const device = deviceByDigest(base, digest, now, trustedDeviceTtlMs);
            if (device === undefined) {
              const failure = countFailure(base, channel, now, { type: 'challenge.failed', outcome: 'device_not_trusted' });
              return { ...failure, result: { device: undefined, counted: failure.result } };
            }
            const next = withDeviceUsed(withSuccess(base, channel), device.id, now);
            return { next, result: { device: { ...device, lastUsedAt: now } }, events: stamp([{ type: 'device.used' }], now) };
          });
          answerFailure(result.counted);
          return result.device;
        },
        async close() {
          if (ended) return;
          // No outcome: the reservation is given back, uncounted (a Verify outage must not lock users out; a guesser
          // cannot cause one). A code that may have reached Verify keeps its place in the quota: Verify may count it.
          await outcome((state) => ({ next: withoutOwn(state, !codeSent) ?? withFactor(state), result: undefined }));
        },
      };
    },

    async issueRecoveryCodes() {
      return options.recoveryCodes.issue();
    },

    async recoveryCodes() {
      const { recovery } = (await read()).state;
      return { left: recoveryCodesLeft(recovery), outdated: isOutdatedSet(recovery) };
    },

    async activity() {
      return recentActivity((await read()).state, nowMs(), activity.ttlMs);
    },

    async trustedDevices() {
      const now = nowMs();
      return (await read()).state.devices.filter((device) => isTrusted(device, now, trustedDeviceTtlMs)).reverse();
    },

    async forgetDevices(which) {
      const reason: ForgetReason = which === 'all' ? 'user_all' : 'user';
      const { result } = await update<number | undefined>(await read(), (state) => {
        const { state: next, forgotten } = withoutDevices(state, which);
        if (forgotten === 0) return { next: undefined, result: which === 'all' ? 0 : undefined };
        return { next, result: forgotten, forgetReason: reason };
      });
      if (result === undefined) throw new Failure('device_not_found');
      return result;
    },

    async record(notes, change) {
      await update(await read(), (state, now) => ({ next: change === undefined ? state : change(state), result: undefined, events: stamp(notes, now) }));
    },

    async holdEnrollment() {
      const ticket = await hold({ phase: 'creating' }, ENROLLMENT_HOLD_MS);
      return {
        release: ticket.release,
        async created(factorSid, notes, change = (same) => same) {
          await update(await read(), (state, now) => {
            const enrollment = state.enrollment?.id === ticket.id ? { ...state.enrollment, phase: 'created' as const, factorSid } : state.enrollment;
            return { next: change({ ...state, enrollment }), result: undefined, events: stamp(notes, now) };
          });
        },
      };
    },

    async holdDelete(factorSid) {
      return hold({ phase: 'deleting', factorSid }, IN_FLIGHT_MS);
    },
  };
}
