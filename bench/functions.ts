// `npm run bench:functions`: overhead of a Function over the bare Verify call, local request latency, cold load per bundle.
// Prints figures (no pass/fail) and records them in docs/figures.md. Runs against the in-process Verify emulator.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { promisify } from 'node:util';
import { SignJWT } from 'jose';
import twilio from 'twilio';
import { createEmulator } from '../emulator/server';
import { deriveIdentity } from '../lib/auth';
import { createEmulatorHttpClient } from '../lib/emulator-http-client';
import { linkFunctionsToEmulator } from '../lib/emulator-link';
import { startLocalStack } from '../scripts/local-stack';
import { totp } from '../tests/helpers/functions';
import { recordFigures, type Figure } from './figures';

const ROOT = join(__dirname, '..');
const FUNCTIONS_DIR = join(ROOT, 'dist', 'functions');
const WARMUP = 50;
const SAMPLES = 400;

type Handler = (context: object, event: object, callback: (error: unknown, response: { statusCode: number }) => void) => void;
interface RuntimeRoute {
  constructContext(config: object, functionPath: string): object;
  constructGlobalScope(config: object): void;
}

/** The dev runtime's own context and global-scope builders (not in the package's exports map, so loaded by path). */
function loadRuntimeRoute(): RuntimeRoute {
  return require(join(dirname(require.resolve('@twilio/runtime-handler/dev')), 'route.js')) as RuntimeRoute;
}

function percentile(samples: number[], fraction: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(fraction * sorted.length))] ?? Number.NaN;
}

async function timed(run: () => Promise<unknown>): Promise<number> {
  const started = process.hrtime.bigint();
  await run();
  return Number(process.hrtime.bigint() - started) / 1e6;
}

function bundles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? bundles(path) : name.endsWith('.js') ? [path] : [];
  });
}

interface Env {
  ACCOUNT_SID: string;
  AUTH_TOKEN: string;
  VERIFY_SERVICE_SID: string;
  IDENTITY_SECRET: string;
  AUTH_JWT_SECRET: string;
  APPROVAL_SIGNING_SECRET: string;
  VERIFY_EMULATOR_URL: string;
  [name: string]: string;
}

async function callerToken(env: Env, user: string): Promise<string> {
  return new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject(user).setExpirationTime('1h').sign(new TextEncoder().encode(env.AUTH_JWT_SECRET));
}

/** The event the runtime builds for a JSON POST: parsed fields plus lower-cased headers. */
function jsonEvent(token: string, fields: Record<string, string>): object {
  const body = JSON.stringify(fields);
  return { request: { headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'content-length': String(body.length) }, cookies: {} }, ...fields };
}

/** Part 1: median of create-challenge through the handler (runtime context, real twilio client) ÷ the bare Verify call. */
async function handlerOverhead(env: Env): Promise<void> {
  const route = loadRuntimeRoute();
  linkFunctionsToEmulator();
  const config = { baseDir: ROOT, env, url: 'http://localhost:3000' };
  route.constructGlobalScope(config);
  const handlerPath = join(FUNCTIONS_DIR, 'create-challenge.js');
  const { handler } = require(handlerPath) as { handler: Handler };
  const token = await callerToken(env, 'bench-user');
  const identity = deriveIdentity(new TextEncoder().encode(env.IDENTITY_SECRET), 'bench-user');
  const client = twilio(env.ACCOUNT_SID, env.AUTH_TOKEN, { httpClient: createEmulatorHttpClient({ emulatorUrl: env.VERIFY_EMULATOR_URL }) });
  const entity = client.verify.v2.services(env.VERIFY_SERVICE_SID).entities(identity);
  const factor = await entity.newFactors.create({ friendlyName: 'bench', factorType: 'totp' });
  // A verified factor is needed for challenges; the emulator clock is frozen so the code is computed once.
  const secret = String((factor.binding as { secret?: unknown }).secret);
  const now = Math.floor(Date.now() / 1000 / 30) * 30;
  await fetch(`${env.VERIFY_EMULATOR_URL}/__emulator/clock`, {
    method: 'POST',
    headers: { authorization: `Basic ${Buffer.from(`${env.ACCOUNT_SID}:${env.AUTH_TOKEN}`).toString('base64')}`, 'content-type': 'application/json' },
    body: JSON.stringify({ now: now * 1000 }),
  });
  const code = totp(secret, now);
  await entity.factors(factor.sid).update({ authPayload: code });
  // Same inputs both ways: a wrong code keeps every challenge pending (no approval token to sign in either path).
  const wrong = code === '000000' ? '111111' : '000000';
  const event = jsonEvent(token, { code: wrong, factorSid: factor.sid });

  const viaHandler = (): Promise<void> =>
    new Promise((resolve, reject) => {
      const context = route.constructContext(config, '/create-challenge');
      handler(context, event, (error, response) => (error || response.statusCode !== 200 ? reject(new Error(`handler answered ${response.statusCode}`)) : resolve()));
    });
  // The natural direct call: a long-lived client, the resource chain built per call (as the handler does).
  const direct = (): Promise<unknown> =>
    client.verify.v2.services(env.VERIFY_SERVICE_SID).entities(identity).challenges.create({ factorSid: factor.sid, authPayload: wrong });

  const handlerTimes: number[] = [];
  const directTimes: number[] = [];
  for (let i = 0; i < WARMUP + SAMPLES; i += 1) {
    // Interleaved, so drift (GC, emulator state growth) hits both sides alike.
    const h = await timed(viaHandler);
    const d = await timed(direct);
    if (i >= WARMUP) {
      handlerTimes.push(h);
      directTimes.push(d);
    }
  }
  const ratio = percentile(handlerTimes, 0.5) / percentile(directTimes, 0.5);
  console.log(`create-challenge through the handler: median ${percentile(handlerTimes, 0.5).toFixed(2)} ms`);
  console.log(`same Verify call with the twilio client: median ${percentile(directTimes, 0.5).toFixed(2)} ms`);
  console.log(`handler ÷ direct (median): ${ratio.toFixed(2)} (target ≤ 1.15)`);
  recordFigures({
    name: 'functions-overhead',
    title: 'Handler overhead',
    command: 'npm run bench:functions -- overhead',
    figures: [
      {
        figure: `\`POST /create-challenge\` through the handler ÷ the same Verify call with a long-lived twilio client (medians of ${SAMPLES})`,
        measured: `${percentile(handlerTimes, 0.5).toFixed(2)} ms ÷ ${percentile(directTimes, 0.5).toFixed(2)} ms = **${ratio.toFixed(2)}**`,
        target: '≤ 1.15',
      },
    ],
  });
}

/** Part 2: request latency through the local stack (the servers `npm start` runs), over HTTP with keep-alive. */
async function localLatency(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'totp-bench-'));
  const stack = await startLocalStack({ port: 0, envFile: join(dir, '.env.local'), dataDir: join(dir, 'data'), emulatorSwitches: { enforceRateLimits: false } });
  try {
    const token = await callerToken(stack.env as Env, 'latency-user');
    const post = (path: string, fields: object) => async () => {
      const response = await fetch(stack.url + path, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify(fields),
      });
      await response.arrayBuffer();
    };
    const figures: Figure[] = [];
    for (const [path, fields] of [
      ['/list-factors', {}],
      ['/create-challenge', { code: '123456', factorSid: `YF${'0'.repeat(32)}` }],
    ] as const) {
      const samples: number[] = [];
      for (let i = 0; i < WARMUP + SAMPLES; i += 1) {
        const ms = await timed(post(path, fields));
        if (i >= WARMUP) samples.push(ms);
      }
      const p50 = percentile(samples, 0.5).toFixed(1);
      const p99 = percentile(samples, 0.99).toFixed(1);
      console.log(`local stack POST ${path}: p50 ${p50} ms, p99 ${p99} ms (target p50 ≤ 20 ms)`);
      figures.push({ figure: `Local stack latency, \`POST ${path}\` (over HTTP, keep-alive, ${SAMPLES} requests)`, measured: `p50 **${p50} ms**, p99 ${p99} ms`, target: 'p50 ≤ 20 ms' });
    }
    recordFigures({ name: 'functions-latency', title: 'Local stack latency', command: 'npm run bench:functions -- latency', figures });
  } finally {
    await stack.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Part 3 (child process): require one bundle cold and make its first call; the runtime's global scope is loaded first. */
async function coldLoadChild(bundlePath: string): Promise<void> {
  const env = JSON.parse(process.env.BENCH_ENV ?? '{}') as Env;
  const route = loadRuntimeRoute();
  linkFunctionsToEmulator();
  const config = { baseDir: ROOT, env, url: 'http://localhost:3000' };
  // The platform has loaded the runtime (and twilio) before the first request reaches a Function.
  route.constructGlobalScope(config);
  const token = await callerToken(env, 'cold-user');
  const fields: Record<string, string> = bundlePath.includes('studio')
    ? { user: 'cold-user', code: '123456' }
    : { code: '123456', factorSid: `YF${'0'.repeat(32)}` };
  const started = process.hrtime.bigint();
  if (bundlePath === 'baseline') {
    // What any Function pays on its first Verify call: the twilio client's lazily loaded Verify domain, a new connection.
    const context = route.constructContext(config, '/x') as { getTwilioClient(options: object): twilio.Twilio };
    const loaded = process.hrtime.bigint();
    const client = context.getTwilioClient({ httpClient: createEmulatorHttpClient({ emulatorUrl: env.VERIFY_EMULATOR_URL }) });
    await client.verify.v2.services(env.VERIFY_SERVICE_SID).entities('cold-baseline').factors.list().catch(() => undefined);
    const done = process.hrtime.bigint();
    console.log(JSON.stringify({ requireMs: Number(loaded - started) / 1e6, firstCallMs: Number(done - loaded) / 1e6 }));
    return;
  }
  const { handler } = require(bundlePath) as { handler: Handler };
  const loaded = process.hrtime.bigint();
  await new Promise<void>((resolve) => {
    handler(route.constructContext(config, '/x'), jsonEvent(token, bundlePath.includes('create-factor') ? {} : fields), () => resolve());
  });
  const done = process.hrtime.bigint();
  console.log(JSON.stringify({ requireMs: Number(loaded - started) / 1e6, firstCallMs: Number(done - loaded) / 1e6 }));
}

async function coldLoad(env: Env): Promise<void> {
  const run = promisify(execFile);
  const tsx = join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs');
  const measure = async (target: string): Promise<{ requireMs: number; firstCallMs: number }> => {
    const { stdout } = await run(process.execPath, [tsx, __filename, '--cold', target], { env: { ...process.env, BENCH_ENV: JSON.stringify(env) } });
    return JSON.parse(stdout.trim().split('\n').pop() ?? '{}') as { requireMs: number; firstCallMs: number };
  };
  const baseline = await measure('baseline');
  console.log(`cold baseline (no bundle; first Verify call of a fresh twilio client): ${baseline.firstCallMs.toFixed(1)} ms`);
  const requires: number[] = [];
  const totals: number[] = [];
  const sizes: number[] = [];
  for (const bundle of bundles(FUNCTIONS_DIR)) {
    const { requireMs, firstCallMs } = await measure(bundle);
    const sizeKb = statSync(bundle).size / 1024;
    requires.push(requireMs);
    totals.push(requireMs + firstCallMs);
    sizes.push(sizeKb);
    console.log(
      `cold ${relative(FUNCTIONS_DIR, bundle)} (${sizeKb.toFixed(0)} kB): require ${requireMs.toFixed(1)} ms + first call ${firstCallMs.toFixed(1)} ms = ${(requireMs + firstCallMs).toFixed(1)} ms (target ≤ 50 ms)`,
    );
  }
  const range = (values: number[], digits = 0): string => `${Math.min(...values).toFixed(digits)}–${Math.max(...values).toFixed(digits)}`;
  recordFigures({
    name: 'functions-cold',
    title: 'Cold load of a Function',
    command: 'npm run bench:functions -- cold',
    figures: [
      { figure: `Cold load of a bundle: \`require\` alone (${requires.length} bundles of ${range(sizes)} kB)`, measured: `**${range(requires)} ms**`, target: '—' },
      { figure: 'Cold load of a bundle: `require` + first call', measured: `**${range(totals)} ms**`, target: '≤ 50 ms' },
      { figure: 'The same first Verify call without any bundle (a fresh twilio client\'s first call)', measured: `${baseline.firstCallMs.toFixed(0)} ms`, target: '—' },
    ],
  });
}

async function main(): Promise<void> {
  if (process.argv[2] === '--cold' && process.argv[3] !== undefined) {
    await coldLoadChild(process.argv[3]);
    return;
  }
  const { buildAll } = require('../scripts/build') as typeof import('../scripts/build');
  await buildAll();
  const accountSid = `AC${randomBytes(16).toString('hex')}`;
  const authToken = randomBytes(16).toString('hex');
  const emulator = createEmulator({ accountSid, authToken, switches: { enforceRateLimits: false } });
  await new Promise<void>((resolve) => emulator.listen(0, '127.0.0.1', resolve));
  const emulatorUrl = `http://127.0.0.1:${(emulator.address() as AddressInfo).port}`;
  const client = twilio(accountSid, authToken, { httpClient: createEmulatorHttpClient({ emulatorUrl }) });
  const service = await client.verify.v2.services.create({ friendlyName: 'bench' });
  const env: Env = {
    ACCOUNT_SID: accountSid,
    AUTH_TOKEN: authToken,
    VERIFY_SERVICE_SID: service.sid,
    IDENTITY_SECRET: randomBytes(32).toString('hex'),
    AUTH_JWT_SECRET: randomBytes(32).toString('hex'),
    APPROVAL_SIGNING_SECRET: randomBytes(32).toString('hex'),
    VERIFY_EMULATOR_URL: emulatorUrl,
  };
  // `npm run bench:functions -- overhead` (or latency, cold) runs one part only.
  const only = process.argv[2];
  console.log(`node ${process.version}, ${SAMPLES} samples after ${WARMUP} warm-up requests`);
  try {
    if (only === undefined || only === 'overhead') await handlerOverhead(env);
    if (only === undefined || only === 'latency') await localLatency();
    if (only === undefined || only === 'cold') await coldLoad(env);
  } finally {
    await new Promise<void>((resolve) => {
      emulator.close(() => resolve());
      emulator.closeAllConnections();
    });
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.stack : error);
  process.exit(1);
});
