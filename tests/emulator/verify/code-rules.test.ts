// The emulator's code checking (RFC 6238 window and replay rule) and ownership lookups, at their boundaries, through
// the real twilio client: the rules the kit's own security tests rely on when they run against the emulator.
import { nodeHmac } from '../../../emulator/verify/crypto';
import { decodeBase32, hotp, keyUri, totpAt as emulatorTotpAt, verifyTotp } from '../../../emulator/verify/totp';
import { startEmulator, type TestEmulator } from '../../helpers/emulator';
import { decodeBase32 as independentBase32, totpAt } from '../../helpers/totp';

/** RFC 6238 Appendix B's SHA-1 seed, "12345678901234567890", in Base32. */
const RFC_SECRET = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ';
const STEP = 30_000;
/** 10 s into a step, so ±1 step is never ambiguous. */
const T = Date.parse('2032-02-02T02:02:10Z');

let emulator: TestEmulator;
let serviceSid: string;
let identities = 0;

beforeAll(async () => {
  emulator = await startEmulator({ switches: { enforceRateLimits: false } });
  serviceSid = await emulator.createService({ friendlyName: 'Code Checks' });
});
afterAll(() => emulator.close());

function newIdentity(): string {
  identities += 1;
  return `code-checks-${identities}`;
}

const entity = (identity: string) => emulator.client.verify.v2.services(serviceSid).entities(identity);

async function restError(call: () => Promise<unknown>): Promise<{ code: number; message: string }> {
  try {
    await call();
  } catch (error) {
    return error as { code: number; message: string };
  }
  throw new Error('expected the call to fail');
}

async function restCode(call: () => Promise<unknown>): Promise<number> {
  return (await restError(call)).code;
}

/** A factor with the RFC seed, verified with the code of `at`; its replay rule then starts at that step. */
async function verifiedFactor(identity: string, at: number, config: Record<string, unknown> = {}): Promise<string> {
  await emulator.setClock(at);
  const factor = await entity(identity).newFactors.create({ friendlyName: 'Phone', factorType: 'totp', 'binding.secret': RFC_SECRET, ...config });
  const digits = (config['config.codeLength'] as number | undefined) ?? 6;
  const verified = await entity(identity).factors(factor.sid).update({ authPayload: totpAt(RFC_SECRET, at, { digits }) });
  expect(verified.status).toBe('verified');
  return factor.sid;
}

async function challenge(identity: string, factorSid: string, code: string): Promise<string> {
  return (await entity(identity).challenges.create({ factorSid, authPayload: code })).status;
}

describe('the code window (RFC 6238 §5.2)', () => {
  test.each([
    [0, -2, 'pending'],
    [0, -1, 'pending'],
    [0, 1, 'pending'],
    [1, -2, 'pending'],
    [1, -1, 'approved'],
    [1, 1, 'approved'],
    [1, 2, 'pending'],
    [2, -2, 'approved'],
    [2, 2, 'approved'],
    [2, 3, 'pending'],
  ])('with skew %i, the code of %i steps away is %s', async (skew, offset, status) => {
    const identity = newIdentity();
    // Verified 10 steps earlier, so the replay rule does not interfere.
    const sid = await verifiedFactor(identity, T - 10 * STEP, { 'config.skew': skew });
    await emulator.setClock(T);
    expect(await challenge(identity, sid, totpAt(RFC_SECRET, T + offset * STEP))).toBe(status);
  });

  test('an AuthPayload of 3 or 8 characters is checked, of 2 or 9 refused with 60200', async () => {
    const identity = newIdentity();
    const three = await verifiedFactor(identity, T - 10 * STEP, { 'config.codeLength': 3 });
    await emulator.setClock(T);
    expect(await challenge(identity, three, totpAt(RFC_SECRET, T, { digits: 3 }))).toBe('approved');
    const eight = await verifiedFactor(identity, T - 10 * STEP, { 'config.codeLength': 8 });
    await emulator.setClock(T);
    expect(await challenge(identity, eight, totpAt(RFC_SECRET, T, { digits: 8 }))).toBe('approved');
    expect(await restError(() => challenge(identity, three, '12'))).toMatchObject({ code: 60200, message: 'Invalid parameter: AuthPayload' });
    expect(await restCode(() => challenge(identity, eight, '123456789'))).toBe(60200);
    expect(await restError(() => entity(identity).factors(three).update({ authPayload: '12' }))).toMatchObject({
      code: 60200,
      message: 'Invalid parameter: AuthPayload',
    });
  });
});

describe('the replay rule', () => {
  test('an accepted step and every step before it are spent; the next step is not', async () => {
    const identity = newIdentity();
    const sid = await verifiedFactor(identity, T - 10 * STEP);
    await emulator.setClock(T);
    // Accept the step after T (within skew 1); T and T - 1 step are then spent too.
    expect(await challenge(identity, sid, totpAt(RFC_SECRET, T + STEP))).toBe('approved');
    expect(await challenge(identity, sid, totpAt(RFC_SECRET, T))).toBe('pending');
    expect(await challenge(identity, sid, totpAt(RFC_SECRET, T - STEP))).toBe('pending');
    await emulator.setClock(T + STEP);
    expect(await challenge(identity, sid, totpAt(RFC_SECRET, T + 2 * STEP))).toBe('approved');
  });

  test('the code that verified the factor cannot approve a challenge; the next step can', async () => {
    const identity = newIdentity();
    const sid = await verifiedFactor(identity, T);
    expect(await challenge(identity, sid, totpAt(RFC_SECRET, T))).toBe('pending');
    expect(await challenge(identity, sid, totpAt(RFC_SECRET, T - STEP))).toBe('pending');
    expect(await challenge(identity, sid, totpAt(RFC_SECRET, T + STEP))).toBe('approved');
    expect(await challenge(identity, sid, totpAt(RFC_SECRET, T + STEP))).toBe('pending');
  });

  test('the first time step of all (T = 0) is usable once, and the step after it too', async () => {
    const identity = newIdentity();
    await emulator.setClock(10_000);
    const factor = await entity(identity).newFactors.create({ friendlyName: 'Epoch', factorType: 'totp', 'binding.secret': RFC_SECRET, 'config.skew': 0 });
    expect((await entity(identity).factors(factor.sid).update({ authPayload: totpAt(RFC_SECRET, 10_000) })).status).toBe('verified');
    expect(await challenge(identity, factor.sid, totpAt(RFC_SECRET, 10_000))).toBe('pending');
    await emulator.setClock(40_000);
    expect(await challenge(identity, factor.sid, totpAt(RFC_SECRET, 40_000))).toBe('approved');
  });

  test('with allowCodeReuse the same code is accepted again, and no replay is remembered', async () => {
    const lax = await startEmulator({ switches: { allowCodeReuse: true, enforceRateLimits: false } });
    try {
      const sid = await lax.createService({ friendlyName: 'Lax' });
      await lax.setClock(T);
      const laxEntity = lax.client.verify.v2.services(sid).entities('lax-identity');
      const factor = await laxEntity.newFactors.create({ friendlyName: 'Phone', factorType: 'totp', 'binding.secret': RFC_SECRET });
      const code = totpAt(RFC_SECRET, T);
      await laxEntity.factors(factor.sid).update({ authPayload: code });
      expect((await laxEntity.challenges.create({ factorSid: factor.sid, authPayload: code })).status).toBe('approved');
      expect((await laxEntity.challenges.create({ factorSid: factor.sid, authPayload: code })).status).toBe('approved');
      expect((await laxEntity.challenges.create({ factorSid: factor.sid, authPayload: totpAt(RFC_SECRET, T - STEP) })).status).toBe('approved');
    } finally {
      await lax.close();
    }
  });
});

describe('ownership lookups', () => {
  test("another entity's factor is 60390 for every factor and challenge operation", async () => {
    const owner = newIdentity();
    const other = newIdentity();
    const sid = await verifiedFactor(owner, T - 10 * STEP);
    await verifiedFactor(other, T - 10 * STEP);
    await emulator.setClock(T);
    const code = totpAt(RFC_SECRET, T);
    expect(await restCode(() => entity(other).factors(sid).fetch())).toBe(60390);
    expect(await restCode(() => entity(other).factors(sid).update({ authPayload: code }))).toBe(60390);
    expect(await restCode(() => entity(other).factors(sid).remove())).toBe(60390);
    expect(await restCode(() => challenge(other, sid, code))).toBe(60390);
    // The owner's code was not spent by those attempts.
    expect(await challenge(owner, sid, code)).toBe('approved');
  });

  test('an identity that never had a factor is 60392; a malformed one 60367', async () => {
    expect(await restCode(() => entity(newIdentity()).factors.list())).toBe(60392);
    for (const identity of ['short-1', 'x'.repeat(65), 'double--dash', '-leading', 'trailing-', 'under_score']) {
      expect(await restCode(() => entity(identity).factors.list())).toBe(60367);
    }
    // 8 and 64 characters are valid identities (the entity does not exist, hence 60392).
    expect(await restCode(() => entity('abcd-123').factors.list())).toBe(60392);
    expect(await restCode(() => entity('a'.repeat(64)).factors.list())).toBe(60392);
    // An entity created without any Identity is refused the same way (raw HTTP: twilio-node refuses to send it).
    const created = await fetch(`${emulator.url}/v2/Services/${serviceSid}/Entities`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`${emulator.accountSid}:${emulator.authToken}`).toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: '',
    });
    expect([created.status, ((await created.json()) as { code: number }).code]).toEqual([400, 60367]);
  });

  test('with strictIdentityFormat off, any dashes pass but other characters still do not, anywhere', async () => {
    const lenient = await startEmulator({ switches: { strictIdentityFormat: false } });
    try {
      const sid = await lenient.createService({ friendlyName: 'Lenient' });
      const list = (identity: string) => restCode(() => lenient.client.verify.v2.services(sid).entities(identity).factors.list());
      expect(await list('--double--dash--')).toBe(60392);
      for (const identity of ['_abcdefgh', 'abcdefgh_', 'abcd_efgh']) expect(await list(identity)).toBe(60367);
    } finally {
      await lenient.close();
    }
  });

  test('an unknown or malformed service is 20404', async () => {
    for (const service of [`VA${'0'.repeat(32)}`, serviceSid.toLowerCase(), `${serviceSid}0`, 'VAnotaservice']) {
      expect(await restCode(() => emulator.client.verify.v2.services(service).entities('abcd-1234').factors.list())).toBe(20404);
    }
  });
});

describe('unverified factors age out after one hour', () => {
  test('alive 1 ms before the hour, gone at the hour (60390 on every path); reads never purge, the next creation does', async () => {
    const identity = newIdentity();
    await emulator.setClock(T);
    const kept = await verifiedFactor(identity, T);
    const factor = await entity(identity).newFactors.create({ friendlyName: 'Unfinished', factorType: 'totp' });
    await emulator.setClock(T + 3_600_000 - 1);
    expect((await entity(identity).factors(factor.sid).fetch()).status).toBe('unverified');
    expect((await entity(identity).factors.list()).map((listed) => listed.sid)).toEqual([kept, factor.sid]);
    await emulator.setClock(T + 3_600_000);
    expect((await entity(identity).factors.list()).map((listed) => listed.sid)).toEqual([kept]);
    expect(await restCode(() => entity(identity).factors(factor.sid).fetch())).toBe(60390);
    expect(await restCode(() => entity(identity).factors(factor.sid).update({ authPayload: '123456' }))).toBe(60390);
    // Reads worked the age out from the clock and wrote nothing: with the clock turned back, the factor is there again.
    await emulator.setClock(T);
    expect((await entity(identity).factors(factor.sid).fetch()).status).toBe('unverified');
    // A creation at the hour deletes it for good, and only it.
    await emulator.setClock(T + 3_600_000);
    const next = await entity(identity).newFactors.create({ friendlyName: 'Next', factorType: 'totp' });
    await emulator.setClock(T);
    expect(await restCode(() => entity(identity).factors(factor.sid).fetch())).toBe(60390);
    expect((await entity(identity).factors.list()).map((listed) => listed.sid)).toEqual([kept, next.sid]);
  });

  test('a verified factor never ages out', async () => {
    const identity = newIdentity();
    const sid = await verifiedFactor(identity, T);
    await emulator.setClock(T + 365 * 24 * 3_600_000);
    expect((await entity(identity).factors(sid).fetch()).status).toBe('verified');
  });
});

describe('emulator/totp.ts edges', () => {
  const params = { key: independentBase32(RFC_SECRET), algorithm: 'sha1' as const, digits: 8, period: 30 };

  test.each([
    ['the first step past 32 bits', 2 ** 32 * 30],
    ['the step after it', 2 ** 32 * 30 + 30],
    ['a step past 33 bits', 2 ** 33 * 30 + 7],
  ])('the 8-byte counter (RFC 4226 §5.2) holds %s: same code as otplib', (_what, seconds) => {
    expect(emulatorTotpAt(nodeHmac, params, seconds * 1000)).toBe(totpAt(RFC_SECRET, seconds * 1000, { digits: 8 }));
  });

  test('no step before the Unix epoch is tried: at T = 10 s with skew 1 only steps 0 and 1 count', () => {
    // What HOTP gives for "step -1" (the counter wraps to 2^64 - 1): never a valid code.
    const beforeEpoch = hotp(nodeHmac, params, -1);
    expect([hotp(nodeHmac, params, 0), hotp(nodeHmac, params, 1)]).not.toContain(beforeEpoch);
    expect(verifyTotp(nodeHmac, params, beforeEpoch, 10_000, 1)).toEqual({ valid: false });
    expect(verifyTotp(nodeHmac, params, hotp(nodeHmac, params, 0), 10_000, 1)).toEqual({ valid: true, step: 0 });
  });

  test.each(['MZ=XW6', '1MZXW6', 'M1ZXW6', 'MZXW6 ', '=MZXW6'])('decodeBase32 refuses %j (padding only at the end, alphabet only)', (text) => {
    expect(decodeBase32(text)).toBeUndefined();
  });

  test('decodeBase32 accepts trailing padding and lower case', () => {
    expect(Buffer.from(decodeBase32('mzxw6===') ?? []).toString()).toBe('foo');
  });

  test('an imported secret with padding inside is refused (60314)', async () => {
    const identity = newIdentity();
    const code = await restCode(() =>
      entity(identity).newFactors.create({ friendlyName: 'Phone', factorType: 'totp', 'binding.secret': 'GEZDGNBVGY3TQOJQ=GEZDGNBVGY3TQOJQ' }),
    );
    expect(code).toBe(60314);
  });

  test("the Key-Uri percent-encodes !'()* with upper-case hex (RFC 3986 §2.1)", () => {
    const uri = keyUri({ issuer: "A*B!C'D(E)", accountName: 'x*y', secret: 'MZXW6', algorithm: 'sha512', digits: 6, period: 30 });
    expect(uri).toBe('otpauth://totp/A%2AB%21C%27D%28E%29:x%2Ay?secret=MZXW6&issuer=A%2AB%21C%27D%28E%29&algorithm=SHA512&digits=6&period=30');
  });
});
