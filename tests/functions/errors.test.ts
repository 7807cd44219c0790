// Every Verify failure the emulator can inject, and every misconfiguration, as the caller and the log see them.
import { createServer } from 'node:net';
import { TWILIO_ERROR_TABLE } from '../../lib/verify/verify-errors';
import { alignedNow, body, errorOf, startFunctionsHarness, totp, type FunctionsHarness } from '../helpers/functions';
import { captureErrorLog } from '../helpers/log-capture';

/** Small, so a latency fault times out fast; the Functions must still answer (and not hang) when Verify stalls. */
const VERIFY_TIMEOUT_MS = 300;
/** The caller's user id and one-time code: neither may reach a log line. */
const USER = 'fault-user';
const CODE = '480913';

let harness: FunctionsHarness;
let token: string;
/** The fault user's verified factor, and an unverified one of another user: every check before the faulted call passes. */
let verifiedSid: string;
let unverifiedSid: string;
let unverifiedToken: string;

beforeAll(async () => {
  harness = await startFunctionsHarness({ envOverrides: { VERIFY_TIMEOUT_MS: String(VERIFY_TIMEOUT_MS) } });
  token = await harness.token(USER);
  const now = alignedNow();
  await harness.setClock(now);
  const enrolled = body(await harness.post('/create-factor', {}, { token })) as { factorSid: string; secret: string };
  verifiedSid = enrolled.factorSid;
  expect(body(await harness.post('/verify-factor', { factorSid: verifiedSid, code: totp(enrolled.secret, now) }, { token })).status).toBe('verified');
  await harness.setClock(now + 30);
  unverifiedToken = await harness.token('fault-user-enrolling');
  unverifiedSid = (body(await harness.post('/create-factor', {}, { token: unverifiedToken })) as { factorSid: string }).factorSid;
});
afterAll(async () => {
  await harness.close();
});
beforeEach(async () => {
  await harness.clearFaults();
});
/** The Functions' log lines: each fault's one line, read by the tests and kept out of their output. */
const log = captureErrorLog();

/** A sign-in check against the enrolled factor whose POST …/Challenges meets `fault`. */
async function checkUnderFault(fault: Record<string, unknown>): Promise<Awaited<ReturnType<FunctionsHarness['post']>>> {
  await harness.fault({ match: { method: 'POST', path: '/Challenges' }, ...fault });
  return harness.post('/create-challenge', { code: CODE, factorSid: verifiedSid }, { token });
}

describe('transport failures and upstream statuses', () => {
  test.each([
    ['Verify answers 500', 502, 'verify_error', null, { status: 500 }],
    ['Verify answers 502', 502, 'verify_error', null, { status: 502 }],
    ['Verify answers 503', 503, 'verify_unavailable', '5', { status: 503 }],
    ['Verify answers 504', 503, 'verify_timeout', '5', { status: 504 }],
    ['Verify answers 429 (20429)', 429, 'rate_limited', '5', { status: 429, code: 20429 }],
    ['Verify answers 429 without a known code', 429, 'rate_limited', '5', { status: 429 }],
    ['Verify is slower than VERIFY_TIMEOUT_MS', 503, 'verify_timeout', '5', { latencyMs: VERIFY_TIMEOUT_MS + 700 }],
    ['Verify drops the connection', 502, 'verify_error', null, { drop: true }],
    ['Verify answers 200 with a body that is not JSON', 502, 'verify_error', null, { malformed: true }],
    ['Verify answers 500 with a body that is not JSON', 502, 'verify_error', null, { malformed: true, status: 500 }],
  ] as const)('%s → %i %s', async (_name, status, code, retryAfter, fault) => {
    const started = Date.now();
    const answer = await checkUnderFault(fault);
    // Not a speed measurement: a stalled Verify call is abandoned, the answer does not wait for it.
    if ('latencyMs' in fault) expect(Date.now() - started).toBeLessThan(fault.latencyMs);
    expect(answer.status).toBe(status);
    expect(errorOf(answer).code).toBe(code);
    expect(answer.headers.get('retry-after')).toBe(retryAfter);
    expect(answer.headers.get('content-type')).toMatch(/^application\/json/);
    expect(answer.text).not.toMatch(/stack|\.js:\d+|Injected fault|twilio\.com/);
    // One log line names the endpoint, the kit code and the failing Verify call; it carries no token, code or user id.
    expect(log.lines).toHaveLength(1);
    const [line = ''] = log.lines;
    expect(line).toContain(`create-challenge: ${code}`);
    expect(line).toContain('verify create challenge');
    for (const secret of [token, CODE, USER, String(harness.env.AUTH_TOKEN)]) expect(line).not.toContain(secret);
  });

  test('Verify unreachable (connection refused) → 503 verify_unavailable with Retry-After', async () => {
    // A port that was just free: nothing listens there, so the connection is refused.
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const { port } = probe.address() as { port: number };
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const saved = harness.env.EMULATOR_URL;
    // The runtime hands each invocation the environment as it is then (as after a redeploy with other variables).
    harness.env.EMULATOR_URL = `http://127.0.0.1:${port}`;
    try {
      const answer = await harness.post('/list-factors', {}, { token });
      expect(answer.status).toBe(503);
      expect(errorOf(answer).code).toBe('verify_unavailable');
      expect(answer.headers.get('retry-after')).toBe('5');
      expect(log.lines.join('\n')).toContain('ECONNREFUSED');
    } finally {
      harness.env.EMULATOR_URL = saved ?? '';
    }
  });

  test('Verify refusing our credentials (20003) is a generic 500 for the caller and a hint in the log', async () => {
    const answer = await checkUnderFault({ status: 401, code: 20003 });
    expect(answer.status).toBe(500);
    expect(errorOf(answer)).toEqual({ code: 'internal_error', message: 'Something went wrong on our side.' });
    expect(log.lines.join('\n')).toContain('check ACCOUNT_SID/AUTH_TOKEN');
    expect(log.lines.join('\n')).not.toContain(harness.env.AUTH_TOKEN);
  });
});

/** Twilio error code → the HTTP status Twilio sends with it, and what the caller must see. Stated here independently of lib/. */
const EXPECTED: ReadonlyArray<[twilioCode: number, twilioStatus: number, status: number, code: string, retryAfter: string | null]> = [
  [20404, 404, 404, 'factor_not_found', null],
  [20429, 429, 429, 'rate_limited', '5'],
  [60200, 400, 400, 'invalid_request', null],
  [60308, 429, 429, 'too_many_attempts', '300'],
  [60310, 429, 429, 'too_many_attempts', '86400'],
  [60311, 403, 403, 'invalid_code', null],
  [60312, 429, 429, 'too_many_challenges', '3600'],
  [60314, 400, 400, 'invalid_request', null],
  [60315, 400, 409, 'too_many_factors', null],
  [60318, 403, 409, 'factor_not_verified', null],
  [60322, 403, 409, 'factor_state_conflict', null],
  [60323, 403, 409, 'factor_state_conflict', null],
  [60324, 403, 403, 'invalid_code', null],
  [60326, 429, 429, 'too_many_enrollments', '86400'],
  [60367, 400, 400, 'invalid_request', null],
  [60369, 400, 400, 'invalid_request', null],
  [60370, 400, 400, 'invalid_request', null],
  [60383, 400, 409, 'factor_state_conflict', null],
  [60390, 404, 404, 'factor_not_found', null],
  [60391, 404, 404, 'challenge_not_found', null],
  [60392, 404, 404, 'factor_not_found', null],
];

describe('Twilio error codes', () => {
  test('every code in the kit table has a row here (so a new mapping comes with a test)', () => {
    expect(EXPECTED.map(([code]) => code).sort()).toEqual(Object.keys(TWILIO_ERROR_TABLE).map(Number).sort());
  });

  test.each(EXPECTED)('Twilio %i (HTTP %i) → %i %s', async (twilioCode, twilioStatus, status, code, retryAfter) => {
    const answer = await checkUnderFault({ status: twilioStatus, code: twilioCode });
    expect(answer.status).toBe(status);
    expect(errorOf(answer).code).toBe(code);
    expect(answer.headers.get('retry-after')).toBe(retryAfter);
    expect(answer.text).not.toContain(String(twilioCode));
  });

  test('an unknown 4xx code from Verify is a 502 verify_error, log.lines with its Twilio code', async () => {
    const answer = await checkUnderFault({ status: 400, code: 69999 });
    expect(answer.status).toBe(502);
    expect(errorOf(answer).code).toBe('verify_error');
    expect(log.lines.join('\n')).toContain('code 69999');
  });
});

describe('faults on the other endpoints', () => {
  test.each([
    ['/create-factor', () => ({}), 'GET', () => '/Factors'],
    ['/create-factor', () => ({}), 'POST', () => '/Factors'],
    ['/list-factors', () => ({}), 'GET', () => '/Factors'],
    ['/verify-factor', () => ({ factorSid: unverifiedSid, code: '123456' }), 'GET', () => `/Factors/${unverifiedSid}`],
    ['/verify-factor', () => ({ factorSid: unverifiedSid, code: '123456' }), 'POST', () => `/Factors/${unverifiedSid}`],
    // A code-less delete asks Verify about an unverified factor (one the state knows as verified needs the step-up first).
    ['/delete-factor', () => ({ factorSid: unverifiedSid }), 'GET', () => `/Factors/${unverifiedSid}`],
    ['/create-challenge', () => ({ code: '123456' }), 'GET', () => '/Factors'],
  ])('%s maps a 503 on %s …%s to 503 verify_unavailable', async (path, input, method, verifyPath) => {
    await harness.fault({ match: { method, path: verifyPath() }, status: 503 });
    // The POST-only faults would not match a create-factor made by another user; each row uses its own caller.
    // A sign-in check lists factors only when the kit's state does not know the verified one yet: a user who has none.
    const caller =
      path === '/verify-factor' || path === '/create-challenge' || path === '/delete-factor'
        ? unverifiedToken
        : path === '/create-factor'
          ? await harness.token(`fault-new-${method}`)
          : token;
    const answer = await harness.post(path, input(), { token: caller });
    expect(answer.status).toBe(503);
    expect(errorOf(answer).code).toBe('verify_unavailable');
  });

  test('a service that does not exist (20404 on factor creation) is a generic 500 with a hint in the log', async () => {
    await harness.fault({ match: { method: 'POST', path: '/Factors' }, status: 404, code: 20404 });
    const answer = await harness.post('/create-factor', {}, { token: await harness.token('fault-new-service') });
    expect(answer.status).toBe(500);
    expect(errorOf(answer).code).toBe('internal_error');
    expect(log.lines.join('\n')).toContain('check VERIFY_SERVICE_SID');
    expect(log.lines.join('\n')).not.toContain(harness.env.VERIFY_SERVICE_SID);
  });

  test('a user without an entity in Verify (60392 on listing) simply has no factors', async () => {
    await harness.fault({ match: { method: 'GET', path: '/Factors' }, status: 404, code: 60392 });
    const answer = await harness.post('/list-factors', {}, { token });
    expect(answer.status).toBe(200);
    expect(answer.json).toMatchObject({ factors: [] });
  });

  test('an abandoned enrollment that Verify already dropped does not block a new one', async () => {
    const user = await harness.token('cleanup-user');
    expect((await harness.post('/create-factor', {}, { token: user })).status).toBe(201);
    // Verify deletes unverified factors on its own; the cleanup's DELETE then finds nothing (60390).
    await harness.fault({ match: { method: 'DELETE', path: '/Factors/' }, status: 404, code: 60390 });
    // Later than the kit's 30 s hold on an enrollment in flight (one enrollment at a time).
    await harness.setClock(alignedNow() + 120);
    const answer = await harness.post('/create-factor', {}, { token: user });
    expect(answer.status).toBe(201);
  });
});
