// Runs a flow one widget at a time from its trigger, recording each step as Studio lists an execution's Steps.
import { randomBytes } from 'node:crypto';
import { scriptedCaller, type SimulatedCaller } from './caller';
import type { WidgetType } from './catalog';
import type { FlowDefinition, FlowState, JsonObject } from './definition';
import type { Clock, EndReason, ExecutionContext, ExecutionResult, ExecutionStep, ExecutionTrigger } from './execution';
import { fetchHttpCaller, type HttpCaller } from './http';
import { requireValidFlow } from './validate';
import { runGatherInputOnCall } from './widgets/gather-input-on-call';
import { runRunFunction } from './widgets/run-function';
import type { RunnerDeps, WidgetOutcome, WidgetRunner } from './widgets/runner';
import { runSayPlay } from './widgets/say-play';
import { runSetVariables } from './widgets/set-variables';
import { runSplitBasedOn } from './widgets/split-based-on';
import { runTrigger } from './widgets/trigger';

// Studio's guards (platform limits): at most 1,000 steps, and a widget run 10 times in a row stops the execution.
export const MAX_STEPS = 1000;
export const MAX_RUNS_IN_A_ROW = 10;

const RUNNERS: Record<WidgetType, WidgetRunner> = {
  trigger: runTrigger,
  'gather-input-on-call': runGatherInputOnCall,
  'run-function': runRunFunction,
  'split-based-on': runSplitBasedOn,
  'set-variables': runSetVariables,
  'say-play': runSayPlay,
};

/** Widgets that speak to or listen to a caller: they need the execution to be a call. */
const VOICE_WIDGETS: ReadonlySet<string> = new Set(['gather-input-on-call', 'say-play']);

export interface RunExecutionOptions {
  /** A flow definition (object or JSON text); it is validated first and must be valid. */
  definition: unknown;
  trigger: ExecutionTrigger;
  /** The account that owns the flow: run-function signs with its auth token. */
  account: { sid: string; authToken: string };
  /** Plays the caller's part at each gather (default: a caller who never answers). */
  caller?: SimulatedCaller;
  http?: HttpCaller;
  clock?: Clock;
  /** SIDs the product assigned (default: made up, FW… and FN…). */
  sids?: { flow?: string; execution?: string };
}

function newSid(prefix: 'FW' | 'FN' | 'CA'): string {
  return prefix + randomBytes(16).toString('hex');
}

function initialContext(trigger: ExecutionTrigger, accountSid: string, flowSid: string, executionSid: string): ExecutionContext {
  if (trigger.kind === 'call') {
    const call: JsonObject = {
      CallSid: trigger.callSid ?? newSid('CA'),
      AccountSid: accountSid,
      From: trigger.from,
      To: trigger.to,
      Caller: trigger.from,
      Called: trigger.to,
      Direction: 'inbound',
      CallStatus: 'ringing',
      ApiVersion: '2010-04-01',
    };
    return {
      trigger: { call },
      widgets: {},
      flow: { flow_sid: flowSid, sid: executionSid, channel: { address: trigger.to }, variables: {}, data: {} },
      contact: { channel: { address: trigger.from } },
    };
  }
  const parameters = trigger.parameters ?? {};
  return {
    trigger: { request: { from: trigger.from, to: trigger.to, parameters } },
    widgets: {},
    flow: { flow_sid: flowSid, sid: executionSid, channel: { address: trigger.from }, variables: {}, data: parameters },
    contact: { channel: { address: trigger.to } },
  };
}

/** Why the next widget may not run, or undefined when it may. */
function guard(state: FlowState, stepCount: number, inARow: number, context: ExecutionContext): { reason: EndReason; detail: string } | undefined {
  if (stepCount >= MAX_STEPS) return { reason: 'step_limit', detail: `the execution reached ${MAX_STEPS} steps` };
  if (inARow > MAX_RUNS_IN_A_ROW) return { reason: 'widget_loop', detail: `'${state.name}' ran ${MAX_RUNS_IN_A_ROW} times in a row` };
  if (VOICE_WIDGETS.has(state.type) && !('call' in context.trigger)) {
    return { reason: 'no_call', detail: `'${state.name}' (${state.type}) needs a call, and this execution is not one` };
  }
  return undefined;
}

/** Runs the execution to its end; throws FlowDefinitionError when the definition is not valid. */
export async function runExecution(options: RunExecutionOptions): Promise<ExecutionResult> {
  const definition: FlowDefinition = requireValidFlow(options.definition);
  const clock = options.clock ?? { now: () => Date.now() };
  const deps: RunnerDeps = {
    http: options.http ?? fetchHttpCaller,
    clock,
    caller: options.caller ?? scriptedCaller([]),
    authToken: options.account.authToken,
  };
  const context = initialContext(options.trigger, options.account.sid, options.sids?.flow ?? newSid('FW'), options.sids?.execution ?? newSid('FN'));
  const byName = new Map(definition.states.map((state) => [state.name, state]));
  const steps: ExecutionStep[] = [];
  let current: string | undefined = definition.initial_state;
  let previous: string | undefined;
  let inARow = 0;
  while (current !== undefined) {
    // Validation made every `next` a state name.
    const state = byName.get(current) as FlowState;
    inARow = current === previous ? inARow + 1 : 1;
    previous = current;
    const stop = guard(state, steps.length, inARow, context);
    if (stop) return { status: 'ended', endReason: stop.reason, endDetail: stop.detail, steps, context };
    let outcome: WidgetOutcome;
    try {
      outcome = await RUNNERS[state.type as WidgetType](state, context, deps);
    } catch (error) {
      // A template that fails as it renders (an {% include %}, a render limit): Studio ends the execution there.
      const detail = `'${state.name}' failed: ${error instanceof Error ? error.message : String(error)}`;
      return { status: 'ended', endReason: 'widget_error', endDetail: detail, steps, context };
    }
    if (outcome.outputs) context.widgets[state.name] = outcome.outputs;
    const transition = outcome.transition ?? state.transitions.find((candidate) => candidate.event === outcome.event);
    const next = transition?.next;
    steps.push({
      name: outcome.event,
      transitioned_from: state.name,
      transitioned_to: next ?? 'Ended',
      context: structuredClone(context),
      date_created: clock.now(),
      said: outcome.said ?? [],
      ...(outcome.heard && { heard: outcome.heard }),
      ...(outcome.detail && { detail: outcome.detail }),
    });
    current = next;
  }
  return { status: 'ended', endReason: 'completed', steps, context };
}
