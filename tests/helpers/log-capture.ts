// The Functions' error log (console.error, in this process), captured for every test of the suite that calls this at
// its top level: a test that expects a line reads it, and no line reaches the test output.
export interface CapturedLog {
  /** This test's lines so far. */
  readonly lines: string[];
  /** Forgets the lines so far (what the set-up of a test logged). */
  clear(): void;
}

export function captureErrorLog(): CapturedLog {
  let lines: string[] = [];
  beforeEach(() => {
    lines = [];
    jest.spyOn(console, 'error').mockImplementation((line: unknown) => void lines.push(String(line)));
  });
  afterEach(() => {
    jest.restoreAllMocks();
  });
  return {
    get lines() {
      return lines;
    },
    clear() {
      lines = [];
    },
  };
}
