// The core's own language for what went wrong (lib/core/failures.ts): a Failure carries its kind, never an HTTP status.
import { Failure, isFailure } from '../../../lib/core/failures';

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
