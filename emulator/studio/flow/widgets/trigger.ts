// trigger: the first widget; fires incomingCall for a call and incomingRequest for a REST-started execution.
import type { WidgetRunner } from './runner';

export const runTrigger: WidgetRunner = (_state, context) => ({
  event: 'call' in context.trigger ? 'incomingCall' : 'incomingRequest',
});
