// gather-input-on-call: plays its prompt, takes the caller's keys or words, and fires keypress, speech or timeout.
import type { GatherPrompt } from '../caller';
import type { FlowState, JsonObject } from '../definition';
import type { ExecutionContext } from '../execution';
import { utteranceOf } from './speech';
import { integer, text, type WidgetRunner } from './runner';

// Studio's defaults (widget library): 5 s to wait, '#' ends the input, stop_gather on.
const DEFAULT_TIMEOUT_SECONDS = 5;
const DEFAULT_FINISH_ON_KEY = '#';

/** TwiML <Gather>: keys are taken until the finish key or the number of digits; the finish key is not a digit. */
export function collectKeys(keys: string, numberOfDigits: number | undefined, finishOnKey: string): { digits: string; finishedOnKey: string } {
  let digits = '';
  for (const key of keys) {
    if (finishOnKey !== '' && key === finishOnKey) return { digits, finishedOnKey: key };
    digits += key;
    if (numberOfDigits !== undefined && digits.length >= numberOfDigits) break;
  }
  return { digits, finishedOnKey: '' };
}

/** The call's own parameters, which Twilio posts with every Gather result. */
function callFields(context: ExecutionContext): JsonObject {
  const call = context.trigger.call;
  if (typeof call !== 'object' || call === null || Array.isArray(call)) return {};
  const { CallSid, AccountSid, From, To } = call;
  return { ...(CallSid !== undefined && { CallSid }), ...(AccountSid !== undefined && { AccountSid }), ...(From !== undefined && { From }), ...(To !== undefined && { To }) };
}

function promptOf(state: FlowState, context: ExecutionContext): GatherPrompt {
  // stop_gather off means no key ends the gather: every key counts until the digits or the timeout.
  const stopGather = state.properties.stop_gather !== false;
  return {
    widget: state.name,
    said: utteranceOf(state, context, ['say', 'play']),
    numberOfDigits: integer(state, 'number_of_digits'),
    finishOnKey: stopGather ? (text(state, 'finish_on_key') ?? DEFAULT_FINISH_ON_KEY) : '',
    listensForSpeech: state.transitions.some((transition) => transition.event === 'speech' && transition.next !== undefined),
    timeoutSeconds: integer(state, 'timeout') ?? DEFAULT_TIMEOUT_SECONDS,
  };
}

export const runGatherInputOnCall: WidgetRunner = (state, context, deps) => {
  const prompt = promptOf(state, context);
  const said = prompt.said ? [prompt.said] : [];
  const heard = deps.caller.respond(prompt);
  const call = callFields(context);
  if ('speech' in heard) {
    if (prompt.listensForSpeech) return { event: 'speech', outputs: { ...call, SpeechResult: heard.speech }, said, heard };
    return { event: 'timeout', outputs: call, said, heard, detail: 'speech is not recognised: the speech transition is not connected' };
  }
  if ('digits' in heard) {
    const { digits, finishedOnKey } = collectKeys(heard.digits, prompt.numberOfDigits, prompt.finishOnKey);
    if (digits !== '') {
      return { event: 'keypress', outputs: { ...call, Digits: digits, ...(finishedOnKey && { FinishedOnKey: finishedOnKey }) }, said, heard };
    }
    return { event: 'timeout', outputs: call, said, heard, detail: 'no digit before the finish key' };
  }
  return { event: 'timeout', outputs: call, said, heard };
};
