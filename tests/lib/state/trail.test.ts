// The activity trail of lib/state/trail.ts as pure functions of the state (security review 3, item 3): a burst of
// failures cannot push the changes to the account out, repeated failures fold into one event with a count and the
// first and last times, and the order stays the order things happened in.
import type { ActivityEvent } from '../../../lib/contract';
import { createEvent, type NewEvent } from '../../../lib/events/security-events';
import { emptyState, parseState, storedForm, type UserState } from '../../../lib/state/model';
import { ACTIVITY_LIMIT, isKept, KEPT_LIMIT, recentActivity, withEvents } from '../../../lib/state/trail';

const T0 = Date.UTC(2030, 0, 1);
const FACTOR = `YF${'a'.repeat(32)}`;

let clock = T0;
function at(fields: NewEvent): ActivityEvent {
  clock += 1000;
  return createEvent(fields, new Date(clock));
}
const failed = (outcome = 'wrong_code', channel: 'web' | 'studio' = 'web'): ActivityEvent => at({ type: 'challenge.failed', channel, factorSid: FACTOR, outcome });
const locked = (): ActivityEvent => at({ type: 'lock.started', channel: 'studio', outcome: 'threshold', detail: { lockSeconds: 60, lockLevel: 1 } });

function record(state: UserState, ...events: ActivityEvent[]): UserState {
  return events.reduce((next, event) => withEvents(next, [event]), state);
}

test('the changes to the account are factors, recovery codes and support; code checks and locks are not', () => {
  const kept = ['factor.created', 'factor.verified', 'factor.deleted', 'recovery_codes.generated', 'recovery_code.used', 'support.reset', 'support.unlock'] as const;
  for (const type of kept) expect(isKept(at({ type, channel: 'web' }))).toBe(true);
  for (const type of ['challenge.approved', 'challenge.failed', 'challenge.reused', 'lock.started'] as const) expect(isKept(at({ type, channel: 'web' }))).toBe(false);
});

test('a burst of failures by phone (with their locks) cannot push the set-up, the recovery-code use or support out', () => {
  const changes = [
    at({ type: 'factor.created', channel: 'web', factorSid: FACTOR }),
    at({ type: 'factor.verified', channel: 'web', factorSid: FACTOR }),
    at({ type: 'recovery_codes.generated', channel: 'web', detail: { count: 10 } }),
    at({ type: 'recovery_code.used', channel: 'web', outcome: 'sign_in', detail: { recoveryCodesLeft: 9 } }),
    at({ type: 'support.unlock', channel: 'support', outcome: 'all', detail: { locksLifted: 1 } }),
  ];
  let state = record(emptyState(), ...changes);
  // 200 failures, a lock after every fifth: neither folds into the other, so they fill the trail.
  for (let i = 0; i < 40; i += 1) state = record(state, failed('wrong_code', 'studio'), locked());
  expect(state.trail).toHaveLength(ACTIVITY_LIMIT);
  expect(state.trail.filter(isKept)).toEqual(changes);
  // In the order they happened: the changes first (oldest), then the newest code checks.
  expect(state.trail.slice(0, changes.length)).toEqual(changes);
});

test('repeated failures fold into one event: the first id and time, the last time, the count', () => {
  const first = failed();
  const rest = [failed(), failed(), failed()];
  const state = record(emptyState(), first, ...rest);
  expect(state.trail).toEqual([{ ...first, occurredAt: rest[2]?.occurredAt, count: 4, firstOccurredAt: first.occurredAt }]);
  // Folded within one write too, and the folded form is one the kit reads back.
  expect(withEvents(emptyState(), [first, ...rest]).trail).toEqual(state.trail);
  expect(parseState(JSON.parse(storedForm(state)))?.trail).toEqual(state.trail);
});

test('a fold ends at another outcome, channel, factor or event in between', () => {
  const state = record(emptyState(), failed(), failed('replay'), failed('replay', 'studio'), locked(), failed('replay', 'studio'), at({ type: 'challenge.failed', channel: 'web', outcome: 'wrong_code' }));
  expect(state.trail.map((event) => [event.outcome, event.channel, event.count ?? 1])).toEqual([
    ['wrong_code', 'web', 1],
    ['replay', 'web', 1],
    ['replay', 'studio', 1],
    ['threshold', 'studio', 1],
    ['replay', 'studio', 1],
    ['wrong_code', 'web', 1],
  ]);
});

test('reuses fold too; approvals never do', () => {
  const reused = (): ActivityEvent => at({ type: 'challenge.reused', channel: 'web', factorSid: FACTOR });
  const approved = (): ActivityEvent => at({ type: 'challenge.approved', channel: 'web', factorSid: FACTOR });
  const state = record(emptyState(), reused(), reused(), approved(), approved());
  expect(state.trail.map((event) => [event.type, event.count ?? 1])).toEqual([
    ['challenge.reused', 2],
    ['challenge.approved', 1],
    ['challenge.approved', 1],
  ]);
});

test(`at most ${KEPT_LIMIT} changes stay, the newest; they give way only to newer changes`, () => {
  const changes = Array.from({ length: KEPT_LIMIT + 5 }, () => at({ type: 'factor.created', channel: 'web', factorSid: FACTOR }));
  const checks = Array.from({ length: 10 }, () => at({ type: 'challenge.approved', channel: 'web', factorSid: FACTOR }));
  const state = record(emptyState(), ...checks, ...changes);
  expect(state.trail.filter(isKept)).toEqual(changes.slice(5));
  expect(state.trail.filter((event) => !isKept(event))).toEqual(checks);
});

test('recent activity is newest first, a folded event by its last time', () => {
  const change = at({ type: 'factor.verified', channel: 'web', factorSid: FACTOR });
  const [one, two] = [failed(), failed()];
  const state = record(emptyState(), change, one as ActivityEvent, two as ActivityEvent);
  const recent = recentActivity(state, clock, 1500);
  expect(recent.map((event) => [event.type, event.count ?? 1])).toEqual([['challenge.failed', 2]]);
  expect(recentActivity(state, clock, 10_000).map((event) => event.type)).toEqual(['challenge.failed', 'factor.verified']);
});
