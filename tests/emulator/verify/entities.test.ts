// Entities through the real twilio client: create, fetch, list, delete, identity rules and case matching.
import { startEmulator, type TestEmulator } from '../../helpers/emulator';
import { createFactor, enrolFactor, IDENTITY, removeTempDataDirs, restError, storedState, T0, tempDataDir } from '../fixtures';
import { expectWireCompatible } from '../wire';

let emulator: TestEmulator;
let serviceSid: string;

beforeAll(async () => {
  emulator = await startEmulator();
});
afterAll(async () => {
  await emulator.close();
  removeTempDataDirs();
});
beforeEach(async () => {
  await emulator.reset();
  serviceSid = await emulator.createService();
  emulator.exchanges.length = 0;
});
afterEach(() => {
  expectWireCompatible(emulator.exchanges);
});

const entities = () => emulator.client.verify.v2.services(serviceSid).entities;

it('creates with 201 (Identity in the body) and fetches by identity', async () => {
  const created = await entities().create({ identity: 'ff483d1f-f591-8989' });
  expect(emulator.exchanges.at(-1)?.status).toBe(201);
  expect(created).toMatchObject({ identity: 'ff483d1f-f591-8989', serviceSid, accountSid: emulator.accountSid });
  expect(created.sid).toMatch(/^YE[0-9a-f]{32}$/);
  expect(created.links).toEqual({
    factors: `${created.url}/Factors`,
    new_factors: `${created.url}/Factors`,
    challenges: `${created.url}/Challenges`,
  });
  expect((await entities()('ff483d1f-f591-8989').fetch()).sid).toBe(created.sid);
});

it('refuses a second entity with the same identity: 409 60301', async () => {
  await entities().create({ identity: 'user-12345678' });
  expect(await restError(() => entities().create({ identity: 'user-12345678' }))).toMatchObject({
    status: 409,
    code: 60301,
    message: 'Entity already exists',
  });
});

it.each([
  ['empty', ''],
  ['7 characters', 'abc1234'],
  ['65 characters', 'a'.repeat(65)],
  ['an e-mail address', 'ada@example.com'],
  ['a trailing dash', 'user12345-'],
])('rejects an identity that is %s with 400 60367', async (_name, identity) => {
  expect(await restError(() => entities().create({ identity }))).toMatchObject({ status: 400, code: 60367 });
});

it('accepts 8 and 64 characters', async () => {
  await entities().create({ identity: 'abcd1234' });
  await entities().create({ identity: 'b'.repeat(64) });
  expect(await entities().list()).toHaveLength(2);
});

it('with strictIdentityFormat off accepts any dashes', async () => {
  const lenient = await startEmulator({ switches: { strictIdentityFormat: false } });
  try {
    const sid = await lenient.createService();
    const created = await lenient.client.verify.v2.services(sid).entities.create({ identity: '-user--1234-' });
    expect(created.identity).toBe('-user--1234-');
  } finally {
    await lenient.close();
  }
});

it('matches identities case-insensitively by default, echoing the original case', async () => {
  await entities().create({ identity: 'DD6840aec40ad01e' });
  const fetched = await entities()('dd6840AEC40AD01E').fetch();
  expect(fetched.identity).toBe('DD6840aec40ad01e');
  expect(await restError(() => entities().create({ identity: 'dd6840aec40ad01e' }))).toMatchObject({ code: 60301 });
});

it('with identityCaseInsensitive off, identities differing in case are different entities', async () => {
  const sensitive = await startEmulator({ switches: { identityCaseInsensitive: false } });
  try {
    const sid = await sensitive.createService();
    const list = sensitive.client.verify.v2.services(sid).entities;
    await list.create({ identity: 'CaseUser1' });
    await list.create({ identity: 'caseuser1' });
    expect(await restError(() => list('CASEUSER1').fetch())).toMatchObject({ status: 404, code: 60392 });
  } finally {
    await sensitive.close();
  }
});

it('lists with meta.key "entities", paged', async () => {
  for (let i = 0; i < 3; i++) await entities().create({ identity: `user-0000000${i}` });
  const page = await entities().page({ pageSize: 2 });
  expect(page.instances.map((e) => e.identity)).toEqual(['user-00000000', 'user-00000001']);
  expect((await page.nextPage())?.instances.map((e) => e.identity)).toEqual(['user-00000002']);
  expect((emulator.exchanges.at(-2)?.body as { meta: { key: string } }).meta.key).toBe('entities');
});

it('answers 404 60392 for an unknown identity on fetch and delete', async () => {
  expect(await restError(() => entities()('nobody-12345').fetch())).toMatchObject({ status: 404, code: 60392, message: 'Entity not found' });
  expect(await restError(() => entities()('nobody-12345').remove())).toMatchObject({ status: 404, code: 60392 });
});

it('deletes with 204; the identity is then unknown (60392), and created again it starts without factors', async () => {
  const factor = await createFactor(emulator, serviceSid, 'user-12345678');
  expect(await entities()('user-12345678').remove()).toBe(true);
  expect(emulator.exchanges.at(-1)?.status).toBe(204);
  expect(await restError(() => entities()('user-12345678').factors.list())).toMatchObject({ status: 404, code: 60392 });
  await entities().create({ identity: 'user-12345678' });
  expect(await entities()('user-12345678').factors.list()).toEqual([]);
  expect(await restError(() => entities()('user-12345678').factors(factor.sid).fetch())).toMatchObject({ code: 60390 });
});

it('deleting an entity deletes its factors and challenges: the data dir then holds none of them, nor the secret', async () => {
  // A re-created entity has a new SID, so the API cannot tell a cascade from orphans left behind; the stored state can.
  const dataDir = tempDataDir();
  const durable = await startEmulator({ dataDir });
  let kept: { sid: string };
  let doomed: { sid: string; secret: string };
  try {
    await durable.setClock(T0);
    const sid = await durable.createService();
    kept = await enrolFactor(durable, sid, T0, 'bystander-1234');
    doomed = await enrolFactor(durable, sid, T0);
    const entity = durable.client.verify.v2.services(sid).entities(IDENTITY);
    await entity.challenges.create({ factorSid: doomed.sid });
    expect(await entity.remove()).toBe(true);
  } finally {
    await durable.close();
  }
  const state = await storedState(dataDir);
  expect(state.entities.map((entity) => entity.identity)).toEqual(['bystander-1234']);
  expect(state.factors.map((factor) => factor.sid)).toEqual([kept.sid]);
  expect(state.challenges).toEqual([]);
  expect(JSON.stringify(state)).not.toContain(doomed.secret);
});
