// Bad input on every field of every endpoint: 4xx JSON with a stable code, never a 500, a stack trace or an echoed value.
import fc from 'fast-check';
import { body, errorOf, startFunctionsHarness, type Answer, type FunctionsHarness } from '../helpers/functions';

let harness: FunctionsHarness;
let token: string;

beforeAll(async () => {
  // Property runs create many factors for one user; Verify's per-day limits are not what this file tests.
  harness = await startFunctionsHarness({ emulatorSwitches: { enforceRateLimits: false } });
  token = await harness.token('bad-input-user');
});
afterAll(async () => {
  await harness.close();
});

const VALID_SID = `YF${'0'.repeat(32)}`;
/** The protected route: its requests are signed as Studio signs them, so they reach the Function's own checks. */
const STUDIO = '/studio/check-code';
/** A value that must never come back in an answer (stands for anything sensitive a caller might send). */
const MARKER = 'MARKER-7f3a';
const STACK_TRACE = /\n\s+at |\.js:\d+:\d+|node_modules/;

function expectCleanError(answer: Answer, status: number, code: string): void {
  expect([answer.status, errorOf(answer).code]).toEqual([status, code]);
  expect(answer.headers.get('content-type')).toMatch(/^application\/json/);
  expect(answer.headers.get('cache-control')).toBe('no-store');
  expect(answer.text).not.toMatch(STACK_TRACE);
  expect(answer.text).not.toContain(MARKER);
}

/** The standard bad values for a string field, with the reason each must be refused. */
function badStringValues(tooLong: string): Array<[string, unknown]> {
  return [
    ['empty', ''],
    ['too long', tooLong],
    ['a number', 123456],
    ['a boolean', true],
    ['null', null],
    ['an array', [MARKER]],
    ['an object', { value: MARKER }],
    ['a path traversal', `../../${MARKER}`],
    ['a query string', `?x=${MARKER}`],
    ['a control character', `a\u0000${MARKER}`],
  ];
}

interface FieldSpec {
  path: string;
  field: string;
  /** The other fields of a valid request. */
  rest: Record<string, unknown>;
  required: boolean;
  tooLong: string;
}

const FIELDS: FieldSpec[] = [
  { path: '/create-factor', field: 'label', rest: {}, required: false, tooLong: 'a'.repeat(65) },
  { path: '/verify-factor', field: 'factorSid', rest: { code: '123456' }, required: true, tooLong: `${VALID_SID}0` },
  { path: '/verify-factor', field: 'code', rest: { factorSid: VALID_SID }, required: true, tooLong: '123456789' },
  { path: '/create-challenge', field: 'code', rest: {}, required: true, tooLong: '123456789' },
  { path: '/create-challenge', field: 'factorSid', rest: { code: '123456' }, required: false, tooLong: `${VALID_SID}0` },
  { path: '/delete-factor', field: 'factorSid', rest: {}, required: true, tooLong: `${VALID_SID}0` },
  { path: '/delete-factor', field: 'code', rest: { factorSid: VALID_SID }, required: false, tooLong: '123456789' },
  { path: STUDIO, field: 'user', rest: { code: '123456' }, required: true, tooLong: 'u'.repeat(257) },
];

const CASES = FIELDS.flatMap((spec) => [
  ...(spec.required ? [[spec.path, spec.field, 'missing', undefined] as const] : []),
  ...badStringValues(spec.tooLong)
    // A label or a user key may contain any printable text (a user key is hashed, a label is percent-encoded by Verify).
    .filter(([kind]) => !((spec.field === 'label' || spec.field === 'user') && (kind === 'a path traversal' || kind === 'a query string')))
    .map(([kind, value]) => [spec.path, spec.field, kind, value] as const),
]);

describe('bad values, field by field (JSON bodies)', () => {
  test.each(CASES)('%s: %s %s → 400 invalid_request naming the field', async (path, field, _kind, value) => {
    const spec = FIELDS.find((candidate) => candidate.path === path && candidate.field === field);
    const input = { ...spec?.rest, ...(value === undefined ? {} : { [field]: value }) };
    const answer = await harness.post(path, input, { token, signed: path === STUDIO });
    expectCleanError(answer, 400, 'invalid_request');
    expect(errorOf(answer).message).toContain(field);
  });

  test('a label with a colon is refused (Key Uri Format: the colon separates issuer and account)', async () => {
    expectCleanError(await harness.post('/create-factor', { label: `a:${MARKER}` }, { token }), 400, 'invalid_request');
  });

  test('issue 24.6: a label with a bidirectional control or another invisible format character is refused before Verify is asked', async () => {
    for (const label of ['Work phone\u202Eenohp', '\u2066phone\u2069', 'a\u200Bb', '\uFEFFphone']) {
      const answer = await harness.post('/create-factor', { label }, { token });
      expectCleanError(answer, 400, 'invalid_request');
      expect(errorOf(answer).message).toContain('label must not contain invisible format characters');
    }
  });

  test('a code with letters or spaces is refused, not sent to Verify', async () => {
    for (const code of ['12a456', ' 123456', '123 456', '１２３４５６']) {
      expectCleanError(await harness.post('/create-challenge', { code }, { token }), 400, 'invalid_request');
    }
  });
});

describe('bad values in form-encoded bodies', () => {
  test('a repeated form field arrives as an array and is refused', async () => {
    const answer = await harness.post('/verify-factor', {}, { token, raw: `factorSid=${VALID_SID}&code=123456&code=654321`, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expectCleanError(answer, 400, 'invalid_request');
  });

  test('an empty form field is refused as empty', async () => {
    const answer = await harness.post('/create-challenge', { code: '' }, { token, form: true });
    expectCleanError(answer, 400, 'invalid_request');
  });
});

describe('Studio: a malformed code is an outcome, a malformed user is a fault', () => {
  test.each([
    ['missing', undefined],
    ['empty', ''],
    ['letters', 'abc123'],
    ['keypad symbols', '12#456'],
    ['too long', '123456789'],
    ['an array', ['123456']],
    ['an object', { code: '123456' }],
  ])('code %s → 200 {status: "invalid"}', async (_kind, code) => {
    const answer = await harness.post(STUDIO, code === undefined ? { user: 'studio-user' } : { user: 'studio-user', code }, { signed: true });
    expect(answer.status).toBe(200);
    expect(body(answer)).toEqual({ status: 'invalid' });
  });
});

describe('the request itself', () => {
  const ENDPOINTS = ['/create-factor', '/verify-factor', '/create-challenge', '/list-factors', '/delete-factor', STUDIO];

  test.each(ENDPOINTS)('GET %s → 405 method_not_allowed with Allow: POST', async (path) => {
    // The protected route is reached through the gateway's signature check first, as Studio reaches it.
    const signature: Record<string, string> = path === STUDIO ? { 'x-twilio-signature': harness.sign(path).signature } : {};
    const answer = await fetch(harness.url + path, { headers: { authorization: `Bearer ${token}`, ...signature } });
    const parsed = { status: answer.status, headers: answer.headers, text: await answer.text(), json: undefined as unknown };
    parsed.json = JSON.parse(parsed.text) as unknown;
    expectCleanError(parsed, 405, 'method_not_allowed');
    expect(answer.headers.get('allow')).toBe('POST');
  });

  test.each(ENDPOINTS)('%s with malformed JSON → 400 invalid_json', async (path) => {
    const answer = await harness.post(path, {}, { token, raw: `{"code": "${MARKER}"`, signed: path === STUDIO });
    expectCleanError(answer, 400, 'invalid_json');
  });

  test.each([
    ['text/plain', 'code=123456'],
    ['multipart/form-data; boundary=x', '--x\r\nContent-Disposition: form-data; name="code"\r\n\r\n123456\r\n--x--'],
    ['application/xml', '<code>123456</code>'],
  ])('a body sent as %s → 415 unsupported_media_type', async (contentType, raw) => {
    const answer = await harness.post('/create-challenge', {}, { token, raw, headers: { 'content-type': contentType } });
    expectCleanError(answer, 415, 'unsupported_media_type');
  });

  test('a JSON array instead of an object → 400 invalid_request', async () => {
    const answer = await harness.post('/verify-factor', {}, { token, raw: JSON.stringify([VALID_SID, '123456']) });
    expectCleanError(answer, 400, 'invalid_request');
  });

  test('an empty POST (Content-Length: 0, as fetch sends it) is a valid list-factors request', async () => {
    const response = await fetch(`${harness.url}/list-factors`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
    expect(response.status).toBe(200);
  });

  test('a 7 MB body is refused by the runtime before any Function runs, as JSON', async () => {
    const answer = await harness.post('/create-factor', {}, { token, raw: JSON.stringify({ label: 'x'.repeat(7 * 1024 * 1024) }) });
    expect(answer.status).toBe(413);
    expect(errorOf(answer).code).toBe('body_too_large');
  });
});

describe('properties (fast-check)', () => {
  const anyValue = fc.oneof(
    fc.string().map((text) => `${MARKER}${text}`),
    fc.integer(),
    fc.boolean(),
    fc.constant(null),
    fc.array(fc.string().map((text) => `${MARKER}${text}`), { maxLength: 3 }),
    fc.dictionary(fc.string({ maxLength: 5 }), fc.string().map((text) => `${MARKER}${text}`), { maxKeys: 3 }),
  );

  test.each(['/create-factor', '/verify-factor', '/create-challenge', '/delete-factor', STUDIO])(
    '%s: arbitrary field values → JSON below 500, never a stack, errors never echo the input',
    async (path) => {
      await fc.assert(
        fc.asyncProperty(
          fc.record({ label: anyValue, factorSid: anyValue, code: anyValue, user: anyValue }, { requiredKeys: [] }),
          async (input) => {
            const answer = await harness.post(path, input, { token, signed: path === STUDIO });
            expect(answer.status).toBeLessThan(500);
            expect(answer.json).toBeDefined();
            expect(answer.text).not.toMatch(STACK_TRACE);
            // A valid label legitimately returns inside the new factor's URI; an error never repeats the input.
            if (answer.status >= 400) expect(answer.text).not.toContain(MARKER);
          },
        ),
        { numRuns: 40 },
      );
    },
  );

  test('arbitrary raw JSON-typed bodies never produce a 500', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ maxLength: 200 }), async (raw) => {
        const answer = await harness.post('/create-challenge', {}, { token, raw: `${raw}${MARKER}` });
        expect(answer.status).toBeGreaterThanOrEqual(400);
        expect(answer.status).toBeLessThan(500);
        expect(answer.json).toBeDefined();
        expect(answer.text).not.toMatch(STACK_TRACE);
        expect(answer.text).not.toContain(MARKER);
      }),
      { numRuns: 40 },
    );
  });

  test('arbitrary Authorization headers → 401 JSON, never a 500 or an echo', async () => {
    await fc.assert(
      fc.asyncProperty(fc.stringMatching(/^[\x21-\x7e ]{0,300}$/), async (header) => {
        const answer = await harness.post('/list-factors', {}, { headers: { authorization: `${header}${MARKER}` } });
        expect(answer.status).toBe(401);
        expect(answer.text).not.toContain(MARKER);
      }),
      { numRuns: 40 },
    );
  });
});
