// No enrollment oracle (SECURITY.md, Studio): with STUDIO_HIDE_ENROLLMENT=true, /studio/check-code answers a caller who never enrolled
// exactly as a wrong code, so a spoofed caller ID cannot learn who is enrolled.
import { body, totp, wrongCode, type FunctionsHarness } from '../helpers/functions';
import { useFunctionsStack } from '../helpers/functions-stack';

const { harness, clock } = useFunctionsStack({ envOverrides: { STUDIO_HIDE_ENROLLMENT: 'true' } });

function studioCheck(user: string, code: string): ReturnType<FunctionsHarness['post']> {
  return harness.post('/studio/check-code', { user, code }, { form: true , signed: true });
}

test('a caller who never enrolled and an enrolled caller with a wrong code get the same answer; the right code is approved', async () => {
  const token = await harness.token('+15550001001');
  const { factorSid, secret } = body(await harness.post('/create-factor', {}, { token })) as { factorSid: string; secret: string };
  expect(body(await harness.post('/verify-factor', { factorSid, code: totp(secret, clock.now) }, { token })).status).toBe('verified');
  await clock.advance(30);

  const stranger = await studioCheck('+15550001002', '123456');
  const wrong = await studioCheck('+15550001001', wrongCode(secret, clock.now));
  expect([stranger.status, stranger.text]).toEqual([200, '{"status":"pending"}']);
  expect([wrong.status, wrong.text]).toEqual([stranger.status, stranger.text]);
  expect(body(await studioCheck('+15550001001', totp(secret, clock.now)))).toEqual({ status: 'approved' });
  // Keyed-in garbage is still told apart: it says nothing about the caller.
  expect(body(await studioCheck('+15550001002', '12#'))).toEqual({ status: 'invalid' });
});

test('the switch takes only true or false; anything else is a configuration error', async () => {
  const logged: string[] = [];
  const spy = jest.spyOn(console, 'error').mockImplementation((line: unknown) => void logged.push(String(line)));
  harness.env.STUDIO_HIDE_ENROLLMENT = 'yes';
  try {
    const answer = await studioCheck('+15550001003', '123456');
    expect(answer.status).toBe(500);
    expect(logged).toEqual([expect.stringContaining('configuration error: STUDIO_HIDE_ENROLLMENT must be true or false')]);
  } finally {
    harness.env.STUDIO_HIDE_ENROLLMENT = 'true';
    spy.mockRestore();
  }
});
