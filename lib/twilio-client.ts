// Twilio calls in bounded time: the client from the runtime's context.getTwilioClient() (a timeout per call, no retries,
// the emulator only when asked), and the request's one time budget that every Verify and Sync call of a request shares.
import type twilio from 'twilio';
import { ConfigError } from './config';

/** The part of the Functions runtime `context` this kit uses (env values are spread onto it as well). */
export interface TwilioClientSource {
  getTwilioClient(options?: twilio.ClientOpts): twilio.Twilio;
  readonly ACCOUNT_SID?: unknown;
  readonly AUTH_TOKEN?: unknown;
}

export interface TwilioClientSettings {
  verifyTimeoutMs: number;
  verifyEmulatorUrl: string | undefined;
}

/** Builds the httpClient that sends Twilio calls to the emulator at `emulatorUrl`. */
export type EmulatorHttpClientFactory = (emulatorUrl: string, timeoutMs: number) => twilio.RequestClient;

/**
 * Where the local stack puts its emulator httpClient factory (scripts/emulator-link.ts), in its own process. The
 * Functions look it up instead of importing it, so the dev-only client never ships in a deployed bundle.
 */
export const EMULATOR_HTTP_CLIENT = Symbol.for('totp-functions.emulator-http-client');

function emulatorHttpClientFactory(): EmulatorHttpClientFactory {
  const factory = (globalThis as { [EMULATOR_HTTP_CLIENT]?: unknown })[EMULATOR_HTTP_CLIENT];
  if (typeof factory !== 'function') {
    throw new ConfigError('EMULATOR_URL', 'is set, but only the local stack (npm start) can reach the emulator; remove it');
  }
  return factory as EmulatorHttpClientFactory;
}

/**
 * Runs one upstream call within the request's remaining budget (until `deadline`, epoch ms); a late answer is abandoned
 * rather than awaited, and the call fails with `exhausted()`. Shared by the Verify gateway and the Sync store.
 */
export async function withinBudget<T>(deadline: number, exhausted: () => Error, run: () => Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const budget = new Promise<never>((_, reject) => {
    // Built only when the budget runs out: an Error captures a stack, which costs on every call otherwise.
    timer = setTimeout(() => reject(exhausted()), Math.max(0, deadline - Date.now()));
  });
  try {
    return await Promise.race([run(), budget]);
  } finally {
    clearTimeout(timer);
  }
}

let cachedClient: { key: string; client: twilio.Twilio } | undefined;

/**
 * The twilio client for this invocation. Each call times out after VERIFY_TIMEOUT_MS and 429s are not retried
 * (a retry storm would only deepen the rate limit and overrun Twilio's 10 s Function limit).
 * Only a local run sets EMULATOR_URL; a deploy never carries it, so production always talks to Twilio.
 */
export function getTwilioClient(context: TwilioClientSource, settings: TwilioClientSettings): twilio.Twilio {
  const { verifyTimeoutMs, verifyEmulatorUrl } = settings;
  // A warm container keeps its credentials and settings; reusing the client skips rebuilding it on every request.
  const key = JSON.stringify([context.ACCOUNT_SID, context.AUTH_TOKEN, verifyTimeoutMs, verifyEmulatorUrl ?? null]);
  if (cachedClient?.key === key) return cachedClient.client;
  const client =
    verifyEmulatorUrl === undefined
      ? context.getTwilioClient({ timeout: verifyTimeoutMs, autoRetry: false })
      : context.getTwilioClient({ httpClient: emulatorHttpClientFactory()(verifyEmulatorUrl, verifyTimeoutMs), autoRetry: false });
  cachedClient = { key, client };
  return client;
}
