// Records what a page does that a test must rule out: requests to other origins, console errors, CSP violations.
import type { Page } from 'playwright-core';

export interface PageWatch {
  /** URLs requested outside the page's origin. */
  foreignRequests: string[];
  /** Console errors and uncaught exceptions, as text with the URL they came from. */
  errors: string[];
}

export function watchPage(page: Page, origin: string): PageWatch {
  const watch: PageWatch = { foreignRequests: [], errors: [] };
  page.on('request', (request) => {
    const url = request.url();
    // data: URLs are the QR image drawn in the page; they never touch the network.
    if (!url.startsWith('data:') && new URL(url).origin !== origin) watch.foreignRequests.push(url);
  });
  page.on('console', (message) => {
    if (message.type() === 'error') watch.errors.push(`${message.text()} (${message.location().url})`);
  });
  page.on('pageerror', (error) => watch.errors.push(`uncaught: ${error.message}`));
  return watch;
}
