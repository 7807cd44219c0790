// set-variables: renders each value with Liquid and stores it in flow.variables, in order, then fires next.
import { renderLiquid } from '../liquid';
import { keyValues, type WidgetRunner } from './runner';

export const runSetVariables: WidgetRunner = (state, context) => {
  // In order: a later variable can read one set just before it in the same widget.
  for (const { key, value } of keyValues(state, 'variables')) {
    context.flow.variables[key] = renderLiquid(value, context);
  }
  return { event: 'next' };
};
