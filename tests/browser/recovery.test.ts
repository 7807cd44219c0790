// Recovery codes on the real page in Chromium, against the local stack: the save step after the first code (Copy all
// read back from the clipboard, the downloaded .txt, Print's sheet, the confirmation, the codes gone afterwards), a
// sign-in with a recovery code, a lost phone's authenticator removed with one and a new phone set up, and the warning
// when few codes are left, with a new set generated for a current code.
import { readFileSync } from 'node:fs';
import type { BrowserContext, Page } from 'playwright-core';
import { saveStep } from './support/artifacts';
import { describeFocus } from './support/keyboard';
import {
  activityRegion,
  checkRegion,
  expectAnnouncement,
  factorsRegion,
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
  submitVerificationCode,
  verifyAndSaveCodes,
} from './support/person';
import { T0, useBrowserSuite } from './support/session';
import { codeAt, wrongCodeAt, type ScannedAccount } from './support/totp';
import type { PageWatch } from './support/watch';

jest.setTimeout(120_000);

const STEP_MS = 30_000;
/** The kit's format: sixteen symbols of Crockford's Base32 (no I, L, O, U) in four groups of four. */
const RECOVERY_CODE = /^[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){3}$/;

const suite = useBrowserSuite();
let context: BrowserContext;
let page: Page;
let watch: PageWatch;

beforeEach(async () => {
  ({ context, page, watch } = await suite.openPage());
});

beforeEach(() => {
  // The Functions run in this process; their event and lock log lines are expected here, not news.
  jest.spyOn(console, 'log').mockImplementation(() => undefined);
  jest.spyOn(console, 'error').mockImplementation(() => undefined);
});
afterEach(() => {
  jest.restoreAllMocks();
});

/** Chromium's console notes on the refusals these tests provoke on purpose (403 wrong code) are expected. */
function unexpectedErrors(): string[] {
  return watch.errors.filter((line) => !/status of 403\b/.test(line));
}

async function setUpAs(user: string, label: string): Promise<ScannedAccount> {
  await signInAsDeveloper(page, user);
  await startSetUp(page, label);
  return scanQrCode(page);
}

/** What is rendered (in the current media), line by line: innerText follows the layout, so display: none drops out. */
const RENDERED_LINES = `document.body.innerText.split('\\n').map((line) => line.trim()).filter((line) => line !== '')`;

test('after the first code, the save step shows 10 codes; Copy all, Download and Print give exactly them; it closes only once confirmed, and the codes leave the page', async () => {
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: suite.stack.origin });
  const account = await setUpAs('rosalind', 'rosalind@example.com');
  await expectAnnouncement(page, () => submitVerificationCode(page, codeAt(account, T0)), /save your recovery codes: this is the only time they are shown/);

  // The step takes the focus: a keyboard or screen-reader user lands on it, not on the check below.
  const step = saveCodesRegion(page);
  await expect(describeFocus(page)).resolves.toBe('h2:Save your recovery codes');
  const codes = await shownRecoveryCodes(page);
  expect(codes).toHaveLength(10);
  for (const code of codes) expect(code).toMatch(RECOVERY_CODE);
  expect(new Set(codes).size).toBe(10);
  await step.getByRole('heading', { name: 'Recovery codes for rosalind' }).waitFor({ timeout: STATE_TIMEOUT_MS });
  // The step takes over the page until it is done: its own news, and no other card (no second count of the codes).
  await step.getByRole('status').getByText(/save your recovery codes: this is the only time they are shown/).waitFor({ timeout: STATE_TIMEOUT_MS });
  for (const card of [setupRegion(page), checkRegion(page), recoveryRegion(page), factorsRegion(page), activityRegion(page)]) {
    expect(await card.isVisible()).toBe(false);
  }
  await saveStep(page, '30-save-codes');

  // Copy all: the ten codes, one per line, nothing else.
  await expectAnnouncement(page, () => step.getByRole('button', { name: 'Copy all' }).click(), 'Recovery codes copied to the clipboard.');
  await expect(page.evaluate('navigator.clipboard.readText()')).resolves.toBe(codes.join('\n'));

  // Download: a .txt file saying whose codes they are, the codes one per line, and when they were made.
  const revoked: string[] = [];
  await page.exposeFunction('recordRevoke', (url: string) => revoked.push(url));
  await page.evaluate(`(() => {
    const revoke = URL.revokeObjectURL.bind(URL);
    URL.revokeObjectURL = (url) => { window.recordRevoke(url); revoke(url); };
  })()`);
  const downloading = page.waitForEvent('download');
  await expectAnnouncement(page, () => step.getByRole('button', { name: 'Download .txt' }).click(), 'Recovery codes saved as recovery-codes.txt in your downloads.');
  const download = await downloading;
  expect(download.suggestedFilename()).toBe('recovery-codes.txt');
  expect(download.url()).toMatch(/^blob:/);
  const file = readFileSync(await download.path(), 'utf8').split('\n');
  expect(file.slice(0, 13)).toEqual(['Recovery codes for rosalind', '', ...codes, '']);
  // Intl writes a narrow no-break space before AM.
  expect(file.slice(13)).toEqual([expect.stringMatching(/^Each code works once\. Created Jan 15, 2030, 9:00\sAM\.$/), '']);

  // Print: the browser's print dialog, with a print stylesheet that leaves only the sheet.
  let recordPrint = (): void => undefined;
  const printed = new Promise<void>((resolve) => (recordPrint = resolve));
  await page.exposeFunction('recordPrint', () => recordPrint());
  await page.evaluate('window.print = () => window.recordPrint()');
  await step.getByRole('button', { name: 'Print' }).click();
  await printed;
  await page.emulateMedia({ media: 'print' });
  await expect(page.evaluate(RENDERED_LINES)).resolves.toEqual(['Recovery codes for rosalind', ...codes, expect.stringMatching(/^Each code works once\. Created Jan 15, 2030/)]);
  await saveStep(page, '31-save-codes-print');
  await page.emulateMedia({ media: 'screen' });

  // Done without the confirmation: refused, said why, the checkbox marked and focused, the codes still there.
  const confirm = step.getByRole('checkbox', { name: 'I have saved these codes' });
  await expectAnnouncement(
    page,
    () => step.getByRole('button', { name: 'Done' }).click(),
    'Save the codes, then tick “I have saved these codes” to close this step.',
  );
  await expect(confirm.getAttribute('aria-invalid')).resolves.toBe('true');
  await expect(describeFocus(page)).resolves.toBe('checkbox:I have saved these codes');
  expect(await shownRecoveryCodes(page)).toEqual(codes);
  await saveStep(page, '32-save-codes-unconfirmed');

  await putAwayRecoveryCodes(page);
  // Gone from the page, not hidden; the file's object URL revoked; focus moves on to the sign-in check.
  const html = await page.content();
  for (const code of codes) expect(html).not.toContain(code);
  expect(html).not.toContain(codes[0]?.replace(/-/g, ''));
  expect(await step.count()).toBe(0);
  expect(revoked).toEqual([download.url()]);
  await expect(describeFocus(page)).resolves.toBe('h2:Try a sign-in check');
  await checkRegion(page).getByRole('status').getByText('Your recovery codes are no longer shown on this page.').waitFor({ timeout: STATE_TIMEOUT_MS });
  await recoveryRegion(page).getByText('10 unused recovery codes left.').waitFor({ timeout: STATE_TIMEOUT_MS });
  await saveStep(page, '33-save-codes-done');

  expect(watch.foreignRequests).toEqual([]);
  expect(unexpectedErrors()).toEqual([]);
});

test('signing out during the save step removes the codes too', async () => {
  const account = await setUpAs('sophie', 'sophie phone');
  await expectAnnouncement(page, () => submitVerificationCode(page, codeAt(account, T0)), /authenticator app is set up/);
  const codes = await shownRecoveryCodes(page);
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByLabel('User name').waitFor({ timeout: STATE_TIMEOUT_MS });
  const html = await page.content();
  for (const code of codes) expect(html).not.toContain(code);
  expect(unexpectedErrors()).toEqual([]);
});

test('Lost your phone? A recovery code passes the sign-in check once; a used or mistyped one does not', async () => {
  const account = await setUpAs('hedy', 'hedy@example.com');
  const codes = await verifyAndSaveCodes(page, codeAt(account, T0));
  const [first = ''] = codes;
  let sent = 0;
  page.on('request', (request) => {
    if (request.url().endsWith('/use-recovery-code')) sent += 1;
  });

  // Typed the way people do: lower case, a space for the dash.
  await signInWithRecoveryCode(page, first.toLowerCase().replace(/-/g, ' '), 'Approved: this recovery code would sign you in. It is used up now. 9 unused recovery codes left.');
  await checkRegion(page).getByText('Approved', { exact: true }).waitFor({ timeout: STATE_TIMEOUT_MS });
  await recoveryRegion(page).getByText('9 unused recovery codes left.').waitFor({ timeout: STATE_TIMEOUT_MS });
  await saveStep(page, '34-recovery-sign-in');

  await signInWithRecoveryCode(page, first, 'That recovery code is not valid, or it has been used already. Check it, or try another one.');
  const field = checkRegion(page).getByRole('textbox', { name: 'Recovery code', exact: true });
  await expect(field.getAttribute('aria-invalid')).resolves.toBe('true');
  await checkRegion(page).getByText('Not approved', { exact: true }).waitFor({ timeout: STATE_TIMEOUT_MS });
  expect(sent).toBe(2);

  // Not a recovery code at all: the page asks again and sends nothing, so a typo costs no attempt.
  await signInWithRecoveryCode(page, '12345', 'Enter a recovery code: sixteen letters and digits, such as 3K7Q-DX9M-4BHT-2ZPA.');
  expect(sent).toBe(2);
  await recoveryRegion(page).getByText('9 unused recovery codes left.').waitFor({ timeout: STATE_TIMEOUT_MS });

  expect(watch.foreignRequests).toEqual([]);
  expect(unexpectedErrors()).toEqual([]);
});

test('a lost phone: its authenticator is removed with a recovery code, a new phone is set up and gets a new set', async () => {
  const account = await setUpAs('ada-lost', 'old phone');
  const codes = await verifyAndSaveCodes(page, codeAt(account, T0));

  const item = factorsRegion(page).getByRole('listitem').filter({ hasText: 'old phone' });
  await item.getByRole('button', { name: 'Delete old phone' }).click();
  await expect(describeFocus(page)).resolves.toBe('textbox:Code');
  await item.getByRole('button', { name: 'Lost your phone? Use a recovery code instead' }).click();
  const recoveryField = item.getByRole('textbox', { name: 'Recovery code', exact: true });
  await expect(describeFocus(page)).resolves.toBe('textbox:Recovery code');
  await item.getByText('To delete “old phone” without the phone, enter one of your recovery codes. Then set up your new phone.').waitFor({ timeout: STATE_TIMEOUT_MS });
  expect(await item.getByRole('textbox', { name: 'Code', exact: true }).isVisible()).toBe(false);
  await saveStep(page, '35-lost-phone-delete');

  // A code that is not one of the set: refused, and the authenticator stays.
  await recoveryField.fill('ZZZZ-ZZZZ-ZZZZ-ZZZZ');
  await expectAnnouncement(
    page,
    () => item.getByRole('button', { name: 'Delete authenticator' }).click(),
    'That recovery code is not valid, or it has been used already. Check it, or try another one.',
  );
  await expect(recoveryField.getAttribute('aria-invalid')).resolves.toBe('true');
  await expect(item.getByText('Verified').isVisible()).resolves.toBe(true);

  await recoveryField.fill(codes[3] ?? '');
  await expectAnnouncement(
    page,
    () => item.getByRole('button', { name: 'Delete authenticator' }).click(),
    'Deleted “old phone”, and its recovery codes with it. Set up your new phone now.',
  );
  // The next thing to do is the new phone: the set-up form is back, with the focus in it.
  await factorsRegion(page).getByText('No authenticator is set up yet.').waitFor({ timeout: STATE_TIMEOUT_MS });
  await expect(describeFocus(page)).resolves.toBe('textbox:Account name');
  expect(await recoveryRegion(page).isVisible()).toBe(false);

  await startSetUp(page, 'new phone');
  const fresh = await scanQrCode(page);
  expect(fresh.secret).not.toBe(account.secret);
  const fresher = await verifyAndSaveCodes(page, codeAt(fresh, T0));
  expect(fresher).toHaveLength(10);
  expect(fresher.filter((code) => codes.includes(code))).toEqual([]);
  await saveStep(page, '36-lost-phone-new-set');

  // The old set went with the old phone.
  await signInWithRecoveryCode(page, codes[4] ?? '', 'That recovery code is not valid, or it has been used already. Check it, or try another one.');
  await signInWithRecoveryCode(page, fresher[0] ?? '', /It is used up now\. 9 unused recovery codes left\.$/);

  expect(watch.foreignRequests).toEqual([]);
  expect(unexpectedErrors()).toEqual([]);
});

test('with 2 or fewer codes left the page warns, and a current code generates a new set, shown in the save step', async () => {
  const account = await setUpAs('grace-low', 'grace@example.com');
  const codes = await verifyAndSaveCodes(page, codeAt(account, T0));
  const card = recoveryRegion(page);
  const warning = card.getByText('Almost out of recovery codes.', { exact: false });
  await card.getByText('10 unused recovery codes left.').waitFor({ timeout: STATE_TIMEOUT_MS });
  expect(await warning.isVisible()).toBe(false);

  // Six used elsewhere, then two here: three are left, then two.
  await suite.stack.useRecoveryCodes('grace-low', codes.slice(0, 6));
  await signInWithRecoveryCode(page, codes[6] ?? '', /It is used up now\. 3 unused recovery codes left\.$/);
  await card.getByText('3 unused recovery codes left.').waitFor({ timeout: STATE_TIMEOUT_MS });
  expect(await warning.isVisible()).toBe(false);
  await signInWithRecoveryCode(page, codes[7] ?? '', /It is used up now\. 2 unused recovery codes left\.$/);
  await card.getByText('2 unused recovery codes left.').waitFor({ timeout: STATE_TIMEOUT_MS });
  await warning.waitFor({ timeout: STATE_TIMEOUT_MS });
  await saveStep(page, '37-few-codes-left');

  // A new set needs a current code from the app (the next time step: the first code was used).
  const nextStep = T0 + STEP_MS;
  await suite.stack.setClock(nextStep);
  await page.clock.setFixedTime(nextStep);
  await card.getByRole('button', { name: 'Generate new codes' }).click();
  const codeField = card.getByRole('textbox', { name: 'Code', exact: true });
  await expect(describeFocus(page)).resolves.toBe('textbox:Code');
  await codeField.fill(wrongCodeAt(account, nextStep));
  await expectAnnouncement(page, () => card.getByRole('button', { name: 'Replace my recovery codes' }).click(), 'That code is not valid. Enter the current code from your app.');
  await expect(codeField.getAttribute('aria-invalid')).resolves.toBe('true');
  expect(await saveCodesRegion(page).count()).toBe(0);

  await codeField.fill(codeAt(account, nextStep));
  await expectAnnouncement(
    page,
    () => card.getByRole('button', { name: 'Replace my recovery codes' }).click(),
    'New recovery codes generated; the old ones no longer work. Save the new ones now.',
  );
  // The new set in the same save step, with the focus on it, and the count of the old set out of sight meanwhile.
  await expect(describeFocus(page)).resolves.toBe('h2:Save your recovery codes');
  await saveCodesRegion(page).getByRole('status').getByText(/^New recovery codes generated/).waitFor({ timeout: STATE_TIMEOUT_MS });
  expect(await card.isVisible()).toBe(false);
  const renewed = await shownRecoveryCodes(page);
  expect(renewed).toHaveLength(10);
  expect(renewed.filter((code) => codes.includes(code))).toEqual([]);
  await saveStep(page, '38-new-set');
  await putAwayRecoveryCodes(page);
  await expect(describeFocus(page)).resolves.toBe('h2:Recovery codes');
  await card.getByRole('status').getByText('Your recovery codes are no longer shown on this page.').waitFor({ timeout: STATE_TIMEOUT_MS });
  await card.getByText('10 unused recovery codes left.').waitFor({ timeout: STATE_TIMEOUT_MS });
  expect(await warning.isVisible()).toBe(false);
  for (const code of renewed) expect(await page.content()).not.toContain(code);

  // The two codes left of the old set stopped working.
  await signInWithRecoveryCode(page, codes[8] ?? '', 'That recovery code is not valid, or it has been used already. Check it, or try another one.');

  expect(watch.foreignRequests).toEqual([]);
  expect(unexpectedErrors()).toEqual([]);
});

test('a set of the older, shorter format still signs in, and the card says so and offers a new set, which is of the current format', async () => {
  const account = await setUpAs('barbara-old', 'barbara@example.com');
  await verifyAndSaveCodes(page, codeAt(account, T0));
  const old = await suite.stack.plantOutdatedRecoveryCodes('barbara-old');
  const card = recoveryRegion(page);
  const outdated = card.getByText('These recovery codes are of an older, shorter kind.', { exact: false });
  expect(await outdated.isVisible()).toBe(false);

  // An old code, typed as it was printed (XXXXX-XXXXX), still works, once; the card then tells what set is left.
  await signInWithRecoveryCode(page, old[0] ?? '', /It is used up now\. 9 unused recovery codes left\.$/);
  await outdated.waitFor({ timeout: STATE_TIMEOUT_MS });
  await card.getByText('9 unused recovery codes left.').waitFor({ timeout: STATE_TIMEOUT_MS });
  await saveStep(page, '39-outdated-set');
  await signInWithRecoveryCode(page, old[0] ?? '', 'That recovery code is not valid, or it has been used already. Check it, or try another one.');

  const nextStep = T0 + STEP_MS;
  await suite.stack.setClock(nextStep);
  await page.clock.setFixedTime(nextStep);
  await card.getByRole('button', { name: 'Generate new codes' }).click();
  await card.getByRole('textbox', { name: 'Code', exact: true }).fill(codeAt(account, nextStep));
  await expectAnnouncement(page, () => card.getByRole('button', { name: 'Replace my recovery codes' }).click(), /New recovery codes generated/);
  const renewed = await shownRecoveryCodes(page);
  for (const code of renewed) expect(code).toMatch(RECOVERY_CODE);
  await putAwayRecoveryCodes(page);
  await card.getByText('10 unused recovery codes left.').waitFor({ timeout: STATE_TIMEOUT_MS });
  expect(await outdated.isVisible()).toBe(false);
  await signInWithRecoveryCode(page, old[1] ?? '', 'That recovery code is not valid, or it has been used already. Check it, or try another one.');

  expect(watch.foreignRequests).toEqual([]);
  expect(unexpectedErrors()).toEqual([]);
});
