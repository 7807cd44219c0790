// Serverless durability in the shared journal: every resource survives a restart (binary asset bytes included), and
// a build that was still being made when the emulator stopped is made after the restart.
import type { EnvironmentHost } from '../../../emulator/serverless/host';
import { startEmulator, type TestEmulator } from '../../helpers/emulator';
import { removeTempDataDirs, tempDataDir } from '../fixtures';
import { API_HOST, formBody, hostRequest, serviceWithFiles, uploaded } from './fixtures';

jest.setTimeout(60_000);
afterAll(removeTempDataDirs);


/** What the client sees of a service, minus what legitimately changes across restarts (the account SID). */
async function serviceView(emulator: TestEmulator, serviceSid: string): Promise<unknown> {
  const service = emulator.client.serverless.v1.services(serviceSid);
  const strip = (value: { toJSON(): object }) => JSON.parse(JSON.stringify(value.toJSON()).split(emulator.accountSid).join('AC…')) as unknown;
  const environments = await service.environments.list();
  return {
    service: strip(await service.fetch()),
    environments: environments.map(strip),
    variables: (await Promise.all(environments.map((environment) => service.environments(environment.sid).variables.list()))).flat().map(strip),
    functions: (await service.functions.list()).map(strip),
    assets: (await service.assets.list()).map(strip),
    builds: (await service.builds.list()).map(strip),
  };
}

test('services, environments, variables, Functions, Assets, Versions and builds survive a restart, bytes and all', async () => {
  const dataDir = tempDataDir();
  const first = await startEmulator({ dataDir });
  const files = await serviceWithFiles(first);
  const serverless = first.client.serverless.v1.services(files.serviceSid);
  const environment = await serverless.environments.create({ uniqueName: 'dev-environment', domainSuffix: 'dev' });
  await serverless.environments(environment.sid).variables.create({ key: 'VERIFY_SERVICE_SID', value: `VA${'b'.repeat(32)}` });
  const bytes = Buffer.from([0, 255, 13, 10, 45, 45, 128]);
  const asset = await serverless.assets.create({ friendlyName: '/bytes.bin' });
  await uploaded(first, 'Assets', files.serviceSid, asset.sid, { path: '/bytes.bin', visibility: 'private', content: bytes, contentType: 'application/octet-stream' });
  await hostRequest(first, API_HOST, 'POST', `/v1/Services/${files.serviceSid}/Builds`, formBody({ FunctionVersions: [files.functionVersionSid] }));
  const before = await serviceView(first, files.serviceSid);
  const content = await serverless.functions(files.functionSid).functionVersions(files.functionVersionSid).functionVersionContent().fetch();
  await first.close();

  const second = await startEmulator({ dataDir });
  try {
    expect(await serviceView(second, files.serviceSid)).toEqual(before);
    const again = second.client.serverless.v1.services(files.serviceSid);
    expect((await again.functions(files.functionSid).functionVersions(files.functionVersionSid).functionVersionContent().fetch()).content).toBe(content.content);
    const versions = await again.assets(asset.sid).assetVersions.list();
    expect(versions.map((version) => [version.path, version.visibility])).toEqual([['/bytes.bin', 'private']]);
  } finally {
    await second.close();
  }
});

/** A host whose builds are never done: the build is still `building`, as stored, when the emulator stops. */
const stalledHost: EnvironmentHost = {
  addressFor: () => Promise.reject(new Error('not used')),
  build: () => new Promise<void>(() => undefined),
  deploy: () => Promise.reject(new Error('not used')),
  stop: () => undefined,
  reset: () => undefined,
};

test('a build still being made when the emulator stopped is made after the restart', async () => {
  const dataDir = tempDataDir();
  const first = await startEmulator({ dataDir, serverlessHost: () => stalledHost });
  const files = await serviceWithFiles(first);
  const created = await hostRequest(first, API_HOST, 'POST', `/v1/Services/${files.serviceSid}/Builds`, formBody({ FunctionVersions: [files.functionVersionSid] }));
  const buildSid = (created.body as { sid: string }).sid;
  expect((await first.client.serverless.v1.services(files.serviceSid).builds(buildSid).buildStatus().fetch()).status).toBe('building');
  await first.close();
  const second = await startEmulator({ dataDir });
  try {
    expect((await second.client.serverless.v1.services(files.serviceSid).builds(buildSid).buildStatus().fetch()).status).toBe('completed');
  } finally {
    await second.close();
  }
});
