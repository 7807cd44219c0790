// Dev only: an httpClient for the twilio client that sends the emulated products' calls to a local emulator instead
// of Twilio. twilio-node can only rewrite hosts within *.twilio.com (edge/region); a custom httpClient is its hook.
import twilio from 'twilio';

/**
 * The origins of the products the emulator serves (each product's `origin`, emulator/products.ts; a test keeps the
 * two lists equal). Kept literal so that loading this client does not load the emulator.
 */
export const EMULATED_ORIGINS: readonly string[] = ['https://verify.twilio.com', 'https://sync.twilio.com'];

export interface EmulatorHttpClientOptions {
  /** Base URL of the emulator, for example http://127.0.0.1:4010 */
  emulatorUrl: string;
  /** Socket and request timeout in milliseconds. */
  timeoutMs?: number;
}

/** Builds the httpClient option for `twilio(...)` / `context.getTwilioClient(...)`. */
export function createEmulatorHttpClient({ emulatorUrl, timeoutMs }: EmulatorHttpClientOptions): twilio.RequestClient {
  const target = new URL(emulatorUrl).origin;
  const client = new twilio.RequestClient({ timeout: timeoutMs });
  const send = client.request.bind(client);
  // Only the emulated products go to the emulator: any other Twilio host is refused rather than silently sent to the
  // real API. Paging URLs (meta.next_page_url) already name the emulator and go through as they are.
  client.request = (opts) => {
    if (opts.uri.startsWith(`${target}/`)) return send(opts);
    const origin = EMULATED_ORIGINS.find((candidate) => opts.uri.startsWith(`${candidate}/`));
    if (origin === undefined) {
      return Promise.reject(new Error(`the emulator serves only ${EMULATED_ORIGINS.join(' and ')}, not ${new URL(opts.uri).host}`));
    }
    return send({ ...opts, uri: target + opts.uri.slice(origin.length) });
  };
  return client;
}
