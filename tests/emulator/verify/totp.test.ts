// RFC 6238 in the emulator: Appendix B vectors, agreement with otplib on random inputs, Base32 and the Key-Uri.
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import fc from 'fast-check';
import { nodeHmac } from '../../../emulator/verify/crypto';
import { decodeBase32, encodeBase32, keyUri, totpAt, verifyTotp, type TotpAlgorithm } from '../../../emulator/verify/totp';
import { startEmulator, type TestEmulator } from '../../helpers/emulator';
import { encodeBase32 as independentBase32 } from '../../helpers/totp';
import { base32ToBytes } from '../fixtures';
import { expectWireCompatible } from '../wire';

/** RFC 6238 Appendix B seeds: ASCII "1234567890" repeated to 20, 32 and 64 bytes. */
const RFC_KEYS: Record<TotpAlgorithm, Uint8Array> = {
  sha1: Buffer.from('12345678901234567890'),
  sha256: Buffer.from('12345678901234567890123456789012'),
  sha512: Buffer.from('1234567890123456789012345678901234567890123456789012345678901234'),
};

/** RFC 6238 Appendix B, Table 1: Unix time, mode, 8-digit TOTP (X = 30, T0 = 0). */
const RFC_6238_VECTORS: ReadonlyArray<[number, TotpAlgorithm, string]> = [
  [59, 'sha1', '94287082'],
  [59, 'sha256', '46119246'],
  [59, 'sha512', '90693936'],
  [1111111109, 'sha1', '07081804'],
  [1111111109, 'sha256', '68084774'],
  [1111111109, 'sha512', '25091201'],
  [1111111111, 'sha1', '14050471'],
  [1111111111, 'sha256', '67062674'],
  [1111111111, 'sha512', '99943326'],
  [1234567890, 'sha1', '89005924'],
  [1234567890, 'sha256', '91819424'],
  [1234567890, 'sha512', '93441116'],
  [2000000000, 'sha1', '69279037'],
  [2000000000, 'sha256', '90698825'],
  [2000000000, 'sha512', '38618901'],
  [20000000000, 'sha1', '65353130'],
  [20000000000, 'sha256', '77737706'],
  [20000000000, 'sha512', '47863826'],
];

let emulator: TestEmulator;
let serviceSid: string;

beforeAll(async () => {
  emulator = await startEmulator({ switches: { enforceRateLimits: false } });
  serviceSid = await emulator.createService({ friendlyName: 'RFC 6238' });
});
afterAll(() => emulator.close());
afterEach(() => {
  expectWireCompatible(emulator.exchanges);
  emulator.exchanges.length = 0;
});

/** Imports `key` as a factor at the emulator time `epochSeconds` and submits `code`; returns the factor status. */
async function verifyThroughEmulator(
  key: Uint8Array,
  config: { alg: TotpAlgorithm; digits: number; period: number; skew: number },
  epochSeconds: number,
  code: string,
): Promise<string> {
  await emulator.setClock(epochSeconds * 1000);
  const entity = emulator.client.verify.v2.services(serviceSid).entities('rfc-6238-vectors');
  const factor = await entity.newFactors.create({
    friendlyName: 'vector',
    factorType: 'totp',
    'binding.secret': encodeBase32(key),
    'config.alg': config.alg,
    'config.codeLength': config.digits,
    'config.timeStep': config.period,
    'config.skew': config.skew,
  });
  const result = await entity.factors(factor.sid).update({ authPayload: code });
  await entity.factors(factor.sid).remove();
  return result.status;
}

describe('RFC 6238 Appendix B', () => {
  it.each(RFC_6238_VECTORS)('at T=%i with %s the code is %s', async (time, algorithm, expected) => {
    const params = { key: RFC_KEYS[algorithm], algorithm, digits: 8, period: 30 };
    expect(totpAt(nodeHmac, params, time * 1000)).toBe(expected);
    // The same vector through the real client: an imported RFC key verifies with exactly this code, skew 0.
    expect(await verifyThroughEmulator(params.key, { alg: algorithm, digits: 8, period: 30, skew: 0 }, time, expected)).toBe('verified');
  });
});

interface RandomCase {
  secret: string;
  algorithm: TotpAlgorithm;
  digits: number;
  period: number;
  epoch: number;
}

/** Codes from the complete otplib package (noble HMAC, scure Base32), run in plain node: jest cannot load its ESM plugins. */
function otplibCodes(cases: readonly RandomCase[]): string[] {
  const script = `
    const { generateSync } = require('otplib');
    const cases = JSON.parse(require('node:fs').readFileSync(0, 'utf8'));
    process.stdout.write(JSON.stringify(cases.map((c) => generateSync(c))));
  `;
  const child = spawnSync(process.execPath, ['--no-warnings', '-e', script], {
    cwd: path.join(__dirname, '../../..'),
    input: JSON.stringify(cases),
    encoding: 'utf8',
  });
  if (child.status !== 0) throw new Error(`otplib child failed: ${child.stderr}`);
  return JSON.parse(child.stdout) as string[];
}

const randomCase: fc.Arbitrary<RandomCase> = fc.record({
  // Built with the tests' own encoder: a broken emulator encoder must fail a test, not the suite's collection.
  secret: fc.uint8Array({ minLength: 16, maxLength: 64 }).map((bytes) => independentBase32(bytes)),
  algorithm: fc.constantFrom<TotpAlgorithm>('sha1', 'sha256', 'sha512'),
  digits: fc.integer({ min: 3, max: 8 }),
  period: fc.integer({ min: 20, max: 60 }),
  epoch: fc.integer({ min: 0, max: 4_102_444_800 }),
});

describe('agreement with otplib', () => {
  const cases = fc.sample(randomCase, { numRuns: 300, seed: 6238 });
  const expected = otplibCodes(cases);

  it('computes the same code as otplib for 300 random secrets, algorithms, lengths, steps and times', () => {
    const ours = cases.map((c) =>
      totpAt(nodeHmac, { key: base32ToBytes(c.secret), algorithm: c.algorithm, digits: c.digits, period: c.period }, c.epoch * 1000),
    );
    expect(ours).toEqual(expected);
  });

  it.each(cases.slice(0, 12).map((c, index) => [index, c, expected[index] ?? '']))(
    'verifies otplib’s code through the emulator (case %i)',
    async (_index, c, code) => {
      const config = { alg: c.algorithm, digits: c.digits, period: c.period, skew: 0 };
      expect(await verifyThroughEmulator(base32ToBytes(c.secret), config, c.epoch, code)).toBe('verified');
    },
  );
});

describe('verification window and replay', () => {
  const params = { key: RFC_KEYS.sha1, algorithm: 'sha1' as const, digits: 6, period: 30 };
  const at = 1_234_567_890_000;

  it('accepts T-skew … T+skew and reports the matched step', () => {
    for (const delta of [-1, 0, 1]) {
      const code = totpAt(nodeHmac, params, at + delta * 30_000);
      expect(verifyTotp(nodeHmac, params, code, at, 1)).toEqual({ valid: true, step: Math.floor(at / 30_000) + delta });
    }
    expect(verifyTotp(nodeHmac, params, totpAt(nodeHmac, params, at + 60_000), at, 1)).toEqual({ valid: false });
  });

  it('skips steps at or below the last accepted one (RFC 6238 §5.2)', () => {
    const step = Math.floor(at / 30_000);
    const code = totpAt(nodeHmac, params, at);
    expect(verifyTotp(nodeHmac, params, code, at, 1, step)).toEqual({ valid: false });
    expect(verifyTotp(nodeHmac, params, code, at, 1, step - 1)).toEqual({ valid: true, step });
  });

  it('treats non-digits and wrong lengths as wrong codes', () => {
    const code = totpAt(nodeHmac, params, at);
    for (const input of [`${code}0`, code.slice(1), 'abcdef', ` ${code.slice(1)}`]) {
      expect(verifyTotp(nodeHmac, params, input, at, 1)).toEqual({ valid: false });
    }
  });
});

describe('Base32 (RFC 4648 §10) and the Key-Uri', () => {
  it.each([
    ['f', 'MY'],
    ['fo', 'MZXQ'],
    ['foo', 'MZXW6'],
    ['foob', 'MZXW6YQ'],
    ['fooba', 'MZXW6YTB'],
    ['foobar', 'MZXW6YTBOI'],
  ])('encodes %s as %s (padding dropped)', (text, encoded) => {
    expect(encodeBase32(Buffer.from(text))).toBe(encoded);
    expect(Buffer.from(decodeBase32(`${encoded}======`.slice(0, Math.ceil(encoded.length / 8) * 8)) ?? []).toString()).toBe(text);
  });

  it('round-trips any bytes and decodes lower case', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 80 }), (bytes) => {
        const encoded = encodeBase32(bytes);
        expect(decodeBase32(encoded)).toEqual(Uint8Array.from(bytes));
        expect(decodeBase32(encoded.toLowerCase())).toEqual(Uint8Array.from(bytes));
      }),
    );
  });

  it('refuses text outside the alphabet', () => {
    expect(decodeBase32('ABC1')).toBeUndefined();
    expect(decodeBase32('')).toBeUndefined();
  });

  it('builds the spec example URI exactly', () => {
    expect(
      keyUri({
        issuer: 'test-issuer',
        accountName: 'John’s Account Name',
        secret: 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ',
        algorithm: 'sha1',
        digits: 6,
        period: 30,
      }),
    ).toBe(
      'otpauth://totp/test-issuer:John%E2%80%99s%20Account%20Name?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=test-issuer&algorithm=SHA1&digits=6&period=30',
    );
  });

  it('percent-encodes reserved characters in issuer and account name (RFC 3986), never +', () => {
    const uri = keyUri({ issuer: "Ann's Co: A&B", accountName: 'a+b c/d?', secret: 'MZXW6YTBOI', algorithm: 'sha256', digits: 8, period: 60 });
    expect(uri).toBe(
      'otpauth://totp/Ann%27s%20Co%3A%20A%26B:a%2Bb%20c%2Fd%3F?secret=MZXW6YTBOI&issuer=Ann%27s%20Co%3A%20A%26B&algorithm=SHA256&digits=8&period=60',
    );
  });
});
