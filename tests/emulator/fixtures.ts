// Shared fixtures for the emulator suites (core, verify, sync): codes from an independent TOTP implementation
// (otplib), enrolment, temporary data directories, raw HTTP (for headers the twilio client hides) and error capture.
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { VerifySnapshot } from '../../emulator/verify/records';
import { decodeBase32, totpAt, wrongTotpAt } from '../helpers/totp';
import { startEmulator, type TestEmulator } from '../helpers/emulator';
import { expectWireCompatible } from './wire';

/** RFC 4648 Base32 → bytes, from the tests' own decoder (not the emulator's). */
export const base32ToBytes = decodeBase32;

/** A fixed instant 10 s into a 30 s step, so ±1 step is never ambiguous. */
export const T0 = Date.parse('2030-01-01T00:00:10Z');
export const IDENTITY = 'user-0a1b2c3d-4e5f';

export interface FactorConfig {
  alg: 'sha1' | 'sha256' | 'sha512';
  codeLength: number;
  timeStep: number;
}

export const DEFAULT_CONFIG: FactorConfig = { alg: 'sha1', codeLength: 6, timeStep: 30 };

/** The TOTP code otplib computes for `secret` at `atMs` (RFC 6238), independent of the emulator's own code. */
export function codeFor(secret: string, atMs: number, config: FactorConfig = DEFAULT_CONFIG): string {
  return totpAt(secret, atMs, { algorithm: config.alg, digits: config.codeLength, period: config.timeStep });
}

/** A code guaranteed wrong for the step window around `atMs`. */
export function wrongCodeFor(secret: string, atMs: number, config: FactorConfig = DEFAULT_CONFIG): string {
  return wrongTotpAt(secret, atMs, { algorithm: config.alg, digits: config.codeLength, period: config.timeStep }, 1);
}

export interface CreatedFactor {
  sid: string;
  secret: string;
}

/** Creates an unverified totp factor and returns its SID and secret (from binding, shown only here). */
export async function createFactor(
  emulator: TestEmulator,
  serviceSid: string,
  identity = IDENTITY,
  params: Record<string, unknown> = {},
): Promise<CreatedFactor> {
  const factor = await emulator.client.verify.v2
    .services(serviceSid)
    .entities(identity)
    .newFactors.create({ friendlyName: 'Test phone', factorType: 'totp', ...params });
  const binding = factor.binding as { secret: string };
  return { sid: factor.sid, secret: binding.secret };
}

/** Creates a factor and verifies it with a correct code at the emulator's (frozen) time `atMs`. */
export async function enrolFactor(
  emulator: TestEmulator,
  serviceSid: string,
  atMs: number,
  identity = IDENTITY,
): Promise<CreatedFactor> {
  const factor = await createFactor(emulator, serviceSid, identity);
  const verified = await emulator.client.verify.v2
    .services(serviceSid)
    .entities(identity)
    .factors(factor.sid)
    .update({ authPayload: codeFor(factor.secret, atMs) });
  if (verified.status !== 'verified') throw new Error('fixture: enrolment failed');
  return factor;
}

/** Runs `call` and returns the twilio RestException it must reject with. */
export async function restError(call: () => Promise<unknown>): Promise<{ status: number; code: number; message: string; moreInfo: string }> {
  try {
    await call();
  } catch (error) {
    return error as { status: number; code: number; message: string; moreInfo: string };
  }
  throw new Error('expected the call to fail');
}

/** The data directory's files (emulator/core/data-files.ts), named here so a rename shows in the tests. */
export const SNAPSHOT = 'emulator-snapshot.json';
export const JOURNAL = 'emulator-journal.jsonl';
export const LOCK = 'emulator.lock';

/** The journal's entry lines, without its header line (the file is preallocated with zeros after them). */
export function journalLines(dataDir: string): string[] {
  const lines = fs.readFileSync(path.join(dataDir, JOURNAL), 'utf8').replace(/\0+$/, '').split('\n').filter(Boolean);
  expect(JSON.parse(lines[0] ?? 'null')).toEqual({ format: 'totp-functions/emulator-journal', version: 2 });
  return lines.slice(1);
}

/** One journal entry line, parsed. */
export function journalEntry(line: string | undefined): { product?: string; changes?: Array<Record<string, unknown>>; reset?: true } {
  return JSON.parse(line ?? 'null') as { product?: string; changes?: Array<Record<string, unknown>>; reset?: true };
}

/** A fresh temporary data directory; `removeTempDataDirs()` deletes them all. */
const tempDataDirs: string[] = [];
export function tempDataDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'emulator-test-'));
  tempDataDirs.push(dir);
  return dir;
}
export function removeTempDataDirs(): void {
  for (const dir of tempDataDirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
}

/**
 * Everything a (closed) emulator's data directory holds: a start on it replays the journal into a fresh snapshot
 * (compaction), read back here. What the API can no longer reach may still be on disk; this shows whether it is.
 */
export async function storedState(dataDir: string): Promise<VerifySnapshot> {
  const reopened = await startEmulator({ dataDir });
  await reopened.close();
  const snapshot = JSON.parse(fs.readFileSync(path.join(dataDir, SNAPSHOT), 'utf8')) as { products: { verify: VerifySnapshot } };
  return snapshot.products.verify;
}

export interface RawResponse {
  status: number;
  /** The ETag header, when sent. */
  etag: string | null;
  body: unknown;
}

/** One request straight over HTTP with the emulator's Basic auth; `form` becomes a form-encoded body. */
export async function rawRequest(
  emulator: TestEmulator,
  method: string,
  path: string,
  form?: Record<string, string>,
  headers: Record<string, string> = {},
): Promise<RawResponse> {
  const response = await fetch(`${emulator.url}${path}`, {
    method,
    headers: {
      authorization: `Basic ${Buffer.from(`${emulator.accountSid}:${emulator.authToken}`).toString('base64')}`,
      ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
      ...headers,
    },
    body: form ? new URLSearchParams(form).toString() : undefined,
  });
  const text = await response.text();
  return { status: response.status, etag: response.headers.get('etag'), body: text === '' ? undefined : (JSON.parse(text) as unknown) };
}

/** Settles every call and sorts the outcomes: fulfilled values, and the status/code of each RestException. */
export async function outcomes<T>(calls: Array<() => Promise<T>>): Promise<{ ok: T[]; failed: Array<{ status: number; code: number }> }> {
  const settled = await Promise.allSettled(calls.map((call) => call()));
  const ok: T[] = [];
  const failed: Array<{ status: number; code: number }> = [];
  for (const result of settled) {
    if (result.status === 'fulfilled') ok.push(result.value);
    else failed.push({ status: (result.reason as { status: number }).status, code: (result.reason as { code: number }).code });
  }
  return { ok, failed };
}

const REPO_ROOT = path.join(__dirname, '../..');

export interface CliProcess {
  child: ChildProcess;
  output: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * Runs `npm run emulator`'s entry point as a real process (node --import tsx, so signals reach the emulator itself),
 * with none of the emulator's variables from the shell unless `env` sets them.
 */
export function spawnCli(args: string[], env: Record<string, string | undefined>): CliProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', 'emulator/main.ts', ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, ACCOUNT_SID: undefined, AUTH_TOKEN: undefined, EMULATOR_PORT: undefined, VERIFY_EMULATOR_PORT: undefined, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return { child, output: () => output, exited };
}

/** Starts the CLI and resolves once it says where it listens; rejects with its output if it exits first. */
export function startCli(args: string[], env: Record<string, string | undefined>): Promise<CliProcess & { url: string }> {
  const cli = spawnCli(args, env);
  return new Promise((resolve, reject) => {
    const onData = (): void => {
      const match = /Emulator listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(cli.output());
      if (match?.[1]) {
        cli.child.stdout?.off('data', onData);
        resolve({ ...cli, url: match[1] });
      }
    };
    cli.child.stdout?.on('data', onData);
    void cli.exited.then(({ code }) => reject(new Error(`emulator exited (${code}) before listening:\n${cli.output()}`)));
  });
}

/**
 * One emulator for a suite, reset and set to `t0` before each test, and every exchange of each test checked against
 * Twilio's descriptions after it. Read `emulator` inside tests only: it is started in beforeAll.
 */
export function useWireCheckedEmulator(t0: number): TestEmulator {
  let started: TestEmulator | undefined;
  beforeAll(async () => {
    started = await startEmulator();
  });
  afterAll(() => started?.close());
  beforeEach(async () => {
    await current().reset();
    await current().setClock(t0);
    current().exchanges.length = 0;
  });
  afterEach(() => {
    expectWireCompatible(current().exchanges);
  });
  function current(): TestEmulator {
    if (started === undefined) throw new Error('the emulator is started in beforeAll; use it inside a test');
    return started;
  }
  // The suite's emulator under one name from the file's first line on, though it only exists once beforeAll ran.
  return new Proxy({} as TestEmulator, { get: (_, name) => Reflect.get(current(), name, current()) });
}
