// The page's catalogs, checked without a browser: every language has every key, the same placeholders, the plural
// forms its Intl.PluralRules asks for, and no English left by accident; every kit error code has a translated text.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { build } from 'esbuild';
import type { Catalog, Message, PluralMessage } from '../../assets/catalog';
import { ERROR_TEXTS } from '../../assets/failure';
import en from '../../assets/i18n/en';
import { LOCALES, type LocaleTag } from '../../assets/locales';
import { ERROR_CODES } from '../../lib/http/error-codes';

const ROOT = join(__dirname, '..', '..');
const ASSETS = join(ROOT, 'assets');

/**
 * Messages that are rightly the same as the English one in a language (a loanword, a brand). Anything else that
 * equals English is an untranslated string; an entry here that no longer equals English fails too.
 */
const SAME_AS_ENGLISH: Readonly<Record<Exclude<LocaleTag, 'en'>, readonly string[]>> = {
  es: [],
  fr: ['code.label'], // "Code"
  de: ['code.label'], // "Code"
  'pt-BR': [],
  ja: [],
  ar: [],
};

// Each catalog module, read as the build reads it (scripts/build.ts).
const catalogs = Object.fromEntries(
  LOCALES.map(({ tag }) => [tag, (require(join(ASSETS, 'i18n', `${tag}.ts`)) as { default: Catalog }).default]),
) as Record<LocaleTag, Catalog>;
const english: Readonly<Record<string, Message>> = en;
const keys = Object.keys(english).sort();

function isPlural(message: Message | undefined): message is PluralMessage {
  return typeof message === 'object' && message !== null;
}

function placeholders(text: string): string[] {
  return [...text.matchAll(/\{(\w+)\}/g)].map((match) => match[1] ?? '').sort();
}

function forms(message: Message): [string, string][] {
  return typeof message === 'string' ? [['text', message]] : Object.entries(message).filter((entry): entry is [string, string] => entry[1] !== undefined);
}

const others = LOCALES.filter(({ tag }) => tag !== 'en').map(({ tag }) => tag as Exclude<LocaleTag, 'en'>);

test('every language in assets/locales.ts has a catalog, and there is no other', () => {
  expect(readdirSync(join(ASSETS, 'i18n')).sort()).toEqual(LOCALES.map(({ tag }) => `${tag}.ts`).sort());
});

describe.each(LOCALES.map(({ tag }) => tag))('the %s catalog', (tag) => {
  const catalog: Readonly<Record<string, Message>> = catalogs[tag];

  test('has exactly the English keys, each a plain or a plural message as in English', () => {
    expect(Object.keys(catalog).sort()).toEqual(keys);
    for (const key of keys) expect([key, isPlural(catalog[key])]).toEqual([key, isPlural(english[key])]);
  });

  test('has the same placeholders as English in every message, and no stray braces', () => {
    for (const key of keys) {
      const source = english[key];
      const message = catalog[key];
      if (source === undefined || message === undefined) continue;
      const wanted = placeholders(isPlural(source) ? source.other : source);
      for (const [form, text] of forms(message)) {
        // A plural form may leave the number out ("رقمان", "chaque seconde"); `other` and every plain message may not.
        const found = placeholders(text);
        if (form === 'text' || form === 'other') expect([key, form, found]).toEqual([key, form, wanted]);
        else expect([key, form, found]).toEqual([key, form, wanted.filter((name) => name !== 'count' || found.includes('count'))]);
        expect([key, form, text.replace(/\{\w+\}/g, '').match(/[{}]/)]).toEqual([key, form, null]);
        expect([key, form, text.trim() === text && text !== '']).toEqual([key, form, true]);
      }
    }
  });

  test('says "approved" with one word: the check\'s answer opens both approval messages', () => {
    const word = String(catalog['check.approved']);
    expect([String(catalog['check.approvedMessage']).startsWith(word), String(catalog['lost.approved']).startsWith(word)]).toEqual([true, true]);
  });

  test("has exactly the plural forms of the language's Intl.PluralRules categories", () => {
    const categories = new Intl.PluralRules(tag).resolvedOptions().pluralCategories.slice().sort();
    for (const key of keys) {
      const message = catalog[key];
      if (isPlural(message)) expect([key, Object.keys(message).sort()]).toEqual([key, categories]);
    }
  });
});

describe.each(others)('the %s catalog', (tag) => {
  test('leaves no English message untranslated, except the listed ones that are the same word in this language', () => {
    const catalog: Readonly<Record<string, Message>> = catalogs[tag];
    const same = keys.filter((key) => {
      const source = english[key];
      const message = catalog[key];
      if (source === undefined || message === undefined) return false;
      const englishForms = new Set(forms(source).map(([, text]) => text));
      return forms(message).some(([, text]) => englishForms.has(text));
    });
    expect(same).toEqual([...SAME_AS_ENGLISH[tag]].sort());
  });
});

describe('the markup (assets/index.html)', () => {
  const html = readFileSync(join(ASSETS, 'index.html'), 'utf8');

  test('names only plain English keys, and each slot is a placeholder of its message', () => {
    const used = [...html.matchAll(/data-i18n="([^"]+)"/g)].map((match) => match[1] ?? '');
    expect(used.length).toBeGreaterThan(30);
    for (const key of used) expect([key, typeof english[key]]).toEqual([key, 'string']);
    for (const match of html.matchAll(/data-i18n="([^"]+)"[^>]*>\s*<[^>]+data-i18n-slot="(\w+)"/g)) {
      const message = english[match[1] ?? ''];
      expect([match[1], typeof message === 'string' && placeholders(message).includes(match[2] ?? '')]).toEqual([match[1], true]);
    }
  });

  test("keeps English text only where it shows before the catalog loads, and then it is the catalog's", () => {
    for (const match of html.matchAll(/<(\w+)[^>]*data-i18n="([^"]+)"[^>]*>([^<]*)</g)) {
      const text = (match[3] ?? '').trim();
      if (text !== '') expect([match[2], text]).toEqual([match[2], english[match[2] ?? '']]);
    }
    expect(html).toContain('<title data-i18n="page.title">Two-step sign-in</title>');
  });
});

test('every English key is used by the page (no dead strings for translators to keep up)', () => {
  const sources = readdirSync(ASSETS)
    .filter((name) => name.endsWith('.ts') || name.endsWith('.html'))
    .map((name) => readFileSync(join(ASSETS, name), 'utf8'))
    .join('\n');
  const unused = keys.filter((key) => !sources.includes(`'${key}'`) && !sources.includes(`"${key}"`));
  expect(unused).toEqual([]);
});

/**
 * The page's own modules: what esbuild bundles into app.js for index.html. Other files in assets/ are not the page:
 * the example sign-in step (sign-in-step.ts, English on purpose) and the catalogs' data.
 */
async function pageModules(): Promise<string[]> {
  const result = await build({ entryPoints: [join(ASSETS, 'app.ts')], bundle: true, write: false, metafile: true, platform: 'browser', logLevel: 'silent' });
  return Object.keys(result.metafile.inputs)
    .map((input) => join(ROOT, input))
    .filter((file) => dirname(file) === ASSETS && file.endsWith('.ts'))
    .map((file) => relative(ASSETS, file));
}

test('the page writes text only through the catalogs, apart from data (the key, names, dates)', async () => {
  // Each direct text write in assets/, and why it is not a message: anything new here is most likely English.
  const allowed: Readonly<Record<string, readonly RegExp[]>> = {
    'localizer.ts': [/element\.textContent = rendered;/, /bdi\.textContent = text;/],
    'render.ts': [/\.textContent = groupSecret\(factor\.secret\);/, /time\.textContent = t\.date\(/, /code\.textContent = recoveryCode;/],
    'language-picker.ts': [/option\.textContent = name;/],
  };
  const modules = await pageModules();
  expect(modules).toEqual(expect.arrayContaining(['app.ts', 'totp-client.ts', 'render.ts', 'localizer.ts']));
  expect(modules).not.toContain('sign-in-step.ts');
  const writes = modules
    .flatMap((name) =>
      readFileSync(join(ASSETS, name), 'utf8')
        .split('\n')
        .filter((line) => /\.(textContent|innerText|innerHTML|outerHTML)\s*=|insertAdjacent(HTML|Text)|setAttribute\('(aria-label|title|placeholder|alt)'/.test(line))
        .map((line) => ({ name, line: line.trim() })),
    );
  const unexplained = writes.filter(({ name, line }) => !(allowed[name] ?? []).some((pattern) => pattern.test(line)));
  expect(unexplained).toEqual([]);
});

describe('error codes', () => {
  /** The codes README's error table lists: the API's promise to developers. */
  const readmeCodes = (): string[] => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('## Errors'), readme.indexOf('\n## ', readme.indexOf('## Errors') + 1));
    return [...section.matchAll(/^\| `(\w+)` \|/gm)].map((match) => match[1] ?? '');
  };

  test('every code the kit can answer has a text on the page', () => {
    // The list is every code the kit answers (KitError takes no other); README's table is checked against it too.
    const codes = new Set([...readmeCodes(), ...Object.keys(ERROR_CODES)]);
    expect(codes.size).toBeGreaterThan(25);
    expect([...codes].filter((code) => !Object.hasOwn(ERROR_TEXTS, code))).toEqual([]);
  });

  test('each maps to an English message, with a {retry} sentence exactly where it says so', () => {
    for (const [code, entry] of Object.entries(ERROR_TEXTS)) {
      const message = english[entry.key];
      expect([code, typeof message]).toEqual([code, 'string']);
      expect([code, placeholders(String(message))]).toEqual([code, entry.retry === true ? ['retry'] : []]);
    }
  });
});
