// A person enrolls on the real page in Chromium against the local stack: QR scan, first code, sign-in check, delete.
import type { BrowserContext, Page } from 'playwright-core';
import { saveStep } from './support/artifacts';
import { describeFocus } from './support/keyboard';
import {
  activityLines,
  checkRegion,
  expectAnnouncement,
  factorsRegion,
  isOnScreen,
  liveRegion,
  recoveryRegion,
  scanQrCode,
  setupRegion,
  signInAsDeveloper,
  startSetUp,
  STATE_TIMEOUT_MS,
  submitCheckCode,
  submitVerificationCode,
  verifyAndSaveCodes,
} from './support/person';
import { T0, useBrowserSuite } from './support/session';
import { codeAt, wrongCodeAt, type ScannedAccount } from './support/totp';
import type { PageWatch } from './support/watch';

jest.setTimeout(120_000);

const STEP_MS = 30_000;

const suite = useBrowserSuite();
let context: BrowserContext;
let page: Page;
let watch: PageWatch;

beforeEach(async () => {
  ({ context, page, watch } = await suite.openPage());
});

/** Enrolls `user` up to the QR code and returns what the "authenticator app" scanned. */
async function setUpAs(user: string, label: string): Promise<ScannedAccount> {
  await signInAsDeveloper(page, user);
  await startSetUp(page, label);
  return scanQrCode(page);
}

/** The first code, then the recovery codes put away: until then the save step is the only card on the page. */
async function verifyWith(code: string): Promise<void> {
  await verifyAndSaveCodes(page, code);
}

test('a person scans the QR code, verifies the first code and passes a sign-in check', async () => {
  await saveStep(page, '01-sign-in');
  await signInAsDeveloper(page, 'ada');
  await saveStep(page, '02-signed-in');

  await startSetUp(page, 'ada@example.com');
  const screenshot = await saveStep(page, '03-qr-code');
  const account = await scanQrCode(page, screenshot);
  expect(account.label).toContain('ada@example.com');
  expect(account).toMatchObject({ algorithm: 'sha1', digits: 6, period: 30 });

  // The key for manual entry is the scanned secret, in blocks of four.
  const setup = setupRegion(page);
  const shownKey = await setup.locator('code').textContent();
  expect(shownKey?.split(' ').every((block) => block.length <= 4)).toBe(true);
  expect(shownKey?.replace(/ /g, '')).toBe(account.secret);
  await expect(setup.getByRole('link', { name: 'Open in authenticator app' }).getAttribute('href')).resolves.toMatch(/^otpauth:\/\/totp\//);
  // Default settings (SHA1, 6 digits, 30 s) need no note.
  expect(await setup.getByText(/choose these settings/).count()).toBe(0);
  // 10 s into the step, 20 s remain.
  await expect(setup.getByText('The code changes in 20 seconds.').count()).resolves.toBe(1);

  const codeField = setup.getByRole('textbox', { name: 'Code', exact: true });
  await expect(codeField.getAttribute('inputmode')).resolves.toBe('numeric');
  await expect(codeField.getAttribute('autocomplete')).resolves.toBe('one-time-code');
  await expect(codeField.getAttribute('pattern')).resolves.toBe('[0-9]{6}');
  // Letters and spaces never stay in the field, and the code length caps what is kept.
  await codeField.fill('12 34ab56');
  await expect(codeField.inputValue()).resolves.toBe('123456');
  await codeField.fill('123 456 789');
  await expect(codeField.inputValue()).resolves.toBe('123456');

  await expectAnnouncement(
    page,
    () => submitVerificationCode(page, wrongCodeAt(account, T0)),
    /That code did not match/,
  );
  await expect(codeField.getAttribute('aria-invalid')).resolves.toBe('true');
  await saveStep(page, '04-wrong-code');

  await verifyWith(codeAt(account, T0));
  await saveStep(page, '05-verified');

  // After verification the secret, the link and the QR code are gone from the page, not merely hidden.
  const html = await page.content();
  expect(html).not.toContain(account.secret);
  expect(html).not.toContain(account.secret.slice(0, 4) + ' ' + account.secret.slice(4, 8));
  expect(html).not.toContain('otpauth://');
  expect(await page.getByRole('img', { name: 'QR code for your authenticator app' }).count()).toBe(0);

  const listed = factorsRegion(page).getByRole('listitem').filter({ hasText: 'ada@example.com' });
  await listed.getByText('Verified').waitFor({ timeout: STATE_TIMEOUT_MS });
  await listed.getByText('Added Jan 15, 2030').waitFor({ timeout: STATE_TIMEOUT_MS });

  // The next step: a new code (RFC 6238 §5.2 forbids accepting the verified step's code a second time).
  const nextStep = T0 + STEP_MS;
  await suite.stack.setClock(nextStep);
  await page.clock.setFixedTime(nextStep);

  await expectAnnouncement(page, () => submitCheckCode(page, wrongCodeAt(account, nextStep)), /Not approved/);
  await checkRegion(page).getByText('Not approved', { exact: true }).waitFor({ timeout: STATE_TIMEOUT_MS });
  // The answer shows by the card just used, on screen at 375 px, and the field keeps the focus for the next try.
  const answer = checkRegion(page).getByRole('status').getByText(/^Not approved: that code did not match/);
  await expect(isOnScreen(page, answer)).resolves.toBe(true);
  await expect(describeFocus(page)).resolves.toBe('textbox:Code');
  await saveStep(page, '06-check-not-approved');

  await expectAnnouncement(page, () => submitCheckCode(page, codeAt(account, nextStep)), /Approved/);
  await checkRegion(page).getByText('Approved', { exact: true }).waitFor({ timeout: STATE_TIMEOUT_MS });
  await saveStep(page, '07-check-approved');

  expect(watch.foreignRequests).toEqual([]);
  expect(watch.errors).toEqual([]);
});

test('the code just used is never sent again: each code field asks to wait for the next one, and the next one passes', async () => {
  const account = await setUpAs('joan', 'joan phone');
  await verifyAndSaveCodes(page, codeAt(account, T0));
  const sent: string[] = [];
  page.on('request', (request) => sent.push(new URL(request.url()).pathname));
  const check = checkRegion(page);
  // Right after set-up the app still shows the code that verified it: the check's countdown says to wait.
  const wait = 'The current code was just used. Wait for the next one: it comes in 20 seconds.';
  await check.getByText(wait, { exact: true }).waitFor({ timeout: STATE_TIMEOUT_MS });
  await saveStep(page, '06-check-waits-for-next-code');

  // Typed anyway: answered on the page, nothing sent, so no wrong code counts towards the lock or shows in the trail.
  await expectAnnouncement(page, () => submitCheckCode(page, codeAt(account, T0)), wait);
  expect(await check.getByText('Not approved', { exact: true }).count()).toBe(0);
  const card = recoveryRegion(page);
  await card.getByRole('button', { name: 'Generate new codes' }).click();
  await card.getByText(wait, { exact: true }).waitFor({ timeout: STATE_TIMEOUT_MS });
  await card.getByRole('textbox', { name: 'Code', exact: true }).fill(codeAt(account, T0));
  await expectAnnouncement(page, () => card.getByRole('button', { name: 'Replace my recovery codes' }).click(), wait);
  await card.getByRole('button', { name: 'Cancel' }).click();
  const item = factorsRegion(page).getByRole('listitem').filter({ hasText: 'joan phone' });
  await item.getByRole('button', { name: 'Delete joan phone' }).click();
  await item.getByText(wait, { exact: true }).waitFor({ timeout: STATE_TIMEOUT_MS });
  await item.getByRole('textbox', { name: 'Code', exact: true }).fill(codeAt(account, T0));
  await expectAnnouncement(page, () => item.getByRole('button', { name: 'Delete authenticator' }).click(), wait);
  await item.getByRole('button', { name: 'Cancel' }).click();
  expect(sent.filter((path) => path !== '/list-activity' && path !== '/list-factors')).toEqual([]);
  expect((await activityLines(page)).some((line) => /wrong|already used/i.test(line))).toBe(false);

  // The next step's code is checked as usual, and is then the one to wait out.
  const nextStep = T0 + STEP_MS;
  await suite.stack.setClock(nextStep);
  await page.clock.setFixedTime(nextStep);
  await check.getByText('The code changes in 20 seconds.', { exact: true }).waitFor({ timeout: STATE_TIMEOUT_MS });
  await expectAnnouncement(page, () => submitCheckCode(page, codeAt(account, nextStep)), /^Approved/);
  await check.getByText(wait, { exact: true }).waitFor({ timeout: STATE_TIMEOUT_MS });
  await expectAnnouncement(page, () => submitCheckCode(page, codeAt(account, nextStep)), wait);
  expect(sent.filter((path) => path === '/create-challenge')).toHaveLength(1);

  expect(watch.foreignRequests).toEqual([]);
  expect(watch.errors).toEqual([]);
});

/** The QR code as drawn: CSS pixels per module (the viewBox counts modules, quiet zone included). */
const QR_MODULE_PIXELS = `(() => {
  const qr = document.querySelector('.qr-image');
  return qr.getBoundingClientRect().width / qr.viewBox.baseVal.width;
})()`;

test('at 1280 px the QR code is drawn larger, still in whole pixels per module, and scans', async () => {
  ({ page, watch } = await suite.openPage({ width: 1280 }));
  await setUpAs('mary', 'mary@example.com');
  await expect(page.evaluate(QR_MODULE_PIXELS)).resolves.toBe(6);
  const account = await scanQrCode(page, await saveStep(page, '03-qr-code-1280'));
  expect(account.label).toContain('mary@example.com');
  // On a phone it stays at 4 px per module, which fits 375 px.
  await page.setViewportSize({ width: 375, height: 812 });
  await expect(page.evaluate(QR_MODULE_PIXELS)).resolves.toBe(4);
  expect(watch.errors).toEqual([]);
});

test('the Copy button puts the key on the clipboard and says so', async () => {
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: suite.stack.origin });
  const account = await setUpAs('grace', 'grace@example.com');

  await expectAnnouncement(page, () => setupRegion(page).getByRole('button', { name: 'Copy key' }).click(), 'Key copied to the clipboard.');
  await expect(page.evaluate('navigator.clipboard.readText()')).resolves.toBe(account.secret);
  await saveStep(page, '08-key-copied');

  expect(watch.foreignRequests).toEqual([]);
  expect(watch.errors).toEqual([]);
});

test('deleting a verified authenticator asks for a current code', async () => {
  const account = await setUpAs('linus', 'linus phone');
  await verifyWith(codeAt(account, T0));
  const nextStep = T0 + STEP_MS;
  await suite.stack.setClock(nextStep);
  await page.clock.setFixedTime(nextStep);

  const item = factorsRegion(page).getByRole('listitem').filter({ hasText: 'linus phone' });
  await item.getByRole('button', { name: 'Delete linus phone' }).click();
  const codeField = item.getByRole('textbox', { name: 'Code', exact: true });
  await codeField.waitFor({ timeout: STATE_TIMEOUT_MS });
  await expect(describeFocus(page)).resolves.toBe('textbox:Code');
  // The countdown every code field has, read with the field.
  await item.getByText('The code changes in 20 seconds.', { exact: true }).waitFor({ timeout: STATE_TIMEOUT_MS });
  await expect(codeField.getAttribute('aria-describedby').then((ids) => page.locator(`[id="${ids?.split(' ')[1]}"]`).textContent())).resolves.toBe('The code changes in 20 seconds.');
  await saveStep(page, '09-delete-asks-for-code');

  // A wrong code is refused (403 invalid_code) and the authenticator stays.
  await codeField.fill(wrongCodeAt(account, nextStep));
  await expectAnnouncement(page, () => item.getByRole('button', { name: 'Delete authenticator' }).click(), 'That code is not valid.');
  await expect(codeField.getAttribute('aria-invalid')).resolves.toBe('true');
  await expect(item.getByText('Verified').isVisible()).resolves.toBe(true);

  await codeField.fill(codeAt(account, nextStep));
  await expectAnnouncement(page, () => item.getByRole('button', { name: 'Delete authenticator' }).click(), 'Deleted “linus phone”.');
  await factorsRegion(page).getByText('No authenticator is set up yet.').waitFor({ timeout: STATE_TIMEOUT_MS });
  // On a phone the result is in view, in the card just used, with the focus on that card's heading.
  const result = factorsRegion(page).getByRole('status').getByText('Deleted “linus phone”.');
  await expect(isOnScreen(page, result)).resolves.toBe(true);
  await expect(describeFocus(page)).resolves.toBe('h2:Your authenticators');
  expect(await liveRegion(page).locator('p').count()).toBe(1);
  await expect(checkRegion(page).isHidden()).resolves.toBe(true);
  await saveStep(page, '10-deleted');

  expect(watch.foreignRequests).toEqual([]);
  // Chromium notes the refused attempt's 403 in the console; nothing else may appear there.
  expect(watch.errors.filter((line) => !/status of 403\b/.test(line))).toEqual([]);
});

test('an unverified authenticator is deleted without a code, and its QR code goes with it', async () => {
  await setUpAs('barbara', 'old tablet');
  // During the set-up Verify is the one primary action: no second "Set up authenticator" beside it.
  const setUp = setupRegion(page).getByRole('button', { name: 'Set up authenticator' });
  expect(await setUp.count()).toBe(0);
  const item = factorsRegion(page).getByRole('listitem').filter({ hasText: 'old tablet' });
  await item.getByText('Not verified yet').waitFor({ timeout: STATE_TIMEOUT_MS });
  await item.getByRole('button', { name: 'Delete old tablet' }).click();
  expect(await item.getByRole('textbox', { name: 'Code', exact: true }).count()).toBe(0);
  await expectAnnouncement(page, () => item.getByRole('button', { name: 'Delete authenticator' }).click(), 'Deleted “old tablet”.');
  expect(await page.getByRole('img', { name: 'QR code for your authenticator app' }).count()).toBe(0);
  // Deleting it is how to start over: the set-up form is back.
  await setUp.waitFor({ timeout: STATE_TIMEOUT_MS });

  expect(watch.foreignRequests).toEqual([]);
  expect(watch.errors).toEqual([]);
});
