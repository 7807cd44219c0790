// One user's scope, wired in one place for the endpoints, the support tool and the core's tests alike: the identity
// derived from the user key, Verify and the user's state on Sync over one twilio client and one time budget, and the
// code check that is the core's only way to send a code to Verify.
import type { KeyObject } from 'node:crypto';
import type twilio from 'twilio';
import type { Config } from '../config';
import type { ActivityEvent } from '../contract';
import type { LockoutPolicy } from '../state/model';
import { createOperatorState, type OperatorState } from '../state/operator-state';
import { createSecurityState, type SecurityState } from '../state/security-state';
import { createSyncStateStore } from '../state/sync-store';
import { createVerifyGateway, type FactorDirectory } from '../verify/gateway';
import type { ApprovalSigner } from './approval';
import { startCodeCheck, type CodeCheck } from './code-check';
import { deriveIdentity } from './identity';
import { channelOf, userKeyOf, type OperatorUser, type ProvenUser, type ScopeUser } from './users';

/** Everything the core needs for one proven user (lib/core/users.ts); built per request. */
export interface UserScope<User extends ProvenUser = ProvenUser> {
  user: User;
  /** The Verify entity identity, derived from the user key (lib/core/identity.ts); also names the state document. */
  identity: string;
  /** Verify, without the calls that take a code: those come with a code check. */
  verify: FactorDirectory;
  approval: ApprovalSigner;
  now: () => Date;
  /** The kit's own state for this user on this user's channel: lock, used codes, enrollment in flight (on Sync). */
  state: SecurityState;
  /** Step 1 of every code check, the lock check (Failure('locked') while locked); then Verify's code-taking calls. */
  beginCodeCheck(): Promise<CodeCheck>;
}

/** What the support tool works with for one user: Verify's factors and the user's state document, as the operator. */
export interface OperatorScope {
  user: OperatorUser;
  identity: string;
  verify: FactorDirectory;
  state: OperatorState;
}

/** What every scope is built from. */
export interface ScopeSettings {
  /** From context.getTwilioClient (lib/twilio-client.ts), or the support tool's client. */
  client: twilio.Twilio;
  verifyServiceSid: string;
  /** IS… or `default`. */
  syncServiceSid: string;
  /** IDENTITY_SECRET: keys the identity, and the digests of used codes and recovery codes. */
  identitySecret: KeyObject | Uint8Array;
  /** How long the trail keeps an event (ACTIVITY_TTL_DAYS). */
  activityTtlMs: number;
  /** Epoch ms by which every Verify and Sync call must have answered. */
  deadline: number;
}

/** What a scope that checks codes needs besides. */
export interface CodeCheckSettings extends ScopeSettings {
  /** The kit's "now" (lib/clock.ts): locks, used codes and approvals are timed by it. */
  now: () => Date;
  approval: ApprovalSigner;
  policy: LockoutPolicy;
  /** One line when a lock begins; never personal data. */
  log: (line: string) => void;
  /** The events of each write, for the log line and the host's webhook (lib/events/security-events.ts). */
  onRecorded: (events: ActivityEvent[]) => void;
}

const DAY_MS = 86_400_000;

/** The settings the Functions' configuration decides (the rest is per request: client, budget, clock, log). */
export function configuredScope(config: Config): Pick<CodeCheckSettings, 'verifyServiceSid' | 'syncServiceSid' | 'identitySecret' | 'approval' | 'policy' | 'activityTtlMs'> {
  return {
    verifyServiceSid: config.verifyServiceSid,
    syncServiceSid: config.syncServiceSid,
    identitySecret: config.identitySecret,
    approval: config.approval,
    policy: { threshold: config.lockoutThreshold, baseSeconds: config.lockoutBaseSeconds, maxSeconds: config.lockoutMaxSeconds },
    activityTtlMs: config.activityTtlDays * DAY_MS,
  };
}

export function createUserScope<User extends ProvenUser>(user: User, settings: CodeCheckSettings): UserScope<User>;
export function createUserScope(user: OperatorUser, settings: ScopeSettings): OperatorScope;
export function createUserScope(user: ScopeUser, settings: ScopeSettings | CodeCheckSettings): UserScope | OperatorScope {
  const identity = deriveIdentity(settings.identitySecret, userKeyOf(user));
  const { client, deadline, activityTtlMs } = settings;
  const verify = createVerifyGateway(client, { serviceSid: settings.verifyServiceSid, deadline });
  const store = createSyncStateStore(client, { serviceSid: settings.syncServiceSid, deadline });
  if (user.kind === 'operator') {
    return { user, identity, verify, state: createOperatorState({ store, identity, activityTtlMs }) };
  }
  const { now, approval, policy, log, onRecorded } = settings as CodeCheckSettings;
  const state = createSecurityState({
    store,
    identity,
    // A Studio flow (voice) and a caller with a token (web) lock separately: one cannot lock the other out.
    channel: channelOf(user),
    policy,
    now,
    codeKey: settings.identitySecret,
    log,
    activity: { ttlMs: activityTtlMs, onRecorded },
  });
  return {
    user,
    identity,
    verify,
    approval,
    now,
    state,
    beginCodeCheck: async () => startCodeCheck(await state.beginCodeCheck(), verify, identity),
  };
}
