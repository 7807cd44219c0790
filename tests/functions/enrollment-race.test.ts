// One enrollment at a time (lib/state/security-state.ts): concurrent /create-factor calls for one user leave exactly one
// unverified factor in Verify, the one a caller received; the others answer 409 enrollment_in_progress. An abandoned
// or failed enrollment blocks a new one for ~30 s at most.
import { body, errorOf, type Answer } from '../helpers/functions';
import { useFunctionsStack } from '../helpers/functions-stack';
import { captureErrorLog } from '../helpers/log-capture';
import { factorsInVerify } from '../helpers/state';

const { harness, clock } = useFunctionsStack({ clearFaults: true });
/** The Functions' error log: an upstream failure's one line, read by the test that causes it. */
const log = captureErrorLog();

function createFactors(token: string, count: number): Promise<Answer[]> {
  return Promise.all(Array.from({ length: count }, () => harness.post('/create-factor', {}, { token })));
}

test('8 concurrent enrollments: one 201, seven 409, and Verify holds the one factor that was handed out', async () => {
  const token = await harness.token('race-8');
  const answers = await createFactors(token, 8);
  const created = answers.filter((answer) => answer.status === 201);
  expect(created).toHaveLength(1);
  for (const answer of answers.filter((candidate) => candidate.status !== 201)) {
    expect([answer.status, errorOf(answer).code]).toEqual([409, 'enrollment_in_progress']);
    const seconds = Number(answer.headers.get('retry-after'));
    expect(seconds).toBeGreaterThan(0);
    expect(seconds).toBeLessThanOrEqual(30);
    expect(body(answer).error).toMatchObject({ retryAfterSeconds: seconds });
  }
  const handedOut = body(created[0] as Answer).factorSid;
  expect(await factorsInVerify(harness, 'race-8')).toEqual([{ sid: handedOut, status: 'unverified' }]);
});

test('an abandoned enrollment blocks a new one for 30 s at most, then the new one replaces it', async () => {
  const token = await harness.token('race-abandoned');
  const first = body(await harness.post('/create-factor', {}, { token })).factorSid;
  await clock.advance(29);
  const early = await harness.post('/create-factor', {}, { token });
  expect([early.status, errorOf(early).code, early.headers.get('retry-after')]).toEqual([409, 'enrollment_in_progress', '1']);
  await clock.advance(1);
  const again = await harness.post('/create-factor', {}, { token });
  expect(again.status).toBe(201);
  expect(body(again).factorSid).not.toBe(first);
  expect(await factorsInVerify(harness, 'race-abandoned')).toEqual([{ sid: body(again).factorSid, status: 'unverified' }]);
});

test('a failed creation in Verify lets the next attempt go ahead at once', async () => {
  const token = await harness.token('race-failed');
  await harness.fault({ match: { method: 'POST', path: '/Factors' }, status: 503 });
  const failed = await harness.post('/create-factor', {}, { token });
  expect([failed.status, errorOf(failed).code]).toEqual([503, 'verify_unavailable']);
  expect(log.lines).toEqual(['[totp-functions] create-factor: verify_unavailable (verify create factor: Verify answered HTTP 503 code 503)']);
  const retried = await harness.post('/create-factor', {}, { token });
  expect(retried.status).toBe(201);
  expect(await factorsInVerify(harness, 'race-failed')).toHaveLength(1);
});

test('different users do not wait for each other', async () => {
  const answers = await Promise.all(
    ['race-a', 'race-b', 'race-c'].map(async (user) => harness.post('/create-factor', {}, { token: await harness.token(user) })),
  );
  expect(answers.map((answer) => answer.status)).toEqual([201, 201, 201]);
});
