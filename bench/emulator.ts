// npm run bench:emulator — challenge creation (valid code, persistence on) vs a bare node:http server, same run.
import { spawn, type ChildProcess } from 'node:child_process';
import { createHmac, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { createEmulator } from '../emulator/server';
import { decodeBase32, totpAt, type Hmac } from '../emulator/verify/totp';
import { recordFigures, type Figure } from './figures';

/** Concurrency of the closed-loop runs (requests in flight at any moment). */
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 32);
const WARM_UP_REQUESTS = 2_000;
const MEASURED_REQUESTS = Number(process.env.BENCH_REQUESTS ?? 20_000);
/** Bare and emulator runs alternate in rounds, so a noisy neighbour on the machine weighs on both alike. */
const ROUNDS = 5;
const PACED_RATE = 200;
const PACED_SECONDS = 10;
/**
 * Requests are spread over this many factors; the emulator runs with allowCodeReuse=true so one factor can approve
 * many challenges in a time step, and its default 60312 limit (50 challenges per factor per hour) leaves room for
 * 800 × 50 = 40,000 challenges — more than the warm-up, measured and paced runs together.
 */
const FACTORS = 800;
const HOST = '127.0.0.1';

const hmac: Hmac = (algorithm, key, message) => createHmac(algorithm, key).update(message).digest();

// ---------------------------------------------------------------- servers (child processes, one core each)

/** A challenge body of the emulator's size, so both servers send comparable bytes. */
const FIXED_BODY = JSON.stringify({
  sid: `YC${'0'.repeat(32)}`,
  account_sid: `AC${'0'.repeat(32)}`,
  service_sid: `VA${'0'.repeat(32)}`,
  entity_sid: `YE${'0'.repeat(32)}`,
  identity: 'bench-identity-0000',
  factor_sid: `YF${'0'.repeat(32)}`,
  date_created: '2030-01-01T00:00:00Z',
  date_updated: '2030-01-01T00:00:00Z',
  date_responded: '2030-01-01T00:00:00Z',
  expiration_date: '2030-01-01T00:05:00Z',
  status: 'approved',
  responded_reason: 'none',
  details: null,
  hidden_details: null,
  metadata: null,
  factor_type: 'totp',
  url: `http://127.0.0.1:4010/v2/Services/VA${'0'.repeat(32)}/Entities/bench-identity-0000/Challenges/YC${'0'.repeat(32)}`,
  links: { notifications: `http://127.0.0.1:4010/v2/Services/VA${'0'.repeat(32)}/Entities/bench-identity-0000/Challenges/YC${'0'.repeat(32)}/Notifications` },
});

function serveBare(): http.Server {
  return http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(201, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(FIXED_BODY) });
      res.end(FIXED_BODY);
    });
  });
}

/** Child mode: `bench/emulator.ts serve bare|emulator [dataDir]` prints its port and serves until killed. */
function serveChild(kind: string, dataDir: string | undefined): void {
  const server =
    kind === 'bare'
      ? serveBare()
      : createEmulator({
          accountSid: process.env.ACCOUNT_SID ?? '',
          authToken: process.env.AUTH_TOKEN ?? '',
          dataDir,
          switches: { allowCodeReuse: true },
        });
  server.keepAliveTimeout = 60_000;
  server.listen(0, HOST, () => console.log(`PORT ${(server.address() as AddressInfo).port}`));
  // Exiting (rather than dying of the signal) lets --cpu-prof write its profile.
  process.once('SIGTERM', () => process.exit(0));
}

/** BENCH_CPU_PROFILE_DIR=<dir> writes a V8 CPU profile of the emulator process there (open it in Chrome DevTools). */
function startChild(args: string[], env: Record<string, string>): Promise<{ child: ChildProcess; port: number }> {
  const profile = process.env.BENCH_CPU_PROFILE_DIR;
  const child = spawn(process.execPath, [...(profile && args[1] === 'emulator' ? ['--cpu-prof', '--cpu-prof-dir', profile] : []), '--import', 'tsx', __filename, ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /PORT (\d+)/.exec(output);
      if (match) resolve({ child, port: Number(match[1]) });
    });
    child.once('exit', (code) => reject(new Error(`server child exited with ${code}`)));
  });
}

// ---------------------------------------------------------------- client

interface Target {
  port: number;
  authorization: string;
}

const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY * 2 });

function post(target: Target, pathName: string, form: Record<string, string>): Promise<{ status: number; body: string }> {
  const payload = new URLSearchParams(form).toString();
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: HOST,
        port: target.port,
        method: 'POST',
        path: pathName,
        agent,
        headers: {
          Authorization: target.authorization,
          'Content-Type': 'application/x-www-form-urlencoded',
          'Content-Length': Buffer.byteLength(payload),
          Accept: 'application/json',
        },
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

interface Enrolled {
  identity: string;
  factorSid: string;
  key: Uint8Array;
}

async function enrolFactors(target: Target, serviceSid: string): Promise<Enrolled[]> {
  const enrolled: Enrolled[] = [];
  for (let i = 0; i < FACTORS; i++) {
    const identity = `bench-identity-${String(i).padStart(4, '0')}`;
    const created = await post(target, `/v2/Services/${serviceSid}/Entities/${identity}/Factors`, {
      FriendlyName: 'bench',
      FactorType: 'totp',
    });
    const factor = JSON.parse(created.body) as { sid: string; binding: { secret: string } };
    const key = decodeBase32(factor.binding.secret);
    if (!key) throw new Error('bad secret from emulator');
    const code = totpAt(hmac, { key, algorithm: 'sha1', digits: 6, period: 30 }, Date.now());
    const verified = await post(target, `/v2/Services/${serviceSid}/Entities/${identity}/Factors/${factor.sid}`, { AuthPayload: code });
    if ((JSON.parse(verified.body) as { status: string }).status !== 'verified') throw new Error('enrolment failed');
    enrolled.push({ identity, factorSid: factor.sid, key });
  }
  return enrolled;
}

/** Challenge creation request number `n`: round-robin over the factors, with the code valid now. */
function challengeRequest(serviceSid: string, factors: Enrolled[], n: number): { path: string; form: Record<string, string> } {
  const factor = factors[n % factors.length] as Enrolled;
  const code = totpAt(hmac, { key: factor.key, algorithm: 'sha1', digits: 6, period: 30 }, Date.now());
  return {
    path: `/v2/Services/${serviceSid}/Entities/${factor.identity}/Challenges`,
    form: { FactorSid: factor.factorSid, AuthPayload: code },
  };
}

interface RunResult {
  requests: number;
  seconds: number;
  latenciesMs: number[];
  failures: number;
}

/** Closed loop: CONCURRENCY workers, each sending its next request as soon as the previous one is answered. */
async function closedLoop(target: Target, count: number, request: (n: number) => { path: string; form: Record<string, string> }, expectApproved: boolean): Promise<RunResult> {
  const latenciesMs: number[] = [];
  let next = 0;
  let failures = 0;
  const started = performance.now();
  const worker = async (): Promise<void> => {
    while (next < count) {
      const { path: pathName, form } = request(next++);
      const sent = performance.now();
      const response = await post(target, pathName, form);
      latenciesMs.push(performance.now() - sent);
      const approved = response.status === 201 && (JSON.parse(response.body) as { status?: string }).status === 'approved';
      if (response.status !== 201 || (expectApproved && !approved)) failures++;
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return { requests: count, seconds: (performance.now() - started) / 1000, latenciesMs, failures };
}

/**
 * Open loop at a fixed rate: requests leave on schedule whether or not earlier ones were answered, so a stalled
 * server shows up as latency. Latency counts from the actual send (the client's own timer lateness is not the server's).
 */
async function pacedRun(target: Target, rate: number, seconds: number, request: (n: number) => { path: string; form: Record<string, string> }): Promise<RunResult> {
  const count = rate * seconds;
  const latenciesMs: number[] = [];
  let failures = 0;
  const started = performance.now();
  const inFlight: Array<Promise<void>> = [];
  for (let n = 0; n < count; n++) {
    const scheduled = started + (n * 1000) / rate;
    const wait = scheduled - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    const { path: pathName, form } = request(n);
    const sent = performance.now();
    inFlight.push(
      post(target, pathName, form).then((response) => {
        latenciesMs.push(performance.now() - sent);
        if (response.status !== 201 || (JSON.parse(response.body) as { status?: string }).status !== 'approved') failures++;
      }),
    );
  }
  await Promise.all(inFlight);
  return { requests: count, seconds: (performance.now() - started) / 1000, latenciesMs, failures };
}

function combine(runs: RunResult[]): RunResult {
  return {
    requests: runs.reduce((sum, run) => sum + run.requests, 0),
    seconds: runs.reduce((sum, run) => sum + run.seconds, 0),
    latenciesMs: runs.flatMap((run) => run.latenciesMs),
    failures: runs.reduce((sum, run) => sum + run.failures, 0),
  };
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}

function describeRun(name: string, result: RunResult): string {
  const throughput = result.requests / result.seconds;
  return (
    `${name.padEnd(34)} ${throughput.toFixed(0).padStart(7)} req/s   p50 ${percentile(result.latenciesMs, 50).toFixed(2).padStart(6)} ms` +
    `   p99 ${percentile(result.latenciesMs, 99).toFixed(2).padStart(6)} ms   failures ${result.failures}`
  );
}

async function main(): Promise<void> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'verify-emulator-bench-'));
  const accountSid = `AC${randomBytes(16).toString('hex')}`;
  const authToken = randomBytes(16).toString('hex');
  const authorization = `Basic ${Buffer.from(`${accountSid}:${authToken}`).toString('base64')}`;
  const children: ChildProcess[] = [];
  try {
    const emulatorChild = await startChild(['serve', 'emulator', dataDir], { ACCOUNT_SID: accountSid, AUTH_TOKEN: authToken });
    children.push(emulatorChild.child);
    const bareChild = await startChild(['serve', 'bare'], {});
    children.push(bareChild.child);
    const emulator: Target = { port: emulatorChild.port, authorization };
    const bare: Target = { port: bareChild.port, authorization };

    const service = JSON.parse((await post(emulator, '/v2/Services', { FriendlyName: 'Bench' })).body) as { sid: string };
    const factors = await enrolFactors(emulator, service.sid);
    const request = (n: number) => challengeRequest(service.sid, factors, n);

    console.log(`Verify emulator benchmark — node ${process.version}, ${os.cpus().length} CPUs, ${os.platform()}`);
    console.log(`challenge creation with a valid code (201 approved); data dir with fsync'd journal; ${FACTORS} factors, allowCodeReuse=true`);
    console.log(
      `closed loop: concurrency ${CONCURRENCY}, ${MEASURED_REQUESTS} requests each after ${WARM_UP_REQUESTS} warm-up, ` +
        `bare and emulator alternating in ${ROUNDS} rounds; servers in child processes, request log off\n`,
    );

    await closedLoop(bare, WARM_UP_REQUESTS, request, false);
    await closedLoop(emulator, WARM_UP_REQUESTS, request, true);
    const bareRounds: RunResult[] = [];
    const emulatorRounds: RunResult[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      bareRounds.push(await closedLoop(bare, MEASURED_REQUESTS / ROUNDS, request, false));
      emulatorRounds.push(await closedLoop(emulator, MEASURED_REQUESTS / ROUNDS, request, true));
    }
    const bareRun = combine(bareRounds);
    const emulatorRun = combine(emulatorRounds);
    console.log(describeRun('bare node:http (fixed JSON)', bareRun));
    console.log(describeRun('emulator: create challenge', emulatorRun));
    const ratio = emulatorRun.requests / emulatorRun.seconds / (bareRun.requests / bareRun.seconds);
    console.log(`ratio emulator / bare throughput: ${ratio.toFixed(2)} (target >= 0.5)\n`);

    const paced = await pacedRun(emulator, PACED_RATE, PACED_SECONDS, request);
    console.log(describeRun(`emulator paced at ${PACED_RATE} req/s (${PACED_SECONDS} s)`, paced));
    console.log(`p99 at ${PACED_RATE} req/s: ${percentile(paced.latenciesMs, 99).toFixed(2)} ms (target < 10 ms)`);
    const row = (figure: string, result: RunResult, target = '—'): Figure => ({
      figure,
      measured: `${Math.round(result.requests / result.seconds).toLocaleString('en-US')} req/s, p50 ${percentile(result.latenciesMs, 50).toFixed(2)} ms, p99 ${percentile(result.latenciesMs, 99).toFixed(2)} ms`,
      target,
    });
    recordFigures({
      name: 'emulator',
      title: 'Verify emulator',
      command: 'npm run bench:emulator',
      figures: [
        row(`Bare \`node:http\`, fixed JSON (closed loop, ${CONCURRENCY} in flight)`, bareRun),
        row('Emulator, challenge creation with a valid code, fsync\'d journal (closed loop)', emulatorRun),
        { figure: 'Throughput ratio, emulator ÷ bare', measured: `**${ratio.toFixed(2)}**`, target: '≥ 0.5' },
        { figure: `Emulator p99 paced at ${PACED_RATE} requests/s for ${PACED_SECONDS} s`, measured: `**${percentile(paced.latenciesMs, 99).toFixed(2)} ms**`, target: '< 10 ms' },
      ],
    });
  } finally {
    agent.destroy();
    for (const child of children) child.kill('SIGTERM');
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

if (process.argv[2] === 'serve') {
  serveChild(process.argv[3] ?? 'bare', process.argv[4]);
} else {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
