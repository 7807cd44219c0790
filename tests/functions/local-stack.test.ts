// The local stack (npm start): generated .env.local, reuse across runs, the dev token route and `npm run token`.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { jwtVerify } from 'jose';
import { readEnvFile } from '../../scripts/env-file';
import { startLocalStack, type LocalStack } from '../../scripts/start';
import { alignedNow, totp } from '../helpers/functions';

const ROOT = join(__dirname, '..', '..');
let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'totp-local-stack-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

async function postJson(url: string, payload: unknown, token?: string): Promise<{ status: number; json: Record<string, unknown> }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token === undefined ? {} : { authorization: `Bearer ${token}` }) },
    body: JSON.stringify(payload),
  });
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}

/** Freezes the stack's emulator clock (control endpoint, same Basic auth as the Verify API). */
async function setEmulatorClock(stack: LocalStack, epochSeconds: number): Promise<void> {
  const basic = `Basic ${Buffer.from(`${stack.env.ACCOUNT_SID}:${stack.env.AUTH_TOKEN}`).toString('base64')}`;
  const response = await fetch(`${stack.emulatorUrl}/__emulator/clock`, {
    method: 'POST',
    headers: { authorization: basic, 'content-type': 'application/json' },
    body: JSON.stringify({ now: epochSeconds * 1000 }),
  });
  expect(response.status).toBe(200);
}

test('the first run writes .env.local (owner-only) with dummy credentials, secrets, the service and the emulator URL', async () => {
  const envFile = join(dir, 'first.env');
  const stack = await startLocalStack({ port: 0, envFile, dataDir: join(dir, 'first-data') });
  try {
    const written = readEnvFile(envFile).values;
    expect(written).toEqual({
      ACCOUNT_SID: expect.stringMatching(/^AC[0-9a-f]{32}$/),
      AUTH_TOKEN: expect.stringMatching(/^[0-9a-f]{32}$/),
      IDENTITY_SECRET: expect.stringMatching(/^[0-9a-f]{64}$/),
      AUTH_JWT_SECRET: expect.stringMatching(/^[0-9a-f]{64}$/),
      APPROVAL_SIGNING_SECRET: expect.stringMatching(/^[0-9a-f]{64}$/),
      VERIFY_EMULATOR_URL: stack.emulatorUrl,
      VERIFY_SERVICE_SID: expect.stringMatching(/^VA[0-9a-f]{32}$/),
      SYNC_SERVICE_SID: expect.stringMatching(/^IS[0-9a-f]{32}$/),
    });
    expect(statSync(envFile).mode & 0o777).toBe(0o600);
    expect(stack.env).toEqual(written);
  } finally {
    await stack.close();
  }
});

test('a second run reuses the file and the emulator data: a factor enrolled yesterday still signs in today', async () => {
  const envFile = join(dir, 'reuse.env');
  const dataDir = join(dir, 'reuse-data');
  const clock = alignedNow();
  const first = await startLocalStack({ port: 0, envFile, dataDir });
  let secret: string;
  try {
    const { json: tokenAnswer } = await postJson(`${first.url}/__dev/token`, { user: 'persistent-user' });
    const token = String(tokenAnswer.token);
    await setEmulatorClock(first, clock);
    const created = await postJson(`${first.url}/create-factor`, {}, token);
    secret = String(created.json.secret);
    const verified = await postJson(`${first.url}/verify-factor`, { factorSid: created.json.factorSid, code: totp(secret, clock) }, token);
    expect(verified.json.status).toBe('verified');
  } finally {
    await first.close();
  }

  const second = await startLocalStack({ port: 0, envFile, dataDir });
  try {
    expect(second.env.VERIFY_SERVICE_SID).toBe(first.env.VERIFY_SERVICE_SID);
    expect(second.env.IDENTITY_SECRET).toBe(first.env.IDENTITY_SECRET);
    await setEmulatorClock(second, clock + 30);
    const { json: tokenAnswer } = await postJson(`${second.url}/__dev/token`, { user: 'persistent-user' });
    const check = await postJson(`${second.url}/create-challenge`, { code: totp(secret, clock + 30) }, String(tokenAnswer.token));
    expect(check.json.status).toBe('approved');
  } finally {
    await second.close();
  }
});

describe('dev-only routes', () => {
  let stack: LocalStack;
  beforeAll(async () => {
    stack = await startLocalStack({ port: 0, envFile: join(dir, 'dev.env'), dataDir: join(dir, 'dev-data') });
  });
  afterAll(async () => {
    await stack.close();
  });

  test('POST /__dev/token {user} → a caller token for that user, signed with AUTH_JWT_SECRET', async () => {
    const { status, json } = await postJson(`${stack.url}/__dev/token`, { user: 'frank' });
    expect(status).toBe(200);
    const { payload } = await jwtVerify(String(json.token), new TextEncoder().encode(stack.env.AUTH_JWT_SECRET), { algorithms: ['HS256'] });
    expect(payload.sub).toBe('frank');
    expect((payload.exp ?? 0) - (payload.iat ?? 0)).toBe(3600);
  });

  test('the bare address sends a person to the page', async () => {
    const answer = await fetch(`${stack.url}/`, { redirect: 'manual' });
    expect(answer.status).toBe(302);
    expect(answer.headers.get('location')).toBe('/index.html');
  });

  test('GET /__dev/token answers 204 (the page\'s probe for the dev sign-in) and mints nothing', async () => {
    const answer = await fetch(`${stack.url}/__dev/token`);
    expect(answer.status).toBe(204);
    expect(await answer.text()).toBe('');
  });

  test('bad dev-token requests are refused as JSON', async () => {
    expect((await postJson(`${stack.url}/__dev/token`, { user: '' })).status).toBe(400);
    expect((await postJson(`${stack.url}/__dev/token`, { user: ['a'] })).status).toBe(400);
    expect((await fetch(`${stack.url}/__dev/token`, { method: 'PUT' })).status).toBe(405);
    expect((await postJson(`${stack.url}/__dev/other`, {})).status).toBe(404);
  });

  test('`npm run token -- <user>` prints only a token for the same secret', async () => {
    const run = promisify(execFile);
    const { stdout } = await run(process.execPath, [join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs'), join(ROOT, 'scripts', 'token.ts'), 'grace'], {
      env: { ...process.env, ENV_FILE: join(dir, 'dev.env') },
    });
    const token = stdout.trim();
    expect(token).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
    const { payload } = await jwtVerify(token, new TextEncoder().encode(stack.env.AUTH_JWT_SECRET));
    expect(payload.sub).toBe('grace');
  });

  test('the built page is served next to the Functions', async () => {
    const response = await fetch(`${stack.url}/index.html`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/text\/html/);
  });
});
