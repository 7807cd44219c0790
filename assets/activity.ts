// Recent activity in plain words: the account's security events (POST /list-activity, newest first) folded into the
// lines a person reads ("5 wrong codes, then locked for 1 minute"), each with a tone and a local time. Pure (no DOM).
import type { ActivityChannel, ActivityEvent } from '../lib/contract';
import type { Translator } from './translator';

/** `alert` for what a person should notice (wrong codes, locks), `ok` for a passed check, `info` for the rest. */
export type ActivityTone = 'ok' | 'alert' | 'info';

export interface ActivityItem {
  /** The newest event's id: a stable key for the line. */
  id: string;
  /** When the newest event of the line happened (ISO 8601). */
  occurredAt: string;
  channel: ActivityChannel;
  tone: ActivityTone;
  /** How many events of the trail the line stands for (a folded event is one). */
  events: number;
  describe(t: Translator): string;
}

/** A step-up approval this close before a change it allowed is part of that change, not a sign-in of its own. */
const STEP_UP_WINDOW_MS = 60_000;

const isFailure = (event: ActivityEvent | undefined): event is ActivityEvent => event?.type === 'challenge.failed';
/** The hard cap (or the voice channel's share of it): no time ends it, only support. */
const isCap = (event: ActivityEvent): boolean => event.outcome === 'hard_cap' || event.outcome === 'channel_cap';

function msBetween(newer: ActivityEvent, older: ActivityEvent): number {
  return Date.parse(newer.occurredAt) - Date.parse(older.occurredAt);
}

/** The approval that allowed `change` (the next older event): same factor, same channel, moments before. */
function isStepUpFor(change: ActivityEvent, older: ActivityEvent | undefined): boolean {
  if (older?.type !== 'challenge.approved' || older.channel !== change.channel) return false;
  if (change.type === 'factor.deleted' && older.factorSid !== change.factorSid) return false;
  if (change.type === 'recovery_codes.generated' && older.outcome !== 'step_up') return false;
  return msBetween(change, older) <= STEP_UP_WINDOW_MS;
}

function failureText(event: ActivityEvent): (t: Translator) => string {
  if (event.outcome === 'replay') return (t) => t.text('activity.replay');
  if (event.outcome === 'wrong_recovery_code') return (t) => t.text('activity.wrongRecoveryCode');
  return (t) => t.text('activity.wrongCode');
}

const count = (event: ActivityEvent, name: string): number => event.detail?.[name] ?? 0;

/** One event on its own line. */
function single(event: ActivityEvent): Pick<ActivityItem, 'tone' | 'describe'> {
  switch (event.type) {
    case 'factor.created':
      return { tone: 'info', describe: (t) => t.text('activity.factorCreated') };
    case 'factor.verified':
      return { tone: 'ok', describe: (t) => t.text('activity.factorVerified') };
    case 'factor.deleted':
      return { tone: 'info', describe: (t) => t.text('activity.factorDeleted') };
    case 'challenge.approved':
      return { tone: 'ok', describe: (t) => t.text(event.outcome === 'step_up' ? 'activity.stepUp' : 'activity.approved') };
    case 'challenge.failed':
      return { tone: 'alert', describe: failureText(event) };
    case 'challenge.reused':
      // The person's own double submit, most likely: worth a line, not an alarm.
      return { tone: 'info', describe: (t) => t.text('activity.reused') };
    case 'lock.started': {
      if (isCap(event)) return { tone: 'alert', describe: (t) => t.text('activity.capped') };
      const key = event.outcome === 'daily_limit' ? 'activity.lockedDaily' : 'activity.locked';
      return { tone: 'alert', describe: (t) => t.text(key, { wait: t.span(count(event, 'lockSeconds')) }) };
    }
    case 'recovery_codes.generated':
      return { tone: 'info', describe: (t) => t.plural('activity.codesGenerated', count(event, 'count')) };
    case 'recovery_code.used':
      // A lost phone's delete (usually folded into its factor.deleted line), or a sign-in.
      if (event.outcome === 'delete_factor') return { tone: 'info', describe: (t) => t.text('activity.deletedWithRecovery') };
      return { tone: 'info', describe: (t) => t.plural('activity.recoverySignIn', count(event, 'recoveryCodesLeft')) };
    case 'device.trusted':
      return { tone: 'info', describe: (t) => t.text('activity.deviceTrusted') };
    case 'device.used':
      return { tone: 'ok', describe: (t) => t.text('activity.deviceUsed') };
    case 'device.forgotten':
      // However it came (the person, a recovery code, the authenticator deleted, expiry): how many.
      return { tone: 'info', describe: (t) => t.plural('activity.devicesForgotten', count(event, 'devices') || 1) };
    case 'support.reset':
      return { tone: 'info', describe: (t) => t.text('activity.supportReset') };
    case 'support.unlock':
      return { tone: 'info', describe: (t) => t.text('activity.supportUnlock') };
    default:
      // A type this page does not know yet (a newer kit): shown, never hidden.
      return { tone: 'info', describe: (t) => t.text('activity.other') };
  }
}

/**
 * Folds `events` (newest first) into lines:
 * - a lock with the wrong codes right before it on the same channel: "5 wrong codes, then locked for 1 minute";
 * - several wrong codes in a row without a lock: "3 wrong codes";
 * - a change and the code that allowed it (a delete, a new set of recovery codes): the change only;
 * - a delete with a recovery code (a lost phone): one line that says so.
 */
export function summarizeActivity(events: readonly ActivityEvent[]): ActivityItem[] {
  const items: ActivityItem[] = [];
  let index = 0;
  const push = (first: ActivityEvent, used: number, line: Pick<ActivityItem, 'tone' | 'describe'>): void => {
    items.push({ id: first.id, occurredAt: first.occurredAt, channel: first.channel, events: used, ...line });
    index += used;
  };
  /** Consecutive wrong-code events on `channel` from `start` on (older and older), and the wrong codes they stand for. */
  const failuresFrom = (start: number, channel: ActivityChannel): { events: number; codes: number } => {
    let end = start;
    let codes = 0;
    for (let event = events[end]; isFailure(event) && event.channel === channel; event = events[end]) {
      // The trail folds the same failure repeated in a row into one event with its count.
      codes += event.count ?? 1;
      end += 1;
    }
    return { events: end - start, codes };
  };

  while (index < events.length) {
    const event = events[index] as ActivityEvent;
    const older = events[index + 1];
    if (event.type === 'lock.started') {
      const failures = isCap(event) ? { events: 0, codes: 0 } : failuresFrom(index + 1, event.channel);
      if (failures.events === 0) push(event, 1, single(event));
      else {
        const seconds = count(event, 'lockSeconds');
        push(event, 1 + failures.events, { tone: 'alert', describe: (t) => t.plural('activity.wrongCodesLocked', failures.codes, { wait: t.span(seconds) }) });
      }
    } else if (event.type === 'challenge.failed') {
      const failures = failuresFrom(index, event.channel);
      if (failures.codes === 1) push(event, 1, single(event));
      else push(event, failures.events, { tone: 'alert', describe: (t) => t.plural('activity.wrongCodes', failures.codes) });
    } else if (event.type === 'factor.deleted' && older?.type === 'recovery_code.used' && older.outcome === 'delete_factor') {
      push(event, 2, { tone: 'info', describe: (t) => t.text('activity.deletedWithRecovery') });
    } else if ((event.type === 'factor.deleted' || event.type === 'recovery_codes.generated') && isStepUpFor(event, older)) {
      push(event, 2, single(event));
    } else {
      push(event, 1, single(event));
    }
  }
  return items;
}

/** Whole calendar days from the day of `then` to the day of `now`, on the reader's clock (their time zone). */
function daysAgo(thenMs: number, nowMs: number): number {
  const startOfDay = (ms: number): number => {
    const date = new Date(ms);
    return new Date(date.getFullYear(), date.getMonth(), date.getDate()).getTime();
  };
  // Rounded: a day with a daylight-saving change is 23 or 25 hours long.
  return Math.round((startOfDay(nowMs) - startOfDay(thenMs)) / 86_400_000);
}

/** "today, 9:14 AM", "yesterday, 18:02", "Jan 13, 2030, 7:55 AM"; ", by phone" for the Studio flow. */
export function describeWhen(t: Translator, item: Pick<ActivityItem, 'occurredAt' | 'channel'>, nowMs: number): string {
  const at = Date.parse(item.occurredAt);
  if (Number.isNaN(at)) return item.occurredAt;
  const ago = daysAgo(at, nowMs);
  const day = ago === 0 || ago === 1 ? t.day(ago) : t.date(item.occurredAt);
  const when = t.text('activity.when', { day, time: t.time(at) });
  return item.channel === 'studio' ? t.text('activity.byPhone', { when }) : when;
}
