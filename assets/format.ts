// Pure text formatting for the page: the secret in blocks, non-default TOTP settings, retry times and typed codes.
// Wording comes from the language's catalog; numbers, durations and times from Intl (assets/translator.ts).
import type { FactorConfig } from '../lib/contract';
import type { Translator } from './translator';

/** What every authenticator app assumes when the URI says nothing (Key-Uri format defaults). */
export const DEFAULT_CONFIG = { algorithm: 'SHA1', digits: 6, period: 30 } as const;

/** "JBSWY3DPEHPK3PXP" → "JBSW Y3DP EHPK 3PXP": blocks of four are easier to read and type. */
export function groupSecret(secret: string): string {
  return (secret.replace(/\s+/g, '').match(/.{1,4}/g) ?? []).join(' ');
}

/** A sentence naming the settings that differ from the defaults, or null when all are the defaults. */
export function describeNonDefaultConfig(t: Translator, config: FactorConfig): string | null {
  const parts: string[] = [];
  if (config.algorithm !== DEFAULT_CONFIG.algorithm) parts.push(t.text('config.algorithm', { name: config.algorithm }));
  if (config.digits !== DEFAULT_CONFIG.digits) parts.push(t.plural('config.digits', config.digits));
  if (config.period !== DEFAULT_CONFIG.period) parts.push(t.plural('config.period', config.period));
  if (parts.length === 0) return null;
  return t.text('config.note', { settings: t.list(parts) });
}

/** "Try again in 4 minutes (at 17:45)." — or a vaguer sentence when the server gave no time. */
export function describeRetry(t: Translator, retryAt: number | null, nowMs: number): string {
  if (retryAt === null) return t.text('retry.later');
  const seconds = Math.max(1, Math.ceil((retryAt - nowMs) / 1000));
  const time = t.time(retryAt);
  if (seconds < 90) return t.text('retry.in', { when: t.relative(seconds, 'second'), time });
  const minutes = Math.ceil(seconds / 60);
  if (minutes < 90) return t.text('retry.in', { when: t.relative(minutes, 'minute'), time });
  return t.text('retry.after', { dateTime: t.dateTime(retryAt) });
}

/**
 * Digits typed in another script count as the same digits: Arabic-Indic (٠–٩) and Eastern Arabic-Indic (۰–۹) from
 * Arabic and Persian keyboards, full-width (０–９) from Japanese input methods. Authenticator codes are ASCII digits.
 */
const DIGIT_ZEROS = [0x30, 0x660, 0x6f0, 0xff10];

/** Keeps the digits of what was typed or pasted ("123 456" → "123456", "١٢٣" → "123"), at most `length` of them. */
export function digitsOnly(value: string, length: number): string {
  let digits = '';
  for (const char of value) {
    const code = char.codePointAt(0) ?? 0;
    const zero = DIGIT_ZEROS.find((base) => code >= base && code <= base + 9);
    if (zero !== undefined) digits += String(code - zero);
  }
  return digits.slice(0, length);
}

/**
 * Crockford's Base32, the kit's recovery-code alphabet (lib/core/recovery-codes.ts): no I, L, O or U. What a person types
 * is read the way the kit reads it: case, spaces and dashes do not matter, O is 0 and I or L is 1. A code has 16
 * symbols; one of a set issued before has 10.
 */
const RECOVERY_SYMBOL = /^[0-9A-HJKMNP-TV-Z]{16}$|^[0-9A-HJKMNP-TV-Z]{10}$/;

/**
 * A typed recovery code as `XXXX-XXXX-XXXX-XXXX` (or `XXXXX-XXXXX` for a set issued before), or null when it cannot be
 * one (then the page asks again and sends nothing, so a typo costs no attempt). Full-width letters and digits (NFKC)
 * and digits of other scripts count as ASCII.
 */
export function normalizeRecoveryCode(value: string): string | null {
  let compact = '';
  for (const char of value.normalize('NFKC').toUpperCase()) {
    const code = char.codePointAt(0) ?? 0;
    const zero = DIGIT_ZEROS.find((base) => code >= base && code <= base + 9);
    if (zero !== undefined) compact += String(code - zero);
    else if (!/[\s\-\u2010-\u2015\u2212]/u.test(char)) compact += char;
  }
  compact = compact.replace(/O/g, '0').replace(/[IL]/g, '1');
  if (!RECOVERY_SYMBOL.test(compact)) return null;
  return (compact.match(compact.length === 10 ? /.{5}/g : /.{4}/g) ?? []).join('-');
}
