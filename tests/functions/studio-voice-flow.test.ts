// The shipped voice flow, as npm start publishes it, run by the emulator's Studio against the real /studio/check-code
// Function on one local stack: every state reached, the signature required, each branch's words as the caller hears them.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import twilio from 'twilio';
import { createEmulatorHttpClient } from '../../emulator/client/http-client';
import { voiceFlowDefinition } from '../../scripts/studio-flow';
import { enrollUser, type EnrolledUser } from '../helpers/enrolled';
import { totp, wrongCode } from '../helpers/functions';
import { useFunctionsStack } from '../helpers/functions-stack';
import { captureErrorLog } from '../helpers/log-capture';
import { SHIPPED_STATE_NAMES } from '../emulator/studio/shipped-flow';

const { harness, clock } = useFunctionsStack({ clearFaults: true });
const errorLog = captureErrorLog();
const reached = new Set<string>();
let enrolled: EnrolledUser;

const APPROVED = 'Flow: Thank you. Your code is correct and you are verified.';
const WRONG = 'Flow: Sorry, that code did not match.';
const REUSED = 'Flow: That code was just used. Please wait for the next code in your authenticator app, then enter it.';
const INVALID = 'Flow: Sorry, that was not a valid code. The code is the six digit number shown in your authenticator app.';
const NO_DIGITS = 'Flow: Sorry, I did not receive a code.';
const TOO_MANY = 'Flow: Sorry, that was too many attempts. Please try again later. Goodbye.';
const LOCKED = 'Flow: Too many codes were tried for this account, so code checks are paused for your security. Please try again later. Goodbye.';
const NOT_ENROLLED = 'Flow: This phone number has no authenticator app set up yet. Please set one up on our website first, then call again. Goodbye.';
const SERVICE_ERROR = 'Flow: Sorry, we cannot check your code right now because of a technical problem. Please try again later. Goodbye.';

interface CallAnswer {
  end_reason: string;
  ended_at: string;
  conversation: string[];
  steps: Array<{ transitioned_from: string }>;
}

type Part = { digits: string } | { timeout: true } | { speech: string };

/** A simulated call over the emulator's HTTP control endpoint, as npm run call places it. */
async function call(from: string, caller: Part[], flowSid?: string): Promise<CallAnswer> {
  const response = await fetch(`${harness.stack.emulatorUrl}/__emulator/studio/calls`, {
    method: 'POST',
    headers: { Authorization: `Basic ${Buffer.from(`${harness.env.ACCOUNT_SID}:${harness.env.AUTH_TOKEN}`).toString('base64')}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ from, caller, ...(flowSid && { flowSid }) }),
  });
  const answer = (await response.json()) as CallAnswer;
  expect([response.status, answer.end_reason]).toEqual([200, 'completed']);
  for (const step of answer.steps) reached.add(step.transitioned_from);
  return answer;
}

function studioClient(): twilio.Twilio {
  return twilio(harness.env.ACCOUNT_SID, harness.env.AUTH_TOKEN, { httpClient: createEmulatorHttpClient({ emulatorUrl: harness.stack.emulatorUrl }) });
}

beforeAll(async () => {
  enrolled = await enrollUser(harness, clock, '+15550100');
});

test('the right code → the approved message, and the call ends', async () => {
  const answer = await call(enrolled.user, [{ digits: `${totp(enrolled.secret, clock.now)}#` }]);
  expect(answer.conversation.slice(-2)).toEqual([APPROVED, 'Execution ended after say_approved']);
});

test('the code just used, keyed in again → the "just used" message, then the prompt again', async () => {
  await clock.nextStep();
  const code = `${totp(enrolled.secret, clock.now)}#`;
  expect((await call(enrolled.user, [{ digits: code }])).conversation.slice(-2)).toEqual([APPROVED, 'Execution ended after say_approved']);
  const again = await call(enrolled.user, [{ digits: code }, { timeout: true }, { timeout: true }]);
  expect(again.conversation).toContain(REUSED);
  expect(again.conversation).not.toContain(APPROVED);
});

test('a wrong code → the retry branch; three failures → the attempts limit', async () => {
  await clock.nextStep();
  const wrong = `${wrongCode(enrolled.secret, clock.now)}#`;
  const answer = await call(enrolled.user, [{ digits: wrong }, { digits: '12#' }, { timeout: true }]);
  expect(answer.conversation.filter((line) => line.startsWith('Flow: Sorry'))).toEqual([WRONG, INVALID, NO_DIGITS, TOO_MANY]);
  expect(answer.ended_at).toBe('say_too_many_attempts');
});

test('no digits at all → the no-digits path, then the prompt again', async () => {
  const answer = await call(enrolled.user, [{ timeout: true }, { speech: 'one two three' }, { timeout: true }]);
  expect(answer.conversation[2]).toBe(NO_DIGITS);
  expect(answer.conversation[3]).toMatch(/^Flow: Please enter the six digit code/);
});

test('an unknown caller → not enrolled', async () => {
  const answer = await call('+15550199', [{ digits: '123456#' }]);
  expect(answer.conversation.slice(-2)).toEqual([NOT_ENROLLED, 'Execution ended after say_not_enrolled']);
});

test('a caller past the lock (Verify: too many wrong codes) → the locked message', async () => {
  await harness.fault({ match: { method: 'POST', path: '/Challenges' }, status: 429, code: 60308 });
  const answer = await call(enrolled.user, [{ digits: `${wrongCode(enrolled.secret, clock.now)}#` }]);
  expect(answer.conversation.slice(-2)).toEqual([LOCKED, 'Execution ended after say_locked']);
});

test('the Function answering 5xx → the service-error path', async () => {
  await harness.fault({ match: { method: 'POST', path: '/Challenges' }, status: 500, count: 5 });
  const answer = await call(enrolled.user, [{ digits: `${totp(enrolled.secret, clock.now)}#` }]);
  expect(answer.conversation.slice(-2)).toEqual([SERVICE_ERROR, 'Execution ended after say_service_error']);
  expect(errorLog.lines).toEqual([expect.stringContaining('studio/check-code: verify_error')]);
});

test('the Function unreachable → the service-error path', async () => {
  const closed = createServer();
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
  const { port } = closed.address() as AddressInfo;
  await new Promise<void>((resolve) => closed.close(() => resolve()));
  const flow = await studioClient().studio.v2.flows.create({ friendlyName: 'unreachable', status: 'published', definition: voiceFlowDefinition({ url: `http://127.0.0.1:${port}/studio/check-code` }) });
  const answer = await call(enrolled.user, [{ digits: '123456#' }], flow.sid);
  expect(answer.conversation.slice(-2)).toEqual([SERVICE_ERROR, 'Execution ended after say_service_error']);
  await studioClient().studio.v2.flows(flow.sid).remove();
});

test('a run-function request without a valid signature is refused by the protected Function', async () => {
  const unsigned = await fetch(`${harness.url}/studio/check-code`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ user: enrolled.user, code: totp(enrolled.secret, clock.now) }).toString(),
  });
  expect(unsigned.status).toBe(403);
  const forged = await fetch(`${harness.url}/studio/check-code`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'X-Twilio-Signature': 'bm90IGEgc2lnbmF0dXJl' },
    body: new URLSearchParams({ user: enrolled.user, code: totp(enrolled.secret, clock.now) }).toString(),
  });
  expect(forged.status).toBe(403);
});

test('every state of the shipped flow was reached by a call above', () => {
  expect(SHIPPED_STATE_NAMES.filter((name) => !reached.has(name))).toEqual([]);
});
