// A scope is built only from a proven user: the type system refuses raw strings and hand-made objects
// (checked by `tsc` in `npm test`; an unused @ts-expect-error fails the type-check).
import type { EndpointRequest } from '../../lib/http/endpoint';
import { provenCaller, studioUser, userKeyOf } from '../../lib/core/users';

test('a request field or a hand-made object cannot stand in for a proven user', () => {
  const scopeFor = ((user: unknown) => ({ user })) as EndpointRequest['scopeFor'];
  // @ts-expect-error a string from the request body is not a proven user
  scopeFor('alice');
  // @ts-expect-error an object shaped like a caller lacks the brand that only lib/core/users.ts confers
  scopeFor({ kind: 'caller', sub: 'alice' });
  expect(scopeFor(provenCaller('alice')).user).toEqual({ kind: 'caller', sub: 'alice' });
});

test('a caller token sub and a Studio user key map to the same key, so one person has one Verify entity', () => {
  expect(userKeyOf(provenCaller('+15550001111'))).toBe('+15550001111');
  expect(userKeyOf(studioUser('+15550001111'))).toBe('+15550001111');
});
