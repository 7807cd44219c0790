// Recovery codes (lib/core/recovery-codes.ts): the format users read and type (75 bits each), the stored form (a salt and a peppered scrypt hash per
// code, checked apart from the kit), one hash per attempt whatever was typed, and the sets issued before still honoured.
import { createHash, createHmac, createSecretKey } from 'node:crypto';
import fc from 'fast-check';
import {
  createRecoveryCodeVault,
  deriveRecoveryCodePepper,
  isOutdatedSet,
  LEGACY_CODE_BITS,
  matchRecoveryCode,
  normalizeRecoveryCode,
  parseRecoveryCodeSet,
  RECOVERY_CODE_BITS,
  RECOVERY_CODE_COUNT,
  recoveryCodesLeft,
  SCRYPT_COST,
  scryptHash,
  withoutRecoveryCode,
  type PasswordHash,
  type RecoveryCodeSet,
  type ScryptRecoveryCodes,
} from '../../../lib/core/recovery-codes';
import { canonicalCode, expectedRecoveryHash, legacyRecoverySet } from '../../helpers/recovery-codes';

jest.setTimeout(60_000);

const RECOVERY_SECRET = 'a-recovery-code-secret-of-32-bytes!';
const IDENTITY_SECRET = 'an-identity-secret-of-at-least-32-bytes';
const keys = { pepper: deriveRecoveryCodePepper(Buffer.from(RECOVERY_SECRET)), legacyKey: createSecretKey(Buffer.from(IDENTITY_SECRET)) };
const vault = createRecoveryCodeVault(keys);
const CODE = /^[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){3}$/;

/** Checks `input` against `set` the way the state does: prepare (the hash), then match (the comparison). */
async function find(set: RecoveryCodeSet | null, input: string, using = vault): Promise<number | undefined> {
  return matchRecoveryCode(await using.prepare(set, input), set);
}

let issued: { codes: string[]; stored: ScryptRecoveryCodes };
beforeAll(async () => {
  issued = await vault.issue();
});

describe('the codes', () => {
  test('a code is four groups of four Crockford Base32 symbols (no I, L, O or U); its first symbol is its slot', async () => {
    expect(issued.codes).toHaveLength(RECOVERY_CODE_COUNT);
    issued.codes.forEach((code, slot) => {
      expect(code).toMatch(CODE);
      expect(code[0]).toBe(String(slot));
    });
    expect(new Set(issued.codes).size).toBe(RECOVERY_CODE_COUNT);
  });

  test('each code carries at least 64 bits (NIST SP 800-63B-4 §4.2.1.1): 75, the slot symbol not counted', async () => {
    expect(RECOVERY_CODE_BITS).toBe(75);
    expect(RECOVERY_CODE_BITS).toBeGreaterThanOrEqual(64);
    expect(LEGACY_CODE_BITS).toBe(50);
    // The 15 random symbols of 40 sets: 6,000 uniform draws over 32 symbols miss one with a probability below 1e-80.
    const sets = await Promise.all(Array.from({ length: 4 }, () => createRecoveryCodeVault(keys, async () => Buffer.alloc(32)).issue()));
    const random = sets.flatMap((set) => set.codes).map((code) => canonicalCode(code).slice(1));
    expect(random.every((symbols) => symbols.length === 15)).toBe(true);
    expect(new Set(random.join('')).size).toBe(32);
  });

  test.each([
    ['0abc-defg-hjkm-npqr', '0ABCDEFGHJKMNPQR'],
    [' 0ABC DEFG HJKM NPQR ', '0ABCDEFGHJKMNPQR'],
    ['0-a-b-c-d-e-f-g-h-j-k-m-n-p-q-r', '0ABCDEFGHJKMNPQR'],
    ['O0OI-L123-4567-89AB', '00011123456789AB'],
    ['abcde-fghjk', 'ABCDEFGHJK'],
  ])('input %j reads as %s', (input, canonical) => {
    expect(normalizeRecoveryCode(input)).toBe(canonical);
  });

  test.each([[''], ['0ABC-DEFG-HJKM-NPQ'], ['0ABC-DEFG-HJKM-NPQRS'], ['0ABC-DEFG-HJKM-NPQU'], ['0ABC_DEFG_HJKM_NPQR'], ['ÄBCDE-FGHJK'], ['ABCDE-FGHJ']])(
    'input %j is no code',
    (input) => {
      expect(normalizeRecoveryCode(input)).toBeUndefined();
    },
  );
});

describe('the stored form', () => {
  test('one entry per code: its slot, its own 128-bit salt and a peppered scrypt hash, recomputed apart from the kit', () => {
    const { stored, codes } = issued;
    expect(stored).toMatchObject({ scheme: 'scrypt', N: 16_384, r: 8, p: 1 });
    expect(stored.codes.map((code) => code.slot)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const salts = stored.codes.map((code) => Buffer.from(code.salt, 'base64url'));
    expect(salts.every((salt) => salt.length === 16)).toBe(true);
    expect(new Set(stored.codes.map((code) => code.salt)).size).toBe(RECOVERY_CODE_COUNT);
    stored.codes.forEach((entry, index) => expect(entry.hash).toBe(expectedRecoveryHash(RECOVERY_SECRET, codes[index] ?? '', entry.salt, stored)));
  });

  test('neither a code nor an unsalted digest of one is kept; the identity key hashes nothing of a current set', () => {
    const kept = JSON.stringify(issued.stored);
    for (const code of issued.codes) {
      const canonical = canonicalCode(code);
      const digests = [
        createHash('sha256').update(canonical).digest('base64url'),
        createHmac('sha256', RECOVERY_SECRET).update(canonical).digest('base64url'),
        createHmac('sha256', keys.pepper).update(canonical).digest('base64url'),
        createHmac('sha256', IDENTITY_SECRET).update(canonical).digest('base64url'),
      ];
      for (const form of [code, canonical, code.toLowerCase(), ...digests]) expect(kept).not.toContain(form);
    }
  });

  test('the pepper is HKDF of RECOVERY_CODE_SECRET with its purpose label: another secret, another pepper', () => {
    const other = createRecoveryCodeVault({ ...keys, pepper: deriveRecoveryCodePepper(Buffer.from('another-recovery-secret-of-32-bytes')) });
    return expect(find(issued.stored, issued.codes[0] ?? '', other)).resolves.toBeUndefined();
  });

  test('the stored set reads back as it was written', () => {
    expect(parseRecoveryCodeSet(JSON.parse(JSON.stringify(issued.stored)))).toEqual(issued.stored);
  });
});

describe('a check', () => {
  test('each code is found at its own position, typed any way; another code, a near miss or a changed set finds nothing', async () => {
    for (const [index, code] of issued.codes.entries()) expect(await find(issued.stored, code)).toBe(index);
    expect(await find(issued.stored, ` ${(issued.codes[4] ?? '').toLowerCase().replace(/-/g, ' ')} `)).toBe(4);
    const first = issued.codes[0] ?? '';
    const nearMiss = `${first.slice(0, -1)}${first.endsWith('0') ? '1' : '0'}`;
    expect(await find(issued.stored, nearMiss)).toBeUndefined();
    const other = await vault.issue();
    expect(await find(issued.stored, other.codes[0] ?? '')).toBeUndefined();
    // A hash made against this set, compared against a set that changed since (regenerated): no match.
    expect(matchRecoveryCode(await vault.prepare(issued.stored, first), other.stored)).toBeUndefined();
  });

  test('a used code no longer matches; the others still do', async () => {
    const spent = withoutRecoveryCode(issued.stored, 2);
    expect(recoveryCodesLeft(spent)).toBe(9);
    expect(await find(spent, issued.codes[2] ?? '')).toBeUndefined();
    expect(await find(spent, issued.codes[3] ?? '')).toBe(2);
  });

  test('the same work whatever was typed: exactly one scrypt hash at the set’s cost per attempt, near any code or none', async () => {
    const calls: { password: string; cost: unknown }[] = [];
    const counting: PasswordHash = async (password, salt, cost) => {
      calls.push({ password, cost });
      return scryptHash(password, salt, cost);
    };
    const counted = createRecoveryCodeVault(keys, counting);
    const spent = withoutRecoveryCode(issued.stored, 5);
    const nearMisses = issued.codes.map((code) => `${code.slice(0, -1)}${code.endsWith('0') ? '1' : '0'}`);
    const inputs = [...issued.codes, ...nearMisses, 'Z000-0000-0000-0000', issued.codes[5] ?? '', 'ABCDE-FGHJK', 'not a code'];
    for (const input of inputs) {
      calls.length = 0;
      await find(spent, input, counted);
      expect({ input, calls: calls.map((call) => call.cost) }).toEqual({ input, calls: [{ N: 16_384, r: 8, p: 1 }] });
    }
    // With no set at all, too (a user without codes answers as slowly as one with them).
    calls.length = 0;
    await find(null, issued.codes[0] ?? '', counted);
    expect(calls.map((call) => call.cost)).toEqual([SCRYPT_COST]);
  });

  test('property: a code matches however it is cased, spaced or dashed', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: RECOVERY_CODE_COUNT - 1 }),
        fc.array(fc.constantFrom('', ' ', '-'), { minLength: 17, maxLength: 17 }),
        fc.boolean(),
        async (index, separators, lower) => {
          const plain = canonicalCode(issued.codes[index] ?? '');
          let typed = '';
          for (let i = 0; i < plain.length; i += 1) typed += (separators[i] ?? '') + plain[i];
          typed = lower ? typed.toLowerCase() : typed;
          return (await find(issued.stored, typed)) === index;
        },
      ),
      { numRuns: 25 },
    );
  });
});

describe('a set issued before (10 symbols, salted HMACs under IDENTITY_SECRET)', () => {
  test('is outdated, counts its codes, and each code is honoured once', async () => {
    const legacy = legacyRecoverySet(IDENTITY_SECRET);
    const stored = parseRecoveryCodeSet(JSON.parse(JSON.stringify(legacy.stored))) as RecoveryCodeSet;
    expect(isOutdatedSet(stored)).toBe(true);
    expect(isOutdatedSet(issued.stored)).toBe(false);
    expect(isOutdatedSet(null)).toBe(false);
    expect(recoveryCodesLeft(stored)).toBe(10);
    const index = await find(stored, legacy.codes[7] ?? '');
    expect(index).toBe(7);
    const spent = withoutRecoveryCode(stored, index ?? -1);
    expect(await find(spent, legacy.codes[7] ?? '')).toBeUndefined();
    expect(await find(spent, legacy.codes[8] ?? '')).toBe(7);
  });

  test('a current code never matches an old set, nor an old code a current set', async () => {
    const legacy = legacyRecoverySet(IDENTITY_SECRET);
    expect(await find(legacy.stored, issued.codes[0] ?? '')).toBeUndefined();
    expect(await find(issued.stored, legacy.codes[0] ?? '')).toBeUndefined();
  });

  test('one HMAC per attempt, compared with every stored hash; a stored hash of another length matches nothing', async () => {
    const legacy = legacyRecoverySet(IDENTITY_SECRET);
    const damaged = { salt: legacy.stored.salt, hashes: ['short', ...legacy.stored.hashes.slice(1)] };
    expect(await find(damaged, legacy.codes[0] ?? '')).toBeUndefined();
    expect(await find(damaged, legacy.codes[1] ?? '')).toBe(1);
    const never: PasswordHash = async () => {
      throw new Error('no scrypt for a set issued before');
    };
    expect(await find(legacy.stored, legacy.codes[2] ?? '', createRecoveryCodeVault(keys, never))).toBe(2);
  });
});
