// The page in one language at a time: fetches that language's catalog (only that one), translates the markup's
// data-i18n keys, sets <html lang dir>, and re-renders every text shown through it when the language changes.
import type { Catalog, TextKey } from './catalog';
import { DEFAULT_LOCALE, type LocaleTag } from './locales';
import { createTranslator, isCatalogShape, type Translator } from './translator';

/** What an element shows: text, or text with nodes in it (a name in <bdi>, a <time>). */
export type Rendered = string | readonly (string | Node)[];
export type Render = (t: Translator) => Rendered;

export interface Localizer {
  /** The current language's messages and formats. */
  readonly t: Translator;
  /** Fills `element` now, and again in the new language whenever the language changes (while it is in the page). */
  show(element: Element, render: Render): void;
  /** The same for an attribute, such as an accessible name. */
  showAttribute(element: Element, attribute: string, render: (t: Translator) => string): void;
  /** Translates the data-i18n markup under `root`, e.g. a template just cloned. */
  translate(root: ParentNode): void;
  /** Loads `locale` (English if its catalog cannot be loaded) and re-renders the page in it. */
  switchTo(locale: LocaleTag): Promise<void>;
}

/** Marks elements with renders registered, so a language change finds them in the document. */
const LIVE = 'data-i18n-live';

/** dist/assets/i18n/<tag>.json, next to the page (scripts/build.ts writes one per language). */
export async function fetchCatalog(baseUrl: string, locale: LocaleTag): Promise<Catalog> {
  const response = await fetch(new URL(`i18n/${locale}.json`, baseUrl), { credentials: 'omit' });
  if (!response.ok) throw new Error(`catalog ${locale}: HTTP ${response.status}`);
  const catalog: unknown = await response.json();
  if (!isCatalogShape(catalog)) throw new Error(`catalog ${locale}: not a catalog`);
  return catalog;
}

function apply(element: Element, rendered: Rendered): void {
  if (typeof rendered === 'string') element.textContent = rendered;
  else element.replaceChildren(...rendered);
}

/**
 * `<p data-i18n="setup.account">…<strong data-i18n-slot="name">` : the message's text around the element's slot
 * children, which keep their identity (ids, listeners) and move to where the language puts them.
 */
function translateElement(element: Element, t: Translator): void {
  const key = element.getAttribute('data-i18n') as TextKey;
  const slots: Record<string, Element> = {};
  for (const child of Array.from(element.children)) {
    const slot = child.getAttribute('data-i18n-slot');
    if (slot !== null) slots[slot] = child;
  }
  apply(element, Object.keys(slots).length === 0 ? t.text(key) : t.parts(key, slots));
}

export async function createLocalizer(options: {
  document: Document;
  locale: LocaleTag;
  load: (locale: LocaleTag) => Promise<Catalog>;
}): Promise<Localizer> {
  const { document, load } = options;
  const renders = new WeakMap<Element, Map<string, (t: Translator) => void>>();
  let t: Translator;
  /** Picks can come faster than catalogs (arrow keys through the picker): only the latest one is applied. */
  let latest = 0;

  async function loadTranslator(locale: LocaleTag): Promise<Translator> {
    try {
      return createTranslator(locale, await load(locale));
    } catch (error) {
      if (locale === DEFAULT_LOCALE) throw error;
      return createTranslator(DEFAULT_LOCALE, await load(DEFAULT_LOCALE));
    }
  }

  function translate(root: ParentNode): void {
    for (const element of Array.from(root.querySelectorAll('[data-i18n]'))) translateElement(element, t);
  }

  function register(element: Element, slot: string, paint: (t: Translator) => void): void {
    let paints = renders.get(element);
    if (paints === undefined) renders.set(element, (paints = new Map()));
    paints.set(slot, paint);
    element.setAttribute(LIVE, '');
    paint(t);
  }

  function renderAll(): void {
    const root = document.documentElement;
    root.lang = t.locale;
    root.dir = t.dir;
    translate(document);
    for (const element of Array.from(document.querySelectorAll(`[${LIVE}]`))) {
      for (const paint of renders.get(element)?.values() ?? []) paint(t);
    }
  }

  t = await loadTranslator(options.locale);
  renderAll();

  return {
    get t() {
      return t;
    },
    show(element, render) {
      register(element, '', (current) => apply(element, render(current)));
    },
    showAttribute(element, attribute, render) {
      register(element, attribute, (current) => element.setAttribute(attribute, render(current)));
    },
    translate,
    async switchTo(locale) {
      const request = (latest += 1);
      const next = await loadTranslator(locale);
      if (request !== latest) return;
      t = next;
      renderAll();
    },
  };
}

/** A name the page did not write (a user's, an account's), isolated so its script direction cannot reorder the text around it. */
export function isolate(document: Document, text: string): HTMLElement {
  const bdi = document.createElement('bdi');
  bdi.textContent = text;
  return bdi;
}
