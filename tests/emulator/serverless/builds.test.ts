// Serverless Functions, Assets, their Versions (the multipart upload on the upload host), Builds with Twilio's
// refusals and their building → completed | failed status on the emulator's clock, and Deployments; bodies checked
// against twilio_serverless_v1.json (the uploads, which it has no operation for, against its Version schemas).
import { startEmulator, type TestEmulator } from '../../helpers/emulator';
import { expectMatchesComponent, expectTwilioErrorEnvelope, expectWireCompatible } from '../wire';
import { API_HOST, formBody, hostRequest, KIT_DEPENDENCIES, refusalOf, serviceWithFiles, upload, uploaded, UPLOAD_HOST } from './fixtures';

let emulator: TestEmulator;

beforeAll(async () => {
  emulator = await startEmulator({ switches: { serverlessBuildSeconds: 10 } });
});
afterAll(() => emulator.close());
beforeEach(async () => {
  await emulator.reset();
  emulator.exchanges.length = 0;
});
afterEach(() => {
  expectWireCompatible(emulator.exchanges);
});

const serverless = () => emulator.client.serverless.v1;
const T0 = Date.parse('2030-01-01T00:00:00Z');

/** POST /Builds as serverless-api writes it: repeated keys, Dependencies as JSON wrapped in one more pair of quotes. */
function createBuild(serviceSid: string, fields: Record<string, string | readonly string[]>) {
  return hostRequest(emulator, API_HOST, 'POST', `/v1/Services/${serviceSid}/Builds`, formBody(fields));
}

function quoted(dependencies: unknown): string {
  return `"${JSON.stringify(dependencies)}"`;
}

async function statusOf(serviceSid: string, buildSid: string): Promise<string> {
  return (await serverless().services(serviceSid).builds(buildSid).buildStatus().fetch()).status;
}

test('an uploaded Function Version keeps its path, visibility and content; the upload answers a Function Version', async () => {
  const service = await serverless().services.create({ uniqueName: 'uploads', friendlyName: 'x' });
  const fn = await serverless().services(service.sid).functions.create({ friendlyName: '/studio/check-code' });
  expect(fn.sid).toMatch(/^ZH[0-9a-f]{32}$/);
  const code = 'exports.handler = (context, event, callback) => callback(null, { ok: true });';
  const answer = await upload(emulator, 'Functions', service.sid, fn.sid, { path: 'studio/check-code', visibility: 'protected', content: code });
  expect(answer.status).toBe(201);
  expectMatchesComponent('twilio_serverless_v1', 'serverless.v1.service.function.function_version', answer.body);
  const version = answer.body as { sid: string; path: string; visibility: string; url: string };
  // A missing leading slash is added (the FunctionVersion docs); the URL names the API host, not the upload host.
  expect(version).toMatchObject({ path: '/studio/check-code', visibility: 'protected', url: `https://${API_HOST}/v1/Services/${service.sid}/Functions/${fn.sid}/Versions/${version.sid}` });
  const versions = serverless().services(service.sid).functions(fn.sid).functionVersions;
  expect((await versions.list()).map((listed) => listed.sid)).toEqual([version.sid]);
  expect((await versions(version.sid).fetch()).visibility).toBe('protected');
  expect((await versions(version.sid).functionVersionContent().fetch()).content).toBe(code);
});

test('an Asset Version keeps its bytes, also binary ones; Assets list as twilio-run finds them, by friendly name', async () => {
  const service = await serverless().services.create({ uniqueName: 'assets', friendlyName: 'x' });
  const asset = await serverless().services(service.sid).assets.create({ friendlyName: '/favicon.png' });
  const bytes = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0xff, 0xfe, 0x2d, 0x2d]);
  const answer = await upload(emulator, 'Assets', service.sid, asset.sid, { path: '/favicon.png', visibility: 'public', content: bytes, contentType: 'image/png' });
  expect(answer.status).toBe(201);
  expectMatchesComponent('twilio_serverless_v1', 'serverless.v1.service.asset.asset_version', answer.body);
  expect((await serverless().services(service.sid).assets.list()).map((listed) => listed.friendlyName)).toEqual(['/favicon.png']);
  const versions = await serverless().services(service.sid).assets(asset.sid).assetVersions.list();
  expect(versions.map((version) => [version.path, version.visibility])).toEqual([['/favicon.png', 'public']]);
});

test('uploads go to the upload host only, need Path, Visibility and Content, and a Visibility Twilio knows', async () => {
  const service = await serverless().services.create({ uniqueName: 'upload-refusals', friendlyName: 'x' });
  const fn = await serverless().services(service.sid).functions.create({ friendlyName: '/x' });
  const parts = { path: '/x', visibility: 'public', content: 'exports.handler = () => {};' };
  // On the API host the Versions path only lists.
  const onApiHost = await upload(emulator, 'Functions', service.sid, fn.sid, parts, API_HOST);
  expect(onApiHost).toEqual({ status: 405, body: expect.objectContaining({ code: 20004 }) });
  const odd = await upload(emulator, 'Functions', service.sid, fn.sid, { ...parts, visibility: 'secret' });
  expect(odd).toEqual({ status: 400, body: expect.objectContaining({ code: 20001, message: 'Invalid parameter: Visibility' }) });
  const notMultipart = await hostRequest(emulator, UPLOAD_HOST, 'POST', `/v1/Services/${service.sid}/Functions/${fn.sid}/Versions`, formBody({ Path: '/x', Visibility: 'public', Content: 'x' }));
  expect(notMultipart).toEqual({ status: 400, body: expect.objectContaining({ code: 20001, message: 'The upload could not be read: the upload must be multipart/form-data' }) });
  for (const answer of [onApiHost, odd, notMultipart]) expectTwilioErrorEnvelope(answer.status, answer.body);
  expect(await serverless().services(service.sid).functions(fn.sid).functionVersions.list()).toEqual([]);
});

test('an asset over 25 MB is 413 on the upload host; 25 MB exactly is taken', async () => {
  const service = await serverless().services.create({ uniqueName: 'big-assets', friendlyName: 'x' });
  const asset = await serverless().services(service.sid).assets.create({ friendlyName: '/hold.mp3' });
  const limit = 25 * 1024 * 1024;
  const over = await upload(emulator, 'Assets', service.sid, asset.sid, { path: '/hold.mp3', visibility: 'public', content: Buffer.alloc(limit + 1, 1), contentType: 'audio/mpeg' });
  expect(over).toEqual({ status: 413, body: expect.objectContaining({ code: 20413, status: 413 }) });
  const exactly = await upload(emulator, 'Assets', service.sid, asset.sid, { path: '/hold.mp3', visibility: 'public', content: Buffer.alloc(limit, 1), contentType: 'audio/mpeg' });
  expect(exactly.status).toBe(201);
});

test('a build is `building`, then `completed` once its build time has passed on the emulator clock; the deploy then takes it', async () => {
  await emulator.setClock(T0);
  const files = await serviceWithFiles(emulator);
  const created = await createBuild(files.serviceSid, {
    FunctionVersions: [files.functionVersionSid],
    AssetVersions: [files.assetVersionSid],
    Dependencies: quoted(KIT_DEPENDENCIES),
    Runtime: 'node22',
    FriendlyName: 'an unknown field, ignored',
  });
  expect(created.status).toBe(201);
  const build = created.body as { sid: string; status: string; runtime: string; dependencies: unknown; function_versions: Array<{ sid: string; path: string; visibility: string }> };
  expect(build).toMatchObject({ status: 'building', runtime: 'node22', dependencies: KIT_DEPENDENCIES });
  expect(build.function_versions).toEqual([expect.objectContaining({ sid: files.functionVersionSid, path: '/hello', visibility: 'PUBLIC' })]);
  const environment = await serverless().services(files.serviceSid).environments.create({ uniqueName: 'dev-environment', domainSuffix: 'dev' });
  expect(await statusOf(files.serviceSid, build.sid)).toBe('building');
  expect(await refusalOf(serverless().services(files.serviceSid).environments(environment.sid).deployments.create({ buildSid: build.sid }))).toMatchObject({
    status: 400,
    code: 20001,
    message: `Build ${build.sid} is building; only a completed Build can be deployed`,
  });
  await emulator.advance(10);
  expect(await statusOf(files.serviceSid, build.sid)).toBe('completed');
  const fetched = await serverless().services(files.serviceSid).builds(build.sid).fetch();
  expect(fetched).toMatchObject({ status: 'completed', runtime: 'node22' });
  const deployment = await serverless().services(files.serviceSid).environments(environment.sid).deployments.create({ buildSid: build.sid });
  expect(deployment).toMatchObject({ buildSid: build.sid, environmentSid: environment.sid });
  expect((await serverless().services(files.serviceSid).environments(environment.sid).fetch()).buildSid).toBe(build.sid);
  expect((await serverless().services(files.serviceSid).environments(environment.sid).deployments.list()).map((listed) => listed.sid)).toEqual([deployment.sid]);
  expect((await serverless().services(files.serviceSid).builds.list()).map((listed) => listed.sid)).toEqual([build.sid]);
});

test('Dependencies are read plain, quoted as serverless-api sends them, or absent; anything else is refused', async () => {
  const files = await serviceWithFiles(emulator);
  const plain = await createBuild(files.serviceSid, { FunctionVersions: [files.functionVersionSid], Dependencies: JSON.stringify(KIT_DEPENDENCIES) });
  expect((plain.body as { dependencies: unknown }).dependencies).toEqual(KIT_DEPENDENCIES);
  const none = await createBuild(files.serviceSid, { AssetVersions: [files.assetVersionSid] });
  expect(none.status).toBe(201);
  expect((none.body as { dependencies: unknown }).dependencies).toEqual([]);
  for (const bad of ['{"name":"twilio"}', '[{"name":"twilio"}]', 'not json', '"[1,2]"']) {
    expect(await createBuild(files.serviceSid, { FunctionVersions: [files.functionVersionSid], Dependencies: bad })).toEqual({
      status: 400,
      body: expect.objectContaining({ code: 20001, message: 'Invalid parameter: Dependencies' }),
    });
  }
});

test("Twilio's build refusals, with its observed 400/20001 messages", async () => {
  const files = await serviceWithFiles(emulator);
  const versions = { FunctionVersions: [files.functionVersionSid] };
  const refusal = async (fields: Record<string, string | readonly string[]>) => {
    const answer = await createBuild(files.serviceSid, fields);
    expectTwilioErrorEnvelope(answer.status, answer.body);
    return { status: answer.status, code: (answer.body as { code: number }).code, message: (answer.body as { message: string }).message };
  };
  expect(await refusal({ Dependencies: quoted(KIT_DEPENDENCIES), Runtime: 'node22' })).toEqual({
    status: 400,
    code: 20001,
    message: 'At least one Function Version or Asset Version is required for Build',
  });
  for (const version of ['2.0.3', '2.1.0', '^2.0.1', '0.9.0']) {
    expect(await refusal({ ...versions, Dependencies: quoted([{ name: '@twilio/runtime-handler', version }]) })).toEqual({
      status: 400,
      code: 20001,
      message: `Some dependencies could not be validated. No matching version found for @twilio/runtime-handler@${version}. You can find the valid versions at https://www.twilio.com/docs/serverless/functions-assets/handler`,
    });
  }
  for (const runtime of ['node18', 'node10', 'deno']) {
    expect(await refusal({ ...versions, Runtime: runtime })).toEqual({ status: 400, code: 20001, message: `unsupported runtime: ${runtime}` });
  }
  expect(await refusal({ FunctionVersions: [`ZN${'0'.repeat(32)}`] })).toMatchObject({ status: 400, code: 20001 });
  // A Function Version named as an Asset Version is not one.
  expect(await refusal({ AssetVersions: [files.functionVersionSid] })).toMatchObject({ status: 400, code: 20001 });
  expect(await serverless().services(files.serviceSid).builds.list()).toEqual([]);
});

test('every accepted handler version and runtime builds; with none given, node22 and then the last completed runtime', async () => {
  const files = await serviceWithFiles(emulator);
  const versions = { FunctionVersions: [files.functionVersionSid] };
  for (const version of ['2.1.2', '2.0.1', '2.0.0', '1.3.1', '1.2.0', '1.0.1']) {
    expect((await createBuild(files.serviceSid, { ...versions, Dependencies: quoted([{ name: '@twilio/runtime-handler', version }]) })).status).toBe(201);
  }
  const defaulted = await createBuild(files.serviceSid, versions);
  expect((defaulted.body as { runtime: string }).runtime).toBe('node22');
  const node20 = (await createBuild(files.serviceSid, { ...versions, Runtime: 'node20' })).body as { sid: string };
  await emulator.advance(10);
  expect(await statusOf(files.serviceSid, node20.sid)).toBe('completed');
  expect(((await createBuild(files.serviceSid, versions)).body as { runtime: string }).runtime).toBe('node20');
});

test('node24 builds with handler 1.2.0 and later, and fails (no code: the build, not the request) with an older one', async () => {
  await emulator.setClock(T0);
  const files = await serviceWithFiles(emulator);
  const build = async (version: string) =>
    ((await createBuild(files.serviceSid, { FunctionVersions: [files.functionVersionSid], Runtime: 'node24', Dependencies: quoted([{ name: '@twilio/runtime-handler', version }]) })).body as { sid: string; status: string; runtime: string });
  const upgraded = await build('1.2.0');
  const tooOld = await build('1.1.3');
  expect([upgraded.status, tooOld.status, tooOld.runtime]).toEqual(['building', 'building', 'node24']);
  await emulator.advance(10);
  expect(await statusOf(files.serviceSid, upgraded.sid)).toBe('completed');
  expect(await statusOf(files.serviceSid, tooOld.sid)).toBe('failed');
  const control = await fetch(`${emulator.url}/__emulator/serverless/builds`, { headers: { authorization: `Basic ${Buffer.from(`${emulator.accountSid}:${emulator.authToken}`).toString('base64')}` } });
  const { builds } = (await control.json()) as { builds: Array<{ sid: string; status: string; failure_reason: string | null }> };
  expect(builds.find((listed) => listed.sid === tooOld.sid)).toEqual(expect.objectContaining({ status: 'failed', failure_reason: expect.stringContaining('1.1.3 is older') }));
  expect(builds.find((listed) => listed.sid === upgraded.sid)?.failure_reason).toBeNull();
});

test('the documented 82007 for an unsupported runtime, behind its switch', async () => {
  const other = await startEmulator({ switches: { serverlessDocumentedRuntimeError: true } });
  try {
    const files = await serviceWithFiles(other);
    const answer = await hostRequest(other, API_HOST, 'POST', `/v1/Services/${files.serviceSid}/Builds`, formBody({ FunctionVersions: [files.functionVersionSid], Runtime: 'node18' }));
    expect(answer).toEqual({ status: 400, body: { code: 82007, message: 'Unsupported Runtime', more_info: 'https://www.twilio.com/docs/errors/82007', status: 400 } });
  } finally {
    await other.close();
  }
});

describe('the per-build limits (50 Function Versions, 50 private and 1000 public or protected Asset Versions)', () => {
  async function versionsOf(serviceSid: string, kind: 'Functions' | 'Assets', visibility: string, count: number): Promise<string[]> {
    const resources = serverless().services(serviceSid);
    const resource = kind === 'Functions' ? await resources.functions.create({ friendlyName: '/many' }) : await resources.assets.create({ friendlyName: '/many.txt' });
    const sids: string[] = [];
    for (let index = 0; index < count; index++) sids.push(await uploaded(emulator, kind, serviceSid, resource.sid, { path: kind === 'Functions' ? `/many-${index}` : `/many-${index}.txt`, visibility, content: 'x' }));
    return sids;
  }

  test('51 Function Versions or 51 private Asset Versions are refused; 50 of each build', async () => {
    const service = await serverless().services.create({ uniqueName: 'limits', friendlyName: 'x' });
    const functions = await versionsOf(service.sid, 'Functions', 'public', 51);
    const privateAssets = await versionsOf(service.sid, 'Assets', 'private', 51);
    expect(await createBuild(service.sid, { FunctionVersions: functions })).toEqual({
      status: 400,
      body: expect.objectContaining({ code: 20001, message: 'A Build can hold at most 50 Function Versions; this one names 51' }),
    });
    expect(await createBuild(service.sid, { AssetVersions: privateAssets })).toEqual({
      status: 400,
      body: expect.objectContaining({ code: 20001, message: 'A Build can hold at most 50 private Asset Versions; this one names 51' }),
    });
    expect((await createBuild(service.sid, { FunctionVersions: functions.slice(1), AssetVersions: privateAssets.slice(1) })).status).toBe(201);
  });

  test('off by the switch, any number builds', async () => {
    const other = emulator;
    emulator = await startEmulator({ switches: { serverlessEnforceBuildLimits: false } });
    try {
      const service = await serverless().services.create({ uniqueName: 'no-limits', friendlyName: 'x' });
      const functions = await versionsOf(service.sid, 'Functions', 'public', 51);
      expect((await createBuild(service.sid, { FunctionVersions: functions })).status).toBe(201);
    } finally {
      await emulator.close();
      emulator = other;
    }
  });
});

test("Logs list what the deployed Functions printed (none here: without a host nothing is served); unknown ones are 20404", async () => {
  const files = await serviceWithFiles(emulator);
  const environment = await serverless().services(files.serviceSid).environments.create({ uniqueName: 'dev-environment', domainSuffix: 'dev' });
  expect(await serverless().services(files.serviceSid).environments(environment.sid).logs.list({ startDate: new Date(T0) })).toEqual([]);
  expect(await refusalOf(serverless().services(files.serviceSid).environments(environment.sid).logs(`NO${'0'.repeat(32)}`).fetch())).toMatchObject({ status: 404, code: 20404 });
});
