// split-based-on: the first match transition whose conditions all hold is taken; none holding fires noMatch.
import { CONDITION_TESTS, isConditionType } from '../conditions';
import type { Condition } from '../definition';
import type { ExecutionContext } from '../execution';
import { renderLiquid } from '../liquid';
import { text, type WidgetRunner } from './runner';

function holds(condition: Condition, input: string, context: ExecutionContext): boolean {
  if (!isConditionType(condition.type)) return false;
  const argument = condition.arguments[0];
  const subject = argument === undefined ? input : renderLiquid(argument, context);
  return CONDITION_TESTS[condition.type](subject, renderLiquid(condition.value, context));
}

export const runSplitBasedOn: WidgetRunner = (state, context) => {
  const input = renderLiquid(text(state, 'input') ?? '', context);
  const match = state.transitions.find(
    (transition) => transition.event === 'match' && (transition.conditions ?? []).every((condition) => holds(condition, input, context)),
  );
  return match ? { event: 'match', transition: match } : { event: 'noMatch' };
};
