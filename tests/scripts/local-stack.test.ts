// The local stack (npm start's servers): .env.local, ports, HOST, switches and policy from the shell, CORS preflights,
// the dev token route (loopback Host only), the body-parser shim, and `npm run token`.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { jwtVerify } from 'jose';
import { deriveIdentity } from '../../lib/core/identity';
import { MAX_USER_KEY_LENGTH } from '../../lib/core/users';
import { devHostsFor } from '../../scripts/dev-routes';
import { readEnvFile } from '../../scripts/env-file';
import { exposureWarning } from '../../scripts/local-settings';
import { checkLocalStack, startLocalStack, type LocalStack, type LocalStackOptions } from '../../scripts/local-stack';
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

/** A port nobody listens on right now (the OS picks it; the server is closed again at once). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Holds a port, as another program would. */
async function occupyPort(): Promise<Server> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

function portOf(server: Server): number {
  return (server.address() as AddressInfo).port;
}

/** Resolves true when something accepts a connection on the port, false when it is refused. */
async function isListening(port: number): Promise<boolean> {
  const probe = createServer();
  return new Promise((resolve) => {
    probe.once('error', () => resolve(true));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(false)));
  });
}

/** A raw request, so a test can send any Host header (fetch always sends the URL's). */
function rawRequest(
  url: string,
  options: { method?: string; headers?: Record<string, string>; body?: string; setHost?: boolean },
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: options.method ?? 'GET', headers: options.headers, setHost: options.setHost }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text }));
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

/** A stack in its own temp files; `name` keeps the files of different tests apart. */
function startIn(name: string, options: LocalStackOptions = {}): Promise<LocalStack> {
  return startLocalStack({ port: 0, envFile: join(dir, `${name}.env`), dataDir: join(dir, `${name}-data`), ...options });
}

/** Enrolls `user` (verified factor) at `clock` and returns the factor's secret and a caller token. */
async function enroll(stack: LocalStack, user: string, clock: number): Promise<{ token: string; secret: string; factorSid: string }> {
  const { json: tokenAnswer } = await postJson(`${stack.url}/__dev/token`, { user });
  const token = String(tokenAnswer.token);
  await setEmulatorClock(stack, clock);
  const created = await postJson(`${stack.url}/create-factor`, {}, token);
  const secret = String(created.json.secret);
  const verified = await postJson(`${stack.url}/verify-factor`, { factorSid: created.json.factorSid, code: totp(secret, clock) }, token);
  expect(verified.json.status).toBe('verified');
  return { token, secret, factorSid: String(created.json.factorSid) };
}

/** Asks the stack's emulator directly, as the Verify API, whether it approves `code` for the user's factor. */
async function verifyApproves(stack: LocalStack, user: string, factorSid: string, code: string): Promise<unknown> {
  const identity = deriveIdentity(new TextEncoder().encode(stack.env.IDENTITY_SECRET), user);
  const basic = `Basic ${Buffer.from(`${stack.env.ACCOUNT_SID}:${stack.env.AUTH_TOKEN}`).toString('base64')}`;
  const response = await fetch(`${stack.emulatorUrl}/v2/Services/${stack.env.VERIFY_SERVICE_SID}/Entities/${identity}/Challenges`, {
    method: 'POST',
    headers: { authorization: basic, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ FactorSid: factorSid, AuthPayload: code }),
  });
  return ((await response.json()) as { status?: unknown }).status;
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
      RECOVERY_CODE_SECRET: expect.stringMatching(/^[0-9a-f]{64}$/),
      AUTH_JWT_SECRET: expect.stringMatching(/^[0-9a-f]{64}$/),
      APPROVAL_SIGNING_SECRET: expect.stringMatching(/^[0-9a-f]{64}$/),
      EMULATOR_URL: stack.emulatorUrl,
      VERIFY_SERVICE_SID: expect.stringMatching(/^VA[0-9a-f]{32}$/),
      SYNC_SERVICE_SID: expect.stringMatching(/^IS[0-9a-f]{32}$/),
    });
    expect(statSync(envFile).mode & 0o777).toBe(0o600);
    expect(stack.env).toEqual(written);
    // The written credentials open the emulator, and the written SID names a service that exists there.
    const basic = `Basic ${Buffer.from(`${written.ACCOUNT_SID}:${written.AUTH_TOKEN}`).toString('base64')}`;
    const service = await fetch(`${stack.emulatorUrl}/v2/Services/${written.VERIFY_SERVICE_SID}`, { headers: { authorization: basic } });
    expect(service.status).toBe(200);
    expect(((await service.json()) as { sid: string }).sid).toBe(written.VERIFY_SERVICE_SID);
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
    expect((await postJson(`${stack.url}/__dev/token`, { user: 'u'.repeat(MAX_USER_KEY_LENGTH + 1) })).status).toBe(400);
    expect((await postJson(`${stack.url}/__dev/token`, { user: 'u'.repeat(MAX_USER_KEY_LENGTH) })).status).toBe(200);
    expect((await postJson(`${stack.url}/__dev/token`, { user: ['a'] })).status).toBe(400);
    expect((await fetch(`${stack.url}/__dev/token`, { method: 'PUT' })).status).toBe(405);
    expect((await postJson(`${stack.url}/__dev/other`, {})).status).toBe(404);
  });

  test('the dev sign-in answers only a loopback Host with the stack\'s port (a DNS-rebinding page gets 403)', async () => {
    const port = new URL(stack.url).port;
    const askWith = (host: string) => rawRequest(`${stack.url}/__dev/token`, { method: 'POST', headers: { host, 'content-type': 'application/json' }, body: '{"user":"mallory"}' });
    for (const host of [`localhost:${port}`, `127.0.0.1:${port}`, `[::1]:${port}`, `LOCALHOST:${port}`]) expect((await askWith(host)).status).toBe(200);
    for (const host of [`attacker.example:${port}`, `localhost.attacker.example:${port}`, 'localhost', `127.0.0.1:${Number(port) + 1}`]) {
      const answer = await askWith(host);
      expect(answer.status).toBe(403);
      expect(JSON.parse(answer.text)).toEqual({ error: { code: 'host_not_allowed', message: expect.any(String) } });
      expect(answer.text).not.toContain('token"');
    }
    // HTTP/1.1 requires Host (RFC 9112 §3.2): node:http's server refuses a request without one before any route.
    expect((await rawRequest(`${stack.url}/__dev/token`, { method: 'POST', setHost: false, body: '{"user":"mallory"}' })).status).toBe(400);
    // The probe too: a rebinding page must not even learn that the dev sign-in exists.
    expect((await rawRequest(`${stack.url}/__dev/token`, { headers: { host: `attacker.example:${port}` } })).status).toBe(403);
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

  test('the private Function holding every handler answers 404 over HTTP, as deployed (only the Functions require it)', async () => {
    for (const path of ['/kit', '/kit?x=1']) {
      const answer = await postJson(`${stack.url}${path}`, {});
      expect([path, answer.status, answer.json]).toEqual([path, 404, { error: { code: 'not_found', message: 'No such route.' } }]);
    }
    // The public Functions, which require it, work.
    expect((await postJson(`${stack.url}/list-factors`, {})).status).toBe(401);
  });

  test('the built page is served next to the Functions', async () => {
    const response = await fetch(`${stack.url}/index.html`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/text\/html/);
  });
});

describe('.env.local', () => {
  test('a later run keeps the user\'s comments and own lines, and rewrites only what changed', async () => {
    const envFile = join(dir, 'comments.env');
    const first = await startLocalStack({ port: 0, envFile, dataDir: join(dir, 'comments-data') });
    await first.close();
    const userText = `# my notes: keep this\n${readFileSync(envFile, 'utf8')}ALLOWED_ORIGINS=https://app.example.com # mine too\n`;
    writeFileSync(envFile, userText);
    const second = await startLocalStack({ port: 0, envFile, dataDir: join(dir, 'comments-data') });
    try {
      const after = readFileSync(envFile, 'utf8');
      expect(after).toContain('# my notes: keep this\n');
      expect(after).toContain('ALLOWED_ORIGINS=https://app.example.com # mine too\n');
      // Only the emulator's address moved (a new random port); every other line is as the user left it.
      expect(after.replace(/^EMULATOR_URL=.*$/m, '')).toBe(userText.replace(/^EMULATOR_URL=.*$/m, ''));
      expect(readEnvFile(envFile).values.EMULATOR_URL).toBe(second.emulatorUrl);
    } finally {
      await second.close();
    }
  });
  test('an .env.local from before the renames: VERIFY_EMULATOR_URL becomes EMULATOR_URL, VERIFY_EMULATOR_PORT still counts with a warning', async () => {
    const envFile = join(dir, 'renamed.env');
    const emulatorPort = await freePort();
    writeFileSync(envFile, `VERIFY_EMULATOR_URL=http://127.0.0.1:4010\nVERIFY_EMULATOR_PORT=${emulatorPort}\n`);
    const stack = await startLocalStack({ port: 0, envFile, dataDir: join(dir, 'renamed-data') });
    try {
      expect(new URL(stack.emulatorUrl).port).toBe(String(emulatorPort));
      expect(stack.warnings).toEqual(['VERIFY_EMULATOR_PORT is deprecated: it is now EMULATOR_PORT (the old name still works for now)']);
      const values = readEnvFile(envFile).values;
      expect([values.EMULATOR_URL, 'VERIFY_EMULATOR_URL' in values, values.VERIFY_EMULATOR_PORT]).toEqual([stack.emulatorUrl, false, String(emulatorPort)]);
      expect(stack.env.EMULATOR_URL).toBe(stack.emulatorUrl);
    } finally {
      await stack.close();
    }
  });
});

describe('one data folder, one stack', () => {
  test('a second stack on the same data folder is refused before it opens anything; the first keeps serving its enrolled factor', async () => {
    const clock = alignedNow();
    const envFile = join(dir, 'shared.env');
    const dataDir = join(dir, 'shared-data');
    const first = await startLocalStack({ port: 0, envFile, dataDir });
    let secret = '';
    try {
      const enrolled = await enroll(first, 'shared-user', clock);
      secret = enrolled.secret;
      const token = enrolled.token;
      const refusal = `${dataDir} is in use by another emulator (process ${process.pid})`;
      // npm start's check before the build, and the start itself, both refuse.
      await expect(checkLocalStack({ port: 0, envFile, dataDir })).rejects.toThrow(refusal);
      await expect(startLocalStack({ port: 0, envFile, dataDir })).rejects.toThrow(refusal);
      await setEmulatorClock(first, clock + 30);
      expect((await postJson(`${first.url}/create-challenge`, { code: totp(secret, clock + 30) }, token)).json.status).toBe('approved');
    } finally {
      await first.close();
    }
    // On disk too: the next stack on the folder finds the factor and approves its next code.
    const next = await startLocalStack({ port: 0, envFile, dataDir });
    try {
      const { json } = await postJson(`${next.url}/__dev/token`, { user: 'shared-user' });
      await setEmulatorClock(next, clock + 60);
      expect((await postJson(`${next.url}/create-challenge`, { code: totp(secret, clock + 60) }, String(json.token))).json.status).toBe('approved');
    } finally {
      await next.close();
    }
  });
});

describe('ports and host', () => {
  test('PORT and EMULATOR_PORT in .env.local are honoured, and the environment wins over them', async () => {
    const envFile = join(dir, 'ports.env');
    const [filePort, fileEmulatorPort, shellPort] = [await freePort(), await freePort(), await freePort()];
    writeFileSync(envFile, `PORT=${filePort}\nEMULATOR_PORT=${fileEmulatorPort}\n`);
    const fromFile = await startLocalStack({ envFile, dataDir: join(dir, 'ports-data') });
    try {
      expect(new URL(fromFile.url).port).toBe(String(filePort));
      expect(new URL(fromFile.emulatorUrl).port).toBe(String(fileEmulatorPort));
    } finally {
      await fromFile.close();
    }
    const fromShell = await startLocalStack({ envFile, dataDir: join(dir, 'ports-data'), environment: { PORT: String(shellPort) } });
    try {
      expect(new URL(fromShell.url).port).toBe(String(shellPort));
      expect(new URL(fromShell.emulatorUrl).port).toBe(String(fileEmulatorPort));
    } finally {
      await fromShell.close();
    }
  });

  test('a port in use is named with the variable that moves it, and nothing is left listening', async () => {
    const taken = await occupyPort();
    const spareEmulatorPort = await freePort();
    try {
      await expect(startIn('clash-emulator', { environment: { EMULATOR_PORT: String(portOf(taken)) } })).rejects.toThrow(
        `port ${portOf(taken)} is already in use on 127.0.0.1 (the emulator): stop the other program, or set EMULATOR_PORT to a free port`,
      );
      await expect(
        startIn('clash-functions', { port: undefined, environment: { PORT: String(portOf(taken)), EMULATOR_PORT: String(spareEmulatorPort) } }),
      ).rejects.toThrow(`port ${portOf(taken)} is already in use on 127.0.0.1 (the Functions and the page): stop the other program, or set PORT to a free port`);
      // The emulator had started before the Functions' port failed; it is closed again.
      expect(await isListening(spareEmulatorPort)).toBe(false);
    } finally {
      await new Promise((resolve) => taken.close(resolve));
    }
  });

  test('a bad PORT or switch value names the variable', async () => {
    await expect(startIn('bad-port', { port: undefined, environment: { PORT: '30o0' } })).rejects.toThrow('PORT must be a port number from 0 to 65535, not "30o0"');
    await expect(startIn('bad-switch', { environment: { VERIFY_EMULATOR_ALLOW_CODE_REUSE: 'perhaps' } })).rejects.toThrow(
      'VERIFY_EMULATOR_ALLOW_CODE_REUSE: --allow-code-reuse expects true or false',
    );
  });

  test('a HOST other than the loopback is warned about (the dev sign-in would mint tokens for anyone)', () => {
    expect(exposureWarning('0.0.0.0')).toMatch(/^HOST=0\.0\.0\.0 lets other machines reach the local stack, and its dev sign-in/);
    expect(exposureWarning('192.168.56.10')).toMatch(/^HOST=192\.168\.56\.10 /);
    for (const loopback of ['127.0.0.1', '127.0.0.2', 'localhost', '::1', '[::1]']) expect(exposureWarning(loopback)).toBeUndefined();
  });

  test('the dev sign-in accepts the loopback names and the configured HOST, each with the stack\'s port only', () => {
    expect([...devHostsFor(3000, '127.0.0.1')].sort()).toEqual(['127.0.0.1:3000', '[::1]:3000', 'localhost:3000']);
    expect(devHostsFor(3000, '192.168.56.10').has('192.168.56.10:3000')).toBe(true);
    expect(devHostsFor(3000, '::1').has('[::1]:3000')).toBe(true);
    expect(devHostsFor(3000, '192.168.56.10').has('192.168.56.10:3001')).toBe(false);
  });

  test('a request that arrives while the stack starts is answered, not left hanging', async () => {
    const port = await freePort();
    let stop = false;
    // Knocks until the port opens; the first request that gets in must be answered like any other.
    const knock = (async () => {
      while (!stop) {
        try {
          return await fetch(`http://127.0.0.1:${port}/index.html`);
        } catch {
          // refused: not listening yet
        }
      }
      return undefined;
    })();
    const stack = await startIn('race', { port });
    try {
      const first = await knock;
      expect(first?.status).toBe(200);
    } finally {
      stop = true;
      await stack.close();
    }
  });
});

describe('settings from the shell', () => {
  test('VERIFY_EMULATOR_ALLOW_CODE_REUSE=true (the emulator\'s own switch) reaches the emulator: Verify approves one code twice, the kit once', async () => {
    const clock = alignedNow();
    const reuse = await startIn('reuse-on', { environment: { VERIFY_EMULATOR_ALLOW_CODE_REUSE: 'true' } });
    try {
      const { token, secret, factorSid } = await enroll(reuse, 'reuse-user', clock);
      await setEmulatorClock(reuse, clock + 30);
      const code = totp(secret, clock + 30);
      expect((await postJson(`${reuse.url}/create-challenge`, { code }, token)).json.status).toBe('approved');
      expect(await verifyApproves(reuse, 'reuse-user', factorSid, code)).toBe('approved');
      // The kit's own replay guard holds even though Verify (here) accepts the code again.
      const again = await postJson(`${reuse.url}/create-challenge`, { code }, token);
      expect([again.status, (again.json.error as { code?: string } | undefined)?.code]).toEqual([409, 'code_reused']);
    } finally {
      await reuse.close();
    }
  });

  test('the switch in .env.local counts too, and the environment wins over it', async () => {
    const clock = alignedNow();
    const envFile = join(dir, 'switch-file.env');
    writeFileSync(envFile, 'VERIFY_EMULATOR_ALLOW_CODE_REUSE=true\n');
    const fileOnly = await startLocalStack({ port: 0, envFile, dataDir: join(dir, 'switch-file-data') });
    try {
      const { token, secret, factorSid } = await enroll(fileOnly, 'file-user', clock);
      await setEmulatorClock(fileOnly, clock + 30);
      const code = totp(secret, clock + 30);
      expect((await postJson(`${fileOnly.url}/create-challenge`, { code }, token)).json.status).toBe('approved');
      expect(await verifyApproves(fileOnly, 'file-user', factorSid, code)).toBe('approved');
    } finally {
      await fileOnly.close();
    }
    const shellSaysNo = await startLocalStack({
      port: 0,
      envFile,
      dataDir: join(dir, 'switch-file-data-2'),
      environment: { VERIFY_EMULATOR_ALLOW_CODE_REUSE: 'false' },
    });
    try {
      const { token, secret, factorSid } = await enroll(shellSaysNo, 'shell-user', clock);
      await setEmulatorClock(shellSaysNo, clock + 30);
      const code = totp(secret, clock + 30);
      expect((await postJson(`${shellSaysNo.url}/create-challenge`, { code }, token)).json.status).toBe('approved');
      expect(await verifyApproves(shellSaysNo, 'shell-user', factorSid, code)).toBe('pending');
    } finally {
      await shellSaysNo.close();
    }
  });

  test('the kit\'s policy variables from the shell reach the Functions over .env.local; generated secrets stay the file\'s', async () => {
    const envFile = join(dir, 'policy.env');
    writeFileSync(envFile, 'ALLOWED_ORIGINS=https://from-file.example\n');
    const stack = await startLocalStack({
      port: 0,
      envFile,
      dataDir: join(dir, 'policy-data'),
      environment: { ALLOWED_ORIGINS: 'https://app.example.com', IDENTITY_SECRET: 'x'.repeat(40), ACCOUNT_SID: `AC${'0'.repeat(32)}` },
    });
    try {
      const file = readEnvFile(envFile).values;
      expect(stack.env.ALLOWED_ORIGINS).toBe('https://app.example.com');
      expect(stack.env.IDENTITY_SECRET).toBe(file.IDENTITY_SECRET);
      expect(stack.env.ACCOUNT_SID).toBe(file.ACCOUNT_SID);
      // The shell's value is not written into the file.
      expect(file.ALLOWED_ORIGINS).toBe('https://from-file.example');
      const { json } = await postJson(`${stack.url}/__dev/token`, { user: 'policy-user' });
      const answer = (origin: string) =>
        fetch(`${stack.url}/list-factors`, {
          method: 'POST',
          headers: { authorization: `Bearer ${String(json.token)}`, 'content-type': 'application/json', origin },
          body: '{}',
        });
      expect((await answer('https://app.example.com')).headers.get('access-control-allow-origin')).toBe('https://app.example.com');
      expect((await answer('https://from-file.example')).headers.get('access-control-allow-origin')).toBeNull();
    } finally {
      await stack.close();
    }
  });
});

describe('CORS preflight on the local stack (the kit answers, with the ALLOWED_ORIGINS allow-list)', () => {
  let stack: LocalStack;
  beforeAll(async () => {
    stack = await startIn('cors', { envOverrides: { ALLOWED_ORIGINS: 'https://app.example.com' } });
  });
  afterAll(async () => {
    await stack.close();
  });

  const preflight = (origin: string, method = 'POST') =>
    fetch(`${stack.url}/create-factor`, {
      method: 'OPTIONS',
      headers: { origin, 'access-control-request-method': method, 'access-control-request-headers': 'authorization,content-type' },
    });

  test('an allowed origin gets its exact origin back, POST, and the two headers the endpoints take', async () => {
    const answer = await preflight('https://app.example.com');
    expect(answer.status).toBe(204);
    expect(answer.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
    expect(answer.headers.get('access-control-allow-methods')).toBe('POST');
    expect(answer.headers.get('access-control-allow-headers')).toBe('authorization, content-type');
    expect(answer.headers.get('vary')).toMatch(/\bOrigin\b/);
    expect(answer.headers.get('access-control-allow-credentials')).toBeNull();
  });

  test('another origin, or another method, gets no Access-Control-Allow-Origin (never `*`)', async () => {
    for (const answer of [await preflight('https://evil.example'), await preflight('https://app.example.com', 'DELETE'), await preflight('null')]) {
      expect(answer.status).toBe(204);
      expect(answer.headers.get('access-control-allow-origin')).toBeNull();
      expect(answer.headers.get('access-control-allow-credentials')).toBeNull();
      expect(answer.headers.get('vary')).toMatch(/\bOrigin\b/);
    }
  });

  test('a preflight for the page (an asset) is not answered with `*` either', async () => {
    const answer = await fetch(`${stack.url}/index.html`, { method: 'OPTIONS', headers: { origin: 'https://evil.example', 'access-control-request-method': 'GET' } });
    expect(answer.headers.get('access-control-allow-origin')).toBeNull();
  });

  test('a malformed JSON body gets the kit\'s 400 invalid_json with nosniff, no-store and the allowed origin', async () => {
    const answer = await fetch(`${stack.url}/list-factors`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: 'https://app.example.com' },
      body: '{"broken":',
    });
    expect(answer.status).toBe(400);
    expect(await answer.json()).toEqual({ error: { code: 'invalid_json', message: 'The request body could not be read.' } });
    expect(answer.headers.get('x-content-type-options')).toBe('nosniff');
    expect(answer.headers.get('cache-control')).toBe('no-store');
    expect(answer.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
  });
});
