// Shared fixtures for the emulator suites: codes from an independent TOTP implementation (otplib) and enrolment.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { VerifyState } from '../../emulator/records';
import { decodeBase32, totpAt, wrongTotpAt } from '../helpers/totp';
import { startEmulator, type TestEmulator } from '../helpers/emulator';

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

/** A fresh temporary data directory; `removeTempDataDirs()` deletes them all. */
const tempDataDirs: string[] = [];
export function tempDataDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'verify-emulator-test-'));
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
export async function storedState(dataDir: string): Promise<VerifyState> {
  const reopened = await startEmulator({ dataDir });
  await reopened.close();
  const snapshot = JSON.parse(fs.readFileSync(path.join(dataDir, 'verify-emulator-snapshot.json'), 'utf8')) as { state: VerifyState };
  return snapshot.state;
}
