// The two error tables: a failed Verify call → a failure kind (lib/verify/verify-errors.ts), and a failure kind → the caller's
// answer (lib/http/failure-table.ts), with the Failure type itself (lib/core/failures.ts). The answers are part of the API.
import RestException from 'twilio/lib/base/RestException';
import { ERROR_CODES } from '../../lib/http/error-codes';
import { KitError } from '../../lib/http/kit-error';
import { FAILURE_TABLE, toKitError, TRANSIENT_RETRY_SECONDS } from '../../lib/http/failure-table';
import { Failure, isFailure, type FailureKind } from '../../lib/core/failures';
import { describeVerifyFailure, mapVerifyError, TWILIO_ERROR_TABLE } from '../../lib/verify/verify-errors';

/** What twilio-node throws for an error answer: its own RestException, built from the status and JSON body. */
function restError(statusCode: number, body: unknown): RestException {
  return new RestException({ statusCode, body: body === undefined ? '' : JSON.stringify(body) });
}

/** A Node socket or axios error: an Error with a string `code`. */
function transportError(code: string, message = 'socket trouble'): Error {
  return Object.assign(new Error(message), { code });
}

describe('Twilio error codes → failure kinds', () => {
  // The whole table, spelled out: a changed row is a changed API.
  test.each<[number, FailureKind]>([
    [60200, 'upstream_refused_input'],
    [60314, 'upstream_refused_input'],
    [60367, 'upstream_refused_input'],
    [60369, 'upstream_refused_input'],
    [60370, 'upstream_refused_input'],
    [60311, 'wrong_code'],
    [60324, 'wrong_code'],
    [20404, 'factor_not_found'],
    [60390, 'factor_not_found'],
    [60391, 'challenge_not_found'],
    [60392, 'factor_not_found'],
    [60315, 'too_many_factors'],
    [60318, 'factor_not_verified'],
    [60322, 'factor_state_conflict'],
    [60323, 'factor_state_conflict'],
    [60383, 'factor_state_conflict'],
    [60310, 'factor_attempts_exhausted'],
    [60308, 'factor_attempts_throttled'],
    [60312, 'challenges_throttled'],
    [60326, 'enrollments_throttled'],
    [20429, 'upstream_rate_limited'],
  ])('%i is %s, whatever the HTTP status', (code, kind) => {
    expect(TWILIO_ERROR_TABLE[code]).toBe(kind);
    // A 500 status would be upstream_error without the table: the code decides.
    expect(mapVerifyError(restError(500, { code, message: 'm' }), 'op').kind).toBe(kind);
  });

  test('the table has exactly those 21 codes', () => {
    expect(Object.keys(TWILIO_ERROR_TABLE)).toHaveLength(21);
  });

  test("an operation's override wins over the table, for that code only", () => {
    const overrides = { 20404: 'misconfigured', 99999: 'too_many_factors' } as const;
    expect(mapVerifyError(restError(404, { code: 20404 }), 'op', overrides).kind).toBe('misconfigured');
    expect(mapVerifyError(restError(400, { code: 99999 }), 'op', overrides).kind).toBe('too_many_factors');
    expect(mapVerifyError(restError(404, { code: 60390 }), 'op', overrides).kind).toBe('factor_not_found');
    expect(mapVerifyError(restError(404, { code: 20404 }), 'op').kind).toBe('factor_not_found');
  });

  test.each<[number, FailureKind]>([
    [401, 'misconfigured'],
    [403, 'misconfigured'],
    [404, 'factor_not_found'],
    [429, 'upstream_rate_limited'],
    [503, 'upstream_unavailable'],
    [504, 'upstream_timeout'],
    [500, 'upstream_error'],
    [502, 'upstream_error'],
    [400, 'upstream_error'],
    [409, 'upstream_error'],
  ])('an unknown or missing code falls back to the HTTP status: %i is %s', (status, kind) => {
    expect(mapVerifyError(restError(status, { code: 11111, message: 'm' }), 'op').kind).toBe(kind);
    expect(mapVerifyError(restError(status, undefined), 'op').kind).toBe(kind);
    // A code that is not a number is no code at all, even one the overrides name.
    expect(mapVerifyError(restError(status, { code: '60390' }), 'op', { 60390: 'wrong_code' }).kind).toBe(kind);
  });

  test.each<[string, FailureKind]>([
    ['ECONNABORTED', 'upstream_timeout'],
    ['ETIMEDOUT', 'upstream_timeout'],
    ['ECONNREFUSED', 'upstream_unavailable'],
    ['ENOTFOUND', 'upstream_unavailable'],
    ['EAI_AGAIN', 'upstream_unavailable'],
    ['EHOSTUNREACH', 'upstream_unavailable'],
    ['ECONNRESET', 'upstream_error'],
    ['EPIPE', 'upstream_error'],
    ['ERR_BAD_RESPONSE', 'upstream_error'],
    ['EUNKNOWN', 'upstream_error'],
  ])('transport error %s is %s', (code, kind) => {
    expect(mapVerifyError(transportError(code), 'op').kind).toBe(kind);
  });

  test('a timeout named only in the message is upstream_timeout (any case); other errors upstream_error', () => {
    expect(mapVerifyError(new Error('timeout of 3000ms exceeded'), 'op').kind).toBe('upstream_timeout');
    expect(mapVerifyError(transportError('EUNKNOWN', 'Socket TIMEOUT'), 'op').kind).toBe('upstream_timeout');
    expect(mapVerifyError(new Error('socket hang up'), 'op').kind).toBe('upstream_error');
    expect(mapVerifyError('timeout', 'op').kind).toBe('upstream_error');
    expect(mapVerifyError({ code: 'ETIMEDOUT', status: 429 }, 'op').kind).toBe('upstream_error');
    expect(mapVerifyError(undefined, 'op').kind).toBe('upstream_error');
  });

  test('a body that is not JSON (SyntaxError) is upstream_error, even when it mentions a timeout', () => {
    expect(mapVerifyError(new SyntaxError('Unexpected token < in JSON: gateway timeout'), 'op').kind).toBe('upstream_error');
  });

  test('an error with a non-numeric status is not a Twilio answer', () => {
    const odd = Object.assign(new Error('odd'), { status: '404', code: 'ECONNREFUSED' });
    expect(mapVerifyError(odd, 'op').kind).toBe('upstream_unavailable');
  });

  test('a Failure passes through as it is (mapped once, where it entered)', () => {
    const failure = new Failure('upstream_timeout', { logDetail: 'budget' });
    expect(mapVerifyError(failure, 'op', { 20404: 'misconfigured' })).toBe(failure);
  });

  test('the mapped Failure keeps the original error as its cause and says what failed in the log line', () => {
    const error = restError(404, { code: 60390, message: 'Factor not found' });
    const failure = mapVerifyError(error, 'fetch factor');
    expect(failure).toBeInstanceOf(Failure);
    expect(failure.cause).toBe(error);
    expect(failure.logDetail).toBe('verify fetch factor: Verify answered HTTP 404 code 60390');
    expect(failure.retryAfterSeconds).toBeUndefined();
  });
});

describe('describeVerifyFailure', () => {
  test.each<[string, unknown, string]>([
    ['a 401', restError(401, { code: 20003 }), 'Verify answered HTTP 401 code 20003 (check ACCOUNT_SID/AUTH_TOKEN)'],
    ['a 401 with 20404', restError(401, { code: 20404 }), 'Verify answered HTTP 401 code 20404 (check ACCOUNT_SID/AUTH_TOKEN)'],
    ['an unknown service', restError(404, { code: 20404 }), 'Verify answered HTTP 404 code 20404 (check VERIFY_SERVICE_SID)'],
    ['a coded error', restError(429, { code: 20429 }), 'Verify answered HTTP 429 code 20429'],
    ['an error without a body', restError(502, undefined), 'Verify answered HTTP 502'],
    ['an error with a textual code', restError(500, { code: 'x' }), 'Verify answered HTTP 500'],
    ['a body that is not JSON', new SyntaxError('Unexpected token'), 'Verify answered a body that is not JSON'],
    ['a socket error', transportError('ECONNRESET', 'secret-free?'), 'Verify call failed (ECONNRESET)'],
    ['an error without a code', new Error('the auth token is abc'), 'Verify call failed'],
    ['an error with a numeric code', Object.assign(new Error('x'), { code: 42 }), 'Verify call failed'],
    ['a thrown string', 'oops', 'Verify call failed'],
  ])('%s', (_what, error, line) => {
    expect(describeVerifyFailure(error)).toBe(line);
  });

  test("never repeats the error's message (it may carry a parameter or a credential)", () => {
    const error = restError(400, { code: 60200, message: 'Invalid parameter: AuthPayload 123456' });
    expect(describeVerifyFailure(error)).not.toContain('123456');
  });
});

describe('Failure', () => {
  test('carries its kind (as name and message), retry time, log detail and cause', () => {
    const cause = new Error('underlying');
    const failure = new Failure('upstream_rate_limited', { retryAfterSeconds: 7, logDetail: 'detail', cause });
    expect(failure).toBeInstanceOf(Error);
    expect(failure.name).toBe('Failure');
    expect(failure.message).toBe('upstream_rate_limited');
    expect(failure.kind).toBe('upstream_rate_limited');
    expect(failure.retryAfterSeconds).toBe(7);
    expect(failure.logDetail).toBe('detail');
    expect(failure.cause).toBe(cause);
    expect(new Failure('not_enrolled')).toMatchObject({ retryAfterSeconds: undefined, logDetail: undefined, cause: undefined });
  });

  test('isFailure: any Failure without kinds, one of the kinds with them, never anything else', () => {
    const failure = new Failure('wrong_code');
    expect(isFailure(failure)).toBe(true);
    expect(isFailure(failure, 'wrong_code')).toBe(true);
    expect(isFailure(failure, 'not_enrolled', 'wrong_code')).toBe(true);
    expect(isFailure(failure, 'not_enrolled')).toBe(false);
    expect(isFailure(Object.assign(new Error('wrong_code'), { kind: 'wrong_code' }), 'wrong_code')).toBe(false);
    expect(isFailure(undefined)).toBe(false);
  });
});

describe('failure kinds → the caller answer', () => {
  // Status, stable code and Retry-After of every kind: the page and Studio branch on these.
  const ANSWERS: Record<FailureKind, [number, string, number | undefined]> = {
    not_enrolled: [404, 'not_enrolled', undefined],
    locked: [429, 'locked', undefined],
    capped: [403, 'account_locked', undefined],
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

  test('only locked and enrollment_in_progress put the retry time in the body (a page on another origin cannot read Retry-After)', () => {
    for (const kind of Object.keys(ANSWERS) as FailureKind[]) {
      const inBody = kind === 'locked' || kind === 'enrollment_in_progress';
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
