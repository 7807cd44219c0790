// A suite's local stack, set up the one way every Functions suite needs it: started before the suite's first test,
// closed after its last, with the suite's clock frozen at a fresh time step (once, or before each test) and, if asked,
// the emulator's faults cleared before each test. The suite reads `harness` as if its own beforeAll had started it.
import { stackClock, type StackClock } from './clock';
import { startFunctionsHarness, type FunctionsHarness, type HarnessOptions } from './functions';

export interface FunctionsStackOptions extends HarnessOptions {
  /** `suite`: one fresh time step for the whole suite, which its tests move on; `test`: a fresh one before each test. */
  freshStep?: 'suite' | 'test';
  /** Clear the emulator's injected faults before each test. */
  clearFaults?: boolean;
}

export function useFunctionsStack(options: FunctionsStackOptions = {}): { harness: FunctionsHarness; clock: StackClock } {
  const { freshStep = 'suite', clearFaults = false, ...harnessOptions } = options;
  let started: FunctionsHarness | undefined;
  // Stands for the harness the suite's beforeAll starts, so the suite can hold it in a const from the start.
  const harness = new Proxy({} as FunctionsHarness, {
    get(_target, name) {
      if (started === undefined) throw new Error(`harness.${String(name)}: the local stack starts in beforeAll`);
      const value: unknown = Reflect.get(started, name);
      return typeof value === 'function' ? value.bind(started) : value;
    },
  });
  const clock = stackClock(harness);
  beforeAll(async () => {
    started = await startFunctionsHarness(harnessOptions);
    if (freshStep === 'suite') await clock.start();
  });
  afterAll(async () => {
    await started?.close();
  });
  beforeEach(async () => {
    if (clearFaults) await harness.clearFaults();
    if (freshStep === 'test') await clock.start();
  });
  return { harness, clock };
}
