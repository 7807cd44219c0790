// Sync faults (README, Errors: state_unavailable): when the state cannot be read or written, a code check fails closed with a
// stable code: 503 state_unavailable with Retry-After, no approval token, no Verify call when the lock check itself
// failed, and no half-written state. Faults come from the emulator's fault injection on Sync paths.
import twilio from 'twilio';
import { createEmulatorHttpClient } from '../../emulator/client/http-client';
import { enrollUser } from '../helpers/enrolled';
import { body, errorOf, totp, wrongCode, type Answer } from '../helpers/functions';
import { useFunctionsStack } from '../helpers/functions-stack';
import { captureErrorLog } from '../helpers/log-capture';
import { challengeCount, factorsInVerify, storedState } from '../helpers/state';

/** Small, so a latency fault times out fast; large enough that a busy 2-core machine never trips it by itself. */
const TIMEOUT_MS = 1500;

const { harness, clock } = useFunctionsStack({ envOverrides: { VERIFY_TIMEOUT_MS: String(TIMEOUT_MS) }, clearFaults: true });
let users = 0;
/** The Functions' log lines: what failed, read by the tests and kept out of their output. */
const log = captureErrorLog();

/** A fresh enrolled user with a state document (one wrong code recorded), at a fresh time step. */
async function enrolledWithState(): Promise<{ user: string; token: string; secret: string }> {
  users += 1;
  const { user, token, secret } = await enrollUser(harness, clock, `faults-${users}`);
  expect(body(await harness.post('/create-challenge', { code: wrongCode(secret, clock.now) }, { token })).status).toBe('pending');
  return { user, token, secret };
}

function expectStateUnavailable(answer: Answer): void {
  expect(answer.status).toBe(503);
  expect(errorOf(answer).code).toBe('state_unavailable');
  expect(answer.headers.get('retry-after')).toBe('5');
  expect(answer.text).not.toMatch(/approval|stack|Injected|twilio\.com/);
}

const FAULTS = [
  ['Sync answers 500', { status: 500 }],
  ['Sync answers 503', { status: 503 }],
  ['Sync rate-limits the document (429, 54009)', { status: 429, code: 54009 }],
  ['Sync drops the connection', { drop: true }],
  ['Sync answers a body that is not JSON', { malformed: true }],
  ['Sync is slower than the timeout', { latencyMs: TIMEOUT_MS + 1000 }],
] as const;

describe('the lock check cannot read the state', () => {
  test.each(FAULTS)('%s → 503 state_unavailable, and Verify is not asked', async (_name, fault) => {
    const { user, token, secret } = await enrolledWithState();
    const asked = await challengeCount(harness, user);
    await harness.fault({ match: { method: 'GET', path: '/Documents/' }, ...fault });
    expectStateUnavailable(await harness.post('/create-challenge', { code: totp(secret, clock.now) }, { token }));
    expect(await challengeCount(harness, user)).toBe(asked);
    expect(log.lines.join('\n')).toMatch(/create-challenge: state_unavailable \(state read: /);
  });

  test('Studio gets a non-2xx answer, its Fail path', async () => {
    const { user, secret } = await enrolledWithState();
    await harness.fault({ match: { method: 'GET', path: '/Documents/' }, status: 503 });
    expectStateUnavailable(await harness.post('/studio/check-code', { user, code: totp(secret, clock.now) }, { form: true, signed: true }));
  });

  test('/create-factor refuses to start an enrollment it cannot hold, and creates nothing in Verify', async () => {
    const token = await harness.token('faults-enroll');
    await harness.fault({ match: { method: 'GET', path: '/Documents/' }, status: 500 });
    expectStateUnavailable(await harness.post('/create-factor', {}, { token }));
    expect(await factorsInVerify(harness, 'faults-enroll')).toEqual([]);
  });
});

describe('the outcome cannot be written', () => {
  // A late write may still land after the answer (as on Twilio): that is tested apart, without a look at the state.
  const WRITE_FAULTS = [...FAULTS.filter(([, fault]) => !('latencyMs' in fault)), ['a storm of revision mismatches (412, 54103)', { status: 412, code: 54103, count: 30 }]] as const;

  test.each(WRITE_FAULTS)(
    'a right code: %s → 503 state_unavailable, no approval token, the state unchanged',
    async (_name, fault) => {
      const { user, token, secret } = await enrolledWithState();
      const before = await storedState(harness, user);
      await harness.fault({ match: { method: 'POST', path: '/Documents/totp-user-' }, ...fault });
      expectStateUnavailable(await harness.post('/create-challenge', { code: totp(secret, clock.now) }, { token }));
      await harness.clearFaults();
      expect(await storedState(harness, user)).toEqual(before);
    },
  );

  test('a right code whose write times out → 503 state_unavailable, no approval token', async () => {
    const { token, secret } = await enrolledWithState();
    await harness.fault({ match: { method: 'POST', path: '/Documents/totp-user-' }, latencyMs: TIMEOUT_MS + 1000 });
    expectStateUnavailable(await harness.post('/create-challenge', { code: totp(secret, clock.now) }, { token }));
  });

  test('a wrong code: the failure cannot go uncounted, so the answer is 503, not pending', async () => {
    const { user, token, secret } = await enrolledWithState();
    const before = await storedState(harness, user);
    await harness.fault({ match: { method: 'POST', path: '/Documents/totp-user-' }, status: 500 });
    expectStateUnavailable(await harness.post('/create-challenge', { code: wrongCode(secret, clock.now) }, { token }));
    expect(await storedState(harness, user)).toEqual(before);
  });

  test('a storm of revision mismatches is log.lines as lost races', async () => {
    const { token, secret } = await enrolledWithState();
    await harness.fault({ match: { method: 'POST', path: '/Documents/totp-user-' }, status: 412, code: 54103, count: 30 });
    expectStateUnavailable(await harness.post('/create-challenge', { code: wrongCode(secret, clock.now) }, { token }));
    expect(log.lines.join('\n')).toContain('state write: lost 10 compare-and-swap races in a row');
  });

  test('a few revision mismatches are retried and the check goes through', async () => {
    const { user, token, secret } = await enrolledWithState();
    await harness.fault({ match: { method: 'POST', path: '/Documents/totp-user-' }, status: 412, code: 54103, count: 3 });
    expect(body(await harness.post('/create-challenge', { code: totp(secret, clock.now) }, { token })).status).toBe('approved');
    expect((await storedState(harness, user))?.data).toMatchObject({ caller: { failures: 0 } });
  });
});

describe('what the state holds is never guessed at', () => {
  test('a document the kit did not write is refused (503), not reset: resetting could lift a lock', async () => {
    const user = 'faults-foreign-document';
    const token = await harness.token(user);
    const client = twilio(harness.env.ACCOUNT_SID, harness.env.AUTH_TOKEN, {
      httpClient: createEmulatorHttpClient({ emulatorUrl: harness.stack.emulatorUrl, timeoutMs: 5000 }),
    });
    await client.sync.v1.services(harness.env.SYNC_SERVICE_SID ?? 'default').documents.create({
      uniqueName: `totp-user-${harness.identityOf(user)}`,
      data: { hello: 'world' },
    });
    expectStateUnavailable(await harness.post('/create-challenge', { code: '123456' }, { token }));
    expect(log.lines.join('\n')).toContain('not in the kit format');
  });

  test('a Sync service that does not exist (20404) is a generic 500, with a hint in the log', async () => {
    const token = await harness.token('faults-no-service');
    await harness.fault({ match: { method: 'GET', path: '/Documents/' }, status: 404, code: 20404 });
    const answer = await harness.post('/create-challenge', { code: '123456' }, { token });
    expect([answer.status, errorOf(answer).code]).toEqual([500, 'internal_error']);
    expect(log.lines.join('\n')).toContain('check SYNC_SERVICE_SID');
  });
});
