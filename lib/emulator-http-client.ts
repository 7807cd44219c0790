// An httpClient for the twilio client that sends Verify calls to a local emulator instead of verify.twilio.com.
// twilio-node can only rewrite hosts within *.twilio.com (edge/region); a custom httpClient is its documented hook.
import twilio from 'twilio';

const VERIFY_ORIGIN = 'https://verify.twilio.com';

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
  // Only Verify is emulated: any other Twilio host is refused rather than silently sent to the real API.
  // Paging URLs (meta.next_page_url) already name the emulator and go through as they are.
  client.request = (opts) => {
    if (opts.uri.startsWith(`${target}/`)) return send(opts);
    if (!opts.uri.startsWith(`${VERIFY_ORIGIN}/`)) {
      return Promise.reject(new Error(`the Verify emulator serves only ${VERIFY_ORIGIN}, not ${new URL(opts.uri).host}`));
    }
    return send({ ...opts, uri: target + opts.uri.slice(VERIFY_ORIGIN.length) });
  };
  return client;
}
