// docs/integrate.md's Node `checkApproval`, run as written against a plain `npm start` (a process, a fresh env file):
// the stack signs with ES256 and /approval-keys as a deployment does, with the printed address as the issuer; an
// env file that already chose HS256 keeps it, and one with both signing variables is refused at start.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { readEnvFile } from '../../scripts/env-file';
import { mintCallerToken } from '../../scripts/token';
import { totp } from '../helpers/functions';
import { fencedBlocks } from './examples';

const ROOT = join(__dirname, '..', '..');
const DOC = 'docs/integrate.md';
// Real processes that start the stack on a busy machine: a safety net for a hang, not a speed check.
jest.setTimeout(90_000);

let dir: string;
const started: ChildProcess[] = [];

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'totp-integrate-start-'));
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
  const blocks = fencedBlocks(readFileSync(join(ROOT, DOC), 'utf8'), DOC).filter((block) => block.words[0] === 'js' && block.words.includes('verify-approval'));
  writeFileSync(join(dir, 'approval.mjs'), blocks[0]?.code ?? '');
  writeFileSync(
    join(dir, 'run.mjs'),
    `import { checkApproval } from './approval.mjs';
const [approval, userId, nonce] = process.argv.slice(2);
try { process.stdout.write(JSON.stringify({ ok: await checkApproval(approval, { userId, nonce }) })); }
catch (error) { process.stdout.write(JSON.stringify({ error: error.code ?? error.message })); }`,
  );
});
afterEach(() => {
  for (const child of started.splice(0)) if (child.pid !== undefined) try { process.kill(-child.pid, 'SIGKILL'); } catch { /* gone */ }
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Start {
  child: ChildProcess;
  output: () => string;
  closed: Promise<number | null>;
}

function npmStart(name: string): Start {
  const env: NodeJS.ProcessEnv = { ...process.env, PORT: '0', EMULATOR_PORT: '0', ENV_FILE: join(dir, `${name}.env`) };
  for (const variable of ['HOST', 'VERIFY_EMULATOR_PORT', 'APPROVAL_ISSUER', 'APPROVAL_SIGNING_SECRET', 'APPROVAL_SIGNING_KEY']) delete env[variable];
  const child = spawn(process.execPath, ['--require', 'tsx/cjs', 'scripts/start.ts', '--no-build', '--data-dir', join(dir, `${name}-data`)], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  started.push(child);
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return { child, output: () => output, closed: once(child, 'close').then(([code]) => code as number | null) };
}

/** The page address `npm start` prints, once it has. */
async function printedAddress(start: Start): Promise<string> {
  return new Promise((resolve, reject) => {
    const check = (): void => {
      const match = /Functions on (http:\/\/localhost:\d+)\//.exec(start.output());
      if (match?.[1]) resolve(match[1]);
    };
    start.child.stdout?.on('data', check);
    void start.closed.then(() => reject(new Error(`npm start ended:\n${start.output()}`)));
  });
}

/** Enrolls `user` and spends a recovery code with `nonce`: an approval the page would hand the backend. */
async function approvalFrom(page: string, env: Record<string, string>, user: string, nonce: string, callerToken?: string): Promise<string> {
  const api = page.replace('//localhost:', '//127.0.0.1:');
  const token = callerToken ?? (await mintCallerToken(env, user));
  const post = async (path: string, body: unknown): Promise<Record<string, unknown>> => {
    const response = await fetch(`${api}${path}`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return (await response.json()) as Record<string, unknown>;
  };
  const { factorSid, secret } = (await post('/create-factor', {})) as { factorSid: string; secret: string };
  const verified = (await post('/verify-factor', { factorSid, code: totp(secret, Math.floor(Date.now() / 1000)) })) as { status: string; recoveryCodes: string[] };
  expect(verified.status).toBe('verified');
  const answer = await post('/use-recovery-code', { code: verified.recoveryCodes[0], nonce });
  expect(answer.status).toBe('approved');
  return String(answer.approval);
}

async function checkAsWritten(snippetEnv: Record<string, string>, approval: string, userId: string, nonce: string): Promise<unknown> {
  const { stdout } = await promisify(execFile)(process.execPath, [join(dir, 'run.mjs'), approval, userId, nonce], { cwd: dir, env: { PATH: process.env.PATH ?? '', ...snippetEnv }, timeout: 60_000 });
  return JSON.parse(stdout) as unknown;
}

test('a plain npm start: ES256 with /approval-keys, issued by the printed address; the guide check passes with TOTP_KIT_URL set to it', async () => {
  const start = npmStart('fresh');
  const page = await printedAddress(start);
  const env = readEnvFile(join(dir, 'fresh.env')).values;
  expect(env.APPROVAL_SIGNING_KEY).toMatch(/^\{.*"crv":"P-256".*\}$/);
  expect(env.APPROVAL_SIGNING_SECRET).toBeUndefined();
  expect((await fetch(`${page.replace('//localhost:', '//127.0.0.1:')}/approval-keys`)).status).toBe(200);
  const approval = await approvalFrom(page, env, 'ada', 'nonce-ada');
  expect(await checkAsWritten({ TOTP_KIT_URL: page }, approval, 'ada', 'nonce-ada')).toEqual({ ok: { userId: 'ada', method: 'recovery_code' } });
  // The issuer is what was printed: the loopback IP the runtime listens on is another issuer.
  expect(await checkAsWritten({ TOTP_KIT_URL: page.replace('//localhost:', '//127.0.0.1:') }, approval, 'ada', 'nonce-ada')).toEqual({ error: 'ERR_JWT_CLAIM_VALIDATION_FAILED' });
  start.child.kill('SIGTERM');
  expect(await start.closed).toBe(0);
});

test('an env file that chose HS256 keeps it (the guide check with the secret passes); one with both signing variables stops npm start with 2', async () => {
  const hs = join(dir, 'hs256.env');
  writeFileSync(hs, `APPROVAL_SIGNING_SECRET=${'s'.repeat(40)}\n`, { mode: 0o600 });
  const start = npmStart('hs256');
  const page = await printedAddress(start);
  const env = readEnvFile(hs).values;
  expect(env.APPROVAL_SIGNING_KEY).toBeUndefined();
  const approval = await approvalFrom(page, env, 'bob', 'nonce-bob');
  expect(await checkAsWritten({ TOTP_KIT_URL: page, APPROVAL_SIGNING_SECRET: 's'.repeat(40) }, approval, 'bob', 'nonce-bob')).toEqual({ ok: { userId: 'bob', method: 'recovery_code' } });
  start.child.kill('SIGTERM');
  await start.closed;

  writeFileSync(join(dir, 'both.env'), `APPROVAL_SIGNING_SECRET=${'s'.repeat(40)}\nAPPROVAL_SIGNING_KEY=${env.AUTH_JWT_SECRET ?? ''}\n`, { mode: 0o600 });
  const both = npmStart('both');
  expect(await both.closed).toBe(2);
  expect(both.output()).toContain('npm start: APPROVAL_SIGNING_SECRET and APPROVAL_SIGNING_KEY are both set; set exactly one');
});

test("examples/approval.mjs is the guide's snippet, as written", () => {
  expect(readFileSync(join(ROOT, 'examples', 'approval.mjs'), 'utf8').trimEnd()).toBe(readFileSync(join(dir, 'approval.mjs'), 'utf8').trimEnd());
});

test('the sample host backend (examples/host-backend.mjs) against npm start: its caller token enrolls, its approval check signs in once; a remembered device signs in from its HttpOnly cookie until forgotten', async () => {
  const start = npmStart('backend');
  const page = await printedAddress(start);
  const env = readEnvFile(join(dir, 'backend.env')).values;
  const backend = spawn(process.execPath, ['examples/host-backend.mjs'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', TOTP_KIT_URL: page, AUTH_JWT_SECRET: env.AUTH_JWT_SECRET ?? '', BACKEND_PORT: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  started.push(backend);
  const url = await new Promise<string>((resolve, reject) => {
    let output = '';
    backend.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /host backend on (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
      if (match?.[1]) resolve(match[1]);
    });
    backend.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    backend.once('close', () => reject(new Error(`the backend ended:\n${output}`)));
  });
  const post = async (path: string, body: unknown): Promise<{ status: number; body: Record<string, unknown> }> => {
    const response = await fetch(`${url}${path}`, { method: 'POST', body: JSON.stringify(body) });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  const signIn = (await post('/password-step', { userId: 'grace' })).body as { session: string; callerToken: string; nonce: string };
  const approval = await approvalFrom(page, env, 'grace', signIn.nonce, signIn.callerToken);
  expect(await post('/mfa-complete', { session: 'another-session', approval })).toEqual({ status: 403, body: { error: 'no pending sign-in' } });
  expect(await post('/mfa-complete', { session: signIn.session, approval })).toEqual({ status: 200, body: { signedIn: true, userId: 'grace', method: 'recovery_code' } });
  expect((await post('/mfa-complete', { session: signIn.session, approval })).status).toBe(403);

  // Trusted devices: the token goes into an HttpOnly cookie, and the next password step signs in with it, no code.
  const cookiePost = async (path: string, body: unknown, cookie?: string): Promise<{ status: number; body: Record<string, unknown>; setCookie: string | null }> => {
    const response = await fetch(`${url}${path}`, { method: 'POST', body: JSON.stringify(body), headers: cookie === undefined ? {} : { cookie } });
    return { status: response.status, body: (await response.json()) as Record<string, unknown>, setCookie: response.headers.get('set-cookie') };
  };
  const first = (await cookiePost('/password-step', { userId: 'hedy' })).body as { session: string; callerToken: string; nonce: string };
  const kit = async (path: string, body: unknown): Promise<Record<string, unknown>> => {
    const response = await fetch(`${page.replace('//localhost:', '//127.0.0.1:')}${path}`, { method: 'POST', headers: { authorization: `Bearer ${first.callerToken}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return (await response.json()) as Record<string, unknown>;
  };
  const { factorSid, secret } = (await kit('/create-factor', {})) as { factorSid: string; secret: string };
  const { recoveryCodes } = (await kit('/verify-factor', { factorSid, code: totp(secret, Math.floor(Date.now() / 1000)) })) as { recoveryCodes: string[] };
  const trusted = (await kit('/use-recovery-code', { code: recoveryCodes[0], nonce: first.nonce, rememberDevice: true })) as { approval: string; trustedDevice: { deviceToken: string } };
  const completed = await cookiePost('/mfa-complete', { session: first.session, approval: trusted.approval, deviceToken: trusted.trustedDevice.deviceToken });
  expect(completed.status).toBe(200);
  expect(completed.setCookie).toBe(`__Host-trusted-device=${trusted.trustedDevice.deviceToken}; Path=/; Max-Age=2592000; HttpOnly; Secure; SameSite=Strict`);
  const cookie = `__Host-trusted-device=${trusted.trustedDevice.deviceToken}`;
  const again = await cookiePost('/password-step', { userId: 'hedy' }, cookie);
  expect(again.body).toEqual({ session: expect.any(String), signedIn: true, userId: 'hedy', method: 'trusted_device', deviceTrustedAt: expect.any(Number) });
  expect(again.setCookie).toBeNull();
  // Forgotten (here from the kit; a logout-everywhere would do it too): the cookie is cleared and a code is asked for.
  expect(await kit('/forget-device', { all: true })).toEqual({ forgotten: 1 });
  const refused = await cookiePost('/password-step', { userId: 'hedy' }, cookie);
  expect(refused.body).toEqual({ session: expect.any(String), callerToken: expect.any(String), nonce: expect.any(String) });
  expect(refused.setCookie).toBe('__Host-trusted-device=; Path=/; Max-Age=0; HttpOnly; Secure; SameSite=Strict');
  // Without "Remember this device", the sign-in sets no cookie.
  const plain = (await kit('/use-recovery-code', { code: recoveryCodes[1], nonce: (refused.body as { nonce: string }).nonce })) as { approval: string };
  const noCookie = await cookiePost('/mfa-complete', { session: (refused.body as { session: string }).session, approval: plain.approval });
  expect([noCookie.status, noCookie.setCookie]).toEqual([200, null]);
  start.child.kill('SIGTERM');
  await start.closed;
});
