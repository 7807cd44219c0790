// The trusted devices' rules, as pure functions of the user's state and the time: a device is trusted for a fixed time
// from when it was trusted (not from its last use), a user keeps at most MAX_TRUSTED_DEVICES (the oldest gives way),
// and the state keeps only each device token's keyed digest. lib/state/security-state.ts applies them by
// compare-and-swap; nothing here does I/O.
import type { TrustedDeviceRecord, UserState } from './model';

/** A user's trusted devices at most; trusting one more forgets the one trusted longest ago. */
export const MAX_TRUSTED_DEVICES = 10;

/** Epoch ms from which `device` is no longer trusted. */
export function deviceExpiry(device: Pick<TrustedDeviceRecord, 'trustedAt'>, ttlMs: number): number {
  return device.trustedAt + ttlMs;
}

export function isTrusted(device: TrustedDeviceRecord, nowMs: number, ttlMs: number): boolean {
  return deviceExpiry(device, ttlMs) > nowMs;
}

/** The devices whose time is up, and the state without them. */
export function withoutExpiredDevices(state: UserState, nowMs: number, ttlMs: number): { state: UserState; expired: number } {
  const kept = state.devices.filter((device) => isTrusted(device, nowMs, ttlMs));
  const expired = state.devices.length - kept.length;
  return { state: expired === 0 ? state : { ...state, devices: kept }, expired };
}

/** `device` trusted in `state`; over MAX_TRUSTED_DEVICES, the ones trusted longest ago give way (`replaced`). */
export function withTrustedDevice(state: UserState, device: TrustedDeviceRecord): { state: UserState; replaced: number } {
  const devices = [...state.devices.filter((kept) => kept.id !== device.id), device].sort((a, b) => a.trustedAt - b.trustedAt);
  const replaced = Math.max(0, devices.length - MAX_TRUSTED_DEVICES);
  return { state: { ...state, devices: devices.slice(replaced) }, replaced };
}

/** The trusted device whose token digest is `digest`, or undefined (unknown, forgotten or expired). */
export function deviceByDigest(state: UserState, digest: string, nowMs: number, ttlMs: number): TrustedDeviceRecord | undefined {
  return state.devices.find((device) => device.digest === digest && isTrusted(device, nowMs, ttlMs));
}

/** The state with `device` marked as used now. */
export function withDeviceUsed(state: UserState, deviceId: string, nowMs: number): UserState {
  return { ...state, devices: state.devices.map((device) => (device.id === deviceId ? { ...device, lastUsedAt: nowMs } : device)) };
}

/** The state without the devices `which` names (one id, or every one); `forgotten` counts them. */
export function withoutDevices(state: UserState, which: { deviceId: string } | 'all'): { state: UserState; forgotten: number } {
  const kept = which === 'all' ? [] : state.devices.filter((device) => device.id !== which.deviceId);
  return { state: { ...state, devices: kept }, forgotten: state.devices.length - kept.length };
}

/** How many devices of `before` are not in `after`: each one that leaves the state is reported (device.forgotten). */
export function droppedDevices(before: UserState, after: UserState): number {
  const still = new Set(after.devices.map((device) => device.id));
  return before.devices.filter((device) => !still.has(device.id)).length;
}
