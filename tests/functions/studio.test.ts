// POST /studio/check-code as Studio's Run Function widget calls it: form-encoded, always 200 {status} for expected outcomes.
import { enrollUser } from '../helpers/enrolled';
import { body, errorOf, totp, wrongCode, type FunctionsHarness } from '../helpers/functions';
import { useFunctionsStack } from '../helpers/functions-stack';

const { harness, clock } = useFunctionsStack({ envOverrides: { VERIFY_TIMEOUT_MS: '300' }, freshStep: 'test', clearFaults: true });

/** Enrolls `user` through the browser endpoints (the caller token's sub is the same user key Studio passes). */
async function enroll(user: string): Promise<string> {
  return (await enrollUser(harness, clock, user)).secret;
}

function studioCheck(user: string, code: string): ReturnType<FunctionsHarness['post']> {
  return harness.post('/studio/check-code', { user, code }, { form: true , signed: true });
}

test('a caller who never enrolled → 200 {status: "not_enrolled"}', async () => {
  const answer = await studioCheck('+15550000001', '123456');
  expect(answer.status).toBe(200);
  expect(body(answer)).toEqual({ status: 'not_enrolled' });
});

test('the right code → 200 {status: "approved"}; a wrong one → 200 {status: "pending"}', async () => {
  const secret = await enroll('+15550000002');
  expect(body(await studioCheck('+15550000002', wrongCode(secret, clock.now)))).toEqual({ status: 'pending' });
  expect(body(await studioCheck('+15550000002', totp(secret, clock.now)))).toEqual({ status: 'approved' });
});

test('an enrollment that was never verified counts as not enrolled', async () => {
  const token = await harness.token('+15550000003');
  await harness.post('/create-factor', {}, { token });
  expect(body(await studioCheck('+15550000003', '123456'))).toEqual({ status: 'not_enrolled' });
});

test('keyed-in garbage → 200 {status: "invalid"} without asking Verify', async () => {
  await harness.fault({ status: 500, count: 5 });
  expect(body(await studioCheck('+15550000004', '12#'))).toEqual({ status: 'invalid' });
});

test.each([
  ['too many challenges (60312)', { status: 429, code: 60312 }],
  ['too many wrong codes (60308)', { status: 429, code: 60308 }],
])('%s → 200 {status: "locked"}', async (_name, fault) => {
  const secret = await enroll(`+1555000001${fault.code % 10}`);
  await harness.fault({ match: { method: 'POST', path: '/Challenges' }, ...fault });
  const answer = await studioCheck(`+1555000001${fault.code % 10}`, totp(secret, clock.now));
  expect(answer.status).toBe(200);
  expect(body(answer)).toEqual({ status: 'locked' });
});

test('the user key is hashed into the same identity as the browser caller with that sub', async () => {
  const secret = await enroll('shared-user-key');
  expect(body(await studioCheck('shared-user-key', totp(secret, clock.now)))).toEqual({ status: 'approved' });
  expect(body(await studioCheck('other-user-key', totp(secret, clock.now)))).toEqual({ status: 'not_enrolled' });
});

test.each([
  ['Verify fails (500)', { status: 500 }, 502, 'verify_error'],
  ['Verify times out', { latencyMs: 1000 }, 503, 'verify_timeout'],
  ['Verify rate-limits the account (20429)', { status: 429, code: 20429 }, 429, 'rate_limited'],
])('a real fault is non-2xx so Studio takes the Fail path: %s', async (_name, fault, status, code) => {
  const logged: string[] = [];
  const logSpy = jest.spyOn(console, 'error').mockImplementation((line: unknown) => void logged.push(String(line)));
  try {
    await harness.fault({ match: { method: 'GET', path: '/Factors' }, ...fault });
    const answer = await studioCheck('+15550000005', '123456');
    expect(answer.status).toBe(status);
    expect(errorOf(answer).code).toBe(code);
  } finally {
    logSpy.mockRestore();
  }
  // The fault is logged for the operator, without the caller's number (personal data) or the code.
  expect(logged.join('\n')).toContain(`studio/check-code: ${code}`);
  expect(logged.join('\n')).not.toMatch(/15550000005|123456/);
});

test('JSON works too, and a missing user is a fault (400), not an outcome', async () => {
  // JSON is signed through bodySHA256 in the URL, as Twilio signs JSON bodies.
  expect(body(await harness.post('/studio/check-code', { user: '+15550000006', code: '123456' }, { signed: true }))).toEqual({ status: 'not_enrolled' });
  const answer = await harness.post('/studio/check-code', { code: '123456' }, { form: true , signed: true });
  expect(answer.status).toBe(400);
  expect(errorOf(answer).code).toBe('invalid_request');
});
