// The kit's one error list (lib/http/error-codes.ts): README's error table says the same, row by row, and the one error
// type of the edge, KitError, takes its status, body and logging from it.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ERROR_CODES, type ErrorCode } from '../../../lib/http/error-codes';
import { KitError } from '../../../lib/http/kit-error';

const CODES = Object.keys(ERROR_CODES) as ErrorCode[];

interface ReadmeRow {
  code: string;
  http: string;
  when: string;
}

/** The rows of README's error table: `| \`code\` | HTTP | When | Twilio codes |`. */
function readmeRows(): ReadmeRow[] {
  const readme = readFileSync(join(__dirname, '..', '..', '..', 'README.md'), 'utf8');
  const start = readme.indexOf('\n## Errors');
  const section = readme.slice(start, readme.indexOf('\n## ', start + 1));
  return [...section.matchAll(/^\| `(\w+)` \| ([^|]+) \| ([^|]+) \|/gm)].map(([, code = '', http = '', when = '']) => ({ code, http: http.trim(), when }));
}

describe("README's error table", () => {
  test('lists every code of the list once, and nothing else', () => {
    const listed = readmeRows().map((row) => row.code);
    expect(listed.length).toBe(new Set(listed).size);
    expect([...listed].sort()).toEqual([...CODES].sort());
  });

  test.each(CODES)('%s: the HTTP status of the list', (code) => {
    const spec = ERROR_CODES[code];
    const unreachable = 'unreachableStatus' in spec ? ` / ${spec.unreachableStatus}` : '';
    expect(readmeRows().find((row) => row.code === code)?.http).toBe(`${spec.status}${unreachable}`);
  });

  test('says retryAfterSeconds exactly for the codes whose body carries it', () => {
    const saying = readmeRows().filter((row) => row.when.includes('`retryAfterSeconds`')).map((row) => row.code);
    expect(saying.sort()).toEqual(CODES.filter((code) => 'retryAfterSeconds' in ERROR_CODES[code]).sort());
  });
});

describe('the list', () => {
  test('every message is a sentence for a person, with nothing from a request in it', () => {
    for (const code of CODES) expect([code, ERROR_CODES[code].message]).toEqual([code, expect.stringMatching(/^[A-Z][^{}$]{10,}\.$/)]);
  });

  test('codes are snake_case words and statuses are 4xx or 5xx', () => {
    for (const code of CODES) {
      expect(code).toMatch(/^[a-z]+(_[a-z]+)*$/);
      expect(ERROR_CODES[code].status).toBeGreaterThanOrEqual(400);
      expect(ERROR_CODES[code].status).toBeLessThan(600);
    }
  });
});

describe('KitError', () => {
  test.each(CODES)("%s: the list's status and message, its name, and a cause kept", (code) => {
    const cause = new Error('underlying');
    const error = new KitError(code, { cause });
    expect([error.name, error.code, error.status, error.message]).toEqual(['KitError', code, ERROR_CODES[code].status, ERROR_CODES[code].message]);
    expect(error.cause).toBe(cause);
  });

  test('a message of its own replaces the list message; the status stays the list one', () => {
    const error = new KitError('invalid_request', { message: 'Invalid request: code is required.' });
    expect([error.status, error.message]).toEqual([400, 'Invalid request: code is required.']);
  });

  test('unreachable picks the unreachable status where the code has one, and changes nothing elsewhere', () => {
    expect(new KitError('auth_keys_unavailable', { unreachable: true }).status).toBe(503);
    expect(new KitError('auth_keys_unavailable', { unreachable: false }).status).toBe(502);
    expect(new KitError('auth_keys_unavailable').status).toBe(502);
    expect(new KitError('verify_error', { unreachable: true }).status).toBe(502);
  });

  test('the body carries retryAfterSeconds only for the codes the list says, and only with a retry time', () => {
    for (const code of CODES) {
      const carries = 'retryAfterSeconds' in ERROR_CODES[code];
      expect([code, new KitError(code, { retryAfterSeconds: 9 }).bodyFields]).toStrictEqual([code, carries ? { retryAfterSeconds: 9 } : undefined]);
      expect([code, new KitError(code).bodyFields]).toStrictEqual([code, undefined]);
    }
  });

  test('only the locks are quiet', () => {
    expect(CODES.filter((code) => new KitError(code).quiet).sort()).toEqual(['account_locked', 'locked']);
  });

  test('keeps the retry time and the log detail it is given', () => {
    const error = new KitError('state_unavailable', { retryAfterSeconds: 5, logDetail: 'state read: timeout' });
    expect([error.retryAfterSeconds, error.logDetail]).toEqual([5, 'state read: timeout']);
    expect(new KitError('state_unavailable')).toMatchObject({ retryAfterSeconds: undefined, logDetail: undefined });
  });
});
