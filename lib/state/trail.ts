// The user's activity trail, as pure functions of the state: the events the user and support see, in the order they
// happened, with the record of what changed the account (factors, recovery codes, support) kept apart from the noise
// of code checks, so a burst of failures cannot push it out; repeated failures folded into one event with a count.
import type { ActivityEvent, ActivityType } from '../contract';
import type { UserState } from './model';

/** The last events a user can see (/list-activity). */
export const ACTIVITY_LIMIT = 50;
/**
 * How many of them may be changes to the account (factors, recovery codes, support): these are only ever pushed out
 * by newer ones of their kind, never by code checks, so the rest of the trail (at least 30) is for the checks.
 */
export const KEPT_LIMIT = 20;

/** What changed the account: the events a burst of code checks must never push out of "Recent activity". */
const KEPT_TYPES: ReadonlySet<ActivityType> = new Set<ActivityType>([
  'factor.created',
  'factor.verified',
  'factor.deleted',
  'recovery_codes.generated',
  'recovery_code.used',
  'device.trusted',
  'device.forgotten',
  'support.reset',
  'support.unlock',
]);

/** Repeated in a row, these fold into one event with a count (the first and the last time). */
const FOLDED_TYPES: ReadonlySet<ActivityType> = new Set<ActivityType>(['challenge.failed', 'challenge.reused']);

export function isKept(event: ActivityEvent): boolean {
  return KEPT_TYPES.has(event.type);
}

/** The same check failing the same way again: same type, channel, outcome and factor. */
function foldsInto(last: ActivityEvent | undefined, event: ActivityEvent): last is ActivityEvent {
  return (
    last !== undefined &&
    FOLDED_TYPES.has(event.type) &&
    last.type === event.type &&
    last.channel === event.channel &&
    last.outcome === event.outcome &&
    last.factorSid === event.factorSid &&
    last.detail === undefined &&
    event.detail === undefined
  );
}

/** `event` folded into `last`: one event, counted, from the first one's time to this one's, under the first one's id. */
function folded(last: ActivityEvent, event: ActivityEvent): ActivityEvent {
  return { ...last, occurredAt: event.occurredAt, count: (last.count ?? 1) + 1, firstOccurredAt: last.firstOccurredAt ?? last.occurredAt };
}

/**
 * Drops events until `keep` says the trail fits: the oldest code checks first, then (only when there are none left)
 * the oldest changes to the account.
 */
function dropOldest(trail: ActivityEvent[], fits: (trail: ActivityEvent[]) => boolean): ActivityEvent[] {
  let kept = trail;
  while (!fits(kept) && kept.length > 0) {
    const routine = kept.findIndex((event) => !isKept(event));
    const at = routine === -1 ? 0 : routine;
    kept = kept.filter((_, index) => index !== at);
  }
  return kept;
}

/** Appends events to the trail, oldest first: repeated failures fold, and at most ACTIVITY_LIMIT stay (KEPT_LIMIT changes). */
export function withEvents(state: UserState, events: readonly ActivityEvent[]): UserState {
  if (events.length === 0) return state;
  const trail = [...state.trail];
  for (const event of events) {
    const last = trail[trail.length - 1];
    if (foldsInto(last, event)) trail[trail.length - 1] = folded(last, event);
    else trail.push(event);
  }
  let changes = trail.filter(isKept).length;
  // Changes over their limit give way to newer changes only.
  const bounded = trail.filter((event) => {
    if (!isKept(event) || changes <= KEPT_LIMIT) return true;
    changes -= 1;
    return false;
  });
  return { ...state, trail: dropOldest(bounded, (candidate) => candidate.length <= ACTIVITY_LIMIT) };
}

/** The trail with as many of its oldest code checks (then changes) left out as it takes for `fits` to hold. */
export function trailWithin(trail: ActivityEvent[], fits: (trail: ActivityEvent[]) => boolean): ActivityEvent[] {
  return dropOldest(trail, fits);
}

/** The trail as the user sees it: newest first, nothing older than `ttlMs` (a folded event by its last time). */
export function recentActivity(state: UserState, nowMs: number, ttlMs: number): ActivityEvent[] {
  return state.trail.filter((event) => Date.parse(event.occurredAt) > nowMs - ttlMs).reverse();
}
