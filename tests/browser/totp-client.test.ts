// The client module (assets/totp-client.ts) in Node against a stand-in server: the route, token and body each method
// sends, and how each kind of failure becomes a TotpClientError. The real kit behind it: tests/browser/cross-origin.test.ts.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createTotpClient, TotpClientError, type TotpClient } from '../../assets/totp-client';

interface Seen {
  method: string;
  path: string;
  authorization: string | undefined;
  contentType: string | undefined;
  cookie: string | undefined;
  body: unknown;
}

let server: Server;
let base: string;
const seen: Seen[] = [];
/** What the stand-in answers next: status, headers, body text. */
let answer: { status: number; headers?: Record<string, string>; body: string } = { status: 200, body: '{"ok":true}' };

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
  });
}

beforeAll(async () => {
  server = createServer((req: IncomingMessage, res: ServerResponse) => {
    void readBody(req).then((text) => {
      seen.push({
        method: req.method ?? '',
        path: req.url ?? '',
        authorization: req.headers.authorization,
        contentType: req.headers['content-type'],
        cookie: req.headers.cookie,
        body: text === '' ? undefined : (JSON.parse(text) as unknown),
      });
      res.writeHead(answer.status, { 'Content-Type': 'application/json', ...answer.headers });
      res.end(answer.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

beforeEach(() => {
  seen.length = 0;
  answer = { status: 200, body: '{"ok":true}' };
});

const NOW = Date.UTC(2030, 0, 15, 9, 0, 10);

function client(options: { baseUrl?: string; token?: string | null } = {}): TotpClient {
  return createTotpClient({ baseUrl: options.baseUrl ?? base, getToken: () => (options.token === undefined ? 'caller-jwt' : options.token), now: () => NOW });
}

async function failureOf(call: Promise<unknown>): Promise<TotpClientError> {
  const error: unknown = await call.then(
    () => new Error('the call succeeded'),
    (caught: unknown) => caught,
  );
  if (!(error instanceof TotpClientError)) throw new Error(`expected a TotpClientError, got ${String(error)}`);
  return error;
}

describe('each method is one POST to its endpoint, with the bearer token and a JSON body', () => {
  test.each([
    ['enroll', (c: TotpClient) => c.enroll({ label: 'Work phone' }), '/create-factor', { label: 'Work phone' }],
    ['enroll with nothing', (c: TotpClient) => c.enroll(), '/create-factor', {}],
    ['confirm', (c: TotpClient) => c.confirm({ factorSid: 'YF1', code: '123456' }), '/verify-factor', { factorSid: 'YF1', code: '123456' }],
    ['check', (c: TotpClient) => c.check({ code: '123456', nonce: 'n-1' }), '/create-challenge', { code: '123456', nonce: 'n-1' }],
    ['useRecoveryCode', (c: TotpClient) => c.useRecoveryCode({ code: 'ABCDE-FGHIJ' }), '/use-recovery-code', { code: 'ABCDE-FGHIJ' }],
    ['listFactors', (c: TotpClient) => c.listFactors(), '/list-factors', {}],
    ['deleteFactor', (c: TotpClient) => c.deleteFactor({ factorSid: 'YF1', recoveryCode: 'ABCDE-FGHIJ' }), '/delete-factor', { factorSid: 'YF1', recoveryCode: 'ABCDE-FGHIJ' }],
    ['regenerateRecoveryCodes', (c: TotpClient) => c.regenerateRecoveryCodes({ code: '123456' }), '/regenerate-recovery-codes', { code: '123456' }],
    ['listActivity', (c: TotpClient) => c.listActivity(), '/list-activity', {}],
  ])('%s', async (_name, call, path, body) => {
    await expect(call(client())).resolves.toEqual({ ok: true });
    expect(seen).toEqual([
      { method: 'POST', path, authorization: 'Bearer caller-jwt', contentType: 'application/json', cookie: undefined, body },
    ]);
  });
});

test('a path in baseUrl is kept, with or without its trailing slash', async () => {
  await client({ baseUrl: `${base}/mfa` }).listFactors();
  await client({ baseUrl: `${base}/mfa/` }).listFactors();
  expect(seen.map((request) => request.path)).toEqual(['/mfa/list-factors', '/mfa/list-factors']);
});

test('getToken may be async, and no token sends no Authorization header (the kit answers missing_token)', async () => {
  await createTotpClient({ baseUrl: base, getToken: async () => 'later-jwt' }).listFactors();
  await client({ token: null }).listFactors();
  expect(seen.map((request) => request.authorization)).toEqual(['Bearer later-jwt', undefined]);
});

describe('failures', () => {
  test("the kit's error body becomes code, status and message", async () => {
    answer = { status: 403, body: JSON.stringify({ error: { code: 'invalid_code', message: 'The code is not valid.' } }) };
    const error = await failureOf(client().deleteFactor({ factorSid: 'YF1', code: '000000' }));
    expect(error).toMatchObject({ name: 'TotpClientError', status: 403, code: 'invalid_code', message: 'The code is not valid.' });
    expect(error).toMatchObject({ retryAfterSeconds: null, retryAt: null, locked: false });
  });

  test("a lock is data to count down from: the body's retryAfterSeconds (all a page on another origin may read)", async () => {
    answer = { status: 429, body: JSON.stringify({ error: { code: 'locked', message: 'Locked.', retryAfterSeconds: 42 } }) };
    const error = await failureOf(client().check({ code: '123456' }));
    expect(error).toMatchObject({ status: 429, code: 'locked', locked: true, retryAfterSeconds: 42, retryAt: NOW + 42_000 });
  });

  test("Verify's limits are locks too, timed by Retry-After (delta-seconds or an HTTP-date)", async () => {
    answer = { status: 429, headers: { 'Retry-After': '3600' }, body: JSON.stringify({ error: { code: 'too_many_challenges', message: 'Later.' } }) };
    expect(await failureOf(client().check({ code: '123456' }))).toMatchObject({ locked: true, retryAfterSeconds: 3600, retryAt: NOW + 3_600_000 });
    answer = { status: 429, headers: { 'Retry-After': new Date(NOW + 300_000).toUTCString() }, body: JSON.stringify({ error: { code: 'too_many_attempts', message: 'Later.' } }) };
    expect(await failureOf(client().check({ code: '123456' }))).toMatchObject({ locked: true, retryAfterSeconds: 300 });
  });

  test('a wait that is not a lock keeps locked false (a set-up under way, a busy service)', async () => {
    answer = { status: 409, body: JSON.stringify({ error: { code: 'enrollment_in_progress', message: 'Under way.', retryAfterSeconds: 12 } }) };
    expect(await failureOf(client().enroll())).toMatchObject({ locked: false, retryAfterSeconds: 12, retryAt: NOW + 12_000 });
    answer = { status: 503, headers: { 'Retry-After': '5' }, body: JSON.stringify({ error: { code: 'state_unavailable', message: 'Later.' } }) };
    expect(await failureOf(client().check({ code: '123456' }))).toMatchObject({ locked: false, retryAfterSeconds: 5 });
  });

  test('a malformed retryAfterSeconds is ignored, never turned into a time', async () => {
    for (const bad of [-1, 'soon', null, Number.MAX_VALUE * 10]) {
      answer = { status: 429, body: JSON.stringify({ error: { code: 'locked', message: 'Locked.', retryAfterSeconds: bad } }) };
      expect(await failureOf(client().check({ code: '123456' }))).toMatchObject({ locked: true, retryAfterSeconds: null, retryAt: null });
    }
  });

  test("an answer without the kit's error body is unexpected_response, even with a 200", async () => {
    answer = { status: 502, headers: { 'Content-Type': 'text/html' }, body: '<h1>Bad gateway</h1>' };
    expect(await failureOf(client().listFactors())).toMatchObject({ status: 502, code: 'unexpected_response' });
    answer = { status: 200, body: 'not json' };
    expect(await failureOf(client().listFactors())).toMatchObject({ status: 200, code: 'unexpected_response' });
    answer = { status: 200, body: JSON.stringify({ error: { code: 'internal_error', message: 'Something went wrong.' } }) };
    expect(await failureOf(client().listFactors())).toMatchObject({ status: 200, code: 'internal_error' });
  });

  test('no answer at all is network_error with status 0', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(closed.address() as AddressInfo).port}`;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    expect(await failureOf(client({ baseUrl: url }).listFactors())).toMatchObject({ status: 0, code: 'network_error', locked: false });
  });
});
