// The local stack's gateway in front of /studio/check-code (.protected): only a request with a valid
// X-Twilio-Signature for the account's auth token over the address the caller used reaches the Function, as deployed.
import { request } from 'node:http';
import twilio from 'twilio';
import { getExpectedTwilioSignature } from 'twilio/lib/webhooks/webhooks';
import { alignedNow, body, startFunctionsHarness, totp, type FunctionsHarness } from '../helpers/functions';

const PATH = '/studio/check-code';
const REFUSAL = 'Unauthorized - you are not authenticated to perform this request';
const FORM = 'application/x-www-form-urlencoded';

let harness: FunctionsHarness;
let clock: number;
let secret: string;
const USER = '+15550300001';

beforeAll(async () => {
  harness = await startFunctionsHarness();
  clock = alignedNow();
  await harness.setClock(clock);
  const token = await harness.token(USER);
  const created = body(await harness.post('/create-factor', {}, { token })) as { factorSid: string; secret: string };
  secret = created.secret;
  expect(body(await harness.post('/verify-factor', { factorSid: created.factorSid, code: totp(secret, clock) }, { token })).status).toBe('verified');
  clock += 30;
  await harness.setClock(clock);
});
afterAll(async () => {
  await harness.close();
});

interface Raw {
  status: number;
  contentType: string | undefined;
  text: string;
}

/** A raw POST to the stack with exactly these headers (Host included, which fetch would not let us set). */
function rawPost(path: string, headers: Record<string, string>, payload: string): Promise<Raw> {
  const { port } = new URL(harness.url);
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: 'POST', headers: { 'content-length': String(Buffer.byteLength(payload)), ...headers } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, contentType: res.headers['content-type'], text }));
    });
    req.on('error', reject);
    req.end(payload);
  });
}

function form(fields: Record<string, string>): string {
  return new URLSearchParams(fields).toString();
}

function expectRefused(answer: Raw): void {
  expect([answer.status, answer.contentType, answer.text]).toEqual([403, 'text/plain; charset=utf-8', REFUSAL]);
}

test('without X-Twilio-Signature → 403 as Twilio answers, and the Function never ran (the code is still good after)', async () => {
  const code = totp(secret, clock);
  const host = new URL(harness.url).host;
  expectRefused(await rawPost(PATH, { host, 'content-type': FORM }, form({ user: USER, code })));
  // Had the Function run, the code would now be used (replay guard) and the signed check below would be pending.
  expect(body(await harness.post(PATH, { user: USER, code }, { form: true, signed: true }))).toEqual({ status: 'approved' });
});

test('a signature made with another auth token → 403 (the twilio package refuses it too)', async () => {
  const host = new URL(harness.url).host;
  const fields = { user: USER, code: '123456' };
  const url = `http://${host}${PATH}`;
  const wrong = getExpectedTwilioSignature('0'.repeat(32), url, fields);
  expect(twilio.validateRequest(harness.env.AUTH_TOKEN ?? '', wrong, url, fields)).toBe(false);
  expectRefused(await rawPost(PATH, { host, 'content-type': FORM, 'x-twilio-signature': wrong }, form(fields)));
});

test('a good signature with another body (the code changed) → 403', async () => {
  const host = new URL(harness.url).host;
  const signed = harness.sign(PATH, { contentType: FORM, body: form({ user: USER, code: '111111' }) });
  expectRefused(await rawPost(PATH, { host, 'content-type': FORM, 'x-twilio-signature': signed.signature }, form({ user: USER, code: '222222' })));
});

test('a correctly signed request is answered by the Function, and the twilio package agrees it is valid', async () => {
  const host = new URL(harness.url).host;
  const fields = { user: '+15550300002', code: '123456' };
  const { url, signature } = harness.sign(PATH, { contentType: FORM, body: form(fields) });
  expect(twilio.validateRequest(harness.env.AUTH_TOKEN ?? '', signature, url, fields)).toBe(true);
  const answer = await rawPost(PATH, { host, 'content-type': FORM, 'x-twilio-signature': signature }, form(fields));
  expect([answer.status, JSON.parse(answer.text)]).toEqual([200, { status: 'not_enrolled' }]);
});

test('the signature covers the address the caller used: Host and scheme are part of it', async () => {
  const { port } = new URL(harness.url);
  const fields = { user: '+15550300003', code: '123456' };
  const token = harness.env.AUTH_TOKEN ?? '';
  const forLocalhost = getExpectedTwilioSignature(token, `http://localhost:${port}${PATH}`, fields);
  // Called as localhost: answered. The same signature arriving as 127.0.0.1: another URL, refused.
  expect((await rawPost(PATH, { host: `localhost:${port}`, 'content-type': FORM, 'x-twilio-signature': forLocalhost }, form(fields))).status).toBe(200);
  expectRefused(await rawPost(PATH, { host: `127.0.0.1:${port}`, 'content-type': FORM, 'x-twilio-signature': forLocalhost }, form(fields)));
  // Behind an https tunnel (X-Forwarded-Proto), the public https address is what was signed.
  const forTunnel = getExpectedTwilioSignature(token, `https://tunnel.example${PATH}`, fields);
  const viaTunnel = { host: 'tunnel.example', 'content-type': FORM, 'x-twilio-signature': forTunnel };
  expect((await rawPost(PATH, { ...viaTunnel, 'x-forwarded-proto': 'https' }, form(fields))).status).toBe(200);
  expectRefused(await rawPost(PATH, viaTunnel, form(fields)));
});

test('a JSON body passes only when signed through bodySHA256 in the URL', async () => {
  const host = new URL(harness.url).host;
  const json = JSON.stringify({ user: '+15550300004', code: '123456' });
  const signed = harness.sign(PATH, { contentType: 'application/json', body: json });
  const path = signed.url.slice(harness.url.length);
  expect(path).toMatch(/^\/studio\/check-code\?bodySHA256=[0-9a-f]{64}$/);
  expect(twilio.validateRequestWithBody(harness.env.AUTH_TOKEN ?? '', signed.signature, signed.url, json)).toBe(true);
  const answer = await rawPost(path, { host, 'content-type': 'application/json', 'x-twilio-signature': signed.signature }, json);
  expect([answer.status, JSON.parse(answer.text)]).toEqual([200, { status: 'not_enrolled' }]);
  // The bare URL's signature does not cover a JSON body.
  const bare = harness.sign(PATH);
  expectRefused(await rawPost(PATH, { host, 'content-type': 'application/json', 'x-twilio-signature': bare.signature }, json));
});

test('public routes are not behind the gateway, and preflights are answered before it', async () => {
  const answer = await harness.post('/create-factor', {});
  expect(answer.status).toBe(401);
  const preflight = await fetch(harness.url + PATH, { method: 'OPTIONS' });
  expect(preflight.status).toBe(204);
});

test('a body over the runtime’s 6 MB is refused as the runtime refuses it, before any signature is computed', async () => {
  const answer = await harness.post(PATH, { user: 'x'.repeat(7 * 1024 * 1024), code: '123456' }, { form: true });
  expect([answer.status, body(answer)]).toEqual([413, { error: { code: 'body_too_large', message: 'The request body could not be read.' } }]);
});
