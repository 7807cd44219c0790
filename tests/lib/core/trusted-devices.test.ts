// lib/core/trusted-devices.ts in-process, with the Functions' own user scope over the in-process emulator and its frozen
// clock: a device trusted by an approved check, its token signing in without a code until exactly TRUSTED_DEVICE_DAYS
// after it was trusted, counted like a wrong code when it is wrong, another user's, expired or forgotten, forgotten by
// the user, by a factor's delete and by a recovery-code sign-in, at most ten per user, and the races between uses and
// forgets. The Sync document holds a digest of each token, never the token.
import { jwtVerify } from 'jose';
import { checkCode, listActivity, removeFactor, useRecoveryCode } from '../../../lib/core/factors';
import { Failure, type FailureKind } from '../../../lib/core/failures';
import { checkDevice, forgetDevice, listDevices } from '../../../lib/core/trusted-devices';
import type { UserScope } from '../../../lib/core/user-scope';
import type { ProvenCaller } from '../../../lib/core/users';
import type { TrustedDeviceGrant } from '../../../lib/contract';
import { DEFAULT_LOCKOUT_THRESHOLD, DEFAULT_TRUSTED_DEVICE_DAYS } from '../../../lib/config';
import { MAX_TRUSTED_DEVICES } from '../../../lib/state/devices';
import { stateDocumentName } from '../../../lib/state/security-state';
import { APPROVAL_SECRET, startCore, type CoreHarness } from '../../helpers/core';
import { rejectionOf } from '../../helpers/rejection';

const DAY_MS = 86_400_000;
const TTL_MS = DEFAULT_TRUSTED_DEVICE_DAYS * DAY_MS;
const FIREFOX_ON_WINDOWS = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0';

let core: CoreHarness;
let users = 0;

beforeAll(async () => {
  core = await startCore();
});
afterAll(() => core.close());

interface Enrolled {
  scope: UserScope<ProvenCaller>;
  secret: string;
  factorSid: string;
  recoveryCodes: string[];
}

async function enrolled(): Promise<Enrolled> {
  users += 1;
  const scope = core.caller(`device-user-${users}@example.com`);
  const enrollment = await core.enroll(scope);
  // The set-up spent this step's code.
  await core.nextStep();
  return { scope, ...enrollment };
}

/** An approved sign-in check that trusts this device. */
async function trust(user: Enrolled, label?: string): Promise<TrustedDeviceGrant> {
  const approved = await checkCode(user.scope, core.code(user.secret), { remember: { label, userAgent: FIREFOX_ON_WINDOWS } });
  if (approved.status !== 'approved' || approved.trustedDevice === undefined) throw new Error(`not trusted: ${JSON.stringify(approved)}`);
  await core.nextStep();
  return approved.trustedDevice;
}

async function failureOf(promise: Promise<unknown>): Promise<FailureKind> {
  return (await rejectionOf(promise, Failure)).kind;
}

async function storedText(scope: UserScope): Promise<string> {
  const document = await core.emulator.client.sync.v1.services('default').documents(stateDocumentName(scope.identity)).fetch();
  return JSON.stringify(document.data);
}

async function webFailures(scope: UserScope): Promise<number> {
  return (JSON.parse(await storedText(scope)) as { caller: { failures: number } }).caller.failures;
}

async function eventsOf(scope: UserScope<ProvenCaller>): Promise<string[]> {
  return (await listActivity(scope)).events.map((event) => [event.type, event.outcome, event.detail?.devices].filter((part) => part !== undefined).join(':'));
}

describe('trusting a device', () => {
  test('an approved check with remember answers a grant once; the state keeps a digest, never the token', async () => {
    const user = await enrolled();
    const trustedAt = core.now();
    const grant = await trust(user, 'Work laptop');
    expect(grant.deviceId).toMatch(/^td_[0-9a-f]{16}$/);
    expect(grant.deviceToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(grant.expiresAt).toBe(new Date(trustedAt + TTL_MS).toISOString());
    const stored = await storedText(user.scope);
    expect(stored).not.toContain(grant.deviceToken);
    expect(stored).toContain(grant.deviceId);
    // 128 bits of the HMAC: ten devices stay small in the 16 KiB document.
    expect((JSON.parse(stored) as { devices: Array<{ digest: string }> }).devices.map((device) => device.digest)).toEqual([expect.stringMatching(/^[A-Za-z0-9_-]{22}$/)]);
    expect(await listDevices(user.scope)).toEqual({
      devices: [
        {
          deviceId: grant.deviceId,
          label: 'Work laptop',
          browser: 'Firefox',
          platform: 'Windows',
          trustedAt: new Date(trustedAt).toISOString(),
          lastUsedAt: new Date(trustedAt).toISOString(),
          expiresAt: grant.expiresAt,
        },
      ],
      trustedDeviceDays: DEFAULT_TRUSTED_DEVICE_DAYS,
      maxDevices: MAX_TRUSTED_DEVICES,
    });
    expect(await eventsOf(user.scope)).toContain('device.trusted:otp');
  });

  test('without remember no device is trusted, and a pending check trusts none', async () => {
    const user = await enrolled();
    const plain = await checkCode(user.scope, core.code(user.secret));
    expect(plain).not.toHaveProperty('trustedDevice');
    const wrong = await checkCode(user.scope, core.wrongCode(user.secret), { remember: {} });
    expect(wrong).toEqual({ status: 'pending', challengeSid: expect.any(String) });
    expect((await listDevices(user.scope)).devices).toEqual([]);
  });

  test('a code used already, sent again with remember, trusts nothing', async () => {
    const user = await enrolled();
    const code = core.code(user.secret);
    await checkCode(user.scope, code);
    expect(await failureOf(checkCode(user.scope, code, { remember: {} }))).toBe('code_reused');
    expect((await listDevices(user.scope)).devices).toEqual([]);
  });

  test(`the ${MAX_TRUSTED_DEVICES + 1}th device makes the one trusted longest ago give way`, async () => {
    const user = await enrolled();
    const grants: TrustedDeviceGrant[] = [];
    for (let index = 0; index <= MAX_TRUSTED_DEVICES; index += 1) grants.push(await trust(user, `Device ${index}`));
    const listed = (await listDevices(user.scope)).devices.map((device) => device.label);
    expect(listed).toEqual(grants.slice(1).reverse().map((_, index) => `Device ${MAX_TRUSTED_DEVICES - index}`));
    expect(await failureOf(checkDevice(user.scope, grants[0]?.deviceToken ?? ''))).toBe('device_not_trusted');
    expect((await checkDevice(user.scope, grants[1]?.deviceToken ?? '')).status).toBe('approved');
    expect(await eventsOf(user.scope)).toContain('device.forgotten:replaced:1');
  });
});

describe('signing in with a trusted device', () => {
  test('the token approves with amr trusted_device and device_trusted_at, and marks the device as used', async () => {
    const user = await enrolled();
    const trustedAt = core.now();
    const grant = await trust(user);
    await core.setClock(core.now() + 3 * DAY_MS);
    const checked = await checkDevice(user.scope, grant.deviceToken, { nonce: 'n-1' });
    expect(checked).toEqual({
      status: 'approved',
      approval: expect.any(String),
      deviceId: grant.deviceId,
      trustedAt: new Date(trustedAt).toISOString(),
      expiresAt: grant.expiresAt,
    });
    const { payload } = await jwtVerify(checked.approval, APPROVAL_SECRET, { currentDate: new Date(core.now()) });
    expect(payload).toMatchObject({ sub: user.scope.user.sub, amr: ['trusted_device'], nonce: 'n-1', device_trusted_at: Math.floor(trustedAt / 1000) });
    expect(payload.jti).toMatch(/^dv_[0-9a-f]{32}$/);
    expect((await listDevices(user.scope)).devices[0]?.lastUsedAt).toBe(new Date(core.now()).toISOString());
    expect((await eventsOf(user.scope))[0]).toBe('device.used');
  });

  test('it works until exactly TRUSTED_DEVICE_DAYS after it was trusted, however often it was used, then it is gone', async () => {
    const user = await enrolled();
    const trustedAt = core.now();
    const grant = await trust(user);
    // Used the day before: the time counts from when it was trusted, not from the last use.
    await core.setClock(trustedAt + TTL_MS - DAY_MS);
    expect((await checkDevice(user.scope, grant.deviceToken)).status).toBe('approved');
    await core.setClock(trustedAt + TTL_MS - 1);
    expect((await checkDevice(user.scope, grant.deviceToken)).status).toBe('approved');
    await core.setClock(trustedAt + TTL_MS);
    // Listed no more from that moment, before any write has taken it out of the state.
    expect((await listDevices(user.scope)).devices).toEqual([]);
    expect(await failureOf(checkDevice(user.scope, grant.deviceToken))).toBe('device_not_trusted');
    expect(await webFailures(user.scope)).toBe(1);
    expect((await listDevices(user.scope)).devices).toEqual([]);
    expect(await eventsOf(user.scope)).toEqual(expect.arrayContaining(['device.forgotten:expired:1', 'challenge.failed:device_not_trusted']));
  });

  test('a guessed token counts towards the lock; once locked, even the right token is not looked at', async () => {
    const user = await enrolled();
    const grant = await trust(user);
    const guess = 'A'.repeat(43);
    for (let index = 1; index < DEFAULT_LOCKOUT_THRESHOLD; index += 1) {
      expect(await failureOf(checkDevice(user.scope, guess))).toBe('device_not_trusted');
      expect(await webFailures(user.scope)).toBe(index);
    }
    expect(await failureOf(checkDevice(user.scope, guess))).toBe('locked');
    expect(await failureOf(checkDevice(user.scope, grant.deviceToken))).toBe('locked');
  });

  test("another user's token is not trusted for this user, and counts", async () => {
    const owner = await enrolled();
    const other = await enrolled();
    const grant = await trust(owner);
    expect(await failureOf(checkDevice(other.scope, grant.deviceToken))).toBe('device_not_trusted');
    expect(await webFailures(other.scope)).toBe(1);
    expect((await checkDevice(owner.scope, grant.deviceToken)).status).toBe('approved');
  });

  test('a success with the device ends the run of wrong codes, like a right code', async () => {
    const user = await enrolled();
    const grant = await trust(user);
    await checkCode(user.scope, core.wrongCode(user.secret));
    expect(await webFailures(user.scope)).toBe(1);
    await checkDevice(user.scope, grant.deviceToken);
    expect(await webFailures(user.scope)).toBe(0);
  });
});

describe('ending trust', () => {
  test('the user forgets one device: its token is refused, the other still works; forgetting it again is device_not_found', async () => {
    const user = await enrolled();
    const kept = await trust(user, 'Kept');
    const gone = await trust(user, 'Gone');
    expect(await forgetDevice(user.scope, { deviceId: gone.deviceId })).toEqual({ forgotten: 1 });
    expect(await failureOf(checkDevice(user.scope, gone.deviceToken))).toBe('device_not_trusted');
    expect((await checkDevice(user.scope, kept.deviceToken)).status).toBe('approved');
    expect(await failureOf(forgetDevice(user.scope, { deviceId: gone.deviceId }))).toBe('device_not_found');
    expect(await eventsOf(user.scope)).toContain('device.forgotten:user:1');
  });

  test('forget all ends every device; with none left it forgets 0', async () => {
    const user = await enrolled();
    const grants = [await trust(user), await trust(user)];
    expect(await forgetDevice(user.scope, { all: true })).toEqual({ forgotten: 2 });
    for (const grant of grants) expect(await failureOf(checkDevice(user.scope, grant.deviceToken))).toBe('device_not_trusted');
    expect(await forgetDevice(user.scope, { all: true })).toEqual({ forgotten: 0 });
    expect(await eventsOf(user.scope)).toContain('device.forgotten:user_all:2');
  });

  test('deleting the factor (with a code) ends every device in the same write', async () => {
    const user = await enrolled();
    const grant = await trust(user);
    await removeFactor(user.scope, user.factorSid, { code: core.code(user.secret) });
    expect(await failureOf(checkDevice(user.scope, grant.deviceToken))).toBe('device_not_trusted');
    const events = await eventsOf(user.scope);
    expect(events.indexOf('device.forgotten:factor_deleted:1')).toBeGreaterThan(events.indexOf('factor.deleted'));
  });

  test('deleting the factor with a recovery code (a lost phone) ends every device', async () => {
    const user = await enrolled();
    const grant = await trust(user);
    await removeFactor(user.scope, user.factorSid, { recoveryCode: user.recoveryCodes[0] ?? '' });
    expect(await failureOf(checkDevice(user.scope, grant.deviceToken))).toBe('device_not_trusted');
  });

  test('a recovery-code sign-in forgets every device trusted before, and may trust the one it is on', async () => {
    const user = await enrolled();
    const earlier = await trust(user);
    const signedIn = await useRecoveryCode(user.scope, user.recoveryCodes[1] ?? '', { remember: { label: 'New phone' } });
    expect(signedIn.trustedDevice).toEqual({ deviceId: expect.stringMatching(/^td_/), deviceToken: expect.any(String), expiresAt: expect.any(String) });
    expect(await failureOf(checkDevice(user.scope, earlier.deviceToken))).toBe('device_not_trusted');
    expect((await checkDevice(user.scope, signedIn.trustedDevice?.deviceToken ?? '')).status).toBe('approved');
    expect((await listDevices(user.scope)).devices.map((device) => device.label)).toEqual(['New phone']);
    expect(await eventsOf(user.scope)).toEqual(expect.arrayContaining(['device.forgotten:recovery_code:1', 'device.trusted:recovery_code']));
  });
});

describe('races', () => {
  test('two sign-ins with one token at once are both approved', async () => {
    const user = await enrolled();
    const grant = await trust(user);
    const both = await Promise.all([checkDevice(user.scope, grant.deviceToken), checkDevice(core.scopeOf(user.scope.user), grant.deviceToken)]);
    expect(both.map((checked) => checked.status)).toEqual(['approved', 'approved']);
    expect(await webFailures(user.scope)).toBe(0);
  });

  test('a forget racing a sign-in never leaves the token usable', async () => {
    const user = await enrolled();
    for (let round = 0; round < 4; round += 1) {
      const grant = await trust(user);
      const [used] = await Promise.allSettled([checkDevice(user.scope, grant.deviceToken), forgetDevice(core.scopeOf(user.scope.user), { deviceId: grant.deviceId })]);
      // Either order is fine; afterwards the token is refused whichever won.
      if (used.status === 'rejected') expect(used.reason).toMatchObject({ kind: 'device_not_trusted' });
      expect(await failureOf(checkDevice(user.scope, grant.deviceToken))).toBe('device_not_trusted');
      await forgetDevice(user.scope, { all: true });
      // The refusals counted; a right code starts the next round afresh.
      await checkCode(user.scope, core.code(user.secret));
      await core.nextStep();
    }
  });
});

describe('the authenticator behind the devices', () => {
  test('a factor deleted outside the kit (Verify’s API) ends its devices at their next sign-in, uncounted', async () => {
    const user = await enrolled();
    const grant = await trust(user);
    await core.entityOf(user.scope.user).factors(user.factorSid).remove();
    expect(await failureOf(checkDevice(user.scope, grant.deviceToken))).toBe('device_not_trusted');
    expect(await webFailures(user.scope)).toBe(0);
    expect((await listDevices(user.scope)).devices).toEqual([]);
    expect(await eventsOf(user.scope)).toContain('device.forgotten:factor_deleted:1');
  });

  test('Verify unreachable is an outage, not a deleted factor: the devices are kept and nothing is counted', async () => {
    const user = await enrolled();
    const grant = await trust(user);
    await core.emulator.fault({ match: { method: 'GET', path: `/Factors/${user.factorSid}` }, status: 503 });
    expect(await failureOf(checkDevice(user.scope, grant.deviceToken))).toBe('upstream_unavailable');
    expect(await webFailures(user.scope)).toBe(0);
    expect((await checkDevice(user.scope, grant.deviceToken)).status).toBe('approved');
  });

  test('a sign-in with a device asks Verify for the factor, and nothing that takes a code', async () => {
    const user = await enrolled();
    const grant = await trust(user);
    const before = core.emulator.exchanges.length;
    await checkDevice(user.scope, grant.deviceToken);
    const verifyCalls = core.emulator.exchanges
      .slice(before)
      .filter((exchange) => exchange.path.startsWith('/v2/'))
      .map((exchange) => `${exchange.method} ${exchange.path.split('?')[0]?.replace(/(YF|VA)[0-9a-f]{32}/g, '$1…').replace(/Entities\/[^/]+/, 'Entities/…')}`);
    expect(verifyCalls).toEqual(['GET /v2/Services/VA…/Entities/…/Factors/YF…']);
  });
});
