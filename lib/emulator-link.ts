// Dev only: lets the Functions running in this process reach the local emulator. The local stack, the tests and the
// benches call it; no Function imports it, so a deployed bundle holds no emulator client (see lib/twilio-client.ts).
import type twilio from 'twilio';
import { createEmulatorHttpClient } from './emulator-http-client';
import { EMULATOR_HTTP_CLIENT, type EmulatorHttpClientFactory } from './twilio-client';

/** Installs the factory, with one client per URL and timeout so that connections are reused across requests. */
export function linkFunctionsToEmulator(): void {
  const clients = new Map<string, twilio.RequestClient>();
  const factory: EmulatorHttpClientFactory = (emulatorUrl, timeoutMs) => {
    const key = `${emulatorUrl} ${timeoutMs}`;
    let client = clients.get(key);
    if (client === undefined) {
      client = createEmulatorHttpClient({ emulatorUrl, timeoutMs });
      clients.set(key, client);
    }
    return client;
  };
  (globalThis as { [EMULATOR_HTTP_CLIENT]?: EmulatorHttpClientFactory })[EMULATOR_HTTP_CLIENT] ??= factory;
}
