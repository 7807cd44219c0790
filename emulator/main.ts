// CLI: `npm run emulator -- --port <p> --data-dir <dir> [--<switch> <value>]`; stops cleanly on SIGTERM/SIGINT.
// Exit codes: 0 after a normal stop, 1 when it cannot start (port in use, data directory held or damaged), 2 for a
// bad option or setting.
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { EMULATOR_PORT, readRenamed } from './core/variables';
import { PRODUCTS } from './products';
import { createEmulator } from './server';
import { DEFAULT_SWITCHES, SWITCH_NAMES, parseSwitch, switchEnvName, switchesFromEnvironment, switchFlag, type EmulatorSwitches, type SwitchName } from './switches';

const HOST = '127.0.0.1';
const DEFAULT_PORT = 4010;
const DEFAULT_DATA_DIR = '.emulator-data';

interface CliOptions {
  port: number;
  dataDir: string | undefined;
  switches: Partial<EmulatorSwitches>;
}

const USAGE = `Usage: npm run emulator -- [--port <port>] [--data-dir <dir> | --in-memory] [switches]
  --port       default $${EMULATOR_PORT.name}, else ${DEFAULT_PORT}
  --data-dir   default ${DEFAULT_DATA_DIR} (relative to the working directory)
  --in-memory  keep no state on disk
Switches (flag, or environment variable):
${SWITCH_NAMES.map((name) => `  ${switchFlag(name)} <${typeof DEFAULT_SWITCHES[name]}>  (${switchEnvName(name)}, default ${String(DEFAULT_SWITCHES[name])})`).join('\n')}
Credentials: ACCOUNT_SID and AUTH_TOKEN from the environment, generated and printed when unset.`;

function parsePort(text: string, name: string): number {
  const port = Number(text);
  if (!/^\d+$/.test(text) || port > 65535) throw new Error(`${name} must be a port number from 0 to 65535, not ${JSON.stringify(text)}`);
  return port;
}

function parseCli(argv: string[], env: NodeJS.ProcessEnv, warn: (line: string) => void): CliOptions {
  const envPort = readRenamed(env, EMULATOR_PORT, warn);
  const options: CliOptions = {
    port: envPort.value === undefined ? DEFAULT_PORT : parsePort(envPort.value, envPort.readAs),
    dataDir: DEFAULT_DATA_DIR,
    switches: switchesFromEnvironment(env, warn),
  };
  const switchByFlag = new Map(SWITCH_NAMES.map((name): [string, SwitchName] => [switchFlag(name), name]));
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
      options.port = parsePort(value(), '--port');
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
      Object.assign(options.switches, { [name]: parseSwitch(name, text) });
    }
  }
  return options;
}

function credentials(env: NodeJS.ProcessEnv): { accountSid: string; authToken: string; generated: boolean } {
  if (env.ACCOUNT_SID && env.AUTH_TOKEN) return { accountSid: env.ACCOUNT_SID, authToken: env.AUTH_TOKEN, generated: false };
  return { accountSid: `AC${randomBytes(16).toString('hex')}`, authToken: randomBytes(16).toString('hex'), generated: true };
}

/** What a listen error means for the person who started the emulator, and how to get past it. */
function listenProblem(error: NodeJS.ErrnoException, port: number): string {
  if (error.code === 'EADDRINUSE') {
    return `port ${port} is already in use on ${HOST}: stop the program that holds it (another emulator, or npm start), or choose another port with --port or ${EMULATOR_PORT.name}`;
  }
  if (error.code === 'EACCES') return `not allowed to listen on ${HOST}:${port}: choose a port above 1023 with --port or ${EMULATOR_PORT.name}`;
  return `cannot listen on ${HOST}:${port}: ${error.message}`;
}

function main(): void {
  const say = (line: string): void => console.error(`emulator: ${line}`);
  let cli: CliOptions;
  try {
    cli = parseCli(process.argv.slice(2), process.env, (line) => say(`warning: ${line}`));
  } catch (error) {
    say((error as Error).message);
    process.exit(2);
  }
  const { accountSid, authToken, generated } = credentials(process.env);
  let server: ReturnType<typeof createEmulator>;
  try {
    server = createEmulator({ accountSid, authToken, dataDir: cli.dataDir, switches: cli.switches, log: (line) => console.log(line) });
  } catch (error) {
    say(`cannot start: ${(error as Error).message}`);
    process.exit(1);
  }
  server.on('error', (error: NodeJS.ErrnoException) => {
    say(listenProblem(error, cli.port));
    // Lets the data directory go before exiting (the exit hook would too; this says it in order).
    server.close();
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
    console.log(`Serving ${PRODUCTS.map((product) => product.origin.replace('https://', '')).join(', ')}`);
    console.log(`Emulator listening on http://${HOST}:${port}`);
  });
  const stop = (signal: string): void => {
    console.log(`Emulator stopping (${signal})`);
    server.close(() => process.exit(0));
    server.closeIdleConnections();
    // Requests in flight finish (their writes are durable before they answer); then the server closes.
    setTimeout(() => server.closeAllConnections(), 2000).unref();
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
}

main();
