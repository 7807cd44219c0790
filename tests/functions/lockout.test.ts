// The kit's lockout over HTTP (README, Security model; lib/state/model.ts): consecutive wrong codes lock a user's
// channel with a doubling backoff on every path that checks a code, the lock refuses even the right code without
// asking Verify, a success resets it, and voice (Studio) and web (caller token) lock separately. Time moves with the
// stack's clock (the emulator's and the Functions'), never with sleeps.
import { enrollUser } from '../helpers/enrolled';
import { body, errorOf, startFunctionsHarness, totp, wrongCode, type Answer, type FunctionsHarness } from '../helpers/functions';
import { useFunctionsStack } from '../helpers/functions-stack';
import { captureErrorLog } from '../helpers/log-capture';
import { challengeCount, factorsInVerify, storedState } from '../helpers/state';

// Verify's own per-factor attempt limit is raised so that what these tests see is the kit's lock alone.
const { harness, clock } = useFunctionsStack({ emulatorSwitches: { maxAttempts: 50 } });
/** The Functions' log lines (a lock's one line when it begins); kept out of the test output. */
const log = captureErrorLog();

function signIn(token: string, code: string): Promise<Answer> {
  return harness.post('/create-challenge', { code }, { token });
}

function studio(user: string, code: string): Promise<Answer> {
  return harness.post('/studio/check-code', { user, code }, { form: true, signed: true });
}

function expectLocked(answer: Answer, seconds: number): void {
  expect(answer.status).toBe(429);
  expect(errorOf(answer).code).toBe('locked');
  expect(answer.headers.get('retry-after')).toBe(String(seconds));
  // In the body too: a page on another origin cannot read Retry-After.
  expect(body(answer).error).toMatchObject({ retryAfterSeconds: seconds });
}

/** `count` wrong sign-in codes; all but the last must be plain `pending` answers. */
async function wrongSignIns(token: string, secret: string, count: number): Promise<Answer> {
  for (let i = 1; i < count; i += 1) expect(body(await signIn(token, wrongCode(secret, clock.now))).status).toBe('pending');
  return signIn(token, wrongCode(secret, clock.now));
}

describe('/create-challenge', () => {
  test('the 5th wrong code in a row locks for 60 s; the lock refuses the right code without asking Verify', async () => {
    const { token, secret } = await enrollUser(harness, clock, 'lock-web');
    expectLocked(await wrongSignIns(token, secret, 5), 60);
    const asked = await challengeCount(harness, 'lock-web');
    expect(asked).toBe(5);

    expectLocked(await signIn(token, totp(secret, clock.now)), 60);
    await clock.advance(30);
    expectLocked(await signIn(token, totp(secret, clock.now)), 30);
    expect(await challengeCount(harness, 'lock-web')).toBe(asked);

    await clock.advance(30);
    expect(body(await signIn(token, totp(secret, clock.now))).status).toBe('approved');
  });

  test('each further lock without a success doubles (60, 120, 240 s); a success starts over at 60 s', async () => {
    const { token, secret } = await enrollUser(harness, clock, 'lock-backoff');
    for (const seconds of [60, 120, 240]) {
      expectLocked(await wrongSignIns(token, secret, 5), seconds);
      await clock.advance(seconds);
    }
    expect(body(await signIn(token, totp(secret, clock.now))).status).toBe('approved');
    await clock.advance(30);
    expectLocked(await wrongSignIns(token, secret, 5), 60);
  });

  test('a success resets the count: 4 wrong, right, 4 wrong do not lock', async () => {
    const { token, secret } = await enrollUser(harness, clock, 'lock-reset');
    await wrongSignIns(token, secret, 4).then((answer) => expect(body(answer).status).toBe('pending'));
    expect(body(await signIn(token, totp(secret, clock.now))).status).toBe('approved');
    await wrongSignIns(token, secret, 4).then((answer) => expect(body(answer).status).toBe('pending'));
    expect(body(await signIn(token, totp(secret, clock.now + 30))).status).toBe('approved');
  });

  test('malformed and wrong-length codes (400) do not count', async () => {
    const { token, secret } = await enrollUser(harness, clock, 'lock-malformed');
    for (let i = 0; i < 10; i += 1) {
      expect((await signIn(token, '12345')).status).toBe(400);
      expect((await signIn(token, 'abcdef')).status).toBe(400);
    }
    expect(body(await wrongSignIns(token, secret, 4)).status).toBe('pending');
    expect(body(await signIn(token, totp(secret, clock.now))).status).toBe('approved');
  });
});

describe('every path that checks a code counts towards one lock per channel', () => {
  test('wrong sign-in codes and wrong delete step-ups add up; the locked delete keeps the factor', async () => {
    const { token, factorSid, secret } = await enrollUser(harness, clock, 'lock-paths');
    expect(body(await signIn(token, wrongCode(secret, clock.now))).status).toBe('pending');
    for (let i = 0; i < 2; i += 1) {
      const answer = await harness.post('/delete-factor', { factorSid, code: wrongCode(secret, clock.now) }, { token });
      expect([answer.status, errorOf(answer).code]).toEqual([403, 'invalid_code']);
    }
    expect(body(await signIn(token, wrongCode(secret, clock.now))).status).toBe('pending');
    expectLocked(await harness.post('/delete-factor', { factorSid, code: wrongCode(secret, clock.now) }, { token }), 60);

    const asked = await challengeCount(harness, 'lock-paths');
    expectLocked(await harness.post('/delete-factor', { factorSid, code: totp(secret, clock.now) }, { token }), 60);
    expect(await challengeCount(harness, 'lock-paths')).toBe(asked);
    expect(await factorsInVerify(harness, 'lock-paths')).toEqual([{ sid: factorSid, status: 'verified' }]);
  });

  test('/verify-factor: wrong first codes count; while locked the right one is refused and the factor stays unverified', async () => {
    const token = await harness.token('lock-enroll');
    const { factorSid, secret } = body(await harness.post('/create-factor', {}, { token })) as { factorSid: string; secret: string };
    for (let i = 0; i < 4; i += 1) {
      expect(body(await harness.post('/verify-factor', { factorSid, code: wrongCode(secret, clock.now) }, { token })).status).toBe('unverified');
    }
    expectLocked(await harness.post('/verify-factor', { factorSid, code: wrongCode(secret, clock.now) }, { token }), 60);
    expectLocked(await harness.post('/verify-factor', { factorSid, code: totp(secret, clock.now) }, { token }), 60);
    expect(await factorsInVerify(harness, 'lock-enroll')).toEqual([{ sid: factorSid, status: 'unverified' }]);
    await clock.advance(60);
    expect(body(await harness.post('/verify-factor', { factorSid, code: totp(secret, clock.now) }, { token })).status).toBe('verified');
  });
});

describe('Studio (voice) and the web lock separately', () => {
  test('5 wrong codes by phone → "locked", the right one too; the same user still signs in on the web', async () => {
    const user = '+15550100001';
    const { token, secret } = await enrollUser(harness, clock, user);
    for (let i = 0; i < 4; i += 1) expect(body(await studio(user, wrongCode(secret, clock.now)))).toEqual({ status: 'pending' });
    expect(body(await studio(user, wrongCode(secret, clock.now)))).toEqual({ status: 'locked' });
    const asked = await challengeCount(harness, user);
    expect(body(await studio(user, totp(secret, clock.now)))).toEqual({ status: 'locked' });
    expect(await challengeCount(harness, user)).toBe(asked);

    expect(body(await signIn(token, totp(secret, clock.now))).status).toBe('approved');
    // The web's success does not lift the voice lock: each channel is proven on its own.
    expect(body(await studio(user, totp(secret, clock.now + 30)))).toEqual({ status: 'locked' });
    await clock.advance(60);
    expect(body(await studio(user, totp(secret, clock.now)))).toEqual({ status: 'approved' });
  });

  test('a locked web sign-in does not lock the phone', async () => {
    const user = '+15550100002';
    const { token, secret } = await enrollUser(harness, clock, user);
    expectLocked(await wrongSignIns(token, secret, 5), 60);
    expect(body(await studio(user, totp(secret, clock.now)))).toEqual({ status: 'approved' });
  });

  test("a voice attacker gets at most 30 guesses a day and cannot use up Verify's challenge quota (60312) for the web", async () => {
    const user = '+15550100003';
    const { token, secret } = await enrollUser(harness, clock, user);
    const end = clock.now + 86_400;
    let webChecks = 0;
    let wasLocked = false;
    while (clock.now < end) {
      const { status } = body(await studio(user, wrongCode(secret, clock.now)));
      if (status === 'locked') {
        if (!wasLocked) {
          // Each time the phone gets locked, the same user signs in on the web: neither the kit nor Verify refuses.
          expect(body(await signIn(token, totp(secret, clock.now))).status).toBe('approved');
          webChecks += 1;
        }
        // Studio's answer carries no time; probing every 10 minutes finds each lock's end.
        await clock.advance(600);
      } else expect(status).toBe('pending');
      wasLocked = status === 'locked';
    }
    // Every guess that was checked made one challenge in Verify; refused probes made none.
    expect(await challengeCount(harness, user)).toBeLessThanOrEqual(30 + webChecks);
    expect(webChecks).toBeGreaterThan(1);
  });
});

describe('the log', () => {
  test('one line when a lock begins, naming the channel and the length, never the user or a code', async () => {
    const { token, secret } = await enrollUser(harness, clock, 'lock-log-user');
    log.clear();
    await wrongSignIns(token, secret, 5);
    await signIn(token, totp(secret, clock.now));
    await signIn(token, wrongCode(secret, clock.now));
    expect(log.lines).toEqual(['[totp-functions] create-challenge: lockout: a user\'s web channel is locked for 60 s (5 wrong codes in a row, lock 1 since the last success)']);
    const text = log.lines.join('\n');
    expect(text).not.toContain('lock-log-user');
    expect(text).not.toContain(harness.identityOf('lock-log-user'));
    expect(text).not.toContain(totp(secret, clock.now));
  });
});

describe('the state in Sync', () => {
  test('holds timestamps and counts per channel, and no code or user id', async () => {
    const { token, secret } = await enrollUser(harness, clock, 'lock-stored');
    await wrongSignIns(token, secret, 2);
    const stored = await storedState(harness, 'lock-stored');
    expect(stored?.data).toMatchObject({ caller: { failures: 2, lockedUntil: 0 }, studio: { failures: 0 } });
    const text = JSON.stringify(stored?.data);
    expect(text).not.toContain('lock-stored');
    expect(text).not.toContain(totp(secret, clock.now - 30));
  });
});

describe('STUDIO_HIDE_ENROLLMENT=true', () => {
  let uniform: FunctionsHarness;
  beforeAll(async () => {
    uniform = await startFunctionsHarness({ envOverrides: { STUDIO_HIDE_ENROLLMENT: 'true' } });
    await uniform.setClock(clock.now);
  });
  afterAll(async () => {
    await uniform.close();
  });

  test('a caller who never enrolled is answered like a wrong code, and locked alike', async () => {
    const answers: unknown[] = [];
    for (let i = 0; i < 5; i += 1) answers.push(body(await uniform.post('/studio/check-code', { user: '+15550100009', code: '123456' }, { form: true, signed: true })));
    expect(answers).toEqual([...Array(4).fill({ status: 'pending' }), { status: 'locked' }]);
    // A code of another length is `invalid`, as for an enrolled six-digit factor.
    expect(body(await uniform.post('/studio/check-code', { user: '+15550100010', code: '1234' }, { form: true, signed: true }))).toEqual({ status: 'invalid' });
  });

  test('an enrolled caller still gets approved and pending', async () => {
    const user = '+15550100011';
    const token = await uniform.token(user);
    const { factorSid, secret } = body(await uniform.post('/create-factor', {}, { token })) as { factorSid: string; secret: string };
    expect(body(await uniform.post('/verify-factor', { factorSid, code: totp(secret, clock.now) }, { token })).status).toBe('verified');
    await uniform.setClock(clock.now + 30);
    expect(body(await uniform.post('/studio/check-code', { user, code: wrongCode(secret, clock.now + 30) }, { form: true, signed: true }))).toEqual({ status: 'pending' });
    expect(body(await uniform.post('/studio/check-code', { user, code: totp(secret, clock.now + 30) }, { form: true, signed: true }))).toEqual({ status: 'approved' });
  });
});
