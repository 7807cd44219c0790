// The support tool's way to Twilio: one client (the emulator's, with EMULATOR_URL), the kit's own user scope over
// it (lib/core/user-scope.ts, as the Functions build theirs), the time the kit's locks are measured against, and the
// events sent to the host.
import type twilio from 'twilio';
import type { ActivityEvent } from '../../lib/contract';
import { recordEvent } from '../../lib/events/security-events';
import { Failure } from '../../lib/core/failures';
import { createUserScope, type OperatorScope } from '../../lib/core/user-scope';
import { operatorUser } from '../../lib/core/users';
import { mapVerifyError } from '../../lib/verify/verify-errors';
import { createCliClient, credentialsFrom } from '../twilio-cli-client';
import type { SupportSettings } from './settings';

/** One Twilio call; a person is waiting, and can simply run the command again. */
const REQUEST_TIMEOUT_MS = 10_000;
/** All the calls of one step (a reset removes up to 100 factors, Verify's limit per user). */
const STEP_BUDGET_MS = 60_000;
/** The host's webhook gets as long as the Functions give it. */
const WEBHOOK_TIMEOUT_MS = 2000;

export interface SupportBackend {
  /** Where the tool talks to, for messages: "Twilio" or "the emulator at http://127.0.0.1:4010". */
  target: string;
  /**
   * The user's scope as the operator's, with a fresh time budget: one per step, since a typed confirmation may wait in
   * between. Its identity is the Functions' for the same user id (or Failure('malformed_user_key')).
   */
  scopeFor(user: string): OperatorScope;
  /** Fails when VERIFY_SERVICE_SID is not a service of this account: every user would look unknown otherwise. */
  checkService(): Promise<void>;
  /** The kit's "now": on the local stack the emulator's clock, which its Functions' locks follow; else this machine's. */
  now(): Promise<Date>;
  /** The log line, and the host's webhook when EVENTS_WEBHOOK_URL is set: what the Functions do with their own events. */
  announce(user: { user: string; identity: string }, event: ActivityEvent): Promise<void>;
}

export function connectSupport(settings: SupportSettings, log: (line: string) => void): SupportBackend {
  const client: twilio.Twilio = createCliClient(settings.lookup, REQUEST_TIMEOUT_MS);
  const { emulatorUrl } = settings;
  const target = emulatorUrl === undefined ? 'Twilio' : `the emulator at ${emulatorUrl}`;

  return {
    target,

    scopeFor(user) {
      return createUserScope(operatorUser(user), {
        client,
        verifyServiceSid: settings.verifyServiceSid,
        syncServiceSid: settings.syncServiceSid,
        identitySecret: settings.identitySecret,
        activityTtlMs: settings.activityTtlMs,
        trustedDeviceTtlMs: settings.trustedDeviceTtlMs,
        deadline: Date.now() + STEP_BUDGET_MS,
      });
    },

    async checkService() {
      try {
        await client.verify.v2.services(settings.verifyServiceSid).fetch();
      } catch (error) {
        // Here "not found" can only be the service itself.
        throw mapVerifyError(error, 'fetch service', { 20404: 'misconfigured' });
      }
    },

    async now() {
      if (emulatorUrl === undefined) return new Date();
      return emulatorClock(emulatorUrl, settings);
    },

    async announce({ user, identity }, event) {
      const webhook = settings.eventsWebhook === undefined ? undefined : { target: settings.eventsWebhook, timeoutMs: WEBHOOK_TIMEOUT_MS };
      // recordEvent logs each event as one JSON line, which the command's own output already shows: only its reports of
      // a failed delivery reach the operator.
      const reports = (line: string): void => {
        if (!line.startsWith('{')) log(line);
      };
      await recordEvent({ log: reports, webhook }, { identity, sub: user }, event, new Date());
    },
  };
}

/** GET /__emulator/clock (docs/emulator.md): a test may have frozen or moved it, and the locks follow it. */
async function emulatorClock(emulatorUrl: string, settings: SupportSettings): Promise<Date> {
  const { accountSid, authToken } = credentialsFrom(settings.lookup);
  const unusable = (why: string, cause?: unknown): Failure =>
    new Failure('upstream_unavailable', { cause, logDetail: `the emulator's clock: ${why} (is npm start running?)` });
  let answer: Response;
  try {
    answer = await fetch(`${emulatorUrl}/__emulator/clock`, {
      headers: { authorization: `Basic ${Buffer.from(`${accountSid}:${authToken}`).toString('base64')}` },
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
  } catch (error) {
    const code = (error as { cause?: { code?: unknown } }).cause?.code;
    throw unusable(typeof code === 'string' ? code : 'no answer', error);
  }
  if (answer.status === 401) throw new Failure('misconfigured', { logDetail: "the emulator's clock: HTTP 401 (check ACCOUNT_SID/AUTH_TOKEN)" });
  const body = (await answer.json().catch(() => undefined)) as { now?: unknown } | undefined;
  const now = typeof body?.now === 'string' ? new Date(body.now) : undefined;
  if (!answer.ok || now === undefined || Number.isNaN(now.getTime())) throw unusable(`HTTP ${answer.status}`);
  return now;
}
