// The Studio flow engine's public face: validate a definition, run an execution, read its transcript.
export { validateFlow, requireValidFlow, FlowDefinitionError, type FlowIssue, type FlowValidation } from './validate';
export { runExecution, MAX_STEPS, MAX_RUNS_IN_A_ROW, type RunExecutionOptions } from './engine';
export { scriptedCaller, CallerScriptError, type GatherPrompt, type SimulatedCaller } from './caller';
export { fetchHttpCaller, type FunctionRequest, type FunctionResponse, type HttpCaller } from './http';
export { twilioSignature } from './signing';
export { transcript } from './transcript';
export { WIDGETS, type WidgetType } from './catalog';
export { FUNCTION_TIMEOUT_MS, FUNCTION_MAX_BODY_BYTES } from './widgets/run-function';
export type { Condition, FlowDefinition, FlowState, Json, JsonObject, Transition } from './definition';
export type {
  CallerPart,
  Clock,
  EndReason,
  ExecutionContext,
  ExecutionResult,
  ExecutionStep,
  ExecutionTrigger,
  Utterance,
} from './execution';
