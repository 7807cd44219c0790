// Turns an endpoint's logic into a Functions handler: config, CORS, method check, caller auth, one try/catch, one renderer.
import type { ZodMiniType } from 'zod/mini';
import { authenticateCaller, deriveIdentity } from './auth';
import { kitClock } from './clock';
import { loadConfig, REQUEST_BUDGET_MS, type Config } from './config';
import type { UserScope } from './factors';
import { toKitError } from './failure-table';
import { Failure } from './failures';
import { allowedOrigin, fail, requestFields, requestHeaders, requirePostBody, respond, type Logger, type Outcome, type RuntimeEvent, type RuntimeResponse } from './http';
import { parseInput } from './schemas';
import { createSyncStateStore } from './state';
import { createStateGuard } from './state-guard';
import { getTwilioClient, type TwilioClientSource } from './twilio-client';
import { provenCaller, userKeyOf, type ProvenCaller, type ProvenUser } from './users';
import { createVerifyGateway } from './verify';

/** The runtime's `context`: the environment variables plus getTwilioClient(). */
export type RuntimeContext = TwilioClientSource & Readonly<Record<string, unknown>>;
export type RuntimeCallback = (error: null, response: RuntimeResponse) => void;
export type RuntimeHandler = (context: RuntimeContext, event: RuntimeEvent, callback: RuntimeCallback) => Promise<void>;


const log: Logger = (line) => console.error(`[totp-functions] ${line}`);

export interface EndpointRequest {
  config: Config;
  fields: Record<string, unknown>;
  /** Verifies the bearer token (401 on any problem) and returns the caller it proves. */
  authenticate(): Promise<ProvenCaller>;
  /** The core's view of one proven user, keyed by the identity derived from the user's key. */
  scopeFor<User extends ProvenUser>(user: User): UserScope<User>;
}

/** Wraps `handle` so that every outcome, including every failure, goes through respond()/fail() exactly once. */
export function createEndpoint(name: string, handle: (request: EndpointRequest) => Promise<Outcome>): RuntimeHandler {
  return async (context, event, callback) => {
    const deadline = Date.now() + REQUEST_BUDGET_MS;
    let origin: string | undefined;
    try {
      const config = loadConfig(context);
      origin = allowedOrigin(event, config.allowedOrigins);
      requirePostBody(event);
      const request: EndpointRequest = {
        config,
        fields: requestFields(event),
        authenticate: async () => {
          const caller = await authenticateCaller(requestHeaders(event).authorization, config.caller);
          return provenCaller(caller.sub);
        },
        scopeFor: (user) => {
          const client = getTwilioClient(context, config);
          const identity = deriveIdentity(config.identitySecret, userKeyOf(user));
          const now = kitClock(config.verifyEmulatorUrl);
          return {
            user,
            verify: createVerifyGateway(client, { serviceSid: config.verifyServiceSid, deadline }),
            identity,
            approval: config.approval,
            now,
            state: createStateGuard({
              store: createSyncStateStore(client, { serviceSid: config.syncServiceSid, deadline }),
              identity,
              // A Studio flow (voice) and a caller with a token (web) lock separately: one cannot lock the other out.
              channel: user.kind,
              policy: { threshold: config.lockoutThreshold, baseSeconds: config.lockoutBaseSeconds, maxSeconds: config.lockoutMaxSeconds },
              now,
              codeKey: config.identitySecret,
              log: (line) => log(`${name}: ${line}`),
            }),
          };
        },
      };
      callback(null, respond(await handle(request), origin));
    } catch (error) {
      // The core's failures become HTTP answers here, through the one table.
      callback(null, fail(error instanceof Failure ? toKitError(error) : error, origin, log, name));
    }
  };
}

/** An endpoint for a signed-in caller: bearer token first, then the input, then the core call for that caller only. */
export function createCallerEndpoint<Input>(
  name: string,
  schema: ZodMiniType<Input>,
  run: (scope: UserScope<ProvenCaller>, input: Input) => Promise<Outcome>,
): RuntimeHandler {
  return createEndpoint(name, async (request) => {
    const caller = await request.authenticate();
    const input = parseInput(schema, request.fields);
    return run(request.scopeFor(caller), input);
  });
}
