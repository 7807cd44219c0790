// The frame guard in Chromium (docs/page.md, Security of the page): the page refuses to run inside another site's frame unless that site is on its allow-list,
// and it names the signed-in user (from the token) before anything can be enrolled.
import type { Page, Route } from 'playwright-core';
import { setupRegion, STATE_TIMEOUT_MS } from './support/person';
import { useBrowserSuite } from './support/session';

jest.setTimeout(120_000);

const suite = useBrowserSuite();

/** A page on another origin that frames `src`; served by the test through the browser's routing, never the network. */
function framingPage(src: string): string {
  return `<!doctype html><title>Win a prize</title><iframe src="${src}" width="400" height="600"></iframe>`;
}

/**
 * The kit's page as deployed, with `origins` listed in its frame-ancestors meta tag as an operator would edit it (none:
 * the page as it ships). Served through the browser's routing because Chromium's Private Network Access refuses to let
 * a public page frame 127.0.0.1 at all; a deployed page is public like its framer, so the routing stands in for that.
 */
async function serveKitPage(route: Route, origins = ''): Promise<void> {
  const response = await route.fetch();
  const html = (await response.text()).replace('name="totp-frame-ancestors" content=""', `name="totp-frame-ancestors" content="${origins}"`);
  await route.fulfill({ response, body: html });
}

/** Every request the browser makes, so a test can tell that the framed page called nothing. */
function recordRequests(page: Page): string[] {
  const urls: string[] = [];
  page.on('request', (request) => urls.push(request.url()));
  return urls;
}

test('finding 6: framed by another site, the page refuses to run: no sign-in, no call to the Functions', async () => {
  const token = await suite.stack.devToken('attacker');
  const src = `${suite.stack.pageUrl}#token=${encodeURIComponent(token)}`;
  let requests: string[] = [];
  const { page, watch } = await suite.openPage({
    url: 'http://attacker.test/',
    pinClock: false,
    beforeGoto: async (fresh) => {
      requests = recordRequests(fresh);
      await fresh.route('http://attacker.test/', (route) => route.fulfill({ contentType: 'text/html', body: framingPage(src) }));
      await fresh.route(`${suite.stack.origin}/index.html`, (route) => serveKitPage(route));
    },
  });
  const frame = page.frameLocator('iframe');
  await frame.getByRole('heading', { name: 'This page cannot be used inside another site' }).waitFor({ timeout: STATE_TIMEOUT_MS });
  expect(await frame.getByText(/Signed in/).count()).toBe(0);
  expect(await frame.getByRole('button', { name: 'Set up authenticator' }).isVisible()).toBe(false);
  // Only the documents and the page's own static files were fetched: no API call, not even the dev sign-in probe.
  const kitRequests = requests.filter((url) => url.startsWith(suite.stack.origin)).map((url) => new URL(url).pathname);
  expect(kitRequests.every((path) => ['/index.html', '/app.js', '/style.css', '/favicon.svg', '/i18n/en.json'].includes(path))).toBe(true);
  expect(kitRequests).toContain('/app.js');
  expect(watch.foreignRequests).toEqual(['http://attacker.test/']);
  expect(watch.errors).toEqual([]);
});

test('a site on the allow-list may frame the page, and the frame names the signed-in user', async () => {
  const token = await suite.stack.devToken('framed-user');
  const src = `${suite.stack.pageUrl}#token=${encodeURIComponent(token)}`;
  const { page } = await suite.openPage({
    url: 'http://host.test/',
    pinClock: false,
    beforeGoto: async (fresh) => {
      await fresh.route('http://host.test/', (route) => route.fulfill({ contentType: 'text/html', body: framingPage(src) }));
      await fresh.route(`${suite.stack.origin}/index.html`, (route) => serveKitPage(route, 'https://other.example http://host.test'));
    },
  });
  const frame = page.frameLocator('iframe');
  await frame.getByText('Signed in as framed-user.').waitFor({ timeout: STATE_TIMEOUT_MS });
  await frame.getByRole('button', { name: 'Set up authenticator' }).waitFor({ timeout: STATE_TIMEOUT_MS });
});

test('an allowed site framed in turn by another site does not lend the page its permission', async () => {
  const token = await suite.stack.devToken('nested-user');
  const kitSrc = `${suite.stack.pageUrl}#token=${encodeURIComponent(token)}`;
  const { page } = await suite.openPage({
    url: 'http://attacker.test/',
    pinClock: false,
    beforeGoto: async (fresh) => {
      await fresh.route('http://attacker.test/', (route) => route.fulfill({ contentType: 'text/html', body: framingPage('http://host.test/') }));
      await fresh.route('http://host.test/', (route) => route.fulfill({ contentType: 'text/html', body: framingPage(kitSrc) }));
      await fresh.route(`${suite.stack.origin}/index.html`, (route) => serveKitPage(route, 'http://host.test'));
    },
  });
  const kit = page.frameLocator('iframe').frameLocator('iframe');
  await kit.getByRole('heading', { name: 'This page cannot be used inside another site' }).waitFor({ timeout: STATE_TIMEOUT_MS });
  expect(await kit.getByText(/Signed in/).count()).toBe(0);
});

test('finding 6: opened on its own with a #token=, the page says who is signed in before the set-up', async () => {
  const token = await suite.stack.devToken('grace@example.com');
  const { page, watch } = await suite.openPage({ url: `${suite.stack.pageUrl}#token=${encodeURIComponent(token)}`, pinClock: false });
  await setupRegion(page).waitFor({ timeout: STATE_TIMEOUT_MS });
  await page.getByText('Signed in as grace@example.com.').waitFor({ timeout: STATE_TIMEOUT_MS });
  await expect(setupRegion(page).getByText('This adds an authenticator to the account of grace@example.com.').count()).resolves.toBe(1);
  expect(watch.errors).toEqual([]);
});
