// The table at Verify's edge (lib/verify/verify-errors.ts): a failed Verify call (Twilio error code, HTTP status or
// transport failure) becomes a failure kind of the core, with a log line that says what failed and nothing secret.
import RestException from 'twilio/lib/base/RestException';
import { Failure, type FailureKind } from '../../../lib/core/failures';
import { describeVerifyFailure, mapVerifyError, TWILIO_ERROR_TABLE } from '../../../lib/verify/verify-errors';

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
