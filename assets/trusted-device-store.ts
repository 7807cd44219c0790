// The trusted device's token, as the kit's own page keeps it. The page has no backend of its own to set a cookie, so
// it keeps the token in localStorage, under one key: any script on this origin could read it there, which is why the
// page runs under a strict CSP and holds nothing else secret in storage. A host app keeps it in an HttpOnly cookie its
// backend sets instead (docs/integrate.md, "Trusted devices"): there no script can read it, and logout can clear it.
import type { TrustedDeviceGrant } from './totp-client';

const STORAGE_KEY = 'totp-functions.trusted-device';

/** The token, which device it is (to mark "This device"), and whose: a token is only ever offered to its own user. */
interface StoredDevice {
  user: string;
  deviceId: string;
  deviceToken: string;
}

/** The signed-in person's trusted device in this browser. */
export interface TrustedDeviceStore {
  /** The device this browser holds for the signed-in person, or null (none, another person's, or storage off). */
  held(): { deviceId: string; deviceToken: string } | null;
  hold(grant: TrustedDeviceGrant): void;
  /** Drops the token (refused, forgotten, or made useless by a recovery-code sign-in). */
  drop(): void;
}

function isStoredDevice(value: unknown): value is StoredDevice {
  if (typeof value !== 'object' || value === null) return false;
  const { user, deviceId, deviceToken } = value as Record<string, unknown>;
  return typeof user === 'string' && typeof deviceId === 'string' && typeof deviceToken === 'string';
}

/** What the store needs of localStorage (so it is tested without a browser). */
export interface DeviceStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

/** `user`: the caller token's `sub`, null when signed out. */
export function createTrustedDeviceStore(storage: () => DeviceStorage, user: () => string | null): TrustedDeviceStore {
  // Storage can be off (private modes, blocked storage): then nothing is held, and the next check asks for a code.
  const attempt = <T>(task: () => T, fallback: T): T => {
    try {
      return task();
    } catch {
      return fallback;
    }
  };
  return {
    held() {
      const stored = attempt(() => JSON.parse(storage().getItem(STORAGE_KEY) ?? 'null') as unknown, null);
      return isStoredDevice(stored) && stored.user === user() ? stored : null;
    },
    hold({ deviceId, deviceToken }) {
      const owner = user();
      if (owner !== null) attempt(() => storage().setItem(STORAGE_KEY, JSON.stringify({ user: owner, deviceId, deviceToken })), undefined);
    },
    drop() {
      attempt(() => storage().removeItem(STORAGE_KEY), undefined);
    },
  };
}
