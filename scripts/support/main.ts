// `npm run support -- <command> <user-id>`: the operator's tool for one user of the kit: status, reset, unlock,
// forget-devices.
// The same variables, and the same user scope as the Functions (identity, Verify, the state); exit codes in ./errors.ts.
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { MAX_USER_KEY_LENGTH } from '../../lib/core/users';
import {
  forgetUserDevices,
  requireKnown,
  resetUser,
  SUPPORT_CHANNELS,
  unlockUser,
  userStatus,
  type SupportChannel,
  type SupportDeps,
  type SupportUser,
} from './actions';
import { connectSupport, type SupportBackend } from './backend';
import { confirmByTyping } from './confirm';
import { EXIT, SupportError, toSupportError, usageError, type ExitCode } from './errors';
import { escapeInvisible, forgetDevicesText, resetPreview, resetText, statusText, unlockText } from './output';
import { readSupportSettings, type SupportSettings } from './settings';

export const USAGE = `Usage: npm run support -- <command> <user-id> [options]
  status <user-id>    factors (label, status, created), locks per channel, recovery codes left, trusted devices,
                      recent activity
  reset <user-id>     removes the user's factors, recovery codes, trusted devices and lock state, after you type
                      the user id
  unlock <user-id>    lifts the user's lock (both channels unless --channel)
  forget-devices <user-id>
                      ends every trusted device of the user: the next sign-in asks for a code

Options:
  --env <path>        env file with the kit's variables (default .env; the local stack's is .env.local)
  --json              print JSON for scripts (use npm run --silent, so npm's own lines stay out)
  --yes               reset: skip the typed confirmation (needed when stdin is not a terminal)
  --channel <web|studio>  unlock: only this channel
  -h, --help          this text

Exit codes: 0 done, 1 unexpected, 2 usage or configuration, 3 unknown user, 4 Twilio unreachable, 5 reset not confirmed.`;

type Command = 'status' | 'reset' | 'unlock' | 'forget-devices';
const COMMANDS: readonly Command[] = ['status', 'reset', 'unlock', 'forget-devices'];

interface Invocation {
  command: Command;
  user: string;
  envFile: string;
  json: boolean;
  yes: boolean;
  channels: readonly SupportChannel[];
}

export interface SupportIo {
  stdin: NodeJS.ReadStream;
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
  environment: Readonly<Record<string, string | undefined>>;
}

function parseInvocation(argv: string[]): Invocation | 'help' {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        // Not --env-file: node claims that flag (see scripts/setup.ts).
        env: { type: 'string', default: '.env' },
        json: { type: 'boolean', default: false },
        yes: { type: 'boolean', default: false },
        channel: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (error) {
    throw usageError(error instanceof Error ? error.message : String(error));
  }
  const { values, positionals } = parsed;
  if (values.help) return 'help';
  const [command, user, ...extra] = positionals;
  if (command === undefined) throw usageError('a command is required: status, reset, unlock or forget-devices');
  if (!COMMANDS.includes(command as Command)) throw usageError(`unknown command "${command}": use status, reset, unlock or forget-devices`);
  if (user === undefined || user === '') throw usageError(`${command} needs a user id: the \`sub\` your sign-in puts in caller tokens`);
  if (extra.length > 0) throw usageError(`one user id at a time (got also ${extra.map((word) => JSON.stringify(word)).join(', ')})`);
  if (user.length > MAX_USER_KEY_LENGTH) throw usageError(`a user id has at most ${MAX_USER_KEY_LENGTH} characters`);
  if (values.yes && command !== 'reset') throw usageError('--yes applies to reset only');
  if (values.channel !== undefined && command !== 'unlock') throw usageError('--channel applies to unlock only');
  if (values.channel !== undefined && !SUPPORT_CHANNELS.includes(values.channel as SupportChannel)) throw usageError('--channel must be web or studio');
  return {
    command: command as Command,
    user,
    envFile: resolve(values.env ?? '.env'),
    json: values.json ?? false,
    yes: values.yes ?? false,
    channels: values.channel === undefined ? SUPPORT_CHANNELS : [values.channel as SupportChannel],
  };
}

function print(io: SupportIo, json: boolean, data: object, text: string): void {
  io.stdout.write(`${json ? escapeInvisible(JSON.stringify(data, null, 2)) : text}\n`);
}

async function runCommand(invocation: Invocation, settings: SupportSettings, backend: SupportBackend, io: SupportIo): Promise<void> {
  const user: SupportUser = { user: invocation.user, identity: backend.scopeFor(invocation.user).identity };
  const deps = async (): Promise<SupportDeps> => ({
    scope: backend.scopeFor(invocation.user),
    now: await backend.now(),
    activityTtlMs: settings.activityTtlMs,
    trustedDeviceTtlMs: settings.trustedDeviceTtlMs,
    hardCap: settings.hardCap,
  });
  await backend.checkService();
  const status = await userStatus(user, await deps());
  requireKnown(status);

  switch (invocation.command) {
    case 'status':
      print(io, invocation.json, status, statusText(status));
      return;
    case 'unlock': {
      const result = await unlockUser(user, invocation.channels, await deps());
      await backend.announce(user, result.event);
      print(io, invocation.json, result, unlockText(result));
      return;
    }
    case 'forget-devices': {
      const result = await forgetUserDevices(user, await deps());
      if (result.event !== undefined) await backend.announce(user, result.event);
      print(io, invocation.json, result, forgetDevicesText(result));
      return;
    }
    case 'reset': {
      if (!invocation.yes) {
        if (!io.stdin.isTTY) throw usageError('reset asks you to type the user id on a terminal; stdin is not one. Pass --yes to skip the question (scripts)');
        io.stderr.write(`${resetPreview(status)}\n`);
        const confirmed = await confirmByTyping(invocation.user, `Type the user id to confirm: `, io.stdin, io.stderr);
        if (!confirmed) throw new SupportError(EXIT.notConfirmed, 'not_confirmed', 'not confirmed: nothing was removed');
      }
      const result = await resetUser(user, await deps());
      await backend.announce(user, result.event);
      print(io, invocation.json, result, resetText(result));
      return;
    }
  }
}

/** Runs one invocation; never throws. */
export async function runSupport(argv: string[], io: SupportIo): Promise<ExitCode> {
  let json = argv.includes('--json');
  let target = 'Twilio';
  try {
    const invocation = parseInvocation(argv);
    if (invocation === 'help') {
      io.stdout.write(`${USAGE}\n`);
      return EXIT.ok;
    }
    json = invocation.json;
    const settings = readSupportSettings(invocation.envFile, io.environment);
    const backend = connectSupport(settings, (line) => io.stderr.write(`support: ${line}\n`));
    target = backend.target;
    await runCommand(invocation, settings, backend, io);
    return EXIT.ok;
  } catch (thrown) {
    const error = toSupportError(thrown, target);
    io.stderr.write(`support: ${error.message}\n`);
    if (error.exitCode === EXIT.usage && error.code === 'usage') io.stderr.write('Run `npm run support -- --help` for the commands and options.\n');
    if (json) io.stdout.write(`${JSON.stringify({ error: { code: error.code, message: error.message } }, null, 2)}\n`);
    return error.exitCode;
  }
}

if (require.main === module) {
  runSupport(process.argv.slice(2), { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr, environment: process.env }).then(
    // Exit at once: the client's kept-alive connections would hold the process open for a while.
    (code) => process.exit(code),
    (error: unknown) => {
      console.error(error);
      process.exit(EXIT.unexpected);
    },
  );
}
