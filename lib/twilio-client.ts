// Obtains the twilio client from the runtime's context.getTwilioClient(): bounded time, no retries, emulator only when asked.
import type twilio from 'twilio';
import { createEmulatorHttpClient } from './emulator-http-client';

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

let cachedClient: { key: string; client: twilio.Twilio } | undefined;

/** One emulator httpClient per URL and timeout in a warm container, so its connections are reused. */
const emulatorHttpClients = new Map<string, twilio.RequestClient>();

function emulatorHttpClient(emulatorUrl: string, timeoutMs: number): twilio.RequestClient {
  const key = `${emulatorUrl} ${timeoutMs}`;
  let client = emulatorHttpClients.get(key);
  if (client === undefined) {
    client = createEmulatorHttpClient({ emulatorUrl, timeoutMs });
    emulatorHttpClients.set(key, client);
  }
  return client;
}

/**
 * The twilio client for this invocation. Each call times out after VERIFY_TIMEOUT_MS and 429s are not retried
 * (a retry storm would only deepen the rate limit and overrun Twilio's 10 s Function limit).
 * Only a local run sets VERIFY_EMULATOR_URL; a deploy never carries it, so production always talks to Twilio.
 */
export function getTwilioClient(context: TwilioClientSource, settings: TwilioClientSettings): twilio.Twilio {
  const { verifyTimeoutMs, verifyEmulatorUrl } = settings;
  // A warm container keeps its credentials and settings; reusing the client skips rebuilding it on every request.
  const key = JSON.stringify([context.ACCOUNT_SID, context.AUTH_TOKEN, verifyTimeoutMs, verifyEmulatorUrl ?? null]);
  if (cachedClient?.key === key) return cachedClient.client;
  const client =
    verifyEmulatorUrl === undefined
      ? context.getTwilioClient({ timeout: verifyTimeoutMs, autoRetry: false })
      : context.getTwilioClient({ httpClient: emulatorHttpClient(verifyEmulatorUrl, verifyTimeoutMs), autoRetry: false });
  cachedClient = { key, client };
  return client;
}
