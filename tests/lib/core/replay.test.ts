// The kit's replay guard in-process (lib/core/factors.ts over lib/state/security-state.ts), on an emulator whose Verify accepts a code twice (allowCodeReuse), as real Verify
// may within its window: only the kit's own record of used codes stands between a replayed code and a second approval.
import { checkCode, checkCodeForStudio, listActivity, removeFactor } from '../../../lib/core/factors';
import { Failure } from '../../../lib/core/failures';
import { startCore, type CoreHarness } from '../../helpers/core';

let core: CoreHarness;

beforeAll(async () => {
  core = await startCore({ switches: { allowCodeReuse: true, maxAttempts: 50 } });
});
afterAll(() => core.close());

async function enrolledSecret(sub: string): Promise<string> {
  return (await core.enroll(core.caller(sub))).secret;
}

test('Verify accepts the code twice; the kit approves it once and records the second as a replay', async () => {
  const secret = await enrolledSecret('replay-web@example.com');
  const scope = core.caller('replay-web@example.com');
  // The code of the enrollment step itself is spent as well.
  expect(await checkCode(scope, core.code(secret))).toEqual({ status: 'pending', challengeSid: expect.any(String) });
  await core.nextStep();
  const code = core.code(secret);
  expect((await checkCode(scope, code)).status).toBe('approved');
  const replayed = await checkCode(scope, code);
  expect(replayed).toEqual({ status: 'pending', challengeSid: expect.any(String) });
  // Verify itself approved the replayed challenge: the kit is what said no.
  const challenge = await core.emulator.client.verify.v2
    .services(core.serviceSid)
    .entities(scope.identity)
    .challenges(replayed.challengeSid)
    .fetch();
  expect(challenge.status).toBe('approved');
  const { events } = await listActivity(scope);
  expect([events[0]?.type, events[0]?.outcome]).toEqual(['challenge.failed', 'replay']);
});

test('ten concurrent checks of one code: exactly one approval', async () => {
  const secret = await enrolledSecret('replay-race@example.com');
  await core.nextStep();
  const code = core.code(secret);
  const results = await Promise.allSettled(Array.from({ length: 10 }, () => checkCode(core.caller('replay-race@example.com'), code)));
  const outcomes = results.map((result) => (result.status === 'fulfilled' ? result.value.status : (result.reason as Failure).kind));
  expect(outcomes.filter((outcome) => outcome === 'approved')).toHaveLength(1);
  // The nine replays count as wrong codes: the fifth starts the lock (those that passed the lock check before it began
  // still answer pending), and the lock holds for the next check.
  expect(new Set(outcomes.filter((outcome) => outcome !== 'approved'))).toEqual(new Set(['pending', 'locked']));
  await expect(checkCode(core.caller('replay-race@example.com'), core.code(secret, 1))).rejects.toMatchObject({ kind: 'locked' });
});

test('a code spent on the web is pending on Studio, and one spent on a delete cannot sign in', async () => {
  const key = '+15550001111';
  const secret = await enrolledSecret(key);
  await core.nextStep();
  const code = core.code(secret);
  expect((await checkCode(core.caller(key), code)).status).toBe('approved');
  expect(await checkCodeForStudio(core.studio(key), code)).toBe('pending');
  await core.nextStep();
  const scope = core.caller(key);
  const deleteCode = core.code(secret);
  const factorSid = (await core.entityOf(scope.user).factors.list())[0]?.sid ?? '';
  expect(await removeFactor(scope, factorSid, { code: deleteCode })).toEqual({ deleted: true });
  await expect(checkCode(scope, deleteCode)).rejects.toEqual(new Failure('not_enrolled'));
});
