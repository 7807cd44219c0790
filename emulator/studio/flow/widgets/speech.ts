// What say-play and a gather's prompt play: the Liquid-rendered text (or audio URL), with its voice and loop count.
import type { FlowState } from '../definition';
import type { ExecutionContext, Utterance } from '../execution';
import { renderLiquid } from '../liquid';
import { integer, text } from './runner';

/** Say wins over play, and play over digits: the one message the widget is set to play. */
export function utteranceOf(state: FlowState, context: ExecutionContext, keys: readonly ('say' | 'play' | 'digits')[]): Utterance | undefined {
  const loop = integer(state, 'loop') ?? 1;
  for (const key of keys) {
    const template = text(state, key);
    if (template === undefined) continue;
    const rendered = renderLiquid(template, context);
    if (key === 'say') {
      const voice = text(state, 'voice');
      const language = text(state, 'language');
      return { widget: state.name, say: rendered, loop, ...(voice && { voice }), ...(language && { language }) };
    }
    if (key === 'play') return { widget: state.name, play: rendered, loop };
    return { widget: state.name, digits: rendered };
  }
  return undefined;
}
