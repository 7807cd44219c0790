// `npm run bench:functions`: Verify and Sync calls per endpoint, overhead of a Function over the same upstream calls made
// directly, local request latency and cold load per Function (the upload's size: bench/deploy.ts). Prints figures (no pass/fail) and
// records them in docs/figures.md. Runs against the in-process emulator (Verify and Sync).
import './quiet-events';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { promisify } from 'node:util';
import { SignJWT } from 'jose';
import twilio from 'twilio';
import { ControllableClock } from '../emulator/core/clock';
import { createEmulator } from '../emulator/server';
import { deriveIdentity } from '../lib/core/identity';
import { createEmulatorHttpClient } from '../emulator/client/http-client';
import { linkEmulatorClock, linkFunctionsToEmulator } from '../scripts/emulator-link';
import { startLocalStack } from '../scripts/local-stack';
import { listBuiltRoutes, type RuntimeRoutes } from '../scripts/local-runtime';
import { recordFigures, type Figure } from './figures';
import { totp } from '../tests/helpers/functions';

const ROOT = join(__dirname, '..');
const FUNCTIONS_DIR = join(ROOT, 'dist', 'functions');
const WARMUP = 50;
const SAMPLES = 400;
const RESERVATION_WARMUP = 20;
const RESERVATION_SAMPLES = 200;
/** Fresh processes per Function for the cold load: each `require` is timed once per process, so take a median. */
const COLD_RUNS = Number(process.env.BENCH_COLD_RUNS ?? 9);
/** Issue 11's target for the kit's own share of a cold start (the upload's: bench/deploy.ts). */
const REQUIRE_TARGET_MS = 10;

type Handler = (context: object, event: object, callback: (error: unknown, response: { statusCode: number }) => void) => void;
interface RuntimeRoute {
  constructContext(config: object, functionPath: string): object;
  constructGlobalScope(config: object): void;
}

/**
 * The dev runtime's own context and global-scope builders, with its route cache filled as its server fills it, so a
 * Function's `Runtime.getFunctions()` finds the private kit (not in the package's exports map, so loaded by path).
 */
function loadRuntimeRoute(routes: RuntimeRoutes): RuntimeRoute {
  const devRuntime = dirname(require.resolve('@twilio/runtime-handler/dev'));
  (require(join(devRuntime, 'internal', 'route-cache.js')) as { setRoutes(routes: RuntimeRoutes): void }).setRoutes(routes);
  return require(join(devRuntime, 'route.js')) as RuntimeRoute;
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

interface Env {
  ACCOUNT_SID: string;
  AUTH_TOKEN: string;
  VERIFY_SERVICE_SID: string;
  SYNC_SERVICE_SID: string;
  IDENTITY_SECRET: string;
  AUTH_JWT_SECRET: string;
  APPROVAL_SIGNING_SECRET: string;
  EMULATOR_URL: string;
  [name: string]: string;
}

async function callerToken(env: Env, user: string): Promise<string> {
  return new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject(user).setIssuedAt().setExpirationTime('1h').sign(new TextEncoder().encode(env.AUTH_JWT_SECRET));
}

/** The event the runtime builds for a JSON POST: parsed fields plus lower-cased headers. */
function jsonEvent(token: string, fields: Record<string, string>): object {
  const body = JSON.stringify(fields);
  return { request: { headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'content-length': String(body.length) }, cookies: {} }, ...fields };
}

/** What the bench drives: the emulator's clock and a count of the requests it served, per product. */
interface Upstream {
  clock: ControllableClock;
  /** Requests the emulator answered since the last reset: Verify (/v2/…) and Sync (/v1/…). */
  calls: { verify: number; sync: number };
}

/** The runtime's handlers for the built bundles, called in-process with its own context (as `npm start` does). */
function handlers(env: Env, routes: RuntimeRoutes): (path: string, token: string | null, fields: Record<string, string>) => Promise<{ statusCode: number; body: unknown }> {
  const route = loadRuntimeRoute(routes);
  linkFunctionsToEmulator();
  const config = { baseDir: ROOT, env, url: 'http://localhost:3000' };
  route.constructGlobalScope(config);
  // Loaded once per bundle, as a warm container has them (a require per call would time the module loader).
  const loaded = new Map<string, Handler>();
  const handlerOf = (path: string): Handler => {
    let handler = loaded.get(path);
    if (handler === undefined) {
      handler = (require(join(FUNCTIONS_DIR, `${path}.js`)) as { handler: Handler }).handler;
      loaded.set(path, handler);
    }
    return handler;
  };
  return (path, token, fields) =>
    new Promise((resolve, reject) => {
      const handler = handlerOf(path);
      const event = token === null ? { ...fields, request: { headers: { 'content-type': 'application/json', 'content-length': '2' }, cookies: {} } } : jsonEvent(token, fields);
      handler(route.constructContext(config, `/${path}`), event, (error, response) => {
        if (error) reject(error instanceof Error ? error : new Error(String(error)));
        else resolve(response as unknown as { statusCode: number; body: unknown });
      });
    });
}

/** Enrolls `user` through the Functions and returns the secret; the clock is moved to the next time step. */
async function enroll(call: ReturnType<typeof handlers>, upstream: Upstream, env: Env, user: string): Promise<{ token: string; secret: string; factorSid: string }> {
  const token = await callerToken(env, user);
  const created = (await call('create-factor', token, {})).body as { factorSid: string; secret: string };
  const now = upstream.clock.now() / 1000;
  const verified = await call('verify-factor', token, { factorSid: created.factorSid, code: totp(created.secret, now) });
  if (verified.statusCode !== 200) throw new Error(`enrollment of ${user} answered ${verified.statusCode}`);
  upstream.clock.freezeAt(upstream.clock.now() + 30_000);
  return { token, secret: created.secret, factorSid: created.factorSid };
}

/**
 * Part 1: how many Verify and Sync calls each endpoint makes (target for a sign-in check: 1 Verify, at most 3 Sync: the
 * read, the reservation, the outcome), and what the reservation costs: one compare-and-swap write of the user's document.
 */
async function callCounts(env: Env, upstream: Upstream, routes: RuntimeRoutes): Promise<void> {
  const call = handlers(env, routes);
  const rows: Array<[string, number, number, number]> = [];
  const measure = async (what: string, run: () => Promise<{ statusCode: number }>): Promise<void> => {
    upstream.calls.verify = 0;
    upstream.calls.sync = 0;
    const { statusCode } = await run();
    rows.push([what, statusCode, upstream.calls.verify, upstream.calls.sync]);
  };
  const nowSeconds = (): number => upstream.clock.now() / 1000;
  const nextStep = (): void => upstream.clock.freezeAt(upstream.clock.now() + 30_000);

  const token = await callerToken(env, 'count-user');
  let created = { factorSid: '', secret: '' };
  await measure('/create-factor', async () => {
    const answer = await call('create-factor', token, {});
    created = answer.body as typeof created;
    return answer;
  });
  await measure('/verify-factor (right code)', () => call('verify-factor', token, { factorSid: created.factorSid, code: totp(created.secret, nowSeconds()) }));
  nextStep();
  await measure('/create-challenge (right code)', () => call('create-challenge', token, { code: totp(created.secret, nowSeconds()) }));
  nextStep();
  let deviceToken = '';
  await measure('/create-challenge (right code, rememberDevice)', async () => {
    const answer = await call('create-challenge', token, { code: totp(created.secret, nowSeconds()), rememberDevice: 'true' });
    deviceToken = (answer.body as { trustedDevice?: { deviceToken: string } }).trustedDevice?.deviceToken ?? '';
    return answer;
  });
  await measure('/check-device (a trusted device)', () => call('check-device', token, { deviceToken }));
  const wrong = (): string => (totp(created.secret, nowSeconds()) === '000000' ? '111111' : '000000');
  await measure('/create-challenge (wrong code)', () => call('create-challenge', token, { code: wrong() }));
  for (let i = 0; i < 4; i += 1) await call('create-challenge', token, { code: wrong() });
  await measure('/create-challenge (while locked)', () => call('create-challenge', token, { code: wrong() }));
  // The web's right code of this step is spent (a reuse would ask Verify nothing): the phone uses the next step's.
  nextStep();
  await measure('/studio/check-code (right code)', () => call('studio/check-code.protected', null, { user: 'count-user', code: totp(created.secret, nowSeconds()) }));
  await measure('/list-factors', () => call('list-factors', token, {}));
  upstream.clock.freezeAt(upstream.clock.now() + 3_600_000);
  await measure('/delete-factor (step-up code)', () => call('delete-factor', token, { factorSid: created.factorSid, code: totp(created.secret, nowSeconds()) }));

  // A user enrolled before the kit kept state (a deploy over existing users): the first check lists and records.
  const client = twilio(env.ACCOUNT_SID, env.AUTH_TOKEN, { httpClient: createEmulatorHttpClient({ emulatorUrl: env.EMULATOR_URL }) });
  const identity = deriveIdentity(new TextEncoder().encode(env.IDENTITY_SECRET), 'legacy-user');
  const entity = client.verify.v2.services(env.VERIFY_SERVICE_SID).entities(identity);
  const legacy = await entity.newFactors.create({ friendlyName: 'legacy', factorType: 'totp' });
  const legacySecret = String((legacy.binding as { secret?: unknown }).secret);
  await entity.factors(legacy.sid).update({ authPayload: totp(legacySecret, nowSeconds()) });
  nextStep();
  const legacyToken = await callerToken(env, 'legacy-user');
  await measure('/create-challenge (first check, state without the factor)', () => call('create-challenge', legacyToken, { code: totp(legacySecret, nowSeconds()) }));
  nextStep();
  await measure('/create-challenge (the next check)', () => call('create-challenge', legacyToken, { code: totp(legacySecret, nowSeconds()) }));

  // The reservation's price: the write a check adds before Verify, timed alone on the user's own document as it is now.
  const documents = client.sync.v1.services(env.SYNC_SERVICE_SID).documents;
  const stateDocument = `totp-user-${deriveIdentity(new TextEncoder().encode(env.IDENTITY_SECRET), 'count-user')}`;
  const writes: number[] = [];
  for (let i = 0; i < RESERVATION_WARMUP + RESERVATION_SAMPLES; i += 1) {
    const stored = await documents(stateDocument).fetch();
    const data = stored.data as object;
    const took = await timed(() => documents(stateDocument).update({ data, ttl: 2_592_000, ifMatch: stored.revision }));
    if (i >= RESERVATION_WARMUP) writes.push(took);
  }
  const reservation = median(writes);

  console.log('upstream calls per request (Verify, Sync):');
  for (const [what, status, verify, sync] of rows) console.log(`  ${what.padEnd(58)} ${status}  Verify ${verify}  Sync ${sync}`);
  console.log('  (target for a sign-in check: 1 Verify call, at most 3 Sync calls)');
  console.log(`the reservation (one compare-and-swap write of the user's document): median ${reservation.toFixed(2)} ms`);
  recordFigures({
    name: 'functions-calls',
    title: 'Upstream calls per request',
    command: 'npm run bench:functions -- calls',
    figures: [
      ...rows.map(([what, status, verify, sync]) => ({
        figure: `\`POST ${what}\` (answers ${status})`,
        measured: `${verify} Verify + ${sync} Sync`,
        target: what.startsWith('/create-challenge (right') || what.startsWith('/create-challenge (wrong') || what.startsWith('/studio') ? '1 Verify + ≤ 3 Sync' : '—',
      })),
      {
        figure: `What the reservation adds to a code check: one Sync compare-and-swap write of the user's document (against the emulator, median of ${RESERVATION_SAMPLES}; against Twilio, one more Sync round trip)`,
        measured: `${reservation.toFixed(2)} ms`,
        target: '—',
      },
    ],
  });
}

/**
 * Part 2: a sign-in check through the handler (runtime context, real twilio client) ÷ the same upstream calls made
 * directly with the twilio client: read the user's Sync document, write it back with If-Match (the reservation), create
 * the Verify challenge, write the document back with If-Match again (the outcome): 1 Verify + 3 Sync, as the handler. Rounds of four wrong codes and a right one (a success resets the count, so no lock interferes).
 */
async function handlerOverhead(env: Env, upstream: Upstream, routes: RuntimeRoutes): Promise<void> {
  const call = handlers(env, routes);
  const viaHandler = await enroll(call, upstream, env, 'bench-user');
  const client = twilio(env.ACCOUNT_SID, env.AUTH_TOKEN, { httpClient: createEmulatorHttpClient({ emulatorUrl: env.EMULATOR_URL }) });
  // The direct side gets its own user (its own factor and document), enrolled the same way.
  const direct = await enroll(call, upstream, env, 'bench-direct');
  const identityOf = (user: string): string => deriveIdentity(new TextEncoder().encode(env.IDENTITY_SECRET), user);
  const directIdentity = identityOf('bench-direct');
  const document = `totp-user-${directIdentity}`;

  const handlerDocument = `totp-user-${identityOf('bench-user')}`;
  // The same write means the same bytes: the handler's document grows with its activity trail (about 10 kB once
  // full), so the direct side writes a copy of it, taken before each check and outside the timing. A direct side
  // that wrote its own small document would charge the kit for Sync's and the client's work on a larger body.
  let handlerData: object = {};
  const copyHandlerDocument = async (): Promise<void> => {
    handlerData = (await client.sync.v1.services(env.SYNC_SERVICE_SID).documents(handlerDocument).fetch()).data as object;
  };
  // The natural direct calls: a long-lived client, the resource chain built per call (as the handler does).
  const directCheck = async (code: string): Promise<void> => {
    const documents = client.sync.v1.services(env.SYNC_SERVICE_SID).documents;
    const stored = await documents(document).fetch();
    const reserved = await documents(document).update({ data: { ...handlerData, last: 'reserved' }, ttl: 2_592_000, ifMatch: stored.revision });
    const challenge = await client.verify.v2.services(env.VERIFY_SERVICE_SID).entities(directIdentity).challenges.create({ factorSid: direct.factorSid, authPayload: code });
    await documents(document).update({ data: { ...handlerData, last: challenge.status }, ttl: 2_592_000, ifMatch: reserved.revision });
  };
  const handlerCheck = async (code: string): Promise<void> => {
    const answer = await call('create-challenge', viaHandler.token, { code });
    if (answer.statusCode !== 200) throw new Error(`handler answered ${answer.statusCode}`);
  };

  const times = { handler: [] as number[], direct: [] as number[], right: [] as number[], rightDirect: [] as number[] };
  for (let i = 0; i < WARMUP + SAMPLES; i += 1) {
    const right = i % 5 === 4;
    // Four hours a round: within the channel's share of Verify's quota (24 checks an hour) and its daily bound on wrong
    // codes (30 in 24 h), so every check is a real Verify check, never a refusal of the kit's.
    if (right) upstream.clock.freezeAt(upstream.clock.now() + 4 * 3_600_000);
    const now = upstream.clock.now() / 1000;
    const codeFor = (secret: string): string => (right ? totp(secret, now) : totp(secret, now) === '000000' ? '111111' : '000000');
    // Interleaved, so drift (GC, emulator state growth) hits both sides alike.
    const h = await timed(() => handlerCheck(codeFor(viaHandler.secret)));
    await copyHandlerDocument();
    const d = await timed(() => directCheck(codeFor(direct.secret)));
    if (i >= WARMUP) {
      times.handler.push(h);
      times.direct.push(d);
      if (right) {
        times.right.push(h);
        times.rightDirect.push(d);
      }
    }
  }
  console.log(`sign-in check through the handler: median ${median(times.handler).toFixed(2)} ms (approved only: ${median(times.right).toFixed(2)} ms)`);
  console.log(`same Sync read, Sync write, Verify call and Sync write with the twilio client: median ${median(times.direct).toFixed(2)} ms (approved only: ${median(times.rightDirect).toFixed(2)} ms)`);
  const ratio = median(times.handler) / median(times.direct);
  console.log(`handler ÷ direct (median): ${ratio.toFixed(2)} (target ≤ 1.15)`);
  recordFigures({
    name: 'functions-overhead',
    title: 'Handler overhead',
    command: 'npm run bench:functions -- overhead',
    figures: [
      {
        figure: `A sign-in check through the handler ÷ the same Sync read, reservation write, Verify call and outcome write (of a document as large as the handler's) made directly (medians of ${SAMPLES})`,
        measured: `${median(times.handler).toFixed(2)} ms ÷ ${median(times.direct).toFixed(2)} ms = **${ratio.toFixed(2)}**`,
        target: '≤ 1.15',
      },
    ],
  });
}

/** Part 3: request latency through the local stack (the servers `npm start` runs), over HTTP with keep-alive. */
async function localLatency(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'totp-bench-'));
  const stack = await startLocalStack({ port: 0, envFile: join(dir, '.env.local'), dataDir: join(dir, 'data'), emulatorSwitches: { enforceRateLimits: false } });
  try {
    const token = await callerToken(stack.env as Env, 'latency-user');
    let clock = Math.floor(Date.now() / 30_000) * 30_000;
    stack.setClock(clock);
    const post = async (path: string, fields: object): Promise<unknown> => {
      const response = await fetch(stack.url + path, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify(fields),
      });
      return response.json();
    };
    const { factorSid, secret } = (await post('/create-factor', {})) as { factorSid: string; secret: string };
    await post('/verify-factor', { factorSid, code: totp(secret, clock / 1000) });
    const figures: Figure[] = [];
    const report = (what: string, samples: number[]): void => {
      const p50 = percentile(samples, 0.5).toFixed(1);
      const p99 = percentile(samples, 0.99).toFixed(1);
      console.log(`local stack ${what}: p50 ${p50} ms, p99 ${p99} ms (target p50 ≤ 20 ms)`);
      figures.push({ figure: `Local stack latency, \`${what}\` (over HTTP, keep-alive, ${SAMPLES} requests)`, measured: `p50 **${p50} ms**, p99 ${p99} ms`, target: 'p50 ≤ 20 ms' });
    };

    const listSamples: number[] = [];
    const checkSamples: number[] = [];
    for (let i = 0; i < WARMUP + SAMPLES; i += 1) {
      const list = await timed(() => post('/list-factors', {}));
      // Rounds of four wrong codes and a right one at the next step, as a person who mistypes would.
      const right = i % 5 === 4;
      if (right) {
        clock += 30_000;
        stack.setClock(clock);
      }
      const now = clock / 1000;
      const code = right ? totp(secret, now) : totp(secret, now) === '000000' ? '111111' : '000000';
      const check = await timed(() => post('/create-challenge', { code }));
      if (i >= WARMUP) {
        listSamples.push(list);
        checkSamples.push(check);
      }
    }
    report('POST /list-factors', listSamples);
    report('POST /create-challenge', checkSamples);
    recordFigures({ name: 'functions-latency', title: 'Local stack latency', command: 'npm run bench:functions -- latency', figures });
  } finally {
    await stack.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Part 4 (child process): require one Function cold (its stub, which requires the kit) and make its first call. The
 * platform has loaded the runtime, and twilio with it, before the first request reaches a Function.
 */
async function coldLoadChild(target: string): Promise<void> {
  const env = JSON.parse(process.env.BENCH_ENV ?? '{}') as Env;
  const route = loadRuntimeRoute(await listBuiltRoutes());
  linkFunctionsToEmulator();
  const config = { baseDir: ROOT, env, url: 'http://localhost:3000' };
  route.constructGlobalScope(config);
  const token = await callerToken(env, 'cold-user');
  const fields: Record<string, string> = target.includes('studio')
    ? { user: 'cold-user', code: '123456' }
    : { code: '123456', factorSid: `YF${'0'.repeat(32)}` };
  const started = process.hrtime.bigint();
  if (target === 'baseline') {
    // What any Function pays on its first Verify call: the twilio client's lazily loaded Verify domain, a new connection.
    const context = route.constructContext(config, '/x') as { getTwilioClient(options: object): twilio.Twilio };
    const loaded = process.hrtime.bigint();
    const client = context.getTwilioClient({ httpClient: createEmulatorHttpClient({ emulatorUrl: env.EMULATOR_URL }) });
    await client.verify.v2.services(env.VERIFY_SERVICE_SID).entities('cold-baseline').factors.list().catch(() => undefined);
    const done = process.hrtime.bigint();
    console.log(JSON.stringify({ requireMs: Number(loaded - started) / 1e6, firstCallMs: Number(done - loaded) / 1e6 }));
    return;
  }
  const { handler } = require(target) as { handler: Handler };
  const loaded = process.hrtime.bigint();
  await new Promise<void>((resolve) => {
    handler(route.constructContext(config, '/x'), jsonEvent(token, target.includes('create-factor') ? {} : fields), () => resolve());
  });
  const done = process.hrtime.bigint();
  console.log(JSON.stringify({ requireMs: Number(loaded - started) / 1e6, firstCallMs: Number(done - loaded) / 1e6 }));
}

function median(samples: number[]): number {
  return percentile(samples, 0.5);
}

/** Part 4: each Function's cold start (require, first call) in fresh processes (the upload's size: bench:deploy). */
async function coldLoad(env: Env, routes: RuntimeRoutes): Promise<void> {
  const run = promisify(execFile);
  const tsx = join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs');
  const measure = async (target: string): Promise<{ requireMs: number; firstCallMs: number }> => {
    const { stdout } = await run(process.execPath, [tsx, __filename, '--cold', target], { env: { ...process.env, BENCH_ENV: JSON.stringify(env) } });
    return JSON.parse(stdout.trim().split('\n').pop() ?? '{}') as { requireMs: number; firstCallMs: number };
  };
  const baselines: number[] = [];
  for (let i = 0; i < COLD_RUNS; i += 1) baselines.push((await measure('baseline')).firstCallMs);
  console.log(`cold baseline (no kit code; first Verify call of a fresh twilio client): median ${median(baselines).toFixed(1)} ms`);
  // The routes a request can reach; the private kit is loaded by each of them.
  const entries = routes.functions.filter((fn) => fn.access !== 'private');
  const samples = new Map(entries.map((fn) => [fn.path, { require: [] as number[], total: [] as number[] }]));
  // Interleaved rounds, so that load on the machine falls on every Function alike.
  for (let i = 0; i < COLD_RUNS; i += 1) {
    for (const fn of entries) {
      const { requireMs, firstCallMs } = await measure(fn.filePath);
      samples.get(fn.path)?.require.push(requireMs);
      samples.get(fn.path)?.total.push(requireMs + firstCallMs);
    }
  }
  const requires: number[] = [];
  const totals: number[] = [];
  for (const [path, { require: r, total }] of samples) {
    requires.push(median(r));
    totals.push(median(total));
    console.log(`cold ${path}: require ${median(r).toFixed(1)} ms (target ≤ ${REQUIRE_TARGET_MS} ms) + first call = ${median(total).toFixed(1)} ms (target ≤ 50 ms), medians of ${COLD_RUNS}`);
  }
  const range = (values: number[], digits = 1): string => `${Math.min(...values).toFixed(digits)}–${Math.max(...values).toFixed(digits)}`;
  recordFigures({
    name: 'functions-cold',
    title: 'Cold load of a Function',
    command: 'npm run bench:functions -- cold',
    figures: [
      {
        figure: `Cold load of a Function: \`require\` of its stub and the kit, the kit's own share of a cold start (medians of ${COLD_RUNS} fresh processes, over the ${entries.length} Functions)`,
        measured: `**${range(requires)} ms**`,
        target: `≤ ${REQUIRE_TARGET_MS} ms`,
      },
      { figure: 'Cold load of a Function: `require` + first call (medians)', measured: `**${range(totals, 0)} ms**`, target: '≤ 50 ms' },
      { figure: "The same first Verify call without any kit code (a fresh twilio client's first call, median)", measured: `${median(baselines).toFixed(0)} ms`, target: '—' },
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
  const upstream: Upstream = { clock: new ControllableClock(), calls: { verify: 0, sync: 0 } };
  upstream.clock.freezeAt(Math.floor(Date.now() / 30_000) * 30_000);
  const emulator = createEmulator({
    accountSid,
    authToken,
    clock: upstream.clock,
    switches: { enforceRateLimits: false },
    // One line per request: "METHOD /v2/… status ms" (Verify) or "METHOD /v1/…" (Sync).
    log: (line) => {
      if (/^\S+ \/v2\//.test(line)) upstream.calls.verify += 1;
      else if (/^\S+ \/v1\//.test(line)) upstream.calls.sync += 1;
    },
  });
  await new Promise<void>((resolve) => emulator.listen(0, '127.0.0.1', resolve));
  const emulatorUrl = `http://127.0.0.1:${(emulator.address() as AddressInfo).port}`;
  linkEmulatorClock(emulatorUrl, () => upstream.clock.now());
  const client = twilio(accountSid, authToken, { httpClient: createEmulatorHttpClient({ emulatorUrl }) });
  const service = await client.verify.v2.services.create({ friendlyName: 'bench' });
  const sync = await client.sync.v1.services.create({ friendlyName: 'bench' });
  const env: Env = {
    ACCOUNT_SID: accountSid,
    AUTH_TOKEN: authToken,
    VERIFY_SERVICE_SID: service.sid,
    SYNC_SERVICE_SID: sync.sid,
    IDENTITY_SECRET: randomBytes(32).toString('hex'),
    RECOVERY_CODE_SECRET: randomBytes(32).toString('hex'),
    AUTH_JWT_SECRET: randomBytes(32).toString('hex'),
    APPROVAL_SIGNING_SECRET: randomBytes(32).toString('hex'),
    EMULATOR_URL: emulatorUrl,
  };
  // `npm run bench:functions -- calls` (or overhead, latency, cold) runs one part only.
  const only = process.argv[2];
  const routes = await listBuiltRoutes();
  console.log(`node ${process.version}, ${SAMPLES} samples after ${WARMUP} warm-up requests`);
  try {
    if (only === undefined || only === 'calls') await callCounts(env, upstream, routes);
    if (only === undefined || only === 'overhead') await handlerOverhead(env, upstream, routes);
    if (only === undefined || only === 'latency') await localLatency();
    if (only === undefined || only === 'cold') await coldLoad(env, routes);
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
