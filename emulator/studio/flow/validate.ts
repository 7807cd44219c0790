// Checks a flow definition the way Studio does before it saves one: {valid, errors, warnings}, each naming where.
import { isWidgetType, widgetSpec, WIDGET_TYPES, type PropertySpec, type WidgetSpec } from './catalog';
import { isConditionType, CONDITION_TESTS } from './conditions';
import type { FlowDefinition } from './definition';
import { liquidSyntaxError } from './liquid';

/** One finding: what is wrong, and a JSON pointer into the definition (`#/states/2/properties/url`). */
export interface FlowIssue {
  message: string;
  property_path: string;
}

export interface FlowValidation {
  valid: boolean;
  errors: FlowIssue[];
  warnings: FlowIssue[];
}

/** Thrown by requireValidFlow; carries every error so a caller can render them as Studio does. */
export class FlowDefinitionError extends Error {
  override readonly name = 'FlowDefinitionError';
  constructor(readonly errors: FlowIssue[]) {
    super(`Invalid flow definition: ${errors.map((issue) => issue.message).join('; ')}`);
  }
}

const TOP_LEVEL_KEYS = new Set(['description', 'states', 'initial_state', 'flags']);
const STATE_KEYS = new Set(['name', 'type', 'transitions', 'properties']);
const TRANSITION_KEYS = new Set(['event', 'next', 'conditions']);
const CONDITION_KEYS = ['friendly_name', 'arguments', 'type', 'value'] as const;

type Obj = Record<string, unknown>;

function isObject(value: unknown): value is Obj {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Collects errors and warnings in the order they are found; each message names its state and property. */
class Findings {
  readonly errors: FlowIssue[] = [];
  readonly warnings: FlowIssue[] = [];
  error(path: string, message: string): void {
    this.errors.push({ message, property_path: path });
  }
  warn(path: string, message: string): void {
    this.warnings.push({ message, property_path: path });
  }
}

function checkTemplate(findings: Findings, path: string, where: string, value: string): void {
  const reason = liquidSyntaxError(value);
  if (reason !== undefined) findings.error(path, `${where} is not valid Liquid: ${reason}`);
}

function checkKeyValues(findings: Findings, path: string, where: string, value: unknown): void {
  if (!Array.isArray(value)) {
    findings.error(path, `${where} must be a list of {key, value}`);
    return;
  }
  const seen = new Set<string>();
  value.forEach((item, index) => {
    const itemPath = `${path}/${index}`;
    const itemWhere = `${where}[${index}]`;
    if (!isObject(item) || typeof item.key !== 'string' || item.key === '' || typeof item.value !== 'string') {
      findings.error(itemPath, `${itemWhere} must have a non-empty text key and a text value`);
      return;
    }
    if (seen.has(item.key)) findings.error(`${itemPath}/key`, `${itemWhere}.key '${item.key}' is given twice`);
    seen.add(item.key);
    checkTemplate(findings, `${itemPath}/value`, `${itemWhere}.value`, item.value);
  });
}

function checkProperty(findings: Findings, path: string, where: string, spec: PropertySpec, value: unknown): void {
  switch (spec.kind) {
    case 'string':
    case 'template':
      if (typeof value !== 'string') return findings.error(path, `${where} must be text`);
      if (spec.oneOf && !spec.oneOf.includes(value)) {
        return findings.error(path, `${where} must be one of ${spec.oneOf.map((v) => `'${v}'`).join(', ')}`);
      }
      if (spec.kind === 'template') checkTemplate(findings, path, where, value);
      return;
    case 'integer':
      if (typeof value !== 'number' || !Number.isInteger(value) || value < (spec.min ?? 0)) {
        findings.error(path, `${where} must be a whole number of at least ${spec.min ?? 0}`);
      }
      return;
    case 'boolean':
      if (typeof value !== 'boolean') findings.error(path, `${where} must be true or false`);
      return;
    case 'offset':
      if (!isObject(value) || typeof value.x !== 'number' || typeof value.y !== 'number') {
        findings.error(path, `${where} must be {x, y} numbers`);
      }
      return;
    case 'keyValues':
      return checkKeyValues(findings, path, where, value);
  }
}

function checkProperties(findings: Findings, path: string, name: string, type: string, spec: WidgetSpec, raw: unknown) {
  if (!isObject(raw)) return findings.error(path, `State '${name}': properties must be an object`);
  const known: Readonly<Record<string, PropertySpec>> = spec.properties;
  for (const [key, value] of Object.entries(raw)) {
    const propertySpec = known[key];
    const where = `State '${name}': property '${key}'`;
    if (propertySpec === undefined) findings.error(`${path}/${key}`, `${where} is not a property of ${type}`);
    else checkProperty(findings, `${path}/${key}`, where, propertySpec, value);
  }
  for (const [key, propertySpec] of Object.entries(known)) {
    if (propertySpec.required && raw[key] === undefined) {
      findings.error(`${path}/${key}`, `State '${name}': property '${key}' is required for ${type}`);
    }
  }
  if (spec.needsOneOf && !spec.needsOneOf.some((key) => raw[key] !== undefined)) {
    findings.error(path, `State '${name}': ${type} needs one of the properties ${spec.needsOneOf.join(', ')}`);
  }
}

function checkConditions(findings: Findings, path: string, where: string, raw: unknown): void {
  if (!Array.isArray(raw) || raw.length === 0) {
    return findings.error(path, `${where}: a match transition needs a non-empty list of conditions`);
  }
  raw.forEach((condition, index) => {
    const conditionPath = `${path}/${index}`;
    const conditionWhere = `${where} condition ${index}`;
    if (!isObject(condition)) return findings.error(conditionPath, `${conditionWhere} must be an object`);
    for (const key of Object.keys(condition)) {
      if (!(CONDITION_KEYS as readonly string[]).includes(key)) {
        findings.error(`${conditionPath}/${key}`, `${conditionWhere}: '${key}' is not a field of a condition`);
      }
    }
    for (const key of CONDITION_KEYS) {
      if (condition[key] === undefined) findings.error(`${conditionPath}/${key}`, `${conditionWhere}: '${key}' is required`);
    }
    const { arguments: args, type, value, friendly_name: friendlyName } = condition;
    if (friendlyName !== undefined && typeof friendlyName !== 'string') {
      findings.error(`${conditionPath}/friendly_name`, `${conditionWhere}: 'friendly_name' must be text`);
    }
    if (type !== undefined && (typeof type !== 'string' || !isConditionType(type))) {
      const known = Object.keys(CONDITION_TESTS).join(', ');
      findings.error(`${conditionPath}/type`, `${conditionWhere}: type '${String(type)}' is not one the engine knows (${known})`);
    }
    if (value !== undefined) {
      if (typeof value !== 'string') findings.error(`${conditionPath}/value`, `${conditionWhere}: 'value' must be text`);
      else checkTemplate(findings, `${conditionPath}/value`, `${conditionWhere} value`, value);
    }
    if (args !== undefined) {
      if (!Array.isArray(args) || args.length === 0 || !args.every((arg) => typeof arg === 'string')) {
        findings.error(`${conditionPath}/arguments`, `${conditionWhere}: 'arguments' must be a non-empty list of text`);
      } else {
        args.forEach((arg, i) => checkTemplate(findings, `${conditionPath}/arguments/${i}`, `${conditionWhere} argument ${i}`, arg));
      }
    }
  });
}

function checkTransitions(findings: Findings, path: string, name: string, type: string, spec: WidgetSpec, raw: unknown, names: Set<string>) {
  if (!Array.isArray(raw)) return findings.error(path, `State '${name}': transitions must be a list`);
  const seen = new Set<string>();
  raw.forEach((transition, index) => {
    const transitionPath = `${path}/${index}`;
    if (!isObject(transition) || typeof transition.event !== 'string') {
      return findings.error(transitionPath, `State '${name}': transition ${index} needs an event`);
    }
    const { event, next, conditions } = transition;
    const where = `State '${name}': transition '${event}'`;
    for (const key of Object.keys(transition)) {
      if (!TRANSITION_KEYS.has(key)) findings.error(`${transitionPath}/${key}`, `${where}: '${key}' is not a field of a transition`);
    }
    if (!spec.events.includes(event)) {
      findings.error(`${transitionPath}/event`, `${where}: '${event}' is not an event of ${type} (its events: ${spec.events.join(', ')})`);
    } else if (event !== 'match' && seen.has(event)) {
      findings.error(`${transitionPath}/event`, `${where} is given twice`);
    }
    seen.add(event);
    if (next !== undefined && (typeof next !== 'string' || !names.has(next))) {
      findings.error(`${transitionPath}/next`, `${where} goes to '${String(next)}', which is not the name of a state`);
    }
    if (event === 'match') checkConditions(findings, `${transitionPath}/conditions`, where, conditions);
    else if (conditions !== undefined) findings.error(`${transitionPath}/conditions`, `${where}: only a match transition has conditions`);
  });
}

/** The states reachable from `start` along transitions (to warn about widgets nothing leads to). */
function reachable(states: Obj[], start: string): Set<string> {
  const byName = new Map(states.map((state) => [state.name, state]));
  const seen = new Set<string>();
  const queue = [start];
  for (let name = queue.pop(); name !== undefined; name = queue.pop()) {
    if (seen.has(name)) continue;
    seen.add(name);
    const transitions = byName.get(name)?.transitions;
    if (!Array.isArray(transitions)) continue;
    for (const transition of transitions) {
      if (isObject(transition) && typeof transition.next === 'string') queue.push(transition.next);
    }
  }
  return seen;
}

function checkStates(findings: Findings, states: unknown[]): Set<string> {
  const names = new Set<string>();
  states.forEach((state, index) => {
    if (!isObject(state) || typeof state.name !== 'string' || state.name === '') return;
    if (names.has(state.name)) findings.error(`#/states/${index}/name`, `State name '${state.name}' is used by more than one state`);
    names.add(state.name);
  });
  states.forEach((state, index) => {
    const path = `#/states/${index}`;
    if (!isObject(state)) return findings.error(path, `State ${index} must be an object`);
    if (typeof state.name !== 'string' || state.name === '') return findings.error(`${path}/name`, `State ${index}: name is required`);
    const { name, type } = state;
    for (const key of Object.keys(state)) {
      if (!STATE_KEYS.has(key)) findings.error(`${path}/${key}`, `State '${name}': '${key}' is not a field of a state`);
    }
    if (typeof type !== 'string' || !isWidgetType(type)) {
      const known = WIDGET_TYPES.join(', ');
      return findings.error(`${path}/type`, `State '${name}': widget type '${String(type)}' is not one the engine knows (${known})`);
    }
    const spec = widgetSpec(type);
    checkProperties(findings, `${path}/properties`, name, type, spec, state.properties);
    checkTransitions(findings, `${path}/transitions`, name, type, spec, state.transitions, names);
  });
  return names;
}

function parseDefinition(findings: Findings, definition: unknown): unknown {
  if (typeof definition !== 'string') return definition;
  try {
    return JSON.parse(definition) as unknown;
  } catch {
    findings.error('#', 'The definition is not JSON');
    return undefined;
  }
}

/** Validates a definition (an object, or its JSON text) against the rules and the widgets the engine knows. */
export function validateFlow(input: unknown): FlowValidation {
  const findings = new Findings();
  const definition = parseDefinition(findings, input);
  if (findings.errors.length > 0) return { valid: false, errors: findings.errors, warnings: [] };
  if (!isObject(definition)) {
    findings.error('#', 'The definition must be a JSON object');
    return { valid: false, errors: findings.errors, warnings: [] };
  }
  for (const key of Object.keys(definition)) {
    if (!TOP_LEVEL_KEYS.has(key)) findings.error(`#/${key}`, `'${key}' is not a field of a flow definition`);
  }
  if (definition.description !== undefined && typeof definition.description !== 'string') {
    findings.error('#/description', 'description must be text');
  }
  const flags = definition.flags;
  if (flags !== undefined && (!isObject(flags) || Object.entries(flags).some(([k, v]) => k !== 'allow_concurrent_calls' || typeof v !== 'boolean'))) {
    findings.error('#/flags', 'flags may only hold allow_concurrent_calls (true or false)');
  }
  const states = definition.states;
  if (!Array.isArray(states) || states.length === 0) {
    findings.error('#/states', 'states must be a non-empty list');
    return { valid: false, errors: findings.errors, warnings: findings.warnings };
  }
  const names = checkStates(findings, states);
  const initial = definition.initial_state;
  const triggers = states.filter((state) => isObject(state) && state.type === 'trigger');
  if (triggers.length !== 1) findings.error('#/states', `A flow has exactly one trigger widget (this one has ${triggers.length})`);
  if (typeof initial !== 'string' || !names.has(initial)) {
    findings.error('#/initial_state', `initial_state '${String(initial)}' is not the name of a state`);
  } else {
    const start = states.find((state) => isObject(state) && state.name === initial) as Obj;
    if (start.type !== 'trigger') findings.error('#/initial_state', `initial_state '${initial}' must be the trigger widget`);
    const seen = reachable(states.filter(isObject), initial);
    states.forEach((state, index) => {
      if (isObject(state) && typeof state.name === 'string' && names.has(state.name) && !seen.has(state.name)) {
        findings.warn(`#/states/${index}`, `State '${state.name}' cannot be reached from '${initial}'`);
      }
    });
  }
  return { valid: findings.errors.length === 0, errors: findings.errors, warnings: findings.warnings };
}

/** The definition, typed, when it is valid; otherwise throws FlowDefinitionError with every error. */
export function requireValidFlow(input: unknown): FlowDefinition {
  const validation = validateFlow(input);
  if (!validation.valid) throw new FlowDefinitionError(validation.errors);
  return (typeof input === 'string' ? JSON.parse(input) : input) as FlowDefinition;
}
