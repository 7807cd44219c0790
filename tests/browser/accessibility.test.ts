// The page for everyone: no axe-core violations, keyboard-only enrollment, a 375 px phone, both colour schemes,
// the strict Content-Security-Policy, and the caller-token hand-over a deployed host app uses.
import type { Page } from 'playwright-core';
import { saveStep } from './support/artifacts';
import { axeViolations as axeViolationsIn, overflowsWidth } from './support/axe';
import { describeFocus, tabTo } from './support/keyboard';
import {
  activityRegion,
  checkRegion,
  expectAnnouncement,
  factorsRegion,
  liveRegion,
  putAwayRecoveryCodes,
  recoveryRegion,
  saveCodesRegion,
  scanQrCode,
  setupRegion,
  shownRecoveryCodes,
  signInAsDeveloper,
  signInWithRecoveryCode,
  startSetUp,
  STATE_TIMEOUT_MS,
  submitCheckCode,
  submitVerificationCode,
} from './support/person';
import { T0, useBrowserSuite } from './support/session';
import { codeAt, wrongCodeAt } from './support/totp';
import type { PageWatch } from './support/watch';

jest.setTimeout(120_000);

const STEP_MS = 30_000;

// Each test opens its page itself, with its own colour scheme, address or routes.
const suite = useBrowserSuite();
let page: Page;
let watch: PageWatch;

const axeViolations = (): Promise<string[]> => axeViolationsIn(page);
const pageOverflowsWidth = (): Promise<boolean> => overflowsWidth(page);

describe.each(['light', 'dark'] as const)('in the %s colour scheme', (colorScheme) => {
  test('axe-core finds no violations at any step, and the page fits a 375 px screen', async () => {
    ({ page, watch } = await suite.openPage({ colorScheme }));
    await page.getByLabel('User name').waitFor({ timeout: STATE_TIMEOUT_MS });
    expect(await axeViolations()).toEqual([]);

    await signInAsDeveloper(page, `axe-${colorScheme}`);
    await startSetUp(page, 'a very long account name for a narrow phone screen@example.com');
    const account = await scanQrCode(page);
    expect(await axeViolations()).toEqual([]);
    expect(await pageOverflowsWidth()).toBe(false);
    await saveStep(page, `20-qr-${colorScheme}`);

    await submitVerificationCode(page, '000');
    await liveRegion(page).getByText(/Enter the 6-digit code/).waitFor({ timeout: STATE_TIMEOUT_MS });
    expect(await axeViolations()).toEqual([]);

    await expectAnnouncement(page, () => submitVerificationCode(page, codeAt(account, T0)), /authenticator app is set up/);
    // The save step, with the recovery codes.
    await saveCodesRegion(page).waitFor({ timeout: STATE_TIMEOUT_MS });
    expect(await axeViolations()).toEqual([]);
    expect(await pageOverflowsWidth()).toBe(false);
    await saveStep(page, `21-save-codes-${colorScheme}`);
    const codes = await shownRecoveryCodes(page);
    await putAwayRecoveryCodes(page);

    // Few codes left (the warning), a wrong code in Recent activity, and every form open: the lost-phone sign-in,
    // a new set, and a delete with a recovery code.
    await suite.stack.useRecoveryCodes(`axe-${colorScheme}`, codes.slice(0, 7));
    await signInWithRecoveryCode(page, codes[7] ?? '', /2 unused recovery codes left/);
    await recoveryRegion(page).getByText(/Almost out of recovery codes/).waitFor({ timeout: STATE_TIMEOUT_MS });
    await expectAnnouncement(page, () => submitCheckCode(page, wrongCodeAt(account, T0)), /^Not approved/);
    await activityRegion(page).getByRole('listitem').first().getByText('Wrong code entered').waitFor({ timeout: STATE_TIMEOUT_MS });
    await recoveryRegion(page).getByRole('button', { name: 'Generate new codes' }).click();
    const item = factorsRegion(page).getByRole('listitem').first();
    await item.getByRole('button', { name: /^Delete/ }).click();
    await item.getByRole('button', { name: 'Lost your phone? Use a recovery code instead' }).click();
    await item.getByRole('textbox', { name: 'Recovery code', exact: true }).waitFor({ timeout: STATE_TIMEOUT_MS });
    expect(await axeViolations()).toEqual([]);
    expect(await pageOverflowsWidth()).toBe(false);
    await saveStep(page, `21-verified-${colorScheme}`);

    expect(watch.foreignRequests).toEqual([]);
    expect(watch.errors).toEqual([]);
  });
});

test('a keyboard alone signs in, sets up, verifies and checks a code', async () => {
  ({ page, watch } = await suite.openPage());
  await tabTo(page, 'textbox:User name');
  await page.keyboard.type('kim');
  await page.keyboard.press('Enter');
  // After sign-in the focus waits in the account-name field.
  await setupRegion(page).waitFor({ timeout: STATE_TIMEOUT_MS });
  await expect(describeFocus(page)).resolves.toBe('textbox:Account name');
  await page.keyboard.type('kim@example.com');
  await page.keyboard.press('Enter');
  await page.getByRole('img', { name: 'QR code for your authenticator app' }).waitFor({ timeout: STATE_TIMEOUT_MS });
  const account = await scanQrCode(page);

  // Focus moves to the new steps; the link, the Copy button and the code field follow in reading order.
  await tabTo(page, 'link:Open in authenticator app');
  await tabTo(page, 'button:Copy key');
  await tabTo(page, 'textbox:Code');
  await page.keyboard.type(codeAt(account, T0));
  await expectAnnouncement(page, () => page.keyboard.press('Enter'), /authenticator app is set up/);
  // Focus moves on to the next thing to do, the recovery codes; the removed set-up never leaves it on the page's body.
  await expect(describeFocus(page)).resolves.toBe('h2:Save your recovery codes');
  const codes = await shownRecoveryCodes(page);
  await tabTo(page, 'button:Copy all');
  await tabTo(page, 'button:Download .txt');
  await tabTo(page, 'button:Print');
  await tabTo(page, 'checkbox:I have saved these codes');
  await page.keyboard.press('Space');
  await tabTo(page, 'button:Done');
  await expectAnnouncement(page, () => page.keyboard.press('Enter'), 'Your recovery codes are no longer shown on this page.');
  await expect(describeFocus(page)).resolves.toBe('h2:Try a sign-in check');

  const nextStep = T0 + STEP_MS;
  await suite.stack.setClock(nextStep);
  await page.clock.setFixedTime(nextStep);
  await tabTo(page, 'textbox:Code');
  await page.keyboard.type(codeAt(account, nextStep));
  await expectAnnouncement(page, () => page.keyboard.press('Enter'), /Approved/);
  await checkRegion(page).getByText('Approved', { exact: true }).waitFor({ timeout: STATE_TIMEOUT_MS });

  // Lost your phone? The recovery-code form opens from the keyboard and takes its focus; the check's "Approved" goes.
  await tabTo(page, 'button:Lost your phone? Use a recovery code');
  await page.keyboard.press('Enter');
  await expect(describeFocus(page)).resolves.toBe('textbox:Recovery code');
  expect(await checkRegion(page).getByText('Approved', { exact: true }).isVisible()).toBe(false);
  await page.keyboard.type(codes[0] ?? '');
  await expectAnnouncement(page, () => page.keyboard.press('Enter'), /^Approved: this recovery code would sign you in/);
  await saveStep(page, '22-keyboard-only');

  expect(watch.foreignRequests).toEqual([]);
  expect(watch.errors).toEqual([]);
});

test('the Content-Security-Policy refuses inline script', async () => {
  ({ page, watch } = await suite.openPage());
  const policy = await page.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute('content');
  expect(policy).toContain("default-src 'self'");
  expect(policy).toContain("script-src 'self'");
  expect(policy).not.toContain('unsafe-inline');
  await expect(page.addScriptTag({ content: 'document.title = "injected"' })).rejects.toThrow(/Content Security Policy/);
  await expect(page.title()).resolves.toBe('Two-step sign-in');
});

test('a host app hands over the caller token in #token=, which leaves the address bar at once', async () => {
  const token = await suite.stack.devToken('host-user');
  ({ page, watch } = await suite.openPage({ url: `${suite.stack.pageUrl}#token=${encodeURIComponent(token)}` }));
  await setupRegion(page).waitFor({ timeout: STATE_TIMEOUT_MS });
  expect(page.url()).toBe(suite.stack.pageUrl);
  expect(await page.evaluate('location.hash')).toBe('');
  // No dev sign-in: the page already has its caller.
  expect(await page.getByLabel('User name').isVisible()).toBe(false);
  await factorsRegion(page).getByText('No authenticator is set up yet.').waitFor({ timeout: STATE_TIMEOUT_MS });

  expect(watch.foreignRequests).toEqual([]);
  expect(watch.errors).toEqual([]);
});

test('without a token and without the dev-only endpoint (a deployed service), the page asks for the host app', async () => {
  // The browser's own motion preference and a running clock: this check needs neither pinned.
  ({ page } = await suite.openPage({
    reducedMotion: 'no-preference',
    pinClock: false,
    // A deployed service has no /__dev/ routes: the probe gets the platform's 404.
    beforeGoto: async (fresh) => {
      await fresh.route('**/__dev/token', (route) => route.fulfill({ status: 404, contentType: 'text/plain', body: 'Not Found' }));
    },
  }));
  await page.getByRole('heading', { name: 'You are not signed in' }).waitFor({ timeout: STATE_TIMEOUT_MS });
  expect(await page.getByLabel('User name').count()).toBe(1);
  expect(await page.getByLabel('User name').isVisible()).toBe(false);
});

test.each([
  ['reduce', 'none'],
  ['no-preference', 'appear'],
] as const)('with prefers-reduced-motion: %s the new steps animate with %s', async (reducedMotion, animation) => {
  ({ page } = await suite.openPage({ reducedMotion, pinClock: false }));
  await signInAsDeveloper(page, `motion-${reducedMotion}`);
  await startSetUp(page, 'motion@example.com');
  await page.getByRole('heading', { name: 'Add the account to your app' }).waitFor({ timeout: STATE_TIMEOUT_MS });
  await expect(page.evaluate("getComputedStyle(document.querySelector('.enrollment')).animationName")).resolves.toBe(animation);
});
