// The deploy rehearsal (npm run rehearse): the real twilio-run deploy of this project, through the rehearsal proxy,
// to the emulator's Serverless product, and the environment then served from what was uploaded. One rehearsal for the
// whole suite (it is slow), a second one where a second deploy is the point. Needs a fresh build (globalSetup builds).
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { promisify } from 'node:util';
import twilio from 'twilio';
import { createTotpClient } from '../../assets/totp-client';
import { readEnvValues } from '../../scripts/local-env';
import { mintCallerToken } from '../../scripts/token';
import { GATEWAY_REFUSAL } from '../../emulator/core/gateway-signature';
import { examplesIn, PRELUDE } from '../docs/examples';
import { expectWireCompatible } from '../emulator/wire';
import { ROOT, startRehearsalStand, type DeployOutput, type RehearsalStand } from '../helpers/rehearsal';
import { totpAt } from '../helpers/totp';
import type { RehearsalResult } from '../../scripts/rehearsal/rehearse';
import { launchChromium } from '../browser/support/chromium';
import { expectAnnouncement, scanQrCode, setupRegion, startSetUp, STATE_TIMEOUT_MS, submitCheckCode, verifyAndSaveCodes } from '../browser/support/person';
import { codeAt } from '../browser/support/totp';

const run = promisify(execFile);
/** The kit's variables a deploy uploads from the rehearsal's env file: setup's, and the caller-token secret. */
const KIT_VARIABLES = ['APPROVAL_SIGNING_KEY', 'AUTH_JWT_SECRET', 'IDENTITY_SECRET', 'RECOVERY_CODE_SECRET', 'SYNC_SERVICE_SID', 'VERIFY_SERVICE_SID'];

let stand: RehearsalStand;
let workDir: string;
let first: RehearsalResult & { output?: DeployOutput };
let output: DeployOutput;
let base: string;
let env: Record<string, string>;

function listFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => (statSync(join(dir, name)).isDirectory() ? listFiles(join(dir, name)) : [join(dir, name)]));
}

beforeAll(async () => {
  stand = await startRehearsalStand();
  workDir = stand.workDir();
  first = await stand.rehearse(ROOT, workDir);
  if (first.output === undefined) throw new Error(`the rehearsal failed (${first.exitCode}): ${first.stderr}\n${stand.lines.join('\n')}`);
  output = first.output;
  base = `http://${output.domain}`;
  env = readEnvValues(first.envFile);
}, 120_000);
afterAll(() => stand.close());

const serverless = () => stand.emulator.client.serverless.v1;
const service = () => serverless().services(output.serviceSid);

test('the real deploy went through the proxy only and printed the addresses as twilio-run prints them, https on the environment\'s domain', () => {
  expect(first.exitCode).toBe(0);
  expect(first.proxied).toBeGreaterThan(0);
  expect(first.refusedHosts).toEqual([]);
  expect(output.domain).toMatch(/^localhost:\d+$/);
  expect(first.deployed).toEqual({ serviceSid: output.serviceSid, buildSid: output.buildSid, environmentSid: output.environmentSid, domainName: output.domain });
  expect(output.functions.find((fn) => fn.path === '/create-factor')?.url).toBe(`https://${output.domain}/create-factor`);
});

test('the build holds exactly the Functions the build made, with their visibility, and exactly dist/assets, all public', async () => {
  const build = await service().builds(output.buildSid).fetch();
  const functions = (build.functionVersions as Array<{ path: string; visibility: string }>).map(({ path, visibility }) => [path, visibility]).sort();
  const sources = listFiles(join(ROOT, 'functions')).map((file) => {
    const route = `/${relative(join(ROOT, 'functions'), file).split(sep).join('/')}`;
    return [route.replace(/(\.protected)?\.ts$/, ''), route.includes('.protected.') ? 'PROTECTED' : 'PUBLIC'];
  });
  expect(functions).toEqual([...sources, ['/kit', 'PRIVATE']].sort());
  const assets = (build.assetVersions as Array<{ path: string; visibility: string }>).map(({ path, visibility }) => [path, visibility]).sort();
  const built = listFiles(join(ROOT, 'dist', 'assets')).map((file) => [`/${relative(join(ROOT, 'dist', 'assets'), file).split(sep).join('/')}`, 'PUBLIC']);
  expect(assets).toEqual(built.sort());
  expect(assets.map(([path]) => path)).not.toContain('/totp-client.d.ts');
});

test('each uploaded Function is the built file, byte for byte', async () => {
  const build = await service().builds(output.buildSid).fetch();
  for (const version of build.functionVersions as Array<{ sid: string; function_sid: string; path: string }>) {
    const content = await service().functions(version.function_sid).functionVersions(version.sid).functionVersionContent().fetch();
    const file = version.path === '/kit' ? 'kit.private.js' : version.path === '/studio/check-code' ? 'studio/check-code.protected.js' : `${version.path.slice(1)}.js`;
    expect([version.path, content.content === readFileSync(join(ROOT, 'dist', 'functions', file), 'utf8')]).toEqual([version.path, true]);
  }
});

test("the build names package.json's dependencies, exactly, and .twilioserverlessrc's runtime", async () => {
  const build = await service().builds(output.buildSid).fetch();
  const dependencies = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string> }).dependencies;
  expect(build.dependencies).toEqual(Object.entries(dependencies).map(([name, version]) => ({ name, version })));
  expect([build.runtime, output.runtime]).toEqual(['node22', 'node22']);
});

test("the environment's variables are the kit's, as the rehearsal's env file holds them: no local-only one, no credential", async () => {
  const variables = await service().environments(output.environmentSid).variables.list();
  expect(variables.map((variable) => variable.key).sort()).toEqual(KIT_VARIABLES);
  for (const variable of variables) expect([variable.key, variable.value]).toEqual([variable.key, env[variable.key]]);
  expect(env.ACCOUNT_SID).toBe(stand.emulator.accountSid);
  // The service carries the credentials instead (IncludeCredentials), as twilio-run creates it.
  expect((await service().fetch()).includeCredentials).toBe(true);
});

test('the deployed environment enrolls, verifies and checks a code end to end, through the client module', async () => {
  const token = await mintCallerToken(env, 'ada-rehearsed');
  const client = createTotpClient({ baseUrl: base, getToken: () => token });
  const enrolled = await client.enroll({ label: 'Rehearsal phone' });
  expect(enrolled.status).toBe('unverified');
  const now = Date.now();
  const confirmed = await client.confirm({ factorSid: enrolled.factorSid, code: totpAt(enrolled.secret, now) });
  expect(confirmed.status).toBe('verified');
  // The next time step's code: Verify accepts one step either side, and a step only once.
  const checked = await client.check({ code: totpAt(enrolled.secret, now + 30_000) });
  expect(checked.status).toBe('approved');
  expect((await client.listFactors()).factors.map((factor) => factor.status)).toEqual(['verified']);
});

test('the page on the rehearsed address: a person opened with a caller token sets up an authenticator and passes a check', async () => {
  const browser = await launchChromium();
  try {
    const page = await (await browser.newContext()).newPage();
    // As a host application hands it over once deployed: the token in the fragment (docs/deploy.md, section 4).
    await page.goto(`${base}/index.html#token=${await mintCallerToken(env, 'grace-rehearsed')}`);
    await setupRegion(page).waitFor({ timeout: STATE_TIMEOUT_MS });
    await startSetUp(page, 'grace@example.com');
    const account = await scanQrCode(page);
    const now = Date.now();
    expect((await verifyAndSaveCodes(page, codeAt(account, now))).length).toBe(10);
    await expectAnnouncement(page, () => submitCheckCode(page, codeAt(account, now + 30_000)), /Approved/);
  } finally {
    await browser.close();
  }
}, 120_000);

describe('the protected Function behind the gateway', () => {
  const form = { user: '+15550100', code: '123456' };
  const post = (headers: Record<string, string>) =>
    fetch(`${base}/studio/check-code`, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...headers }, body: new URLSearchParams(form).toString() });

  test('refuses an unsigned request and a wrongly signed one as Twilio does, and answers a correctly signed one', async () => {
    const unsigned = await post({});
    expect([unsigned.status, await unsigned.text()]).toEqual([GATEWAY_REFUSAL.status, GATEWAY_REFUSAL.body]);
    const wrongKey = await post({ 'X-Twilio-Signature': twilio.getExpectedTwilioSignature('another-auth-token', `${base}/studio/check-code`, form) });
    expect([wrongKey.status, await wrongKey.text()]).toEqual([GATEWAY_REFUSAL.status, GATEWAY_REFUSAL.body]);
    // Signed as Twilio signs, by the twilio package's own helper, with the account's auth token.
    const signed = await post({ 'X-Twilio-Signature': twilio.getExpectedTwilioSignature(stand.emulator.authToken, `${base}/studio/check-code`, form) });
    expect([signed.status, await signed.json()]).toEqual([200, { status: 'not_enrolled' }]);
  });
});

test('the private kit bundle is not reachable by URL, its path answering as a missing one, but every stub loads it', async () => {
  const answer = async (path: string, method: string) => {
    const response = await fetch(`${base}${path}`, { method });
    return [response.status, response.headers.get('content-type'), await response.text()];
  };
  const missing = await answer('/no-such-route', 'GET');
  expect(missing[0]).toBe(404);
  for (const path of ['/kit', '/kit.js', '/kit.private.js', '/functions/kit.js']) {
    for (const method of ['GET', 'POST']) expect([path, method, await answer(path, method)]).toEqual([path, method, missing]);
  }
  expect((await fetch(`${base}/approval-keys`)).status).toBe(200);
});

test("unknown paths and OPTIONS get the runtime's own answers", async () => {
  const unknown = await fetch(`${base}/no-such-route`);
  expect([unknown.status, await unknown.text()]).toEqual([404, 'Could not find requested resource']);
  const preflight = await fetch(`${base}/create-factor`, { method: 'OPTIONS', headers: { Origin: 'https://app.example.com', 'Access-Control-Request-Method': 'POST' } });
  expect([preflight.status, preflight.headers.get('access-control-allow-origin')]).toEqual([204, '*']);
  // A preflight carries no signature: the protected Function's is the runtime's to answer too.
  const protectedPreflight = await fetch(`${base}/studio/check-code`, { method: 'OPTIONS' });
  expect(protectedPreflight.status).toBe(204);
  // The private kit answers no preflight either: its path is a missing one.
  expect((await fetch(`${base}/kit`, { method: 'OPTIONS' })).status).toBe(404);
});

test("the environment's Logs hold what the deployed Functions printed, with the Function that printed it", async () => {
  const token = await mintCallerToken(env, 'logged-user');
  // A set-up that starts is a security event: the kit prints it as one line.
  const started = await fetch(`${base}/create-factor`, { method: 'POST', headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' }, body: '{}' });
  expect(started.status).toBe(201);
  const fn = (await service().functions.list()).find((listed) => listed.friendlyName === '/create-factor');
  const logs = await service().environments(output.environmentSid).logs.list({ functionSid: fn?.sid });
  expect(logs.length).toBeGreaterThan(0);
  expect(logs[0]).toMatchObject({ functionSid: fn?.sid, buildSid: output.buildSid, level: 'info', message: expect.stringMatching(/^\[totp-functions\] \{/) });
  // Lines never carry the caller's token.
  expect(logs.every((log) => !log.message.includes(token))).toBe(true);
});

test("the README's curl examples work against the rehearsed address", async () => {
  const examples = examplesIn(join(ROOT, 'README.md'), 'README.md').filter((example) => example.kind === 'script' && /localhost:3000\/(create-factor|studio)/.test(example.code) && !example.code.includes('support'));
  expect(examples.length).toBe(2);
  for (const example of examples) {
    const script = PRELUDE + example.code.replace(/localhost:3000/g, output.domain);
    const { stdout } = await run('bash', ['-c', script], { cwd: ROOT, env: { ...process.env, ENV_FILE: first.envFile } });
    expect([example.where, stdout]).toEqual([example.where, expect.stringMatching(/"(factorSid|status)"/)]);
  }
});

test('a second rehearsal updates the same service and environment, at the same address, and the environment keeps answering', async () => {
  const second = await stand.rehearse(ROOT, workDir);
  expect(second.exitCode).toBe(0);
  expect(second.output).toMatchObject({ serviceSid: output.serviceSid, environmentSid: output.environmentSid, domain: output.domain });
  expect(second.output?.buildSid).not.toBe(output.buildSid);
  expect((await serverless().services.list()).map((listed) => listed.sid)).toEqual([output.serviceSid]);
  expect((await service().environments.list()).map((listed) => listed.sid)).toEqual([output.environmentSid]);
  expect((await service().environments(output.environmentSid).fetch()).buildSid).toBe(second.output?.buildSid);
  expect((await service().environments(output.environmentSid).variables.list()).map((variable) => variable.key).sort()).toEqual(KIT_VARIABLES);
  // No new Function resources: every path is found again by friendly name, with a new Version each.
  expect((await service().functions.list()).length).toBe(output.functions.length);
  expect((await fetch(`${base}/approval-keys`)).status).toBe(200);
}, 120_000);

test("every Serverless answer the suite's twilio client got validates against twilio_serverless_v1.json", () => {
  expect(stand.emulator.exchanges.filter((exchange) => exchange.host === 'serverless.twilio.com').length).toBeGreaterThan(10);
  expect(expectWireCompatible(stand.emulator.exchanges)).toBeGreaterThan(10);
});
