// Non-default TOTP settings and refused tokens: the page follows the factor's digits and period, and a token the
// Functions refuse ends the session instead of leaving a broken page.
import type { Page } from 'playwright-core';
import { saveStep } from './support/artifacts';
import {
  checkRegion,
  expectAnnouncement,
  liveRegion,
  scanQrCode,
  setupRegion,
  signInAsDeveloper,
  startSetUp,
  STATE_TIMEOUT_MS,
  submitCheckCode,
  verifyAndSaveCodes,
} from './support/person';
import { T0, useBrowserSuite } from './support/session';
import { codeAt } from './support/totp';
import type { PageWatch } from './support/watch';

jest.setTimeout(120_000);

// Each test opens its page itself: the first changes the TOTP settings before the page loads.
const suite = useBrowserSuite();
let page: Page;
let watch: PageWatch;

test('8-digit codes every 20 s: the page names the settings and follows them', async () => {
  await suite.stack.setTotpSettings({ codeLength: 8, timeStep: 20 });
  ({ page, watch } = await suite.openPage());
  await signInAsDeveloper(page, 'octavia');
  await startSetUp(page, 'octavia@example.com');
  const account = await scanQrCode(page);
  expect(account).toMatchObject({ digits: 8, period: 20 });

  const setup = setupRegion(page);
  await setup.getByText('If you type the key by hand, choose these settings in your app: 8 digits and a new code every 20 seconds.').waitFor({ timeout: STATE_TIMEOUT_MS });
  await setup.getByText('Enter the 8-digit code your app shows for this account.').waitFor({ timeout: STATE_TIMEOUT_MS });
  // 10 s into a 20 s step.
  await setup.getByText('The code changes in 10 seconds.').waitFor({ timeout: STATE_TIMEOUT_MS });
  const codeField = setup.getByRole('textbox', { name: 'Code', exact: true });
  await codeField.fill('1234 5678 90');
  await expect(codeField.inputValue()).resolves.toBe('12345678');
  await saveStep(page, '30-non-default-settings');

  await verifyAndSaveCodes(page, codeAt(account, T0));
  const nextStep = T0 + 20_000;
  await suite.stack.setClock(nextStep);
  await page.clock.setFixedTime(nextStep);
  await checkRegion(page).getByText('The code changes in 10 seconds.').waitFor({ timeout: STATE_TIMEOUT_MS });
  await expectAnnouncement(page, () => submitCheckCode(page, codeAt(account, nextStep)), /Approved/);

  expect(watch.foreignRequests).toEqual([]);
  expect(watch.errors).toEqual([]);
});

test('a token the Functions refuse ends the session and offers the sign-in again', async () => {
  ({ page, watch } = await suite.openPage({ url: `${suite.stack.pageUrl}#token=not-a-valid-token` }));
  await liveRegion(page).getByText('Your session has ended. Sign in again.').waitFor({ timeout: STATE_TIMEOUT_MS });
  await page.getByLabel('User name').waitFor({ timeout: STATE_TIMEOUT_MS });
  expect(page.url()).toBe(suite.stack.pageUrl);
  await saveStep(page, '31-session-ended');

  expect(watch.foreignRequests).toEqual([]);
  // Chromium notes the refused call's 401 in the console; nothing else may appear there.
  expect(watch.errors.filter((line) => !/status of 401\b/.test(line))).toEqual([]);
});
