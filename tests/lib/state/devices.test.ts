// The trusted devices' rules (lib/state/devices.ts) and their stored form (lib/state/model.ts), as pure functions:
// the time from when a device was trusted, the ten-device cap, lookups by digest, forgetting, and a stored list that
// the kit did not write refused rather than trusted.
import { deviceByDigest, deviceExpiry, droppedDevices, isTrusted, MAX_TRUSTED_DEVICES, withDeviceUsed, withoutDevices, withoutExpiredDevices, withTrustedDevice } from '../../../lib/state/devices';
import { emptyState, parseState, storedForm, type TrustedDeviceRecord, type UserState } from '../../../lib/state/model';

const T0 = Date.parse('2031-03-04T05:06:10Z');
const DAY_MS = 86_400_000;
const TTL = 30 * DAY_MS;

function device(index: number, trustedAt = T0 + index): TrustedDeviceRecord {
  return { id: `td_${String(index).padStart(16, '0')}`, digest: `digest-${index}`, label: index % 2 === 0 ? null : `Device ${index}`, browser: 'Firefox', platform: 'Linux', trustedAt, lastUsedAt: trustedAt };
}

function withDevices(...devices: TrustedDeviceRecord[]): UserState {
  return { ...emptyState(), devices };
}

describe('time', () => {
  test('a device is trusted until exactly its trust time plus the TTL, not a millisecond longer', () => {
    const one = device(1, T0);
    expect(deviceExpiry(one, TTL)).toBe(T0 + TTL);
    expect(isTrusted(one, T0 + TTL - 1, TTL)).toBe(true);
    expect(isTrusted(one, T0 + TTL, TTL)).toBe(false);
  });

  test('a use does not move the expiry: it counts from trustedAt', () => {
    const used = withDeviceUsed(withDevices(device(1, T0)), device(1).id, T0 + TTL - 1);
    expect(used.devices[0]?.lastUsedAt).toBe(T0 + TTL - 1);
    expect(isTrusted(used.devices[0] ?? device(0), T0 + TTL, TTL)).toBe(false);
  });

  test('expired devices leave the state, and are counted; a state with none expired is returned as it was', () => {
    const state = withDevices(device(1, T0 - TTL), device(2, T0 - TTL + 1), device(3, T0));
    const { state: fresh, expired } = withoutExpiredDevices(state, T0, TTL);
    expect(expired).toBe(1);
    expect(fresh.devices.map((kept) => kept.id)).toEqual([device(2).id, device(3).id]);
    const none = withoutExpiredDevices(fresh, T0, TTL);
    expect(none).toEqual({ state: fresh, expired: 0 });
    expect(none.state).toBe(fresh);
  });
});

describe('the cap', () => {
  test(`up to ${MAX_TRUSTED_DEVICES} devices are kept, oldest first; one more makes the one trusted longest ago give way`, () => {
    let state = emptyState();
    for (let index = 0; index < MAX_TRUSTED_DEVICES; index += 1) {
      const added = withTrustedDevice(state, device(index, T0 + (MAX_TRUSTED_DEVICES - index) * 1000));
      expect(added.replaced).toBe(0);
      state = added.state;
    }
    expect(state.devices.map((kept) => kept.trustedAt)).toEqual([...state.devices.map((kept) => kept.trustedAt)].sort((a, b) => a - b));
    const oldest = state.devices[0];
    const more = withTrustedDevice(state, device(99, T0 + 99_000));
    expect(more.replaced).toBe(1);
    expect(more.state.devices).toHaveLength(MAX_TRUSTED_DEVICES);
    expect(more.state.devices.map((kept) => kept.id)).not.toContain(oldest?.id);
    expect(more.state.devices.at(-1)?.id).toBe(device(99).id);
  });

  test('trusting a device again under its id replaces it, and nothing gives way', () => {
    const state = withDevices(device(1), device(2));
    const again = withTrustedDevice(state, { ...device(1), trustedAt: T0 + 50 });
    expect(again.replaced).toBe(0);
    expect(again.state.devices.map((kept) => [kept.id, kept.trustedAt])).toEqual([
      [device(2).id, T0 + 2],
      [device(1).id, T0 + 50],
    ]);
  });
});

describe('lookups and forgetting', () => {
  test('a digest finds only its own trusted device, never an expired one', () => {
    const state = withDevices(device(1, T0 - TTL), device(2, T0));
    expect(deviceByDigest(state, 'digest-2', T0, TTL)?.id).toBe(device(2).id);
    expect(deviceByDigest(state, 'digest-1', T0, TTL)).toBeUndefined();
    expect(deviceByDigest(state, 'digest-3', T0, TTL)).toBeUndefined();
  });

  test('a use marks only that device', () => {
    const used = withDeviceUsed(withDevices(device(1), device(2)), device(2).id, T0 + 500);
    expect(used.devices.map((kept) => kept.lastUsedAt)).toEqual([T0 + 1, T0 + 500]);
  });

  test('forgetting one, all, or an unknown id; every device that leaves is counted', () => {
    const state = withDevices(device(1), device(2), device(3));
    const one = withoutDevices(state, { deviceId: device(2).id });
    expect(one.forgotten).toBe(1);
    expect(one.state.devices.map((kept) => kept.id)).toEqual([device(1).id, device(3).id]);
    expect(withoutDevices(state, { deviceId: 'td_ffffffffffffffff' }).forgotten).toBe(0);
    const all = withoutDevices(state, 'all');
    expect(all).toEqual({ state: { ...state, devices: [] }, forgotten: 3 });
    expect(droppedDevices(state, one.state)).toBe(1);
    expect(droppedDevices(state, all.state)).toBe(3);
    expect(droppedDevices(state, withTrustedDevice(state, device(4)).state)).toBe(0);
  });
});

describe('the stored form', () => {
  test('round-trips; a document written before trusted devices has none', () => {
    const state = withDevices(device(1), device(2));
    expect(parseState(JSON.parse(storedForm(state)))).toEqual(state);
    const before = JSON.parse(storedForm(emptyState())) as Record<string, unknown>;
    delete before.devices;
    expect(parseState(before)?.devices).toEqual([]);
  });

  test.each([
    ['not a list', {}],
    ['no id', [{ ...device(1), id: undefined }]],
    ['an empty digest', [{ ...device(1), digest: '' }]],
    ['a label that is not text', [{ ...device(1), label: 7 }]],
    ['an empty label', [{ ...device(1), label: '' }]],
    ['a label over 64 characters', [{ ...device(1), label: 'x'.repeat(65) }]],
    ['no browser field', [{ ...device(1), browser: undefined }]],
    ['an empty platform', [{ ...device(1), platform: '' }]],
    ['a browser that is not text', [{ ...device(1), browser: 3 }]],
    ['a negative time', [{ ...device(1), trustedAt: -1 }]],
    ['a fractional time', [{ ...device(1), lastUsedAt: 1.5 }]],
    ['an entry that is not an object', ['td_1']],
  ])('a stored list with %s is not the kit’s: the document is refused', (_, devices) => {
    const stored = { ...(JSON.parse(storedForm(emptyState())) as Record<string, unknown>), devices };
    expect(parseState(stored)).toBeUndefined();
  });

  test('a label of exactly 64 characters and a null label are read; so are a browser and platform the User-Agent did not say', () => {
    const unknown = { ...device(2), browser: null, platform: null };
    const stored = { ...(JSON.parse(storedForm(emptyState())) as Record<string, unknown>), devices: [{ ...device(1), label: 'x'.repeat(64) }, unknown] };
    expect(parseState(stored)?.devices.map((kept) => [kept.label, kept.browser, kept.platform])).toEqual([
      ['x'.repeat(64), 'Firefox', 'Linux'],
      [null, null, null],
    ]);
  });
});
