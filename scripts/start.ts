// `npm start`: the local stack. Verify emulator + the built Functions and page in @twilio/runtime-handler's dev server
// (in-process, no fork per request), behind a small node:http server that adds the dev-only routes under /__dev/.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { LocalDevelopmentServer } from '@twilio/runtime-handler/dev';
import { fsHelpers } from '@twilio-labs/serverless-api';
import type { ErrorRequestHandler } from 'express';
import twilio from 'twilio';
import { ControllableClock } from '../emulator/clock';
import { createEmulator } from '../emulator/server';
import type { EmulatorSwitches } from '../emulator/switches';
import { createEmulatorHttpClient } from '../lib/emulator-http-client';
import { linkEmulatorClock, linkFunctionsToEmulator } from '../lib/emulator-link';
import { readEnvValues, withGeneratedValues, writeEnvValues } from './local-env';
import { mintCallerToken } from './token';

const ROOT = join(__dirname, '..');
const DEFAULT_PORT = 3000;
const DEFAULT_EMULATOR_PORT = 4010;
const HOST = '127.0.0.1';
/** Verify's FriendlyName rule: ≤ 30 characters, letters, digits, spaces, dashes. It is the issuer in the app. */
const LOCAL_SERVICE_NAME = 'totp-functions local';
const MAX_DEV_BODY_BYTES = 16 * 1024;
const MAX_USER_LENGTH = 256;

export interface LocalStackOptions {
  /** Port of the Functions and page; 0 = a random free port. Default: PORT, else 3000. */
  port?: number;
  /** Default: .env.local in the repository (tests pass a temp file). */
  envFile?: string;
  /** Emulator data directory. Default: .emulator-data in the repository. */
  dataDir?: string;
  emulatorSwitches?: Partial<EmulatorSwitches>;
  /** Default: 0 when `port` is 0, else VERIFY_EMULATOR_PORT, else 4010. */
  emulatorPort?: number;
  /** Variables that override the env file for this run only (tests use it, e.g. VERIFY_TIMEOUT_MS). */
  envOverrides?: Record<string, string>;
  /** One line per request and per emulator request (default: discarded). */
  log?: (line: string) => void;
}

export interface LocalStack {
  /** Address of the Functions and the page, e.g. http://127.0.0.1:3000 */
  url: string;
  emulatorUrl: string;
  /** The environment the Functions see (what .env.local holds, plus overrides). */
  env: Record<string, string>;
  /**
   * Freezes the time at `epochMs` for the emulator and the Functions alike (the kit's locks read the same clock as
   * Verify's codes). /__emulator/clock moves the emulator's clock alone.
   */
  setClock(epochMs: number): void;
  close(): Promise<void>;
}

function listen(server: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, HOST, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

/** Reuses the service named in the env file when the emulator still has it, else creates one. */
async function ensureVerifyService(env: Record<string, string>, emulatorUrl: string): Promise<string> {
  const httpClient = createEmulatorHttpClient({ emulatorUrl, timeoutMs: 5000 });
  const client = twilio(env.ACCOUNT_SID, env.AUTH_TOKEN, { httpClient });
  const existing = env.VERIFY_SERVICE_SID;
  if (existing) {
    try {
      return (await client.verify.v2.services(existing).fetch()).sid;
    } catch (error) {
      if ((error as { status?: unknown }).status !== 404) throw error;
    }
  }
  return (await client.verify.v2.services.create({ friendlyName: LOCAL_SERVICE_NAME })).sid;
}

/** The same for the Sync service that holds the kit's own state (lockout, used codes, enrollment in flight). */
async function ensureSyncService(env: Record<string, string>, emulatorUrl: string): Promise<string> {
  const httpClient = createEmulatorHttpClient({ emulatorUrl, timeoutMs: 5000 });
  const client = twilio(env.ACCOUNT_SID, env.AUTH_TOKEN, { httpClient });
  const existing = env.SYNC_SERVICE_SID;
  if (existing && existing !== 'default') {
    try {
      return (await client.sync.v1.services(existing).fetch()).sid;
    } catch (error) {
      if ((error as { status?: unknown }).status !== 404) throw error;
    }
  }
  return (await client.sync.v1.services.create({ friendlyName: LOCAL_SERVICE_NAME, aclEnabled: true })).sid;
}

function sendJson(res: ServerResponse, status: number, body: object): void {
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store' });
  res.end(JSON.stringify(body));
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let size = 0;
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_DEV_BODY_BYTES) {
        reject(new Error('body too large'));
        req.destroy();
      } else chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** POST /__dev/token {user} → {token}: what the host app's sign-in would hand the page; GET → 204. Never part of a deploy. */
async function handleDevRoute(req: IncomingMessage, res: ServerResponse, env: Record<string, string>): Promise<void> {
  if (new URL(req.url ?? '/', 'http://local').pathname !== '/__dev/token') {
    sendJson(res, 404, { error: { code: 'not_found', message: 'Unknown dev route.' } });
    return;
  }
  // GET tells the page that the dev sign-in exists here, without minting a token.
  if (req.method === 'GET') {
    res.writeHead(204, { 'Cache-Control': 'no-store' }).end();
    return;
  }
  if (req.method !== 'POST') {
    res.setHeader('Allow', 'GET, POST');
    sendJson(res, 405, { error: { code: 'method_not_allowed', message: 'Use POST with {"user": "..."}.' } });
    return;
  }
  let user: unknown;
  try {
    user = (JSON.parse(await readBody(req)) as { user?: unknown }).user;
  } catch {
    user = undefined;
  }
  if (typeof user !== 'string' || user === '' || user.length > MAX_USER_LENGTH) {
    sendJson(res, 400, { error: { code: 'invalid_request', message: 'Send JSON {"user": "<1–256 characters>"}.' } });
    return;
  }
  sendJson(res, 200, { token: await mintCallerToken(env, user) });
}

/**
 * The runtime's body parser rejects a malformed JSON or oversized body before any Function runs, and Express would
 * answer with an HTML page carrying a stack trace. The local stack answers in the kit's error shape instead.
 */
const bodyParserErrors: ErrorRequestHandler = (error: { type?: unknown; status?: unknown }, _req, res, _next) => {
  const status = typeof error.status === 'number' && error.status >= 400 && error.status < 500 ? error.status : 400;
  const code = error.type === 'entity.parse.failed' ? 'invalid_json' : error.type === 'entity.too.large' ? 'body_too_large' : 'invalid_request';
  res.status(status).set({ 'Cache-Control': 'no-store' }).json({ error: { code, message: 'The request body could not be read.' } });
};

/** Starts the emulator, the Functions runtime and the dev routes; writes the env file with what it generated. */
export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  const log = options.log ?? (() => undefined);
  const envFile = options.envFile ?? join(ROOT, '.env.local');
  const port = options.port ?? Number(process.env.PORT ?? DEFAULT_PORT);
  const emulatorPort = options.emulatorPort ?? (port === 0 ? 0 : Number(process.env.VERIFY_EMULATOR_PORT ?? DEFAULT_EMULATOR_PORT));

  linkFunctionsToEmulator();
  const stored = withGeneratedValues(readEnvValues(envFile));
  // One clock for the emulator and the Functions: tests freeze it once for both (setClock).
  const clock = new ControllableClock();
  const emulator = createEmulator({
    accountSid: stored.ACCOUNT_SID ?? '',
    authToken: stored.AUTH_TOKEN ?? '',
    clock,
    dataDir: options.dataDir ?? join(ROOT, '.emulator-data'),
    switches: options.emulatorSwitches,
    log: (line) => log(`emulator ${line}`),
  });
  const emulatorUrl = `http://${HOST}:${await listen(emulator, emulatorPort)}`;
  const unlinkClock = linkEmulatorClock(emulatorUrl, () => clock.now());
  const outer = createServer();
  try {
    stored.VERIFY_EMULATOR_URL = emulatorUrl;
    stored.VERIFY_SERVICE_SID = await ensureVerifyService(stored, emulatorUrl);
    stored.SYNC_SERVICE_SID = await ensureSyncService(stored, emulatorUrl);
    writeEnvValues(envFile, stored, 'Local stack (npm start): generated, git-ignored, never deployed.');
    const env = { ...stored, ...options.envOverrides };

    const actualPort = await listen(outer, port);
    const url = `http://${HOST}:${actualPort}`;
    const routes = await fsHelpers.getListOfFunctionsAndAssets(ROOT, {
      functionsFolderNames: ['dist/functions'],
      assetsFolderNames: ['dist/assets'],
    });
    if (routes.functions.length === 0) throw new Error('no built Functions in dist/functions: run `npm run build` first');
    const runtime = new LocalDevelopmentServer(actualPort, {
      baseDir: ROOT,
      env,
      port: actualPort,
      url,
      detailedLogs: false,
      // live: false keeps loaded bundles (live clears the whole require cache on every request).
      live: false,
      logs: false,
      legacyMode: false,
      appName: 'totp-functions',
      // In-process: a fork per request costs ~150–200 ms; production runs warm containers.
      forkProcess: false,
      routes,
      enableDebugLogs: false,
    });
    const app = runtime.getApp();
    app.use(bodyParserErrors);
    outer.on('request', (req: IncomingMessage, res: ServerResponse) => {
      const started = process.hrtime.bigint();
      res.on('finish', () => {
        const ms = Number(process.hrtime.bigint() - started) / 1e6;
        log(`${req.method ?? '?'} ${new URL(req.url ?? '/', url).pathname} ${res.statusCode} ${ms.toFixed(1)} ms`);
      });
      if (req.url === '/') {
        // Convenience for a person typing the bare address; the page itself lives at /index.html as when deployed.
        res.writeHead(302, { Location: '/index.html' }).end();
      } else if ((req.url ?? '').startsWith('/__dev/')) {
        handleDevRoute(req, res, env).catch(() => sendJson(res, 500, { error: { code: 'internal_error', message: 'Dev route failed.' } }));
      } else {
        app(req, res);
      }
    });
    return {
      url,
      emulatorUrl,
      env,
      setClock: (epochMs) => clock.freezeAt(epochMs),
      close: async () => {
        unlinkClock();
        await Promise.all([closeServer(outer), closeServer(emulator)]);
      },
    };
  } catch (error) {
    unlinkClock();
    await Promise.all([closeServer(outer), closeServer(emulator)]);
    throw error;
  }
}

async function main(): Promise<void> {
  // Loaded here only: tests import this module and never need esbuild.
  const { buildAll } = require('./build') as typeof import('./build');
  await buildAll();
  const stack = await startLocalStack({ log: (line) => console.log(line) });
  const page = stack.url.replace(HOST, 'localhost');
  console.log(`Verify emulator on ${stack.emulatorUrl}`);
  console.log(`Functions on ${page}/, the page on ${page}/index.html (caller token: npm run --silent token -- <user>)`);
  const stop = (): void => {
    stack.close().then(() => process.exit(0), () => process.exit(1));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
