// lib/verify/gateway.ts in-process: the typed gateway over the real twilio client, against the emulator, a rewriting proxy
// in front of it (Verify answering an unexpected shape) and injected faults; each failure's kind and log line.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Failure, type FailureKind } from '../../../lib/core/failures';
import { createVerifyGateway, type VerifyGateway } from '../../../lib/verify/gateway';
import { rejectionOf } from '../../helpers/rejection';
import { createEmulatorTwilioClient } from '../../helpers/emulator';
import { START, startCore, type CoreHarness } from '../../helpers/core';

const IDENTITY = 'a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5';
const UNKNOWN_FACTOR = `YF${'0'.repeat(32)}`;

let core: CoreHarness;
let verify: VerifyGateway;

beforeAll(async () => {
  core = await startCore();
  verify = core.gateway();
});
afterAll(() => core.close());
afterEach(() => core.emulator.clearFaults());

const failureOf = (promise: Promise<unknown>): Promise<Failure> => rejectionOf(promise, Failure);

async function kindOf(promise: Promise<unknown>): Promise<[FailureKind, string | undefined]> {
  const failure = await failureOf(promise);
  return [failure.kind, failure.logDetail];
}

/** A factor created with the raw client and the given config (Verify's own parameter names). */
async function rawFactor(identity: string, config: Record<string, unknown> = {}): Promise<{ sid: string; secret: string }> {
  const factor = await core.emulator.client.verify.v2
    .services(core.serviceSid)
    .entities(identity)
    .newFactors.create({ friendlyName: 'Raw', factorType: 'totp', ...config });
  return { sid: factor.sid, secret: (factor.binding as { secret: string }).secret };
}

describe('answers parsed into the core types', () => {
  test('createTotpFactor returns the factor, its secret and Key-Uri', async () => {
    const factor = await verify.createTotpFactor('create-factor-identity', 'My phone');
    expect(factor).toEqual({
      sid: expect.stringMatching(/^YF[0-9a-f]{32}$/),
      friendlyName: 'My phone',
      status: 'unverified',
      createdAt: new Date(START),
      config: { algorithm: 'SHA1', digits: 6, period: 30, skew: 1 },
      secret: expect.stringMatching(/^[A-Z2-7]{32}$/),
      uri: expect.stringMatching(/^otpauth:\/\/totp\/Core%20Tests:My%20phone\?secret=/),
    });
  });

  test.each([
    ['sha1', 'SHA1', 6, 30, 0],
    ['sha256', 'SHA256', 8, 60, 2],
    ['sha512', 'SHA512', 3, 20, 1],
  ] as const)('a factor with alg %s reads as %s (%i digits, %i s, skew %i) from fetch and list', async (alg, algorithm, digits, period, skew) => {
    const identity = `config-${alg}-identity`;
    const { sid } = await rawFactor(identity, { 'config.alg': alg, 'config.codeLength': digits, 'config.timeStep': period, 'config.skew': skew });
    const expected = { sid, friendlyName: 'Raw', status: 'unverified', createdAt: new Date(START), config: { algorithm, digits, period, skew } };
    expect(await verify.fetchFactor(identity, sid)).toEqual(expected);
    expect(await verify.listTotpFactors(identity)).toEqual([expected]);
  });

  test('listTotpFactors asks for one page of 100, Verify\'s per-entity maximum', async () => {
    await rawFactor('page-size-identity');
    const before = core.emulator.exchanges.length;
    await verify.listTotpFactors('page-size-identity');
    expect(core.emulator.exchanges.slice(before).map((exchange) => exchange.path)).toEqual([
      `/v2/Services/${core.serviceSid}/Entities/page-size-identity/Factors?PageSize=100`,
    ]);
  });

  test('verifyFactor answers the factor status; createChallenge the challenge SID and status; deleteFactor removes it', async () => {
    const identity = 'status-identity';
    const { sid, secret } = await rawFactor(identity);
    expect(await verify.verifyFactor(identity, sid, core.wrongCode(secret))).toBe('unverified');
    expect(await verify.verifyFactor(identity, sid, core.code(secret))).toBe('verified');
    await core.nextStep();
    expect(await verify.createChallenge(identity, sid, core.wrongCode(secret))).toEqual({ sid: expect.stringMatching(/^YC[0-9a-f]{32}$/), status: 'pending' });
    expect(await verify.createChallenge(identity, sid, core.code(secret))).toEqual({ sid: expect.stringMatching(/^YC[0-9a-f]{32}$/), status: 'approved' });
    await verify.deleteFactor(identity, sid);
    expect(await verify.listTotpFactors(identity)).toEqual([]);
  });

  test('an identity that never had a factor lists as empty; fetching from it is factor_not_found', async () => {
    expect(await verify.listTotpFactors('never-enrolled-identity')).toEqual([]);
    expect(await kindOf(verify.fetchFactor('never-enrolled-identity', UNKNOWN_FACTOR))).toEqual([
      'factor_not_found',
      'verify fetch factor: Verify answered HTTP 404 code 60392',
    ]);
  });

  test('an unknown factor of an existing entity is factor_not_found (60390)', async () => {
    await rawFactor('known-entity-identity');
    expect(await kindOf(verify.deleteFactor('known-entity-identity', UNKNOWN_FACTOR))).toEqual([
      'factor_not_found',
      'verify delete factor: Verify answered HTTP 404 code 60390',
    ]);
  });

  test('a challenge on an unverified factor is factor_not_verified (60318)', async () => {
    const { sid, secret } = await rawFactor('unverified-challenge-identity');
    expect(await kindOf(verify.createChallenge('unverified-challenge-identity', sid, core.code(secret)))).toEqual([
      'factor_not_verified',
      'verify create challenge: Verify answered HTTP 403 code 60318',
    ]);
  });

  test('a failed code submission names its operation in the log line', async () => {
    const { sid, secret } = await rawFactor('verify-fault-identity');
    await core.emulator.fault({ match: { method: 'POST', path: `/Factors/${sid}` }, status: 500 });
    expect(await kindOf(verify.verifyFactor('verify-fault-identity', sid, core.code(secret)))).toEqual([
      'upstream_error',
      'verify verify factor: Verify answered HTTP 500 code 20500',
    ]);
  });
});

describe('a Verify service that does not exist', () => {
  test('creating a factor is misconfigured (20404 means the service here), with a hint for the operator', async () => {
    const gateway = createVerifyGateway(core.emulator.client, { serviceSid: `VA${'0'.repeat(32)}`, deadline: Date.now() + 60_000 });
    expect(await kindOf(gateway.createTotpFactor('no-service-identity', 'Phone'))).toEqual([
      'misconfigured',
      'verify create factor: Verify answered HTTP 404 code 20404 (check VERIFY_SERVICE_SID)',
    ]);
    // On a factor path the same code means the factor or its entity.
    expect(await kindOf(gateway.fetchFactor('no-service-identity', UNKNOWN_FACTOR))).toEqual([
      'factor_not_found',
      'verify fetch factor: Verify answered HTTP 404 code 20404 (check VERIFY_SERVICE_SID)',
    ]);
  });
});

describe('faults on the wire', () => {
  test.each<[string, Record<string, unknown>, FailureKind, string]>([
    ['wrong credentials', { status: 401, code: 20003 }, 'misconfigured', 'Verify answered HTTP 401 code 20003 (check ACCOUNT_SID/AUTH_TOKEN)'],
    ['a forbidden account', { status: 403, code: 20403 }, 'misconfigured', 'Verify answered HTTP 403 code 20403'],
    ['a rate limit', { status: 429, code: 20429 }, 'upstream_rate_limited', 'Verify answered HTTP 429 code 20429'],
    ['an unknown 429', { status: 429, code: 12345 }, 'upstream_rate_limited', 'Verify answered HTTP 429 code 12345'],
    ['an outage', { status: 503 }, 'upstream_unavailable', 'Verify answered HTTP 503 code 503'],
    ['a gateway timeout', { status: 504 }, 'upstream_timeout', 'Verify answered HTTP 504 code 504'],
    ['a server error', { status: 500 }, 'upstream_error', 'Verify answered HTTP 500 code 20500'],
    ['an unknown 404', { status: 404, code: 99999 }, 'factor_not_found', 'Verify answered HTTP 404 code 99999'],
    ['an unknown 400', { status: 400, code: 99998 }, 'upstream_error', 'Verify answered HTTP 400 code 99998'],
    ['a body that is not JSON', { malformed: true }, 'upstream_error', 'Verify answered a body that is not JSON'],
    ['an error body that is not JSON', { malformed: true, status: 500 }, 'upstream_error', 'Verify answered HTTP 500'],
    ['a dropped connection', { drop: true }, 'upstream_error', 'Verify call failed (ECONNRESET)'],
  ])('%s is %s', async (_what, fault, kind, detail) => {
    const { sid } = await rawFactor('fault-identity');
    await core.emulator.fault({ match: { path: `/Factors/${sid}` }, ...fault });
    expect(await kindOf(verify.fetchFactor('fault-identity', sid))).toEqual([kind, `verify fetch factor: ${detail}`]);
  });

  test('a 200 answer that is an error envelope, not a factor, is upstream_error', async () => {
    const { sid } = await rawFactor('envelope-identity');
    await core.emulator.fault({ match: { path: `/Factors/${sid}` }, status: 200, code: 60390 });
    // (twilio-node reads a missing date_created as "now", so the first field found wrong is the sid.)
    expect(await kindOf(verify.fetchFactor('envelope-identity', sid))).toEqual(['upstream_error', 'Verify answered an unexpected factor sid']);
  });

  test('a refused connection is upstream_unavailable', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const client = createEmulatorTwilioClient(`http://127.0.0.1:${port}`, core.emulator.accountSid, core.emulator.authToken);
    const gateway = createVerifyGateway(client, { serviceSid: core.serviceSid, deadline: Date.now() + 60_000 });
    expect(await kindOf(gateway.listTotpFactors(IDENTITY))).toEqual(['upstream_unavailable', 'verify list factors: Verify call failed (ECONNREFUSED)']);
  });

  test('an answer later than the request budget is upstream_timeout, without waiting for it', async () => {
    await core.emulator.fault({ latencyMs: 60_000 });
    const late = core.gateway(Date.now() - 1);
    expect(await kindOf(late.listTotpFactors(IDENTITY))).toEqual(['upstream_timeout', 'verify list factors: request time budget exhausted']);
  });

  test('a call that answers in time leaves no budget timer behind', async () => {
    const timers = (): number => process.getActiveResourcesInfo().filter((resource) => resource === 'Timeout').length;
    await verify.listTotpFactors(IDENTITY);
    const before = timers();
    await verify.listTotpFactors(IDENTITY);
    expect(timers()).toBe(before);
  });
});

describe('an answer of an unexpected shape', () => {
  /** A proxy in front of the emulator that rewrites each JSON answer with `rewrite` (Verify changing its format). */
  let proxy: Server;
  let rewrite: (body: Record<string, unknown>) => void = () => undefined;
  let odd: VerifyGateway;

  beforeAll(async () => {
    proxy = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        void (async () => {
          const answer = await fetch(`${core.emulator.url}${req.url ?? '/'}`, {
            method: req.method,
            headers: { authorization: req.headers.authorization ?? '', 'content-type': req.headers['content-type'] ?? '' },
            body: req.method === 'GET' || req.method === 'DELETE' ? undefined : Buffer.concat(chunks),
          });
          const text = await answer.text();
          const body = text === '' ? undefined : (JSON.parse(text) as Record<string, unknown>);
          if (body !== undefined) {
            for (const item of (body.factors as Array<Record<string, unknown>> | undefined) ?? [body]) rewrite(item);
          }
          res.writeHead(answer.status, { 'content-type': 'application/json' });
          res.end(body === undefined ? '' : JSON.stringify(body));
        })();
      });
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
    const client = createEmulatorTwilioClient(url, core.emulator.accountSid, core.emulator.authToken);
    odd = createVerifyGateway(client, { serviceSid: core.serviceSid, deadline: Date.now() + 600_000 });
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => proxy.close(() => resolve()));
  });
  afterEach(() => {
    rewrite = () => undefined;
  });

  const set = (path: string, value: unknown) => (body: Record<string, unknown>) => {
    const [outer, inner] = path.split('.') as [string, string | undefined];
    if (inner === undefined) body[outer] = value;
    else (body[outer] as Record<string, unknown>)[inner] = value;
  };

  test.each<[string, (body: Record<string, unknown>) => void, string]>([
    ['an unknown algorithm', set('config.alg', 'md5'), 'factor algorithm'],
    ['a non-string algorithm', set('config.alg', 7), 'factor algorithm'],
    ['a fractional code length', set('config.code_length', 6.5), 'factor code length'],
    ['a textual code length', set('config.code_length', '6'), 'factor code length'],
    ['a missing time step', set('config.time_step', undefined), 'factor time step'],
    ['a missing skew', set('config.skew', null), 'factor skew'],
    ['no config', set('config', null), 'factor config'],
    ['a textual config', set('config', 'sha1'), 'factor config'],
    ['an unknown factor status', set('status', 'approved'), 'factor status'],
    ['a missing sid', set('sid', undefined), 'factor sid'],
    ['a numeric friendly name', set('friendly_name', 42), 'factor name'],
    ['an unparseable creation date', set('date_created', 'yesterday'), 'factor date'],
  ])('%s is upstream_error naming the field', async (_what, change, field) => {
    const { sid } = await rawFactor('odd-identity');
    rewrite = change;
    expect(await kindOf(odd.fetchFactor('odd-identity', sid))).toEqual(['upstream_error', `Verify answered an unexpected ${field}`]);
    expect(await kindOf(odd.listTotpFactors('odd-identity'))).toEqual(['upstream_error', `Verify answered an unexpected ${field}`]);
  });

  test('upper-case and missing algorithms read as Verify means them (missing = SHA1)', async () => {
    const { sid } = await rawFactor('alg-case-identity', { 'config.alg': 'sha256' });
    rewrite = set('config.alg', 'SHA256');
    expect((await odd.fetchFactor('alg-case-identity', sid)).config.algorithm).toBe('SHA256');
    rewrite = set('config.alg', undefined);
    expect((await odd.fetchFactor('alg-case-identity', sid)).config.algorithm).toBe('SHA1');
  });

  test('factors of other types are left out of the list', async () => {
    const identity = 'mixed-types-identity';
    const kept = await rawFactor(identity);
    const push = await rawFactor(identity);
    rewrite = (body) => {
      if (body.sid === push.sid) body.factor_type = 'push';
    };
    expect((await odd.listTotpFactors(identity)).map((factor) => factor.sid)).toEqual([kept.sid]);
  });

  test.each<[string, (body: Record<string, unknown>) => void, string]>([
    ['no binding', set('binding', null), 'factor binding'],
    ['no binding secret', set('binding.secret', undefined), 'binding secret'],
    ['a numeric binding uri', set('binding.uri', 1), 'binding uri'],
  ])('a new factor with %s is upstream_error', async (_what, change, field) => {
    rewrite = change;
    expect(await kindOf(odd.createTotpFactor('odd-create-identity', 'Phone'))).toEqual(['upstream_error', `Verify answered an unexpected ${field}`]);
  });

  test.each<[string, (body: Record<string, unknown>) => void, string]>([
    ['an unknown status', set('status', 'canceled'), 'challenge status'],
    ['no sid', set('sid', null), 'challenge sid'],
  ])('a challenge with %s is upstream_error', async (_what, change, field) => {
    const identity = 'odd-challenge-identity';
    const { sid, secret } = await rawFactor(identity);
    await verify.verifyFactor(identity, sid, core.code(secret));
    rewrite = change;
    expect(await kindOf(odd.createChallenge(identity, sid, core.wrongCode(secret)))).toEqual([
      'upstream_error',
      `Verify answered an unexpected ${field}`,
    ]);
  });

  test.each(['expired', 'denied', 'pending', 'approved'] as const)('a challenge status %s is passed through', async (status) => {
    const identity = 'challenge-status-identity';
    const { sid, secret } = await rawFactor(identity);
    await verify.verifyFactor(identity, sid, core.code(secret));
    rewrite = set('status', status);
    expect((await odd.createChallenge(identity, sid, core.wrongCode(secret))).status).toBe(status);
  });

  test('a factor status other than verified/unverified after a code is upstream_error', async () => {
    const { sid, secret } = await rawFactor('odd-verify-identity');
    rewrite = set('status', 'pending');
    expect(await kindOf(odd.verifyFactor('odd-verify-identity', sid, core.code(secret)))).toEqual([
      'upstream_error',
      'Verify answered an unexpected factor status',
    ]);
  });
});
