// What the deploy rehearsal catches before a real deploy would, on a small fixture project: a Function that needs a
// dev-only package (it works locally, and fails once deployed, where only dependencies are installed), a handler
// version Twilio refuses (the deploy prints Twilio's own refusal), and a build that cannot be made (the rehearsal says
// why; twilio-run cannot); and what a deployed Function's environment holds, and private assets.
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startRehearsalStand, type RehearsalStand } from '../helpers/rehearsal';

const FIXTURE = join(__dirname, 'fixtures', 'dev-dependency');

let stand: RehearsalStand;

beforeAll(async () => {
  stand = await startRehearsalStand();
}, 60_000);
afterAll(() => stand.close());

/**
 * A copy of the fixture named `name` (a new service: a deploy without its cache to a taken name is refused, as on
 * Twilio) whose package.json `change` edits, in a fresh directory.
 */
function fixtureWith(name: string, change: (manifest: { dependencies: Record<string, string> }) => void): string {
  const dir = stand.workDir();
  const project = join(dir, 'project-source');
  cpSync(FIXTURE, project, { recursive: true });
  const manifest = JSON.parse(readFileSync(join(project, 'package.json'), 'utf8')) as { name: string; dependencies: Record<string, string> };
  manifest.name = name;
  change(manifest);
  writeFileSync(join(project, 'package.json'), JSON.stringify(manifest, null, 2));
  return project;
}

test('a Function that needs a dev-only package fails once deployed, while one that needs a dependency answers; the Functions see only their environment (and TWILIO_REGION is left out)', async () => {
  // Locally the package is there: the repository's node_modules has it, whatever the fixture's package.json says.
  expect(() => require.resolve('jose', { paths: [join(FIXTURE, 'functions')] })).not.toThrow();
  const workDir = stand.workDir();
  // A shell set up for another Twilio region: the rehearsal's deploy must not follow it to serverless.<edge>.<region>.
  process.env.TWILIO_REGION = 'ie1';
  process.env.TWILIO_EDGE = 'dublin';
  let result: Awaited<ReturnType<RehearsalStand['rehearse']>>;
  try {
    result = await stand.rehearse(FIXTURE, workDir);
  } finally {
    delete process.env.TWILIO_REGION;
    delete process.env.TWILIO_EDGE;
  }
  expect([result.exitCode, result.refusedHosts]).toEqual([0, []]);
  const base = `http://${result.output?.domain ?? ''}`;
  const fine = await fetch(`${base}/uses-dependency`);
  expect([fine.status, await fine.json()]).toEqual([200, { loaded: 'function' }]);
  const broken = await fetch(`${base}/needs-dev-dependency`, { headers: { 'User-Agent': 'rehearsal-test' } });
  expect(broken.status).toBe(500);
  expect(await broken.text()).toContain("Cannot find module 'jose'");
  // The private asset is laid out where Runtime.getAssets() finds it, and answers over HTTP as a missing path does.
  const reads = await fetch(`${base}/reads-private-asset`);
  expect([reads.status, await reads.json()]).toEqual([200, { notes: expect.stringContaining('private notes of the fixture') }]);
  const direct = await fetch(`${base}/notes.txt`);
  const missing = await fetch(`${base}/no-such-file.txt`);
  expect([direct.status, await direct.text()]).toEqual([missing.status, await missing.text()]);
  // Only the environment's variables, and what the runtime adds; ACCOUNT_SID and AUTH_TOKEN as the service includes
  // credentials (twilio-run creates it so).
  const uploaded = (await stand.emulator.client.serverless.v1.services(result.output?.serviceSid ?? '').environments(result.output?.environmentSid ?? '').variables.list()).map((variable) => variable.key);
  const seen = (await (await fetch(`${base}/environment`)).json()) as { context: string[]; process: string[]; DOMAIN_NAME: string; SERVICE_SID: string; ENVIRONMENT_SID: string };
  expect(seen.context).toEqual([...uploaded, 'ACCOUNT_SID', 'AUTH_TOKEN', 'DOMAIN_NAME', 'ENVIRONMENT_SID', 'PATH', 'SERVICE_SID'].sort());
  expect(seen).toMatchObject({ DOMAIN_NAME: result.output?.domain, SERVICE_SID: result.output?.serviceSid, ENVIRONMENT_SID: result.output?.environmentSid });
  // The process has nothing of this machine's environment: the variables, and how its twilio client reaches the emulator.
  expect(seen.process).toEqual([...uploaded, 'ACCOUNT_SID', 'AUTH_TOKEN', 'HTTP_PROXY', 'NODE_EXTRA_CA_CERTS'].sort());

  // A service that does not include credentials: the next deployment's Functions get no ACCOUNT_SID or AUTH_TOKEN.
  await stand.emulator.client.serverless.v1.services(result.output?.serviceSid ?? '').update({ includeCredentials: false });
  const again = await stand.rehearse(FIXTURE, workDir);
  expect(again.exitCode).toBe(0);
  const without = (await (await fetch(`${base}/environment`)).json()) as { context: string[]; process: string[] };
  expect(without.context).not.toContain('AUTH_TOKEN');
  expect(without.context).not.toContain('ACCOUNT_SID');
  expect(without.process).not.toContain('AUTH_TOKEN');
}, 120_000);

test("a handler version Twilio refuses stops the deploy with Twilio's own 400/20001 message, printed by twilio-run", async () => {
  const project = fixtureWith('rehearsal-refused-handler', (manifest) => {
    manifest.dependencies['@twilio/runtime-handler'] = '2.0.3';
  });
  const result = await stand.rehearse(project, stand.workDir());
  expect(result.exitCode).toBe(1);
  // twilio-run wraps its lines to the terminal's width, in a │ box.
  const printed = (result.stdout + result.stderr).replace(/\s*│\s*|\s+/g, ' ');
  expect(printed).toContain('Failed API Request 20001');
  expect(printed).toContain('No matching version found for @twilio/runtime-handler@2.0.3');
  expect(result.failedBuild).toBeUndefined();
}, 120_000);

test('a build that cannot be made fails the deploy; twilio-run prints `undefined`, the rehearsal the reason', async () => {
  const project = fixtureWith('rehearsal-missing-version', (manifest) => {
    manifest.dependencies.twilio = '6.1.0';
  });
  const result = await stand.rehearse(project, stand.workDir());
  expect(result.exitCode).toBe(1);
  // The library rejects with the string 'failed', so twilio-run's error has no message (serverless-toolkit issue 390).
  expect(result.stdout + result.stderr).toMatch(/ERROR[\s\S]*undefined/);
  expect(result.failedBuild?.reason).toBe('twilio@6.1.0 is asked for, but 6.2.0 is installed in this project');
  expect(stand.lines).toContainEqual(expect.stringContaining(`build ${result.failedBuild?.sid ?? '?'} failed: twilio@6.1.0`));
}, 120_000);
