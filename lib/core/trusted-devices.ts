// Trusted devices ("remember this device"): a sign-in that skips the code on a device the user trusted, for
// TRUSTED_DEVICE_DAYS from when it was trusted. The token is 256 random bits handed out once; the state keeps a keyed
// digest of it (lib/state/security-state.ts), so neither Sync nor a log ever holds one. A token that names none of the
// user's trusted devices is a wrong guess like a wrong code: it goes through the code check, so it is counted and locks.
import { randomBytes } from 'node:crypto';
import type { CheckDeviceResponse, ForgetDeviceRequest, ForgetDeviceResponse, ListDevicesResponse, TrustedDevice, TrustedDeviceGrant } from '../contract';
import { deviceExpiry, MAX_TRUSTED_DEVICES } from '../state/devices';
import type { TrustedDeviceRecord, VerifiedFactor } from '../state/model';
import type { DeviceToTrust } from '../state/security-state';
import { signApprovalToken } from './approval';
import { Failure, isFailure } from './failures';
import { describeUserAgent } from './user-agent';
import type { UserScope } from './user-scope';
import type { ProvenCaller } from './users';

/** 32 bytes: 256 bits, base64url without padding. */
const TOKEN_BYTES = 32;
export const DEVICE_TOKEN_LENGTH = 43;
const DAY_MS = 86_400_000;

/** What a code check is asked to remember: the user's name for the device, and the User-Agent it came with. */
export interface RememberDevice {
  label?: string;
  userAgent?: string;
}

/** What a request's `rememberDevice` and `deviceLabel` ask of a code check: nothing unless the box was ticked. */
export function rememberRequested(
  request: { rememberDevice?: boolean; deviceLabel?: string },
  userAgent: string | undefined,
): RememberDevice | undefined {
  return request.rememberDevice === true ? { label: request.deviceLabel, userAgent } : undefined;
}

/** A new device to trust with an approved check: its public id, its token, and what it is in plain words. */
export function newDevice(remember: RememberDevice, method: DeviceToTrust['method']): DeviceToTrust {
  return {
    id: `td_${randomBytes(8).toString('hex')}`,
    token: randomBytes(TOKEN_BYTES).toString('base64url'),
    label: remember.label ?? null,
    ...describeUserAgent(remember.userAgent),
    method,
  };
}

/** The answer's part for a device just trusted: `trustedAt` is taken before the check, so `expiresAt` is never late. */
export function grantOf(device: DeviceToTrust, trustedAt: Date, ttlMs: number): TrustedDeviceGrant {
  return { deviceId: device.id, deviceToken: device.token, expiresAt: new Date(deviceExpiry({ trustedAt: trustedAt.getTime() }, ttlMs)).toISOString() };
}

/**
 * A device is trusted only while the authenticator it was trusted with is verified: after the lock check, Verify is
 * asked for it, so a factor deleted outside the kit (the Console, the API) ends the user's devices too, with a
 * `device.forgotten` event. Not a guess, so not counted.
 */
function requireAuthenticator(scope: UserScope<ProvenCaller>): (known: VerifiedFactor | undefined) => Promise<void> {
  return async (known) => {
    // Devices are trusted with a code check, which records the factor: a state without one has none.
    if (known === undefined) throw new Failure('device_not_trusted');
    const factor = await scope.verify.fetchFactor(scope.identity, known.sid).catch((error: unknown) => {
      if (isFailure(error, 'factor_not_found')) return undefined;
      throw error;
    });
    if (factor?.status === 'verified') return;
    await scope.state.record([], (state) => ({ ...state, devices: [] }));
    throw new Failure('device_not_trusted');
  };
}

/**
 * A sign-in with a trusted device's token: an approval token with `amr: ["trusted_device"]` and `device_trusted_at`,
 * or Failure('device_not_trusted'), counted like a wrong code (locked and capped as for codes).
 */
export async function checkDevice(scope: UserScope<ProvenCaller>, deviceToken: string, options: { nonce?: string } = {}): Promise<CheckDeviceResponse> {
  const device = await scope.withCodeCheck({ purpose: 'device', prepare: requireAuthenticator(scope) }, ({ attempt }) => attempt.redeemDevice(deviceToken));
  if (device === undefined) throw new Failure('device_not_trusted');
  const trustedAt = new Date(device.trustedAt);
  const approval = await signApprovalToken(
    scope.approval,
    // No Verify challenge stands behind it: the token's jti is the kit's own, unique per use.
    { sub: scope.user.sub, challengeSid: `dv_${randomBytes(16).toString('hex')}`, nonce: options.nonce, method: 'trusted_device', deviceTrustedAt: trustedAt },
    scope.now(),
  );
  return {
    status: 'approved',
    approval,
    deviceId: device.id,
    trustedAt: trustedAt.toISOString(),
    expiresAt: new Date(deviceExpiry(device, scope.trustedDeviceTtlMs)).toISOString(),
  };
}

/** A trusted device as the user (and the operator) see it: never its token or the token's digest. */
export function deviceSummary(device: TrustedDeviceRecord, ttlMs: number): TrustedDevice {
  return {
    deviceId: device.id,
    label: device.label,
    browser: device.browser,
    platform: device.platform,
    trustedAt: new Date(device.trustedAt).toISOString(),
    lastUsedAt: new Date(device.lastUsedAt).toISOString(),
    expiresAt: new Date(deviceExpiry(device, ttlMs)).toISOString(),
  };
}

/** The caller's trusted devices, newest first; never a token or its digest. */
export async function listDevices(scope: UserScope<ProvenCaller>): Promise<ListDevicesResponse> {
  const devices = await scope.state.trustedDevices();
  return {
    devices: devices.map((device) => deviceSummary(device, scope.trustedDeviceTtlMs)),
    trustedDeviceDays: Math.round(scope.trustedDeviceTtlMs / DAY_MS),
    maxDevices: MAX_TRUSTED_DEVICES,
  };
}

/** Stops trusting one of the caller's devices, or all (Failure('device_not_found') for one that is not trusted). */
export async function forgetDevice(scope: UserScope<ProvenCaller>, request: ForgetDeviceRequest): Promise<ForgetDeviceResponse> {
  const which = request.all === true ? 'all' : { deviceId: request.deviceId };
  return { forgotten: await scope.state.forgetDevices(which) };
}
