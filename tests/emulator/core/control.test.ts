// Emulator-only control endpoints (/__emulator/ clock, faults, reset) and the request log.
import { request } from 'node:http';
import { startEmulator, type TestEmulator } from '../../helpers/emulator';
import { codeFor, enrolFactor, IDENTITY, restError, T0 } from '../fixtures';
import { expectTwilioErrorEnvelope } from '../wire';

let emulator: TestEmulator;
let logLines: string[];
let serviceSid: string;

beforeAll(async () => {
  logLines = [];
  emulator = await startEmulator({ log: (line) => logLines.push(line) });
});
afterAll(() => emulator.close());
beforeEach(async () => {
  await emulator.reset();
  serviceSid = await emulator.createService();
  logLines.length = 0;
});

const services = () => emulator.client.verify.v2.services;
const authorization = () => `Basic ${Buffer.from(`${emulator.accountSid}:${emulator.authToken}`).toString('base64')}`;

async function control(method: string, path: string, body?: unknown, auth = authorization()): Promise<{ status: number; body: unknown }> {
  const response = await fetch(`${emulator.url}/__emulator/${path}`, {
    method,
    headers: { authorization: auth, 'content-type': 'application/json' },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text === '' ? undefined : (JSON.parse(text) as unknown) };
}

describe('clock', () => {
  it('reads the wall clock until frozen, then moves only when told', async () => {
    const before = Date.now();
    const { body } = await control('GET', 'clock');
    expect(Date.parse((body as { now: string }).now)).toBeGreaterThanOrEqual(before - 1000);
    expect(await control('POST', 'clock', { now: '2031-05-06T07:08:09.000Z' })).toEqual({ status: 200, body: { now: '2031-05-06T07:08:09.000Z' } });
    expect((await control('GET', 'clock')).body).toEqual({ now: '2031-05-06T07:08:09.000Z' });
    expect((await control('POST', 'clock', { advanceSeconds: 90 })).body).toEqual({ now: '2031-05-06T07:09:39.000Z' });
    expect((await control('POST', 'clock', { now: T0 })).body).toEqual({ now: new Date(T0).toISOString() });
    const real = await control('POST', 'clock', { real: true });
    expect(Date.parse((real.body as { now: string }).now)).toBeGreaterThanOrEqual(before - 1000);
  });

  it('dates resources with the emulator clock', async () => {
    await emulator.setClock('2031-01-02T03:04:05Z');
    const service = await services().create({ friendlyName: 'Clocked' });
    expect(service.dateCreated.toISOString()).toBe('2031-01-02T03:04:05.000Z');
  });

  it.each([
    ['an unparseable date', { now: 'yesterday' }],
    ['a non-numeric advance', { advanceSeconds: '10' }],
    ['real combined with now', { real: true, now: T0 }],
    ['an empty request', {}],
    ['a body that is not JSON', '{'],
  ])('refuses %s with 400 20001', async (_name, body) => {
    const response = await control('POST', 'clock', body);
    expect(response.status).toBe(400);
    expectTwilioErrorEnvelope(400, response.body);
    expect(response.body).toMatchObject({ code: 20001 });
  });
});

describe('faults', () => {
  it('answers the next matching request with the given status and Twilio code, then behaves normally', async () => {
    const created = await control('POST', 'faults', { match: { method: 'GET', path: '/Services' }, status: 503, code: 20503, message: 'Service unavailable' });
    expect(created).toEqual({ status: 201, body: { id: expect.any(String) } });
    const error = await restError(() => services().list());
    expect(error).toMatchObject({ status: 503, code: 20503, message: 'Service unavailable', moreInfo: 'https://www.twilio.com/docs/errors/20503' });
    expect(await services().list()).toHaveLength(1);
  });

  it('takes the HTTP status from a known code when only the code is given', async () => {
    await emulator.fault({ code: 60312 });
    expect(await restError(() => services().list())).toMatchObject({ status: 429, code: 60312, message: 'Challenge creation limit reached' });
  });

  it('applies to `count` requests and only to matching ones', async () => {
    await emulator.setClock(T0);
    await emulator.fault({ match: { path: '/Challenges' }, count: 2, status: 500 });
    // Requests that do not match (create, verify and list factors) are served normally and leave the count alone.
    const factor = await enrolFactor(emulator, serviceSid, T0);
    const entity = services()(serviceSid).entities(IDENTITY);
    expect((await entity.factors.list()).map((listed) => [listed.sid, listed.status])).toEqual([[factor.sid, 'verified']]);
    expect(await restError(() => entity.challenges.create({ factorSid: factor.sid }))).toMatchObject({ status: 500, code: 20500 });
    expect(await restError(() => entity.challenges.list())).toMatchObject({ status: 500, code: 20500 });
    // The third matching request is served: the count is used up, and the faulted create never reached the state.
    expect(await entity.challenges.list()).toEqual([]);
  });

  it('delays a request by latencyMs before answering it normally', async () => {
    await emulator.fault({ latencyMs: 300 });
    const started = performance.now();
    expect(await services().list()).toHaveLength(1);
    // A lower bound only: the injected delay must have happened (nothing here measures speed).
    expect(performance.now() - started).toBeGreaterThanOrEqual(290);
  });

  it('cuts a pending latency fault short when the emulator closes, leaving no timer behind', async () => {
    const other = await startEmulator();
    const timers = () => process.getActiveResourcesInfo().filter((kind) => kind === 'Timeout').length;
    const before = timers();
    await other.fault({ latencyMs: 600_000 });
    // A bare request (no client-side timer), so the only new timer is the emulator's injected delay.
    const pending = new Promise<void>((resolve, reject) => {
      const auth = Buffer.from(`${other.accountSid}:${other.authToken}`).toString('base64');
      request(`${other.url}/v2/Services`, { headers: { authorization: `Basic ${auth}` } }, () => reject(new Error('answered')))
        .on('error', () => resolve())
        .end();
    });
    // Wait on I/O turns, not on time, until the request has reached the emulator and armed its delay.
    for (let turn = 0; turn < 100_000 && timers() <= before; turn += 1) await new Promise((resolve) => setImmediate(resolve));
    expect(timers()).toBeGreaterThan(before);
    await other.close();
    await pending;
    expect(timers()).toBeLessThanOrEqual(before);
  });

  it('drops the connection without an answer', async () => {
    await emulator.fault({ drop: true });
    await expect(services().list()).rejects.toThrow(/socket hang up|ECONNRESET/);
    expect(await services().list()).toHaveLength(1);
  });

  it('answers 200 with a body that is not JSON', async () => {
    await emulator.fault({ malformed: true, match: { method: 'GET' } });
    await expect(services()(serviceSid).fetch()).rejects.toThrow(SyntaxError);
  });

  it('clears every armed fault on DELETE', async () => {
    await emulator.fault({ status: 500, count: 5 });
    await emulator.clearFaults();
    expect(await services().list()).toHaveLength(1);
  });

  it.each([
    ['nothing to do', { count: 1 }],
    ['a zero count', { status: 500, count: 0 }],
    ['a status outside 200–599', { status: 42 }],
    ['drop other than true', { drop: 'yes' }],
  ])('refuses a fault with %s (400 20001)', async (_name, body) => {
    const response = await control('POST', 'faults', body);
    expect(response.status).toBe(400);
    expectTwilioErrorEnvelope(400, response.body);
  });

  it('never applies to the control endpoints themselves, nor is used up by them', async () => {
    await emulator.fault({ status: 500 });
    expect((await control('GET', 'clock')).status).toBe(200);
    expect(await restError(() => services().list())).toMatchObject({ status: 500, code: 20500 });
    expect(await services().list()).toHaveLength(1);
  });
});

describe('reset and access', () => {
  it('reset wipes all state and faults and returns the clock to real time', async () => {
    await emulator.setClock(T0);
    // Armed for exactly the request made after the reset (faults never apply to the control endpoints themselves).
    await emulator.fault({ status: 500, count: 10, match: { method: 'GET', path: '/v2/Services' } });
    await emulator.reset();
    expect(await services().list()).toEqual([]);
    const { body } = await control('GET', 'clock');
    expect(Math.abs(Date.parse((body as { now: string }).now) - Date.now())).toBeLessThan(60_000);
  });

  it('requires the same Basic auth as the API (401 20003)', async () => {
    const response = await control('POST', 'reset', undefined, 'Basic bm90OnRoaXM=');
    expect(response.status).toBe(401);
    expect(response.body).toMatchObject({ code: 20003 });
    expect(await services().list()).toHaveLength(1);
  });

  it('answers 404 20404 for an unknown control path', async () => {
    const response = await control('POST', 'time-travel', {});
    expect(response.status).toBe(404);
    expectTwilioErrorEnvelope(404, response.body);
  });
});

describe('request log', () => {
  it('writes one line per request with method, path, status and ms, and never codes, secrets or credentials', async () => {
    await emulator.setClock(T0);
    logLines.length = 0;
    const secret = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';
    const entity = services()(serviceSid).entities(IDENTITY);
    const factor = await entity.newFactors.create({ friendlyName: 'phone', factorType: 'totp', 'binding.secret': secret });
    const code = codeFor(secret, T0);
    await entity.factors(factor.sid).update({ authPayload: code });
    await entity.challenges.list({ factorSid: factor.sid, status: 'pending' });
    await restError(() => entity.challenges.create({ factorSid: factor.sid, authPayload: '1' }));

    expect(logLines).toHaveLength(4);
    for (const line of logLines) {
      expect(line).toMatch(/^(GET|POST|DELETE) \/\S* (\d{3}|dropped) \d+\.\dms$/);
      for (const forbidden of [secret, code, emulator.authToken, emulator.accountSid, authorization(), 'pending', factor.sid + '&']) {
        expect(line).not.toContain(forbidden);
      }
    }
    expect(logLines[1]).toMatch(new RegExp(`^POST /v2/Services/${serviceSid}/Entities/${IDENTITY}/Factors/${factor.sid} 200 `));
    expect(logLines[2]).toMatch(/^GET \/v2\/\S+\/Challenges 200 /);
    expect(logLines[3]).toMatch(/^POST \/v2\/\S+\/Challenges 400 /);
  });
});
