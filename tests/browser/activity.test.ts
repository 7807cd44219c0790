// Recent activity on the real page in Chromium, against the local stack: after a set-up, wrong codes, a lock and a
// passed check, the list says what happened in plain words with local times, newest first; wrong codes and the lock
// are one line that stands out by more than colour; it is a labelled list under its heading, refreshed after each
// action, and not a live region: each action is announced once, by the page's status region.
import type { Page } from 'playwright-core';
import { saveStep } from './support/artifacts';
import {
  activityLines,
  activityRegion,
  checkRegion,
  expectAnnouncement,
  liveRegion,
  scanQrCode,
  signInAsDeveloper,
  startSetUp,
  STATE_TIMEOUT_MS,
  submitCheckCode,
  verifyAndSaveCodes,
} from './support/person';
import { T0, useBrowserSuite } from './support/session';
import { codeAt, wrongCodeAt } from './support/totp';
import type { PageWatch } from './support/watch';

jest.setTimeout(180_000);

const suite = useBrowserSuite();
let page: Page;
let watch: PageWatch;

beforeEach(async () => {
  // A paused fake clock that the test moves, as in the lockout tests: the lock's countdown passes when the test says.
  ({ page, watch } = await suite.openPage({ pinClock: false, beforeGoto: (opened) => opened.clock.install({ time: T0 }) }));
  await page.clock.pauseAt(T0 + 2000);
});

beforeEach(() => {
  // The Functions run in this process; their event and lock log lines are expected here, not news.
  jest.spyOn(console, 'log').mockImplementation(() => undefined);
  jest.spyOn(console, 'error').mockImplementation(() => undefined);
});
afterEach(() => {
  jest.restoreAllMocks();
});

/** Waits until Recent activity's newest line is `line`, "what · when" (the list is refreshed after each action). */
async function newestLineIs(line: string): Promise<void> {
  const [what = '', when = ''] = line.split(' · ');
  const newest = activityRegion(page).getByRole('listitem').first();
  await newest.getByText(what, { exact: true }).waitFor({ timeout: STATE_TIMEOUT_MS });
  await newest.getByText(when, { exact: true }).waitFor({ timeout: STATE_TIMEOUT_MS });
  expect((await activityLines(page))[0]).toBe(line);
}

/** Counts the messages the status lines (one per card) get from now on (each one is a fresh node: one announcement each). */
async function countAnnouncements(): Promise<() => Promise<number>> {
  await page.evaluate(`(() => {
    window.announcements = 0;
    const observer = new MutationObserver((records) => {
      for (const record of records) window.announcements += record.addedNodes.length;
    });
    for (const region of document.querySelectorAll('[role="status"]')) observer.observe(region, { childList: true });
  })()`);
  return async () => Number(await page.evaluate('window.announcements'));
}

/** Per line: its icon's shape, its text's weight and the width of its start edge (what shows besides colour). */
const LINE_LOOKS = `[...document.querySelectorAll('#activity-list > li')].map((item) => ({
  icon: item.querySelector('svg path').getAttribute('d'),
  weight: getComputedStyle(item.querySelector('p')).fontWeight,
  edge: parseFloat(getComputedStyle(item).borderInlineStartWidth),
  color: getComputedStyle(item).borderInlineStartColor,
}))`;

interface LineLook {
  icon: string;
  weight: string;
  edge: number;
  color: string;
}

test('after a set-up, five wrong codes, a lock and a passed check, Recent activity says so in plain words', async () => {
  await signInAsDeveloper(page, 'alan');
  const region = activityRegion(page);
  await region.getByText('Nothing has happened yet.').waitFor({ timeout: STATE_TIMEOUT_MS });
  await startSetUp(page, 'alan@example.com');
  await newestLineIs('Set-up of an authenticator started · today, 9:00 AM');
  const account = await scanQrCode(page);
  await verifyAndSaveCodes(page, codeAt(account, T0));
  await newestLineIs('10 new recovery codes issued · today, 9:00 AM');

  const checkAt = T0 + 30_000;
  await suite.stack.setClock(checkAt);
  await page.clock.pauseAt(checkAt);
  const wrong = wrongCodeAt(account, checkAt);
  await expectAnnouncement(page, () => submitCheckCode(page, wrong), /^Not approved/);
  await newestLineIs('Wrong code entered · today, 9:00 AM');
  await expectAnnouncement(page, () => submitCheckCode(page, wrong), /^Not approved/);
  // Wrong codes in a row are one line.
  await newestLineIs('2 wrong codes · today, 9:00 AM');
  for (let i = 0; i < 2; i += 1) await expectAnnouncement(page, () => submitCheckCode(page, wrong), /^Not approved/);
  await newestLineIs('4 wrong codes · today, 9:00 AM');
  await expectAnnouncement(page, () => submitCheckCode(page, wrong), /^Locked: too many wrong codes/);
  // The lock and the wrong codes that caused it: one line.
  await newestLineIs('5 wrong codes, then locked for 1 minute · today, 9:00 AM');
  await saveStep(page, '40-activity-locked');

  await expectAnnouncement(page, () => page.clock.runFor(60_100), 'The lock has ended: you can enter a code again.');
  const afterLock = T0 + 120_000;
  await suite.stack.setClock(afterLock);
  await page.clock.pauseAt(afterLock);
  const announcements = await countAnnouncements();
  await expectAnnouncement(page, () => submitCheckCode(page, codeAt(account, afterLock)), 'Approved: this code would sign you in.');
  await checkRegion(page).getByText('Approved', { exact: true }).waitFor({ timeout: STATE_TIMEOUT_MS });
  await newestLineIs('Sign-in code accepted · today, 9:02 AM');

  expect(await activityLines(page)).toEqual([
    'Sign-in code accepted · today, 9:02 AM',
    '5 wrong codes, then locked for 1 minute · today, 9:00 AM',
    '10 new recovery codes issued · today, 9:00 AM',
    'Authenticator app set up · today, 9:00 AM',
    'Set-up of an authenticator started · today, 9:00 AM',
  ]);
  // The check was announced once; the list updated quietly: it is no live region, and lies in none.
  expect(await announcements()).toBe(1);
  expect(await liveRegion(page).getByText('Sign-in code accepted').count()).toBe(0);
  expect(await page.locator('#activity [aria-live], #activity[aria-live], [aria-live] #activity').count()).toBe(0);
  expect(await region.getByRole('list', { name: 'Recent activity' }).getAttribute('aria-busy')).toBeNull();
  await region.getByRole('heading', { level: 2, name: 'Recent activity' }).waitFor({ timeout: STATE_TIMEOUT_MS });

  // Each line carries its real time for machines and screen readers that read it.
  await expect(region.getByRole('listitem').first().locator('time').getAttribute('datetime')).resolves.toBe(new Date(afterLock).toISOString());

  // The lock stands out by its icon's shape, bold words and a wide edge, not by colour alone.
  const [approved, locked, issued] = (await page.evaluate(LINE_LOOKS)) as LineLook[];
  expect(locked?.icon).not.toBe(approved?.icon);
  expect(locked?.icon).not.toBe(issued?.icon);
  expect(Number(locked?.weight)).toBeGreaterThanOrEqual(700);
  expect(Number(approved?.weight)).toBeLessThan(700);
  expect(locked?.edge).toBeGreaterThan(0);
  expect(locked?.color).not.toBe(approved?.color);
  await saveStep(page, '41-activity');

  expect(watch.foreignRequests).toEqual([]);
  expect(watch.errors.filter((line) => !/status of 429\b/.test(line))).toEqual([]);
});

test('a recovery-code sign-in, a new set and a lost phone read as such, and the list follows the language picker', async () => {
  await signInAsDeveloper(page, 'barbara-activity');
  await startSetUp(page, 'barbara phone');
  const account = await scanQrCode(page);
  const codes = await verifyAndSaveCodes(page, codeAt(account, T0));
  const token = await suite.stack.devToken('barbara-activity');
  const post = async (route: string, body: object): Promise<{ status: number; body: unknown }> => {
    const answer = await fetch(new URL(route, suite.stack.origin), {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: answer.status, body: await answer.json() };
  };

  // Elsewhere (another device of the same person): a recovery-code sign-in, a new set, a wrong recovery code.
  const nextStep = T0 + 30_000;
  await suite.stack.setClock(nextStep);
  expect((await post('/use-recovery-code', { code: codes[0] })).status).toBe(200);
  const renewed = await post('/regenerate-recovery-codes', { code: codeAt(account, nextStep) });
  expect(renewed.status).toBe(200);
  const [newCode = ''] = (renewed.body as { recoveryCodes: string[] }).recoveryCodes;
  expect((await post('/use-recovery-code', { code: codes[1] })).status).toBe(403);

  // The page learns of them with its own next action, here a wrong sign-in code: two wrong codes in a row.
  await expectAnnouncement(page, () => submitCheckCode(page, wrongCodeAt(account, nextStep)), /^Not approved/);
  await newestLineIs('2 wrong codes · today, 9:00 AM');

  // Then the phone is lost: its authenticator goes with a code of the new set.
  const item = page.getByRole('region', { name: 'Your authenticators' }).getByRole('listitem').filter({ hasText: 'barbara phone' });
  await item.getByRole('button', { name: 'Delete barbara phone' }).click();
  await item.getByRole('button', { name: 'Lost your phone? Use a recovery code instead' }).click();
  await item.getByRole('textbox', { name: 'Recovery code', exact: true }).fill(newCode);
  await expectAnnouncement(page, () => item.getByRole('button', { name: 'Delete authenticator' }).click(), /^Deleted “barbara phone”, and its recovery codes with it/);
  await newestLineIs('Lost authenticator removed with a recovery code · today, 9:00 AM');
  expect((await activityLines(page)).slice(0, 4)).toEqual([
    'Lost authenticator removed with a recovery code · today, 9:00 AM',
    '2 wrong codes · today, 9:00 AM',
    '10 new recovery codes issued · today, 9:00 AM',
    'Recovery code used to sign in; 9 left · today, 9:00 AM',
  ]);

  // The same lines in German, at once and without a reload.
  await page.getByRole('combobox').selectOption('de');
  const german = page.getByRole('region', { name: 'Letzte Aktivitäten' });
  await german.waitFor({ timeout: STATE_TIMEOUT_MS });
  await german.getByRole('listitem').first().getByText('Verlorene Authenticator-App mit einem Wiederherstellungscode entfernt').waitFor({ timeout: STATE_TIMEOUT_MS });
  const lines = (await german.getByRole('listitem').allInnerTexts()).slice(0, 4).map((text) => text.replace(/\s*\n+\s*/g, ' · ').trim());
  expect(lines).toEqual([
    'Verlorene Authenticator-App mit einem Wiederherstellungscode entfernt · heute, 09:00 Uhr',
    '2 falsche Codes · heute, 09:00 Uhr',
    '10 neue Wiederherstellungscodes ausgegeben · heute, 09:00 Uhr',
    'Wiederherstellungscode zur Anmeldung verwendet; noch 9 übrig · heute, 09:00 Uhr',
  ]);
  await saveStep(page, '42-activity-de');

  expect(watch.foreignRequests).toEqual([]);
  expect(watch.errors.filter((line) => !/status of 403\b/.test(line))).toEqual([]);
});
