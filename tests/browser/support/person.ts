// What a person does on the page, step by step, through roles and labels only (no CSS selectors, no page internals).
import type { Locator, Page } from 'playwright-core';
import { decodeQrFromPng } from './qr';
import { parseOtpauthUri, type ScannedAccount } from './totp';

/** Generous: the CI machine has two cores and runs the emulator, the Functions and Chromium at once. */
export const STATE_TIMEOUT_MS = 20_000;

export function setupRegion(page: Page): Locator {
  return page.getByRole('region', { name: 'Set up an authenticator app' });
}

export function checkRegion(page: Page): Locator {
  return page.getByRole('region', { name: 'Try a sign-in check' });
}

export function factorsRegion(page: Page): Locator {
  return page.getByRole('region', { name: 'Your authenticators' });
}

/** The page's status lines (role="status"): one per card and one for the page, with one message on the page at a time. */
export function liveRegion(page: Page): Locator {
  return page.getByRole('status');
}

export async function signInAsDeveloper(page: Page, user: string): Promise<void> {
  await page.getByLabel('User name').fill(user);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await setupRegion(page).waitFor({ timeout: STATE_TIMEOUT_MS });
}

/** Clicks "Set up authenticator" and waits for the QR code. */
export async function startSetUp(page: Page, label: string): Promise<void> {
  await page.getByLabel('Account name').fill(label);
  await page.getByRole('button', { name: 'Set up authenticator' }).click();
  await page.getByRole('img', { name: 'QR code for your authenticator app' }).waitFor({ timeout: STATE_TIMEOUT_MS });
}

/** Scans the QR code from a screenshot of what is on screen, like a phone camera pointed at it. */
export async function scanQrCode(page: Page, screenshot?: Buffer): Promise<ScannedAccount> {
  const qr = page.getByRole('img', { name: 'QR code for your authenticator app' });
  await qr.scrollIntoViewIfNeeded();
  const png = screenshot ?? (await page.screenshot({ animations: 'disabled' }));
  return parseOtpauthUri(decodeQrFromPng(png));
}

export async function submitVerificationCode(page: Page, code: string): Promise<void> {
  await setupRegion(page).getByRole('textbox', { name: 'Code', exact: true }).fill(code);
  await setupRegion(page).getByRole('button', { name: 'Verify' }).click();
}

export async function submitCheckCode(page: Page, code: string): Promise<void> {
  await checkRegion(page).getByRole('textbox', { name: 'Code', exact: true }).fill(code);
  await checkRegion(page).getByRole('button', { name: 'Check' }).click();
}

/**
 * Runs `action` and waits for the status lines' next message to say `text`. The page puts each message in a fresh
 * node, so waiting for the previous one to go first keeps an earlier, identical message from matching.
 */
export async function expectAnnouncement(page: Page, action: () => Promise<void>, text: string | RegExp): Promise<void> {
  const messages = liveRegion(page).locator('p');
  const previous = (await messages.count()) > 0 ? await messages.first().elementHandle() : null;
  await action();
  if (previous !== null) await previous.waitForElementState('hidden', { timeout: STATE_TIMEOUT_MS });
  await liveRegion(page).getByText(text).waitFor({ timeout: STATE_TIMEOUT_MS });
}

/** True when all of `target` is inside the viewport: what a person sees without scrolling. */
export async function isOnScreen(page: Page, target: Locator): Promise<boolean> {
  const box = await target.boundingBox();
  const viewport = page.viewportSize();
  if (box === null || viewport === null) return false;
  return box.x >= 0 && box.y >= 0 && box.x + box.width <= viewport.width && box.y + box.height <= viewport.height;
}

export function saveCodesRegion(page: Page): Locator {
  return page.getByRole('region', { name: 'Save your recovery codes' });
}

export function recoveryRegion(page: Page): Locator {
  return page.getByRole('region', { name: 'Recovery codes', exact: true });
}

export function activityRegion(page: Page): Locator {
  return page.getByRole('region', { name: 'Recent activity' });
}

/** The lines of Recent activity as a person reads them, newest first: "what · when". */
export async function activityLines(page: Page): Promise<string[]> {
  const items = activityRegion(page).getByRole('list').getByRole('listitem');
  return (await items.allInnerTexts()).map((text) => text.replace(/\s*\n+\s*/g, ' · ').trim());
}

/** The recovery codes the save step shows, in order, as a person would copy them off the screen. */
export async function shownRecoveryCodes(page: Page): Promise<string[]> {
  const codes = saveCodesRegion(page).getByRole('listitem');
  await codes.first().waitFor({ timeout: STATE_TIMEOUT_MS });
  return (await codes.allInnerTexts()).map((text) => text.trim());
}

/** Ticks "I have saved these codes" and chooses Done: the save step closes and its codes leave the page. */
export async function putAwayRecoveryCodes(page: Page): Promise<void> {
  await saveCodesRegion(page).getByRole('checkbox', { name: 'I have saved these codes' }).check();
  await expectAnnouncement(
    page,
    () => saveCodesRegion(page).getByRole('button', { name: 'Done' }).click(),
    'Your recovery codes are no longer shown on this page.',
  );
}

/** The sign-in check's "Lost your phone?" path: a recovery code in place of the app's code. */
export async function signInWithRecoveryCode(page: Page, typed: string, expected: string | RegExp): Promise<void> {
  const check = checkRegion(page);
  const field = check.getByRole('textbox', { name: 'Recovery code', exact: true });
  if (!(await field.isVisible())) await check.getByRole('button', { name: 'Lost your phone? Use a recovery code' }).click();
  await field.fill(typed);
  await expectAnnouncement(page, () => check.getByRole('button', { name: 'Sign in with recovery code' }).click(), expected);
}

/** Verifies the first code, reads the recovery codes the save step shows and puts them away. */
export async function verifyAndSaveCodes(page: Page, code: string): Promise<string[]> {
  await expectAnnouncement(page, () => submitVerificationCode(page, code), /authenticator app is set up/);
  const codes = await shownRecoveryCodes(page);
  await putAwayRecoveryCodes(page);
  return codes;
}
