// Trusted devices on the real page in Chromium, against the local stack: "Remember this device" under the sign-in check
// and the recovery-code form (unticked, and sent only when ticked), a sign-in with the held device after a reload and
// without a code, the Trusted devices card ("This device", Forget, Forget all, each confirmed), a token forgotten
// elsewhere or expired (the emulator's clock) dropped with its message, Recent activity's device lines, and the card
// and boxes for axe-core at 375 px, also in Arabic (right to left).
import type { Page, Request } from 'playwright-core';
import ar from '../../assets/i18n/ar';
import { totpAt } from '../helpers/totp';
import { saveStep } from './support/artifacts';
import { axeViolations, overflowsWidth } from './support/axe';
import { activityLines, checkRegion, expectAnnouncement, signInAsDeveloper, STATE_TIMEOUT_MS, submitCheckCode } from './support/person';
import { T0, useBrowserSuite } from './support/session';
import type { PageWatch } from './support/watch';

jest.setTimeout(120_000);

const STEP_MS = 30_000;
const DAY_MS = 86_400_000;
/** The page's one storage key for the held device (assets/trusted-device-store.ts). */
const STORAGE_KEY = 'totp-functions.trusted-device';
/** Headless Chromium says "HeadlessChrome", which the kit does not take for Chrome; the platform is this machine's. */
const DEVICE_NAME = /^Unknown browser on \w+$/;

const suite = useBrowserSuite();
let page: Page;
let watch: PageWatch;

beforeEach(() => {
  // The Functions run in this process; their event log lines are expected here, not news.
  jest.spyOn(console, 'log').mockImplementation(() => undefined);
  jest.spyOn(console, 'error').mockImplementation(() => undefined);
});
afterEach(() => {
  jest.restoreAllMocks();
});

interface Enrolled {
  secret: string;
  recoveryCodes: string[];
  /** POSTs to the kit as this user from elsewhere (another device, the operator), as the page's own calls would. */
  post(route: string, body: unknown): Promise<Response>;
}

/** Enrolls `user` over HTTP at T0 (the first code spends T0's step): the page then shows the sign-in check. */
async function enrollOverHttp(user: string): Promise<Enrolled> {
  await suite.stack.setClock(T0);
  const token = await suite.stack.devToken(user);
  const post = (route: string, body: unknown): Promise<Response> =>
    fetch(new URL(`/${route}`, suite.stack.origin), { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const { factorSid, secret } = (await (await post('create-factor', {})).json()) as { factorSid: string; secret: string };
  const verified = (await (await post('verify-factor', { factorSid, code: totpAt(secret, T0) })).json()) as { recoveryCodes: string[] };
  return { secret, recoveryCodes: verified.recoveryCodes, post };
}

/** Moves the emulator's clock and the page's together. */
async function setClocks(atMs: number): Promise<void> {
  await suite.stack.setClock(atMs);
  await page.clock.setFixedTime(atMs);
}

/** The JSON bodies the page posted to `route`, oldest first. */
function bodiesTo(route: string): unknown[] {
  const bodies: unknown[] = [];
  page.on('request', (request: Request) => {
    if (request.method() === 'POST' && new URL(request.url()).pathname === `/${route}`) bodies.push(request.postDataJSON());
  });
  return bodies;
}

const rememberBox = (p: Page = page) => checkRegion(p).getByRole('checkbox', { name: 'Remember this device for 30 days' });
const deviceButton = (p: Page = page) => checkRegion(p).getByRole('button', { name: 'Sign in with this trusted device' });
const devicesRegion = (p: Page = page) => p.getByRole('region', { name: 'Trusted devices' });
const deviceItems = (p: Page = page) => devicesRegion(p).getByRole('listitem');

async function openSignedIn(user: string, options: { url?: string } = {}): Promise<void> {
  ({ page, watch } = await suite.openPage(options));
  await signInAsDeveloper(page, user);
  await checkRegion(page).waitFor({ timeout: STATE_TIMEOUT_MS });
}

/** Ticks "Remember this device", passes the check with the current code, and waits for the card to list the device. */
async function trustThisDevice(account: Enrolled, atMs: number): Promise<void> {
  await setClocks(atMs);
  await rememberBox().check();
  await expectAnnouncement(page, () => submitCheckCode(page, totpAt(account.secret, atMs)), 'Approved: this code would sign you in. This device is now trusted for 30 days.');
  await devicesRegion().getByText('This device').waitFor({ timeout: STATE_TIMEOUT_MS });
}

const heldToken = async (): Promise<string | null> => (await page.evaluate(`window.localStorage.getItem(${JSON.stringify(STORAGE_KEY)})`)) as string | null;

/** Chromium's console notes on the refusals these tests provoke on purpose (403 device_not_trusted) are expected. */
const unexpectedErrors = (): string[] => watch.errors.filter((line) => !/status of 403\b/.test(line));

test('the box is unticked and says what it means; rememberDevice is sent only when ticked; after a reload the device signs in without a code, and once forgotten a code is needed again', async () => {
  const account = await enrollOverHttp('tara');
  await openSignedIn('tara');
  const challenges = bodiesTo('create-challenge');
  await expect(rememberBox().isChecked()).resolves.toBe(false);
  await expect(rememberBox().getAttribute('aria-describedby').then((id) => page.locator(`[id="${id}"]`).textContent())).resolves.toBe(
    'Then signing in here needs no code. Never on a shared computer: whoever uses it next could sign in.',
  );
  // Nothing held yet: no offer, and the card says so.
  await devicesRegion().getByText('No device is trusted.').waitFor({ timeout: STATE_TIMEOUT_MS });
  await expect(deviceButton().isVisible()).resolves.toBe(false);

  // Unticked: an approval and nothing more, and no rememberDevice in the request.
  await setClocks(T0 + STEP_MS);
  await expectAnnouncement(page, () => submitCheckCode(page, totpAt(account.secret, T0 + STEP_MS)), 'Approved: this code would sign you in.');
  await expect(deviceButton().isVisible()).resolves.toBe(false);
  await expect(heldToken()).resolves.toBeNull();

  await trustThisDevice(account, T0 + 2 * STEP_MS);
  expect(challenges).toEqual([{ code: totpAt(account.secret, T0 + STEP_MS) }, { code: totpAt(account.secret, T0 + 2 * STEP_MS), rememberDevice: true }]);
  await expect(rememberBox().isChecked()).resolves.toBe(false);
  await expect(deviceButton().isVisible()).resolves.toBe(true);
  await expect(deviceItems().count()).resolves.toBe(1);
  await expect(deviceItems().first().locator('.factor-label').textContent()).resolves.toMatch(DEVICE_NAME);
  await expect(deviceItems().first().innerText()).resolves.toMatch(/This device\s+Trusted Jan 15, 2030, last used today, 9:01 AM/);

  // A reload (a new visit, the dev sign-in again): the held device is offered, and it signs in with no code.
  await page.reload();
  await signInAsDeveloper(page, 'tara');
  await deviceButton().waitFor({ timeout: STATE_TIMEOUT_MS });
  const later = T0 + 3 * STEP_MS;
  await setClocks(later);
  const sent = suite.stack.requests.length;
  await expectAnnouncement(page, () => deviceButton().click(), 'Approved: this trusted device would sign you in without a code.');
  expect(suite.stack.requests.slice(sent).filter((line) => line.startsWith('POST /check-device') || line.startsWith('POST /create-challenge'))).toEqual(['POST /check-device 200']);
  await expect(deviceItems().first().innerText()).resolves.toMatch(/last used today, 9:01 AM/);
  expect(await activityLines(page)).toEqual(
    expect.arrayContaining(['Signed in with a trusted device · today, 9:01 AM', 'Device trusted: signing in there needs no code · today, 9:01 AM']),
  );
  await saveStep(page, 'devices-signed-in');

  // Forget, confirmed first: the card empties, the offer goes, the token leaves storage.
  const item = deviceItems().first();
  await item.getByRole('button', { name: /^Forget Unknown browser on / }).click();
  await expect(item.getByText(/^Forget “Unknown browser on \w+”\? Signing in there asks for a code again\.$/).isVisible()).resolves.toBe(true);
  await expectAnnouncement(page, () => item.getByRole('button', { name: 'Forget', exact: true }).click(), /^Forgot “Unknown browser on \w+”\.$/);
  await devicesRegion().getByText('No device is trusted.').waitFor({ timeout: STATE_TIMEOUT_MS });
  await expect(deviceButton().isVisible()).resolves.toBe(false);
  await expect(heldToken()).resolves.toBeNull();
  expect((await activityLines(page))[0]).toBe('Trusted device forgotten · today, 9:01 AM');

  // The next visit asks for a code.
  await page.reload();
  await signInAsDeveloper(page, 'tara');
  await checkRegion(page).getByRole('textbox', { name: 'Code', exact: true }).waitFor({ timeout: STATE_TIMEOUT_MS });
  await devicesRegion().getByText('No device is trusted.').waitFor({ timeout: STATE_TIMEOUT_MS });
  await expect(deviceButton().isVisible()).resolves.toBe(false);
  expect(unexpectedErrors()).toEqual([]);
});

test('Forget all, confirmed first, forgets this device and the others; Cancel keeps them', async () => {
  const account = await enrollOverHttp('uma');
  // Another device, trusted over HTTP with its own code.
  await suite.stack.setClock(T0 + STEP_MS);
  const elsewhere = await account.post('create-challenge', { code: totpAt(account.secret, T0 + STEP_MS), rememberDevice: true });
  expect(elsewhere.status).toBe(200);
  await openSignedIn('uma');
  await trustThisDevice(account, T0 + 2 * STEP_MS);
  await expect(deviceItems().count()).resolves.toBe(2);
  // Newest first: this one, marked; the other is not.
  await expect(deviceItems().nth(0).getByText('This device').isVisible()).resolves.toBe(true);
  await expect(deviceItems().nth(1).getByText('This device').isVisible()).resolves.toBe(false);

  await devicesRegion().getByRole('button', { name: 'Forget all' }).click();
  await expect(devicesRegion().getByText('Forget every trusted device? Each asks for a code again.').isVisible()).resolves.toBe(true);
  await devicesRegion().getByRole('button', { name: 'Cancel' }).click();
  await expect(deviceItems().count()).resolves.toBe(2);

  await devicesRegion().getByRole('button', { name: 'Forget all' }).click();
  await expectAnnouncement(page, () => devicesRegion().getByRole('button', { name: 'Forget all' }).click(), 'Every trusted device is forgotten.');
  await devicesRegion().getByText('No device is trusted.').waitFor({ timeout: STATE_TIMEOUT_MS });
  await expect(devicesRegion().getByRole('button', { name: 'Forget all' }).isVisible()).resolves.toBe(false);
  await expect(deviceButton().isVisible()).resolves.toBe(false);
  await expect(heldToken()).resolves.toBeNull();
  expect((await activityLines(page))[0]).toBe('2 trusted devices forgotten · today, 9:01 AM');
  expect(unexpectedErrors()).toEqual([]);
});

test('a token forgotten elsewhere is refused: dropped, with the message that a code is needed, and the focus in the code field', async () => {
  const account = await enrollOverHttp('vic');
  await openSignedIn('vic');
  await trustThisDevice(account, T0 + STEP_MS);
  // Forgotten from another device while this page is open.
  expect((await account.post('forget-device', { all: true })).status).toBe(200);
  await expectAnnouncement(page, () => deviceButton().click(), 'This device is no longer trusted. Enter a code from your app.');
  await expect(checkRegion(page).locator('#check-result').textContent()).resolves.toBe('Not approved');
  await expect(deviceButton().isVisible()).resolves.toBe(false);
  await expect(heldToken()).resolves.toBeNull();
  await expect(page.evaluate('document.activeElement && document.activeElement.id')).resolves.toBe('check-code');
  // A code still works, and the card shows what is left.
  await setClocks(T0 + 2 * STEP_MS);
  await expectAnnouncement(page, () => submitCheckCode(page, totpAt(account.secret, T0 + 2 * STEP_MS)), 'Approved: this code would sign you in.');
  await devicesRegion().getByText('No device is trusted.').waitFor({ timeout: STATE_TIMEOUT_MS });
});

test('a device trusted 30 days ago is refused on the emulator clock, and dropped', async () => {
  const account = await enrollOverHttp('wes');
  await openSignedIn('wes');
  await trustThisDevice(account, T0 + STEP_MS);
  // The day before it expires it still signs in; 30 days after it was trusted, it no longer does.
  await setClocks(T0 + STEP_MS + 29 * DAY_MS);
  await expectAnnouncement(page, () => deviceButton().click(), 'Approved: this trusted device would sign you in without a code.');
  await setClocks(T0 + STEP_MS + 30 * DAY_MS);
  await expectAnnouncement(page, () => deviceButton().click(), 'This device is no longer trusted. Enter a code from your app.');
  await expect(heldToken()).resolves.toBeNull();
  expect(unexpectedErrors()).toEqual([]);
});

test('the recovery-code form has its own box: a lost-phone sign-in that ticks it trusts this device, and one that does not drops the device held before', async () => {
  const account = await enrollOverHttp('xia');
  await openSignedIn('xia');
  const recoveries = bodiesTo('use-recovery-code');
  await trustThisDevice(account, T0 + STEP_MS);
  const check = checkRegion(page);
  await check.getByRole('button', { name: 'Lost your phone? Use a recovery code' }).click();
  const recoveryBox = check.getByRole('checkbox', { name: 'Remember this device for 30 days' }).nth(1);
  await expect(recoveryBox.isChecked()).resolves.toBe(false);

  // Unticked: the kit forgets every device trusted before (a lost phone), this one's too.
  const field = check.getByRole('textbox', { name: 'Recovery code', exact: true });
  await field.fill(account.recoveryCodes[0] ?? '');
  await expectAnnouncement(page, () => check.getByRole('button', { name: 'Sign in with recovery code' }).click(), /^Approved: this recovery code would sign you in\. It is used up now\. 9 unused recovery codes left\.$/);
  await devicesRegion().getByText('No device is trusted.').waitFor({ timeout: STATE_TIMEOUT_MS });
  await expect(deviceButton().isVisible()).resolves.toBe(false);
  await expect(heldToken()).resolves.toBeNull();

  // Ticked: this device is trusted again.
  await recoveryBox.check();
  await field.fill(account.recoveryCodes[1] ?? '');
  await expectAnnouncement(page, () => check.getByRole('button', { name: 'Sign in with recovery code' }).click(), /8 unused recovery codes left\. This device is now trusted for 30 days\.$/);
  await devicesRegion().getByText('This device').waitFor({ timeout: STATE_TIMEOUT_MS });
  await expect(deviceButton().isVisible()).resolves.toBe(true);
  expect(recoveries).toEqual([{ code: account.recoveryCodes[0] }, { code: account.recoveryCodes[1], rememberDevice: true }]);
});

describe.each(['light', 'dark'] as const)('in the %s colour scheme', (colorScheme) => {
  test('axe-core finds nothing with both boxes, the offer and the card showing; the page fits 375 px', async () => {
    const account = await enrollOverHttp(`axe-devices-${colorScheme}`);
    ({ page, watch } = await suite.openPage({ colorScheme }));
    await signInAsDeveloper(page, `axe-devices-${colorScheme}`);
    await trustThisDevice(account, T0 + STEP_MS);
    await checkRegion(page).getByRole('button', { name: 'Lost your phone? Use a recovery code' }).click();
    await deviceItems().first().getByRole('button', { name: /^Forget / }).click();
    await devicesRegion().getByRole('button', { name: 'Forget all' }).click();
    expect(await axeViolations(page)).toEqual([]);
    expect(await overflowsWidth(page)).toBe(false);
    await saveStep(page, `devices-${colorScheme}`);
  });
});

test('in Arabic the boxes, the offer and the card are the catalog\'s words, right to left, and fit 375 px', async () => {
  const account = await enrollOverHttp('axe-devices-ar');
  ({ page, watch } = await suite.openPage({ url: `${suite.stack.pageUrl}?lang=ar` }));
  await page.getByRole('button', { name: ar['devSignIn.submit'] }).waitFor({ timeout: STATE_TIMEOUT_MS });
  await page.getByLabel(ar['devSignIn.user']).fill('axe-devices-ar');
  await page.getByRole('button', { name: ar['devSignIn.submit'] }).click();
  const check = page.getByRole('region', { name: ar['check.title'] });
  await setClocks(T0 + STEP_MS);
  // The number of days as Chromium's Intl writes it in Arabic (its digits are its own choice).
  const box = check.getByRole('checkbox', { name: new RegExp(`^${ar['devices.remember'].replace('{days}', '')}`) });
  await box.check();
  await check.getByRole('textbox', { name: ar['code.label'], exact: true }).fill(totpAt(account.secret, T0 + STEP_MS));
  await check.getByRole('button', { name: ar['check.submit'] }).click();
  await check.getByRole('button', { name: ar['devices.signIn'] }).waitFor({ timeout: STATE_TIMEOUT_MS });
  const card = page.getByRole('region', { name: ar['devices.title'] });
  await card.getByText(ar['devices.thisDevice']).waitFor({ timeout: STATE_TIMEOUT_MS });
  await expect(card.getByRole('listitem').first().locator('.factor-label').textContent()).resolves.toMatch(/^متصفح غير معروف على \w+$/);
  await expect(page.evaluate('document.documentElement.dir')).resolves.toBe('rtl');
  // Right to left: the box sits to the right of its label.
  const [boxAt, labelAt] = await Promise.all([box.boundingBox(), check.locator('label[for="check-remember"]').boundingBox()]);
  expect((boxAt?.x ?? 0) > (labelAt?.x ?? 0)).toBe(true);
  expect(await axeViolations(page)).toEqual([]);
  expect(await overflowsWidth(page)).toBe(false);
  await saveStep(page, 'lang-ar-devices');
});
