// The deploy rehearsal: the real, unmodified `twilio-run deploy` of a project, through the loopback proxy, to an
// emulator's Serverless product. It has its own env file (filled by setup against the emulator) and its own deploy
// cache; the user's .env and .twiliodeployinfo are never read or written.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { readEnvFile, setEnvVariable, writeEnvFile } from '../env-file';
import { planDeploy } from '../deploy';
import { setupVerifyService } from '../setup';
import { emulatorRequest, type RehearsalEmulator } from './emulator-api';
import { startRehearsalProxy } from './proxy';

/** Entries of the project the deploy does not see from the rehearsal's own view of it. */
const HIDDEN_ENTRIES = new Set(['.twiliodeployinfo', '.env', '.git', '.rehearsal', 'node_modules']);
/** What a real deploy could be pointed elsewhere by, or reach Twilio with: never passed to the rehearsal's deploy. */
const WITHHELD_VARIABLE = /^(TWILIO_|ACCOUNT_SID$|AUTH_TOKEN$|HTTPS?_PROXY$|NO_PROXY$|NODE_EXTRA_CA_CERTS$)/i;
const API_HOST = 'serverless.twilio.com';

export interface RehearseOptions {
  /** The project deployed: its package.json, .twilioserverlessrc and built folders. */
  projectDir: string;
  /** The rehearsal's own files: .env, the project view with its .twiliodeployinfo (the CLI uses <project>/.rehearsal). */
  workDir: string;
  emulator: RehearsalEmulator;
  /** More `twilio-run deploy` flags (--environment stage, --output-format json …). */
  deployArgs?: readonly string[];
  /** twilio-run's output: on this terminal, or captured in the result. */
  stdio: 'inherit' | 'pipe';
  /** One line per step (setup, refusals, the proxy's refusals). */
  log?: (line: string) => void;
}

export interface RehearsalResult {
  exitCode: number;
  /** twilio-run's output, when captured. */
  stdout: string;
  stderr: string;
  /** The rehearsal's env file, which the deploy uploaded its variables from. */
  envFile: string;
  /** Requests the proxy passed to the emulator: none means the deploy went somewhere else. */
  proxied: number;
  refusedHosts: readonly string[];
  /** Why the deploy's build failed, when it did (twilio-run itself prints `undefined` for that). */
  failedBuild?: { sid: string; reason: string };
  /** What is served now, when the deploy succeeded. */
  deployed?: { serviceSid: string; buildSid: string; environmentSid: string; domainName: string };
}

/** A problem found before anything ran: the message says what to do. */
export class RehearsalError extends Error {
  override name = 'RehearsalError';
}

function deployInfoKey(emulator: RehearsalEmulator): string {
  return `${emulator.accountSid}:us1`;
}

/** The cache entry twilio-run keeps for the emulator's account, if any. */
function cachedDeploy(viewDir: string, emulator: RehearsalEmulator): { serviceSid: string; latestBuild: string } | undefined {
  const file = join(viewDir, '.twiliodeployinfo');
  if (!existsSync(file)) return undefined;
  try {
    const cache = JSON.parse(readFileSync(file, 'utf8')) as Record<string, { serviceSid?: string; latestBuild?: string }>;
    const entry = cache[deployInfoKey(emulator)];
    return entry?.serviceSid && entry.latestBuild ? { serviceSid: entry.serviceSid, latestBuild: entry.latestBuild } : undefined;
  } catch {
    return undefined;
  }
}

/** The project as the deploy sees it: every entry linked, but the user's env file and deploy cache left out. */
function prepareProjectView(projectDir: string, viewDir: string): void {
  mkdirSync(viewDir, { recursive: true });
  for (const name of readdirSync(viewDir)) {
    if (name !== '.twiliodeployinfo' && lstatSync(join(viewDir, name)).isSymbolicLink()) rmSync(join(viewDir, name));
  }
  for (const name of readdirSync(projectDir)) {
    if (HIDDEN_ENTRIES.has(name) || name.startsWith('.env')) continue;
    symlinkSync(join(projectDir, name), join(viewDir, name));
  }
}

/**
 * The rehearsal's env file for this emulator: its credentials, a caller-token secret (the rehearsal signs in as a
 * host application would), and SIDs only of services the emulator still has (a wiped emulator forgets them).
 */
async function prepareEnvFile(envPath: string, emulator: RehearsalEmulator, viewDir: string): Promise<void> {
  const file = readEnvFile(envPath);
  let text = file.text === '' ? '# Deploy rehearsal (npm run rehearse): generated, git-ignored, for the emulator only.\n' : file.text;
  if (file.values.ACCOUNT_SID !== emulator.accountSid) {
    // Another emulator account: nothing in this file or the deploy cache belongs to it.
    for (const name of ['VERIFY_SERVICE_SID', 'SYNC_SERVICE_SID']) if (file.values[name]) text = setEnvVariable(text, name, '');
    rmSync(join(viewDir, '.twiliodeployinfo'), { force: true });
  }
  text = setEnvVariable(text, 'ACCOUNT_SID', emulator.accountSid);
  text = setEnvVariable(text, 'AUTH_TOKEN', emulator.authToken);
  if (!file.values.AUTH_JWT_SECRET) text = setEnvVariable(text, 'AUTH_JWT_SECRET', randomBytes(32).toString('hex'));
  const checks: Array<[string, (sid: string) => string]> = [
    ['VERIFY_SERVICE_SID', (sid) => `/v2/Services/${sid}`],
    ['SYNC_SERVICE_SID', (sid) => `/v1/Services/${sid}`],
  ];
  for (const [name, path] of checks) {
    const sid = file.values[name];
    if (sid && file.values.ACCOUNT_SID === emulator.accountSid && (await emulatorRequest(emulator, 'GET', path(sid))).status === 404) {
      text = setEnvVariable(text, name, '');
    }
  }
  writeEnvFile(envPath, text);
  const cached = cachedDeploy(viewDir, emulator);
  if (cached !== undefined && (await emulatorRequest(emulator, 'GET', `/v1/Services/${cached.serviceSid}`, API_HOST)).status === 404) {
    rmSync(join(viewDir, '.twiliodeployinfo'), { force: true });
  }
}

/** The environment that serves the build twilio-run just deployed. */
async function deployedEnvironment(emulator: RehearsalEmulator, serviceSid: string, buildSid: string): Promise<RehearsalResult['deployed']> {
  const answer = await emulatorRequest(emulator, 'GET', `/v1/Services/${serviceSid}/Environments?PageSize=100`, API_HOST);
  const environments = (answer.body as { environments?: Array<{ sid: string; build_sid: string | null; domain_name: string }> }).environments ?? [];
  const environment = environments.find((candidate) => candidate.build_sid === buildSid);
  return environment === undefined ? undefined : { serviceSid, buildSid, environmentSid: environment.sid, domainName: environment.domain_name };
}

/** The newest build that failed since `since`, with the reason the emulator recorded. */
async function failedBuildSince(emulator: RehearsalEmulator, since: number): Promise<RehearsalResult['failedBuild']> {
  const answer = await emulatorRequest(emulator, 'GET', '/__emulator/serverless/builds');
  const builds = (answer.body as { builds?: Array<{ sid: string; status: string; failure_reason: string | null; date_created: string }> }).builds ?? [];
  const failed = builds.find((build) => build.status === 'failed' && Date.parse(build.date_created) >= Math.floor(since / 1000) * 1000);
  return failed === undefined ? undefined : { sid: failed.sid, reason: failed.failure_reason ?? '(no reason recorded)' };
}

function deployEnvironment(proxyEnv: Readonly<Record<string, string>>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env)) if (value !== undefined && !WITHHELD_VARIABLE.test(name)) env[name] = value;
  // TWILIO_REGION and TWILIO_EDGE would send it to another host; the proxy and its CA are for this child alone.
  return { ...env, ...proxyEnv };
}

export async function rehearseDeploy(options: RehearseOptions): Promise<RehearsalResult> {
  const log = options.log ?? (() => undefined);
  const viewDir = join(options.workDir, 'project');
  const envFile = join(options.workDir, '.env');
  mkdirSync(options.workDir, { recursive: true });
  prepareProjectView(options.projectDir, viewDir);
  await prepareEnvFile(envFile, options.emulator, viewDir);
  const setup = await setupVerifyService({
    envFile,
    environment: { ACCOUNT_SID: options.emulator.accountSid, AUTH_TOKEN: options.emulator.authToken, EMULATOR_URL: options.emulator.url },
  });
  log(`rehearsal: setup against the emulator: Verify service ${setup.serviceSid} ${setup.action}, Sync service ${setup.syncServiceSid} ${setup.syncAction}`);
  const deployArgs = ['--env', envFile, ...(options.deployArgs ?? [])];
  // The same checks as `npm run deploy`, on what the rehearsal is about to upload.
  const plan = await planDeploy(deployArgs, viewDir);
  if (plan.problems.length > 0) throw new RehearsalError(plan.problems.map((problem) => `refusing to deploy: ${problem}`).join('\n'));

  const proxy = await startRehearsalProxy({ target: options.emulator.url, log });
  const started = Date.now();
  let exitCode: number;
  let stdout = '';
  let stderr = '';
  try {
    const child = spawn(process.execPath, [require.resolve('twilio-run/bin/twilio-run.js'), 'deploy', ...deployArgs], {
      cwd: viewDir,
      env: deployEnvironment(proxy.childEnv),
      stdio: options.stdio === 'inherit' ? 'inherit' : ['ignore', 'pipe', 'pipe'],
    });
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    exitCode = await new Promise<number>((resolve, reject) => {
      child.once('error', reject);
      child.once('close', (code) => resolve(code ?? 1));
    });
  } finally {
    await proxy.close();
  }
  const result: RehearsalResult = { exitCode, stdout, stderr, envFile, proxied: proxy.forwarded(), refusedHosts: proxy.refused() };
  if (exitCode !== 0) {
    result.failedBuild = await failedBuildSince(options.emulator, started);
    return result;
  }
  const cached = cachedDeploy(viewDir, options.emulator);
  if (cached !== undefined) result.deployed = await deployedEnvironment(options.emulator, cached.serviceSid, cached.latestBuild);
  return result;
}
