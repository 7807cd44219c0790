// `npm run rehearse` (or `npm run deploy -- --rehearse`): builds, finds the running emulator (npm start's) or starts
// one, and runs the real `twilio-run deploy` against it (scripts/rehearsal/rehearse.ts); the deployed environment is
// then served on this machine. Exit codes: 0 after a deploy (and, with its own emulator, a normal stop), 1 when the
// deploy fails, 2 for a bad setting.
import type { Server } from 'node:http';
import { join } from 'node:path';
import { EMULATOR_PORT, EMULATOR_URL, readRenamed } from '../emulator/core/variables';
import { createEmulator } from '../emulator/server';
import { closeServer, listen } from './listen';
import { readEnvValues, updateEnvValues, withGeneratedValues } from './local-env';
import { DEFAULT_EMULATOR_PORT, resolveLocalSettings } from './local-settings';
import { emulatorAnswers, type RehearsalEmulator } from './rehearsal/emulator-api';
import { RehearsalError, rehearseDeploy, type RehearsalResult } from './rehearsal/rehearse';
import { createServedEnvironments, type ServedEnvironments } from './rehearsal/served-environments';
import { stopOnSignals } from './stop-signals';
import { localEnvFile } from './token';

/** The project: npm runs scripts in its root, as `npm run deploy` deploys from there. */
const PROJECT = process.cwd();
const EMULATOR_HOST = '127.0.0.1';
const ENV_FILE_HEADER = 'Local stack (npm start): generated, git-ignored, never deployed. Your own lines and comments are kept.';

const USAGE = `Usage: npm run rehearse -- [twilio-run deploy flags, e.g. --environment stage]
Deploys this project with the real twilio-run deploy to the local emulator (npm start's when it runs, else one started
here on EMULATOR_PORT, default ${DEFAULT_EMULATOR_PORT}), and serves the deployed environment on this machine.
The rehearsal's env file and deploy cache live in .rehearsal/; .env and .twiliodeployinfo are never touched.`;

interface Emulator {
  target: RehearsalEmulator;
  /** Set when this process started it: it then serves until stopped. */
  own?: { server: Server; served: ServedEnvironments };
}

/** The emulator's lines worth a person's attention: not every answered request of the deploy, only failures and events. */
function emulatorLog(line: string): void {
  if (!/^(GET|POST|DELETE) \S+ [23]\d\d /.test(line)) console.log(`emulator ${line}`);
}

/** npm start's emulator when it answers with .env.local's credentials; else a new one over the same data. */
async function findOrStartEmulator(): Promise<Emulator> {
  const envFile = localEnvFile(process.env);
  const stored = withGeneratedValues(readEnvValues(envFile));
  const credentials = { accountSid: stored.ACCOUNT_SID ?? '', authToken: stored.AUTH_TOKEN ?? '' };
  const running = readRenamed(stored, EMULATOR_URL, () => undefined).value;
  if (running !== undefined && (await emulatorAnswers({ url: running, ...credentials }))) return { target: { url: running, ...credentials } };
  const settings = resolveLocalSettings(process.env, stored);
  for (const line of settings.deprecations) console.warn(`warning: ${line}`);
  let listening: (url: string) => void = () => undefined;
  const served = createServedEnvironments({ projectDir: PROJECT, ...credentials, emulatorUrl: new Promise((resolve) => (listening = resolve)), log: (line) => console.log(line) });
  let server: Server | undefined;
  let port: number;
  try {
    server = createEmulator({ ...credentials, dataDir: join(PROJECT, '.emulator-data'), switches: settings.switches, serverlessHost: served, log: emulatorLog });
    port = await listen(server, { port: settings.emulatorPort ?? DEFAULT_EMULATOR_PORT, host: EMULATOR_HOST, role: 'the emulator', portVariable: EMULATOR_PORT.name });
  } catch (error) {
    if (server !== undefined) await closeServer(server);
    await served.close();
    throw error;
  }
  const url = `http://${EMULATOR_HOST}:${port}`;
  listening(url);
  // The same credentials next time, so the rehearsal's services and deploy cache stay valid.
  updateEnvValues(envFile, { ACCOUNT_SID: credentials.accountSid, AUTH_TOKEN: credentials.authToken }, ENV_FILE_HEADER);
  return { target: { url, ...credentials }, own: { server, served } };
}

function summary(result: RehearsalResult): string[] {
  if (result.deployed === undefined) return ['The deploy finished, but no environment of the emulator serves its build.'];
  const address = `http://${result.deployed.domainName}`;
  return [
    '',
    `Rehearsed: ${address}/index.html`,
    `  twilio-run prints https://${result.deployed.domainName}/…: the rehearsal serves plain http on this machine (docs/deploy.md).`,
    `  Open the page signed in: ${address}/index.html#token=$(ENV_FILE=.rehearsal/.env npm run --silent token -- <user>)`,
  ];
}

/** The command: `npm run rehearse -- <flags>`, and `npm run deploy -- --rehearse <flags>`. */
export async function rehearseCli(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(USAGE);
    return 0;
  }
  let stopRequested = false;
  const stop = new Promise<void>((resolve) =>
    stopOnSignals(() => {
      stopRequested = true;
      resolve();
    }),
  );
  let emulator: Emulator;
  try {
    emulator = await findOrStartEmulator();
  } catch (error) {
    console.error(`npm run rehearse: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
  const close = async (): Promise<void> => {
    if (emulator.own === undefined) return;
    await closeServer(emulator.own.server);
    await emulator.own.served.close();
  };
  let result: RehearsalResult;
  try {
    result = await rehearseDeploy({ projectDir: PROJECT, workDir: join(PROJECT, '.rehearsal'), emulator: emulator.target, deployArgs: argv, stdio: 'inherit', log: (line) => console.log(line) });
  } catch (error) {
    console.error(error instanceof RehearsalError ? error.message : `npm run rehearse: ${error instanceof Error ? error.message : String(error)}`);
    await close();
    return error instanceof RehearsalError ? 2 : 1;
  }
  if (result.failedBuild !== undefined) console.error(`The emulator's build ${result.failedBuild.sid} failed: ${result.failedBuild.reason}`);
  if (result.proxied === 0) console.error('The deploy sent nothing through the rehearsal proxy: it did not reach the emulator.');
  if (result.exitCode !== 0 || result.proxied === 0) {
    await close();
    return 1;
  }
  for (const line of summary(result)) console.log(line);
  if (emulator.own !== undefined && !stopRequested) {
    console.log(`The emulator (${emulator.target.url}) serves it until you stop this (Ctrl-C).`);
    await stop;
  }
  await close();
  return 0;
}

if (require.main === module) {
  void rehearseCli(process.argv.slice(2)).then((code) => process.exit(code));
}
