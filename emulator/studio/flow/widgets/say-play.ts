// say-play: plays its message to the caller, then fires audioComplete; what was said is recorded in the step.
import { utteranceOf } from './speech';
import type { WidgetRunner } from './runner';

export const runSayPlay: WidgetRunner = (state, context) => {
  const said = utteranceOf(state, context, ['say', 'play', 'digits']);
  return { event: 'audioComplete', said: said ? [said] : [] };
};
