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
 * Runs `action` and waits for the live region's next message to say `text`. The page puts each message in a fresh
 * node, so waiting for the previous one to go first keeps an earlier, identical message from matching.
 */
export async function expectAnnouncement(page: Page, action: () => Promise<void>, text: string | RegExp): Promise<void> {
  const messages = liveRegion(page).locator('p');
  const previous = (await messages.count()) > 0 ? await messages.first().elementHandle() : null;
  await action();
  if (previous !== null) await previous.waitForElementState('hidden', { timeout: STATE_TIMEOUT_MS });
  await liveRegion(page).getByText(text).waitFor({ timeout: STATE_TIMEOUT_MS });
}
