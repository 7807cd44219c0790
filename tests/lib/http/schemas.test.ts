// lib/http/schemas.ts in-process: each field rule at its boundaries, fast-check properties for the formats, and the
// error message that names fields and rules but never the submitted values.
import fc from 'fast-check';
import { KitError } from '../../../lib/http/kit-error';
import {
  createChallengeSchema,
  createFactorSchema,
  DEFAULT_LABEL,
  deleteFactorSchema,
  isWellFormedCode,
  noInputSchema,
  MAX_LABEL_LENGTH,
  MAX_NONCE_LENGTH,
  parseInput,
  regenerateRecoveryCodesSchema,
  studioCheckCodeSchema,
  useRecoveryCodeSchema,
  verifyFactorSchema,
} from '../../../lib/http/schemas';
import { MAX_USER_KEY_LENGTH } from '../../../lib/core/users';

const SID = `YF${'0123456789abcdef'.repeat(2)}`;
const HEX = '0123456789abcdefABCDEF'.split('');
const URL_SAFE = [...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._~-'];

type Schemas = typeof import('../../../lib/http/schemas');
type SchemaName = { [K in keyof Schemas]: Schemas[K] extends Parameters<typeof parseInput>[0] ? K : never }[keyof Schemas];

/**
 * lib/schemas loaded afresh. Each endpoint's schema is built on its first use and kept (z.lazy), so a test that checks
 * a rule builds the schema itself instead of reusing one an earlier test built: mutation testing's per-test coverage
 * credits only the test that ran the building code.
 */
function fresh(): Schemas {
  let schemas: Schemas | undefined;
  jest.isolateModules(() => {
    schemas = jest.requireActual<Schemas>('../../../lib/http/schemas');
  });
  if (schemas === undefined) throw new Error('lib/schemas did not load');
  return schemas;
}

/** The message of the 400 that parseInput throws for `fields`, checked by a freshly built schema. */
function refusal(schema: SchemaName, fields: Record<string, unknown>): string {
  const schemas = fresh();
  try {
    schemas.parseInput<unknown>(schemas[schema], fields);
  } catch (error) {
    // A fresh lib/errors too: its KitError is another class than the one imported above.
    if (!(error instanceof Error) || error.name !== 'KitError') throw error;
    const { status, code } = error as KitError;
    expect([status, code]).toEqual([400, 'invalid_request']);
    return error.message;
  }
  throw new Error(`expected ${JSON.stringify(fields)} to be refused`);
}

describe('factorSid: YF and 32 hex digits', () => {
  test('accepted in either case', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...HEX), { minLength: 32, maxLength: 32 }), (digits) => {
        const factorSid = `YF${digits.join('')}`;
        expect(parseInput(verifyFactorSchema, { factorSid, code: '123456' })).toEqual({ factorSid, code: '123456' });
      }),
    );
  });

  test.each([
    ['31 hex digits', `YF${'a'.repeat(31)}`],
    ['33 hex digits', `YF${'a'.repeat(33)}`],
    ['a challenge SID', `YC${'a'.repeat(32)}`],
    ['a lower-case prefix', `yf${'a'.repeat(32)}`],
    ['a non-hex digit', `YF${'g'.repeat(32)}`],
    ['a path', `YF${'a'.repeat(29)}/..`],
    ['a prefix before the SID', `xYF${'a'.repeat(32)}`],
    ['a suffix after the SID', `YF${'a'.repeat(32)}?x=1`],
  ])('%s is refused', (_what, factorSid) => {
    expect(refusal('verifyFactorSchema', { factorSid, code: '123456' })).toBe(
      'Invalid request: factorSid must be a Verify factor SID (YF followed by 32 hex digits).',
    );
  });

  test('any other string is refused', () => {
    fc.assert(
      fc.property(
        fc.string().filter((text) => !/^YF[0-9a-fA-F]{32}$/.test(text)),
        (factorSid) => {
          expect(() => parseInput(deleteFactorSchema, { factorSid })).toThrow(KitError);
        },
      ),
    );
  });
});

describe('code: a string of 3 to 8 digits', () => {
  test('every digit string of length 3–8 is accepted, as the same string (leading zeros kept)', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[0-9]{3,8}$/), (code) => {
        expect(isWellFormedCode(code)).toBe(true);
        expect(parseInput(createChallengeSchema, { code })).toEqual({ code });
      }),
    );
  });

  test.each(['12', '123456789', '12345a', ' 123456', '123456 ', '12 456', '１２３４５６', '', '-12345', '1e5'])('"%s" is refused', (code) => {
    expect(isWellFormedCode(code)).toBe(false);
    expect(refusal('createChallengeSchema', { code })).toBe('Invalid request: code must be a string of 3 to 8 digits.');
  });

  test('a number, even with the right digits, is refused (leading zeros would be lost)', () => {
    expect(isWellFormedCode(123456)).toBe(false);
    expect(refusal('createChallengeSchema', { code: 123456 })).toBe('Invalid request: code must be a string.');
  });

  test('any string that is not 3–8 ASCII digits is refused', () => {
    fc.assert(
      fc.property(
        fc.string({ maxLength: 12 }).filter((text) => !/^[0-9]{3,8}$/.test(text)),
        (code) => expect(isWellFormedCode(code)).toBe(false),
      ),
    );
  });
});

describe('nonce: 1 to 128 URL-safe characters', () => {
  test('accepted up to 128 characters', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...URL_SAFE), { minLength: 1, maxLength: MAX_NONCE_LENGTH }), (chars) => {
        const nonce = chars.join('');
        expect(parseInput(createChallengeSchema, { code: '123456', nonce })).toEqual({ code: '123456', nonce });
      }),
    );
  });

  test.each([
    ['empty', ''],
    ['129 characters', 'n'.repeat(129)],
    ['a space', 'a b'],
    ['a slash', 'a/b'],
    ['a quote', 'a"b'],
    ['a newline at the end', 'abc\n'],
    ['a non-ASCII letter', 'é'],
  ])('%s is refused', (_what, nonce) => {
    expect(refusal('createChallengeSchema', { code: '123456', nonce })).toBe(
      'Invalid request: nonce must be 1 to 128 URL-safe characters (A–Z, a–z, 0–9, . _ ~ -).',
    );
  });

  test('MAX_NONCE_LENGTH is 128', () => {
    expect(MAX_NONCE_LENGTH).toBe(128);
  });
});

describe('label: 1 to 64 printable characters without a colon', () => {
  test('optional, and any printable text of 1–64 characters without a colon is kept as it is', () => {
    expect(parseInput(createFactorSchema, {})).toEqual({});
    fc.assert(
      fc.property(
        fc.string({ minLength: 1, maxLength: MAX_LABEL_LENGTH }).filter((text) => !text.includes(':') && !/\p{Cc}|(?![\u200c\u200d])\p{Cf}/u.test(text)),
        (label) => expect(parseInput(createFactorSchema, { label })).toEqual({ label }),
      ),
    );
  });

  test('the joiners that scripts and emoji need are kept (ZWNJ in Persian, ZWJ in an emoji sequence)', () => {
    for (const label of ['می\u200cخواهم', '\u{1F468}\u200d\u{1F469}\u200d\u{1F467} family tablet', 'תלפון עבודה']) {
      expect(parseInput(createFactorSchema, { label })).toEqual({ label });
    }
  });

  test('64 characters are accepted, 65 are not', () => {
    expect(MAX_LABEL_LENGTH).toBe(64);
    expect(parseInput(createFactorSchema, { label: 'x'.repeat(64) })).toEqual({ label: 'x'.repeat(64) });
    expect(refusal('createFactorSchema', { label: 'x'.repeat(65) })).toBe('Invalid request: label must be at most 64 characters.');
  });

  test.each([
    ['', 'label must not be empty'],
    ['Work: phone', 'label must not contain a colon'],
    ['tab\there', 'label must not contain control characters'],
    ['bell\u0007', 'label must not contain control characters'],
    ['del\u007f', 'label must not contain control characters'],
    ['\u0085next line', 'label must not contain control characters'],
    // Issue 24.6: format characters that change what is shown (Unicode Cf).
    ['Work phone\u202E\u2066enoh', 'label must not contain invisible format characters, such as bidirectional controls'],
    ['\u202Eenohp kroW', 'label must not contain invisible format characters, such as bidirectional controls'],
    ['a\u200Bb', 'label must not contain invisible format characters, such as bidirectional controls'],
    ['\uFEFFphone', 'label must not contain invisible format characters, such as bidirectional controls'],
    ['left\u200Eright\u200F', 'label must not contain invisible format characters, such as bidirectional controls'],
    ['tag\u{E0041}', 'label must not contain invisible format characters, such as bidirectional controls'],
    ['soft\u00ADhyphen', 'label must not contain invisible format characters, such as bidirectional controls'],
  ])('%j is refused: %s', (label, rule) => {
    expect(refusal('createFactorSchema', { label })).toBe(`Invalid request: ${rule}.`);
  });

  test('every broken rule is named once, in order', () => {
    expect(refusal('createFactorSchema', { label: `${'x'.repeat(64)}:\n` })).toBe(
      'Invalid request: label must be at most 64 characters; label must not contain control characters; label must not contain a colon.',
    );
  });

  test('the default label is itself a valid label', () => {
    expect(DEFAULT_LABEL).toBe('Account');
    expect(parseInput(createFactorSchema, { label: DEFAULT_LABEL })).toEqual({ label: DEFAULT_LABEL });
  });
});

describe('Studio: user is 1 to 256 printable characters; code is checked apart', () => {
  test('256 characters are accepted, 257 are not; the code may be anything (a malformed code is an outcome there)', () => {
    expect(MAX_USER_KEY_LENGTH).toBe(256);
    expect(parseInput(studioCheckCodeSchema, { user: 'u'.repeat(256), code: 12 })).toEqual({ user: 'u'.repeat(256), code: 12 });
    expect(parseInput(studioCheckCodeSchema, { user: '+15550100' })).toEqual({ user: '+15550100' });
    expect(refusal('studioCheckCodeSchema', { user: 'u'.repeat(257) })).toBe('Invalid request: user must be at most 256 characters.');
  });

  test.each([
    [{}, 'user is required'],
    [{ user: '' }, 'user must not be empty'],
    [{ user: '+1555\n0100' }, 'user must not contain control characters'],
    [{ user: ['+15550100'] }, 'user must be a string'],
  ])('%j is refused: %s', (fields, rule) => {
    expect(refusal('studioCheckCodeSchema', fields)).toBe(`Invalid request: ${rule}.`);
  });
});

describe('delete-factor: a code or a recovery code as step-up, not both', () => {
  test('either one alone, or neither, is accepted', () => {
    const { parseInput: parse, deleteFactorSchema: schema } = fresh();
    expect(parse(schema, { factorSid: SID, code: '123456' })).toEqual({ factorSid: SID, code: '123456' });
    expect(parse(schema, { factorSid: SID, recoveryCode: 'ABCDE-FGHJK' })).toEqual({ factorSid: SID, recoveryCode: 'ABCDE-FGHJK' });
    expect(parse(schema, { factorSid: SID })).toEqual({ factorSid: SID });
  });

  test('both are refused', () => {
    expect(refusal('deleteFactorSchema', { factorSid: SID, code: '123456', recoveryCode: 'ABCDE-FGHJK' })).toBe(
      'Invalid request: body must hold code or recoveryCode, not both.',
    );
  });
});

describe('recovery code: 1 to 32 characters (its form is checked by the core)', () => {
  test('use-recovery-code keeps the code as typed, and the nonce', () => {
    expect(parseInput(useRecoveryCodeSchema, { code: ' abcde fghjk ', nonce: 'n-1' })).toEqual({ code: ' abcde fghjk ', nonce: 'n-1' });
    expect(parseInput(useRecoveryCodeSchema, { code: 'x'.repeat(32), user: 'ignored' })).toEqual({ code: 'x'.repeat(32) });
  });

  test.each([
    [{}, 'code is required'],
    [{ code: '' }, 'code must not be empty'],
    [{ code: 'x'.repeat(33) }, 'code must be at most 32 characters'],
    [{ code: 'ABCDE-FGHJK', nonce: 'a b' }, 'nonce must be 1 to 128 URL-safe characters (A–Z, a–z, 0–9, . _ ~ -)'],
  ])('use-recovery-code refuses %j: %s', (fields, rule) => {
    expect(refusal('useRecoveryCodeSchema', fields)).toBe(`Invalid request: ${rule}.`);
  });

  test('delete-factor applies the same rules to recoveryCode', () => {
    expect(refusal('deleteFactorSchema', { factorSid: SID, recoveryCode: '' })).toBe('Invalid request: recoveryCode must not be empty.');
    expect(refusal('deleteFactorSchema', { factorSid: SID, recoveryCode: 'x'.repeat(33) })).toBe(
      'Invalid request: recoveryCode must be at most 32 characters.',
    );
  });
});

describe('regenerate-recovery-codes: a current authenticator code', () => {
  test('a code of 3 to 8 digits is accepted; nothing else is passed on', () => {
    expect(parseInput(regenerateRecoveryCodesSchema, { code: '012345', recoveryCode: 'ABCDE-FGHJK' })).toEqual({ code: '012345' });
  });

  test.each([
    [{}, 'code is required'],
    [{ code: 'ABCDE-FGHJK' }, 'code must be a string of 3 to 8 digits'],
    [{ code: 123456 }, 'code must be a string'],
  ])('%j is refused: %s', (fields, rule) => {
    expect(refusal('regenerateRecoveryCodesSchema', fields)).toBe(`Invalid request: ${rule}.`);
  });
});

describe('parseInput', () => {
  test('names each problem field with its rule, missing fields as required', () => {
    expect(refusal('verifyFactorSchema', {})).toBe('Invalid request: factorSid is required; code is required.');
    expect(refusal('verifyFactorSchema', { factorSid: null, code: ['1'] })).toBe(
      'Invalid request: factorSid must be a string; code must be a string.',
    );
    expect(refusal('deleteFactorSchema', { factorSid: SID, code: 'abc' })).toBe('Invalid request: code must be a string of 3 to 8 digits.');
  });

  test('a field sent as null is "must be", not "required"', () => {
    expect(refusal('createFactorSchema', { label: null })).toBe('Invalid request: label must be a string.');
  });

  test('a problem with the body itself is named "body"', () => {
    expect(refusal('createFactorSchema', [] as unknown as Record<string, unknown>)).toMatch(/^Invalid request: body must be an? object\.$/);
  });

  test('list-factors takes any object and passes nothing on', () => {
    expect(parseInput(noInputSchema, { extra: 'ignored', code: '1' })).toEqual({});
  });

  test('fields of other endpoints are dropped, not passed to the core', () => {
    expect(parseInput(createChallengeSchema, { code: '123456', user: 'someone-else', label: 'x' })).toEqual({ code: '123456' });
  });

  test('the message never repeats a submitted value', () => {
    fc.assert(
      fc.property(
        fc.record({ factorSid: fc.string(), code: fc.oneof(fc.string(), fc.integer()), label: fc.string(), nonce: fc.string() }),
        (fields) => {
          const marked = Object.fromEntries(Object.entries(fields).map(([key, value]) => [key, typeof value === 'string' ? `«${value}»` : value]));
          let message = '';
          try {
            parseInput(createChallengeSchema, marked);
          } catch (error) {
            message = (error as KitError).message;
          }
          expect(message).not.toContain('«');
        },
      ),
    );
  });
});
