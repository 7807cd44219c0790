// An enrolled user over HTTP, as a person gets one: a caller token, /create-factor, /verify-factor with the current code,
// then the next time step, so the first sign-in code differs from the one the enrollment used up.
import type { StackClock } from './clock';
import { body, totp, type Answer, type FunctionsHarness } from './functions';

export interface EnrolledUser {
  user: string;
  token: string;
  factorSid: string;
  /** The factor's Base32 secret, for the codes of later steps. */
  secret: string;
  /** The ten recovery codes the verification answered. */
  recoveryCodes: string[];
  /** The /verify-factor answer itself, for suites that check its headers. */
  verified: Answer;
}

export async function enrollUser(harness: FunctionsHarness, clock: StackClock, user: string, options: { label?: string } = {}): Promise<EnrolledUser> {
  const token = await harness.token(user);
  const created = await harness.post('/create-factor', options.label === undefined ? {} : { label: options.label }, { token });
  expect([user, created.status]).toEqual([user, 201]);
  const { factorSid, secret } = body(created) as { factorSid: string; secret: string };
  const verified = await harness.post('/verify-factor', { factorSid, code: totp(secret, clock.now) }, { token });
  expect([user, body(verified).status]).toEqual([user, 'verified']);
  await clock.nextStep();
  return { user, token, factorSid, secret, recoveryCodes: body(verified).recoveryCodes as string[], verified };
}
