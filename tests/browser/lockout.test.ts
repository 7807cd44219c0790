// Repeated wrong codes lock the factor (the emulator enforces Verify's limits); the page says so and when to retry.
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
  submitVerificationCode,
} from './support/person';
import { T0, useBrowserSuite } from './support/session';
import { codeAt, wrongCodeAt } from './support/totp';
import type { PageWatch } from './support/watch';

jest.setTimeout(180_000);

const STEP_MS = 30_000;
/** Far above Verify's limits (5 wrong codes per factor, 50 challenges per hour): the loop ends on the lock, not here. */
const MAX_TRIES = 80;

const suite = useBrowserSuite();
let page: Page;
let watch: PageWatch;

beforeEach(async () => {
  ({ page, watch } = await suite.openPage());
});

/** Console errors other than Chromium's note on the expected 429 answers ("Failed to load resource: … 429"). */
function unexpectedErrors(): string[] {
  return watch.errors.filter((line) => !/status of 429\b/.test(line));
}

test('too many wrong codes during set-up lock it, and a new set-up starts over', async () => {
  await signInAsDeveloper(page, 'mallory');
  await startSetUp(page, 'mallory@example.com');
  const account = await scanQrCode(page);
  const wrong = wrongCodeAt(account, T0);

  let tries = 0;
  while ((await setupRegion(page).getByRole('textbox', { name: 'Code', exact: true }).count()) > 0 && tries < MAX_TRIES) {
    tries += 1;
    await expectAnnouncement(page, () => submitVerificationCode(page, wrong), /did not match|Locked/);
  }
  await liveRegion(page).getByText(/Locked: too many wrong codes/).waitFor({ timeout: STATE_TIMEOUT_MS });
  expect(tries).toBeGreaterThan(1);
  // The locked set-up is gone with its secret; the person can start again.
  expect(await page.getByRole('img', { name: 'QR code for your authenticator app' }).count()).toBe(0);
  await saveStep(page, '11-set-up-locked');

  await startSetUp(page, 'mallory@example.com');
  const fresh = await scanQrCode(page);
  expect(fresh.secret).not.toBe(account.secret);
  await expectAnnouncement(page, () => submitVerificationCode(page, codeAt(fresh, T0)), /authenticator app is set up/);

  expect(watch.foreignRequests).toEqual([]);
  expect(unexpectedErrors()).toEqual([]);
});

test('repeated wrong sign-in codes show that the factor is locked and when to retry', async () => {
  await signInAsDeveloper(page, 'eve');
  await startSetUp(page, 'eve@example.com');
  const account = await scanQrCode(page);
  await expectAnnouncement(page, () => submitVerificationCode(page, codeAt(account, T0)), /authenticator app is set up/);
  const checkAt = T0 + STEP_MS;
  await suite.stack.setClock(checkAt);
  await page.clock.setFixedTime(checkAt);
  const wrong = wrongCodeAt(account, checkAt);

  let locked: { retryAfter: string | null } | null = null;
  for (let tries = 0; locked === null && tries < MAX_TRIES; tries += 1) {
    const answer = page.waitForResponse((response) => response.url().endsWith('/create-challenge'));
    await expectAnnouncement(page, () => submitCheckCode(page, wrong), /Not approved|Locked/);
    const response = await answer;
    if (response.status() === 429) locked = { retryAfter: response.headers()['retry-after'] ?? null };
  }
  expect(locked).not.toBeNull();
  await checkRegion(page).getByText('Locked', { exact: true }).waitFor({ timeout: STATE_TIMEOUT_MS });

  // The page turns Retry-After into a time on the person's clock (UTC here, pinned at checkAt).
  const retryAfterSeconds = Number(locked?.retryAfter);
  expect(retryAfterSeconds).toBeGreaterThan(0);
  const retryClock = new Date(checkAt + retryAfterSeconds * 1000).toISOString().slice(11, 16);
  await liveRegion(page).getByText(new RegExp(`^Locked: too many sign-in checks.*Try again (in|after) .*${retryClock}`)).waitFor({ timeout: STATE_TIMEOUT_MS });
  await saveStep(page, '12-check-locked');

  // Even the right code is refused while locked.
  await expectAnnouncement(page, () => submitCheckCode(page, codeAt(account, checkAt)), /^Locked: too many sign-in checks/);

  expect(watch.foreignRequests).toEqual([]);
  expect(unexpectedErrors()).toEqual([]);
});
