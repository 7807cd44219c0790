// `npm run call -- <from-number> [--digits 123456 ...] [--timeout] [--speech "…"]`: places a simulated call into the
// Studio flow published on the running local stack's emulator and prints the conversation, then the end state.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { EMULATOR_URL } from '../emulator/core/variables';
import { readEnvValues } from './local-env';
import { localEnvFile } from './token';

const USAGE = `Usage: npm run --silent call -- <from-number> [--digits <keys> | --timeout | --speech "<words>"] ... [--flow FW…] [--to <number>] [--env <file>]
  <from-number>      the caller's number in E.164 (+15550100): the flow checks the code of the user it names
  --digits <keys>    what the caller keys at the next gather (0-9, * and #); give it again for the next gather
  --timeout          the caller says nothing at the next gather
  --speech "<words>" the caller speaks at the next gather (no recognition: the words are taken as said)
  --flow FW…         the flow to call (default: the published flow saved last, as npm run setup leaves it)
  --to <number>      the flow's own number (default +15005550006)
  --env <file>       where the stack's address and credentials are read (default: ENV_FILE, else .env.local)
Gathers after the last part given hear silence.`;

export type CallerPart = { digits: string } | { speech: string } | { timeout: true };

export interface CallCommand {
  from: string;
  caller: CallerPart[];
  flowSid: string | undefined;
  to: string | undefined;
  envFile: string | undefined;
}

/** Usage errors (exit 2). */
export class CallUsageError extends Error {
  override name = 'CallUsageError';
}

export function parseCallArgs(argv: string[]): CallCommand | 'help' {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      tokens: true,
      options: {
        digits: { type: 'string', multiple: true },
        speech: { type: 'string', multiple: true },
        timeout: { type: 'boolean', multiple: true },
        flow: { type: 'string' },
        to: { type: 'string' },
        env: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    throw new CallUsageError((error as Error).message);
  }
  if (parsed.values.help) return 'help';
  const [from, ...extra] = parsed.positionals;
  if (from === undefined) throw new CallUsageError('the first argument must be the caller\'s number (+15550100)');
  if (extra.length > 0) throw new CallUsageError(`unexpected argument ${extra[0] ?? ''}`);
  // The caller's parts in the order given on the command line: one per gather.
  const caller: CallerPart[] = [];
  for (const token of parsed.tokens) {
    if (token.kind !== 'option') continue;
    if (token.name === 'digits') caller.push({ digits: token.value ?? '' });
    else if (token.name === 'speech') caller.push({ speech: token.value ?? '' });
    else if (token.name === 'timeout') caller.push({ timeout: true });
  }
  return {
    from,
    caller,
    flowSid: parsed.values.flow,
    to: parsed.values.to,
    envFile: parsed.values.env === undefined ? undefined : resolve(parsed.values.env),
  };
}

interface CallAnswer {
  flow_sid: string;
  execution_sid: string;
  status: string;
  end_reason: string;
  ended_at: string | null;
  conversation: string[];
}

/** What the call printed: the conversation, one line each, then the end state. */
export function callLines(answer: CallAnswer): string[] {
  return [...answer.conversation, `End: execution ${answer.execution_sid} ${answer.status} (${answer.end_reason}) at ${answer.ended_at ?? 'the trigger'}`];
}

export async function placeCall(emulatorUrl: string, credentials: { accountSid: string; authToken: string }, command: CallCommand): Promise<CallAnswer> {
  const response = await fetch(`${emulatorUrl}/__emulator/studio/calls`, {
    method: 'POST',
    headers: {
      Authorization: `Basic ${Buffer.from(`${credentials.accountSid}:${credentials.authToken}`).toString('base64')}`,
      'Content-Type': 'application/json',
    },
    body: JSON.stringify({ from: command.from, caller: command.caller, ...(command.flowSid && { flowSid: command.flowSid }), ...(command.to && { to: command.to }) }),
  });
  const body = (await response.json()) as unknown;
  if (!response.ok) throw new Error(`the emulator refused the call: ${(body as { message?: string }).message ?? response.status}`);
  return body as CallAnswer;
}

async function main(argv: string[]): Promise<number> {
  let command: CallCommand | 'help';
  try {
    command = parseCallArgs(argv);
  } catch (error) {
    console.error(`npm run call: ${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  if (command === 'help') {
    console.log(USAGE);
    return 0;
  }
  const envFile = command.envFile ?? localEnvFile(process.env);
  if (!existsSync(envFile)) {
    console.error('no .env.local yet: run `npm start` first (or pass --env <file>)');
    return 1;
  }
  const env = readEnvValues(envFile);
  const emulatorUrl = env[EMULATOR_URL.name];
  if (!emulatorUrl || !env.ACCOUNT_SID || !env.AUTH_TOKEN) {
    console.error(`${envFile} names no emulator (${EMULATOR_URL.name}) or credentials: run \`npm start\` first`);
    return 1;
  }
  try {
    const answer = await placeCall(emulatorUrl, { accountSid: env.ACCOUNT_SID, authToken: env.AUTH_TOKEN }, command);
    for (const line of callLines(answer)) console.log(line);
    return 0;
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code;
    console.error(`npm run call: ${cause === 'ECONNREFUSED' ? `nothing answers on ${emulatorUrl}: is npm start running?` : (error as Error).message}`);
    return 1;
  }
}

if (require.main === module) void main(process.argv.slice(2)).then((code) => (process.exitCode = code));
