// The shape of a Studio flow definition (the JSON a Flow's `Definition` holds) once validateFlow has accepted it.

/** Any JSON value, as Studio keeps it in an execution's context. */
export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

/** One `split-based-on` condition, as Studio exports it. */
export interface Condition {
  friendly_name: string;
  /** Liquid templates; Studio tests the first (it repeats the widget's `input`). */
  arguments: string[];
  type: string;
  value: string;
}

export interface Transition {
  event: string;
  /** The state to go to; absent means the execution ends when this event fires. */
  next?: string;
  /** Only on a `split-based-on` widget's `match` transitions. */
  conditions?: Condition[];
}

export interface FlowState {
  name: string;
  type: string;
  transitions: Transition[];
  properties: Record<string, unknown>;
}

export interface FlowDefinition {
  description?: string;
  states: FlowState[];
  initial_state: string;
  flags?: { allow_concurrent_calls?: boolean };
}
