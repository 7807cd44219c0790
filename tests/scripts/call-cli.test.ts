// `npm run call` against one local stack: the flow the stack published at start (the shipped one, calling the
// real /studio/check-code Function); the CLI prints the conversation and the end state.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import twilio from 'twilio';
import { createEmulatorHttpClient } from '../../emulator/client/http-client';
import { enrollUser, type EnrolledUser } from '../helpers/enrolled';
import { totp, wrongCode } from '../helpers/functions';
import { useFunctionsStack } from '../helpers/functions-stack';
import { publishLocalVoiceFlow } from '../../scripts/local-service';
import { shippedFlowCalling } from '../emulator/studio/shipped-flow';

const ROOT = join(__dirname, '..', '..');
const CALL = ['--require', 'tsx/cjs', join('scripts', 'call.ts')];
const { harness, clock } = useFunctionsStack();
let enrolled: EnrolledUser;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function call(args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [...CALL, ...args], { cwd: ROOT, env: { PATH: process.env.PATH ?? '', ENV_FILE: harness.envFile }, timeout: 30_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

beforeAll(async () => {
  enrolled = await enrollUser(harness, clock, '+15550100');
});

test('the stack published the shipped flow calling its own check-code Function, and a second publish is a new revision of it', async () => {
  const client = twilio(harness.env.ACCOUNT_SID, harness.env.AUTH_TOKEN, { httpClient: createEmulatorHttpClient({ emulatorUrl: harness.stack.emulatorUrl }) });
  const published = await client.studio.v2.flows(harness.stack.voiceFlow.sid).fetch();
  expect(published).toMatchObject({ friendlyName: 'totp-voice-check', status: 'published', valid: true });
  expect(published.definition).toEqual(shippedFlowCalling(`${harness.url}/studio/check-code`));
  const again = await publishLocalVoiceFlow(harness.env, harness.stack.emulatorUrl, harness.url);
  expect(again).toMatchObject({ sid: published.sid, revision: published.revision + 1, action: 'updated' });
  expect((await client.studio.v2.flows.list()).map((flow) => flow.sid)).toEqual([published.sid]);
});

test('the right code keyed in: the CLI prints the prompt, the keys, the approved message and the end state', async () => {
  const run = await call(['+15550100', '--digits', `${totp(enrolled.secret, clock.now)}#`]);
  expect([run.code, run.stderr]).toEqual([0, '']);
  const lines = run.stdout.trimEnd().split('\n');
  expect(lines[0]).toMatch(/^Flow: Please enter the six digit code/);
  expect(lines[1]).toMatch(/^Caller: presses \d{6}#$/);
  expect(lines).toContain('Flow: Thank you. Your code is correct and you are verified.');
  expect(lines.at(-1)).toMatch(/^End: execution FN[0-9a-f]{32} ended \(completed\) at say_approved$/);
});

test('a wrong code: the CLI prints the retry prompt; digits for several gathers are played in order', async () => {
  await clock.nextStep();
  const wrong = wrongCode(enrolled.secret, clock.now);
  const run = await call(['+15550100', '--digits', `${wrong}#`, '--timeout']);
  expect(run.code).toBe(0);
  const lines = run.stdout.trimEnd().split('\n');
  // The wrong code, the retry branch asking again, then the second part (silence) answering that second gather.
  expect(lines.slice(0, 5)).toEqual([
    expect.stringMatching(/^Flow: Please enter the six digit code/),
    `Caller: presses ${wrong}#`,
    'Flow: Sorry, that code did not match.',
    expect.stringMatching(/^Flow: Please enter the six digit code/),
    'Caller: (silence)',
  ]);
});

test('usage errors exit 2 and a refused call exits 1, each with one line saying why', async () => {
  expect((await call([])).code).toBe(2);
  const refused = await call(['not-a-number']);
  expect(refused.code).toBe(1);
  expect(refused.stderr).toMatch(/^npm run call: the emulator refused the call: from must be the caller's number/);
});
