// Dev only: an httpClient for the twilio client that sends the emulated products' calls to a local emulator instead
// of Twilio. twilio-node can only rewrite hosts within *.twilio.com (edge/region); a custom httpClient is its hook.
import twilio from 'twilio';

/**
 * The origins of the products the emulator serves (each product's `origin`, emulator/products.ts; a test keeps the
 * two lists equal). Kept literal so that loading this client does not load the emulator.
 */
export const EMULATED_ORIGINS: readonly string[] = ['https://verify.twilio.com', 'https://sync.twilio.com', 'https://serverless.twilio.com', 'https://studio.twilio.com'];
/**
 * Products the emulator tells apart by host (Serverless's /v1/Services are Sync's paths too): their requests keep the
 * Host they were for, over https as far as the emulator is told, so its paging URLs name that host again.
 */
const HOST_ROUTED_ORIGINS: readonly string[] = ['https://serverless.twilio.com'];

export interface EmulatorHttpClientOptions {
  /** Base URL of the emulator, for example http://127.0.0.1:4010 */
  emulatorUrl: string;
  /** Socket and request timeout in milliseconds. */
  timeoutMs?: number;
}

/**
 * The emulated origin a Twilio URL belongs to, also in a regional form (verify.dublin.ie1.twilio.com): twilio-node
 * adds the edge and region of TWILIO_EDGE and TWILIO_REGION, and the emulator serves one region, this machine.
 */
function emulatedOriginOf(uri: URL): string | undefined {
  const match = /^([a-z]+)(?:\.[a-z0-9-]+){0,2}\.twilio\.com$/.exec(uri.hostname);
  const origin = match === null || uri.protocol !== 'https:' ? undefined : `https://${match[1] ?? ''}.twilio.com`;
  return origin !== undefined && EMULATED_ORIGINS.includes(origin) && uri.port === '' ? origin : undefined;
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
    const uri = new URL(opts.uri);
    const origin = emulatedOriginOf(uri);
    if (origin === undefined) return Promise.reject(new Error(`the emulator serves only ${EMULATED_ORIGINS.join(', ')}, not ${uri.host}`));
    const headers = HOST_ROUTED_ORIGINS.includes(origin) ? { ...opts.headers, Host: new URL(origin).host, 'X-Forwarded-Proto': 'https' } : opts.headers;
    return send({ ...opts, uri: `${target}${uri.pathname}${uri.search}`, headers });
  };
  return client;
}
