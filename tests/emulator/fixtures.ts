// Shared fixtures for the emulator suites: codes from an independent TOTP implementation (otplib) and enrolment.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
// otplib's umbrella CJS build loads ESM-only plugins (@scure/base, @noble/hashes) that jest cannot require, so the
// suites use its TOTP core with a node:crypto plugin; totp.test.ts also checks the full otplib in a plain node process.
import { generateSync, type CryptoPlugin } from '@otplib/totp';
import type { TestEmulator } from '../helpers/emulator';

const nodeCryptoPlugin: CryptoPlugin = {
  name: 'node-test',
  hmac: (algorithm, key, data) => createHmac(algorithm.toLowerCase().replace(/[-_]/g, ''), key).update(data).digest(),
  randomBytes: (length) => randomBytes(length),
  constantTimeEqual: (a, b) => {
    const left = Buffer.from(a);
    const right = Buffer.from(b);
    return left.length === right.length && timingSafeEqual(left, right);
  },
};

/** RFC 4648 Base32 → bytes, written here so the tests do not lean on the emulator's decoder. */
export function base32ToBytes(text: string): Uint8Array {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  const bits = [...text.replace(/=+$/, '').toUpperCase()]
    .map((char) => {
      const index = alphabet.indexOf(char);
      if (index < 0) throw new Error(`not Base32: ${char}`);
      return index.toString(2).padStart(5, '0');
    })
    .join('');
  const bytes = bits.match(/.{8}/g) ?? [];
  return Uint8Array.from(bytes.map((byte) => parseInt(byte, 2)));
}

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
  return generateSync({
    secret: base32ToBytes(secret),
    crypto: nodeCryptoPlugin,
    epoch: Math.floor(atMs / 1000),
    algorithm: config.alg,
    digits: config.codeLength,
    period: config.timeStep,
  });
}

/** A code guaranteed wrong for the step window around `atMs`. */
export function wrongCodeFor(secret: string, atMs: number, config: FactorConfig = DEFAULT_CONFIG): string {
  const valid = new Set([-1, 0, 1].map((delta) => codeFor(secret, atMs + delta * config.timeStep * 1000, config)));
  for (let n = 0; ; n++) {
    const candidate = String(n).padStart(config.codeLength, '0');
    if (!valid.has(candidate)) return candidate;
  }
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
