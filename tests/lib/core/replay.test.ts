// The kit's replay guard in-process (lib/core/factors.ts over lib/state/security-state.ts), on an emulator whose Verify accepts a code twice (allowCodeReuse), as real Verify
// may within its window: only the kit's own record of used codes stands between a replayed code and a second approval,
// and a reuse is answered as such (code_reused), not as a wrong code.
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

test('a code accepted once is code_reused the next time, without asking Verify (which would accept it here)', async () => {
  const secret = await enrolledSecret('replay-web@example.com');
  const scope = core.caller('replay-web@example.com');
  // The code of the enrollment step itself is spent as well.
  await expect(checkCode(scope, core.code(secret))).rejects.toMatchObject({ kind: 'code_reused' });
  await core.nextStep();
  const code = core.code(secret);
  expect((await checkCode(scope, code)).status).toBe('approved');
  const before = core.emulator.exchanges.filter((exchange) => exchange.path.includes('/Challenges')).length;
  await expect(checkCode(scope, code)).rejects.toMatchObject({ kind: 'code_reused' });
  expect(core.emulator.exchanges.filter((exchange) => exchange.path.includes('/Challenges'))).toHaveLength(before);
  const { events } = await listActivity(scope);
  expect(events[0]?.type).toBe('challenge.reused');
});

test('ten concurrent checks of one code, each asking Verify (which accepts them all here): exactly one approval', async () => {
  const secret = await enrolledSecret('replay-race@example.com');
  await core.nextStep();
  const code = core.code(secret);
  const results = await Promise.allSettled(Array.from({ length: 10 }, () => checkCode(core.caller('replay-race@example.com'), code)));
  const outcomes = results.map((result) => (result.status === 'fulfilled' ? result.value.status : (result.reason as Failure).kind));
  expect(outcomes.filter((outcome) => outcome === 'approved')).toHaveLength(1);
  // The rest: reuses (the kit's record said no to what Verify approved), or refused while the others were in flight.
  expect(outcomes.every((outcome) => ['approved', 'code_reused', 'locked'].includes(outcome))).toBe(true);
  expect(outcomes).toContain('code_reused');
});

test('a code spent on the web is reused on Studio, and one spent on a delete cannot sign in', async () => {
  const key = '+15550001111';
  const secret = await enrolledSecret(key);
  await core.nextStep();
  const code = core.code(secret);
  expect((await checkCode(core.caller(key), code)).status).toBe('approved');
  expect(await checkCodeForStudio(core.studio(key), code)).toBe('reused');
  await core.nextStep();
  const scope = core.caller(key);
  const deleteCode = core.code(secret);
  const factorSid = (await core.entityOf(scope.user).factors.list())[0]?.sid ?? '';
  expect(await removeFactor(scope, factorSid, { code: deleteCode })).toEqual({ deleted: true });
  await expect(checkCode(scope, deleteCode)).rejects.toEqual(new Failure('not_enrolled'));
});
