// The contract between the engine and one widget: run against the context, say which event fired and what it recorded.
import type { SimulatedCaller } from '../caller';
import type { FlowState, JsonObject, Transition } from '../definition';
import type { CallerPart, Clock, ExecutionContext, Utterance } from '../execution';
import type { HttpCaller } from '../http';

export interface RunnerDeps {
  http: HttpCaller;
  clock: Clock;
  caller: SimulatedCaller;
  authToken: string;
}

export interface WidgetOutcome {
  event: string;
  /** The transition taken when several share the event (split-based-on's matches); else the event's own. */
  transition?: Transition;
  /** Stored as `widgets.<name>`. */
  outputs?: JsonObject;
  said?: Utterance[];
  heard?: CallerPart;
  detail?: string;
}

export type WidgetRunner = (state: FlowState, context: ExecutionContext, deps: RunnerDeps) => WidgetOutcome | Promise<WidgetOutcome>;

/** A property as the validated definition holds it (validation has checked its kind). */
export function text(state: FlowState, key: string): string | undefined {
  const value = state.properties[key];
  return typeof value === 'string' ? value : undefined;
}

export function integer(state: FlowState, key: string): number | undefined {
  const value = state.properties[key];
  return typeof value === 'number' ? value : undefined;
}

export function keyValues(state: FlowState, key: string): { key: string; value: string }[] {
  const value = state.properties[key];
  return Array.isArray(value) ? (value as { key: string; value: string }[]) : [];
}
