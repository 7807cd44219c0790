// Studio durability in the shared journal (each start has new credentials: the account SID is swapped when compared): Flows with every revision, and Executions with their Steps, survive a
// restart; a deleted Flow stays deleted with its executions.
import { startEmulator, type TestEmulator } from '../../helpers/emulator';
import { removeTempDataDirs, tempDataDir } from '../fixtures';
import { smallFlow } from './small-flow';

afterAll(removeTempDataDirs);

async function rawGet(emulator: TestEmulator, path: string): Promise<unknown> {
  const response = await fetch(`${emulator.url}${path}`, { headers: { Authorization: `Basic ${Buffer.from(`${emulator.accountSid}:${emulator.authToken}`).toString('base64')}` } });
  return { status: response.status, body: (await response.json()) as unknown };
}

test('flows, revisions, executions and steps survive a restart; a deleted flow stays gone', async () => {
  const dataDir = tempDataDir();
  const first = await startEmulator({ dataDir });
  const studio = first.client.studio.v2;
  const kept = await studio.flows.create({ friendlyName: 'kept', status: 'draft', definition: smallFlow() });
  await studio.flows(kept.sid).update({ status: 'published', commitMessage: 'second' });
  const execution = await studio.flows(kept.sid).executions.create({ to: '+15550100', from: '+15550199' });
  const gone = await studio.flows.create({ friendlyName: 'gone', status: 'published', definition: smallFlow() });
  await studio.flows(gone.sid).executions.create({ to: '+15550100', from: '+15550199' });
  await studio.flows(gone.sid).remove();
  const before = {
    revisions: await rawGet(first, `/v2/Flows/${kept.sid}/Revisions`),
    steps: await rawGet(first, `/v2/Flows/${kept.sid}/Executions/${execution.sid}/Steps`),
    context: await rawGet(first, `/v2/Flows/${kept.sid}/Executions/${execution.sid}/Context`),
  };
  await first.close();

  const second = await startEmulator({ dataDir });
  try {
    expect((await second.client.studio.v2.flows.list()).map((flow) => [flow.sid, flow.revision])).toEqual([[kept.sid, 2]]);
    expect({
      revisions: await rawGet(second, `/v2/Flows/${kept.sid}/Revisions`),
      steps: await rawGet(second, `/v2/Flows/${kept.sid}/Executions/${execution.sid}/Steps`),
      context: await rawGet(second, `/v2/Flows/${kept.sid}/Executions/${execution.sid}/Context`),
    }).toEqual(JSON.parse(JSON.stringify(before).split(first.url).join(second.url).split(first.accountSid).join(second.accountSid)));
    expect(await rawGet(second, `/v2/Flows/${gone.sid}`)).toMatchObject({ status: 404 });
  } finally {
    await second.close();
  }
});
