// The simulated caller: plays the caller's part at each gather, in the order given, then stays silent.
import type { CallerPart, Utterance } from './execution';

/** What the flow asks at a gather, so a caller can answer it. */
export interface GatherPrompt {
  widget: string;
  said: Utterance | undefined;
  numberOfDigits: number | undefined;
  /** '' when no key ends the gather. */
  finishOnKey: string;
  /** Speech counts only when the widget's `speech` transition is connected (that is what turns recognition on). */
  listensForSpeech: boolean;
  timeoutSeconds: number;
}

export interface SimulatedCaller {
  respond(prompt: GatherPrompt): CallerPart;
}

/** Thrown for a caller script that no phone could play (a key that is not on a keypad). */
export class CallerScriptError extends Error {
  override readonly name = 'CallerScriptError';
}

const KEYPAD = /^[0-9*#]+$/;

/** A caller who answers each gather with the next part, and with silence (a timeout) once the parts run out. */
export function scriptedCaller(parts: readonly CallerPart[]): SimulatedCaller {
  for (const part of parts) {
    if ('digits' in part && !KEYPAD.test(part.digits)) {
      throw new CallerScriptError(`digits '${part.digits}' may only hold the keys 0-9, * and #`);
    }
    if ('speech' in part && part.speech.trim() === '') throw new CallerScriptError('speech must hold some words');
  }
  const queue = [...parts];
  return { respond: () => queue.shift() ?? { timeout: true } };
}
