// The rehearsal proxy: real child processes (and the unmodified serverless-api client) reach Twilio's two Serverless
// hosts on a local target through it, trusting its CA through NODE_EXTRA_CA_CERTS alone; every other host is refused.
import { execFile } from 'node:child_process';
import { createServer, request, type IncomingHttpHeaders, type Server } from 'node:http';
import { get as httpsGet } from 'node:https';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { startRehearsalProxy, RehearsalProxyError, type RehearsalProxy } from '../../../scripts/rehearsal/proxy';

const CHILDREN = join(__dirname, 'children');
const ACCOUNT_SID = 'AC00000000000000000000000000000001';
const AUTH_TOKEN = 'rehearsal-auth-token';

interface Recorded {
  method: string;
  host: string | undefined;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

let target: Server;
let targetUrl: string;
let recorded: Recorded[] = [];
let proxy: RehearsalProxy;
let proxyLog: string[] = [];

/** A tiny stand-in for the emulator's Serverless product: records each request and answers two of them. */
function answer(req: Recorded): { status: number; body: object } {
  if (req.method === 'GET' && req.path === '/v1/Services') {
    return {
      status: 200,
      body: { services: [{ sid: 'ZS00000000000000000000000000000001', unique_name: 'totp-functions' }], meta: { key: 'services', next_page_url: null } },
    };
  }
  if (req.method === 'POST' && req.path === '/v1/Services/ZS00000000000000000000000000000001/Functions/ZH00000000000000000000000000000001/Versions') {
    return { status: 201, body: { sid: 'ZN00000000000000000000000000000001', path: '/hello', visibility: 'protected' } };
  }
  return { status: 404, body: { code: 20404, message: 'not here', status: 404 } };
}

beforeAll(async () => {
  target = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const entry = { method: req.method ?? '', host: req.headers.host, path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
      recorded.push(entry);
      const { status, body } = answer(entry);
      res.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
    });
  });
  await new Promise<void>((resolve) => target.listen(0, '127.0.0.1', resolve));
  targetUrl = `http://127.0.0.1:${(target.address() as AddressInfo).port}`;
  proxy = await startRehearsalProxy({ target: targetUrl, log: (line) => proxyLog.push(line) });
});
afterAll(async () => {
  await proxy.close();
  await new Promise((resolve) => target.close(resolve));
});
beforeEach(() => {
  recorded = [];
  proxyLog = [];
});

/** The hpagent copy serverless-api loads (it is serverless-api's dependency, not the kit's). */
function hpagent(): typeof import('hpagent') {
  return require(require.resolve('hpagent', { paths: [dirname(require.resolve('@twilio-labs/serverless-api'))] })) as typeof import('hpagent');
}

/** Runs a child under tests/…/children with only PATH and `env` (nothing of this process's proxy or CA settings). */
function child(script: string, args: string[], env: Record<string, string>): Promise<{ code: number; out: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['--require', 'tsx/cjs', join(CHILDREN, script), ...args],
      { env: { PATH: process.env.PATH ?? '', ...env }, timeout: 20_000 },
      (error, stdout, stderr) => {
        const line = stdout.trim().split('\n').pop() ?? '';
        try {
          resolve({ code: error === null ? 0 : (typeof error.code === 'number' ? error.code : 1), out: JSON.parse(line) as Record<string, unknown> });
        } catch {
          reject(new Error(`child ${script} printed no JSON: ${stdout} ${stderr}`));
        }
      },
    );
  });
}

test('a child with HTTPS_PROXY and NODE_EXTRA_CA_CERTS reaches https://serverless.twilio.com/v1/Services on the target', async () => {
  const { code, out } = await child('https-get.ts', ['https://serverless.twilio.com/v1/Services'], { ...proxy.childEnv });
  expect(code).toBe(0);
  expect(out.status).toBe(200);
  expect(JSON.parse(String(out.body))).toMatchObject({ services: [{ unique_name: 'totp-functions' }] });
  // The target saw the request as sent to Twilio: the original Host, the path, decrypted.
  expect(recorded).toEqual([expect.objectContaining({ method: 'GET', host: 'serverless.twilio.com', path: '/v1/Services' })]);
  expect(recorded[0]?.headers['x-forwarded-proto']).toBe('https');
});

test('the upload host is answered the same way, with its own Host', async () => {
  const { out } = await child('https-get.ts', ['https://serverless-upload.twilio.com/v1/Services'], { ...proxy.childEnv });
  expect(out.status).toBe(200);
  expect(recorded.map((entry) => entry.host)).toEqual(['serverless-upload.twilio.com']);
});

test('any other host is refused, and the refusal names it', async () => {
  const { code, out } = await child('https-get.ts', ['https://api.twilio.com/2010-04-01/Accounts.json'], { ...proxy.childEnv });
  expect(code).toBe(1);
  expect(out.error).toMatch(/403/);
  expect(recorded).toEqual([]);
  expect(proxy.refused()).toContain('api.twilio.com:443');
  expect(proxyLog).toEqual(['rehearsal proxy: refused api.twilio.com:443']);
});

test('a CONNECT for another host gets 403 with the host and the two allowed ones named; so does another port', async () => {
  const connect = (authority: string): Promise<{ status: number; body: string }> =>
    new Promise((resolve, reject) => {
      const { port } = new URL(proxy.url);
      const req = request({ host: '127.0.0.1', port, method: 'CONNECT', path: authority });
      req.on('connect', (res, socket, head: Buffer) => {
        // Bytes that came with the status line arrive in `head`, the rest on the socket.
        let body = head.toString('utf8');
        socket.setEncoding('utf8');
        socket.on('data', (chunk: string) => (body += chunk));
        socket.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.on('error', reject);
      req.end();
    });
  expect(await connect('evil.example:443')).toEqual({
    status: 403,
    body: 'the deploy rehearsal proxy refused evil.example:443: it answers only serverless.twilio.com:443 and serverless-upload.twilio.com:443\n',
  });
  expect((await connect('serverless.twilio.com:8443')).body).toMatch(/refused serverless\.twilio\.com:8443/);
});

test('inside an allowed tunnel, a request whose Host is another host is refused (421) and named, not forwarded', async () => {
  const answered = await new Promise<{ status: number; body: string }>((resolve, reject) => {
    httpsGet(
      {
        host: 'serverless.twilio.com',
        servername: 'serverless.twilio.com',
        path: '/2010-04-01/Accounts.json',
        headers: { host: 'api.twilio.com' },
        agent: new (hpagent().HttpsProxyAgent)({ proxy: proxy.url }),
        // This process trusts the CA for this one request only, to get past TLS to the Host check.
        ca: [readFileSync(proxy.caFile, 'utf8')],
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    ).on('error', reject);
  });
  expect(answered).toEqual({ status: 421, body: expect.stringContaining('refused Host api.twilio.com') });
  expect(recorded).toEqual([]);
});

test('a plain-http proxy request is refused and named: nothing is forwarded in the clear', async () => {
  const status = await new Promise<{ status: number; body: string }>((resolve, reject) => {
    const { port } = new URL(proxy.url);
    request({ host: '127.0.0.1', port, path: 'http://serverless.twilio.com/v1/Services' }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    })
      .on('error', reject)
      .end();
  });
  expect(status.status).toBe(403);
  expect(status.body).toMatch(/refused plain http to serverless\.twilio\.com/);
  expect(recorded).toEqual([]);
});

test('without NODE_EXTRA_CA_CERTS the same child fails TLS: the CA is trusted per child, not machine-wide', async () => {
  const { HTTPS_PROXY } = proxy.childEnv;
  const { code, out } = await child('https-get.ts', ['https://serverless.twilio.com/v1/Services'], { HTTPS_PROXY });
  expect(code).toBe(1);
  expect(out.error).toMatch(/UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT|SELF_SIGNED_CERT_IN_CHAIN/);
  expect(recorded).toEqual([]);
});

test('this test process, which never set NODE_EXTRA_CA_CERTS, does not trust the proxy either', async () => {
  const { HttpsProxyAgent } = hpagent();
  const error = await new Promise<NodeJS.ErrnoException>((resolve) => {
    httpsGet('https://serverless.twilio.com/v1/Services', { agent: new HttpsProxyAgent({ proxy: proxy.url }) }, () => resolve(new Error('answered'))).on(
      'error',
      resolve,
    );
  });
  expect(error.code).toMatch(/UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT|SELF_SIGNED_CERT_IN_CHAIN/);
});

test('the unmodified @twilio-labs/serverless-api client lists services and uploads a Function Version through it', async () => {
  const { code, out } = await child('serverless-client.ts', [], { HTTP_PROXY: proxy.childEnv.HTTP_PROXY, NODE_EXTRA_CA_CERTS: proxy.caFile, ACCOUNT_SID, AUTH_TOKEN });
  expect(out).toEqual({ services: ['totp-functions'], versionSid: 'ZN00000000000000000000000000000001' });
  expect(code).toBe(0);
  const basic = `Basic ${Buffer.from(`${ACCOUNT_SID}:${AUTH_TOKEN}`).toString('base64')}`;
  expect(recorded.map((entry) => [entry.method, entry.host, entry.path, entry.headers.authorization])).toEqual([
    ['GET', 'serverless.twilio.com', '/v1/Services', basic],
    ['POST', 'serverless-upload.twilio.com', '/v1/Services/ZS00000000000000000000000000000001/Functions/ZH00000000000000000000000000000001/Versions', basic],
  ]);
  // The upload arrives as the library sent it: multipart with Path, Visibility and the content.
  const upload = recorded[1];
  expect(upload?.headers['content-type']).toMatch(/^multipart\/form-data; boundary=/);
  expect(upload?.body).toMatch(/name="Path"\r\n\r\n\/hello\r\n/);
  expect(upload?.body).toMatch(/name="Visibility"\r\n\r\nprotected\r\n/);
  expect(upload?.body).toContain('exports.handler = (c, e, cb) => cb(null, "hi");');
  expect(proxy.refused()).not.toContain('serverless.twilio.com:443');
});

test('the proxy forwards only to a loopback http target: the requests carry the account credentials', async () => {
  await expect(startRehearsalProxy({ target: 'https://serverless.twilio.com' })).rejects.toThrow(RehearsalProxyError);
  await expect(startRehearsalProxy({ target: 'http://192.0.2.1:4010' })).rejects.toThrow(/loopback/);
});

test('an unreachable target is a 502 that names the target', async () => {
  const dead = createServer();
  await new Promise<void>((resolve) => dead.listen(0, '127.0.0.1', resolve));
  const deadUrl = `http://127.0.0.1:${(dead.address() as AddressInfo).port}`;
  await new Promise((resolve) => dead.close(resolve));
  const lines: string[] = [];
  const lonely = await startRehearsalProxy({ target: deadUrl, log: (line) => lines.push(line) });
  try {
    const { out } = await child('https-get.ts', ['https://serverless.twilio.com/v1/Services'], { ...lonely.childEnv });
    expect(out.status).toBe(502);
    expect(out.body).toContain(`could not reach its target ${deadUrl}`);
    expect(lines).toEqual([`rehearsal proxy: target ${deadUrl} unreachable (ECONNREFUSED)`]);
  } finally {
    await lonely.close();
  }
});
