// lib/core/identity.ts: the Verify identity is HMAC-SHA256 of the user key as given (RFC 4231 vectors and an HMAC
// computed apart from the kit), and a key UTF-8 cannot carry is refused.
import { deriveIdentity } from '../../../lib/core/identity';
import { Failure } from '../../../lib/core/failures';
import { toKitError } from '../../../lib/http/failure-table';
import { expectedIdentity } from '../../helpers/identity';

const encode = (text: string): Uint8Array => new TextEncoder().encode(text);

describe('deriveIdentity', () => {
  test('is the first 32 hex characters of HMAC-SHA256 (RFC 4231 test case 2)', () => {
    // RFC 4231 §4.3: key "Jefe", data "what do ya want for nothing?"
    const full = '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843';
    expect(deriveIdentity(encode('Jefe'), 'what do ya want for nothing?')).toBe(full.slice(0, 32));
  });

  test('hashes the user key exactly as given: case, spaces and Unicode forms are not folded (RFC 4231 test case 6)', () => {
    // RFC 4231 §4.7: a 131-byte key of 0xaa, data with upper-case letters.
    const full = '60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54';
    expect(deriveIdentity(new Uint8Array(131).fill(0xaa), 'Test Using Larger Than Block-Size Key - Hash Key First')).toBe(full.slice(0, 32));
    // Computed apart from the kit (tests/helpers/identity.ts): "Alice" and "alice" are two users, and so on.
    const secret = 's'.repeat(32);
    for (const key of ['Alice', 'alice', 'ALICE', ' alice', 'alice ', 'Ame\u0301lie', 'Am\u00e9lie']) {
      expect([key, deriveIdentity(encode(secret), key)]).toEqual([key, expectedIdentity(secret, key)]);
    }
  });

  test('is stable per user, differs between users and between secrets, and fits Verify identity rules', () => {
    const secret = encode('s'.repeat(32));
    expect(deriveIdentity(secret, 'alice')).toBe(deriveIdentity(secret, 'alice'));
    expect(deriveIdentity(secret, 'alice')).not.toBe(deriveIdentity(secret, 'bob'));
    expect(deriveIdentity(encode('t'.repeat(32)), 'alice')).not.toBe(deriveIdentity(secret, 'alice'));
    expect(deriveIdentity(secret, '+1 555 0100 ☎')).toMatch(/^[0-9a-f]{32}$/);
  });

  test('refuses a user key with a lone surrogate (Studio\'s user too), since two keys would share an entity', () => {
    const secret = encode('s'.repeat(32));
    // The collision the refusal prevents: both encode to the same UTF-8 bytes.
    expect(Buffer.from('\uD800', 'utf8')).toEqual(Buffer.from('\uDBFF', 'utf8'));
    for (const key of ['\uD800', '\uDBFF', 'ada\uDC00']) {
      expect(() => deriveIdentity(secret, key)).toThrow(Failure);
      expect(() => deriveIdentity(secret, key)).toThrow('malformed_user_key');
    }
    // At the edge: 400 invalid_request, saying what is wrong with the user.
    const answer = toKitError(new Failure('malformed_user_key'));
    expect([answer.status, answer.code, answer.message]).toEqual([400, 'invalid_request', 'Invalid request: user must be well-formed Unicode.']);
  });
});
