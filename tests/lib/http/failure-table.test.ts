// The one table at the HTTP edge (lib/http/failure-table.ts): each failure kind of the core → the caller's answer, a code
// of the error list with its status, message and Retry-After. The answers are part of the API.
import { Failure, type FailureKind } from '../../../lib/core/failures';
import { ERROR_CODES } from '../../../lib/http/error-codes';
import { FAILURE_TABLE, toKitError, TRANSIENT_RETRY_SECONDS } from '../../../lib/http/failure-table';
import { KitError } from '../../../lib/http/kit-error';

describe('failure kinds → the caller answer', () => {
  // Status, stable code and Retry-After of every kind: the page and Studio branch on these.
  const ANSWERS: Record<FailureKind, [number, string, number | undefined]> = {
    not_enrolled: [404, 'not_enrolled', undefined],
    locked: [429, 'locked', undefined],
    capped: [403, 'account_locked', undefined],
    code_reused: [409, 'code_reused', undefined],
    enrollment_in_progress: [409, 'enrollment_in_progress', undefined],
    state_unavailable: [503, 'state_unavailable', 5],
    malformed_recovery_code: [400, 'invalid_request', undefined],
    malformed_user_key: [400, 'invalid_request', undefined],
    already_enrolled: [409, 'already_enrolled', undefined],
    already_verified: [409, 'already_verified', undefined],
    factor_not_found: [404, 'factor_not_found', undefined],
    factor_not_verified: [409, 'factor_not_verified', undefined],
    challenge_not_found: [404, 'challenge_not_found', undefined],
    too_many_factors: [409, 'too_many_factors', undefined],
    factor_state_conflict: [409, 'factor_state_conflict', undefined],
    step_up_required: [403, 'step_up_required', undefined],
    code_length_mismatch: [400, 'invalid_request', undefined],
    wrong_code: [403, 'invalid_code', undefined],
    device_not_trusted: [403, 'device_not_trusted', undefined],
    device_not_found: [404, 'device_not_found', undefined],
    factor_attempts_exhausted: [429, 'too_many_attempts', 86400],
    factor_attempts_throttled: [429, 'too_many_attempts', 300],
    challenges_throttled: [429, 'too_many_challenges', 3600],
    enrollments_throttled: [429, 'too_many_enrollments', 86400],
    upstream_refused_input: [400, 'invalid_request', undefined],
    upstream_rate_limited: [429, 'rate_limited', 5],
    upstream_error: [502, 'verify_error', undefined],
    upstream_unavailable: [503, 'verify_unavailable', 5],
    upstream_timeout: [503, 'verify_timeout', 5],
    misconfigured: [500, 'internal_error', undefined],
  };

  test.each(Object.entries(ANSWERS) as Array<[FailureKind, [number, string, number | undefined]]>)(
    '%s answers %j',
    (kind, [status, code, retryAfterSeconds]) => {
      const error = toKitError(new Failure(kind, { logDetail: `detail of ${kind}` }));
      expect(error).toBeInstanceOf(KitError);
      expect([error.status, error.code, error.retryAfterSeconds]).toEqual([status, code, retryAfterSeconds]);
      expect(error.message).toBe(FAILURE_TABLE[kind].message ?? ERROR_CODES[FAILURE_TABLE[kind].code].message);
      expect(error.logDetail).toBe(`detail of ${kind}`);
    },
  );

  test('the table has a row for each kind and nothing else', () => {
    expect(Object.keys(FAILURE_TABLE).sort()).toEqual(Object.keys(ANSWERS).sort());
  });

  test("every message of the table's own is a sentence for a person, with nothing from the request in it", () => {
    const own = Object.values(FAILURE_TABLE).flatMap(({ message }) => (message === undefined ? [] : [message]));
    expect(own.length).toBeGreaterThan(3);
    for (const message of own) expect(message).toMatch(/^[A-Z][^{}$]{10,}\.$/);
  });

  test('the transient Retry-After is 5 s', () => {
    expect(TRANSIENT_RETRY_SECONDS).toBe(5);
  });

  test("a failure's own retry time wins over the table's; the failure is the cause", () => {
    const failure = new Failure('factor_attempts_throttled', { retryAfterSeconds: 17 });
    const error = toKitError(failure);
    expect(error.retryAfterSeconds).toBe(17);
    expect(error.cause).toBe(failure);
    expect(toKitError(new Failure('wrong_code', { retryAfterSeconds: 3 })).retryAfterSeconds).toBe(3);
  });

  test('only locked, code_reused and enrollment_in_progress put the retry time in the body (a page on another origin cannot read Retry-After)', () => {
    for (const kind of Object.keys(ANSWERS) as FailureKind[]) {
      const inBody = kind === 'locked' || kind === 'code_reused' || kind === 'enrollment_in_progress';
      expect([kind, toKitError(new Failure(kind, { retryAfterSeconds: 42 })).bodyFields]).toStrictEqual([
        kind,
        inBody ? { retryAfterSeconds: 42 } : undefined,
      ]);
    }
    // A table retry time is not put in the body of other kinds either.
    expect(toKitError(new Failure('state_unavailable')).bodyFields).toBeUndefined();
  });

  test('a lock of unknown length puts no retryAfterSeconds in the body', () => {
    expect(toKitError(new Failure('locked')).bodyFields).toBeUndefined();
    expect(toKitError(new Failure('enrollment_in_progress')).bodyFields).toBeUndefined();
  });

  test('only the locks are quiet (each logged once, when it began)', () => {
    for (const kind of Object.keys(ANSWERS) as FailureKind[]) {
      expect([kind, toKitError(new Failure(kind)).quiet]).toEqual([kind, kind === 'locked' || kind === 'capped']);
    }
  });
});
