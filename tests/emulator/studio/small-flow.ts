// A small valid flow using every widget the engine knows, for tests that change one thing in it.
import type { FlowDefinition } from '../../../emulator/studio/flow';

/** States by index: 0 Trigger, 1 ask, 2 check, 3 route, 4 remember, 5 bye. */
export function smallFlow(functionUrl = 'https://example-1234.twil.io/check'): FlowDefinition {
  return {
    description: 'test flow',
    initial_state: 'Trigger',
    states: [
      {
        name: 'Trigger',
        type: 'trigger',
        transitions: [{ event: 'incomingCall', next: 'ask' }, { event: 'incomingRequest' }],
        properties: { offset: { x: 0, y: 0 } },
      },
      {
        name: 'ask',
        type: 'gather-input-on-call',
        transitions: [{ event: 'keypress', next: 'check' }, { event: 'speech' }, { event: 'timeout', next: 'bye' }],
        properties: { say: 'Your code?', number_of_digits: 6, finish_on_key: '#', timeout: 5 },
      },
      {
        name: 'check',
        type: 'run-function',
        transitions: [
          { event: 'success', next: 'route' },
          { event: 'fail', next: 'bye' },
        ],
        properties: { url: functionUrl, parameters: [{ key: 'code', value: '{{widgets.ask.Digits}}' }] },
      },
      {
        name: 'route',
        type: 'split-based-on',
        transitions: [
          { event: 'noMatch', next: 'bye' },
          {
            event: 'match',
            next: 'remember',
            conditions: [{ friendly_name: 'ok', arguments: ['{{widgets.check.parsed.status}}'], type: 'equal_to', value: 'approved' }],
          },
        ],
        properties: { input: '{{widgets.check.parsed.status}}' },
      },
      {
        name: 'remember',
        type: 'set-variables',
        transitions: [{ event: 'next', next: 'bye' }],
        properties: { variables: [{ key: 'verified', value: 'yes' }] },
      },
      { name: 'bye', type: 'say-play', transitions: [{ event: 'audioComplete' }], properties: { say: 'Goodbye.' } },
    ],
  };
}
