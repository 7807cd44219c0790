// The user's security state on Sync, read and written by compare-and-swap on the user's one document: the lock check
// before Verify, the atomic "used" record after it (replay guard) with the failure count, one enrollment at a time, the
// recovery codes (issued, redeemed), the verified factor and the activity trail. Any doubt fails closed.
// The rules are pure (./model.ts); the only Sync caller is ./sync-store.ts.
import { createHmac, randomUUID, type KeyObject } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import type { ActivityEvent, Channel } from '../contract';
import { createEvent, type EventNote } from '../events/security-events';
import { Failure } from '../core/failures';
import { createRecoveryCodes, findRecoveryCode, type RecoveryCodeHashes } from '../core/recovery-codes';
import type { StateStore } from './sync-store';
import {
  emptyState,
  enrollmentHeldSeconds,
  ENROLLMENT_HOLD_MS,
  isUsed,
  lockRemainingSeconds,
  parseState,
  pruned,
  recentActivity,
  storedForm,
  usedUntil,
  withFailure,
  withEvents,
  withSuccess,
  withUsedCode,
  type FailureResult,
  type LockoutPolicy,
  type UserState,
  type VerifiedFactor,
} from './model';

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

/** The document lives as long as the longest thing it keeps (Sync's TTL only collects it; no decision reads the TTL). */
export function stateTtlSeconds(activityTtlMs: number): number {
  return Math.max(STATE_TTL_SECONDS, Math.ceil(activityTtlMs / 1000));
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
  /** One line when a lock begins; never personal data. */
  log: (line: string) => void;
  /** The user's security activity: kept in the same document, written in the same compare-and-swap as each outcome. */
  activity: {
    /** Events older than this are dropped from the trail (ACTIVITY_TTL_DAYS). */
    ttlMs: number;
    /** Called with the events of each successful write, for the log line and the host's webhook (lib/events/security-events.ts). */
    onRecorded: (events: ActivityEvent[]) => void;
  };
}

/** What a change to the state may also set: the recovery codes and factor go with the outcome, in one write. */
export type StateChange = (state: UserState) => UserState;

/** One code check in progress, from the lock check to the recorded outcome. */
export interface CodeAttempt {
  /** The verified factor as the state last recorded it; undefined when the state does not know it. */
  readonly knownFactor: VerifiedFactor | undefined;
  /** Records the verified factor with this attempt's outcome (the next check then needs no factor list). */
  noteFactor(factor: VerifiedFactor | null): void;
  /** Writes a noted factor change now, when no outcome will be recorded (e.g. the known factor turned out deleted). */
  saveFactor(): Promise<void>;
  /**
   * Verify refused the code: count it, with a `challenge.failed` event (`outcome` default `wrong_code`). Throws
   * Failure('locked') when this failure starts a lock.
   */
  refused(failed?: { factorSid?: string; outcome?: string }): Promise<void>;
  /**
   * Verify approved the code: record it as used, atomically, with `events` (default `challenge.approved`) and `change`.
   * False when the code was used already or another attempt was recorded since the lock check; that counts as a wrong
   * code (and may throw Failure('locked') the same way).
   */
  approved(factor: VerifiedFactor, code: string, effects?: { events?: EventNote[]; change?: StateChange }): Promise<boolean>;
  /**
   * The first code of a new factor was accepted (Verify has activated it): record the code as used, the factor as the
   * verified one and its new recovery codes, and end the enrollment in flight. Never refused: Verify's answer is final.
   */
  activated(factor: VerifiedFactor, code: string, recovery: RecoveryCodeHashes): Promise<void>;
  /**
   * A recovery code instead of an authenticator code: used up atomically if it is one of the set, with `event` and
   * `change`; the codes left, or undefined when it is not one (counted as a wrong code, may throw Failure('locked')).
   * The `recovery_code.used` event names `purpose` as its outcome.
   */
  redeemRecoveryCode(input: string, effects: { purpose: string; factorSid?: string; change?: StateChange }): Promise<number | undefined>;
}

export interface EnrollmentTicket {
  /** Lets the next /create-factor go ahead at once (after a failed enrollment); best effort, the hold expires anyway. */
  release(): Promise<void>;
}

export interface SecurityState {
  /** Step 1 of every code check: throws Failure('locked') while this channel is locked, without asking Verify. */
  beginCodeCheck(): Promise<CodeAttempt>;
  /** A new set of recovery codes, keyed like the rest of the state: the codes to show once, the hashes to keep. No I/O. */
  issueRecoveryCodes(): { codes: string[]; stored: RecoveryCodeHashes };
  /** Unused recovery codes of the current set (a read). */
  recoveryCodesLeft(): Promise<number>;
  /** The user's recent security events, newest first (a read). */
  activity(): Promise<ActivityEvent[]>;
  /** Writes events that come with no other change (a factor created or deleted), with `change` if given. */
  record(events: EventNote[], change?: StateChange): Promise<void>;
  /** Holds the user's enrollment for ~30 s; throws Failure('enrollment_in_progress') while another one holds it. */
  holdEnrollment(): Promise<EnrollmentTicket>;
}

type LockBegins = NonNullable<FailureResult['lockBegins']>;

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
}

export function createSecurityState(options: SecurityStateOptions): SecurityState {
  const { store, channel, policy } = options;
  const name = stateDocumentName(options.identity);
  const nowMs = (): number => options.now().getTime();
  const { activity } = options;
  const ttlSeconds = stateTtlSeconds(activity.ttlMs);
  const stamp = (notes: readonly EventNote[], now: number): ActivityEvent[] =>
    notes.map((note) => createEvent({ ...note, channel }, new Date(now)));

  function digest(factorSid: string, code: string): string {
    return createHmac('sha256', options.codeKey).update(`used-code\0${factorSid}\0${code}`).digest('base64url').slice(0, 22);
  }

  async function read(): Promise<Snapshot> {
    const document = await store.fetch(name);
    if (document === undefined) return { state: emptyState(), revision: undefined };
    const state = parseState(document.data);
    // A document the kit cannot read is never reset on the fly: that would lift a lock. The operator must look.
    if (state === undefined) throw new Failure('state_unavailable', { logDetail: 'state read: the user document is not in the kit format' });
    return { state, revision: document.revision };
  }

  /**
   * Applies `decide` to the freshest state and writes it with If-Match (or creates the document), retrying with a
   * fresh read when another writer got there first. The first try uses `snapshot`, so an uncontended check costs one
   * read and one write.
   */
  async function update<T>(snapshot: Snapshot, decide: (state: UserState, now: number) => Step<T>): Promise<{ result: T; snapshot: Snapshot }> {
    let current = snapshot;
    for (let attempt = 1; ; attempt += 1) {
      const now = nowMs();
      const { next: decided, result, events = [] } = decide(pruned(current.state, now, activity.ttlMs), now);
      if (decided === undefined) return { result, snapshot: current };
      const next = withEvents(decided, events);
      const json = storedForm(next);
      const written =
        current.revision === undefined ? await store.create(name, json, ttlSeconds) : await store.replace(name, json, current.revision, ttlSeconds);
      if (typeof written !== 'string') {
        if (events.length > 0) activity.onRecorded(events);
        return { result, snapshot: { state: next, revision: written.revision } };
      }
      if (attempt >= MAX_WRITE_ATTEMPTS) {
        throw new Failure('state_unavailable', { logDetail: `state write: lost ${attempt} compare-and-swap races in a row` });
      }
      await delay(Math.random() * RETRY_JITTER_MS * attempt);
      current = await read();
    }
  }

  /** Counts a wrong code in `state`, with its `challenge.failed` event; the result says whether that started a lock. */
  function countFailure(state: UserState, now: number, failed: EventNote): Step<LockBegins | undefined> {
    const { state: next, lockBegins } = withFailure(state, channel, policy, now);
    const notes: EventNote[] = [failed];
    if (lockBegins !== undefined) notes.push({ type: 'lock.started', outcome: lockBegins.reason, detail: { lockSeconds: lockBegins.seconds, lockLevel: lockBegins.level } });
    return { next, result: lockBegins, events: stamp(notes, now) };
  }

  /** A lock that begins is logged once (no user, no code) and answered `locked` with its length. */
  function afterFailure(lock: LockBegins | undefined): void {
    if (lock === undefined) return;
    const why = lock.reason === 'threshold' ? `${policy.threshold} wrong codes in a row, lock ${lock.level} since the last success` : 'daily limit of wrong codes';
    options.log(`lockout: a user's ${channel} channel is locked for ${lock.seconds} s (${why})`);
    throw new Failure('locked', { retryAfterSeconds: lock.seconds });
  }

  return {
    async beginCodeCheck() {
      let snapshot = await read();
      const remaining = lockRemainingSeconds(snapshot.state, channel, nowMs());
      if (remaining > 0) throw new Failure('locked', { retryAfterSeconds: remaining });
      const attemptsAtCheck = snapshot.state[channel].attempts;
      let factorChange: VerifiedFactor | null | undefined;
      const withFactor = (state: UserState): UserState => (factorChange === undefined ? state : { ...state, factor: factorChange });

      return {
        knownFactor: snapshot.state.factor ?? undefined,
        noteFactor(factor) {
          factorChange = factor;
        },
        async saveFactor() {
          if (factorChange === undefined) return;
          ({ snapshot } = await update(snapshot, (state) => ({ next: withFactor(state), result: undefined })));
        },
        async refused(failed = {}) {
          const note: EventNote = { type: 'challenge.failed', factorSid: failed.factorSid, outcome: failed.outcome ?? 'wrong_code' };
          const { result, snapshot: written } = await update(snapshot, (state, now) => countFailure(withFactor(state), now, note));
          snapshot = written;
          afterFailure(result);
        },
        async approved(factor, code, effects = {}) {
          const key = digest(factor.sid, code);
          const { result, snapshot: written } = await update(snapshot, (state, now) => {
            const base = withFactor(state);
            const marked = withUsedCode(base, key, usedUntil(factor.config, now));
            // A replay, or a race: another outcome was recorded since this check's lock check, so this one cannot stand.
            if (isUsed(base, key, now) || base[channel].attempts !== attemptsAtCheck) {
              const failure = countFailure(marked, now, { type: 'challenge.failed', factorSid: factor.sid, outcome: 'replay' });
              return { ...failure, result: { accepted: false, lock: failure.result } };
            }
            const change = effects.change ?? ((same: UserState) => same);
            const events = effects.events ?? [{ type: 'challenge.approved', factorSid: factor.sid }];
            return { next: change(withSuccess(marked, channel)), result: { accepted: true, lock: undefined }, events: stamp(events, now) };
          });
          snapshot = written;
          afterFailure(result.lock);
          return result.accepted;
        },
        async activated(factor, code, recovery) {
          const key = digest(factor.sid, code);
          ({ snapshot } = await update(snapshot, (state, now) => {
            let next: UserState = { ...withUsedCode(state, key, usedUntil(factor.config, now)), factor, enrollment: null, recovery };
            // A success resets the count only if nothing else was recorded meanwhile (a race keeps the stricter state).
            if (state[channel].attempts === attemptsAtCheck) next = withSuccess(next, channel);
            const events = stamp([{ type: 'factor.verified', factorSid: factor.sid }, { type: 'recovery_codes.generated', detail: { count: recovery.hashes.length } }], now);
            return { next, result: undefined, events };
          }));
        },
        async redeemRecoveryCode(input, effects) {
          const { result, snapshot: written } = await update<{ left: number | undefined; lock: LockBegins | undefined }>(snapshot, (state, now) => {
            const base = withFactor(state);
            const index = base.recovery === null ? undefined : findRecoveryCode(options.codeKey, base.recovery, input);
            // Not one of the set (or one that a racing request used first): a wrong code, counted like any other.
            if (base.recovery === null || index === undefined || base[channel].attempts !== attemptsAtCheck) {
              const failure = countFailure(base, now, { type: 'challenge.failed', outcome: 'wrong_recovery_code' });
              return { ...failure, result: { left: undefined, lock: failure.result } };
            }
            const hashes = base.recovery.hashes.filter((_, at) => at !== index);
            const spent: UserState = { ...withSuccess(base, channel), recovery: { ...base.recovery, hashes } };
            const next = (effects.change ?? ((same: UserState) => same))(spent);
            const event: EventNote = { type: 'recovery_code.used', outcome: effects.purpose, detail: { recoveryCodesLeft: hashes.length } };
            if (effects.factorSid !== undefined) event.factorSid = effects.factorSid;
            return { next, result: { left: hashes.length, lock: undefined }, events: stamp([event], now) };
          });
          snapshot = written;
          afterFailure(result.lock);
          return result.left;
        },
      };
    },

    issueRecoveryCodes() {
      return createRecoveryCodes(options.codeKey);
    },

    async recoveryCodesLeft() {
      return (await read()).state.recovery?.hashes.length ?? 0;
    },

    async activity() {
      return recentActivity((await read()).state, nowMs(), activity.ttlMs);
    },

    async record(notes, change) {
      await update(await read(), (state, now) => ({ next: change === undefined ? state : change(state), result: undefined, events: stamp(notes, now) }));
    },

    async holdEnrollment() {
      const id = randomUUID();
      const { result: heldSeconds, snapshot } = await update(await read(), (state, now) => {
        const held = enrollmentHeldSeconds(state, now);
        if (held > 0) return { next: undefined, result: held };
        return { next: { ...state, enrollment: { id, until: now + ENROLLMENT_HOLD_MS } }, result: 0 };
      });
      if (heldSeconds > 0) throw new Failure('enrollment_in_progress', { retryAfterSeconds: heldSeconds });
      return {
        async release() {
          await update(snapshot, (state) => ({
            next: state.enrollment?.id === id ? { ...state, enrollment: null } : undefined,
            result: undefined,
          }));
        },
      };
    },
  };
}
