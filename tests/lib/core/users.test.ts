// A scope is built only from a proven user (lib/core/users.ts, lib/core/user-scope.ts): the type system refuses raw
// strings and hand-made objects (checked by `tsc` in `npm test`; an unused @ts-expect-error fails the type-check).
import { checkCode } from '../../../lib/core/factors';
import type { OperatorScope, UserScope } from '../../../lib/core/user-scope';
import { operatorUser, provenCaller, studioUser, userKeyOf } from '../../../lib/core/users';
import type { EndpointRequest } from '../../../lib/http/endpoint';

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

test("the core's scope sends a code to Verify only through a code check, and an operator's scope checks no code", () => {
  const direct = (scope: UserScope): unknown =>
    // @ts-expect-error createChallenge takes a code: only scope.withCodeCheck() offers it, so wrong codes are counted
    scope.verify.createChallenge(scope.identity, 'YF0', '123456');
  const first = (scope: UserScope): unknown =>
    // @ts-expect-error verifyFactor takes a code too
    scope.verify.verifyFactor(scope.identity, 'YF0', '123456');
  const operator = (scope: OperatorScope): unknown =>
    // @ts-expect-error the support tool's scope is not a signed-in user's: it checks no code and signs no approval
    checkCode(scope, '123456');
  expect([direct, first, operator].map((f) => typeof f)).toEqual(['function', 'function', 'function']);
  expect(userKeyOf(operatorUser('+15550001111'))).toBe('+15550001111');
});
