// One user's scope, wired in one place for the endpoints, the support tool and the core's tests alike: the identity
// derived from the user key, Verify and the user's state on Sync over one twilio client and one time budget, and the
// code check that is the core's only way to send a code to Verify.
import type { KeyObject } from 'node:crypto';
import type twilio from 'twilio';
import type { Config } from '../config';
import type { ActivityEvent } from '../contract';
import type { LockoutPolicy } from '../state/lockout';
import { createOperatorState, type OperatorState } from '../state/operator-state';
import { createSecurityState, type CodeCheckOptions, type SecurityState } from '../state/security-state';
import { createSyncStateStore } from '../state/sync-store';
import { createVerifyGateway, type FactorDirectory } from '../verify/gateway';
import type { ApprovalSigner } from './approval';
import { startCodeCheck, type CodeCheck } from './code-check';
import { deriveIdentity } from './identity';
import { createRecoveryCodeVault, type PasswordHash } from './recovery-codes';
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
  /** How long a device stays trusted from when it was trusted (TRUSTED_DEVICE_DAYS). */
  trustedDeviceTtlMs: number;
  /** The kit's own state for this user on this user's channel: lock, used codes, enrollment in flight (on Sync). */
  state: SecurityState;
  /**
   * Runs one code check: step 1, the lock check that reserves the check (Failure('locked') while locked), then `run`
   * with Verify's code-taking calls; a check that ends without an outcome is closed (./code-check.ts, the state's
   * CodeAttempt.close), whatever `run` threw.
   */
  withCodeCheck<T>(options: CodeCheckOptions, run: (check: CodeCheck) => Promise<T>): Promise<T>;
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
  /** IDENTITY_SECRET: keys the identity, the digests of used codes, and recovery codes of the format issued before. */
  identitySecret: KeyObject | Uint8Array;
  /** How long the trail keeps an event (ACTIVITY_TTL_DAYS). */
  activityTtlMs: number;
  /** How long a device stays trusted from when it was trusted (TRUSTED_DEVICE_DAYS): the state document lives as long. */
  trustedDeviceTtlMs: number;
  /** Epoch ms by which every Verify and Sync call must have answered. */
  deadline: number;
}

/** What a scope that checks codes needs besides. */
export interface CodeCheckSettings extends ScopeSettings {
  /** The kit's "now" (lib/clock.ts): locks, used codes and approvals are timed by it. */
  now: () => Date;
  approval: ApprovalSigner;
  policy: LockoutPolicy;
  /** The recovery codes' pepper, from RECOVERY_CODE_SECRET (lib/core/recovery-codes.ts: deriveRecoveryCodePepper). */
  recoveryCodePepper: KeyObject;
  /**
   * The recovery codes' password hash; scrypt from node:crypto when unset, as the Functions use it. The in-process core
   * suites pass scrypt at a lower cost: what they test is the state, and the cost has suites of its own.
   */
  recoveryCodeHash?: PasswordHash;
  /** One line when a lock begins; never personal data. */
  log: (line: string) => void;
  /** The events of each write, for the log line and the host's webhook (lib/events/security-events.ts). */
  onRecorded: (events: ActivityEvent[]) => void;
}

const DAY_MS = 86_400_000;

/** The settings the Functions' configuration decides (the rest is per request: client, budget, clock, log). */
export function configuredScope(
  config: Config,
): Pick<
  CodeCheckSettings,
  'verifyServiceSid' | 'syncServiceSid' | 'identitySecret' | 'recoveryCodePepper' | 'approval' | 'policy' | 'activityTtlMs' | 'trustedDeviceTtlMs'
> {
  return {
    verifyServiceSid: config.verifyServiceSid,
    syncServiceSid: config.syncServiceSid,
    identitySecret: config.identitySecret,
    recoveryCodePepper: config.recoveryCodePepper,
    approval: config.approval,
    policy: {
      threshold: config.lockoutThreshold,
      baseSeconds: config.lockoutBaseSeconds,
      maxSeconds: config.lockoutMaxSeconds,
      hardCap: config.lockoutHardCap,
    },
    activityTtlMs: config.activityTtlDays * DAY_MS,
    trustedDeviceTtlMs: config.trustedDeviceDays * DAY_MS,
  };
}

export function createUserScope<User extends ProvenUser>(user: User, settings: CodeCheckSettings): UserScope<User>;
export function createUserScope(user: OperatorUser, settings: ScopeSettings): OperatorScope;
export function createUserScope(user: ScopeUser, settings: ScopeSettings | CodeCheckSettings): UserScope | OperatorScope {
  const identity = deriveIdentity(settings.identitySecret, userKeyOf(user));
  const { client, deadline, activityTtlMs, trustedDeviceTtlMs } = settings;
  const verify = createVerifyGateway(client, { serviceSid: settings.verifyServiceSid, deadline });
  const store = createSyncStateStore(client, { serviceSid: settings.syncServiceSid, deadline });
  if (user.kind === 'operator') {
    return { user, identity, verify, state: createOperatorState({ store, identity, activityTtlMs, trustedDeviceTtlMs }) };
  }
  const { now, approval, policy, log, onRecorded, recoveryCodePepper, recoveryCodeHash } = settings as CodeCheckSettings;
  const state = createSecurityState({
    store,
    identity,
    // A Studio flow (voice) and a caller with a token (web) lock separately: one cannot lock the other out.
    channel: channelOf(user),
    policy,
    now,
    codeKey: settings.identitySecret,
    recoveryCodes: createRecoveryCodeVault({ pepper: recoveryCodePepper, legacyKey: settings.identitySecret }, recoveryCodeHash),
    log,
    activity: { ttlMs: activityTtlMs, onRecorded },
    trustedDeviceTtlMs,
  });
  return {
    user,
    identity,
    verify,
    approval,
    now,
    trustedDeviceTtlMs,
    state,
    async withCodeCheck(checkOptions, run) {
      const attempt = await state.beginCodeCheck(checkOptions);
      try {
        return await run(startCodeCheck(attempt, verify, identity));
      } finally {
        // Not given back, the reservation lapses and counts as a wrong code: the safe side, and the user's answer stands.
        await attempt.close().catch(() => log('state write: a code check could not be closed; its reservation lapses and counts'));
      }
    },
  };
}
