// Messages of one language, filled in: placeholders, plural forms (Intl.PluralRules) and every number, date, time and
// duration through Intl in that language. Pure (no DOM), so the page's wording is tested without a browser.
import type { Catalog, Message, PluralKey, PluralMessage, TextKey } from './catalog';
import { localeInfo, type LocaleTag } from './locales';

/** Values for a message's {placeholders}: numbers are formatted in the language; a node (e.g. <bdi>) stays a node. */
export type Params<Extra = never> = Readonly<Record<string, string | number | Extra>>;

export type RelativeUnit = 'second' | 'minute' | 'hour' | 'day';

export interface Translator {
  readonly locale: LocaleTag;
  readonly dir: 'ltr' | 'rtl';
  text(key: TextKey, params?: Params): string;
  /** The form of `key` for `count` in this language; `count` also fills {count}. */
  plural(key: PluralKey, count: number, params?: Params): string;
  /** A message as text and the given values in order, so a value can be an element (a name in <bdi>, a <time>). */
  parts<Extra>(key: TextKey, params: Params<Extra>): (string | Extra)[];
  number(value: number): string;
  /** "8 digits and a new code every 60 seconds" */
  list(items: readonly string[]): string;
  /** "in 20 seconds", "dans 20 secondes", "20 秒後" */
  relative(value: number, unit: RelativeUnit): string;
  /** A wait of `seconds` in minutes and seconds, short enough to read every second ("4 min, 5 sec", "4分5秒"). */
  duration(seconds: number): string;
  /** A length of time in words, to the minute above one minute ("1 minute", "1 hour, 30 minutes", "1 時間 30 分"). */
  span(seconds: number): string;
  /** A number of days in words ("30 days", "30 Tage", "30 日間" as Intl words it), for how long a device stays trusted. */
  days(count: number): string;
  /** A day counted back from today: "today", "yesterday", "2 days ago" (Intl.RelativeTimeFormat, numeric: auto). */
  day(daysAgo: number): string;
  /** A calendar date from an ISO 8601 string ("Jan 15, 2030"); the string itself if it is not a date. */
  date(iso: string): string;
  /** A clock time ("4:58 PM", "16:58"), as in dateTime. */
  time(epochMs: number): string;
  dateTime(epochMs: number): string;
}

const PLACEHOLDER = /\{(\w+)\}/g;

function isPlural(message: Message | undefined): message is PluralMessage {
  return typeof message === 'object' && message !== null;
}

export function createTranslator(locale: LocaleTag, catalog: Catalog): Translator {
  const messages: Readonly<Record<string, Message>> = catalog;
  const numbers = new Intl.NumberFormat(locale);
  const plurals = new Intl.PluralRules(locale);
  const lists = new Intl.ListFormat(locale, { type: 'conjunction', style: 'long' });
  const relatives = new Intl.RelativeTimeFormat(locale, { numeric: 'always', style: 'long' });
  const minutes = new Intl.NumberFormat(locale, { style: 'unit', unit: 'minute', unitDisplay: 'short' });
  const seconds = new Intl.NumberFormat(locale, { style: 'unit', unit: 'second', unitDisplay: 'short' });
  const units = new Intl.ListFormat(locale, { type: 'unit', style: 'short' });
  const longUnits = new Intl.ListFormat(locale, { type: 'unit', style: 'long' });
  const long = (unit: 'hour' | 'minute' | 'second'): Intl.NumberFormat =>
    new Intl.NumberFormat(locale, { style: 'unit', unit, unitDisplay: 'long' });
  const [longHours, longMinutes, longSeconds] = [long('hour'), long('minute'), long('second')];
  const dayCounts = new Intl.NumberFormat(locale, { style: 'unit', unit: 'day', unitDisplay: 'long' });
  const days = new Intl.RelativeTimeFormat(locale, { numeric: 'auto', style: 'long' });
  const dates = new Intl.DateTimeFormat(locale, { year: 'numeric', month: 'short', day: 'numeric' });
  // One clock-time format everywhere, the one dateTimes uses too ("4:58 PM", "16:58").
  const times = new Intl.DateTimeFormat(locale, { timeStyle: 'short' });
  const dateTimes = new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short' });

  /** A missing message shows its key, so a gap is visible (and the browser tests fail on it) rather than blank. */
  function template(key: string, count?: number): string {
    const message = messages[key];
    if (typeof message === 'string') return message;
    if (!isPlural(message)) return key;
    if (count === undefined) return message.other;
    return message[plurals.select(count)] ?? message.other;
  }

  function parts<Extra>(source: string, params: Params<Extra>): (string | Extra)[] {
    const out: (string | Extra)[] = [];
    let last = 0;
    for (const match of source.matchAll(PLACEHOLDER)) {
      const name = match[1] ?? '';
      const value = params[name];
      const index = match.index ?? 0;
      if (index > last) out.push(source.slice(last, index));
      // An unknown placeholder stays as written: a visible mistake, never a silent "undefined".
      out.push(value === undefined ? match[0] : typeof value === 'number' ? numbers.format(value) : value);
      last = index + match[0].length;
    }
    if (last < source.length) out.push(source.slice(last));
    return out;
  }

  const fill = (source: string, params: Params): string => parts(source, params).join('');

  return {
    locale,
    dir: localeInfo(locale).dir,
    text: (key, params = {}) => fill(template(key), params),
    plural: (key, count, params = {}) => fill(template(key, count), { ...params, count }),
    parts: (key, params) => parts(template(key), params),
    number: (value) => numbers.format(value),
    list: (items) => lists.format(items),
    relative: (value, unit) => relatives.format(value, unit),
    duration: (total) => {
      const whole = Math.max(0, Math.ceil(total));
      const parts = whole >= 60 ? [minutes.format(Math.floor(whole / 60))] : [];
      if (whole < 60 || whole % 60 !== 0) parts.push(seconds.format(whole % 60));
      return units.format(parts);
    },
    span: (total) => {
      const whole = Math.max(0, Math.ceil(total));
      if (whole < 60) return longSeconds.format(whole);
      const minutes = Math.ceil(whole / 60);
      if (minutes < 60) return longMinutes.format(minutes);
      const parts = [longHours.format(Math.floor(minutes / 60))];
      if (minutes % 60 !== 0) parts.push(longMinutes.format(minutes % 60));
      return longUnits.format(parts);
    },
    days: (count) => dayCounts.format(count),
    day: (daysAgo) => days.format(-daysAgo, 'day'),
    date(iso) {
      const date = new Date(iso);
      return Number.isNaN(date.getTime()) ? iso : dates.format(date);
    },
    time: (epochMs) => times.format(epochMs),
    dateTime: (epochMs) => dateTimes.format(epochMs),
  };
}

/** A catalog as fetched: an object whose values are strings or plural forms (strings, with at least `other`). */
export function isCatalogShape(value: unknown): value is Catalog {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  return Object.values(value).every((message: unknown) => {
    if (typeof message === 'string') return true;
    if (typeof message !== 'object' || message === null) return false;
    const forms = Object.values(message);
    return 'other' in message && forms.every((form) => typeof form === 'string');
  });
}
