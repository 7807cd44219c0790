// The kit's lock on the page: 5 wrong codes in a row lock code checks; the page announces it once, counts the wait
// down in a timer, sends nothing while locked (even the right code), says when the lock is over, and then the right
// code works. The browser clock is Playwright's fake clock; the kit's and Verify's is the stack's.
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
  verifyAndSaveCodes,
} from './support/person';
import { T0, useBrowserSuite } from './support/session';
import { codeAt, wrongCodeAt } from './support/totp';
import type { PageWatch } from './support/watch';

jest.setTimeout(180_000);

const suite = useBrowserSuite();
let page: Page;
let watch: PageWatch;
/** Requests the page sent to each endpoint, by path. */
let sent: string[];

beforeEach(async () => {
  // A paused fake clock that the test moves: the countdown's seconds pass when the test says so.
  ({ page, watch } = await suite.openPage({ pinClock: false, beforeGoto: (opened) => opened.clock.install({ time: T0 }) }));
  await page.clock.pauseAt(T0 + 2000);
  sent = [];
  page.on('request', (request) => sent.push(new URL(request.url()).pathname));
});

beforeEach(() => {
  // The Functions run in this process; a lock's one log line is expected here, not news.
  jest.spyOn(console, 'error').mockImplementation(() => undefined);
});
afterEach(() => {
  jest.restoreAllMocks();
});

/** Console errors other than Chromium's note on the expected 429 answers ("Failed to load resource: … 429"). */
function unexpectedErrors(): string[] {
  return watch.errors.filter((line) => !/status of 429\b/.test(line));
}

function timer(page: Page): ReturnType<Page['getByRole']> {
  return page.getByRole('timer');
}

test('repeated wrong sign-in codes lock the check: one announcement, a countdown, no request while locked, then the right code works', async () => {
  await signInAsDeveloper(page, 'eve');
  await startSetUp(page, 'eve@example.com');
  const account = await scanQrCode(page);
  await verifyAndSaveCodes(page, codeAt(account, T0));
  const checkAt = T0 + 30_000;
  await suite.stack.setClock(checkAt);
  await page.clock.pauseAt(checkAt);
  const wrong = wrongCodeAt(account, checkAt);

  for (let i = 0; i < 4; i += 1) await expectAnnouncement(page, () => submitCheckCode(page, wrong), /^Not approved/);
  const answer = page.waitForResponse((response) => response.url().endsWith('/create-challenge'));
  // The page turns the wait into a time on the person's clock (UTC here), written as everywhere on the page: 9:01 AM.
  const retryClock = new Date(checkAt + 60_000).toISOString().slice(12, 16).concat('\\sAM');
  await expectAnnouncement(page, () => submitCheckCode(page, wrong), new RegExp(`^Locked: too many wrong codes\\. Try again in 60 seconds \\(at ${retryClock}`));
  expect([(await answer).status(), (await answer).headers()['retry-after']]).toEqual([429, '60']);
  await checkRegion(page).getByText('Locked', { exact: true }).waitFor({ timeout: STATE_TIMEOUT_MS });
  await timer(page).getByText('Code checks are locked. Try again in 1 min.').waitFor({ timeout: STATE_TIMEOUT_MS });
  expect(await checkRegion(page).getByRole('button', { name: 'Check' }).getAttribute('aria-disabled')).toBe('true');
  await saveStep(page, '12-check-locked');

  // Half-way: the timer has counted down, and the live region still holds the one announcement (not one per second).
  const announced = await liveRegion(page).locator('p').elementHandle();
  // The timer wakes just after each whole second of the wait (here 30 000 ms + 20 ms).
  await page.clock.runFor(30_100);
  await timer(page).getByText('Code checks are locked. Try again in 30 sec.').waitFor({ timeout: STATE_TIMEOUT_MS });
  expect(await announced?.isVisible()).toBe(true);

  // Even the right code is not sent while locked; the page says how long is left.
  const checksSent = sent.filter((path) => path.endsWith('/create-challenge')).length;
  // The button is aria-disabled (Playwright will not click it); Enter in the field still submits, as a person might.
  const field = checkRegion(page).getByRole('textbox', { name: 'Code', exact: true });
  await expectAnnouncement(
    page,
    async () => {
      await field.fill(codeAt(account, checkAt));
      await field.press('Enter');
    },
    /^Still locked: try again in 30 sec\./,
  );
  expect(sent.filter((path) => path.endsWith('/create-challenge')).length).toBe(checksSent);

  await expectAnnouncement(page, () => page.clock.runFor(30_000), 'The lock has ended: you can enter a code again.');
  expect(await timer(page).count()).toBe(0);
  expect(await checkRegion(page).getByRole('button', { name: 'Check' }).getAttribute('aria-disabled')).toBeNull();

  await suite.stack.setClock(checkAt + 60_000);
  await expectAnnouncement(page, () => submitCheckCode(page, codeAt(account, checkAt + 60_000)), /^Approved/);
  expect(watch.foreignRequests).toEqual([]);
  expect(unexpectedErrors()).toEqual([]);
});

test('wrong codes during set-up lock it the same way; afterwards a new set-up finishes', async () => {
  await signInAsDeveloper(page, 'mallory');
  await startSetUp(page, 'mallory@example.com');
  const account = await scanQrCode(page);
  const wrong = wrongCodeAt(account, T0);
  for (let i = 0; i < 4; i += 1) await expectAnnouncement(page, () => submitVerificationCode(page, wrong), /did not match/);
  await expectAnnouncement(page, () => submitVerificationCode(page, wrong), /^Locked: too many wrong codes\. Try again in 60 seconds/);
  await timer(page).getByText('Code checks are locked. Try again in 1 min.').waitFor({ timeout: STATE_TIMEOUT_MS });
  expect(await setupRegion(page).getByRole('button', { name: 'Verify' }).getAttribute('aria-disabled')).toBe('true');
  await saveStep(page, '11-set-up-locked');

  await expectAnnouncement(page, () => page.clock.runFor(60_100), 'The lock has ended: you can enter a code again.');
  const after = T0 + 60_000;
  await suite.stack.setClock(after);
  // Verify itself gives an unverified factor 5 wrong codes, then refuses it for good: the page starts over calmly.
  await expectAnnouncement(page, () => submitVerificationCode(page, codeAt(account, after)), /Locked: too many wrong codes\. Choose “Set up authenticator”/);
  await startSetUp(page, 'mallory@example.com');
  const fresh = await scanQrCode(page);
  expect(fresh.secret).not.toBe(account.secret);
  await expectAnnouncement(page, () => submitVerificationCode(page, codeAt(fresh, after)), /authenticator app is set up/);

  expect(watch.foreignRequests).toEqual([]);
  expect(unexpectedErrors()).toEqual([]);
});

test('a second set-up started in another tab while one is under way is announced calmly, and the first one stays', async () => {
  await signInAsDeveloper(page, 'trent');
  await startSetUp(page, 'trent@example.com');
  const account = await scanQrCode(page);
  // While a set-up is under way its page offers no second one: Verify is the one thing to do.
  expect(await setupRegion(page).getByRole('button', { name: 'Set up authenticator' }).count()).toBe(0);
  // Another tab of the same person starts a set-up too: the kit holds the first one for 30 s.
  const { page: other, watch: otherWatch } = await suite.openPage({ pinClock: false, beforeGoto: (opened) => opened.clock.install({ time: T0 }) });
  await other.clock.pauseAt(T0 + 2000);
  await signInAsDeveloper(other, 'trent');
  await expectAnnouncement(
    other,
    () => other.getByRole('button', { name: 'Set up authenticator' }).click(),
    /^A set-up is already under way, perhaps in another tab\. Use that one, or start again: Try again in 30 seconds/,
  );
  expect(await liveRegion(other).locator('.message.info').count()).toBe(1);
  expect(otherWatch.errors.filter((line) => !/status of 409\b/.test(line))).toEqual([]);
  // The QR code of the first set-up is still there, and its code still works.
  await expectAnnouncement(page, () => submitVerificationCode(page, codeAt(account, T0)), /authenticator app is set up/);
  expect(unexpectedErrors()).toEqual([]);
});
