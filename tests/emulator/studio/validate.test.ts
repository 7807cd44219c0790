// validateFlow: each rule reports an error that names the state and the property, at a JSON pointer into the definition.
import fc from 'fast-check';
import { FlowDefinitionError, requireValidFlow, validateFlow, type FlowDefinition, type FlowState } from '../../../emulator/studio/flow';
import { smallFlow } from './small-flow';

/** The small flow with one change made to it. */
function changed(change: (flow: FlowDefinition, state: (name: string) => FlowState) => void): FlowDefinition {
  const flow = smallFlow();
  change(flow, (name) => {
    const found = flow.states.find((state) => state.name === name);
    if (found === undefined) throw new Error(`no state ${name}`);
    return found;
  });
  return flow;
}

describe('validateFlow', () => {
  it('accepts the small flow with every widget, as an object or as JSON text', () => {
    expect(validateFlow(smallFlow())).toEqual({ valid: true, errors: [], warnings: [] });
    expect(validateFlow(JSON.stringify(smallFlow()))).toEqual({ valid: true, errors: [], warnings: [] });
  });

  it.each<[string, FlowDefinition, { message: string; property_path: string }[]]>([
    [
      'initial_state names no state',
      changed((flow) => {
        flow.initial_state = 'Start';
      }),
      [{ message: "initial_state 'Start' is not the name of a state", property_path: '#/initial_state' }],
    ],
    [
      'a next names no state',
      changed((_flow, state) => {
        state('check').transitions[1] = { event: 'fail', next: 'goodbye' };
      }),
      [{ message: "State 'check': transition 'fail' goes to 'goodbye', which is not the name of a state", property_path: '#/states/2/transitions/1/next' }],
    ],
    [
      'an event that is not the widget’s own',
      changed((_flow, state) => {
        state('bye').transitions = [{ event: 'next' }];
      }),
      [{ message: "State 'bye': transition 'next': 'next' is not an event of say-play (its events: audioComplete)", property_path: '#/states/5/transitions/0/event' }],
    ],
    [
      'an event given twice',
      changed((_flow, state) => {
        state('check').transitions.push({ event: 'success', next: 'bye' });
      }),
      [{ message: "State 'check': transition 'success' is given twice", property_path: '#/states/2/transitions/2/event' }],
    ],
    [
      'a widget type the engine does not know',
      changed((_flow, state) => {
        state('bye').type = 'send-message';
      }),
      [
        {
          message:
            "State 'bye': widget type 'send-message' is not one the engine knows (trigger, gather-input-on-call, run-function, split-based-on, set-variables, say-play)",
          property_path: '#/states/5/type',
        },
      ],
    ],
    [
      'a property the widget does not have',
      changed((_flow, state) => {
        state('check').properties.method = 'POST';
      }),
      [{ message: "State 'check': property 'method' is not a property of run-function", property_path: '#/states/2/properties/method' }],
    ],
    [
      'a required property missing (run-function url)',
      changed((_flow, state) => {
        delete state('check').properties.url;
      }),
      [{ message: "State 'check': property 'url' is required for run-function", property_path: '#/states/2/properties/url' }],
    ],
    [
      'a required property missing (split-based-on input)',
      changed((_flow, state) => {
        delete state('route').properties.input;
      }),
      [{ message: "State 'route': property 'input' is required for split-based-on", property_path: '#/states/3/properties/input' }],
    ],
    [
      'say-play with nothing to say, play or dial',
      changed((_flow, state) => {
        state('bye').properties = { voice: 'Polly.Joanna' };
      }),
      [{ message: "State 'bye': say-play needs one of the properties say, play, digits", property_path: '#/states/5/properties' }],
    ],
    [
      'a property of the wrong kind',
      changed((_flow, state) => {
        state('ask').properties.number_of_digits = '6';
      }),
      [{ message: "State 'ask': property 'number_of_digits' must be a whole number of at least 1", property_path: '#/states/1/properties/number_of_digits' }],
    ],
    [
      'a finish key that is not on a keypad',
      changed((_flow, state) => {
        state('ask').properties.finish_on_key = 'enter';
      }),
      [
        {
          message: "State 'ask': property 'finish_on_key' must be one of '', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9', '#', '*'",
          property_path: '#/states/1/properties/finish_on_key',
        },
      ],
    ],
    [
      'Liquid that does not parse',
      changed((_flow, state) => {
        state('bye').properties.say = 'Goodbye {{ flow.variables.name ';
      }),
      [
        {
          message: `State 'bye': property 'say' is not valid Liquid: output "{{ flow.variables.name " not closed, line:1, col:9`,
          property_path: '#/states/5/properties/say',
        },
      ],
    ],
    [
      'a Liquid filter that does not exist',
      changed((_flow, state) => {
        state('check').properties.parameters = [{ key: 'code', value: '{{widgets.ask.Digits | shout}}' }];
      }),
      [
        {
          message: "State 'check': property 'parameters'[0].value is not valid Liquid: undefined filter: shout, line:1, col:1",
          property_path: '#/states/2/properties/parameters/0/value',
        },
      ],
    ],
    [
      'a parameter key given twice',
      changed((_flow, state) => {
        state('check').properties.parameters = [
          { key: 'code', value: '1' },
          { key: 'code', value: '2' },
        ];
      }),
      [{ message: "State 'check': property 'parameters'[1].key 'code' is given twice", property_path: '#/states/2/properties/parameters/1/key' }],
    ],
    [
      'a condition type the engine does not know',
      changed((_flow, state) => {
        const match = state('route').transitions[1];
        if (match?.conditions?.[0]) match.conditions[0].type = 'is_before_time';
      }),
      [
        {
          message:
            "State 'route': transition 'match' condition 0: type 'is_before_time' is not one the engine knows (equal_to, not_equal_to, matches_any_of, does_not_match_any_of, contains, does_not_contain, starts_with, does_not_start_with, is_blank, is_not_blank, less_than, greater_than)",
          property_path: '#/states/3/transitions/1/conditions/0/type',
        },
      ],
    ],
    [
      'a condition without its value',
      changed((_flow, state) => {
        const condition = state('route').transitions[1]?.conditions?.[0] as unknown as Record<string, unknown>;
        delete condition.value;
      }),
      [{ message: "State 'route': transition 'match' condition 0: 'value' is required", property_path: '#/states/3/transitions/1/conditions/0/value' }],
    ],
    [
      'a match transition without conditions',
      changed((_flow, state) => {
        state('route').transitions[1] = { event: 'match', next: 'bye' };
      }),
      [{ message: "State 'route': transition 'match': a match transition needs a non-empty list of conditions", property_path: '#/states/3/transitions/1/conditions' }],
    ],
    [
      'conditions on a transition that is not a match',
      changed((_flow, state) => {
        state('check').transitions[0] = { event: 'success', next: 'route', conditions: [] };
      }),
      [{ message: "State 'check': transition 'success': only a match transition has conditions", property_path: '#/states/2/transitions/0/conditions' }],
    ],
    [
      'two states with one name',
      changed((flow, state) => {
        flow.states.push(structuredClone(state('bye')));
      }),
      [{ message: "State name 'bye' is used by more than one state", property_path: '#/states/6/name' }],
    ],
    [
      'a second trigger',
      changed((flow) => {
        flow.states.push({ name: 'Trigger2', type: 'trigger', transitions: [], properties: {} });
      }),
      [{ message: 'A flow has exactly one trigger widget (this one has 2)', property_path: '#/states' }],
    ],
    [
      'initial_state that is not the trigger',
      changed((flow) => {
        flow.initial_state = 'ask';
      }),
      [{ message: "initial_state 'ask' must be the trigger widget", property_path: '#/initial_state' }],
    ],
    [
      'a field a state does not have',
      changed((_flow, state) => {
        (state('bye') as unknown as Record<string, unknown>).next = 'ask';
      }),
      [{ message: "State 'bye': 'next' is not a field of a state", property_path: '#/states/5/next' }],
    ],
    [
      'a state without a name',
      changed((_flow, state) => {
        state('bye').name = '';
      }),
      [
        { message: "State 'check': transition 'fail' goes to 'bye', which is not the name of a state", property_path: '#/states/2/transitions/1/next' },
        { message: "State 'route': transition 'noMatch' goes to 'bye', which is not the name of a state", property_path: '#/states/3/transitions/0/next' },
        { message: "State 'remember': transition 'next' goes to 'bye', which is not the name of a state", property_path: '#/states/4/transitions/0/next' },
        { message: 'State 5: name is required', property_path: '#/states/5/name' },
        { message: "State 'ask': transition 'timeout' goes to 'bye', which is not the name of a state", property_path: '#/states/1/transitions/2/next' },
      ].sort((a, b) => a.property_path.localeCompare(b.property_path)),
    ],
    [
      'a field a flow definition does not have',
      changed((flow) => {
        (flow as unknown as Record<string, unknown>).version = 2;
      }),
      [{ message: "'version' is not a field of a flow definition", property_path: '#/version' }],
    ],
  ])('%s', (_rule, flow, errors) => {
    const result = validateFlow(flow);
    expect(result.valid).toBe(false);
    expect([...result.errors].sort((a, b) => a.property_path.localeCompare(b.property_path))).toEqual(errors);
  });

  it.each([
    ['text that is not JSON', '{"states": [', 'The definition is not JSON', '#'],
    ['JSON that is not an object', '[1, 2]', 'The definition must be a JSON object', '#'],
    ['no states', { initial_state: 'Trigger', states: [] }, 'states must be a non-empty list', '#/states'],
  ])('rejects %s', (_name, input, message, path) => {
    expect(validateFlow(input)).toEqual({ valid: false, errors: [{ message, property_path: path }], warnings: [] });
  });

  it('warns, and stays valid, about a state nothing leads to', () => {
    const flow = changed((_flow, state) => {
      state('route').transitions = [{ event: 'noMatch', next: 'bye' }];
    });
    expect(validateFlow(flow)).toEqual({
      valid: true,
      errors: [],
      warnings: [{ message: "State 'remember' cannot be reached from 'Trigger'", property_path: '#/states/4' }],
    });
  });

  it('any next that is not a state name is an error at that transition', () => {
    const names = new Set(smallFlow().states.map((state) => state.name));
    fc.assert(
      fc.property(fc.string().filter((name) => !names.has(name)), fc.nat(), (name, pick) => {
        const flow = smallFlow();
        const all = flow.states.flatMap((state, s) => state.transitions.map((transition, t) => ({ transition, s, t })));
        const target = all[pick % all.length];
        if (target === undefined) return;
        target.transition.next = name;
        const result = validateFlow(flow);
        expect(result.valid).toBe(false);
        expect(result.errors.map((error) => error.property_path)).toContain(`#/states/${target.s}/transitions/${target.t}/next`);
      }),
    );
  });

  it('requireValidFlow throws every error at once', () => {
    const flow = changed((flow, state) => {
      flow.initial_state = 'Start';
      delete state('check').properties.url;
    });
    expect(() => requireValidFlow(flow)).toThrow(FlowDefinitionError);
    try {
      requireValidFlow(flow);
    } catch (error) {
      expect((error as FlowDefinitionError).errors.map((issue) => issue.property_path)).toEqual(['#/states/2/properties/url', '#/initial_state']);
    }
  });
});
