// `npm run sign` as a process: the signature is the one the twilio package expects for the stack's AUTH_TOKEN, and the
// curl command it prints gets through the local stack's gateway to /studio/check-code.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import twilio from 'twilio';
import { getExpectedTwilioSignature } from 'twilio/lib/webhooks/webhooks';
import { startFunctionsHarness, type FunctionsHarness } from '../helpers/functions';

const ROOT = join(__dirname, '..', '..');
const SIGN = ['--require', 'tsx/cjs', join(ROOT, 'scripts', 'sign.ts')];

let harness: FunctionsHarness;

beforeAll(async () => {
  harness = await startFunctionsHarness();
});
afterAll(async () => {
  await harness.close();
});

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** A shell with none of the kit's variables but ENV_FILE, as a person with `npm start` running has. */
function run(command: string, args: string[], env: Record<string, string> = { ENV_FILE: harness.envFile }): Promise<Run> {
  return new Promise((resolve) => {
    execFile(command, args, { cwd: ROOT, env: { PATH: process.env.PATH ?? '', ...env }, timeout: 20_000 }, (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : 1, stdout, stderr });
    });
  });
}

const url = (): string => `${harness.url}/studio/check-code`;

test('prints the signature the twilio package expects for the stack’s AUTH_TOKEN', async () => {
  const { code, stdout } = await run(process.execPath, [...SIGN, url(), 'user=+15550400001', 'code=123456']);
  expect(code).toBe(0);
  const fields = { user: '+15550400001', code: '123456' };
  expect(stdout).toBe(`${getExpectedTwilioSignature(harness.env.AUTH_TOKEN ?? '', url(), fields)}\n`);
  expect(twilio.validateRequest(harness.env.AUTH_TOKEN ?? '', stdout.trim(), url(), fields)).toBe(true);
});

test('a name given twice is signed with both values, as Twilio signs a repeated field', async () => {
  const { stdout } = await run(process.execPath, [...SIGN, url(), 'Digits=2', 'Digits=1']);
  expect(stdout.trim()).toBe(getExpectedTwilioSignature(harness.env.AUTH_TOKEN ?? '', url(), { Digits: ['2', '1'] }));
});

test('--curl prints a command that the gateway lets through to the Function', async () => {
  const { stdout } = await run(process.execPath, [...SIGN, '--curl', url(), 'user=+15550400002', "code=12'34"]);
  expect(stdout).toMatch(/^curl -s '[^']+' -H 'X-Twilio-Signature: [A-Za-z0-9+/=]+' --data-urlencode 'user=\+15550400002' --data-urlencode 'code=12'\\''34'\n$/);
  const answered = await run('bash', ['-c', stdout]);
  // The quote survived the shell and the form encoding: the Function saw the code the signature covers.
  expect(JSON.parse(answered.stdout)).toEqual({ status: 'invalid' });
  const unsigned = await run('bash', ['-c', stdout.replace(/-H '[^']*' /, '')]);
  expect(unsigned.stdout).toBe('Unauthorized - you are not authenticated to perform this request');
});

test('the signed address must be the one called: a curl line signed for another port is refused', async () => {
  const other = url().replace(/:(\d+)\//, (_match, port: string) => `:${Number(port) + 1}/`);
  const { stdout } = await run(process.execPath, [...SIGN, '--curl', other, 'user=+15550400003', 'code=123456']);
  const answered = await run('bash', ['-c', stdout.replace(other, url())]);
  expect(answered.stdout).toBe('Unauthorized - you are not authenticated to perform this request');
});

test.each([
  ['no URL', [], /first argument must be the full http\(s\) URL/],
  ['a path instead of a URL', ['/studio/check-code', 'user=x'], /full http\(s\) URL/],
  ['a field that is not name=value', ['http://localhost:3000/studio/check-code', 'user'], /"user" is not name=value/],
  ['an unknown option', ['--jsn', 'http://localhost:3000/x'], /Unknown option/],
] as const)('%s → exit 2 with the usage', async (_name, args, message) => {
  const { code, stderr } = await run(process.execPath, [...SIGN, ...args]);
  expect(code).toBe(2);
  expect(stderr).toMatch(message);
  expect(stderr).toContain('Usage: npm run --silent sign --');
});

test('no env file → exit 1 saying which', async () => {
  const { code, stderr } = await run(process.execPath, [...SIGN, '--env', join(ROOT, 'no-such.env'), url()], {});
  expect(code).toBe(1);
  expect(stderr).toMatch(/no-such\.env does not exist/);
});
