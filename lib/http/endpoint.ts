// Turns an endpoint's logic into a Functions handler: config, CORS, method check, caller auth, one try/catch, one renderer.
import type { ZodMiniType } from 'zod/mini';
import { kitClock } from '../clock';
import { loadConfig, REQUEST_BUDGET_MS, type Config } from '../config';
import type { ActivityEvent } from '../contract';
import { Failure } from '../core/failures';
import { configuredScope, createUserScope, type UserScope } from '../core/user-scope';
import { provenCaller, userKeyOf, type ProvenCaller, type ProvenUser } from '../core/users';
import { recordEvent, type ClientInfo, type EventSubject } from '../events/security-events';
import { getTwilioClient, type TwilioClientSource } from '../twilio-client';
import { authenticateCaller } from './caller-token';
import { allowedOrigin } from './cors';
import { toKitError } from './failure-table';
import { requestFields, requestHeaders, requirePostBody, type RuntimeEvent } from './request';
import { fail, respond, type Logger, type Outcome, type RuntimeResponse } from './respond';
import { parseInput } from './schemas';

/** The runtime's `context`: the environment variables plus getTwilioClient(). */
export type RuntimeContext = TwilioClientSource & Readonly<Record<string, unknown>>;
export type RuntimeCallback = (error: null, response: RuntimeResponse) => void;
export type RuntimeHandler = (context: RuntimeContext, event: RuntimeEvent, callback: RuntimeCallback) => Promise<void>;

const log: Logger = (line) => console.error(`[totp-functions] ${line}`);
/** Events are information, not errors: one JSON line each, searchable in the Console's Function logs. */
const eventLog: Logger = (line) => console.log(`[totp-functions] ${line}`);

export interface EndpointRequest {
  config: Config;
  fields: Record<string, unknown>;
  /** Verifies the bearer token (missing_token or invalid_token on any problem) and returns the caller it proves. */
  authenticate(): Promise<ProvenCaller>;
  /** The core's view of one proven user, keyed by the identity derived from the user's key. */
  scopeFor<User extends ProvenUser>(user: User): UserScope<User>;
  /** The browser's User-Agent (at most 256 characters), if it sent one: what a trusted device is described by. */
  userAgent: string | undefined;
}

/** What a caller endpoint knows about the request besides its input. */
export interface CallerRequest {
  userAgent: string | undefined;
}

/** The longest a host's webhook may hold up the answer; within the request's budget in any case. */
const WEBHOOK_TIMEOUT_MS = 2000;

/**
 * What the runtime tells about a browser caller: its User-Agent. The runtime strips X-Forwarded-For and X-Real-IP from
 * a Function's headers, so no event can name the client's IP. Studio's requests come from Twilio itself.
 */
function clientOf(event: RuntimeEvent, user: ProvenUser): ClientInfo | undefined {
  const userAgent = userAgentOf(event);
  return user.kind === 'caller' && userAgent !== undefined ? { userAgent } : undefined;
}

function userAgentOf(event: RuntimeEvent): string | undefined {
  const agent = requestHeaders(event)['user-agent'];
  return typeof agent === 'string' && agent !== '' ? agent.slice(0, 256) : undefined;
}

/** The request's events go to the log and the host's webhook before the answer (a Function is frozen after it). */
async function deliverEvents(batches: EventBatch[], config: Config | undefined, deadline: number): Promise<void> {
  const webhook = config?.eventsWebhook;
  const timeoutMs = Math.min(WEBHOOK_TIMEOUT_MS, deadline - Date.now());
  const destinations = { log: eventLog, webhook: webhook === undefined || timeoutMs <= 0 ? undefined : { target: webhook, timeoutMs } };
  await Promise.all(batches.flatMap(({ subject, events }) => events.map((recorded) => recordEvent(destinations, subject, recorded, new Date()))));
}

interface EventBatch {
  subject: EventSubject;
  events: ActivityEvent[];
}

/** Wraps `handle` so that every outcome, including every failure, goes through respond()/fail() exactly once. */
export function createEndpoint(name: string, handle: (request: EndpointRequest) => Promise<Outcome>): RuntimeHandler {
  return async (context, event, callback) => {
    const deadline = Date.now() + REQUEST_BUDGET_MS;
    let origin: string | undefined;
    let config: Config | undefined;
    const recorded: EventBatch[] = [];
    let response: RuntimeResponse;
    try {
      config = loadConfig(context);
      const loaded = config;
      origin = allowedOrigin(event, config.allowedOrigins);
      requirePostBody(event);
      const request: EndpointRequest = {
        config,
        fields: requestFields(event),
        userAgent: userAgentOf(event),
        authenticate: async () => {
          const caller = await authenticateCaller(requestHeaders(event).authorization, loaded.caller);
          return provenCaller(caller.sub);
        },
        scopeFor: (user) => {
          const events: ActivityEvent[] = [];
          const scope = createUserScope(user, {
            ...configuredScope(loaded),
            client: getTwilioClient(context, loaded),
            deadline,
            now: kitClock(loaded.verifyEmulatorUrl),
            log: (line) => log(`${name}: ${line}`),
            onRecorded: (written) => events.push(...written),
          });
          recorded.push({ subject: { identity: scope.identity, sub: userKeyOf(user), client: clientOf(event, user) }, events });
          return scope;
        },
      };
      response = respond(await handle(request), origin);
    } catch (error) {
      // The core's failures become HTTP answers here, through the one table.
      response = fail(error instanceof Failure ? toKitError(error) : error, origin, log, name);
    }
    // Events stand whatever the answer: a lock that began is reported though the request answers 429.
    await deliverEvents(recorded, config, deadline);
    callback(null, response);
  };
}

/** An endpoint for a signed-in caller: bearer token first, then the input, then the core call for that caller only. */
export function createCallerEndpoint<Input>(
  name: string,
  schema: ZodMiniType<Input>,
  run: (scope: UserScope<ProvenCaller>, input: Input, request: CallerRequest) => Promise<Outcome>,
): RuntimeHandler {
  return createEndpoint(name, async (request) => {
    const caller = await request.authenticate();
    const input = parseInput(schema, request.fields);
    return run(request.scopeFor(caller), input, { userAgent: request.userAgent });
  });
}
