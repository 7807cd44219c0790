// `npm run reset`: clears the local stack's state, the emulator's data folder and the variables `npm start` generated
// in .env.local (your own lines stay), so the next `npm start` begins afresh. Refused while a stack holds the folder.
// Exit codes: 0 done (or nothing to clear), 1 a running stack holds the data folder, 2 a bad option.
import { existsSync, rmSync, unlinkSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { DataDirLockedError, lockDataDir } from '../emulator/core/data-lock';
import { readEnvFile, removeEnvVariable, writeEnvFile } from './env-file';
import { GENERATED_VARIABLES } from './local-env';
import { localEnvFile } from './token';

/** What `npm start` writes into the env file: its generated secrets and the emulator's account, services and URL. */
export const STACK_WRITTEN = [...GENERATED_VARIABLES, 'VERIFY_SERVICE_SID', 'SYNC_SERVICE_SID', 'EMULATOR_URL', 'VERIFY_EMULATOR_URL'] as const;

const USAGE = `Usage: npm run reset [-- [--data-dir <dir>]]
Deletes the emulator's data folder (default .emulator-data: every enrolled factor and the kit's state) and the
variables npm start generated in .env.local (or the file ENV_FILE names): ${STACK_WRITTEN.join(', ')}.
Your own lines and comments stay; a file left with nothing else is deleted. Stop npm start first.`;

/** Removes the stack's variables; deletes the file when only comments and blank lines are left. */
function clearEnvFile(path: string): boolean {
  if (!existsSync(path)) return false;
  const file = readEnvFile(path);
  let text = file.text;
  for (const name of STACK_WRITTEN) text = removeEnvVariable(text, name);
  if (text.split('\n').every((line) => line.trim() === '' || line.trim().startsWith('#'))) {
    unlinkSync(path);
    return true;
  }
  if (text !== file.text) writeEnvFile(path, text);
  return text !== file.text;
}

function main(argv: string[]): number {
  let dataDir: string;
  try {
    const { values } = parseArgs({ args: argv, options: { 'data-dir': { type: 'string' }, help: { type: 'boolean', short: 'h' } } });
    if (values.help) {
      console.log(USAGE);
      return 0;
    }
    dataDir = resolve(values['data-dir'] ?? join(__dirname, '..', '.emulator-data'));
  } catch (error) {
    console.error(`npm run reset: ${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  if (existsSync(dataDir)) {
    // Taken, not just read: a stack starting while the folder is deleted would find it locked and stop.
    try {
      lockDataDir(dataDir, () => undefined);
    } catch (error) {
      if (!(error instanceof DataDirLockedError)) throw error;
      console.error(`npm run reset: ${dataDir} is in use by a running stack (process ${error.pid}): stop it first (Ctrl-C in its terminal); nothing was deleted`);
      return 1;
    }
    rmSync(dataDir, { recursive: true, force: true });
    console.log(`deleted ${dataDir}`);
  }
  const envFile = localEnvFile(process.env);
  if (clearEnvFile(envFile)) console.log(`cleared npm start's variables from ${envFile}`);
  console.log('reset done: the next npm start begins afresh');
  return 0;
}

if (require.main === module) process.exit(main(process.argv.slice(2)));
