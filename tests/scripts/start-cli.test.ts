// `npm start` and `npm run token` as processes: a normal stop ends everything they started, and exit codes say why.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeJwt } from 'jose';
import { readEnvFile } from '../../scripts/env-file';
import { createEmulatorTwilioClient } from '../helpers/emulator';
import { totp } from '../helpers/functions';

const ROOT = join(__dirname, '..', '..');
/** A file every build rewrites: its time shows whether a run built. */
const DIST_KIT = join(ROOT, 'dist', 'functions', 'kit.private.js');
let dir: string;

// Each test starts real processes that build and serve the stack: far slower than an in-process suite on a busy
// 2-core machine. A safety net for hung processes, not a speed check.
jest.setTimeout(90_000);

/** Process groups started here; whatever a failed test leaves behind is killed after it. */
const groups = new Set<number>();

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'totp-start-cli-'));
});
afterEach(() => {
  for (const group of groups) {
    try {
      process.kill(-group, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  groups.clear();
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** The shell a person would have: none of the stack's own settings unless a test sets them. */
function shell(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...extra };
  for (const name of ['PORT', 'HOST', 'EMULATOR_PORT', 'VERIFY_EMULATOR_PORT', 'ENV_FILE']) if (!(name in extra)) delete env[name];
  return env;
}

interface Run {
  child: ChildProcess;
  output(): string;
  /** Resolves when the process and everything holding its output (its children too) have gone. */
  closed: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Each run leads its own process group, as a terminal or a supervisor would start it. */
function run(command: string, args: string[], env: NodeJS.ProcessEnv): Run {
  const child = spawn(command, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  if (child.pid !== undefined) groups.add(child.pid);
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const closed = once(child, 'close').then(([code, signal]) => ({ code: code as number | null, signal: signal as NodeJS.Signals | null }));
  return { child, output: () => output, closed };
}

/** The ports of `npm start`'s address lines, once both are in `output`. */
function portsIn(output: string): { page: number; emulator: number } | undefined {
  const page = /Functions on http:\/\/localhost:(\d+)\//.exec(output);
  const emulator = /Emulator \(Verify, Sync, Serverless, Studio\) on http:\/\/127\.0\.0\.1:(\d+)/.exec(output);
  return page?.[1] && emulator?.[1] ? { page: Number(page[1]), emulator: Number(emulator[1]) } : undefined;
}

/** Waits for `npm start`'s address lines; fails with the output if it exits first. */
async function addressesOf(started: Run): Promise<{ page: number; emulator: number }> {
  return new Promise((resolve, reject) => {
    const check = (): void => {
      const ports = portsIn(started.output());
      if (ports !== undefined) resolve(ports);
    };
    started.child.stdout?.on('data', check);
    void started.closed.then(() => reject(new Error(`npm start ended before it was ready:\n${started.output()}`)));
  });
}

/** True when something holds the port (binding it fails). */
async function isListening(port: number): Promise<boolean> {
  const probe = createServer();
  return new Promise((resolve) => {
    probe.once('error', () => resolve(true));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(false)));
  });
}

/** Polls until `probe` gives a value; fails, naming `what`, after 30 s: a hang, not a slow machine. */
async function pollFor<T>(what: string, probe: () => Promise<T | undefined> | T | undefined): Promise<T> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`still waiting after 30 s for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function startNpm(name: string): Run {
  return run('npm', ['start', '--', '--no-build', '--data-dir', join(dir, `${name}-data`)], shell({ PORT: '0', ENV_FILE: join(dir, `${name}.env`) }));
}

test('SIGTERM to the npm process (what a supervisor sends) stops the stack and frees both ports', async () => {
  const started = startNpm('sigterm');
  const ports = await addressesOf(started);
  expect(await isListening(ports.page)).toBe(true);
  // To npm alone: its `sh -c` dies of it without passing it on, so the stack has to notice by itself.
  started.child.kill('SIGTERM');
  // `closed` waits for every process that holds npm's output, so a stack left behind keeps this pending.
  await started.closed;
  expect(await isListening(ports.page)).toBe(false);
  expect(await isListening(ports.emulator)).toBe(false);
});

test('Ctrl-C (SIGINT to the whole process group) stops the stack and frees both ports', async () => {
  const started = startNpm('sigint');
  const ports = await addressesOf(started);
  process.kill(-(started.child.pid ?? 0), 'SIGINT');
  await started.closed;
  expect(await isListening(ports.page)).toBe(false);
  expect(await isListening(ports.emulator)).toBe(false);
});

test('a parent that dies while the stack is still starting: the stack stops once it is up, and frees both ports', async () => {
  // The shell starts the stack with its output in a file, waits for the emulator's first request (the stack is half
  // up), then exits: the stack outlives its parent before it prints its addresses, as it does when a supervisor stops
  // npm right after them. A stack that only watches its parent from the address lines on would run forever.
  const log = join(dir, 'orphan.log');
  const script = `node --require tsx/cjs scripts/start.ts --no-build --data-dir "$DATA" >"$LOG" 2>&1 &
until grep -q 'emulator POST /v2/Services' "$LOG" 2>/dev/null; do sleep 0.01; done`;
  const parent = run('sh', ['-c', script], shell({ PORT: '0', ENV_FILE: join(dir, 'orphan.env'), DATA: join(dir, 'orphan-data'), LOG: log }));
  expect((await parent.closed).code).toBe(0);
  const ports = await pollFor('the address lines in the log', () => portsIn(existsSync(log) ? readFileSync(log, 'utf8') : ''));
  for (const port of [ports.page, ports.emulator]) {
    await pollFor(`port ${port} to be free (the stack never stopped)`, async () => ((await isListening(port)) ? undefined : true));
  }
});

describe('exit codes', () => {
  const startScript = (env: Record<string, string>, args: string[] = []) =>
    run(process.execPath, ['--require', 'tsx/cjs', 'scripts/start.ts', '--no-build', '--data-dir', join(dir, 'codes-data'), ...args], shell({ ENV_FILE: join(dir, 'codes.env'), ...env }));

  test('a port in use: 1, with the port and the variable that moves it', async () => {
    const taken: Server = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const port = (taken.address() as AddressInfo).port;
    try {
      const started = startScript({ PORT: '0', EMULATOR_PORT: String(port) });
      expect((await started.closed).code).toBe(1);
      expect(started.output()).toContain(`npm start: port ${port} is already in use on 127.0.0.1 (the emulator): stop the other program, or set EMULATOR_PORT`);
      expect(started.output()).not.toMatch(/\n\s+at /);
    } finally {
      await new Promise((resolve) => taken.close(resolve));
    }
  });

  test('a port in use is found before the build: 1, and dist/ is left as it was', async () => {
    const taken: Server = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const port = (taken.address() as AddressInfo).port;
    const built = statSync(DIST_KIT).mtimeMs;
    try {
      const started = run(process.execPath, ['--require', 'tsx/cjs', 'scripts/start.ts', '--data-dir', join(dir, 'prebuild-data')], shell({ ENV_FILE: join(dir, 'prebuild.env'), PORT: '0', EMULATOR_PORT: String(port) }));
      expect((await started.closed).code).toBe(1);
      expect(started.output()).toContain(`npm start: port ${port} is already in use on 127.0.0.1 (the emulator)`);
      expect(started.output()).not.toContain('built dist');
      expect(statSync(DIST_KIT).mtimeMs).toBe(built);
    } finally {
      await new Promise((resolve) => taken.close(resolve));
    }
  });

  test('a bad setting or option: 2, naming it', async () => {
    const badPort = startScript({ PORT: 'three thousand' });
    expect((await badPort.closed).code).toBe(2);
    expect(badPort.output()).toContain('npm start: PORT must be a port number from 0 to 65535');
    const badOption = startScript({ PORT: '0' }, ['--prot', '3000']);
    expect((await badOption.closed).code).toBe(2);
    expect(badOption.output()).toContain("npm start: Unknown option '--prot'");
  });
  test('a kit variable the Functions refuse, in .env.local or the shell: 2 before the build, naming the variable, never its value', async () => {
    const envFile = join(dir, 'bad-config.env');
    writeFileSync(envFile, 'LOCKOUT_THRESHOLD=0\n', { mode: 0o600 });
    const built = statSync(DIST_KIT).mtimeMs;
    const fromFile = run(process.execPath, ['--require', 'tsx/cjs', 'scripts/start.ts', '--data-dir', join(dir, 'bad-config-data')], shell({ PORT: '0', EMULATOR_PORT: '0', ENV_FILE: envFile }));
    expect((await fromFile.closed).code).toBe(2);
    expect(fromFile.output()).toContain('npm start: LOCKOUT_THRESHOLD must be');
    expect(fromFile.output()).not.toContain('built dist');
    expect(statSync(DIST_KIT).mtimeMs).toBe(built);
    const fromShell = startScript({ PORT: '0', EMULATOR_PORT: '0', VERIFY_TIMEOUT_MS: '987654321' });
    expect((await fromShell.closed).code).toBe(2);
    expect(fromShell.output()).toContain('npm start: VERIFY_TIMEOUT_MS must be');
    expect(fromShell.output()).not.toContain('987654321');
  });
});

describe('two stacks on one data folder', () => {
  test('the second npm start is refused before it builds, naming the first; the first keeps serving its enrolled factor, and keeps it on disk', async () => {
    const dataDir = join(dir, 'shared-data');
    const start = (name: string, build: boolean): Run =>
      run(process.execPath, ['--require', 'tsx/cjs', 'scripts/start.ts', ...(build ? [] : ['--no-build']), '--data-dir', dataDir], shell({ PORT: '0', EMULATOR_PORT: '0', ENV_FILE: join(dir, `${name}.env`) }));
    const first = start('shared-first', false);
    const ports = await addressesOf(first);
    const env = readEnvFile(join(dir, 'shared-first.env')).values;
    const verify = (port: number) =>
      createEmulatorTwilioClient(`http://127.0.0.1:${port}`, env.ACCOUNT_SID ?? '', env.AUTH_TOKEN ?? '').verify.v2.services(env.VERIFY_SERVICE_SID ?? '').entities('shared-user-0001');
    const created = await verify(ports.emulator).newFactors.create({ friendlyName: 'phone', factorType: 'totp' });
    const secret = (created.binding as { secret: string }).secret;
    const now = Math.floor(Date.now() / 1000);
    expect((await verify(ports.emulator).factors(created.sid).update({ authPayload: totp(secret, now) })).status).toBe('verified');

    const built = statSync(DIST_KIT).mtimeMs;
    const second = start('shared-second', true);
    expect((await second.closed).code).toBe(1);
    expect(second.output()).toContain(`npm start: ${dataDir} is in use by another emulator (process ${first.child.pid}): stop that one first`);
    expect(statSync(DIST_KIT).mtimeMs).toBe(built);
    // The first one still answers for the factor: the next step's code is approved.
    expect((await verify(ports.emulator).challenges.create({ factorSid: created.sid, authPayload: totp(secret, now + 30) })).status).toBe('approved');
    first.child.kill('SIGTERM');
    await first.closed;

    const third = start('shared-first', false);
    const again = await addressesOf(third);
    try {
      expect((await verify(again.emulator).factors(created.sid).fetch()).status).toBe('verified');
    } finally {
      third.child.kill('SIGTERM');
      await third.closed;
    }
  });
});

describe('npm run token', () => {
  const token = (env: Record<string, string>) => run(process.execPath, ['--require', 'tsx/cjs', 'scripts/token.ts', 'grace'], shell(env));

  test('--help prints the usage and mints nothing; a flag-like user name is refused with 2', async () => {
    const script = (arg: string) => run(process.execPath, ['--require', 'tsx/cjs', 'scripts/token.ts', arg], shell({}));
    const help = script('--help');
    expect((await help.closed).code).toBe(0);
    expect(help.output()).toContain('usage: npm run --silent token -- <user>');
    expect(help.output()).not.toMatch(/eyJ/);
    const flag = script('--verbose');
    expect((await flag.closed).code).toBe(2);
    expect(flag.output()).toContain('usage: npm run --silent token -- <user>');
  });

  test('names the file ENV_FILE points at when it does not exist', async () => {
    const missing = join(dir, 'nowhere.env');
    const started = token({ ENV_FILE: missing });
    expect((await started.closed).code).toBe(1);
    expect(started.output().trim()).toBe(`ENV_FILE names ${missing}, which does not exist`);
  });

  test('signs with the issuer and audience the shell gives the Functions', async () => {
    const started = startNpm('token-policy');
    await addressesOf(started);
    started.child.kill('SIGTERM');
    await started.closed;
    const minted = token({ ENV_FILE: join(dir, 'token-policy.env'), AUTH_ISSUER: 'https://issuer.example/', AUTH_AUDIENCE: 'totp-local' });
    expect((await minted.closed).code).toBe(0);
    expect(decodeJwt(minted.output().trim())).toMatchObject({ sub: 'grace', iss: 'https://issuer.example/', aud: 'totp-local' });
  });
});

describe('npm run reset', () => {
  test('refused while a stack holds the data folder (naming its pid, deleting nothing); after it stops, clears the folder and only the generated variables', async () => {
    const dataDir = join(dir, 'reset-data');
    const envFile = join(dir, 'reset.env');
    writeFileSync(envFile, '# mine\nLOCKOUT_THRESHOLD=7\n', { mode: 0o600 });
    const reset = () => run(process.execPath, ['--require', 'tsx/cjs', 'scripts/reset.ts', '--data-dir', dataDir], shell({ ENV_FILE: envFile }));
    const stack = run(process.execPath, ['--require', 'tsx/cjs', 'scripts/start.ts', '--no-build', '--data-dir', dataDir], shell({ PORT: '0', EMULATOR_PORT: '0', ENV_FILE: envFile }));
    await addressesOf(stack);
    const generated = readFileSync(envFile, 'utf8');
    expect(generated).toContain('IDENTITY_SECRET=');

    const refused = reset();
    expect((await refused.closed).code).toBe(1);
    expect(refused.output()).toContain(`npm run reset: ${dataDir} is in use by a running stack (process ${stack.child.pid}): stop it first`);
    expect(existsSync(dataDir)).toBe(true);
    expect(readFileSync(envFile, 'utf8')).toBe(generated);

    stack.child.kill('SIGTERM');
    await stack.closed;
    const done = reset();
    expect((await done.closed).code).toBe(0);
    expect(existsSync(dataDir)).toBe(false);
    expect(readFileSync(envFile, 'utf8')).toBe('# mine\nLOCKOUT_THRESHOLD=7\n');
  });
});
