// Security events: one record per security-relevant action. The user's state keeps it in the trail, in the same
// compare-and-swap as the outcome it reports (lib/state/security-state.ts); once written it goes to the log line and
// the host's webhook from here. Each gets only what it may hold: the trail and the log no personal data, the host its
// own user id.
import { randomUUID } from 'node:crypto';
import type { ActivityEvent } from '../contract';
import { deliverWebhook, type WebhookTarget } from './webhook';

/** What the user's trail keeps and /list-activity returns: never a code, a secret, a token or personal data. */
export type SecurityEvent = ActivityEvent;

/** What the core says happened; the state layer stamps the id, the time and the channel. */
export type EventNote = Omit<ActivityEvent, 'id' | 'occurredAt' | 'channel'>;

/** What the runtime tells about the client (browser requests; never Studio's): its User-Agent, never its IP. */
export interface ClientInfo {
  userAgent: string;
}

/** The webhook's payload: the event plus the host's own user id and the client, for its "was this you?" mail. */
export interface HostEvent extends SecurityEvent {
  sub: string;
  client?: ClientInfo;
}

export type NewEvent = Omit<SecurityEvent, 'id' | 'occurredAt'>;

export function createEvent(fields: NewEvent, now: Date): SecurityEvent {
  const event: SecurityEvent = { id: `ev_${randomUUID().replace(/-/g, '')}`, occurredAt: now.toISOString(), type: fields.type, channel: fields.channel };
  // Absent fields stay absent (not `undefined`), so the stored trail and the webhook carry only what is known.
  if (fields.factorSid !== undefined) event.factorSid = fields.factorSid;
  if (fields.outcome !== undefined) event.outcome = fields.outcome;
  if (fields.detail !== undefined) event.detail = fields.detail;
  return event;
}

/** Where a written event goes besides the trail; neither can fail the user's request. */
export interface EventDestinations {
  /** One JSON line per event; `user` is the HMAC identity, so support can find it without personal data in the log. */
  log: (line: string) => void;
  webhook?: { target: WebhookTarget; timeoutMs: number };
}

export interface EventSubject {
  identity: string;
  /** The host's user id; only the webhook carries it. */
  sub?: string;
  client?: ClientInfo;
}

/**
 * Sends one event to the log and the webhook. A failed delivery is logged, never thrown: an event is a report of what
 * happened, and the user's action has happened already.
 */
export async function recordEvent(destinations: EventDestinations, subject: EventSubject, event: SecurityEvent, now: Date): Promise<void> {
  destinations.log(JSON.stringify({ event: event.type, id: event.id, user: subject.identity, channel: event.channel, ...pick(event) }));
  if (destinations.webhook !== undefined && subject.sub !== undefined) {
    const payload: HostEvent = { ...event, sub: subject.sub, ...(subject.client === undefined ? {} : { client: subject.client }) };
    const { target, timeoutMs } = destinations.webhook;
    const result = await deliverWebhook(target, payload, { now, timeoutMs });
    if (!result.delivered) destinations.log(`events webhook: event ${event.id} not delivered (${result.reason})`);
  }
}

function pick(event: SecurityEvent): Partial<SecurityEvent> {
  const { factorSid, outcome, detail } = event;
  return { factorSid, outcome, detail };
}
