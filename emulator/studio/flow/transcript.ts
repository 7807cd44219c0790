// The conversation as it would be heard: one line per prompt or reply, then how the execution ended.
import type { CallerPart, ExecutionResult, Utterance } from './execution';

function flowLine(said: Utterance): string {
  if ('say' in said) return `Flow: ${said.say}${said.loop > 1 ? ` (×${said.loop})` : ''}`;
  if ('play' in said) return `Flow: [plays ${said.play}]${said.loop > 1 ? ` (×${said.loop})` : ''}`;
  return `Flow: [sends the keys ${said.digits}]`;
}

function callerLine(heard: CallerPart): string {
  if ('digits' in heard) return `Caller: presses ${heard.digits}`;
  if ('speech' in heard) return `Caller: says "${heard.speech}"`;
  return 'Caller: (silence)';
}

export function transcript(result: ExecutionResult): string[] {
  const lines: string[] = [];
  for (const step of result.steps) {
    for (const said of step.said) lines.push(flowLine(said));
    if (step.heard) lines.push(callerLine(step.heard));
  }
  const last = result.steps.at(-1)?.transitioned_from;
  lines.push(result.endReason === 'completed' ? `Execution ended after ${last ?? 'the trigger'}` : `Execution stopped: ${result.endDetail ?? result.endReason}`);
  return lines;
}
