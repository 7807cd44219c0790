// `npm start`: checks its ports and data directory, builds, starts the local stack with the shell's settings, prints
// where it is, and stops it cleanly. Exit codes: 0 after a normal stop, 1 when the stack cannot start (a port in use,
// the data directory held by another stack), 2 for a bad option or setting.
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { checkLocalStack, startLocalStack, type LocalStack, type LocalStackOptions } from './local-stack';
import { printedUrl, SettingError } from './local-settings';
import { stopOnSignals } from './stop-signals';
import { localEnvFile } from './token';

const USAGE = `Usage: npm start [-- [--no-build] [--data-dir <dir>]]
  --no-build        serve what dist/ holds (after your own npm run build)
  --data-dir <dir>  the emulator's state (default .emulator-data)
Settings (shell, then .env.local): PORT (3000), EMULATOR_PORT (4010), HOST (127.0.0.1), the emulator's switches
(VERIFY_EMULATOR_<SWITCH>, EMULATOR_SYNC_<SWITCH>); ENV_FILE (shell only) names the env file instead of .env.local.`;

interface CliOptions {
  build: boolean;
  dataDir: string | undefined;
}

function parseCli(argv: string[]): CliOptions | 'help' {
  const { values } = parseArgs({
    args: argv,
    options: { 'no-build': { type: 'boolean' }, 'data-dir': { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) return 'help';
  return { build: values['no-build'] !== true, dataDir: values['data-dir'] === undefined ? undefined : resolve(values['data-dir']) };
}

async function main(argv: string[]): Promise<number> {
  let cli: CliOptions | 'help';
  try {
    cli = parseCli(argv);
  } catch (error) {
    console.error(`npm start: ${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  if (cli === 'help') {
    console.log(USAGE);
    return 0;
  }
  // Watched from the start, not from the address lines on: npm stopped right after them can be gone before a later
  // watch reads its parent, and that watch would then wait for a parent that never exits.
  let stopRequested = false;
  const stop = new Promise<void>((resolve) =>
    stopOnSignals(() => {
      stopRequested = true;
      resolve();
    }),
  );
  let stack: LocalStack;
  try {
    const options: LocalStackOptions = {
      environment: process.env,
      envFile: localEnvFile(process.env),
      dataDir: cli.dataDir,
      log: (line) => console.log(line),
      signAsDeployment: true,
    };
    // Before the build: a second npm start must not rebuild dist/ under a running stack, nor open its data.
    await checkLocalStack(options);
    if (cli.build) {
      // Loaded only to build: `--no-build` starts without loading esbuild at all.
      const { buildAll } = require('./build') as typeof import('./build');
      await buildAll();
    }
    if (stopRequested) return 0;
    stack = await startLocalStack(options);
  } catch (error) {
    console.error(`npm start: ${error instanceof Error ? error.message : String(error)}`);
    return error instanceof SettingError ? 2 : 1;
  }
  if (!stopRequested) {
    for (const warning of stack.warnings) console.warn(`warning: ${warning}`);
    const page = printedUrl(stack.url);
    console.log(`Emulator (Verify, Sync, Serverless, Studio) on ${stack.emulatorUrl}`);
    console.log(`Functions on ${page}/, the page on ${page}/index.html (caller token: npm run --silent token -- <user>)`);
    console.log(`Studio flow ${stack.voiceFlow.sid} (revision ${stack.voiceFlow.revision}) calls ${page}/studio/check-code (try: npm run --silent call -- <caller number> --digits <code>#)`);
  }
  await stop;
  return stack.close().then(
    () => 0,
    () => 1,
  );
}

if (require.main === module) {
  void main(process.argv.slice(2)).then((code) => process.exit(code));
}
