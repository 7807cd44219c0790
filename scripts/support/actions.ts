// What the support tool does for one user, over the user's operator scope (lib/core/user-scope.ts) and the kit's state
// rules: look (status), remove what authenticates the user (reset), lift a lock (unlock), end the trusted devices
// (forget-devices). Plain data in and out;
// printing and prompting live elsewhere.
import type { ActivityEvent, FactorStatus, TrustedDevice } from '../../lib/contract';
import { deviceSummary } from '../../lib/core/trusted-devices';
import { createEvent, type NewEvent } from '../../lib/events/security-events';
import { isFailure } from '../../lib/core/failures';
import { isOutdatedSet, recoveryCodesLeft } from '../../lib/core/recovery-codes';
import type { OperatorScope } from '../../lib/core/user-scope';
import {
  CHANNELS,
  emptyState,
  enrollmentHeldSeconds,
  pruned,
  resetState,
  type Channel,
  type UserState,
} from '../../lib/state/model';
import { recentActivity, withEvents } from '../../lib/state/trail';
import { channelShare, consecutiveFailures, lockRemainingSeconds, withoutLock } from '../../lib/state/lockout';
import { droppedDevices, isTrusted, withoutDevices } from '../../lib/state/devices';
import type { StateOnFile } from '../../lib/state/operator-state';
import { EXIT, SupportError } from './errors';

/** The channels a lock is kept for (`--channel web|studio`), as the kit names them everywhere. */
export type SupportChannel = Channel;
export const SUPPORT_CHANNELS: readonly SupportChannel[] = CHANNELS;

/** How many of the newest activity events `status` shows. */
export const ACTIVITY_SHOWN = 10;

export interface SupportUser {
  /** The host application's user id, as typed by the operator. */
  user: string;
  /** The HMAC identity the Functions derive from it (lib/core/identity.ts): the Verify entity and the Sync document's key. */
  identity: string;
}

export interface SupportDeps {
  /** The user's scope as the operator's: Verify's factors and the state document, with this step's time budget. */
  scope: OperatorScope;
  /** The kit's time (the emulator's clock on the local stack). */
  now: Date;
  activityTtlMs: number;
  /** TRUSTED_DEVICE_DAYS, as the Functions apply it. */
  trustedDeviceTtlMs: number;
  /** LOCKOUT_HARD_CAP, as the Functions apply it. */
  hardCap: number;
}

export interface FactorSummary {
  sid: string;
  label: string;
  status: FactorStatus;
  createdAt: string;
}

export interface LockSummary {
  locked: boolean;
  /** ISO 8601, null when not locked. */
  lockedUntil: string | null;
  remainingSeconds: number;
  /** Wrong codes since the last success or the last lock; the threshold starts a lock. */
  consecutiveFailures: number;
  /** Wrong codes within the last 24 h (at most 30 per day start a lock of their own). */
  failuresLast24h: number;
  /** Locks since the last success: the next one lasts base × 2^level. */
  lockLevel: number;
  /** This channel's wrong codes in a row since the last success anywhere: its part of the hard cap. */
  towardsCap: number;
  /** The channel reached its share of the hard cap (or the account reached the cap): no code is checked until `unlock`. */
  capped: boolean;
}

/** The account's consecutive wrong codes across every channel, against the hard cap (NIST SP 800-63B-4 §3.2.2). */
export interface HardCapSummary {
  limit: number;
  consecutiveFailures: number;
  /** Nothing is checked on any channel until `unlock`. */
  reached: boolean;
}

export type { StateOnFile } from '../../lib/state/operator-state';

/** A trusted device as the operator sees it: what the user sees on the page (/list-devices), never the token. */
export type DeviceSummary = TrustedDevice;

export interface ForgetDevicesResult extends SupportUser {
  forgotten: DeviceSummary[];
  /** Recorded only when there was a device to forget. */
  event: ActivityEvent | undefined;
}

export interface UserStatus extends SupportUser {
  factors: FactorSummary[];
  state: StateOnFile;
  locks: Record<SupportChannel, LockSummary>;
  hardCap: HardCapSummary;
  recoveryCodesLeft: number;
  /** The set is of the format issued before (50-bit codes): they still work, and the user should generate a new set. */
  recoveryCodesOutdated: boolean;
  /** The devices that sign in without a code, newest first. */
  trustedDevices: DeviceSummary[];
  /** Newest first, at most ACTIVITY_SHOWN. */
  activity: ActivityEvent[];
}

export interface ResetResult extends SupportUser {
  removed: {
    factors: FactorSummary[];
    recoveryCodes: number;
    /** Trusted devices, which no longer sign in. */
    trustedDevices: number;
    /** Channels that were locked. */
    locks: SupportChannel[];
    /** An enrollment was in flight. */
    enrollmentInFlight: boolean;
    /** The state document was not the kit's, and was replaced (its trail with it). */
    unreadableState: boolean;
  };
  event: ActivityEvent;
}

export interface UnlockResult extends SupportUser {
  channels: Array<{ channel: SupportChannel; wasLocked: boolean; wasCapped: boolean; lockedUntil: string | null; consecutiveFailures: number }>;
  event: ActivityEvent;
}

function summary(factor: { sid: string; friendlyName: string; status: FactorStatus; createdAt: Date }): FactorSummary {
  return { sid: factor.sid, label: factor.friendlyName, status: factor.status, createdAt: factor.createdAt.toISOString() };
}

function lockOf(state: UserState, channel: Channel, nowMs: number, hardCap: number): LockSummary {
  const remainingSeconds = lockRemainingSeconds(state, channel, nowMs);
  const { failures, level, lockedUntil, recent, streak } = state[channel];
  const capped = consecutiveFailures(state) >= hardCap || streak >= channelShare({ hardCap }, channel);
  return {
    locked: remainingSeconds > 0 || capped,
    lockedUntil: remainingSeconds > 0 ? new Date(lockedUntil).toISOString() : null,
    remainingSeconds,
    consecutiveFailures: failures,
    failuresLast24h: recent.filter((at) => at > nowMs - 86_400_000).length,
    lockLevel: level,
    towardsCap: streak,
    capped,
  };
}

/** The devices that sign in without a code now, newest first, as /list-devices shows them. */
function trustedDevicesOf(state: UserState, nowMs: number, ttlMs: number): DeviceSummary[] {
  return state.devices
    .filter((device) => isTrusted(device, nowMs, ttlMs))
    .reverse()
    .map((device) => deviceSummary(device, ttlMs));
}

function hardCapOf(state: UserState, limit: number): HardCapSummary {
  const consecutive = consecutiveFailures(state);
  return { limit, consecutiveFailures: consecutive, reached: consecutive >= limit };
}

/** Factors, locks, codes left and recent activity: what the kit knows about the user, and never a secret. */
export async function userStatus(user: SupportUser, deps: SupportDeps): Promise<UserStatus> {
  const [factors, read] = await Promise.all([deps.scope.verify.listTotpFactors(user.identity), deps.scope.state.inspect()]);
  const nowMs = deps.now.getTime();
  const state = read.state ?? emptyState();
  return {
    ...user,
    factors: factors.map(summary),
    state: read.onFile,
    locks: { web: lockOf(state, 'web', nowMs, deps.hardCap), studio: lockOf(state, 'studio', nowMs, deps.hardCap) },
    hardCap: hardCapOf(state, deps.hardCap),
    recoveryCodesLeft: recoveryCodesLeft(state.recovery),
    recoveryCodesOutdated: isOutdatedSet(state.recovery),
    trustedDevices: trustedDevicesOf(state, nowMs, deps.trustedDeviceTtlMs),
    activity: recentActivity(state, nowMs, deps.activityTtlMs).slice(0, ACTIVITY_SHOWN),
  };
}

/** Exit 3 for a user id the kit has nothing on: a typo, or an IDENTITY_SECRET other than the Functions'. */
export function requireKnown(status: UserStatus): void {
  if (status.factors.length === 0 && status.state === 'none') {
    throw new SupportError(
      EXIT.unknownUser,
      'unknown_user',
      `no factors and no state for user "${status.user}" (identity ${status.identity}): check the id, and that the env file's IDENTITY_SECRET is the Functions'`,
    );
  }
}

function supportEvent(fields: Omit<NewEvent, 'channel'>, now: Date): ActivityEvent {
  return createEvent({ ...fields, channel: 'support' }, now);
}

/**
 * Removes every TOTP factor of the user in Verify, then their recovery codes, locks, used codes and enrollment hold in
 * the state (which keeps its trail, with a `support.reset` event). Factors go first: should the state write fail, a
 * second run finds the rest to remove.
 */
export async function resetUser(user: SupportUser, deps: SupportDeps): Promise<ResetResult> {
  const factors = await deps.scope.verify.listTotpFactors(user.identity);
  for (const factor of factors) {
    try {
      await deps.scope.verify.deleteFactor(user.identity, factor.sid);
    } catch (error) {
      // Gone already (Verify expires unverified factors, or the user removed it meanwhile): that is the goal.
      if (!isFailure(error, 'factor_not_found')) throw error;
    }
  }
  const nowMs = deps.now.getTime();
  let removed: Omit<ResetResult['removed'], 'factors'> | undefined;
  let event: ActivityEvent | undefined;
  await deps.scope.state.change(({ state, onFile }) => {
    // A document the kit did not write cannot be kept (the Functions would go on refusing the user): it is replaced.
    const before = state ?? emptyState();
    removed = {
      recoveryCodes: recoveryCodesLeft(before.recovery),
      trustedDevices: trustedDevicesOf(before, nowMs, deps.trustedDeviceTtlMs).length,
      locks: CHANNELS.filter((channel) => lockRemainingSeconds(before, channel, nowMs) > 0),
      enrollmentInFlight: enrollmentHeldSeconds(before, nowMs) > 0,
      unreadableState: onFile === 'unreadable',
    };
    event = supportEvent(
      { type: 'support.reset', detail: { factorsRemoved: factors.length, recoveryCodesRemoved: removed.recoveryCodes, devicesRemoved: removed.trustedDevices } },
      deps.now,
    );
    return withEvents(resetState(pruned(before, nowMs, deps.activityTtlMs)), [event]);
  });
  if (removed === undefined || event === undefined) throw new Error('reset: the state was not written');
  return { ...user, removed: { factors: factors.map(summary), ...removed }, event };
}

/** Lifts the lock of the given channels (lib/state/model.ts withoutLock), with a `support.unlock` event. */
export async function unlockUser(user: SupportUser, channels: readonly SupportChannel[], deps: SupportDeps): Promise<UnlockResult> {
  const nowMs = deps.now.getTime();
  let lifted: UnlockResult['channels'] = [];
  let event: ActivityEvent | undefined;
  await deps.scope.state.change(({ state, onFile }) => {
    if (onFile === 'unreadable') {
      // Nothing in it can be trusted or kept; only a reset replaces it.
      throw new SupportError(
        EXIT.unexpected,
        'unreadable_state',
        `the state of user "${user.user}" is not in the kit's format, so the Functions refuse their codes; \`reset\` replaces it`,
      );
    }
    const before = state ?? emptyState();
    lifted = channels.map((name) => {
      const lock = lockOf(before, name, nowMs, deps.hardCap);
      return { channel: name, wasLocked: lock.locked, wasCapped: lock.capped, lockedUntil: lock.lockedUntil, consecutiveFailures: lock.consecutiveFailures };
    });
    const outcome = channels.length === SUPPORT_CHANNELS.length ? 'all' : channels.join(',');
    event = supportEvent({ type: 'support.unlock', outcome, detail: { locksLifted: lifted.filter((entry) => entry.wasLocked).length } }, deps.now);
    const unlocked = channels.reduce((next, name) => withoutLock(next, name), pruned(before, nowMs, deps.activityTtlMs));
    return withEvents(unlocked, [event]);
  });
  if (event === undefined) throw new Error('unlock: the state was not written');
  return { ...user, channels: lifted, event };
}

/**
 * Ends every trusted device of the user (a stolen laptop, or the user asked): their tokens no longer sign in, with a
 * `device.forgotten` event (outcome `support`). Nothing is written when there is none.
 */
export async function forgetUserDevices(user: SupportUser, deps: SupportDeps): Promise<ForgetDevicesResult> {
  const nowMs = deps.now.getTime();
  let forgotten: DeviceSummary[] = [];
  let event: ActivityEvent | undefined;
  await deps.scope.state.change(({ state, onFile }) => {
    if (onFile === 'unreadable') {
      throw new SupportError(EXIT.unexpected, 'unreadable_state', `the state of user "${user.user}" is not in the kit's format; \`reset\` replaces it`);
    }
    const before = pruned(state ?? emptyState(), nowMs, deps.activityTtlMs);
    forgotten = trustedDevicesOf(before, nowMs, deps.trustedDeviceTtlMs);
    const { state: after } = withoutDevices(before, 'all');
    const dropped = droppedDevices(before, after);
    // Expired ones go too; the event counts every device that left the state, as the Functions' events do.
    event = dropped === 0 ? undefined : supportEvent({ type: 'device.forgotten', outcome: 'support', detail: { devices: dropped } }, deps.now);
    return event === undefined ? before : withEvents(after, [event]);
  });
  return { ...user, forgotten, event };
}
