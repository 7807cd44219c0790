// The page in every language, in Chromium: each locale signs in, sets up, saves its recovery codes (the downloaded
// file in the language too) and reaches the sign-in check and Recent activity with no key, placeholder or English left,
// passes axe, and Arabic mirrors right to left on a 375 px phone. Then how a visit picks its language (?lang=, the
// picker, navigator.languages), that only that catalog is fetched, and translated errors.
import { readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import type { Catalog, Message } from '../../assets/catalog';
import en from '../../assets/i18n/en';
import { LOCALES, type LocaleTag } from '../../assets/locales';
import { createTranslator, type Translator } from '../../assets/translator';
import { saveStep } from './support/artifacts';
import { axeViolations, overflowsWidth } from './support/axe';
import { describeFocus, tabTo } from './support/keyboard';
import { liveRegion, STATE_TIMEOUT_MS } from './support/person';
import { T0, useBrowserSuite, type OpenPageOptions } from './support/session';
import { codeAt, wrongCodeAt, type ScannedAccount } from './support/totp';
import type { PageWatch } from './support/watch';

jest.setTimeout(240_000);

/** The downloaded file's name (assets/save-codes.ts): data, the same in every language. */
const RECOVERY_CODES_FILE = 'recovery-codes.txt';

/** Pages in parallel contexts of the one browser; more would only queue on a two-core machine. */
const PARALLEL_PAGES = 3;

const suite = useBrowserSuite();
const TAGS = LOCALES.map(({ tag }) => tag);
const catalogs = Object.fromEntries(
  TAGS.map((tag) => [tag, (require(`../../assets/i18n/${tag}`) as { default: Catalog }).default]),
) as Record<LocaleTag, Catalog>;
const translators = Object.fromEntries(TAGS.map((tag) => [tag, createTranslator(tag, catalogs[tag])])) as Record<LocaleTag, Translator>;

function messageTexts(catalog: Readonly<Record<string, Message>>): string[] {
  return Object.values(catalog).flatMap((message) => (typeof message === 'string' ? [message] : Object.values(message)));
}

/** What a person can see or hear: visible text (not the language list, not the key), accessible names, the title. */
const SHOWN_TEXT = `(() => {
  const texts = [document.title];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const parent = node.parentElement;
    if (!parent || parent.closest('select, [translate="no"], script, style, noscript') || !parent.checkVisibility()) continue;
    const text = node.textContent.replace(/\\s+/g, ' ').trim();
    if (text !== '') texts.push(text);
  }
  for (const element of document.querySelectorAll('[aria-label]')) {
    if (element.checkVisibility()) texts.push(element.getAttribute('aria-label'));
  }
  return texts;
})()`;

/**
 * What in `texts` is not the language's own: catalog keys, unfilled {placeholders}, English wording (fragments of the
 * English messages that the language's catalog does not also use), and for Arabic and Japanese any Latin-script word
 * that is neither in the language's catalog nor data the test typed.
 */
function untranslated(tag: LocaleTag, texts: readonly string[], data: readonly string[]): string[] {
  const joined = texts.join('\n');
  const problems = Object.keys(en).filter((key) => joined.includes(key)).map((key) => `key ${key}`);
  for (const match of joined.matchAll(/\{\w+\}/g)) problems.push(`placeholder ${match[0]}`);
  if (tag === 'en') return problems;
  const own = messageTexts(catalogs[tag]).join('\n');
  const englishFragments = messageTexts(en)
    .flatMap((text) => text.split(/\{\w+\}/))
    .map((fragment) => fragment.trim())
    .filter((fragment) => fragment.length >= 3 && /\p{L}/u.test(fragment) && !own.includes(fragment));
  for (const fragment of new Set(englishFragments)) if (joined.includes(fragment)) problems.push(`English "${fragment}"`);
  if (tag === 'ar' || tag === 'ja') {
    const allowed = new Set([own.replace(/\{\w+\}/g, ''), ...data].join(' ').match(/[A-Za-z]+/g) ?? []);
    for (const word of joined.match(/[A-Za-z]+/g) ?? []) if (!allowed.has(word)) problems.push(`Latin "${word}"`);
  }
  return [...new Set(problems)];
}

/** The page's layout facts that right-to-left must mirror. */
const LAYOUT = `(() => {
  const rect = (el) => el.getBoundingClientRect();
  const heading = document.querySelector('h1');
  const range = document.createRange();
  range.selectNodeContents(heading);
  const text = range.getBoundingClientRect();
  const message = document.querySelector('.message');
  const steps = document.querySelector('.steps');
  const activityItem = document.querySelector('.activity-item');
  return {
    dir: document.documentElement.dir,
    lang: document.documentElement.lang,
    direction: getComputedStyle(document.body).direction,
    headingTextFromStart: getComputedStyle(document.body).direction === 'rtl' ? rect(heading).right - text.right : text.left - rect(heading).left,
    headingTextFromEnd: getComputedStyle(document.body).direction === 'rtl' ? text.left - rect(heading).left : rect(heading).right - text.right,
    pickerGap: { left: rect(document.querySelector('#language')).left, right: document.documentElement.clientWidth - rect(document.querySelector('#language')).right },
    messageBorder: message ? { left: parseFloat(getComputedStyle(message).borderLeftWidth), right: parseFloat(getComputedStyle(message).borderRightWidth) } : null,
    stepsPadding: steps ? { left: parseFloat(getComputedStyle(steps).paddingLeft), right: parseFloat(getComputedStyle(steps).paddingRight) } : null,
    activityEdge: activityItem ? { left: parseFloat(getComputedStyle(activityItem).borderLeftWidth), right: parseFloat(getComputedStyle(activityItem).borderRightWidth) } : null,
  };
})()`;

/**
 * The save step's codes as drawn: which side each code's number is on, each code read left to right whatever the
 * page's direction, and whatever makes one code hard to copy exactly: a number drawn outside its code's box (a list
 * marker hanging outside, which is what ran into the code before it), a code or number wider than its box, two boxes
 * that overlap, or the list wider than its card.
 */
const CODES_LAYOUT = `(() => {
  const list = document.querySelector('.recovery-codes');
  const items = [...list.querySelectorAll('li')];
  const box = (element) => element.getBoundingClientRect();
  const overlap = (a, b) => a.left < b.right - 0.5 && b.left < a.right - 0.5 && a.top < b.bottom - 0.5 && b.top < a.bottom - 0.5;
  const problems = [];
  items.forEach((item, index) => {
    const style = getComputedStyle(item);
    if (style.listStyleType !== 'none' && style.listStylePosition !== 'inside') problems.push('number ' + (index + 1) + ' is outside its box');
    if (item.scrollWidth > item.clientWidth) problems.push('code ' + (index + 1) + ' is wider than its box');
    const own = box(item);
    const code = box(item.querySelector('code'));
    if (code.left < own.left - 0.5 || code.right > own.right + 0.5) problems.push('code ' + (index + 1) + ' leaves its box');
    items.forEach((other, later) => {
      if (later > index && overlap(own, box(other))) problems.push('codes ' + (index + 1) + ' and ' + (later + 1) + ' overlap');
    });
  });
  if (list.scrollWidth > list.clientWidth) problems.push('the codes are wider than their card');
  const first = box(items[0]);
  const firstCode = box(items[0].querySelector('code'));
  return {
    count: items.length,
    problems,
    // The number sits at the start of the line: the side with the narrower space beside the code.
    numberOnTheRight: first.right - firstCode.right < firstCode.left - first.left,
    codeDirection: getComputedStyle(items[0].querySelector('code')).direction,
  };
})()`;

interface Layout {
  dir: string;
  lang: string;
  direction: string;
  headingTextFromStart: number;
  headingTextFromEnd: number;
  /** Space between the language picker and each side of the viewport. */
  pickerGap: { left: number; right: number };
  messageBorder: { left: number; right: number } | null;
  stepsPadding: { left: number; right: number } | null;
  activityEdge: { left: number; right: number } | null;
}

interface CodesLayout {
  count: number;
  /** What keeps a code from being copied exactly; empty when none. */
  problems: string[];
  numberOnTheRight: boolean;
  codeDirection: string;
}

interface LocaleRun {
  /** Screen name → untranslated findings, axe violations and whether the page scrolled sideways. */
  screens: Record<string, { untranslated: string[]; axe: string[]; overflows: boolean }>;
  layout: Layout;
  codesLayout: CodesLayout;
  /** The save step's codes, and the lines of the file its Download gave. */
  codes: string[];
  file: string[];
  /** Recent activity at the end, each line as "what · when". */
  activity: string[];
  /** T0 as the page's clock shows it (in the browser's time zone, UTC), for the expected times: one format everywhere. */
  clockTime: string;
  watch: PageWatch;
  catalogRequests: string[];
}

async function openIn(tag: LocaleTag, options: OpenPageOptions = {}): Promise<{ page: Page; watch: PageWatch; catalogRequests: string[] }> {
  const catalogRequests: string[] = [];
  const { page, watch } = await suite.openPage({
    url: `${suite.stack.pageUrl}?lang=${tag}`,
    ...options,
    beforeGoto: async (fresh) => {
      fresh.on('request', (request) => {
        const { pathname } = new URL(request.url());
        if (pathname.startsWith('/i18n/')) catalogRequests.push(pathname);
      });
      await options.beforeGoto?.(fresh);
    },
  });
  return { page, watch, catalogRequests };
}

/** One locale from the dev sign-in to the sign-in check, with a look (keys, English, axe, width) at each screen. */
async function runLocale(tag: LocaleTag): Promise<LocaleRun> {
  const t = translators[tag];
  const user = `u-${tag}`;
  const label = `${tag}-telefon`;
  const { page, watch, catalogRequests } = await openIn(tag);
  const screens: LocaleRun['screens'] = {};
  let step = 0;
  async function look(screen: string): Promise<void> {
    const texts = (await page.evaluate(SHOWN_TEXT)) as string[];
    screens[screen] = { untranslated: untranslated(tag, texts, [user, label, RECOVERY_CODES_FILE]), axe: await axeViolations(page), overflows: await overflowsWidth(page) };
    step += 1;
    await saveStep(page, `lang-${tag}-${step}-${screen}`);
  }

  await page.getByLabel(t.text('devSignIn.user'), { exact: true }).waitFor({ timeout: STATE_TIMEOUT_MS });
  await look('sign-in');

  await page.getByLabel(t.text('devSignIn.user'), { exact: true }).fill(user);
  await page.getByRole('button', { name: t.text('devSignIn.submit'), exact: true }).click();
  const setup = page.getByRole('region', { name: t.text('setup.title'), exact: true });
  await setup.getByLabel(t.text('setup.label'), { exact: true }).fill(label);
  await setup.getByRole('button', { name: t.text('setup.submit'), exact: true }).click();
  await page.getByRole('img', { name: t.text('enroll.qrLabel'), exact: true }).waitFor({ timeout: STATE_TIMEOUT_MS });
  // The countdown in the language: 10 s into the 30 s step (Intl.RelativeTimeFormat).
  await setup.getByText(t.text('countdown.normal', { when: t.relative(20, 'second') }), { exact: true }).waitFor({ timeout: STATE_TIMEOUT_MS });
  await look('enrollment');
  // Measured while the set-up steps (a numbered list) and a message are on screen.
  const layout = (await page.evaluate(LAYOUT)) as Layout;

  const secret = ((await setup.locator('code').textContent()) ?? '').replace(/\s+/g, '');
  const account: ScannedAccount = { label, issuer: null, secret, algorithm: 'sha1', digits: 6, period: 30 };
  await setup.getByRole('textbox', { name: t.text('code.label'), exact: true }).fill(wrongCodeAt(account, T0));
  await setup.getByRole('button', { name: t.text('enroll.verify'), exact: true }).click();
  await liveRegion(page).getByText(t.text('enroll.noMatch'), { exact: true }).waitFor({ timeout: STATE_TIMEOUT_MS });
  await look('wrong-code');

  await setup.getByRole('textbox', { name: t.text('code.label'), exact: true }).fill(codeAt(account, T0));
  await setup.getByRole('button', { name: t.text('enroll.verify'), exact: true }).click();
  await liveRegion(page).getByText(t.text('enroll.successCodes'), { exact: true }).waitFor({ timeout: STATE_TIMEOUT_MS });
  // The save step in the language, and its file too.
  const save = page.getByRole('region', { name: t.text('codes.title'), exact: true });
  await save.getByRole('listitem').nth(9).waitFor({ timeout: STATE_TIMEOUT_MS });
  const codes = (await save.getByRole('listitem').allInnerTexts()).map((code) => code.trim());
  const downloading = page.waitForEvent('download');
  await save.getByRole('button', { name: t.text('codes.download'), exact: true }).click();
  const file = readFileSync(await (await downloading).path(), 'utf8').split('\n');
  await liveRegion(page).getByText(t.text('codes.downloaded', { file: RECOVERY_CODES_FILE }), { exact: true }).waitFor({ timeout: STATE_TIMEOUT_MS });
  await look('recovery-codes');
  const codesLayout = (await page.evaluate(CODES_LAYOUT)) as CodesLayout;
  await save.getByRole('checkbox', { name: t.text('codes.confirm'), exact: true }).check();
  await save.getByRole('button', { name: t.text('codes.done'), exact: true }).click();
  await liveRegion(page).getByText(t.text('codes.closed'), { exact: true }).waitFor({ timeout: STATE_TIMEOUT_MS });

  // The sign-in check, answered in the language (a wrong code: the clock stays at T0 for every locale at once).
  const check = page.getByRole('region', { name: t.text('check.title'), exact: true });
  await check.getByRole('textbox', { name: t.text('code.label'), exact: true }).fill(wrongCodeAt(account, T0));
  await check.getByRole('button', { name: t.text('check.submit'), exact: true }).click();
  await check.getByText(t.text('check.notApproved'), { exact: true }).waitFor({ timeout: STATE_TIMEOUT_MS });
  // The lost-phone form, open.
  await check.getByRole('button', { name: t.text('lost.toggle'), exact: true }).click();
  await check.getByRole('textbox', { name: t.text('recovery.codeLabel'), exact: true }).waitFor({ timeout: STATE_TIMEOUT_MS });
  const factors = page.getByRole('region', { name: t.text('factors.title'), exact: true });
  await factors.getByText(t.text('factors.verified'), { exact: true }).waitFor({ timeout: STATE_TIMEOUT_MS });
  await factors.getByRole('button', { name: t.text('factors.deleteNamed', { name: label }), exact: true }).click();
  await factors.getByRole('button', { name: t.text('factors.deleteConfirm'), exact: true }).waitFor({ timeout: STATE_TIMEOUT_MS });
  // Recent activity after the check: five lines (the check's wrong code is the newest).
  const activity = page.getByRole('region', { name: t.text('activity.title'), exact: true });
  await activity.getByRole('listitem').nth(4).waitFor({ timeout: STATE_TIMEOUT_MS });
  const lines = (await activity.getByRole('listitem').allInnerTexts()).map((text) => text.replace(/\s*\n+\s*/g, ' · ').replace(/\s+/g, ' ').trim());
  const clockTime = String(await page.evaluate(`new Intl.DateTimeFormat(${JSON.stringify(tag)}, { timeStyle: 'short' }).format(${T0})`));
  await look('sign-in-check');

  await page.context().close();
  return { screens, layout, codesLayout, codes, file, activity: lines, clockTime, watch, catalogRequests };
}

/** Runs `task` over `items`, at most `limit` at a time, keeping each outcome (a failure stays with its locale). */
async function inPool<T, R>(items: readonly T[], limit: number, task: (item: T) => Promise<R>): Promise<PromiseSettledResult<R>[]> {
  const results: PromiseSettledResult<R>[] = new Array(items.length);
  let next = 0;
  async function worker(): Promise<void> {
    while (next < items.length) {
      const index = next;
      next += 1;
      results[index] = await task(items[index] as T).then(
        (value): PromiseFulfilledResult<R> => ({ status: 'fulfilled', value }),
        (reason: unknown): PromiseRejectedResult => ({ status: 'rejected', reason }),
      );
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

describe('every language, from sign-in to the sign-in check', () => {
  const runs = new Map<LocaleTag, PromiseSettledResult<LocaleRun>>();

  beforeAll(async () => {
    const results = await inPool(TAGS, PARALLEL_PAGES, runLocale);
    TAGS.forEach((tag, index) => runs.set(tag, results[index] as PromiseSettledResult<LocaleRun>));
  });

  function runOf(tag: LocaleTag): LocaleRun {
    const run = runs.get(tag);
    if (run === undefined) throw new Error(`no run for ${tag}`);
    if (run.status === 'rejected') throw run.reason;
    return run.value;
  }

  test.each(TAGS)('%s: every screen is in the language, passes axe and fits 375 px', (tag) => {
    const run = runOf(tag);
    expect(Object.keys(run.screens)).toEqual(['sign-in', 'enrollment', 'wrong-code', 'recovery-codes', 'sign-in-check']);
    for (const [screen, found] of Object.entries(run.screens)) {
      expect({ screen, ...found }).toEqual({ screen, untranslated: [], axe: [], overflows: false });
    }
    expect({ lang: run.layout.lang, dir: run.layout.dir }).toEqual({ lang: tag, dir: tag === 'ar' ? 'rtl' : 'ltr' });
    // Only this language's catalog was downloaded.
    expect(run.catalogRequests).toEqual([`/i18n/${tag}.json`]);
    expect(run.watch.foreignRequests).toEqual([]);
    expect(run.watch.errors).toEqual([]);
  });

  test.each(TAGS)('%s: at 375 px every recovery code has its own box, its number inside it, and no two overlap', (tag) => {
    expect(runOf(tag).codesLayout).toMatchObject({ count: 10, problems: [] });
  });

  test.each(TAGS)('%s: the recovery codes, their file and Recent activity are in the language', (tag) => {
    const run = runOf(tag);
    const t = translators[tag];
    expect(run.codes).toHaveLength(10);
    for (const code of run.codes) expect(code).toMatch(/^[0-9A-Z]{4}(-[0-9A-Z]{4}){3}$/);
    expect(run.file.slice(0, 13)).toEqual([t.text('codes.sheetTitle', { name: `u-${tag}` }), '', ...run.codes, '']);
    const [before = ''] = t.text('codes.sheetNote').split('{dateTime}');
    expect(run.file[13]?.startsWith(before)).toBe(true);
    const when = t.text('activity.when', { day: t.day(0), time: run.clockTime });
    expect(run.activity).toEqual(
      [
        t.text('activity.wrongCode'),
        t.plural('activity.codesGenerated', 10),
        t.text('activity.factorVerified'),
        t.text('activity.wrongCode'),
        t.text('activity.factorCreated'),
      ].map((what) => `${what} · ${when}`.replace(/\s+/g, ' ')),
    );
  });

  test('Arabic mirrors the layout: text from the right, the picker on the left, borders and list numbers on the right', () => {
    const arabic = runOf('ar').layout;
    const english = runOf('en').layout;
    expect(arabic.direction).toBe('rtl');
    expect(english.direction).toBe('ltr');
    for (const layout of [arabic, english]) {
      // The heading's text starts at the start edge of its box (right in Arabic), the free space is at the end.
      expect(Math.abs(layout.headingTextFromStart)).toBeLessThan(2);
      expect(layout.headingTextFromEnd).toBeGreaterThan(20);
    }
    expect(arabic.pickerGap.left).toBeLessThan(arabic.pickerGap.right);
    expect(english.pickerGap.right).toBeLessThan(english.pickerGap.left);
    expect(arabic.messageBorder).toEqual({ left: 0, right: expect.any(Number) });
    expect(arabic.messageBorder?.right).toBeGreaterThan(0);
    expect(english.messageBorder).toEqual({ left: expect.any(Number), right: 0 });
    expect(english.messageBorder?.left).toBeGreaterThan(0);
    expect(arabic.stepsPadding).toEqual({ left: 0, right: expect.any(Number) });
    expect(arabic.stepsPadding?.right).toBeGreaterThan(0);
    expect(english.stepsPadding).toEqual({ left: expect.any(Number), right: 0 });
    expect(english.stepsPadding?.left).toBeGreaterThan(0);
    // Recent activity's edge on the start side; the codes' numbers are on the right, each code still reads left to right.
    expect(arabic.activityEdge).toEqual({ left: 0, right: expect.any(Number) });
    expect(arabic.activityEdge?.right).toBeGreaterThan(0);
    expect(english.activityEdge).toEqual({ left: expect.any(Number), right: 0 });
    expect(runOf('ar').codesLayout).toMatchObject({ numberOnTheRight: true, codeDirection: 'ltr' });
    expect(runOf('en').codesLayout).toMatchObject({ numberOnTheRight: false, codeDirection: 'ltr' });
  });
});

describe('which language a visit gets', () => {
  async function pageLanguage(page: Page): Promise<string> {
    await page.locator('html[dir]').waitFor({ state: 'attached', timeout: STATE_TIMEOUT_MS });
    await page.getByRole('combobox').waitFor({ timeout: STATE_TIMEOUT_MS });
    return String(await page.evaluate('document.documentElement.lang'));
  }

  test.each([
    ['fr-CA', 'fr'],
    ['pt-PT', 'pt-BR'],
    ['ja-JP', 'ja'],
    ['zh-CN', 'en'],
  ])('the browser in %s gets %s', async (locale, expected) => {
    const { page } = await suite.openPage({ locale, pinClock: false });
    await expect(pageLanguage(page)).resolves.toBe(expected);
  });

  test('?lang= wins over the browser; an unknown one is ignored', async () => {
    const { page } = await suite.openPage({ locale: 'de-DE', url: `${suite.stack.pageUrl}?lang=ja`, pinClock: false });
    await expect(pageLanguage(page)).resolves.toBe('ja');
    const other = await suite.openPage({ locale: 'de-DE', url: `${suite.stack.pageUrl}?lang=xx-YY`, pinClock: false });
    await expect(pageLanguage(other.page)).resolves.toBe('de');
  });

  test('the labelled picker works from the keyboard, translates a set-up under way, and is remembered', async () => {
    const { context, page, watch } = await suite.openPage();
    const english = translators.en;
    const german = translators.de;
    await page.getByLabel(english.text('devSignIn.user')).fill('picker');
    await page.getByRole('button', { name: english.text('devSignIn.submit'), exact: true }).click();
    await page.getByLabel(english.text('setup.label')).fill('picker-phone');
    await page.getByRole('button', { name: english.text('setup.submit'), exact: true }).click();
    await page.getByRole('img', { name: english.text('enroll.qrLabel'), exact: true }).waitFor({ timeout: STATE_TIMEOUT_MS });

    // A labelled native select: Shift+Tab reaches it by its label; arrow keys choose (English, Español, Français, Deutsch).
    await tabTo(page, `select:${english.text('language.label')}`, 30, 'Shift+Tab');
    for (let presses = 0; presses < 3; presses += 1) await page.keyboard.press('ArrowDown');
    await page.locator('html[lang="de"]').waitFor({ state: 'attached', timeout: STATE_TIMEOUT_MS });
    await expect(describeFocus(page)).resolves.toBe(`select:${german.text('language.label')}`);
    await expect(page.getByRole('combobox', { name: german.text('language.label'), exact: true }).inputValue()).resolves.toBe('de');

    // The set-up under way is still there, now in German: QR code name, hint, countdown, the signed-in line.
    await page.getByRole('img', { name: german.text('enroll.qrLabel'), exact: true }).waitFor({ timeout: STATE_TIMEOUT_MS });
    const setup = page.getByRole('region', { name: german.text('setup.title'), exact: true });
    await setup.getByText(german.plural('enroll.hint', 6), { exact: true }).waitFor({ timeout: STATE_TIMEOUT_MS });
    await setup.getByText(german.text('countdown.normal', { when: german.relative(20, 'second') }), { exact: true }).waitFor({ timeout: STATE_TIMEOUT_MS });
    await page.getByText(german.text('session.signedInLocal', { name: 'picker' }), { exact: true }).waitFor({ timeout: STATE_TIMEOUT_MS });
    await saveStep(page, 'lang-picker-switched');

    // Remembered for the next visit (same browser profile), and ?lang= still wins over it.
    const again = await context.newPage();
    await again.goto(suite.stack.pageUrl);
    await expect(pageLanguage(again)).resolves.toBe('de');
    await again.goto(`${suite.stack.pageUrl}?lang=fr`);
    await expect(pageLanguage(again)).resolves.toBe('fr');
    // A pick on a page opened with ?lang= rewrites the address, so a reload keeps the pick.
    await again.getByRole('combobox').selectOption('es');
    await again.locator('html[lang="es"]').waitFor({ state: 'attached', timeout: STATE_TIMEOUT_MS });
    expect(new URL(again.url()).searchParams.get('lang')).toBe('es');
    await again.reload();
    await expect(pageLanguage(again)).resolves.toBe('es');

    expect(watch.foreignRequests).toEqual([]);
    expect(watch.errors).toEqual([]);
  });

  test('a language whose catalog cannot load falls back to English', async () => {
    const { page, watch } = await openIn('fr', {
      beforeGoto: async (fresh) => {
        await fresh.route('**/i18n/fr.json', (route) => route.fulfill({ status: 404, contentType: 'text/plain', body: 'Not Found' }));
      },
    });
    await expect(pageLanguage(page)).resolves.toBe('en');
    await page.getByLabel(translators.en.text('devSignIn.user'), { exact: true }).waitFor({ timeout: STATE_TIMEOUT_MS });
    expect(watch.errors.filter((line) => !/status of 404\b/.test(line))).toEqual([]);
  });
});

test('the page script carries no language: no English message is bundled into app.js', async () => {
  const script = await (await fetch(new URL('/app.js', suite.stack.origin))).text();
  const fragments = messageTexts(en).flatMap((text) => text.split(/\{\w+\}/).map((fragment) => fragment.trim()));
  const bundled = fragments.filter((fragment) => fragment.length > 12 && script.includes(fragment));
  expect(bundled).toEqual([]);
});

test.each([
  ['ar', 'too_many_enrollments', 'error.tooManyEnrollments'],
  ['ja', 'already_enrolled', 'error.alreadyEnrolled'],
  ['es', 'a_code_the_page_does_not_know', 'error.generic'],
] as const)('in %s, a %s answer shows the translated text, never the English message of the API', async (tag, code, key) => {
  const t = translators[tag];
  const apiMessage = 'The API speaks English to developers.';
  const { page, watch } = await openIn(tag, {
    beforeGoto: async (fresh) => {
      await fresh.route('**/create-factor', (route) =>
        route.fulfill({
          status: code === 'too_many_enrollments' ? 429 : 409,
          contentType: 'application/json',
          headers: { 'Retry-After': '86400' },
          body: JSON.stringify({ error: { code, message: apiMessage } }),
        }),
      );
    },
  });
  await page.getByLabel(t.text('devSignIn.user'), { exact: true }).fill(`errors-${tag}`);
  await page.getByRole('button', { name: t.text('devSignIn.submit'), exact: true }).click();
  await page.getByRole('button', { name: t.text('setup.submit'), exact: true }).click();
  // The retry sentence's date and time come from the browser's Intl; the sentence before it from the catalog.
  const [before = ''] = t.text(key).split('{retry}');
  const message = liveRegion(page).locator('p');
  await message.waitFor({ timeout: STATE_TIMEOUT_MS });
  const shown = (await message.textContent()) ?? '';
  expect(shown.startsWith(before.trim())).toBe(true);
  if (key === 'error.tooManyEnrollments') expect(shown).toContain(t.text('retry.after', { dateTime: '' }).split(' ')[0]);
  else expect(shown).toBe(t.text(key));
  expect(await liveRegion(page).getByText(apiMessage).count()).toBe(0);
  await saveStep(page, `lang-${tag}-error-${code}`);
  expect(watch.errors.filter((line) => !/status of (409|429)\b/.test(line))).toEqual([]);
});

test('in fr, a dev sign-in refused for its host name (host_not_allowed) says so in French', async () => {
  const t = translators.fr;
  const { page, watch } = await openIn('fr', {
    beforeGoto: async (fresh) => {
      // The probe (GET) goes through; the sign-in (POST) gets the local stack's refusal for a foreign Host header.
      await fresh.route('**/__dev/token', (route) =>
        route.request().method() === 'POST'
          ? route.fulfill({
              status: 403,
              contentType: 'application/json',
              body: JSON.stringify({ error: { code: 'host_not_allowed', message: 'The dev sign-in answers only at this machine\'s own address.' } }),
            })
          : route.fallback(),
      );
    },
  });
  await page.getByLabel(t.text('devSignIn.user'), { exact: true }).fill('rebinding');
  await page.getByRole('button', { name: t.text('devSignIn.submit'), exact: true }).click();
  await liveRegion(page).getByText(t.text('error.hostNotAllowed'), { exact: true }).waitFor({ timeout: STATE_TIMEOUT_MS });
  expect(watch.errors.filter((line) => !/status of 403\b/.test(line))).toEqual([]);
});
