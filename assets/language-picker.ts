// The language picker: a labelled native <select> (keyboard and screen readers know it), each language named in
// itself; the choice is remembered in localStorage and, when the address has ?lang=, written there too.
import { LOCALES, matchLocale, type LocaleTag } from './locales';

/** A language tag; beside it the page stores only a trusted device's token (trusted-device-store.ts), never the caller token. */
const STORAGE_KEY = 'totp-functions.language';

/** The remembered choice, or null when there is none or storage is off (private modes, blocked storage). */
export function readStoredLocale(storage: () => Storage): string | null {
  try {
    return storage().getItem(STORAGE_KEY);
  } catch {
    return null;
  }
}

function storeLocale(storage: () => Storage, locale: LocaleTag): void {
  try {
    storage().setItem(STORAGE_KEY, locale);
  } catch {
    // Not remembered: the page still switches, for this visit.
  }
}

export interface LanguagePickerOptions {
  select: HTMLSelectElement;
  /** Shown once the picker is ready. */
  container: HTMLElement;
  current: LocaleTag;
  storage: () => Storage;
  location: Location;
  history: History;
  /** Switches the page to the picked language. */
  pick(locale: LocaleTag): Promise<void>;
}

export function createLanguagePicker(options: LanguagePickerOptions): void {
  const { select, location, history } = options;
  select.replaceChildren(
    ...LOCALES.map(({ tag, name }) => {
      const option = document.createElement('option');
      option.value = tag;
      option.textContent = name;
      // Read out with the right voice: each name is in its own language.
      option.lang = tag;
      return option;
    }),
  );
  select.value = options.current;
  select.addEventListener('change', () => {
    const locale = matchLocale(select.value);
    if (locale === null) return;
    storeLocale(options.storage, locale);
    // ?lang= wins over the remembered choice, so a reload would undo the pick unless the address says it too.
    const url = new URL(location.href);
    if (url.searchParams.has('lang')) {
      url.searchParams.set('lang', locale);
      history.replaceState(history.state, '', `${url.pathname}${url.search}${url.hash}`);
    }
    void options.pick(locale);
  });
  options.container.hidden = false;
}
