// CLI: `npm run emulator -- --port <p> --data-dir <dir> [--<switch> <value>]`; stops cleanly on SIGTERM/SIGINT.
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { createEmulator } from './server';
import {
  DEFAULT_SWITCHES,
  parseSwitchValue,
  switchEnvName,
  switchesFromEnvironment,
  switchFlag,
  type EmulatorSwitches,
  type SwitchName,
} from './switches';

const HOST = '127.0.0.1';
const DEFAULT_PORT = 4010;
const DEFAULT_DATA_DIR = '.emulator-data';

interface CliOptions {
  port: number;
  dataDir: string | undefined;
  switches: Partial<EmulatorSwitches>;
}

const USAGE = `Usage: npm run emulator -- [--port <port>] [--data-dir <dir> | --in-memory] [switches]
  --port       default $VERIFY_EMULATOR_PORT, else ${DEFAULT_PORT}
  --data-dir   default ${DEFAULT_DATA_DIR} (relative to the working directory)
  --in-memory  keep no state on disk
Switches (flag, or environment variable):
${(Object.keys(DEFAULT_SWITCHES) as SwitchName[])
  .map((name) => `  ${switchFlag(name)} <${typeof DEFAULT_SWITCHES[name]}>  (${switchEnvName(name)}, default ${String(DEFAULT_SWITCHES[name])})`)
  .join('\n')}
Credentials: ACCOUNT_SID and AUTH_TOKEN from the environment, generated and printed when unset.`;

function parsePort(text: string): number {
  const port = Number(text);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`invalid port ${JSON.stringify(text)}`);
  return port;
}

function parseCli(argv: string[], env: NodeJS.ProcessEnv): CliOptions {
  const options: CliOptions = {
    port: env.VERIFY_EMULATOR_PORT ? parsePort(env.VERIFY_EMULATOR_PORT) : DEFAULT_PORT,
    dataDir: DEFAULT_DATA_DIR,
    switches: switchesFromEnvironment(env),
  };
  const switchByFlag = new Map((Object.keys(DEFAULT_SWITCHES) as SwitchName[]).map((name) => [switchFlag(name), name]));
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    const [flag, inline] = arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const value = (): string => {
      const next = inline ?? argv[++i];
      if (next === undefined) throw new Error(`${flag} needs a value`);
      return next;
    };
    if (flag === '--help' || flag === '-h') {
      console.log(USAGE);
      process.exit(0);
    } else if (flag === '--port') {
      options.port = parsePort(value());
    } else if (flag === '--data-dir') {
      options.dataDir = value();
    } else if (flag === '--in-memory') {
      options.dataDir = undefined;
    } else {
      const name = switchByFlag.get(flag);
      if (!name) throw new Error(`unknown option ${flag}\n${USAGE}`);
      // A boolean switch given alone means true (--allow-code-reuse).
      const next = inline ?? argv[i + 1];
      const text = typeof DEFAULT_SWITCHES[name] === 'boolean' && (next === undefined || next.startsWith('--')) ? 'true' : value();
      Object.assign(options.switches, { [name]: parseSwitchValue(name, text) });
    }
  }
  return options;
}

function credentials(env: NodeJS.ProcessEnv): { accountSid: string; authToken: string; generated: boolean } {
  if (env.ACCOUNT_SID && env.AUTH_TOKEN) return { accountSid: env.ACCOUNT_SID, authToken: env.AUTH_TOKEN, generated: false };
  return { accountSid: `AC${randomBytes(16).toString('hex')}`, authToken: randomBytes(16).toString('hex'), generated: true };
}

function main(): void {
  let cli: CliOptions;
  try {
    cli = parseCli(process.argv.slice(2), process.env);
  } catch (error) {
    console.error(`verify emulator: ${(error as Error).message}`);
    process.exit(2);
  }
  const { accountSid, authToken, generated } = credentials(process.env);
  let server: ReturnType<typeof createEmulator>;
  try {
    server = createEmulator({ accountSid, authToken, dataDir: cli.dataDir, switches: cli.switches, log: (line) => console.log(line) });
  } catch (error) {
    console.error(`verify emulator: cannot start: ${(error as Error).message}`);
    process.exit(1);
  }
  server.on('error', (error) => {
    console.error(`verify emulator: ${error.message}`);
    process.exit(1);
  });
  server.listen(cli.port, HOST, () => {
    const { port } = server.address() as AddressInfo;
    if (generated) {
      // Local-only credentials, made up for this run; printing them is how the user learns them.
      console.log(`No ACCOUNT_SID/AUTH_TOKEN in the environment; generated for this run:`);
      console.log(`ACCOUNT_SID=${accountSid}`);
      console.log(`AUTH_TOKEN=${authToken}`);
    }
    console.log(cli.dataDir === undefined ? 'State: in memory' : `State: ${cli.dataDir}`);
    console.log(`Verify emulator listening on http://${HOST}:${port}`);
  });
  const stop = (signal: string): void => {
    console.log(`Verify emulator stopping (${signal})`);
    server.close(() => process.exit(0));
    server.closeIdleConnections();
    // Requests in flight finish (their writes are durable before they answer); then the server closes.
    setTimeout(() => server.closeAllConnections(), 2000).unref();
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
}

main();
