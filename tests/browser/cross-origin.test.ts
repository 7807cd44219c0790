// A host app on another origin uses the kit through its own copy of totp-client.js: it enrolls and signs in across
// origins with the example sign-in step, and its backend gets the approval. An origin outside ALLOWED_ORIGINS is
// refused at the preflight: the browser never sends its request. Real local stack (its preflights answered with the
// allow-list, scripts/local-cors.ts), real Chromium, codes from the tests' authenticator app.
import type { Page } from 'playwright-core';
import en from '../../assets/i18n/en';
import { saveStep } from './support/artifacts';
import { axeViolations } from './support/axe';
import { startHostApp, type HostApp } from './support/host-app';
import { STATE_TIMEOUT_MS } from './support/person';
import { T0, useBrowserSuite } from './support/session';
import { codeAt, parseOtpauthUri, wrongCodeAt, type ScannedAccount } from './support/totp';

jest.setTimeout(180_000);

/** The host's own copy of the client module, imported in its page as the host's code would. */
const CLIENT_MODULE = '/totp-client.js';
type ClientModule = typeof import('../../assets/totp-client');
const FOCUSED_TEXT = 'document.activeElement && document.activeElement.textContent';

let allowed: HostApp;
let refused: HostApp;

beforeAll(async () => {
  // Both host origins first: the allowed one goes into the stack's ALLOWED_ORIGINS.
  [allowed, refused] = await Promise.all([startHostApp(), startHostApp()]);
});

const suite = useBrowserSuite(() => ({ envOverrides: { ALLOWED_ORIGINS: allowed.origin } }));

beforeAll(() => {
  for (const host of [allowed, refused]) host.useKit({ url: suite.stack.origin, approvalSecret: suite.stack.env.APPROVAL_SIGNING_SECRET ?? '' });
});

afterAll(async () => {
  await Promise.all([allowed.close(), refused.close()]);
});

beforeEach(() => {
  // The Functions run in this process; a lock's one log line is expected, not news.
  jest.spyOn(console, 'error').mockImplementation(() => undefined);
});
afterEach(() => {
  jest.restoreAllMocks();
});

/** The host's sign-in step, handed the caller token and the sign-in's nonce, as its backend would. */
async function openSignInStep(host: HostApp, user: string, nonce: string): Promise<{ page: Page; errors: string[] }> {
  const token = await suite.stack.devToken(user);
  host.expectSignIn({ userId: user, nonce });
  const { page, watch } = await suite.openPage({ url: `${host.origin}/sign-in-step.html#token=${token}&nonce=${nonce}` });
  await page.getByRole('heading', { name: 'Enter the code from your authenticator app' }).waitFor({ timeout: STATE_TIMEOUT_MS });
  return { page, errors: watch.errors };
}

/**
 * Enrollment from the host's page through its copy of the client module: enroll, scan, confirm with the first code.
 * What a host's own set-up screen would do; the caller token comes from the test here.
 */
async function enrollFromPage(page: Page, user: string): Promise<ScannedAccount & { recoveryCodes: string[] }> {
  const token = await suite.stack.devToken(user);
  const kit = suite.stack.origin;
  const { uri, factorSid } = await page.evaluate(
    async ({ kit, token, module }) => {
      const { createTotpClient } = (await import(module)) as ClientModule;
      return createTotpClient({ baseUrl: kit, getToken: () => token }).enroll({ label: 'Work phone' });
    },
    { kit, token, module: CLIENT_MODULE },
  );
  const account = parseOtpauthUri(uri);
  const { status, recoveryCodes } = await page.evaluate(
    async ({ kit, token, factorSid, code, module }) => {
      const { createTotpClient } = (await import(module)) as ClientModule;
      return createTotpClient({ baseUrl: kit, getToken: () => token }).confirm({ factorSid, code });
    },
    { kit, token, factorSid, code: codeAt(account, T0), module: CLIENT_MODULE },
  );
  expect(status).toBe('verified');
  return { ...account, recoveryCodes: recoveryCodes ?? [] };
}

/** Types the code and presses Enter (a locked form's button is aria-disabled, which a click would wait out). */
async function submitCode(page: Page, code: string): Promise<void> {
  const field = page.getByRole('textbox', { name: 'Code', exact: true });
  await field.fill(code);
  await field.press('Enter');
}

test('a page on an allowed origin enrolls and signs in through totp-client.js; its backend gets the approval for that user and nonce', async () => {
  const { page, errors } = await openSignInStep(allowed, 'ada', 'signin-ada-1');
  // The fragment is read once and leaves the address bar.
  expect(new URL(page.url()).hash).toBe('');
  const account = await enrollFromPage(page, 'ada');
  await suite.stack.setClock(T0 + 30_000);
  await submitCode(page, codeAt(account, T0 + 30_000));
  await page.getByRole('status').getByText('You are signed in.').waitFor({ timeout: STATE_TIMEOUT_MS });
  // Styled as what it is, a success (the kit page's style.css), not as a neutral note.
  await expect(page.getByRole('status').locator('.message').getAttribute('class')).resolves.toBe('message success');
  expect(allowed.signedIn).toEqual([{ userId: 'ada', amr: ['otp'] }]);
  // Every call went to the kit's own origin, and each one was let through by a preflight the allow-list answered.
  expect(suite.stack.requests.filter((line) => !line.startsWith('POST /__dev/'))).toEqual([
    'OPTIONS /create-factor 204',
    'POST /create-factor 201',
    'OPTIONS /verify-factor 204',
    'POST /verify-factor 200',
    'OPTIONS /create-challenge 204',
    'POST /create-challenge 200',
  ]);
  expect(await axeViolations(page)).toEqual([]);
  await saveStep(page, 'cross-origin-signed-in');
  expect(errors).toEqual([]);
});

test('the lock reaches the page on another origin as data: a countdown, and no request while it lasts', async () => {
  const { page } = await openSignInStep(allowed, 'eve', 'signin-eve-1');
  const account = await enrollFromPage(page, 'eve');
  await suite.stack.setClock(T0 + 30_000);
  const wrong = wrongCodeAt(account, T0 + 30_000);
  for (let attempt = 1; attempt <= 4; attempt += 1) {
    await submitCode(page, wrong);
    // The form is busy from the submit until the kit has answered; then the message is this answer's.
    await page.locator('#code-form:not([aria-busy])').waitFor({ timeout: STATE_TIMEOUT_MS });
    await page.getByRole('status').getByText('That code is not right. Wait for the next one and try again.').waitFor({ timeout: STATE_TIMEOUT_MS });
  }
  // The fifth wrong code starts the kit's lock (LOCKOUT_THRESHOLD 5): 60 s, read from the body's retryAfterSeconds.
  await submitCode(page, wrong);
  await page.getByRole('status').getByText('Too many wrong codes. You can try again in 60 seconds.').waitFor({ timeout: STATE_TIMEOUT_MS });
  await expect(page.getByRole('timer').textContent()).resolves.toBe('Try again in 1:00');
  const sent = suite.stack.requests.length;
  await submitCode(page, codeAt(account, T0 + 30_000));
  await page.getByRole('status').getByText('Still locked: try again in 60 seconds.').waitFor({ timeout: STATE_TIMEOUT_MS });
  expect(suite.stack.requests.slice(sent)).toEqual([]);
  expect(allowed.signedIn.map((signIn) => signIn.userId)).not.toContain('eve');
  await saveStep(page, 'cross-origin-locked');
});

test('"Lost your phone?" signs in with a recovery code across origins (amr recovery_code); a used one is refused', async () => {
  const { page } = await openSignInStep(allowed, 'fay', 'signin-fay-1');
  const { recoveryCodes } = await enrollFromPage(page, 'fay');
  expect(recoveryCodes.length).toBeGreaterThan(0);
  await page.getByRole('button', { name: 'Lost your phone? Use a recovery code' }).click();
  await expect(page.evaluate(FOCUSED_TEXT)).resolves.toBe('Enter one of your recovery codes');
  await expect(page.getByRole('textbox', { name: 'Code', exact: true }).isVisible()).resolves.toBe(false);
  expect(await axeViolations(page)).toEqual([]);
  const field = page.getByRole('textbox', { name: 'Recovery code' });
  await field.fill(recoveryCodes[0] ?? '');
  await field.press('Enter');
  await page.getByRole('status').getByText('You are signed in.').waitFor({ timeout: STATE_TIMEOUT_MS });
  expect(allowed.signedIn).toContainEqual({ userId: 'fay', amr: ['recovery_code'] });
  // Each recovery code works once.
  allowed.expectSignIn({ userId: 'fay', nonce: 'signin-fay-1' });
  await field.fill(recoveryCodes[0] ?? '');
  await field.press('Enter');
  await page.getByRole('status').getByText('That recovery code is not valid, or was used already.').waitFor({ timeout: STATE_TIMEOUT_MS });
  await page.getByRole('button', { name: 'Use your authenticator app instead' }).click();
  await expect(page.evaluate(FOCUSED_TEXT)).resolves.toBe('Enter the code from your authenticator app');
});

test('the example page looks like the kit page: a heading clear of the top edge, the same recovery-code hint and field', async () => {
  const { page, errors } = await openSignInStep(allowed, 'ida', 'signin-ida-1');
  const heading = await page.getByRole('heading', { level: 1 }).boundingBox();
  expect(heading?.y).toBeGreaterThanOrEqual(12);
  await page.getByRole('button', { name: 'Lost your phone? Use a recovery code' }).click();
  const field = page.getByRole('textbox', { name: 'Recovery code' });
  // The kit page's field, as index.html has it, and its hint, as its English catalog words it.
  const kitPage = await (await fetch(new URL('/index.html', suite.stack.origin))).text();
  const kitField = /<input id="recovery-check-code"[^>]*>/.exec(kitPage)?.[0] ?? '';
  const attribute = (markup: string, name: string): string | undefined => new RegExp(`\\s${name}="([^"]*)"`).exec(markup)?.[1];
  for (const name of ['maxlength', 'dir', 'class', 'autocomplete', 'autocapitalize', 'spellcheck']) {
    expect([name, await field.getAttribute(name)]).toEqual([name, attribute(kitField, name) ?? null]);
  }
  const hintId = (await field.getAttribute('aria-describedby')) ?? '';
  await expect(page.locator(`[id="${hintId}"]`).textContent()).resolves.toBe(en['recovery.codeHint']);
  expect(await axeViolations(page)).toEqual([]);
  await saveStep(page, 'cross-origin-recovery-step');
  expect(errors).toEqual([]);
});

test('"Remember this device" on the example step, unticked by default: ticked, the kit trusts the device and the page hands its token to the backend with the approval', async () => {
  const { page, errors } = await openSignInStep(allowed, 'hal', 'signin-hal-1');
  const account = await enrollFromPage(page, 'hal');
  const remember = page.getByRole('checkbox', { name: 'Remember this device for 30 days' }).first();
  await expect(remember.isChecked()).resolves.toBe(false);
  const hintId = (await remember.getAttribute('aria-describedby')) ?? '';
  await expect(page.locator(`[id="${hintId}"]`).textContent()).resolves.toMatch(/Never on a shared computer/);
  await remember.check();
  await suite.stack.setClock(T0 + 30_000);
  await submitCode(page, codeAt(account, T0 + 30_000));
  await page.getByRole('status').getByText('You are signed in.').waitFor({ timeout: STATE_TIMEOUT_MS });
  const [signIn] = allowed.signedIn.filter((entry) => entry.userId === 'hal');
  expect(signIn).toEqual({ userId: 'hal', amr: ['otp'], deviceToken: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/) });
  // The token the backend got is one the kit trusts: the backend's next password step signs in with it, no code.
  const token = await suite.stack.devToken('hal');
  const answer = await fetch(new URL('/check-device', suite.stack.origin), {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ deviceToken: signIn?.deviceToken, nonce: 'signin-hal-2' }),
  });
  await expect(answer.json()).resolves.toMatchObject({ status: 'approved' });
  // The page itself keeps nothing: the token went to the backend only.
  await expect(page.evaluate('window.localStorage.length')).resolves.toBe(0);
  expect(await axeViolations(page)).toEqual([]);
  expect(errors).toEqual([]);
});

test('unticked, the example step hands over the approval alone; the recovery-code form has its own box', async () => {
  const { page } = await openSignInStep(allowed, 'ivy', 'signin-ivy-1');
  const { recoveryCodes } = await enrollFromPage(page, 'ivy');
  await page.getByRole('button', { name: 'Lost your phone? Use a recovery code' }).click();
  // Only the recovery step's box is in view (the code step is hidden), unticked.
  const remember = page.getByRole('checkbox', { name: 'Remember this device for 30 days' });
  await expect(remember.count()).resolves.toBe(1);
  await expect(remember.getAttribute('id')).resolves.toBe('remember-recovery');
  await expect(remember.isChecked()).resolves.toBe(false);
  const field = page.getByRole('textbox', { name: 'Recovery code' });
  await field.fill(recoveryCodes[0] ?? '');
  await field.press('Enter');
  await page.getByRole('status').getByText('You are signed in.').waitFor({ timeout: STATE_TIMEOUT_MS });
  expect(allowed.signedIn.filter((entry) => entry.userId === 'ivy')).toEqual([{ userId: 'ivy', amr: ['recovery_code'] }]);
  // Ticked on the recovery-code form: a device token comes with that approval too.
  allowed.expectSignIn({ userId: 'ivy', nonce: 'signin-ivy-1' });
  await remember.check();
  await field.fill(recoveryCodes[1] ?? '');
  await field.press('Enter');
  // The form is busy from the submit until the backend has answered.
  await page.locator('#recovery-form:not([aria-busy])').waitFor({ timeout: STATE_TIMEOUT_MS });
  expect(allowed.signedIn.filter((entry) => entry.userId === 'ivy')[1]).toEqual({ userId: 'ivy', amr: ['recovery_code'], deviceToken: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/) });
});

test('a page on an origin outside ALLOWED_ORIGINS is refused at the preflight: its requests are never sent', async () => {
  const { page } = await openSignInStep(refused, 'gus', 'signin-gus-1');
  const before = suite.stack.requests.length;
  const failure = await page.evaluate(
    async ({ kit, module }) => {
      const { createTotpClient, TotpClientError } = (await import(module)) as ClientModule;
      try {
        await createTotpClient({ baseUrl: kit, getToken: () => 'any-token' }).listFactors();
        return 'answered';
      } catch (error) {
        return error instanceof TotpClientError ? `${error.status} ${error.code}` : String(error);
      }
    },
    { kit: suite.stack.origin, module: CLIENT_MODULE },
  );
  expect(failure).toBe('0 network_error');
  await submitCode(page, '123456');
  await page.getByRole('status').getByText('Something went wrong. Try again.').waitFor({ timeout: STATE_TIMEOUT_MS });
  // Only preflights reached the stack, each answered without Access-Control-Allow-Origin; no POST ran a Function.
  expect(suite.stack.requests.slice(before)).toEqual(['OPTIONS /list-factors 204', 'OPTIONS /create-challenge 204']);
  expect(refused.signedIn).toEqual([]);
});
