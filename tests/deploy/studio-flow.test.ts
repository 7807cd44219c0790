// Structure of studio/totp-voice-check.json: a Studio flow that asks for a TOTP code and routes on /studio/check-code.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';

const ROOT = join(__dirname, '..', '..');

interface Transition {
  event: string;
  next?: string;
  conditions?: Array<{ friendly_name: string; arguments: string[]; type: string; value: string }>;
}
interface State {
  name: string;
  type: string;
  transitions: Transition[];
  properties: Record<string, unknown>;
}
interface FlowDefinition {
  description: string;
  states: State[];
  initial_state: string;
  flags: { allow_concurrent_calls: boolean };
}

/** The events each widget type emits (Twilio Studio widget library); a transition on any other event never fires. */
const WIDGET_EVENTS: Record<string, string[]> = {
  trigger: ['incomingMessage', 'incomingCall', 'incomingConversationMessage', 'incomingRequest', 'incomingParent'],
  'gather-input-on-call': ['keypress', 'speech', 'timeout'],
  'run-function': ['success', 'fail'],
  'split-based-on': ['noMatch', 'match'],
  'say-play': ['audioComplete'],
  'set-variables': ['next'],
};

const flow = JSON.parse(readFileSync(join(ROOT, 'studio', 'totp-voice-check.json'), 'utf8')) as FlowDefinition;
const byName = new Map(flow.states.map((s) => [s.name, s]));

function stateOfType(type: string, filter: (s: State) => boolean = () => true): State {
  const found = flow.states.filter((s) => s.type === type && filter(s));
  expect(found).toHaveLength(1);
  return found[0] as State;
}

/** Reads the members of `StudioStatus` from lib/contract.ts, so the test follows the contract without a runtime copy. */
function studioStatusesFromContract(): string[] {
  const file = join(ROOT, 'lib', 'contract.ts');
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022, true);
  const alias = source.statements.find(
    (s): s is ts.TypeAliasDeclaration => ts.isTypeAliasDeclaration(s) && s.name.text === 'StudioStatus',
  );
  if (!alias || !ts.isUnionTypeNode(alias.type)) throw new Error('lib/contract.ts: StudioStatus is not a union of string literals');
  return alias.type.types.map((member) => {
    if (ts.isLiteralTypeNode(member) && ts.isStringLiteral(member.literal)) return member.literal.text;
    throw new Error(`lib/contract.ts: unexpected StudioStatus member ${member.getText(source)}`);
  });
}

const runFunction = stateOfType('run-function');
const gather = stateOfType('gather-input-on-call');
const statusSplit = stateOfType('split-based-on', (s) => s.properties['input'] === `{{widgets.${runFunction.name}.parsed.status}}`);

describe('Studio flow studio/totp-voice-check.json', () => {
  it('has the top-level shape of a Studio flow definition', () => {
    expect(typeof flow.description).toBe('string');
    expect(typeof flow.flags.allow_concurrent_calls).toBe('boolean');
    expect(byName.get(flow.initial_state)?.type).toBe('trigger');
    expect(new Set(flow.states.map((s) => s.name)).size).toBe(flow.states.length);
    for (const state of flow.states) {
      expect(state.name).toMatch(/^[A-Za-z0-9_]+$/);
      expect(Object.keys(WIDGET_EVENTS)).toContain(state.type);
    }
  });

  it('names only existing states in transitions, on events the widget emits', () => {
    for (const state of flow.states) {
      for (const t of state.transitions) {
        expect(WIDGET_EVENTS[state.type]).toContain(t.event);
        if (t.next !== undefined) expect(byName.has(t.next)).toBe(true);
      }
    }
  });

  it('reaches every state from the trigger', () => {
    const seen = new Set<string>([flow.initial_state]);
    const queue = [flow.initial_state];
    while (queue.length > 0) {
      const state = byName.get(queue.shift() as string) as State;
      for (const t of state.transitions) {
        if (t.next !== undefined && !seen.has(t.next)) {
          seen.add(t.next);
          queue.push(t.next);
        }
      }
    }
    expect([...seen].sort()).toEqual(flow.states.map((s) => s.name).sort());
  });

  it('answers an incoming call by gathering a 6-digit code that # finishes', () => {
    const trigger = byName.get(flow.initial_state) as State;
    expect(trigger.transitions.find((t) => t.event === 'incomingCall')?.next).toBe(gather.name);
    expect(gather.properties['number_of_digits']).toBe(6);
    expect(gather.properties['finish_on_key']).toBe('#');
    expect(gather.transitions.find((t) => t.event === 'keypress')?.next).toBe(runFunction.name);
    // Silence or speech must not end the call without a word.
    for (const event of ['timeout', 'speech']) expect(gather.transitions.find((t) => t.event === event)?.next).toBeDefined();
  });

  it('runs /studio/check-code with user = the caller number and code = the gathered digits', () => {
    expect(runFunction.properties['url']).toMatch(/\/studio\/check-code$/);
    expect(runFunction.properties['parameters']).toEqual([
      { key: 'user', value: '{{trigger.call.From}}' },
      { key: 'code', value: `{{widgets.${gather.name}.Digits}}` },
    ]);
    // The SIDs are placeholders npm run setup fills in; they must be impossible to mistake for real ones.
    for (const [key, prefix] of [['service_sid', 'ZS'], ['environment_sid', 'ZE'], ['function_sid', 'ZH']] as const) {
      expect(runFunction.properties[key]).toMatch(new RegExp(`^${prefix}_REPLACE_WITH_`));
    }
    expect(flow.description).toContain('npm run setup');
  });

  it('handles the Function failing with a spoken apology and hang-up', () => {
    const onFail = byName.get(runFunction.transitions.find((t) => t.event === 'fail')?.next ?? '');
    expect(onFail?.type).toBe('say-play');
    expect(onFail?.transitions.every((t) => t.next === undefined)).toBe(true);
    expect(runFunction.transitions.find((t) => t.event === 'success')?.next).toBe(statusSplit.name);
  });

  it('routes every status that lib/contract.ts StudioStatus declares, each to a spoken message', () => {
    const statuses = studioStatusesFromContract();
    expect(statuses.length).toBeGreaterThan(0);
    const matches = statusSplit.transitions.filter((t) => t.event === 'match');
    const routed = matches.map((t) => {
      expect(t.conditions).toHaveLength(1);
      const condition = t.conditions?.[0];
      expect(condition?.type).toBe('equal_to');
      expect(condition?.arguments).toEqual([`{{widgets.${runFunction.name}.parsed.status}}`]);
      expect(byName.get(t.next ?? '')?.type).toBe('say-play');
      return condition?.value;
    });
    expect([...routed].sort()).toEqual([...statuses].sort());
    // An unexpected answer is not silently treated as success.
    const noMatch = statusSplit.transitions.find((t) => t.event === 'noMatch');
    expect(noMatch?.next).not.toBe(matches.find((t) => t.conditions?.[0]?.value === 'approved')?.next);
  });

  it('ends the call after approved, locked and not_enrolled, and lets pending, invalid and reused try again', () => {
    const nextFor = (status: string): State =>
      byName.get(statusSplit.transitions.find((t) => t.conditions?.[0]?.value === status)?.next ?? '') as State;
    for (const status of ['approved', 'locked', 'not_enrolled']) {
      expect(nextFor(status).transitions.every((t) => t.next === undefined)).toBe(true);
    }
    for (const status of ['pending', 'invalid', 'reused']) expect(pathLeadsTo(nextFor(status).name, gather.name)).toBe(true);
  });

  it('bounds the retries: every way back to the gather passes a counter that stops after 3 failed attempts', () => {
    const counters = flow.states.filter((s) => s.type === 'set-variables');
    expect(counters).toHaveLength(1);
    const counter = counters[0] as State;
    const variables = counter.properties['variables'] as Array<{ key: string; value: string }>;
    expect(variables).toHaveLength(1);
    const variable = variables[0] as { key: string; value: string };
    // Liquid: an unset variable counts as 0, each pass adds exactly 1.
    expect(variable.value).toBe(`{{flow.variables.${variable.key} | default: 0 | plus: 1}}`);

    const limitSplit = byName.get(counter.transitions[0]?.next ?? '') as State;
    expect(limitSplit.type).toBe('split-based-on');
    expect(limitSplit.properties['input']).toBe(`{{flow.variables.${variable.key}}}`);
    const retry = limitSplit.transitions.filter((t) => t.event === 'match');
    expect(retry).toHaveLength(1);
    expect(retry[0]?.next).toBe(gather.name);
    expect(retry[0]?.conditions).toEqual([
      expect.objectContaining({ arguments: [`{{flow.variables.${variable.key}}}`], type: 'less_than', value: '3' }),
    ]);
    const giveUp = byName.get(limitSplit.transitions.find((t) => t.event === 'noMatch')?.next ?? '') as State;
    expect(giveUp.type).toBe('say-play');
    expect(giveUp.transitions.every((t) => t.next === undefined)).toBe(true);

    // With the retry edge removed, the flow has no cycle: the counter is the only way round.
    const edges = (s: State): string[] =>
      s.transitions
        .filter((t) => !(s.name === limitSplit.name && t.event === 'match'))
        .flatMap((t) => (t.next === undefined ? [] : [t.next]));
    expect(findCycle(edges)).toBeUndefined();
  });

  it('gives every Say a text, and every prompt a voice and language', () => {
    for (const state of flow.states.filter((s) => s.type === 'say-play' || s.type === 'gather-input-on-call')) {
      expect(typeof state.properties['say']).toBe('string');
      expect((state.properties['say'] as string).trim().length).toBeGreaterThan(10);
      expect(state.properties['voice']).toEqual(expect.any(String));
      expect(state.properties['language']).toEqual(expect.any(String));
    }
  });
});

function pathLeadsTo(from: string, target: string): boolean {
  const seen = new Set<string>();
  const queue = [from];
  while (queue.length > 0) {
    const name = queue.shift() as string;
    if (name === target) return true;
    if (seen.has(name)) continue;
    seen.add(name);
    for (const t of byName.get(name)?.transitions ?? []) if (t.next !== undefined) queue.push(t.next);
  }
  return false;
}

/** Depth-first search; returns the states of a cycle, or undefined. */
function findCycle(edges: (s: State) => string[]): string[] | undefined {
  const done = new Set<string>();
  const visit = (name: string, stack: string[]): string[] | undefined => {
    if (stack.includes(name)) return [...stack, name];
    if (done.has(name)) return undefined;
    for (const next of edges(byName.get(name) as State)) {
      const cycle = visit(next, [...stack, name]);
      if (cycle) return cycle;
    }
    done.add(name);
    return undefined;
  };
  for (const state of flow.states) {
    const cycle = visit(state.name, []);
    if (cycle) return cycle;
  }
  return undefined;
}
