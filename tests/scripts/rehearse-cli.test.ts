// `npm run rehearse` as a person runs it, in a scratch copy of the project: the command starts its own emulator,
// deploys with the real twilio-run, prints the rehearsed address and serves it until stopped; `npm run deploy --
// --rehearse` then updates the same service and environment, served again at the same address after the restart.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLocalStack } from '../../scripts/local-stack';

const ROOT = join(__dirname, '..', '..');
/** The person's own files and state, which the scratch copy must not share. */
const NOT_LINKED = /^(\.git|\.env(?!\.example$).*|\.emulator-data|\.twiliodeployinfo|\.rehearsal|test-artifacts|coverage)$/;
const WAIT_MS = 90_000;

jest.setTimeout(240_000);

let sandbox: string;
const children = new Set<ChildProcess>();

beforeAll(() => {
  sandbox = mkdtempSync(join(tmpdir(), 'totp-rehearse-cli-'));
  for (const name of readdirSync(ROOT)) if (!NOT_LINKED.test(name)) symlinkSync(join(ROOT, name), join(sandbox, name));
});
afterAll(() => {
  for (const child of children) child.kill('SIGKILL');
  rmSync(sandbox, { recursive: true, force: true });
});

interface Running {
  child: ChildProcess;
  output: () => string;
  /** Resolves with the output once `pattern` appears in it (or rejects after WAIT_MS, or when the command exits). */
  waitFor(pattern: RegExp): Promise<RegExpMatchArray>;
  exited: Promise<number | null>;
}

/** The command in the scratch copy, with a shell that has no stack settings of this machine's. */
function start(script: string, args: string[], envFile = join(sandbox, '.env.local')): Running {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of Object.keys(env)) if (/^(PORT|HOST|ENV_FILE|ACCOUNT_SID|AUTH_TOKEN|TWILIO_.*|VERIFY_.*|EMULATOR_.*|AUTH_.*)$/.test(name)) delete env[name];
  const child = spawn(process.execPath, ['--require', 'tsx/cjs', join('scripts', script), ...args], {
    cwd: sandbox,
    env: { ...env, ENV_FILE: envFile, EMULATOR_PORT: '0', CI: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  let text = '';
  const listeners = new Set<() => void>();
  const take = (chunk: Buffer) => {
    text += chunk.toString('utf8');
    for (const listener of listeners) listener();
  };
  child.stdout?.on('data', take);
  child.stderr?.on('data', take);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    child,
    output: () => text,
    exited,
    waitFor(pattern) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no ${String(pattern)} within ${WAIT_MS / 1000} s:\n${text}`)), WAIT_MS);
        const check = () => {
          const match = pattern.exec(text);
          if (match === null) return;
          clearTimeout(timer);
          listeners.delete(check);
          resolve(match);
        };
        listeners.add(check);
        void exited.then((code) => reject(new Error(`exited (${String(code)}) before ${String(pattern)}:\n${text}`)));
        check();
      });
    },
  };
}

async function stop(running: Running): Promise<number | null> {
  running.child.kill('SIGTERM');
  return running.exited;
}

test('rehearses, prints the address, serves the page there until stopped; a second rehearsal updates the same environment', async () => {
  const first = start('rehearse.ts', ['--output-format', 'json']);
  const [, address = ''] = await first.waitFor(/Rehearsed: (http:\/\/localhost:\d+)\/index\.html/);
  const printed = JSON.parse(/^\{[\s\S]*?^\}/m.exec(first.output())?.[0] ?? '{}') as { domain: string; serviceSid: string; environmentSid: string; buildSid: string };
  expect(`http://${printed.domain}`).toBe(address);
  const page = await fetch(`${address}/index.html`);
  expect([page.status, (await page.text()).startsWith('<!doctype html>')]).toEqual([200, true]);
  expect(first.output()).toContain('serves it until you stop this');
  expect(await stop(first)).toBe(0);
  // Stopped means gone.
  await expect(fetch(`${address}/index.html`)).rejects.toThrow();

  // `npm run deploy -- --rehearse` is the same command: a new emulator over the same state serves the environment
  // again at its address, and the deploy updates it (the rehearsal's own .twiliodeployinfo names the service).
  const second = start('deploy.ts', ['--rehearse', '--output-format', 'json']);
  const [, again = ''] = await second.waitFor(/Rehearsed: (http:\/\/localhost:\d+)\/index\.html/);
  expect(again).toBe(address);
  const updated = JSON.parse(/^\{[\s\S]*?^\}/m.exec(second.output())?.[0] ?? '{}') as typeof printed;
  expect(updated).toMatchObject({ serviceSid: printed.serviceSid, environmentSid: printed.environmentSid });
  expect(updated.buildSid).not.toBe(printed.buildSid);
  expect((await fetch(`${address}/approval-keys`)).status).toBe(200);
  expect(await stop(second)).toBe(0);
});

test("with npm start running, it deploys to that stack's emulator, which serves the environment, and returns", async () => {
  const stateDir = mkdtempSync(join(tmpdir(), 'totp-rehearse-stack-'));
  const stack = await startLocalStack({ port: 0, envFile: join(stateDir, '.env.local'), dataDir: join(stateDir, 'data') });
  try {
    const run = start('rehearse.ts', ['--output-format', 'json'], join(stateDir, '.env.local'));
    const [, address = ''] = await run.waitFor(/Rehearsed: (http:\/\/localhost:\d+)\/index\.html/);
    expect(await run.exited).toBe(0);
    expect(run.output()).not.toContain('serves it until you stop this');
    // The stack's emulator serves it, after the command is gone.
    expect((await fetch(`${address}/approval-keys`)).status).toBe(200);
  } finally {
    await stack.close();
    rmSync(stateDir, { recursive: true, force: true });
  }
});
