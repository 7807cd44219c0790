// A suite's clock on the local stack: epoch seconds, frozen, moved by the test (never slept on), and set on the
// emulator and the Functions together, so Verify's time steps and the kit's locks follow it alike.
import { alignedNow, type FunctionsHarness } from './functions';

/** Seconds per TOTP time step (the kit's default). */
export const STEP_SECONDS = 30;

export interface StackClock {
  /** The epoch second the stack is frozen at. */
  readonly now: number;
  /** Freezes the stack at a time-step-aligned instant near the real time. */
  start(): Promise<void>;
  /** Moves the stack by `seconds` (back, with a negative number). */
  advance(seconds: number): Promise<void>;
  /** The next time step: Verify refuses a code's step a second time (RFC 6238 §5.2). */
  nextStep(): Promise<void>;
}

export function stackClock(harness: Pick<FunctionsHarness, 'setClock'>): StackClock {
  let now = alignedNow();
  const set = async (epochSeconds: number): Promise<void> => {
    now = epochSeconds;
    await harness.setClock(now);
  };
  return {
    get now() {
      return now;
    },
    start: () => set(alignedNow()),
    advance: (seconds) => set(now + seconds),
    nextStep: () => set(now + STEP_SECONDS),
  };
}
