// The typed confirmation before a reset: the operator types the user id on a terminal, as GitHub asks for a
// repository's name before deleting it. Anything else, or the end of input, is a no.
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';

/** Asks on `output`, reads one line from `input`; true only when the line is exactly `expected`. */
export function confirmByTyping(expected: string, question: string, input: Readable, output: Writable): Promise<boolean> {
  return new Promise((resolve) => {
    const lines = createInterface({ input, output, terminal: true });
    let answered = false;
    lines.once('line', (line) => {
      answered = true;
      lines.close();
      resolve(line === expected);
    });
    // Ctrl-D or Ctrl-C at the prompt: no answer, no reset.
    lines.once('close', () => {
      if (!answered) resolve(false);
    });
    lines.on('SIGINT', () => lines.close());
    lines.setPrompt(question);
    lines.prompt();
  });
}
