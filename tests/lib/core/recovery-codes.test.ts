// Recovery codes (lib/core/recovery-codes.ts): the format users read and type, 50 bits each, and hashes that reveal nothing without the server key.
import fc from 'fast-check';
import {
  createRecoveryCodes,
  findRecoveryCode,
  generateRecoveryCode,
  normalizeRecoveryCode,
  RECOVERY_CODE_BITS,
  RECOVERY_CODE_COUNT,
} from '../../../lib/core/recovery-codes';

const PEPPER = Buffer.from('a-server-side-secret-of-32-bytes!');

test('a code is two groups of five Crockford Base32 symbols: no I, L, O or U', () => {
  for (let i = 0; i < 500; i += 1) expect(generateRecoveryCode()).toMatch(/^[0-9A-HJKMNP-TV-Z]{5}-[0-9A-HJKMNP-TV-Z]{5}$/);
});

test('each code carries at least 50 bits, and every symbol of the alphabet occurs', () => {
  expect(RECOVERY_CODE_BITS).toBeGreaterThanOrEqual(50);
  const seen = new Set(Array.from({ length: 400 }, generateRecoveryCode).join('').replace(/-/g, ''));
  // 4,000 uniform draws over 32 symbols: missing one has a probability below 1e-50.
  expect(seen.size).toBe(32);
});

test('a set has ten distinct codes, and keeps only a salt and their hashes', () => {
  const { codes, stored } = createRecoveryCodes(PEPPER);
  expect(codes).toHaveLength(RECOVERY_CODE_COUNT);
  expect(new Set(codes).size).toBe(RECOVERY_CODE_COUNT);
  expect(stored.hashes).toHaveLength(RECOVERY_CODE_COUNT);
  const kept = JSON.stringify(stored);
  for (const code of codes) {
    expect(kept).not.toContain(code);
    expect(kept).not.toContain(code.replace('-', ''));
  }
});

test('each code is found at its own index; another code, a near miss or another server key finds nothing', () => {
  const { codes, stored } = createRecoveryCodes(PEPPER);
  codes.forEach((code, index) => expect(findRecoveryCode(PEPPER, stored, code)).toBe(index));
  const other = createRecoveryCodes(PEPPER).codes[0] ?? '';
  expect(findRecoveryCode(PEPPER, stored, other)).toBeUndefined();
  const first = codes[0] ?? '';
  const nearMiss = `${first.slice(0, -1)}${first.endsWith('0') ? '1' : '0'}`;
  expect(findRecoveryCode(PEPPER, stored, nearMiss)).toBeUndefined();
  expect(findRecoveryCode(Buffer.from('another-server-secret-of-32-bytes'), stored, first)).toBeUndefined();
});

test('a stored hash of another length (a damaged state) matches nothing and throws nothing', () => {
  const { codes, stored } = createRecoveryCodes(PEPPER);
  const damaged = { salt: stored.salt, hashes: ['short', ...stored.hashes.slice(1)] };
  expect(findRecoveryCode(PEPPER, damaged, codes[0] ?? '')).toBeUndefined();
  expect(findRecoveryCode(PEPPER, damaged, codes[1] ?? '')).toBe(1);
});

test('two sets of the same user never share a hash (a fresh salt each time)', () => {
  const a = createRecoveryCodes(PEPPER).stored;
  const b = createRecoveryCodes(PEPPER).stored;
  expect(a.salt).not.toBe(b.salt);
});

test.each([
  ['abcde-fghjk', 'ABCDEFGHJK'],
  [' ABCDE FGHJK ', 'ABCDEFGHJK'],
  ['abcdefghjk', 'ABCDEFGHJK'],
  ['a-b-c-d-e-f-g-h-j-k', 'ABCDEFGHJK'],
  ['O0OIL-12345', '0001112345'],
])('input %j reads as %s', (input, canonical) => {
  expect(normalizeRecoveryCode(input)).toBe(canonical);
});

test.each([[''], ['ABCDE-FGHJ'], ['ABCDE-FGHJKM'], ['ABCDE-FGHJU'], ['ABCDE_FGHJK'], ['ÄBCDE-FGHJK']])('input %j is no code', (input) => {
  expect(normalizeRecoveryCode(input)).toBeUndefined();
});

test('property: a code matches however it is cased, spaced or dashed', () => {
  const { codes, stored } = createRecoveryCodes(PEPPER);
  fc.assert(
    fc.property(fc.integer({ min: 0, max: RECOVERY_CODE_COUNT - 1 }), fc.array(fc.constantFrom('', ' ', '-'), { minLength: 11, maxLength: 11 }), fc.boolean(), (index, separators, lower) => {
      const plain = (codes[index] ?? '').replace('-', '');
      let typed = '';
      for (let i = 0; i < plain.length; i += 1) typed += (separators[i] ?? '') + plain[i];
      typed = lower ? typed.toLowerCase() : typed;
      return findRecoveryCode(PEPPER, stored, typed) === index;
    }),
  );
});
