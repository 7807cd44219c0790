// Dev only: lets the Functions running in this process reach the local emulator. The local stack, the tests and the
// benches call it; no Function imports it, so a deployed bundle holds no emulator client (see lib/twilio-client.ts).
import type twilio from 'twilio';
import { createEmulatorHttpClient } from '../emulator/client/http-client';
import { EMULATOR_CLOCKS } from '../lib/clock';
import { EMULATOR_HTTP_CLIENT, type EmulatorHttpClientFactory } from '../lib/twilio-client';

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

/**
 * Makes the Functions that talk to the emulator at `emulatorUrl` read the time from `now` (epoch ms), the clock that
 * emulator follows; returns the undo. Each local stack has its own emulator URL, so several can run in one process.
 */
export function linkEmulatorClock(emulatorUrl: string, now: () => number): () => void {
  const global = globalThis as { [EMULATOR_CLOCKS]?: Map<string, () => number> };
  const registry = (global[EMULATOR_CLOCKS] ??= new Map());
  registry.set(emulatorUrl, now);
  return () => {
    if (registry.get(emulatorUrl) === now) registry.delete(emulatorUrl);
  };
}
