// lib/state/sync-store.ts and lib/state/sync-errors.ts in-process: the Sync document store over the real twilio client against the
// emulator's Sync, each expected answer of the compare-and-swap, and every fault mapped to a Failure with its log line.
import twilio from 'twilio';
import { Failure } from '../../../lib/core/failures';
import { createSyncStateStore, type StateStore } from '../../../lib/state/sync-store';
import { mapSyncError } from '../../../lib/state/sync-errors';
import { rejectionOf } from '../../helpers/rejection';
import { startCore, type CoreHarness } from '../../helpers/core';

let core: CoreHarness;
let names = 0;

beforeAll(async () => {
  core = await startCore();
});
afterAll(() => core.close());
afterEach(() => core.emulator.clearFaults());

function store(deadline = Date.now() + 60_000): StateStore {
  return createSyncStateStore(core.emulator.client, { serviceSid: 'default', deadline });
}

function newName(): string {
  names += 1;
  return `store-test-${names}`;
}

async function failure(promise: Promise<unknown>): Promise<[string, string | undefined]> {
  const error = await rejectionOf(promise, Failure);
  return [error.kind, error.logDetail];
}

describe('the compare-and-swap answers', () => {
  test('a missing document is undefined; the first create wins, the second is taken', async () => {
    const name = newName();
    expect(await store().fetch(name)).toBeUndefined();
    const created = await store().create(name, '{"n":1}', 60);
    expect(created).toEqual({ revision: expect.any(String), data: { n: 1 } });
    expect(await store().create(name, '{"n":2}', 60)).toBe('taken');
    expect(await store().fetch(name)).toEqual(created);
  });

  test('a replace at the current revision writes; one at an older revision, or of a removed document, is changed', async () => {
    const name = newName();
    const first = await store().create(name, '{"n":1}', 60);
    if (first === 'taken') throw new Error('unreachable');
    const second = await store().replace(name, '{"n":2}', first.revision, 60);
    expect(second).toEqual({ revision: expect.any(String), data: { n: 2 } });
    if (second === 'changed') throw new Error('unreachable');
    expect(second.revision).not.toBe(first.revision);
    expect(await store().replace(name, '{"n":3}', first.revision, 60)).toBe('changed');
    expect((await store().fetch(name))?.data).toEqual({ n: 2 });
    await core.emulator.client.sync.v1.services('default').documents(name).remove();
    expect(await store().replace(name, '{"n":4}', second.revision, 60)).toBe('changed');
  });

  test('the TTL is sent with every write', async () => {
    const name = newName();
    const before = core.emulator.exchanges.length;
    const created = await store().create(name, '{"n":1}', 1234);
    if (created === 'taken') throw new Error('unreachable');
    await store().replace(name, '{"n":2}', created.revision, 4321);
    const bodies = core.emulator.exchanges.slice(before).map((exchange) => exchange.body as { date_expires?: unknown });
    expect(bodies.map((body) => typeof body.date_expires)).toEqual(['string', 'string']);
    const [first, second] = bodies.map((body) => Date.parse(String(body.date_expires)) - core.now());
    expect([first, second]).toEqual([1234_000, 4321_000]);
  });
});

describe('faults fail closed, each with its log line', () => {
  test.each([
    ['read', 20003, 'misconfigured', 'state read: Sync answered HTTP 401 code 20003 (check ACCOUNT_SID/AUTH_TOKEN)'],
    ['read', 20404, 'misconfigured', 'state read: Sync answered HTTP 404 code 20404 (check SYNC_SERVICE_SID)'],
    ['read', 54009, 'state_unavailable', 'state read: Sync answered HTTP 429 code 54009'],
    ['create', 54100, 'state_unavailable', 'state create: Sync answered not_found'],
    ['write', 54301, 'state_unavailable', 'state write: Sync answered name_taken'],
    ['read', 54103, 'state_unavailable', 'state read: Sync answered revision_mismatch'],
  ])('%s answered with Twilio error %i → %s', async (operation, code, kind, logDetail) => {
    const name = newName();
    const created = await store().create(name, '{"n":1}', 60);
    if (created === 'taken') throw new Error('unreachable');
    await core.emulator.fault({ match: { path: '/Documents' }, code });
    const run = { read: () => store().fetch(name), create: () => store().create(newName(), '{}', 60), write: () => store().replace(name, '{}', created.revision, 60) }[operation];
    expect(await failure((run as () => Promise<unknown>)())).toEqual([kind, logDetail]);
  });

  test.each([
    [{ code: 20429, status: 429 }, 'state_unavailable', 'state read: Sync answered HTTP 429 code 20429'],
    [{ status: 500 }, 'state_unavailable', 'state read: Sync answered HTTP 500 code 20500'],
    [{ status: 503 }, 'state_unavailable', 'state read: Sync answered HTTP 503 code 503'],
    [{ status: 401 }, 'misconfigured', 'state read: Sync answered HTTP 401 code 401 (check ACCOUNT_SID/AUTH_TOKEN)'],
    [{ status: 403 }, 'misconfigured', 'state read: Sync answered HTTP 403 code 403'],
    [{ status: 403, code: 54999 }, 'misconfigured', 'state read: Sync answered HTTP 403 code 54999'],
  ])('%j → %s', async (fault, kind, logDetail) => {
    await core.emulator.fault({ match: { path: '/Documents' }, ...fault });
    expect(await failure(store().fetch(newName()))).toEqual([kind, logDetail]);
  });

  test('HTTP 412 on a write is a lost race (changed), on a read a fault', async () => {
    const name = newName();
    const created = await store().create(name, '{"n":1}', 60);
    if (created === 'taken') throw new Error('unreachable');
    await core.emulator.fault({ match: { path: '/Documents' }, status: 412 });
    expect(await store().replace(name, '{"n":2}', created.revision, 60)).toBe('changed');
    await core.emulator.fault({ match: { path: '/Documents' }, status: 412 });
    expect(await failure(store().fetch(name))).toEqual(['state_unavailable', 'state read: Sync answered revision_mismatch']);
  });

  test('a dropped connection, a body that is not JSON (on a refusal and on a 200) and an answer without a revision are faults', async () => {
    await core.emulator.fault({ match: { path: '/Documents' }, drop: true });
    expect(await failure(store().fetch(newName()))).toEqual(['state_unavailable', 'state read: Sync call failed (ECONNRESET)']);
    await core.emulator.fault({ match: { path: '/Documents' }, malformed: true, status: 502 });
    expect(await failure(store().fetch(newName()))).toEqual(['state_unavailable', 'state read: Sync answered HTTP 502']);
    await core.emulator.fault({ match: { path: '/Documents' }, malformed: true, status: 200 });
    expect(await failure(store().fetch(newName()))).toEqual(['state_unavailable', 'state read: Sync answered a body that is not JSON']);
    await core.emulator.fault({ match: { path: '/Documents' }, status: 200, code: 54100 });
    expect(await failure(store().fetch(newName()))).toEqual(['state_unavailable', 'state read: Sync answered an unexpected document']);
  });

  test('each operation names itself in its log line: a dropped connection and an answer without a revision', async () => {
    const name = newName();
    const created = await store().create(name, '{"n":1}', 60);
    if (created === 'taken') throw new Error('unreachable');
    await core.emulator.fault({ match: { path: '/Documents' }, drop: true });
    expect(await failure(store().create(newName(), '{}', 60))).toEqual(['state_unavailable', 'state create: Sync call failed (ECONNRESET)']);
    await core.emulator.fault({ match: { path: '/Documents' }, drop: true });
    expect(await failure(store().replace(name, '{}', created.revision, 60))).toEqual(['state_unavailable', 'state write: Sync call failed (ECONNRESET)']);
    await core.emulator.fault({ match: { path: '/Documents' }, status: 201, code: 54100 });
    expect(await failure(store().create(newName(), '{}', 60))).toEqual(['state_unavailable', 'state create: Sync answered an unexpected document']);
    await core.emulator.fault({ match: { path: '/Documents' }, status: 200, code: 54100 });
    expect(await failure(store().replace(name, '{}', created.revision, 60))).toEqual(['state_unavailable', 'state write: Sync answered an unexpected document']);
  });

  test('a call that outlasts the request budget is state_unavailable, and so is one begun after it', async () => {
    await core.emulator.fault({ match: { path: '/Documents' }, latencyMs: 2000 });
    expect(await failure(store(Date.now() + 200).fetch(newName()))).toEqual(['state_unavailable', 'state read: request time budget exhausted']);
    expect(await failure(store(Date.now() - 1).create(newName(), '{}', 60))).toEqual(['state_unavailable', 'state create: request time budget exhausted']);
  });

  test('mapSyncError passes a Failure through unchanged and names a SyntaxError', () => {
    const original = new Failure('locked');
    expect(mapSyncError(original, 'read')).toBe(original);
    const mapped = mapSyncError(new SyntaxError('Unexpected token <'), 'read');
    expect(mapped instanceof Failure ? [mapped.kind, mapped.logDetail] : mapped).toEqual(['state_unavailable', 'state read: Sync answered a body that is not JSON']);
    const transport = mapSyncError(Object.assign(new Error('x'), { code: 'ETIMEDOUT' }), 'write');
    expect(transport instanceof Failure ? transport.logDetail : transport).toBe('state write: Sync call failed (ETIMEDOUT)');
    const unknown = mapSyncError(Object.assign(new Error('x'), { code: 'EWHATEVER' }), 'write');
    expect(unknown instanceof Failure ? unknown.logDetail : unknown).toBe('state write: Sync call failed');
  });
});

describe('answers no Sync gives, from a stand-in httpClient behind the real twilio client', () => {
  /** A store whose every call gets this status and body (a string, as Twilio's client gives it, or already parsed). */
  function answering(statusCode: number, body: unknown): StateStore {
    const httpClient = { request: async () => ({ statusCode, body, headers: {} }) } as unknown as twilio.RequestClient;
    const client = twilio(`AC${'0'.repeat(32)}`, 'token', { httpClient });
    return createSyncStateStore(client, { serviceSid: 'default', deadline: Date.now() + 60_000 });
  }

  test('only a 2xx answer is a document: 199 and 300 are faults', async () => {
    const document = JSON.stringify({ revision: '1', data: {} });
    const refused = await rejectionOf(answering(199, document).fetch('n'), Failure);
    expect([refused.kind, refused.logDetail, (refused.cause as Error).message]).toEqual(['state_unavailable', 'state read: Sync answered HTTP 199', 'Sync answered HTTP 199']);
    expect(await failure(answering(300, document).fetch('n'))).toEqual(['state_unavailable', 'state read: Sync answered HTTP 300']);
    expect(await answering(299, document).fetch('n')).toEqual({ revision: '1', data: {} });
  });

  test('a body that is not a document, or one with an empty revision, is unexpected', async () => {
    for (const body of ['null', '7', '"text"', JSON.stringify({ revision: '', data: {} }), JSON.stringify({ revision: 2, data: {} })]) {
      expect(await failure(answering(200, body).fetch('n'))).toEqual(['state_unavailable', 'state read: Sync answered an unexpected document']);
    }
  });

  test('a body the httpClient has already parsed is read the same way, answers and refusals alike', async () => {
    expect(await answering(200, { revision: '3', data: { n: 3 } }).fetch('n')).toEqual({ revision: '3', data: { n: 3 } });
    expect(await answering(404, { code: 54100, status: 404 }).fetch('n')).toBeUndefined();
    expect(await answering(412, { code: 54103 }).replace('n', '{}', '1', 60)).toBe('changed');
    expect(await failure(answering(404, null).fetch('n'))).toEqual(['state_unavailable', 'state read: Sync answered HTTP 404']);
    expect(await failure(answering(200, undefined).fetch('n'))).toEqual(['state_unavailable', 'state read: Sync answered an unexpected document']);
  });
});
