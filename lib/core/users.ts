// Whom the core may act for: a user proven by a caller token, or the user key of a Twilio-signed Studio request; and
// whom the operator's support tool acts on. All are branded types, so a string from a request body can never become a
// scope by accident.
import type { Channel } from '../contract';

/** The longest user key accepted anywhere: a token's `sub`, Studio's `user`, the dev sign-in's user. */
export const MAX_USER_KEY_LENGTH = 256;

declare const proven: unique symbol;

/** The `sub` of a caller token whose signature, issuer, audience and lifetime were checked (lib/http/caller-token.ts). */
export interface ProvenCaller {
  readonly kind: 'caller';
  readonly sub: string;
  readonly [proven]: true;
}

/**
 * The user key a Studio flow sends (e.g. the caller's number). Only the `.protected` Studio endpoint makes one:
 * Twilio's gateway has checked X-Twilio-Signature, so the key comes from the account's own flow.
 */
export interface StudioUser {
  readonly kind: 'studio';
  readonly key: string;
  readonly [proven]: true;
}

export type ProvenUser = ProvenCaller | StudioUser;

/**
 * A user id the operator typed into the support tool (npm run support). The tool runs with the deployment's own
 * credentials and IDENTITY_SECRET, so whoever runs it may act on any user; it checks no code and signs no approval.
 */
export interface OperatorUser {
  readonly kind: 'operator';
  readonly key: string;
  readonly [proven]: true;
}

/** Any user a scope can be built for (lib/core/user-scope.ts). */
export type ScopeUser = ProvenUser | OperatorUser;

/** Only for the endpoint factory (lib/http/endpoint.ts), once the caller token verified. */
export function provenCaller(sub: string): ProvenCaller {
  return { kind: 'caller', sub } as ProvenCaller;
}

/** Only for the Studio endpoint, whose requests Twilio's gateway signs and checks. */
export function studioUser(key: string): StudioUser {
  return { kind: 'studio', key } as StudioUser;
}

/** Only for the support tool (scripts/support/), which holds the deployment's secrets. */
export function operatorUser(key: string): OperatorUser {
  return { kind: 'operator', key } as OperatorUser;
}

/** Where this user's codes are checked: a caller with a token on `web`, a Studio flow on `studio`; each locks on its own. */
export function channelOf(user: ProvenUser): Channel {
  return user.kind === 'caller' ? 'web' : 'studio';
}

/** The string the Verify identity is derived from: the same user reached by either channel maps to one entity. */
export function userKeyOf(user: ScopeUser): string {
  return user.kind === 'caller' ? user.sub : user.key;
}
