// `npm run support` as a process against the local stack's .env.local: status shows locks and codes left but no
// secret, unlock lets a locked user in at once, reset leaves the user free to enroll afresh, the typed confirmation
// guards reset, and each failure (unknown user, missing variable, Twilio unreachable, bad usage) has its exit code.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Webhook } from 'standardwebhooks';
import { readEnvFile, setEnvVariable } from '../../scripts/env-file';
import { enrollUser, type EnrolledUser } from '../helpers/enrolled';
import { body, errorOf, totp, wrongCode, type FunctionsHarness } from '../helpers/functions';
import { useFunctionsStack } from '../helpers/functions-stack';
import { captureErrorLog } from '../helpers/log-capture';
import { legacyRecoverySet } from '../helpers/recovery-codes';
import { createFactorInVerify, replaceStoredState, storedState as storedStateOf } from '../helpers/state';

const ROOT = join(__dirname, '..', '..');
const TOOL = ['--require', 'tsx/cjs', join(ROOT, 'scripts', 'support', 'main.ts')];

const { harness, clock } = useFunctionsStack({ freshStep: 'test' });
let dir: string;
let users = 0;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'totp-support-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});
/** The Functions' log, in this process: a lock's one line when a test locks a user out, kept out of the output. */
const log = captureErrorLog();

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** A shell with none of the kit's variables: the tool must get them from the env file it is given. */
function shell(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, ...extra };
  if (process.env.TMPDIR !== undefined) env.TMPDIR = process.env.TMPDIR;
  return env;
}

function collect(command: string, args: string[], options: { env: NodeJS.ProcessEnv; input?: string }): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: ROOT, env: options.env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(options.input ?? '');
  });
}

/** `npm run support -- --env <the stack's .env.local> <args>`, stdin a pipe (not a terminal). */
function support(args: string[], options: { envFile?: string; env?: Record<string, string> } = {}): Promise<Run> {
  return collect(process.execPath, [...TOOL, '--env', options.envFile ?? harness.envFile, ...args], { env: shell(options.env) });
}

function quoted(word: string): string {
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

/**
 * The tool on a terminal, as an operator runs it: util-linux `script` gives it a pseudo-terminal and types `typed`
 * into it (-e: script exits with the tool's exit code). Its output arrives as the terminal shows it, both streams mixed.
 */
function supportOnTerminal(args: string[], typed: string): Promise<Run> {
  const command = [process.execPath, ...TOOL, '--env', harness.envFile, ...args].map(quoted).join(' ');
  return collect('script', ['-qefc', command, '/dev/null'], { env: shell(), input: typed });
}

function json(run: Run): Record<string, unknown> {
  try {
    return JSON.parse(run.stdout) as Record<string, unknown>;
  } catch {
    throw new Error(`expected JSON on stdout, got (exit ${run.code}):\n${run.stdout}\n${run.stderr}`);
  }
}

async function enroll(user = `support-user-${(users += 1)}`): Promise<EnrolledUser> {
  const enrolled = await enrollUser(harness, clock, user, { label: 'Work phone' });
  expect(enrolled.recoveryCodes).toHaveLength(10);
  return enrolled;
}

/** Five wrong codes (LOCKOUT_THRESHOLD's default) lock the web channel; the fifth answers 429. */
async function lockOut(enrolled: EnrolledUser): Promise<void> {
  for (let i = 0; i < 5; i += 1) {
    await harness.post('/create-challenge', { code: wrongCode(enrolled.secret, clock.now) }, { token: enrolled.token });
  }
  const refused = await harness.post('/create-challenge', { code: totp(enrolled.secret, clock.now) }, { token: enrolled.token });
  expect(refused.status).toBe(429);
  expect(errorOf(refused).code).toBe('locked');
  expect(log.lines).toContainEqual(expect.stringContaining("create-challenge: lockout: a user's web channel is locked for 60 s"));
}

async function signIn(enrolled: EnrolledUser): ReturnType<FunctionsHarness['post']> {
  return harness.post('/create-challenge', { code: totp(enrolled.secret, clock.now) }, { token: enrolled.token });
}

async function activityTypes(enrolled: EnrolledUser): Promise<Array<{ type: unknown; channel: unknown }>> {
  const events = body(await harness.post('/list-activity', {}, { token: enrolled.token })).events as Array<Record<string, unknown>>;
  return events.map(({ type, channel }) => ({ type, channel }));
}

/** The user's state document as the emulator's Sync holds it (read over its API, as Twilio's Console would). */
async function storedState(identity: string): Promise<{ status: number; text: string }> {
  const basic = Buffer.from(`${harness.env.ACCOUNT_SID}:${harness.env.AUTH_TOKEN}`).toString('base64');
  const answer = await fetch(`${harness.stack.emulatorUrl}/v1/Services/${harness.env.SYNC_SERVICE_SID}/Documents/totp-user-${identity}`, {
    headers: { authorization: `Basic ${basic}` },
  });
  return { status: answer.status, text: await answer.text() };
}

/** An env file like the stack's with `changes` applied (a value of null removes the variable). */
function envFileWith(name: string, changes: Record<string, string | null>): string {
  const { text } = readEnvFile(harness.envFile);
  let changed = text;
  for (const [variable, value] of Object.entries(changes)) {
    changed = value === null ? changed.replace(new RegExp(`^${variable}=.*\\n?`, 'm'), '') : setEnvVariable(changed, variable, value);
  }
  const path = join(dir, name);
  writeFileSync(path, changed);
  return path;
}

describe('status', () => {
  test('shows the factor, the lock with its end and the codes left, and never the secret, a code or a hash', async () => {
    // Two hours behind this machine: the lock is measured on the stack's clock, as its Functions measure it.
    await clock.advance(-7200);
    const enrolled = await enroll();
    expect((await harness.post('/use-recovery-code', { code: enrolled.recoveryCodes[0] }, { token: enrolled.token })).status).toBe(200);
    await lockOut(enrolled);

    const human = await support(['status', enrolled.user]);
    const machine = await support(['status', enrolled.user, '--json']);
    expect(human.code).toBe(0);
    expect(machine.code).toBe(0);
    const lockedUntil = new Date((clock.now + 60) * 1000).toISOString();
    expect(human.stdout).toContain(enrolled.factorSid);
    expect(human.stdout).toContain('"Work phone"  verified');
    expect(human.stdout).toMatch(new RegExp(`web +LOCKED until ${lockedUntil} \\(1 min left\\)`));
    expect(human.stdout).toMatch(/studio +not locked/);
    expect(human.stdout).toContain('Recovery codes left: 9');
    expect(human.stdout).toContain('lock.started');

    const status = json(machine);
    expect(status).toMatchObject({
      user: enrolled.user,
      identity: harness.identityOf(enrolled.user),
      state: 'kept',
      factors: [{ sid: enrolled.factorSid, label: 'Work phone', status: 'verified', createdAt: expect.any(String) }],
      locks: {
        web: { locked: true, lockedUntil, remainingSeconds: 60, consecutiveFailures: 0, failuresLast24h: 5, lockLevel: 1 },
        studio: { locked: false, lockedUntil: null, remainingSeconds: 0, consecutiveFailures: 0 },
      },
      recoveryCodesLeft: 9,
      recoveryCodesOutdated: false,
    });
    expect(human.stdout).not.toContain('OLD FORMAT');
    const activity = status.activity as Array<{ type: string }>;
    expect(activity[0]?.type).toBe('lock.started');
    expect(activity.length).toBeLessThanOrEqual(10);

    // Nothing from which the user could be impersonated: the binding secret, a recovery code (as shown or typed
    // without its dash), or the salt and hashes the state keeps.
    const stored = JSON.parse((await storedState(harness.identityOf(enrolled.user))).text) as {
      data: { recovery: { codes: Array<{ salt: string; hash: string }> } };
    };
    const kept = stored.data.recovery.codes.flatMap((code) => [code.salt, code.hash]);
    const secrets = [enrolled.secret, ...enrolled.recoveryCodes, ...enrolled.recoveryCodes.map((code) => code.replace(/-/g, '')), ...kept];
    for (const output of [human.stdout, human.stderr, machine.stdout, machine.stderr]) {
      for (const secret of secrets) expect(output.toUpperCase()).not.toContain(secret.toUpperCase());
    }
  }, 60_000);

  test('a set of the format issued before is said to be old, with what the user should do', async () => {
    const enrolled = await enroll();
    const legacy = legacyRecoverySet(harness.env.IDENTITY_SECRET ?? '');
    const current = await storedStateOf(harness, enrolled.user);
    await replaceStoredState(harness, enrolled.user, { ...current?.data, recovery: legacy.stored });
    const human = await support(['status', enrolled.user]);
    expect(human.stdout).toContain('Recovery codes left: 10\n  OLD FORMAT: 50-bit codes issued before the 75-bit format');
    expect(human.stdout).toContain('generate a new set on the page');
    expect(json(await support(['status', enrolled.user, '--json']))).toMatchObject({ recoveryCodesLeft: 10, recoveryCodesOutdated: true });
    for (const secret of [...legacy.codes, legacy.stored.salt, ...legacy.stored.hashes]) expect(human.stdout.toUpperCase()).not.toContain(secret.toUpperCase());
  });
});

describe('labels and user ids that would spoof the terminal (issue 24.6)', () => {
  test('status prints bidirectional controls and other invisible characters escaped, in text and in --json', async () => {
    const user = `support-spoof-${(users += 1)}`;
    // Made in Verify directly: the Functions refuse such a label now, but a factor made before (or elsewhere) keeps it.
    const sid = await createFactorInVerify(harness, user, 'Work phone\u202E\u2066gnp.exe\u200B\u0085');
    const human = await support(['status', user]);
    expect(human.code).toBe(0);
    expect(human.stdout).toContain(`${sid}  "Work phone\\u202E\\u2066gnp.exe\\u200B\\u0085"  unverified`);
    const machine = await support(['status', user, '--json']);
    for (const output of [human.stdout, machine.stdout]) expect(output).not.toMatch(/[\u202E\u2066\u200B\u0085]/);
    expect((json(machine).factors as Array<{ label: string }>)[0]?.label).toBe('Work phone\u202E\u2066gnp.exe\u200B\u0085');
  });
});

describe('unlock', () => {
  test('lets a user locked out by wrong codes sign in again at once, and says so in their activity', async () => {
    const enrolled = await enroll();
    await lockOut(enrolled);

    const unlocked = await support(['unlock', enrolled.user]);
    expect(unlocked.code).toBe(0);
    expect(unlocked.stdout).toMatch(/web +lifted the lock \(was locked until/);
    expect(unlocked.stdout).toMatch(/studio +was not locked/);

    const approved = await signIn(enrolled);
    expect(approved.status).toBe(200);
    expect(body(approved).status).toBe('approved');
    expect(await activityTypes(enrolled)).toContainEqual({ type: 'support.unlock', channel: 'support' });
  }, 60_000);

  test('--channel studio leaves the web lock in place', async () => {
    const enrolled = await enroll();
    await lockOut(enrolled);
    const run = await support(['unlock', enrolled.user, '--channel', 'studio', '--json']);
    expect(run.code).toBe(0);
    expect(json(run).channels).toEqual([{ channel: 'studio', wasLocked: false, wasCapped: false, lockedUntil: null, consecutiveFailures: 0 }]);
    expect((await signIn(enrolled)).status).toBe(429);
  }, 60_000);

  test('sends its event to the host webhook, signed, with the host user id', async () => {
    const secret = `whsec_${randomBytes(32).toString('base64')}`;
    const deliveries: Array<{ headers: IncomingHttpHeaders; body: string }> = [];
    const receiver: Server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        deliveries.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    try {
      const enrolled = await enroll();
      const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`;
      const run = await support(['unlock', enrolled.user, '--json'], { env: { EVENTS_WEBHOOK_URL: url, EVENTS_WEBHOOK_SECRET: secret } });
      expect(run.code).toBe(0);
      expect(deliveries).toHaveLength(1);
      const delivered = new Webhook(secret).verify(deliveries[0]?.body ?? '', deliveries[0]?.headers as Record<string, string>);
      expect(delivered).toEqual({ ...(json(run).event as object), sub: enrolled.user });
      expect(delivered).toMatchObject({ type: 'support.unlock', channel: 'support', outcome: 'all' });
    } finally {
      await new Promise((resolve) => receiver.close(resolve));
    }
  }, 60_000);
});

describe('forget-devices', () => {
  test('status lists the trusted devices without their tokens; forget-devices ends them, and their next sign-in needs a code', async () => {
    const enrolled = await enroll();
    const trusted = await harness.post(
      '/create-challenge',
      { code: totp(enrolled.secret, clock.now), rememberDevice: true, deviceLabel: 'Home PC' },
      { token: enrolled.token, headers: { 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0' } },
    );
    const grant = body(trusted).trustedDevice as { deviceId: string; deviceToken: string };
    await clock.nextStep();

    const human = await support(['status', enrolled.user]);
    expect(human.stdout).toMatch(new RegExp(`Trusted devices \\(1, newest first; .*\\n  ${grant.deviceId}  "Home PC"  Firefox on Linux  trusted `));
    const machine = json(await support(['status', enrolled.user, '--json']));
    expect(machine.trustedDevices).toEqual([expect.objectContaining({ deviceId: grant.deviceId, label: 'Home PC', browser: 'Firefox', platform: 'Linux' })]);
    for (const output of [human.stdout, JSON.stringify(machine)]) expect(output).not.toContain(grant.deviceToken);

    const forgot = await support(['forget-devices', enrolled.user]);
    expect(forgot.code).toBe(0);
    expect(forgot.stdout).toContain('forgot 1 trusted device; their next sign-in asks for a code');
    const refused = await harness.post('/check-device', { deviceToken: grant.deviceToken }, { token: enrolled.token });
    expect([refused.status, errorOf(refused).code]).toEqual([403, 'device_not_trusted']);
    const events = body(await harness.post('/list-activity', {}, { token: enrolled.token })).events as Array<Record<string, unknown>>;
    expect(events).toContainEqual(expect.objectContaining({ type: 'device.forgotten', channel: 'support', outcome: 'support', detail: { devices: 1 } }));
    expect((await support(['status', enrolled.user])).stdout).toContain('Trusted devices: none');
    expect((await support(['forget-devices', enrolled.user])).stdout).toContain('no trusted device: nothing to forget');
  }, 60_000);
});

describe('reset', () => {
  test('--yes removes the factor, the codes and the lock: the user enrolls afresh and the old codes fail', async () => {
    const enrolled = await enroll();
    await lockOut(enrolled);
    expect(errorOf(await harness.post('/create-factor', {}, { token: enrolled.token })).code).toBe('already_enrolled');

    const run = await support(['reset', enrolled.user, '--yes', '--json']);
    expect(run.code).toBe(0);
    expect(json(run)).toMatchObject({
      user: enrolled.user,
      removed: { factors: [{ sid: enrolled.factorSid, status: 'verified' }], recoveryCodes: 10, locks: ['web'], unreadableState: false },
      event: { type: 'support.reset', channel: 'support', detail: { factorsRemoved: 1, recoveryCodesRemoved: 10 } },
    });
    expect(body(await harness.post('/list-factors', {}, { token: enrolled.token }))).toMatchObject({ factors: [], recoveryCodesLeft: 0 });
    // A recovery code signs in without any factor: the reset must have ended the old set itself.
    const unenrolled = await harness.post('/use-recovery-code', { code: enrolled.recoveryCodes[1] }, { token: enrolled.token });
    expect(unenrolled.status).toBe(403);
    expect(errorOf(unenrolled).code).toBe('invalid_code');

    const created = await harness.post('/create-factor', { label: 'New phone' }, { token: enrolled.token });
    expect(created.status).toBe(201);
    const { factorSid, secret } = body(created) as { factorSid: string; secret: string };
    const verified = await harness.post('/verify-factor', { factorSid, code: totp(secret, clock.now) }, { token: enrolled.token });
    const newCodes = body(verified).recoveryCodes as string[];
    expect(newCodes).toHaveLength(10);
    const old = await harness.post('/use-recovery-code', { code: enrolled.recoveryCodes[0] }, { token: enrolled.token });
    expect(old.status).toBe(403);
    expect(errorOf(old).code).toBe('invalid_code');
    expect((await harness.post('/use-recovery-code', { code: newCodes[0] }, { token: enrolled.token })).status).toBe(200);
    expect(await activityTypes(enrolled)).toContainEqual({ type: 'support.reset', channel: 'support' });
  }, 60_000);

  test('on a terminal, asks for the user id: the wrong text removes nothing, the right one resets', async () => {
    const enrolled = await enroll();

    const refused = await supportOnTerminal(['reset', enrolled.user], `${enrolled.user}x\n`);
    expect(refused.code).toBe(5);
    expect(refused.stdout).toContain(`This removes, for user "${enrolled.user}"`);
    expect(refused.stdout).toContain('not confirmed: nothing was removed');
    expect(body(await harness.post('/list-factors', {}, { token: enrolled.token }))).toMatchObject({
      factors: [{ factorSid: enrolled.factorSid }],
      recoveryCodesLeft: 10,
    });

    const confirmed = await supportOnTerminal(['reset', enrolled.user], `${enrolled.user}\n`);
    expect(confirmed.code).toBe(0);
    expect(confirmed.stdout).toContain(`removed 1 factor`);
    expect(body(await harness.post('/list-factors', {}, { token: enrolled.token }))).toMatchObject({ factors: [], recoveryCodesLeft: 0 });
  }, 60_000);

  test('without a terminal and without --yes, refuses to ask and removes nothing', async () => {
    const enrolled = await enroll();
    const run = await support(['reset', enrolled.user]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('Pass --yes');
    expect(body(await harness.post('/list-factors', {}, { token: enrolled.token }))).toMatchObject({ recoveryCodesLeft: 10 });
  }, 60_000);
});

describe('a state document the kit did not write', () => {
  test('status says so, unlock refuses it (exit 1), and reset replaces it so the user can enroll', async () => {
    const user = `support-user-${(users += 1)}`;
    const token = await harness.token(user);
    const basic = Buffer.from(`${harness.env.ACCOUNT_SID}:${harness.env.AUTH_TOKEN}`).toString('base64');
    const written = await fetch(`${harness.stack.emulatorUrl}/v1/Services/${harness.env.SYNC_SERVICE_SID}/Documents`, {
      method: 'POST',
      headers: { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ UniqueName: `totp-user-${harness.identityOf(user)}`, Data: JSON.stringify({ someone: 'else' }) }),
    });
    expect(written.status).toBe(201);
    // The Functions fail closed on it.
    expect((await harness.post('/create-factor', {}, { token })).status).toBe(503);

    const status = await support(['status', user, '--json']);
    expect(status.code).toBe(0);
    expect(json(status)).toMatchObject({ state: 'unreadable', factors: [] });
    const unlock = await support(['unlock', user, '--json']);
    expect(unlock.code).toBe(1);
    expect(json(unlock)).toEqual({ error: { code: 'unreadable_state', message: expect.stringContaining('`reset` replaces it') } });

    const reset = await support(['reset', user, '--yes', '--json']);
    expect(reset.code).toBe(0);
    expect(json(reset)).toMatchObject({ removed: { factors: [], unreadableState: true } });
    expect((await harness.post('/create-factor', {}, { token })).status).toBe(201);
  }, 60_000);
});

describe('failures and their exit codes', () => {
  test('an unknown user is exit 3 for every command, and nothing is written for them', async () => {
    const user = 'nobody-ever-enrolled';
    for (const args of [['status', user], ['unlock', user], ['reset', user, '--yes']]) {
      const run = await support([...args, '--json']);
      expect(run.code).toBe(3);
      expect(run.stderr).toContain(`no factors and no state for user "${user}"`);
      expect(json(run)).toEqual({ error: { code: 'unknown_user', message: expect.any(String) } });
    }
    expect((await storedState(harness.identityOf(user))).status).toBe(404);
  }, 60_000);

  test('a missing variable is exit 2 and named; so is a Verify service this account does not have', async () => {
    const enrolled = await enroll();
    const noSecret = await support(['status', enrolled.user], { envFile: envFileWith('no-secret.env', { IDENTITY_SECRET: null }) });
    expect(noSecret.code).toBe(2);
    expect(noSecret.stderr).toContain('IDENTITY_SECRET is not set');

    const noFile = await support(['status', enrolled.user], { envFile: join(dir, 'missing.env') });
    expect(noFile.code).toBe(2);
    expect(noFile.stderr).toContain('missing.env does not exist');

    const otherService = envFileWith('other-service.env', { VERIFY_SERVICE_SID: `VA${'0'.repeat(32)}` });
    const wrongService = await support(['status', enrolled.user], { envFile: otherService });
    expect(wrongService.code).toBe(2);
    expect(wrongService.stderr).toContain('check VERIFY_SERVICE_SID');
  }, 60_000);

  test('Twilio unreachable is exit 4: the emulator down, or Sync dropping the connection', async () => {
    const enrolled = await enroll();
    // A port that was free a moment ago: nothing answers there.
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const down = await support(['status', enrolled.user], { envFile: envFileWith('down.env', { EMULATOR_URL: `http://127.0.0.1:${port}` }) });
    expect(down.code).toBe(4);
    expect(down.stderr).toContain('ECONNREFUSED');

    await harness.fault({ match: { path: '/Documents/' }, drop: true, count: 1 });
    try {
      const dropped = await support(['unlock', enrolled.user, '--json']);
      expect(dropped.code).toBe(4);
      expect(json(dropped)).toEqual({ error: { code: 'twilio_unreachable', message: expect.stringContaining('Sync') } });
    } finally {
      await harness.clearFaults();
    }
  }, 60_000);

  test('bad usage is exit 2 with a pointer to --help; --help itself is exit 0', async () => {
    for (const args of [[], ['wipe', 'alice'], ['status'], ['status', 'alice', 'bob'], ['status', 'alice', '--yes'], ['unlock', 'alice', '--channel', 'sms'], ['status', 'alice', '--force']]) {
      const run = await support(args);
      expect({ args, code: run.code }).toEqual({ args, code: 2 });
      expect(run.stderr).toContain('npm run support -- --help');
    }
    const help = await support(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Exit codes: 0 done');
  }, 60_000);
});
