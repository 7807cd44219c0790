// Launches Debian's Chromium through playwright-core (never a downloaded browser), isolated and offline-friendly.
import { chromium, type Browser } from 'playwright-core';

/** Debian's package; .ci/run installs it with apt when it is missing. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** No background traffic from the browser itself, so every request a test sees comes from the page. */
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** launch() gives every browser a fresh temporary profile, removed on close. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, headless: true });
}
