// The page's languages, and which one a visit gets: `?lang=`, else the picker's remembered choice, else the browser's
// languages (navigator.languages), else English. Pure, so the rules are tested without a browser.

/** Each entry has a catalog, assets/i18n/<tag>.ts, built to dist/assets/i18n/<tag>.json. */
export const LOCALES = [
  { tag: 'en', name: 'English', dir: 'ltr' },
  { tag: 'es', name: 'Español', dir: 'ltr' },
  { tag: 'fr', name: 'Français', dir: 'ltr' },
  { tag: 'de', name: 'Deutsch', dir: 'ltr' },
  { tag: 'pt-BR', name: 'Português (Brasil)', dir: 'ltr' },
  { tag: 'ja', name: '日本語', dir: 'ltr' },
  { tag: 'ar', name: 'العربية', dir: 'rtl' },
] as const satisfies readonly { tag: string; name: string; dir: 'ltr' | 'rtl' }[];

export type LocaleTag = (typeof LOCALES)[number]['tag'];
export type LocaleInfo = (typeof LOCALES)[number];

export const DEFAULT_LOCALE: LocaleTag = 'en';

export function localeInfo(tag: LocaleTag): LocaleInfo {
  return LOCALES.find((locale) => locale.tag === tag) ?? LOCALES[0];
}

function languageOf(tag: string): string {
  return tag.split('-')[0] ?? tag;
}

/**
 * The supported locale for one BCP 47 tag (RFC 4647 §3.4 lookup, simplified to our list): an exact match, else the
 * first locale of the same language ("pt-PT" → "pt-BR", "es-MX" → "es"). Null for a language we do not have or a
 * string that is not a language tag.
 */
export function matchLocale(requested: string): LocaleTag | null {
  let canonical: string;
  try {
    [canonical = ''] = Intl.getCanonicalLocales(requested.trim());
  } catch {
    return null;
  }
  const lower = canonical.toLowerCase();
  const exact = LOCALES.find((locale) => locale.tag.toLowerCase() === lower);
  if (exact !== undefined) return exact.tag;
  const language = languageOf(lower);
  return LOCALES.find((locale) => languageOf(locale.tag.toLowerCase()) === language)?.tag ?? null;
}

export interface LocaleSources {
  /** The `lang` query parameter of the page's address, if any. */
  query: string | null;
  /** The picker's remembered choice (localStorage), if any. */
  stored: string | null;
  /** navigator.languages, most preferred first. */
  browser: readonly string[];
}

/** The first source that names a language we have wins; English when none does. */
export function chooseLocale(sources: LocaleSources): LocaleTag {
  const candidates = [sources.query, sources.stored, ...sources.browser];
  for (const candidate of candidates) {
    if (candidate === null || candidate === '') continue;
    const match = matchLocale(candidate);
    if (match !== null) return match;
  }
  return DEFAULT_LOCALE;
}
