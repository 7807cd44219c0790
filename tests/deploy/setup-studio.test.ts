// npm run setup after a deploy publishes the kit's Studio flow with the deployment's SIDs and Function URL, and a
// second run updates the same Flow as a new revision; before any deploy it publishes nothing.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setupVerifyService } from '../../scripts/setup';
import { startEmulator, type TestEmulator } from '../helpers/emulator';

let emulator: TestEmulator;
let dir: string;
let envFile: string;

beforeAll(async () => {
  emulator = await startEmulator();
});
afterAll(() => emulator.close());
beforeEach(async () => {
  await emulator.reset();
  dir = mkdtempSync(join(tmpdir(), 'totp-setup-studio-'));
  envFile = join(dir, '.env');
  writeFileSync(envFile, `ACCOUNT_SID=${emulator.accountSid}\nAUTH_TOKEN=${emulator.authToken}\nAUTH_JWT_SECRET=a-caller-token-secret-of-at-least-32-chars\n`);
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const setup = () => setupVerifyService({ envFile, environment: { EMULATOR_URL: emulator.url } });

test('before a deploy no flow is published', async () => {
  expect((await setup()).voiceFlow).toBeUndefined();
  expect(await emulator.client.studio.v2.flows.list()).toEqual([]);
});

test('after a deploy the flow is published with the SIDs and URL filled in, and again as a new revision of the same Flow', async () => {
  const serverless = emulator.client.serverless.v1;
  const service = await serverless.services.create({ uniqueName: 'totp-functions', friendlyName: 'totp-functions' });
  const fn = await serverless.services(service.sid).functions.create({ friendlyName: '/studio/check-code' });
  const environment = await serverless.services(service.sid).environments.create({ uniqueName: 'dev-environment', domainSuffix: 'dev' });

  const first = await setup();
  expect(first.voiceFlow).toMatchObject({ action: 'created', revision: 1, webhookUrl: expect.stringMatching(/^https:\/\/webhooks\.twilio\.com\/v1\/Accounts\/AC[0-9a-f]{32}\/Flows\/FW[0-9a-f]{32}$/) });
  const flow = await emulator.client.studio.v2.flows(first.voiceFlow?.sid ?? '').fetch();
  expect(flow).toMatchObject({ friendlyName: 'totp-voice-check', status: 'published', valid: true });
  const check = (flow.definition as { states: Array<{ name: string; properties: Record<string, unknown> }> }).states.find((state) => state.name === 'check_code');
  expect(check?.properties).toMatchObject({
    service_sid: service.sid,
    environment_sid: environment.sid,
    function_sid: fn.sid,
    url: `https://${environment.domainName}/studio/check-code`,
  });
  // No placeholder is left anywhere in the published definition.
  expect(JSON.stringify(flow.definition)).not.toMatch(/REPLACE/);

  const second = await setup();
  expect(second.voiceFlow).toMatchObject({ sid: flow.sid, action: 'updated', revision: 2 });
  expect((await emulator.client.studio.v2.flows.list()).map((one) => one.sid)).toEqual([flow.sid]);
});
