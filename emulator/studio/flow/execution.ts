// What an execution records: its context, its steps as Studio lists them, and what the caller heard and did.
import type { JsonObject } from './definition';

/** Milliseconds since the Unix epoch; the engine reads time only through this. */
export interface Clock {
  now(): number;
}

/** How the execution started: a phone call into the flow, or a REST request (POST /v2/Flows/{sid}/Executions). */
export type ExecutionTrigger =
  | { kind: 'call'; from: string; to: string; callSid?: string }
  | { kind: 'request'; from: string; to: string; parameters?: JsonObject };

/** The variables a widget field can read with Liquid, named as in Studio. */
export interface ExecutionContext {
  /** `trigger.call.*` (CallSid, From, To, …) for a call, `trigger.request.*` for a REST request. */
  trigger: JsonObject;
  /** `widgets.<name>.*`: what each widget that ran recorded (its last run). */
  widgets: Record<string, JsonObject>;
  flow: {
    flow_sid: string;
    /** The execution's SID (FN…). */
    sid: string;
    /** The flow's own number: the called number, or the REST request's From. */
    channel: { address: string };
    /** Written by set-variables. */
    variables: Record<string, string>;
    /** The REST request's Parameters. */
    data: JsonObject;
  };
  /** The other party: the caller, or the REST request's To. */
  contact: { channel: { address: string } };
}

/** Something the flow played to the caller. */
export type Utterance =
  | { widget: string; say: string; voice?: string; language?: string; loop: number }
  | { widget: string; play: string; loop: number }
  | { widget: string; digits: string };

/** The caller's part at one gather: keys pressed (`#` included when pressed), words said, or nothing. */
export type CallerPart = { digits: string } | { speech: string } | { timeout: true };

/** One step, as Studio lists an execution's Steps: a widget ran, fired `name`, and the flow moved on. */
export interface ExecutionStep {
  /** The event the widget fired (Studio: "the event that caused the Flow to transition"). */
  name: string;
  transitioned_from: string;
  /** The next widget, or `Ended` when the event leads nowhere. */
  transitioned_to: string;
  /** The execution context as it stood after this widget ran (a copy). */
  context: ExecutionContext;
  date_created: number;
  /** What the caller heard during this widget, in order. */
  said: Utterance[];
  /** What the caller did at a gather. */
  heard?: CallerPart;
  /** Why a widget failed, in words (for example "no answer within 10 s"). */
  detail?: string;
}

/** Why the execution stopped: the flow ran out of transitions, Studio's guards stopped it, or a widget failed to run. */
export type EndReason = 'completed' | 'step_limit' | 'widget_loop' | 'no_call' | 'widget_error';

export interface ExecutionResult {
  /** Studio's execution status: this engine runs an execution to its end before it returns. */
  status: 'ended';
  endReason: EndReason;
  /** Words for endReason when it is not `completed`. */
  endDetail?: string;
  steps: ExecutionStep[];
  context: ExecutionContext;
}
