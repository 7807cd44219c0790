// The deploy rehearsal for tests: an in-process emulator whose deployed environments are served (as npm run rehearse
// serves them), and the real twilio-run deploy of a project to it, its JSON output parsed.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rehearseDeploy, type RehearsalResult } from '../../scripts/rehearsal/rehearse';
import { createServedEnvironments, type ServedEnvironments } from '../../scripts/rehearsal/served-environments';
import { startEmulator, type TestEmulator } from './emulator';

export const ROOT = join(__dirname, '..', '..');

/** What `twilio-run deploy --output-format json` prints after a deploy (TR/printers/deploy.js). */
export interface DeployOutput {
  domain: string;
  serviceSid: string;
  environmentSid: string;
  buildSid: string;
  runtime: string;
  functions: Array<{ access: string; path: string; url: string }>;
  assets: Array<{ access: string; path: string; url: string }>;
}

export interface RehearsalStand {
  emulator: TestEmulator;
  /** The emulator's log lines so far (builds completed or failed, environments served). */
  lines: string[];
  /** Deploys `projectDir` with the real twilio-run (JSON output), keeping the rehearsal's files in `workDir`. */
  rehearse(projectDir: string, workDir: string, args?: readonly string[]): Promise<RehearsalResult & { output?: DeployOutput }>;
  /** A fresh directory for a rehearsal's own files, removed at close. */
  workDir(): string;
  close(): Promise<void>;
}

export async function startRehearsalStand(): Promise<RehearsalStand> {
  const lines: string[] = [];
  let served: ServedEnvironments | undefined;
  const emulator = await startEmulator({
    log: (line) => {
      if (!/^[A-Z]+ \//.test(line)) lines.push(line);
    },
    serverlessHost: ({ accountSid, authToken, url }) => {
      served = createServedEnvironments({ projectDir: ROOT, accountSid, authToken, emulatorUrl: url, log: (line) => lines.push(line) });
      return served;
    },
  });
  const dirs: string[] = [];
  return {
    emulator,
    lines,
    async rehearse(projectDir, workDir, args = []) {
      const result = await rehearseDeploy({
        projectDir,
        workDir,
        emulator: { url: emulator.url, accountSid: emulator.accountSid, authToken: emulator.authToken },
        deployArgs: ['--output-format', 'json', ...args],
        stdio: 'pipe',
        log: (line) => lines.push(line),
      });
      const json = result.stdout.slice(result.stdout.indexOf('{'));
      return result.exitCode === 0 ? { ...result, output: JSON.parse(json) as DeployOutput } : result;
    },
    workDir() {
      const dir = mkdtempSync(join(tmpdir(), 'totp-rehearsal-test-'));
      dirs.push(dir);
      return dir;
    },
    async close() {
      await emulator.close();
      await served?.close();
      for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
    },
  };
}
