// A sign-in check learns the verified factor from the kit's state instead of listing factors in Verify, and stays right
// when the state does not know it (a user enrolled before the state existed) or knows one that is gone (deleted
// outside the kit, e.g. in the Console).
import twilio from 'twilio';
import { createEmulatorHttpClient } from '../../emulator/client/http-client';
import { body, errorOf, totp } from '../helpers/functions';
import { useFunctionsStack } from '../helpers/functions-stack';
import { storedState } from '../helpers/state';

const { harness, clock } = useFunctionsStack();
let client: twilio.Twilio;

beforeAll(() => {
  client = twilio(harness.env.ACCOUNT_SID, harness.env.AUTH_TOKEN, {
    httpClient: createEmulatorHttpClient({ emulatorUrl: harness.stack.emulatorUrl, timeoutMs: 5000 }),
  });
});

function entityOf(user: string): ReturnType<ReturnType<twilio.Twilio['verify']['v2']['services']>['entities']> {
  return client.verify.v2.services(harness.env.VERIFY_SERVICE_SID ?? '').entities(harness.identityOf(user));
}

/** A factor verified directly in Verify, as before the kit kept state (or by another tool). */
async function enrollOutsideTheKit(user: string): Promise<{ sid: string; secret: string }> {
  const factor = await entityOf(user).newFactors.create({ friendlyName: 'legacy', factorType: 'totp' });
  const secret = String((factor.binding as { secret?: unknown }).secret);
  await entityOf(user).factors(factor.sid).update({ authPayload: totp(secret, clock.now) });
  await clock.nextStep();
  return { sid: factor.sid, secret };
}

test('a user the state does not know yet signs in, and the state then knows the factor', async () => {
  const legacy = await enrollOutsideTheKit('known-legacy');
  const token = await harness.token('known-legacy');
  expect(await storedState(harness, 'known-legacy')).toBeUndefined();
  expect(body(await harness.post('/create-challenge', { code: totp(legacy.secret, clock.now) }, { token })).status).toBe('approved');
  expect((await storedState(harness, 'known-legacy'))?.data.factor).toEqual({
    sid: legacy.sid,
    config: { algorithm: 'SHA1', digits: 6, period: 30, skew: 1 },
  });
});

test('a known factor deleted outside the kit: not_enrolled, and the state forgets it', async () => {
  const legacy = await enrollOutsideTheKit('known-deleted');
  const token = await harness.token('known-deleted');
  expect(body(await harness.post('/create-challenge', { code: totp(legacy.secret, clock.now) }, { token })).status).toBe('approved');
  await entityOf('known-deleted').factors(legacy.sid).remove();
  await clock.nextStep();
  const answer = await harness.post('/create-challenge', { code: totp(legacy.secret, clock.now) }, { token });
  expect([answer.status, errorOf(answer).code]).toEqual([404, 'not_enrolled']);
  expect((await storedState(harness, 'known-deleted'))?.data.factor).toBeNull();
});

test('a known factor replaced outside the kit: the code is checked against the new one', async () => {
  const old = await enrollOutsideTheKit('known-replaced');
  const token = await harness.token('known-replaced');
  expect(body(await harness.post('/create-challenge', { code: totp(old.secret, clock.now) }, { token })).status).toBe('approved');
  await entityOf('known-replaced').factors(old.sid).remove();
  const replacement = await enrollOutsideTheKit('known-replaced');
  expect(body(await harness.post('/create-challenge', { code: totp(replacement.secret, clock.now) }, { token })).status).toBe('approved');
  expect((await storedState(harness, 'known-replaced'))?.data.factor).toMatchObject({ sid: replacement.sid });
});

test('deleting the factor through the kit makes the state forget it before Verify deletes it', async () => {
  const legacy = await enrollOutsideTheKit('known-kit-delete');
  const token = await harness.token('known-kit-delete');
  expect(body(await harness.post('/create-challenge', { code: totp(legacy.secret, clock.now) }, { token })).status).toBe('approved');
  await clock.nextStep();
  expect(body(await harness.post('/delete-factor', { factorSid: legacy.sid, code: totp(legacy.secret, clock.now) }, { token }))).toEqual({ deleted: true });
  expect((await storedState(harness, 'known-kit-delete'))?.data.factor).toBeNull();
  const answer = await harness.post('/create-challenge', { code: '123456' }, { token });
  expect(errorOf(answer).code).toBe('not_enrolled');
});
