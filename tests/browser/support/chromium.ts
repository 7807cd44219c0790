// Launches Debian's Chromium through playwright-core (never a downloaded browser), isolated and offline-friendly.
import { accessSync, constants } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

/** Debian's package; .ci/run installs it with apt when it is missing. */
export const DEFAULT_CHROMIUM_PATH = '/usr/bin/chromium';

/** CHROMIUM_PATH overrides the default: another Chromium or a Chrome (macOS, a browser outside /usr/bin). */
export function chromiumPath(env: NodeJS.ProcessEnv = process.env): string {
  return env.CHROMIUM_PATH || DEFAULT_CHROMIUM_PATH;
}

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

const HOW_TO_FIX =
  'Install Chromium (Debian/Ubuntu: apt-get install chromium) or set CHROMIUM_PATH to a Chromium or Chrome executable, ' +
  'e.g. CHROMIUM_PATH="/Applications/Google Chrome.app/Contents/MacOS/Google Chrome" on macOS.';

/** launch() gives every browser a fresh temporary profile, removed on close. */
export async function launchChromium(executablePath = chromiumPath()): Promise<Browser> {
  try {
    accessSync(executablePath, constants.X_OK);
  } catch {
    throw new Error(`No browser to run at ${executablePath}. ${HOW_TO_FIX}`);
  }
  try {
    return await chromium.launch({ executablePath, args: CHROMIUM_ARGS, headless: true });
  } catch (error) {
    // A snap-packaged Chromium, for one, starts from a terminal but not under a driver.
    const reason = (error instanceof Error ? error.message : String(error)).split('\n')[0];
    throw new Error(`The browser at ${executablePath} did not start (${reason}). ${HOW_TO_FIX}`);
  }
}
