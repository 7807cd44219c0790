// The kit's notion of "now": the wall clock; in the local stack only, the clock of the emulator it talks to, so that a
// test moves the time of Verify and of the kit's locks together. Looked up like the emulator's httpClient.

/** Where the local stack registers its emulators' clocks (scripts/emulator-link.ts), keyed by emulator URL. */
export const EMULATOR_CLOCKS = Symbol.for('totp-functions.emulator-clocks');

type ClockRegistry = Map<string, () => number>;

/** The clock for this configuration: an emulator's registered clock when EMULATOR_URL names one, else the wall clock. */
export function kitClock(emulatorUrl: string | undefined): () => Date {
  if (emulatorUrl !== undefined) {
    const registry = (globalThis as { [EMULATOR_CLOCKS]?: ClockRegistry })[EMULATOR_CLOCKS];
    const linked = registry?.get(emulatorUrl);
    if (linked !== undefined) return () => new Date(linked());
  }
  return () => new Date();
}
