// The kit's own security checks around every code check, on the per-user state in Sync: the lock check before Verify,
// the atomic "used" record after it (replay guard) together with the failure count, and one enrollment at a time.
// Every write is a compare-and-swap on the user's one document (lib/state.ts); any doubt fails closed.
import { createHmac, randomUUID, type KeyObject } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { Failure } from './failures';
import type { StateStore } from './state';
import {
  emptyState,
  enrollmentHeldSeconds,
  ENROLLMENT_HOLD_MS,
  isUsed,
  lockRemainingSeconds,
  parseState,
  pruned,
  storedForm,
  usedUntil,
  withFailure,
  withSuccess,
  withUsedCode,
  type Channel,
  type FailureResult,
  type LockoutPolicy,
  type UserState,
  type VerifiedFactor,
} from './state-model';

/** Garbage collection only (Sync's TTL is approximate; no decision reads it): well beyond any lock or code window. */
export const STATE_TTL_SECONDS = 30 * 86_400;
/** Writes that may lose a race in a row before the request gives up (fails closed); each loss means another writer won. */
export const MAX_WRITE_ATTEMPTS = 10;
/** Upper bound of the random pause before retrying a lost race, per attempt so far (spreads a burst of writers out). */
const RETRY_JITTER_MS = 15;

export interface StateGuardOptions {
  store: StateStore;
  /** The user's HMAC identity (lib/auth.ts): the document's name, so no Sync object takes more than one user's writes. */
  identity: string;
  channel: Channel;
  policy: LockoutPolicy;
  now: () => Date;
  /** Keys the digest under which a used code is recorded (Sync never sees a code). */
  codeKey: KeyObject;
  /** One line when a lock begins; never personal data. */
  log: (line: string) => void;
}

/** One code check in progress, from the lock check to the recorded outcome. */
export interface CodeAttempt {
  /** The verified factor as the state last recorded it; undefined when the state does not know it. */
  readonly knownFactor: VerifiedFactor | undefined;
  /** Records the verified factor with this attempt's outcome (the next check then needs no factor list). */
  noteFactor(factor: VerifiedFactor | null): void;
  /** Writes a noted factor change now, when no outcome will be recorded (e.g. the known factor turned out deleted). */
  saveFactor(): Promise<void>;
  /** Verify refused the code: count it. Throws Failure('locked') when this failure starts a lock. */
  refused(): Promise<void>;
  /**
   * Verify approved the code: record it as used, atomically. False when the code was used already or another attempt
   * was recorded since the lock check; that counts as a wrong code (and may throw Failure('locked') the same way).
   */
  approved(factor: VerifiedFactor, code: string): Promise<boolean>;
  /**
   * The first code of a new factor was accepted (Verify has activated it): record the code as used and the factor as
   * the verified one, and end the enrollment in flight. Never refused: Verify's answer is already final.
   */
  activated(factor: VerifiedFactor, code: string): Promise<void>;
}

export interface EnrollmentTicket {
  /** Lets the next /create-factor go ahead at once (after a failed enrollment); best effort, the hold expires anyway. */
  release(): Promise<void>;
}

export interface StateGuard {
  /** Step 1 of every code check: throws Failure('locked') while this channel is locked, without asking Verify. */
  beginCodeCheck(): Promise<CodeAttempt>;
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
}

export function createStateGuard(options: StateGuardOptions): StateGuard {
  const { store, channel, policy } = options;
  const name = `totp-user-${options.identity}`;
  const nowMs = (): number => options.now().getTime();

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
      const { next, result } = decide(pruned(current.state, now), now);
      if (next === undefined) return { result, snapshot: current };
      const data = storedForm(next);
      const written =
        current.revision === undefined ? await store.create(name, data, STATE_TTL_SECONDS) : await store.replace(name, data, current.revision, STATE_TTL_SECONDS);
      if (typeof written !== 'string') return { result, snapshot: { state: next, revision: written.revision } };
      if (attempt >= MAX_WRITE_ATTEMPTS) {
        throw new Failure('state_unavailable', { logDetail: `state write: lost ${attempt} compare-and-swap races in a row` });
      }
      await delay(Math.random() * RETRY_JITTER_MS * attempt);
      current = await read();
    }
  }

  /** Counts a wrong code in `state`; the result says whether that started a lock. */
  function countFailure(state: UserState, now: number): Step<LockBegins | undefined> {
    const { state: next, lockBegins } = withFailure(state, channel, policy, now);
    return { next, result: lockBegins };
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
        async refused() {
          const { result, snapshot: written } = await update(snapshot, (state, now) => countFailure(withFactor(state), now));
          snapshot = written;
          afterFailure(result);
        },
        async approved(factor, code) {
          const key = digest(factor.sid, code);
          const { result, snapshot: written } = await update(snapshot, (state, now) => {
            const base = withFactor(state);
            const marked = withUsedCode(base, key, usedUntil(factor.config, now));
            // A replay, or a race: another outcome was recorded since this check's lock check, so this one cannot stand.
            if (isUsed(base, key, now) || base[channel].attempts !== attemptsAtCheck) {
              const failure = countFailure(marked, now);
              return { next: failure.next, result: { accepted: false, lock: failure.result } };
            }
            return { next: withSuccess(marked, channel), result: { accepted: true, lock: undefined } };
          });
          snapshot = written;
          afterFailure(result.lock);
          return result.accepted;
        },
        async activated(factor, code) {
          const key = digest(factor.sid, code);
          ({ snapshot } = await update(snapshot, (state, now) => {
            let next: UserState = { ...withUsedCode(state, key, usedUntil(factor.config, now)), factor, enrollment: null };
            // A success resets the count only if nothing else was recorded meanwhile (a race keeps the stricter state).
            if (state[channel].attempts === attemptsAtCheck) next = withSuccess(next, channel);
            return { next, result: undefined };
          }));
        },
      };
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
