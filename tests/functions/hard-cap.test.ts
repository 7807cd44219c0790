// The hard cap (NIST SP 800-63B-4 §3.2.2, standards issue item 2): at most 100 consecutive wrong codes per account
// across every route that checks a code (web sign-in, delete step-up, recovery codes, voice), then no code is checked on
// any route until `npm run support -- unlock`; the voice channel alone reaches at most half, so a spoofed caller number
// can never lock the web sign-in; a success anywhere starts the count over. Days pass on the stack's clock.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { body, errorOf, totp, wrongCode, type Answer } from '../helpers/functions';
import { useFunctionsStack } from '../helpers/functions-stack';
import { captureErrorLog } from '../helpers/log-capture';
import { challengeCount, storedState } from '../helpers/state';

const CAP = 100;
const VOICE_SHARE = 50;
/** Each channel's share of Verify's challenges for one factor in any hour (lib/state/lockout.ts challengeQuota). */
const QUOTA_PER_HOUR = 24;
/** More guesses than any test here needs (the cap takes 100 that count, plus the refused ones). */
const MAX_GUESSES = 400;

// Verify's own attempt limits are raised: what these tests see is the kit's lock alone.
const { harness, clock } = useFunctionsStack({ emulatorSwitches: { maxAttempts: 500 } });
const log = captureErrorLog();

/** Moves the stack's clock to `seconds` (epoch). */
function setClock(seconds: number): Promise<void> {
  return clock.advance(seconds - clock.now);
}

interface Enrolled {
  user: string;
  token: string;
  factorSid: string;
  secret: string;
  recoveryCodes: string[];
}

async function enroll(user: string): Promise<Enrolled> {
  const token = await harness.token(user);
  const { factorSid, secret } = body(await harness.post('/create-factor', {}, { token })) as { factorSid: string; secret: string };
  const verified = body(await harness.post('/verify-factor', { factorSid, code: totp(secret, clock.now) }, { token }));
  await setClock(clock.now + 30);
  return { user, token, factorSid, secret, recoveryCodes: verified.recoveryCodes as string[] };
}

interface StoredChannel {
  lockedUntil: number;
  streak: number;
  challenges: number[];
}

async function channels(user: string): Promise<{ web: StoredChannel; studio: StoredChannel }> {
  const data = (await storedState(harness, user))?.data as { caller: StoredChannel; studio: StoredChannel };
  return { web: data.caller, studio: data.studio };
}

/** Epoch ms from which the channel checks a code again: the end of its lock, or of its spent share of Verify's quota. */
function freeFrom(channel: StoredChannel, nowMs: number): number {
  const inHour = channel.challenges.filter((at) => at > nowMs - 3_600_000);
  const quotaFree = inHour.length >= QUOTA_PER_HOUR ? (inHour[inHour.length - QUOTA_PER_HOUR] as number) + 3_600_000 : 0;
  return Math.max(channel.lockedUntil, quotaFree);
}

/** A recovery code of the right form that is not one of the set (its first character changed). */
function wrongRecoveryCode(enrolled: Enrolled): string {
  const code = enrolled.recoveryCodes[0] as string;
  return (code.startsWith('A') ? 'B' : 'A') + code.slice(1);
}

/** One wrong code on the web, by turns a sign-in, a delete step-up and a recovery code. */
function webGuess(enrolled: Enrolled, turn: number): Promise<Answer> {
  const { token, factorSid, secret } = enrolled;
  if (turn % 3 === 1) return harness.post('/delete-factor', { factorSid, code: wrongCode(secret, clock.now) }, { token });
  if (turn % 3 === 2) return harness.post('/use-recovery-code', { code: wrongRecoveryCode(enrolled) }, { token });
  return harness.post('/create-challenge', { code: wrongCode(secret, clock.now) }, { token });
}

function voiceGuess(enrolled: Enrolled): Promise<Answer> {
  return harness.post('/studio/check-code', { user: enrolled.user, code: wrongCode(enrolled.secret, clock.now) }, { form: true, signed: true });
}

/** The answer's code: a Studio status, a web error code, or `pending` for a wrong sign-in code. */
function outcome(answer: Answer): string {
  if (answer.status === 200) return String(body(answer).status);
  return String(errorOf(answer).code);
}

/**
 * Guesses on the given channels whenever their lock allows, moving the clock to the end of each lock, until `done`
 * says so (at most `days` simulated days). Returns the answers by channel.
 */
async function guessUntil(
  enrolled: Enrolled,
  on: { web: boolean; voice: boolean },
  done: (answers: { web: string[]; voice: string[] }) => boolean,
  days = 3,
): Promise<{ web: string[]; voice: string[] }> {
  const answers = { web: [] as string[], voice: [] as string[] };
  const end = clock.now + days * 86_400;
  // Bounded, so a kit that refuses without a lock time (or never caps) fails the test instead of hanging it.
  while (!done(answers) && clock.now < end && answers.web.length + answers.voice.length < MAX_GUESSES) {
    const { web, studio } = await channels(enrolled.user);
    const nowMs = clock.now * 1000;
    let guessed = false;
    if (on.web && freeFrom(web, nowMs) <= nowMs && answers.web.at(-1) !== 'account_locked') {
      answers.web.push(outcome(await webGuess(enrolled, answers.web.length)));
      guessed = true;
    }
    if (!done(answers) && on.voice && freeFrom(studio, nowMs) <= nowMs && studio.streak < VOICE_SHARE) {
      answers.voice.push(outcome(await voiceGuess(enrolled)));
      guessed = true;
    }
    if (!guessed) {
      // Both wait for a lock: on to the end of the first one that ends (Studio's answer carries no time).
      const ends = [on.web ? freeFrom(web, nowMs) : Infinity, on.voice && studio.streak < VOICE_SHARE ? freeFrom(studio, nowMs) : Infinity].filter((at) => at > nowMs && at < Infinity);
      if (ends.length === 0) break;
      await setClock(Math.ceil(Math.min(...ends) / 1000));
    }
  }
  return answers;
}

function runSupport(args: string[]): Promise<{ code: number | null; stdout: string }> {
  const root = join(__dirname, '..', '..');
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--require', 'tsx/cjs', join(root, 'scripts', 'support', 'main.ts'), '--env', harness.envFile, ...args], {
      cwd: root,
      env: { PATH: process.env.PATH, HOME: process.env.HOME },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout }));
  });
}

test(`${CAP} consecutive wrong codes over days, across web sign-in, delete step-up, recovery codes and voice: then nothing is checked anywhere until support unlocks`, async () => {
  const enrolled = await enroll('+15550500001');
  const start = clock.now;
  const answers = await guessUntil(enrolled, { web: true, voice: true }, (so) => so.web.at(-1) === 'account_locked');
  expect(answers.web.at(-1)).toBe('account_locked');
  // It took more than a day: each channel takes at most 30 wrong codes in any 24 h.
  expect(clock.now - start).toBeGreaterThan(86_400);
  const { web, studio } = await channels(enrolled.user);
  expect(web.streak + studio.streak).toBe(CAP);
  expect(studio.streak).toBeLessThanOrEqual(VOICE_SHARE);
  expect(answers.web.filter((answer) => answer === 'invalid_code').length).toBeGreaterThan(0);

  // The 101st: no route checks a code, the right one included, however long one waits.
  await setClock(clock.now + 7 * 86_400);
  const asked = await challengeCount(harness, enrolled.user);
  const signIn = await harness.post('/create-challenge', { code: totp(enrolled.secret, clock.now) }, { token: enrolled.token });
  expect([signIn.status, errorOf(signIn).code]).toEqual([403, 'account_locked']);
  expect(body(signIn).error).not.toHaveProperty('retryAfterSeconds');
  expect(outcome(await harness.post('/use-recovery-code', { code: enrolled.recoveryCodes[0] }, { token: enrolled.token }))).toBe('account_locked');
  expect(outcome(await harness.post('/delete-factor', { factorSid: enrolled.factorSid, code: totp(enrolled.secret, clock.now) }, { token: enrolled.token }))).toBe(
    'account_locked',
  );
  expect(outcome(await harness.post('/studio/check-code', { user: enrolled.user, code: totp(enrolled.secret, clock.now) }, { form: true, signed: true }))).toBe('locked');
  expect(await challengeCount(harness, enrolled.user)).toBe(asked);
  expect(await channels(enrolled.user)).toMatchObject({ web: { streak: web.streak }, studio: { streak: studio.streak } });

  // An event and one log line said so when the cap was reached.
  const events = body(await harness.post('/list-activity', {}, { token: enrolled.token })).events as Array<{ type: string; outcome?: string }>;
  expect(events).toContainEqual(expect.objectContaining({ type: 'lock.started', outcome: 'hard_cap' }));
  expect(log.lines.filter((line) => line.includes('hard cap'))).toHaveLength(1);

  const status = await runSupport(['status', enrolled.user, '--json']);
  expect(JSON.parse(status.stdout)).toMatchObject({
    hardCap: { limit: CAP, consecutiveFailures: CAP, reached: true },
    locks: { web: { locked: true, capped: true }, studio: { locked: true, capped: true } },
  });
  const unlocked = await runSupport(['unlock', enrolled.user]);
  expect(unlocked.code).toBe(0);
  expect(unlocked.stdout).toMatch(/web +lifted the hard cap/);
  const after = await harness.post('/create-challenge', { code: totp(enrolled.secret, clock.now) }, { token: enrolled.token });
  expect(body(after).status).toBe('approved');
});

test(`voice alone stops at ${VOICE_SHARE} consecutive wrong codes and never locks the web; a web success lets voice check again`, async () => {
  const enrolled = await enroll('+15550500002');
  const answers = await guessUntil(enrolled, { web: false, voice: true }, () => false, 4);
  const { web, studio } = await channels(enrolled.user);
  expect([studio.streak, web.streak]).toEqual([VOICE_SHARE, 0]);
  expect(answers.voice.filter((answer) => answer === 'pending' || answer === 'locked').length).toBe(answers.voice.length);

  // Days later voice still checks nothing, the right code included; the web signs in at once.
  await setClock(clock.now + 3 * 86_400);
  const asked = await challengeCount(harness, enrolled.user);
  expect(outcome(await voiceGuess(enrolled))).toBe('locked');
  expect(outcome(await harness.post('/studio/check-code', { user: enrolled.user, code: totp(enrolled.secret, clock.now) }, { form: true, signed: true }))).toBe('locked');
  expect(await challengeCount(harness, enrolled.user)).toBe(asked);
  const events = body(await harness.post('/list-activity', {}, { token: enrolled.token })).events as Array<{ type: string; outcome?: string }>;
  expect(events).toContainEqual(expect.objectContaining({ type: 'lock.started', outcome: 'channel_cap' }));

  expect(body(await harness.post('/create-challenge', { code: totp(enrolled.secret, clock.now) }, { token: enrolled.token })).status).toBe('approved');
  // The success proved the person: the account's consecutive count starts over, voice's share with it.
  await setClock(clock.now + 30);
  expect(outcome(await harness.post('/studio/check-code', { user: enrolled.user, code: totp(enrolled.secret, clock.now) }, { form: true, signed: true }))).toBe('approved');
});

test('a success in between starts the count over: 99 wrong, one right, 99 wrong are never capped', async () => {
  const enrolled = await enroll('+15550500003');
  const streak = async (): Promise<number> => {
    const { web, studio } = await channels(enrolled.user);
    return web.streak + studio.streak;
  };
  const reach = async (target: number): Promise<void> => {
    let total = await streak();
    while (total < target) {
      await guessUntil(enrolled, { web: true, voice: true }, (so) => so.web.length + so.voice.length >= target - total);
      total = await streak();
    }
  };
  await reach(CAP - 1);
  expect(await streak()).toBe(CAP - 1);
  // Wait out any lock, then sign in.
  const { web } = await channels(enrolled.user);
  if (web.lockedUntil > clock.now * 1000) await setClock(Math.ceil(web.lockedUntil / 1000));
  expect(body(await harness.post('/create-challenge', { code: totp(enrolled.secret, clock.now) }, { token: enrolled.token })).status).toBe('approved');
  expect(await streak()).toBe(0);
  await setClock(clock.now + 30);
  await reach(CAP - 1);
  expect(await streak()).toBe(CAP - 1);
});
