// The TOTP settings the standards allow (lib/core/totp-bounds.ts): a time step of at most 30 s (OWASP ASVS 6.5.5) and a
// skew of at most one step (RFC 6238 §5.2), each refusal with its reason.
import { MAX_SKEW_STEPS, MAX_TIME_STEP_SECONDS, totpTimingProblems } from '../../../lib/core/totp-bounds';

test('the bounds are 30 s and one step either side', () => {
  expect([MAX_TIME_STEP_SECONDS, MAX_SKEW_STEPS]).toEqual([30, 1]);
});

test.each([
  [{ timeStep: 30, skew: 1 }, []],
  [{ timeStep: 20, skew: 0 }, []],
  [{ timeStep: 31, skew: 1 }, ['a time step of 31 s is longer than the 30 s OWASP ASVS 6.5.5 allows a TOTP code to live']],
  [{ timeStep: 30, skew: 2 }, ['a skew of 2 steps accepts codes more than the 1 step either side RFC 6238 §5.2 recommends']],
  [{ timeStep: 60, skew: 2 }, [expect.stringContaining('60 s'), expect.stringContaining('skew of 2')]],
])('%j → %j', (timing, problems) => {
  expect(totpTimingProblems(timing)).toEqual(problems);
});
