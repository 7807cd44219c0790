// `npm run bench:deploy`: the deploy rehearsal measured. What the real `twilio-run deploy` uploaded (the bytes the
// emulator received for the build), how many requests a first and a second deploy make, and how long each takes
// against the in-process emulator. Prints figures (no pass/fail) and records them in docs/figures.md.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEmulator } from '../emulator/server';
import { emulatorRequest, type RehearsalEmulator } from '../scripts/rehearsal/emulator-api';
import { rehearseDeploy, type RehearsalResult } from '../scripts/rehearsal/rehearse';
import { createServedEnvironments } from '../scripts/rehearsal/served-environments';
import { recordFigures } from './figures';

const ROOT = join(__dirname, '..');
/** Issue 11's budget for everything uploaded, Functions and assets (kB of 1000 bytes). */
const UPLOAD_TARGET_KB = 400;

interface BuildBytes {
  sid: string;
  function_bytes: number;
  asset_bytes: number;
}

async function timedRehearsal(emulator: RehearsalEmulator, workDir: string): Promise<{ result: RehearsalResult; ms: number }> {
  const started = process.hrtime.bigint();
  const result = await rehearseDeploy({ projectDir: ROOT, workDir, emulator, stdio: 'pipe' });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (result.exitCode !== 0 || result.deployed === undefined) throw new Error(`the rehearsal failed:\n${result.stdout}\n${result.stderr}`);
  return { result, ms };
}

async function main(): Promise<void> {
  const { buildAll } = require('../scripts/build') as typeof import('../scripts/build');
  await buildAll();
  const accountSid = `AC${randomBytes(16).toString('hex')}`;
  const authToken = randomBytes(16).toString('hex');
  let listening: (url: string) => void = () => undefined;
  const served = createServedEnvironments({ projectDir: ROOT, accountSid, authToken, emulatorUrl: new Promise((resolve) => (listening = resolve)) });
  const server = createEmulator({ accountSid, authToken, serverlessHost: served });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  listening(url);
  const emulator = { url, accountSid, authToken };
  const workDir = mkdtempSync(join(tmpdir(), 'totp-bench-deploy-'));
  try {
    const first = await timedRehearsal(emulator, workDir);
    const second = await timedRehearsal(emulator, workDir);
    const { builds } = (await emulatorRequest(emulator, 'GET', '/__emulator/serverless/builds')).body as { builds: BuildBytes[] };
    const build = builds.find((candidate) => candidate.sid === first.result.deployed?.buildSid);
    if (build === undefined) throw new Error('the emulator does not know the deployed build');
    const buildView = (await emulatorRequest(emulator, 'GET', `/v1/Services/${first.result.deployed?.serviceSid ?? ''}/Builds/${build.sid}`, 'serverless.twilio.com')).body as {
      function_versions: unknown[];
      asset_versions: unknown[];
    };
    const kb = (bytes: number): string => (bytes / 1000).toFixed(1);
    const total = build.function_bytes + build.asset_bytes;
    console.log(`uploaded: ${kb(total)} kB (Functions ${kb(build.function_bytes)} kB in ${buildView.function_versions.length}, assets ${kb(build.asset_bytes)} kB in ${buildView.asset_versions.length}), target ≤ ${UPLOAD_TARGET_KB} kB`);
    console.log(`first deploy: ${first.result.proxied} requests, ${(first.ms / 1000).toFixed(1)} s (setup, twilio-run, build, served environment)`);
    console.log(`second deploy: ${second.result.proxied} requests, ${(second.ms / 1000).toFixed(1)} s`);
    recordFigures({
      name: 'deploy',
      title: 'Deploy rehearsal',
      command: 'npm run bench:deploy',
      figures: [
        {
          figure: `What the real \`twilio-run deploy\` uploaded, as the emulator received it (${buildView.function_versions.length} Functions, of which the shared private kit, and ${buildView.asset_versions.length} assets)`,
          measured: `**${kb(total)} kB** (Functions ${kb(build.function_bytes)} kB, assets ${kb(build.asset_bytes)} kB)`,
          target: `≤ ${UPLOAD_TARGET_KB} kB`,
        },
        { figure: 'First rehearsal: requests through the proxy, and time (setup against the emulator, twilio-run, the build, the environment served)', measured: `${first.result.proxied} requests, ${(first.ms / 1000).toFixed(1)} s`, target: '—' },
        { figure: 'Second rehearsal of the same service and environment', measured: `${second.result.proxied} requests, ${(second.ms / 1000).toFixed(1)} s`, target: '—' },
      ],
    });
  } finally {
    server.close();
    server.closeAllConnections();
    await served.close();
    rmSync(workDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
