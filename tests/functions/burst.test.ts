// A parallel burst against the lock (security review 3, item 1): 60 different wrong codes sent at once, with Verify's
// Challenges slowed by the emulator's latency fault so that every request is in flight before the first outcome is
// written. Each check reserves its place before Verify is asked, so Verify checks at most the threshold per channel,
// every checked guess is counted with its event, and the other channel still approves the right code afterwards.
import { body, errorOf, totp, type Answer } from '../helpers/functions';
import { useFunctionsStack } from '../helpers/functions-stack';
import { captureErrorLog } from '../helpers/log-capture';
import { challengeCount, storedState } from '../helpers/state';
import { totpAt } from '../helpers/totp';

const BURST = 60;
const THRESHOLD = 5;
const VERIFY_LATENCY_MS = 300;

// Verify's own per-challenge and per-factor attempt limits are raised: what these tests see is the kit's lock alone.
const { harness, clock } = useFunctionsStack({ emulatorSwitches: { maxAttempts: 500 }, clearFaults: true });
/** The Functions' error log (lock lines, lost races), kept out of the test output. */
captureErrorLog();

/** `count` different codes, none of which any step within ±2 of now accepts. */
function wrongCodes(secret: string, count: number): string[] {
  const near = new Set([-2, -1, 0, 1, 2].map((step) => totpAt(secret, (clock.now + step * 30) * 1000)));
  const codes: string[] = [];
  for (let candidate = 0; codes.length < count; candidate += 1) {
    const code = String(candidate * 7919).padStart(6, '0').slice(-6);
    if (!near.has(code) && !codes.includes(code)) codes.push(code);
  }
  return codes;
}

async function enroll(user: string): Promise<{ token: string; secret: string }> {
  const token = await harness.token(user);
  const { factorSid, secret } = body(await harness.post('/create-factor', {}, { token })) as { factorSid: string; secret: string };
  expect(body(await harness.post('/verify-factor', { factorSid, code: totp(secret, clock.now) }, { token })).status).toBe('verified');
  await clock.nextStep();
  return { token, secret };
}

async function slowChallenges(): Promise<void> {
  await harness.fault({ match: { method: 'POST', path: '/Challenges' }, latencyMs: VERIFY_LATENCY_MS, count: BURST });
}

/** What the burst's answers were: each one pending (checked, wrong), locked (not checked) or state_unavailable. */
function tally(answers: Answer[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const answer of answers) {
    const key = answer.status === 200 ? String(body(answer).status) : String(errorOf(answer).code);
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}

interface StoredChannel {
  failures: number;
  level: number;
  recent: number[];
  streak: number;
  inFlight: unknown[];
}
interface StoredEvent {
  type: string;
  channel: string;
  count?: number;
}

/** The channel as stored, and its `challenge.failed` events in the trail (a folded event counts as its `count`). */
async function counted(user: string, stored: 'caller' | 'studio', channel: 'web' | 'studio'): Promise<{ state: StoredChannel; failedEvents: number; locks: number }> {
  const data = (await storedState(harness, user))?.data as Record<string, unknown>;
  const trail = [...((data.kept as StoredEvent[] | undefined) ?? []), ...(data.trail as StoredEvent[])].filter((event) => event.channel === channel);
  const failedEvents = trail.filter((event) => event.type === 'challenge.failed').reduce((sum, event) => sum + (event.count ?? 1), 0);
  return { state: data[stored] as StoredChannel, failedEvents, locks: trail.filter((event) => event.type === 'lock.started').length };
}

test(`${BURST} different wrong codes at once on the web: Verify checks ${THRESHOLD}, each counted with its event; then the right code by phone is approved`, async () => {
  const user = '+15550300001';
  const { token, secret } = await enroll(user);
  const before = await challengeCount(harness, user);
  await slowChallenges();
  const answers = await Promise.all(wrongCodes(secret, BURST).map((code) => harness.post('/create-challenge', { code }, { token })));

  const checked = (await challengeCount(harness, user)) - before;
  expect(checked).toBeLessThanOrEqual(THRESHOLD);
  expect(checked).toBeGreaterThan(0);
  const web = await counted(user, 'caller', 'web');
  const answered = tally(answers);
  if (process.env.BURST_PRINT === '1') process.stdout.write(`web burst: ${JSON.stringify(answered)}, Verify checked ${checked}\n`);
  // Every checked guess was answered as one (the one that started the lock, `locked`); the rest were refused before
  // Verify: locked, or (races lost ten times in a row) state_unavailable.
  expect(answered.pending ?? 0).toBe(checked - web.locks);
  expect(Object.keys(answered).every((key) => ['pending', 'locked', 'state_unavailable'].includes(key))).toBe(true);

  expect(web.state.inFlight).toEqual([]);
  expect(web.state.recent).toHaveLength(checked);
  expect(web.state.streak).toBe(checked);
  expect(web.failedEvents).toBe(checked);
  expect([web.state.level, web.locks]).toEqual(checked === THRESHOLD ? [1, 1] : [0, 0]);

  const phone = await harness.post('/studio/check-code', { user, code: totp(secret, clock.now) }, { form: true, signed: true });
  expect(body(phone)).toEqual({ status: 'approved' });
});

test(`${BURST} different wrong codes at once by phone: Verify checks ${THRESHOLD}; then the right code on the web is approved`, async () => {
  const user = '+15550300002';
  const { token, secret } = await enroll(user);
  const before = await challengeCount(harness, user);
  await slowChallenges();
  const answers = await Promise.all(wrongCodes(secret, BURST).map((code) => harness.post('/studio/check-code', { user, code }, { form: true, signed: true })));

  const checked = (await challengeCount(harness, user)) - before;
  expect(checked).toBeLessThanOrEqual(THRESHOLD);
  expect(checked).toBeGreaterThan(0);
  // Studio's answers carry no code: pending for a checked guess, locked for one refused before Verify, 503 for a lost race.
  const studio = await counted(user, 'studio', 'studio');
  const statuses = answers.map((answer) => (answer.status === 200 ? String(body(answer).status) : String(answer.status)));
  expect(statuses.filter((status) => status === 'pending')).toHaveLength(checked - studio.locks);
  expect(statuses.every((status) => ['pending', 'locked', '503'].includes(status))).toBe(true);

  expect(studio.state.inFlight).toEqual([]);
  expect(studio.state.streak).toBe(checked);
  expect(studio.failedEvents).toBe(checked);

  const web = await harness.post('/create-challenge', { code: totp(secret, clock.now) }, { token });
  expect([web.status, body(web).status]).toEqual([200, 'approved']);
});

test('a burst of right and wrong codes at once: the right one is approved at most once, and gives the burst no more than a fresh threshold', async () => {
  const user = 'burst-mixed';
  const { token, secret } = await enroll(user);
  const before = await challengeCount(harness, user);
  await slowChallenges();
  const codes = [totp(secret, clock.now), ...wrongCodes(secret, BURST - 1)];
  const answers = await Promise.all(codes.map((code) => harness.post('/create-challenge', { code }, { token })));
  // Before the approval at most the threshold were in flight; the approval proves the person and starts the count over,
  // as it would one request at a time, so the wrong codes after it get at most a threshold of their own.
  const checked = (await challengeCount(harness, user)) - before;
  const approved = answers.filter((answer) => answer.status === 200 && body(answer).status === 'approved').length;
  expect(approved).toBeLessThanOrEqual(1);
  expect(checked).toBeLessThanOrEqual(approved === 1 ? 2 * THRESHOLD - 1 : THRESHOLD);
});
