// lib/core/user-scope.ts: the support tool's scope is the operator's (Verify and the state document as it is, no code
// check), keyed by the same identity as the Functions' scope of that user, and it sees what they wrote.
import { createUserScope } from '../../../lib/core/user-scope';
import { operatorUser } from '../../../lib/core/users';
import { expectedIdentity } from '../../helpers/identity';
import { IDENTITY_SECRET, startCore, type CoreHarness } from '../../helpers/core';

let core: CoreHarness;

beforeAll(async () => {
  core = await startCore();
});
afterAll(() => core.close());

test("the operator's scope names the Functions' identity and reads their state document, not a code check", async () => {
  const sub = 'scope-user@example.com';
  const caller = core.caller(sub);
  const operator = createUserScope(operatorUser(sub), {
    client: core.emulator.client,
    verifyServiceSid: core.serviceSid,
    syncServiceSid: 'default',
    identitySecret: new TextEncoder().encode(IDENTITY_SECRET),
    activityTtlMs: 90 * 86_400_000,
    trustedDeviceTtlMs: 30 * 86_400_000,
    deadline: Date.now() + 60_000,
  });
  expect(operator.identity).toBe(expectedIdentity(IDENTITY_SECRET, sub));
  expect(operator.identity).toBe(caller.identity);
  expect(operator).not.toHaveProperty('withCodeCheck');
  expect(await operator.state.inspect()).toEqual({ state: undefined, onFile: 'none' });
  const { factorSid } = await core.enroll(caller);
  const seen = await operator.state.inspect();
  expect(seen.onFile).toBe('kept');
  expect(seen.state?.factor?.sid).toBe(factorSid);
  expect((await operator.verify.listTotpFactors(operator.identity)).map((factor) => factor.sid)).toEqual([factorSid]);
});
