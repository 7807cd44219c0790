// The shipped voice flow run end to end by the engine against a signed-request-checking stand-in for the Function.
import { randomBytes } from 'node:crypto';
import {
  runExecution,
  scriptedCaller,
  transcript,
  validateFlow,
  type CallerPart,
  type Clock,
  type ExecutionResult,
} from '../../../emulator/studio/flow';
import { checkCodeAnswer, startFunctionStandIn, unreachableUrl, type FunctionStandIn } from './function-stand-in';
import { SHIPPED_FLOW, SHIPPED_STATE_NAMES, shippedFlowCalling } from './shipped-flow';

const ACCOUNT = { sid: `AC${randomBytes(16).toString('hex')}`, authToken: randomBytes(16).toString('hex') };
const CALLER = '+15550100';
const FLOW_NUMBER = '+15550199';

// What the flow says, from its definition, so a test reads as the conversation a caller hears.
const PROMPT = 'Please enter the six digit code from your authenticator app, then press the pound key.';
const APPROVED = 'Thank you. Your code is correct and you are verified.';
const WRONG = 'Sorry, that code did not match.';
const INVALID = 'Sorry, that was not a valid code. The code is the six digit number shown in your authenticator app.';
const REUSED = 'That code was just used. Please wait for the next code in your authenticator app, then enter it.';
const NO_DIGITS = 'Sorry, I did not receive a code.';
const TOO_MANY = 'Sorry, that was too many attempts. Please try again later. Goodbye.';
const LOCKED = 'Too many codes were tried for this account, so code checks are paused for your security. Please try again later. Goodbye.';
const NOT_ENROLLED = 'This phone number has no authenticator app set up yet. Please set one up on our website first, then call again. Goodbye.';
const SERVICE_ERROR = 'Sorry, we cannot check your code right now because of a technical problem. Please try again later. Goodbye.';

let standIn: FunctionStandIn;
const reached = new Set<string>();

beforeAll(async () => {
  standIn = await startFunctionStandIn(ACCOUNT.authToken);
});
afterAll(() => standIn.close());
beforeEach(() => {
  standIn.requests.length = 0;
});

interface CallOptions {
  url?: string;
  authToken?: string;
  clock?: Clock;
}

async function call(parts: CallerPart[], options: CallOptions = {}): Promise<ExecutionResult> {
  const result = await runExecution({
    definition: shippedFlowCalling(options.url ?? standIn.url),
    trigger: { kind: 'call', from: CALLER, to: FLOW_NUMBER },
    account: { sid: ACCOUNT.sid, authToken: options.authToken ?? ACCOUNT.authToken },
    caller: scriptedCaller(parts),
    ...(options.clock && { clock: options.clock }),
  });
  for (const step of result.steps) reached.add(step.transitioned_from);
  return result;
}

/** What the caller hears from the flow, in order. */
function spoken(result: ExecutionResult): string[] {
  return result.steps.flatMap((step) => step.said.flatMap((said) => ('say' in said ? [said.say] : [])));
}

function lastWidget(result: ExecutionResult): string | undefined {
  return result.steps.at(-1)?.transitioned_from;
}

describe('the shipped flow', () => {
  it('validates clean: no errors and no warnings', () => {
    expect(validateFlow(SHIPPED_FLOW)).toEqual({ valid: true, errors: [], warnings: [] });
  });

  it('an enrolled caller who keys the right code hears the approved message, and the call ends', async () => {
    standIn.answer = () => checkCodeAnswer('approved');
    const result = await call([{ digits: '123456#' }]);
    expect(spoken(result)).toEqual([PROMPT, APPROVED]);
    expect(result.endReason).toBe('completed');
    expect(result.steps.map((step) => [step.name, step.transitioned_from, step.transitioned_to])).toEqual([
      ['incomingCall', 'Trigger', 'gather_code'],
      ['keypress', 'gather_code', 'check_code'],
      ['success', 'check_code', 'route_status'],
      ['match', 'route_status', 'say_approved'],
      ['audioComplete', 'say_approved', 'Ended'],
    ]);
    // The Function got the caller's number and the digits, in a request its gateway accepted as Twilio's.
    expect(standIn.requests).toEqual([{ path: '/studio/check-code', params: { user: CALLER, code: '123456' }, signed: true }]);
    expect(result.context.widgets.check_code).toMatchObject({ status_code: 200, parsed: { status: 'approved' } });
    // Six digits end the gather before the pound key (number_of_digits), as on a real call.
    expect(result.context.widgets.gather_code).toMatchObject({ Digits: '123456', From: CALLER });
    expect(result.context.widgets.gather_code).not.toHaveProperty('FinishedOnKey');
  });

  it('a wrong code takes the retry branch; three wrong codes reach the attempts limit', async () => {
    standIn.answer = () => checkCodeAnswer('pending');
    const result = await call([{ digits: '000000' }, { digits: '111111' }, { digits: '222222' }]);
    expect(spoken(result)).toEqual([PROMPT, WRONG, PROMPT, WRONG, PROMPT, WRONG, TOO_MANY]);
    expect(result.context.flow.variables).toEqual({ failed_attempts: '3' });
    expect(standIn.requests.map((request) => request.params.code)).toEqual(['000000', '111111', '222222']);
  });

  it('a wrong code and then the right one: the retry prompt, then approved', async () => {
    const answers = [checkCodeAnswer('pending'), checkCodeAnswer('approved')];
    standIn.answer = () => answers.shift() ?? checkCodeAnswer('pending');
    const result = await call([{ digits: '000000' }, { digits: '123456' }]);
    expect(spoken(result)).toEqual([PROMPT, WRONG, PROMPT, APPROVED]);
  });

  it('a code the Function calls invalid gets the explanation and a retry', async () => {
    standIn.answer = () => checkCodeAnswer('invalid');
    const result = await call([{ digits: '12#' }, { digits: '123456' }]);
    expect(spoken(result).slice(0, 3)).toEqual([PROMPT, INVALID, PROMPT]);
    expect(standIn.requests[0]?.params.code).toBe('12');
  });

  it('a code the Function calls reused gets the wait-for-the-next-code message and a retry', async () => {
    const answers = [checkCodeAnswer('reused'), checkCodeAnswer('approved')];
    standIn.answer = () => answers.shift() ?? checkCodeAnswer('pending');
    const result = await call([{ digits: '123456' }, { digits: '654321' }]);
    expect(spoken(result).slice(0, 3)).toEqual([PROMPT, REUSED, PROMPT]);
    expect(lastWidget(result)).toBe('say_approved');
  });

  it('a caller past the voice lock hears the locked message', async () => {
    standIn.answer = () => checkCodeAnswer('locked');
    const result = await call([{ digits: '123456' }]);
    expect(spoken(result)).toEqual([PROMPT, LOCKED]);
    expect(lastWidget(result)).toBe('say_locked');
  });

  it('an unknown caller hears that no authenticator is set up', async () => {
    standIn.answer = () => checkCodeAnswer('not_enrolled');
    const result = await call([{ digits: '123456' }]);
    expect(spoken(result)).toEqual([PROMPT, NOT_ENROLLED]);
  });

  it('a caller who keys nothing hears the no-digits message three times, then the attempts limit, politely', async () => {
    const result = await call([{ timeout: true }]);
    expect(spoken(result)).toEqual([PROMPT, NO_DIGITS, PROMPT, NO_DIGITS, PROMPT, NO_DIGITS, TOO_MANY]);
    expect(standIn.requests).toEqual([]);
    expect(result.endReason).toBe('completed');
  });

  it('speech is taken down the no-digits path (the flow asks for keys)', async () => {
    standIn.answer = () => checkCodeAnswer('approved');
    const result = await call([{ speech: 'one two three four five six' }, { digits: '123456' }]);
    expect(result.steps[1]).toMatchObject({ name: 'speech', transitioned_to: 'say_no_digits' });
    expect(result.context.widgets.gather_code).toMatchObject({ Digits: '123456' });
    expect(spoken(result)).toEqual([PROMPT, NO_DIGITS, PROMPT, APPROVED]);
  });

  it.each([
    ['answers 500', { status: 500, json: { error: 'boom' } }],
    ['answers 404', { status: 404, text: 'Not Found', contentType: 'text/plain' }],
  ])('the Function %s: the service-error message', async (_name, answer) => {
    standIn.answer = () => answer;
    const result = await call([{ digits: '123456' }]);
    expect(spoken(result)).toEqual([PROMPT, SERVICE_ERROR]);
    expect(result.steps[2]).toMatchObject({ name: 'fail', transitioned_from: 'check_code', transitioned_to: 'say_service_error' });
  });

  it('the Function unreachable: the service-error message', async () => {
    const result = await call([{ digits: '123456' }], { url: await unreachableUrl() });
    expect(spoken(result)).toEqual([PROMPT, SERVICE_ERROR]);
    expect(result.steps[2]).toMatchObject({ name: 'fail', detail: 'the Function could not be reached' });
  });

  it('an answer without a status the Split knows: noMatch, the service-error message', async () => {
    standIn.answer = () => ({ json: { status: 'surprise' } });
    const result = await call([{ digits: '123456' }]);
    expect(result.steps[3]).toMatchObject({ name: 'noMatch', transitioned_from: 'route_status', transitioned_to: 'say_service_error' });
    expect(spoken(result)).toEqual([PROMPT, SERVICE_ERROR]);
  });

  it('the Function answering after more than 10 s: the widget fails', async () => {
    let now = Date.UTC(2026, 0, 1);
    standIn.answer = () => {
      now += 10_001;
      return checkCodeAnswer('approved');
    };
    const result = await call([{ digits: '123456' }], { clock: { now: () => now } });
    expect(result.steps[2]).toMatchObject({ name: 'fail', detail: 'no answer within 10 s' });
    expect(spoken(result)).toEqual([PROMPT, SERVICE_ERROR]);
  });

  it('a request signed with another auth token is refused by the Function: the service-error message', async () => {
    standIn.answer = () => checkCodeAnswer('approved');
    const result = await call([{ digits: '123456' }], { authToken: randomBytes(16).toString('hex') });
    expect(standIn.requests).toEqual([expect.objectContaining({ signed: false })]);
    expect(result.context.widgets.check_code).toMatchObject({ status_code: 401 });
    expect(spoken(result)).toEqual([PROMPT, SERVICE_ERROR]);
  });

  it('the stand-in refuses a request without X-Twilio-Signature (what the engine signing gets past)', async () => {
    const response = await fetch(standIn.url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ user: CALLER, code: '123456' }).toString(),
    });
    expect(response.status).toBe(401);
  });

  it('prints the conversation as it would be heard', async () => {
    standIn.answer = () => checkCodeAnswer('approved');
    const result = await call([{ digits: '123456#' }]);
    expect(transcript(result)).toEqual([`Flow: ${PROMPT}`, 'Caller: presses 123456#', `Flow: ${APPROVED}`, 'Execution ended after say_approved']);
  });

  // Runs last in this file: every test above adds the widgets its call went through.
  it('every state of the shipped flow was reached by a test above', () => {
    expect(SHIPPED_STATE_NAMES.filter((name) => !reached.has(name))).toEqual([]);
  });
});
