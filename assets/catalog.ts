// The shape of a language's catalog: the English one (assets/i18n/en.ts) names every key, and every other language
// must have exactly those keys (checked by the compiler here and, for placeholders and forms, by a test).
import type { en } from './i18n/en';

/**
 * A message whose wording depends on a number: one form per plural category of the language, chosen with
 * Intl.PluralRules (Unicode CLDR). `other` is required; a language lists the categories it has (Japanese: only
 * `other`; Arabic: zero, one, two, few, many and other).
 */
export type PluralMessage = { readonly other: string } & { readonly [category in Intl.LDMLPluralRule]?: string };

export type Message = string | PluralMessage;

type English = typeof en;

/** Keys of plain messages and of plural messages. */
export type TextKey = { [K in keyof English]: English[K] extends string ? K : never }[keyof English];
export type PluralKey = Exclude<keyof English, TextKey>;
export type MessageKey = keyof English;

/** What each language provides: a string for each plain key, a set of plural forms for each plural key. */
export type Catalog = { readonly [K in TextKey]: string } & { readonly [K in PluralKey]: PluralMessage };
