// Trusted devices over HTTP, through the real Functions on the local stack with the emulator's clock: a device
// trusted by an approved code check or recovery code (rememberDevice), its token signing in through /check-device
// until exactly TRUSTED_DEVICE_DAYS after it was trusted, listed and forgotten by the user, ended by the factor's
// delete, refusals counted towards the lock, and bad input refused without a count.
import { jwtVerify } from 'jose';
import { DEFAULT_LOCKOUT_THRESHOLD, DEFAULT_TRUSTED_DEVICE_DAYS } from '../../lib/config';
import { enrollUser, type EnrolledUser } from '../helpers/enrolled';
import { body, errorOf, totp, type Answer } from '../helpers/functions';
import { useFunctionsStack } from '../helpers/functions-stack';
import { captureErrorLog } from '../helpers/log-capture';

const DAY_SECONDS = 86_400;
const SAFARI_ON_IPHONE =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1';

const { harness, clock } = useFunctionsStack({ freshStep: 'test' });
/** The Functions' error log: the lock's one line, and the refusals of bad input, kept out of the output. */
const log = captureErrorLog();
let users = 0;

async function enroll(): Promise<EnrolledUser> {
  users += 1;
  return enrollUser(harness, clock, `device-user-${users}`);
}

interface Grant {
  deviceId: string;
  deviceToken: string;
  expiresAt: string;
}

/** A sign-in check with "remember this device" ticked, from Safari on an iPhone; then the next time step. */
async function signInRemembering(enrolled: EnrolledUser, extra: Record<string, unknown> = {}): Promise<{ answer: Answer; grant: Grant }> {
  const answer = await harness.post(
    '/create-challenge',
    { code: totp(enrolled.secret, clock.now), rememberDevice: true, ...extra },
    { token: enrolled.token, headers: { 'user-agent': SAFARI_ON_IPHONE } },
  );
  expect(answer.status).toBe(200);
  await clock.nextStep();
  return { answer, grant: body(answer).trustedDevice as Grant };
}

function checkDevice(enrolled: EnrolledUser, deviceToken: string, nonce?: string): Promise<Answer> {
  return harness.post('/check-device', nonce === undefined ? { deviceToken } : { deviceToken, nonce }, { token: enrolled.token });
}

async function devicesOf(enrolled: EnrolledUser): Promise<Array<Record<string, unknown>>> {
  return body(await harness.post('/list-devices', {}, { token: enrolled.token })).devices as Array<Record<string, unknown>>;
}

async function eventsOf(enrolled: EnrolledUser): Promise<string[]> {
  const events = body(await harness.post('/list-activity', {}, { token: enrolled.token })).events as Array<{ type: string; outcome?: string }>;
  return events.map((event) => (event.outcome === undefined ? event.type : `${event.type}:${event.outcome}`));
}

test('a user who ticks "remember this device" signs in next time without a code, sees the device, forgets it, and needs a code again', async () => {
  const enrolled = await enroll();
  const trustedAt = clock.now;
  const { answer, grant } = await signInRemembering(enrolled, { deviceLabel: 'My iPhone' });
  expect(answer.headers.get('cache-control')).toBe('no-store');
  expect(body(answer)).toEqual({ status: 'approved', challengeSid: expect.any(String), approval: expect.any(String), trustedDevice: grant });
  expect(grant).toEqual({
    deviceId: expect.stringMatching(/^td_[0-9a-f]{16}$/),
    deviceToken: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
    expiresAt: new Date((trustedAt + DEFAULT_TRUSTED_DEVICE_DAYS * DAY_SECONDS) * 1000).toISOString(),
  });

  await clock.advance(DAY_SECONDS);
  const next = await checkDevice(enrolled, grant.deviceToken, 'sign-in-2');
  expect(next.status).toBe(200);
  const checked = body(next);
  expect(checked).toEqual({
    status: 'approved',
    approval: expect.any(String),
    deviceId: grant.deviceId,
    trustedAt: new Date(trustedAt * 1000).toISOString(),
    expiresAt: grant.expiresAt,
  });
  const { payload } = await jwtVerify(checked.approval as string, new TextEncoder().encode(harness.env.APPROVAL_SIGNING_SECRET), {
    currentDate: new Date(clock.now * 1000),
  });
  expect(payload).toMatchObject({ sub: enrolled.user, amr: ['trusted_device'], nonce: 'sign-in-2', device_trusted_at: trustedAt });

  expect(await devicesOf(enrolled)).toEqual([
    {
      deviceId: grant.deviceId,
      label: 'My iPhone',
      browser: 'Safari',
      platform: 'iOS',
      trustedAt: new Date(trustedAt * 1000).toISOString(),
      lastUsedAt: new Date(clock.now * 1000).toISOString(),
      expiresAt: grant.expiresAt,
    },
  ]);
  const forgotten = await harness.post('/forget-device', { deviceId: grant.deviceId }, { token: enrolled.token });
  expect(body(forgotten)).toEqual({ forgotten: 1 });
  const refused = await checkDevice(enrolled, grant.deviceToken);
  expect(refused.status).toBe(403);
  expect(errorOf(refused).code).toBe('device_not_trusted');
  expect(await devicesOf(enrolled)).toEqual([]);
  expect(await eventsOf(enrolled)).toEqual(
    expect.arrayContaining(['device.trusted:otp', 'device.used', 'device.forgotten:user', 'challenge.failed:device_not_trusted']),
  );
});

test('a device stops at exactly TRUSTED_DEVICE_DAYS after it was trusted, though it was used the day before', async () => {
  const enrolled = await enroll();
  const { grant } = await signInRemembering(enrolled);
  const lifetime = DEFAULT_TRUSTED_DEVICE_DAYS * DAY_SECONDS;
  await clock.advance(lifetime - DAY_SECONDS - 30);
  expect((await checkDevice(enrolled, grant.deviceToken)).status).toBe(200);
  // The sign-in above moved one time step past the trust; one second before the end it still works.
  await clock.advance(DAY_SECONDS - 1);
  expect((await checkDevice(enrolled, grant.deviceToken)).status).toBe(200);
  await clock.advance(1);
  const expired = await checkDevice(enrolled, grant.deviceToken);
  expect([expired.status, errorOf(expired).code]).toEqual([403, 'device_not_trusted']);
  expect(await eventsOf(enrolled)).toContain('device.forgotten:expired');
});

test('a guessed token counts towards the lock like a wrong code; then the right token waits too', async () => {
  const enrolled = await enroll();
  const { grant } = await signInRemembering(enrolled);
  const guess = `${grant.deviceToken.slice(0, 42)}${grant.deviceToken.endsWith('A') ? 'B' : 'A'}`;
  for (let index = 1; index < DEFAULT_LOCKOUT_THRESHOLD; index += 1) expect(errorOf(await checkDevice(enrolled, guess)).code).toBe('device_not_trusted');
  const locked = await checkDevice(enrolled, guess);
  expect([locked.status, errorOf(locked).code]).toEqual([429, 'locked']);
  expect(errorOf(await checkDevice(enrolled, grant.deviceToken)).code).toBe('locked');
  expect(log.lines).toContainEqual(expect.stringContaining("check-device: lockout: a user's web channel is locked"));
});

test("another user's token is refused and counted for the user who sent it", async () => {
  const owner = await enroll();
  const other = await enroll();
  const { grant } = await signInRemembering(owner);
  expect(errorOf(await checkDevice(other, grant.deviceToken)).code).toBe('device_not_trusted');
  expect(await eventsOf(other)).toContain('challenge.failed:device_not_trusted');
  expect((await checkDevice(owner, grant.deviceToken)).status).toBe(200);
});

test('forget all ends every device; an unknown deviceId is device_not_found', async () => {
  const enrolled = await enroll();
  const first = (await signInRemembering(enrolled)).grant;
  const second = (await signInRemembering(enrolled)).grant;
  expect(body(await harness.post('/forget-device', { all: true }, { token: enrolled.token }))).toEqual({ forgotten: 2 });
  for (const grant of [first, second]) expect(errorOf(await checkDevice(enrolled, grant.deviceToken)).code).toBe('device_not_trusted');
  const unknown = await harness.post('/forget-device', { deviceId: first.deviceId }, { token: enrolled.token });
  expect([unknown.status, errorOf(unknown).code]).toEqual([404, 'device_not_found']);
});

test('deleting the authenticator ends every device', async () => {
  const enrolled = await enroll();
  const { grant } = await signInRemembering(enrolled);
  const deleted = await harness.post('/delete-factor', { factorSid: enrolled.factorSid, code: totp(enrolled.secret, clock.now) }, { token: enrolled.token });
  expect(deleted.status).toBe(200);
  expect(errorOf(await checkDevice(enrolled, grant.deviceToken)).code).toBe('device_not_trusted');
  expect(await eventsOf(enrolled)).toContain('device.forgotten:factor_deleted');
});

test('a recovery-code sign-in forgets the devices trusted before, and trusts its own when asked (form-encoded too)', async () => {
  const enrolled = await enroll();
  const earlier = (await signInRemembering(enrolled)).grant;
  const recovered = await harness.post(
    '/use-recovery-code',
    { code: enrolled.recoveryCodes[0] ?? '', rememberDevice: 'true', deviceLabel: 'Borrowed laptop' },
    { token: enrolled.token, form: true },
  );
  expect(recovered.status).toBe(200);
  const grant = body(recovered).trustedDevice as Grant;
  expect(errorOf(await checkDevice(enrolled, earlier.deviceToken)).code).toBe('device_not_trusted');
  expect((await checkDevice(enrolled, grant.deviceToken)).status).toBe(200);
  expect((await devicesOf(enrolled)).map((device) => device.label)).toEqual(['Borrowed laptop']);
});

test('a sign-in without rememberDevice trusts nothing', async () => {
  const enrolled = await enroll();
  const plain = await harness.post('/create-challenge', { code: totp(enrolled.secret, clock.now), rememberDevice: false }, { token: enrolled.token });
  expect(body(plain)).not.toHaveProperty('trustedDevice');
  expect(await devicesOf(enrolled)).toEqual([]);
});

describe('races', () => {
  test('two sign-ins with one token at the same moment are both approved, and nothing is counted', async () => {
    const enrolled = await enroll();
    const { grant } = await signInRemembering(enrolled);
    const both = await Promise.all([checkDevice(enrolled, grant.deviceToken), checkDevice(enrolled, grant.deviceToken)]);
    expect(both.map((answer) => answer.status)).toEqual([200, 200]);
    expect(await eventsOf(enrolled)).not.toContain('challenge.failed:device_not_trusted');
  });

  test('a forget racing a sign-in: whichever wins, the token never signs in afterwards', async () => {
    const enrolled = await enroll();
    for (let round = 0; round < 3; round += 1) {
      const { grant } = await signInRemembering(enrolled);
      const [signIn, forget] = await Promise.all([
        checkDevice(enrolled, grant.deviceToken),
        harness.post('/forget-device', { deviceId: grant.deviceId }, { token: enrolled.token }),
      ]);
      expect(forget.status).toBe(200);
      expect([200, 403]).toContain(signIn.status);
      const after = await checkDevice(enrolled, grant.deviceToken);
      expect([after.status, errorOf(after).code]).toEqual([403, 'device_not_trusted']);
    }
  });
});

describe('bad input is a 400 that counts nothing', () => {
  let enrolledForBadInput: EnrolledUser | undefined;
  test.each([
    ['/check-device', { deviceToken: 'short' }, 'deviceToken must be a device token (43 base64url characters)'],
    ['/check-device', { deviceToken: `${'a'.repeat(42)}=` }, 'deviceToken must be a device token (43 base64url characters)'],
    ['/check-device', {}, 'deviceToken is required'],
    ['/forget-device', {}, 'must hold deviceId or all: true, one of them'],
    ['/forget-device', { deviceId: 'td_0123456789abcdef', all: true }, 'must hold deviceId or all: true, one of them'],
    ['/forget-device', { deviceId: '../YF00' }, 'deviceId must be a trusted device id'],
    ['/forget-device', { all: 'yes' }, 'all must be true or false'],
    ['/create-challenge', { code: '123456', deviceLabel: 'Laptop' }, 'deviceLabel needs rememberDevice: true'],
    ['/create-challenge', { code: '123456', rememberDevice: 'yes' }, 'rememberDevice must be true or false'],
    ['/create-challenge', { code: '123456', rememberDevice: true, deviceLabel: 'a\u202eb' }, 'deviceLabel must not contain invisible format characters'],
  ])('%s %j', async (path, input, message) => {
    // One enrolled user for every case: none may count, so its trail must stay free of failures throughout.
    enrolledForBadInput ??= await enroll();
    const enrolled = enrolledForBadInput;
    const answer = await harness.post(path, input, { token: enrolled.token });
    expect([answer.status, errorOf(answer).code]).toEqual([400, 'invalid_request']);
    expect(errorOf(answer).message).toContain(message);
    expect((await eventsOf(enrolled)).filter((event) => event.startsWith('challenge.failed'))).toEqual([]);
  });
});
