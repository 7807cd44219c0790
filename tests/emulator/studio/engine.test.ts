// runExecution widget by widget: gather keys and speech, run-function's outputs and limits, split conditions,
// set-variables, REST-started executions, Studio's guards, and the injected clock.
import { randomBytes } from 'node:crypto';
import {
  CallerScriptError,
  FlowDefinitionError,
  FUNCTION_MAX_BODY_BYTES,
  MAX_RUNS_IN_A_ROW,
  MAX_STEPS,
  runExecution,
  scriptedCaller,
  type CallerPart,
  type Clock,
  type ExecutionResult,
  type ExecutionTrigger,
  type FlowDefinition,
  type FlowState,
} from '../../../emulator/studio/flow';
import { CONDITION_TESTS } from '../../../emulator/studio/flow/conditions';
import { checkCodeAnswer, startFunctionStandIn, type FunctionStandIn } from './function-stand-in';
import { smallFlow } from './small-flow';

const ACCOUNT = { sid: `AC${randomBytes(16).toString('hex')}`, authToken: randomBytes(16).toString('hex') };
const CALL_SID = `CA${'a'.repeat(32)}`;
const CALL: ExecutionTrigger = { kind: 'call', from: '+15550100', to: '+15550199', callSid: CALL_SID };

let standIn: FunctionStandIn;
beforeAll(async () => {
  standIn = await startFunctionStandIn(ACCOUNT.authToken);
});
afterAll(() => standIn.close());
beforeEach(() => {
  standIn.requests.length = 0;
  standIn.answer = () => checkCodeAnswer('approved');
});

function run(definition: FlowDefinition, parts: CallerPart[] = [], trigger: ExecutionTrigger = CALL, clock?: Clock): Promise<ExecutionResult> {
  return runExecution({ definition, trigger, account: ACCOUNT, caller: scriptedCaller(parts), ...(clock && { clock }) });
}

function stateOf(flow: FlowDefinition, name: string): FlowState {
  const state = flow.states.find((candidate) => candidate.name === name);
  if (state === undefined) throw new Error(`no state ${name}`);
  return state;
}

function path(result: ExecutionResult): string[] {
  return result.steps.map((step) => `${step.transitioned_from} -${step.name}-> ${step.transitioned_to}`);
}

describe('gather-input-on-call', () => {
  it.each<[string, Record<string, unknown>, string, string, Record<string, string>]>([
    ['stops at number_of_digits', {}, '1234567', 'keypress', { Digits: '123456' }],
    ['stops at the finish key, which is not a digit', {}, '12#34', 'keypress', { Digits: '12', FinishedOnKey: '#' }],
    ['takes a star as the finish key when told', { finish_on_key: '*' }, '12*#', 'keypress', { Digits: '12', FinishedOnKey: '*' }],
    ['counts the pound key as a digit when stop_gather is off', { stop_gather: false }, '12#34', 'keypress', { Digits: '12#34' }],
    ['takes every key without number_of_digits', { number_of_digits: undefined }, '1234567890', 'keypress', { Digits: '1234567890' }],
    ['times out on the finish key alone', {}, '#', 'timeout', {}],
  ])('%s', async (_name, properties, keys, event, outputs) => {
    const flow = smallFlow(standIn.url);
    const ask = stateOf(flow, 'ask').properties;
    // undefined removes the property.
    for (const [key, value] of Object.entries(properties)) {
      if (value === undefined) delete ask[key];
      else ask[key] = value;
    }
    const result = await run(flow, [{ digits: keys }]);
    expect(result.steps[1]).toMatchObject({ name: event, transitioned_from: 'ask', heard: { digits: keys } });
    const recorded = result.steps[1]?.context.widgets.ask ?? {};
    expect({ Digits: recorded.Digits, FinishedOnKey: recorded.FinishedOnKey }).toEqual({ Digits: undefined, FinishedOnKey: undefined, ...outputs });
    // The call's own parameters come with every gather result, as Twilio posts them.
    expect(recorded).toMatchObject({ CallSid: CALL_SID, From: '+15550100', To: '+15550199', AccountSid: ACCOUNT.sid });
  });

  it('fires speech with SpeechResult when the speech transition is connected', async () => {
    const flow = smallFlow(standIn.url);
    stateOf(flow, 'ask').transitions[1] = { event: 'speech', next: 'bye' };
    const result = await run(flow, [{ speech: 'one two three' }]);
    expect(result.steps[1]).toMatchObject({ name: 'speech', transitioned_to: 'bye' });
    expect(result.context.widgets.ask).toMatchObject({ SpeechResult: 'one two three' });
  });

  it('times out on speech when the speech transition is not connected (recognition is off)', async () => {
    const result = await run(smallFlow(standIn.url), [{ speech: 'one two three' }]);
    expect(result.steps[1]).toMatchObject({ name: 'timeout', detail: 'speech is not recognised: the speech transition is not connected' });
    expect(result.context.widgets.ask).not.toHaveProperty('SpeechResult');
  });

  it('records the prompt it played, rendered with Liquid, with its voice, language and loop', async () => {
    const flow = smallFlow(standIn.url);
    Object.assign(stateOf(flow, 'ask').properties, { say: 'Calling from {{trigger.call.From}}', voice: 'Polly.Joanna', language: 'en-US', loop: 2 });
    const result = await run(flow, []);
    expect(result.steps[1]?.said).toEqual([{ widget: 'ask', say: 'Calling from +15550100', voice: 'Polly.Joanna', language: 'en-US', loop: 2 }]);
  });

  it('a caller whose script ran out stays silent', async () => {
    const result = await run(smallFlow(standIn.url), []);
    expect(result.steps[1]).toMatchObject({ name: 'timeout', heard: { timeout: true } });
  });

  it.each([['12a'], ['']])('refuses a caller script with keys no keypad has (%j)', (digits) => {
    expect(() => scriptedCaller([{ digits }])).toThrow(CallerScriptError);
  });
});

describe('run-function', () => {
  it('posts the rendered parameters, signed, and records status_code, content_type, body and parsed', async () => {
    standIn.answer = () => ({ json: { status: 'approved', n: 1 } });
    const result = await run(smallFlow(standIn.url), [{ digits: '654321' }]);
    expect(standIn.requests).toEqual([{ path: '/studio/check-code', params: { code: '654321' }, signed: true }]);
    expect(result.context.widgets.check).toEqual({
      status_code: 200,
      content_type: 'application/json; charset=utf-8',
      body: '{"status":"approved","n":1}',
      parsed: { status: 'approved', n: 1 },
    });
    expect(path(result)).toContain('check -success-> route');
  });

  it('keeps a body that is not JSON in body, with no parsed', async () => {
    standIn.answer = () => ({ text: '{"status":"approved"}', contentType: 'text/plain' });
    const result = await run(smallFlow(standIn.url), [{ digits: '654321' }]);
    expect(result.context.widgets.check).toEqual({ status_code: 200, content_type: 'text/plain', body: '{"status":"approved"}' });
    expect(path(result)).toContain('route -noMatch-> bye');
  });

  it('succeeds on 204 with no body', async () => {
    standIn.answer = () => ({ status: 204, text: '' });
    const result = await run(smallFlow(standIn.url), [{ digits: '654321' }]);
    expect(result.steps[2]).toMatchObject({ name: 'success' });
    expect(result.context.widgets.check).toMatchObject({ status_code: 204, body: '' });
  });

  /** A JSON answer of exactly `bytes` bytes. */
  function answerOf(bytes: number): string {
    const frame = JSON.stringify({ status: 'approved', pad: '' });
    return JSON.stringify({ status: 'approved', pad: 'x'.repeat(bytes - frame.length) });
  }

  it('accepts a body of exactly 64 kB and fails one a byte longer', async () => {
    standIn.answer = () => ({ text: answerOf(FUNCTION_MAX_BODY_BYTES) });
    const atLimit = await run(smallFlow(standIn.url), [{ digits: '654321' }]);
    expect(atLimit.steps[2]).toMatchObject({ name: 'success' });
    standIn.answer = () => ({ text: answerOf(FUNCTION_MAX_BODY_BYTES + 1) });
    const over = await run(smallFlow(standIn.url), [{ digits: '654321' }]);
    expect(over.steps[2]).toMatchObject({ name: 'fail', detail: 'the answer is over 64 kB' });
    expect(over.context.widgets.check).toEqual({ status_code: 200 });
  });

  it('accepts an answer after exactly 10 s and fails one after 10 s and 1 ms (by the injected clock)', async () => {
    let now = Date.UTC(2026, 0, 1);
    const clock = { now: () => now };
    standIn.answer = () => {
      now += 10_000;
      return checkCodeAnswer('approved');
    };
    expect((await run(smallFlow(standIn.url), [{ digits: '654321' }], CALL, clock)).steps[2]).toMatchObject({ name: 'success' });
    standIn.answer = () => {
      now += 10_001;
      return checkCodeAnswer('approved');
    };
    const late = await run(smallFlow(standIn.url), [{ digits: '654321' }], CALL, clock);
    expect(late.steps[2]).toMatchObject({ name: 'fail', detail: 'no answer within 10 s' });
  });

  it('fails on a 4xx and keeps what the Function said', async () => {
    standIn.answer = () => ({ status: 400, json: { error: { code: 'bad_input' } } });
    const result = await run(smallFlow(standIn.url), [{ digits: '654321' }]);
    expect(result.steps[2]).toMatchObject({ name: 'fail', detail: 'the Function answered 400' });
    expect(result.context.widgets.check).toMatchObject({ status_code: 400, parsed: { error: { code: 'bad_input' } } });
  });
});

describe('split-based-on', () => {
  it.each<[keyof typeof CONDITION_TESTS, string, string, boolean]>([
    ['equal_to', 'approved', 'approved', true],
    ['equal_to', 'Approved', 'approved', false],
    ['equal_to', 'approved ', 'approved', false],
    ['not_equal_to', 'pending', 'approved', true],
    ['not_equal_to', 'approved', 'approved', false],
    ['matches_any_of', 'locked', 'approved, locked', true],
    ['matches_any_of', 'lock', 'approved, locked', false],
    ['does_not_match_any_of', 'pending', 'approved,locked', true],
    ['does_not_match_any_of', 'locked', 'approved,locked', false],
    ['contains', 'not_enrolled', 'enrolled', true],
    ['contains', 'approved', 'enrolled', false],
    ['does_not_contain', 'approved', 'enrolled', true],
    ['does_not_contain', 'not_enrolled', 'enrolled', false],
    ['starts_with', 'not_enrolled', 'not_', true],
    ['starts_with', 'enrolled', 'not_', false],
    ['does_not_start_with', 'enrolled', 'not_', true],
    ['does_not_start_with', 'not_enrolled', 'not_', false],
    ['is_blank', ' ', '', true],
    ['is_blank', 'x', '', false],
    ['is_not_blank', 'x', '', true],
    ['is_not_blank', '', '', false],
    ['less_than', '2', '3', true],
    ['less_than', '3', '3', false],
    ['less_than', '10', '3', false],
    ['less_than', '', '3', false],
    ['less_than', 'abc', '3', false],
    ['greater_than', '10', '3', true],
    ['greater_than', '3', '3', false],
    ['greater_than', ' ', '0', false],
  ])('%s(%j, %j) is %s', (type, subject, value, expected) => {
    expect(CONDITION_TESTS[type](subject, value)).toBe(expected);
  });

  it('takes the first match whose conditions all hold, rendering arguments and value with Liquid', async () => {
    const flow = smallFlow(standIn.url);
    stateOf(flow, 'route').transitions = [
      { event: 'noMatch', next: 'bye' },
      {
        event: 'match',
        next: 'bye',
        conditions: [
          { friendly_name: 'approved', arguments: ['{{widgets.check.parsed.status}}'], type: 'equal_to', value: 'approved' },
          { friendly_name: 'and two', arguments: ['{{widgets.check.parsed.n}}'], type: 'equal_to', value: '2' },
        ],
      },
      { event: 'match', next: 'remember', conditions: [{ friendly_name: 'n', arguments: ['{{widgets.check.parsed.n}}'], type: 'equal_to', value: '{{widgets.ask.Digits | slice: 0}}' }] },
      { event: 'match', next: 'bye', conditions: [{ friendly_name: 'any', arguments: ['{{widgets.check.parsed.status}}'], type: 'is_not_blank', value: '-' }] },
    ];
    standIn.answer = () => ({ json: { status: 'approved', n: 1 } });
    const result = await run(flow, [{ digits: '123456' }]);
    expect(path(result)).toContain('route -match-> remember');
  });
});

describe('set-variables and Liquid', () => {
  it('sets flow.variables in order, each value rendered against the context as it stands', async () => {
    const flow = smallFlow(standIn.url);
    stateOf(flow, 'remember').properties.variables = [
      { key: 'count', value: '{{flow.variables.count | default: 0 | plus: 1}}' },
      { key: 'twice', value: '{{flow.variables.count | times: 2}}' },
      { key: 'who', value: '{{contact.channel.address}} called {{flow.channel.address}}' },
    ];
    stateOf(flow, 'bye').properties.say = 'Count {{flow.variables.count}}, twice {{flow.variables.twice}}; {{flow.variables.missing}}.';
    const result = await run(flow, [{ digits: '123456' }]);
    expect(result.context.flow.variables).toEqual({ count: '1', twice: '2', who: '+15550100 called +15550199' });
    expect(result.steps.at(-1)?.said).toEqual([{ widget: 'bye', say: 'Count 1, twice 2; .', loop: 1 }]);
  });

  it('a template that reaches for a file ends the execution there, reading nothing', async () => {
    const flow = smallFlow(standIn.url);
    stateOf(flow, 'bye').properties.say = "{% include 'package.json' %}";
    const result = await run(flow, []);
    expect(result).toMatchObject({ status: 'ended', endReason: 'widget_error' });
    expect(result.endDetail).toMatch(/^'bye' failed: ENOENT/);
  });
});

describe('executions', () => {
  it('records each step with the context as it stood and the time from the injected clock', async () => {
    let now = Date.UTC(2026, 0, 1);
    const clock = { now: () => (now += 1000) };
    const result = await run(smallFlow(standIn.url), [{ digits: '123456' }], CALL, clock);
    expect(path(result)).toEqual([
      'Trigger -incomingCall-> ask',
      'ask -keypress-> check',
      'check -success-> route',
      'route -match-> remember',
      'remember -next-> bye',
      'bye -audioComplete-> Ended',
    ]);
    // Each step's context is a copy: the first has no widget outputs, the last has them all.
    expect(result.steps[0]?.context.widgets).toEqual({});
    expect(Object.keys(result.steps.at(-1)?.context.widgets ?? {})).toEqual(['ask', 'check']);
    expect(result.steps.at(-1)?.context.flow.variables).toEqual({ verified: 'yes' });
    const times = result.steps.map((step) => step.date_created);
    expect(times).toEqual([...times].sort((a, b) => a - b));
    expect(new Set(times).size).toBe(times.length);
  });

  it('exposes trigger.call, flow and contact as Studio names them', async () => {
    const result = await runExecution({
      definition: smallFlow(standIn.url),
      trigger: CALL,
      account: ACCOUNT,
      sids: { flow: `FW${'1'.repeat(32)}`, execution: `FN${'2'.repeat(32)}` },
    });
    expect(result.context.trigger).toEqual({
      call: {
        CallSid: CALL_SID,
        AccountSid: ACCOUNT.sid,
        From: '+15550100',
        To: '+15550199',
        Caller: '+15550100',
        Called: '+15550199',
        Direction: 'inbound',
        CallStatus: 'ringing',
        ApiVersion: '2010-04-01',
      },
    });
    expect(result.context.flow).toMatchObject({ flow_sid: `FW${'1'.repeat(32)}`, sid: `FN${'2'.repeat(32)}`, channel: { address: '+15550199' }, data: {} });
    expect(result.context.contact).toEqual({ channel: { address: '+15550100' } });
  });

  it('a REST-started execution fires incomingRequest and keeps its Parameters in flow.data', async () => {
    const flow = smallFlow(standIn.url);
    stateOf(flow, 'Trigger').transitions[1] = { event: 'incomingRequest', next: 'remember' };
    stateOf(flow, 'remember').properties.variables = [{ key: 'order', value: '{{flow.data.order.id}}' }];
    stateOf(flow, 'remember').transitions = [{ event: 'next' }];
    const result = await run(flow, [], { kind: 'request', from: '+15550199', to: '+15550123', parameters: { order: { id: 'A7' } } });
    expect(path(result)).toEqual(['Trigger -incomingRequest-> remember', 'remember -next-> Ended']);
    expect(result.context.flow.variables).toEqual({ order: 'A7' });
    expect(result.context.trigger).toEqual({ request: { from: '+15550199', to: '+15550123', parameters: { order: { id: 'A7' } } } });
    expect(result.context.contact).toEqual({ channel: { address: '+15550123' } });
  });

  it('a REST-started execution that reaches a voice widget stops there: there is no call', async () => {
    const flow = smallFlow(standIn.url);
    stateOf(flow, 'Trigger').transitions[1] = { event: 'incomingRequest', next: 'bye' };
    const result = await run(flow, [], { kind: 'request', from: '+15550199', to: '+15550123' });
    expect(result).toMatchObject({ endReason: 'no_call', endDetail: "'bye' (say-play) needs a call, and this execution is not one" });
    expect(result.steps).toHaveLength(1);
  });

  it(`stops a widget that runs ${MAX_RUNS_IN_A_ROW} times in a row`, async () => {
    const flow = smallFlow(standIn.url);
    stateOf(flow, 'Trigger').transitions[0] = { event: 'incomingCall', next: 'remember' };
    stateOf(flow, 'remember').transitions = [{ event: 'next', next: 'remember' }];
    const result = await run(flow);
    expect(result).toMatchObject({ endReason: 'widget_loop', endDetail: `'remember' ran ${MAX_RUNS_IN_A_ROW} times in a row` });
    expect(result.steps.filter((step) => step.transitioned_from === 'remember')).toHaveLength(MAX_RUNS_IN_A_ROW);
  });

  it(`stops at ${MAX_STEPS} steps`, async () => {
    const flow = smallFlow(standIn.url);
    stateOf(flow, 'Trigger').transitions[0] = { event: 'incomingCall', next: 'remember' };
    stateOf(flow, 'remember').transitions = [{ event: 'next', next: 'route' }];
    stateOf(flow, 'route').transitions = [{ event: 'noMatch', next: 'remember' }];
    const result = await run(flow);
    expect(result).toMatchObject({ endReason: 'step_limit', endDetail: `the execution reached ${MAX_STEPS} steps` });
    expect(result.steps).toHaveLength(MAX_STEPS);
  });

  it('refuses to run a definition that is not valid, with every error', async () => {
    const flow = smallFlow(standIn.url);
    flow.initial_state = 'Start';
    await expect(run(flow)).rejects.toThrow(FlowDefinitionError);
    await expect(run(flow)).rejects.toMatchObject({ errors: [{ property_path: '#/initial_state' }] });
  });
});
