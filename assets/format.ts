// Pure text formatting for the page: the secret in blocks, non-default TOTP settings, dates and retry times.
import type { FactorConfig } from '../lib/contract';

/** What every authenticator app assumes when the URI says nothing (Key-Uri format defaults). */
export const DEFAULT_CONFIG = { algorithm: 'SHA1', digits: 6, period: 30 } as const;

/** "JBSWY3DPEHPK3PXP" → "JBSW Y3DP EHPK 3PXP": blocks of four are easier to read and type. */
export function groupSecret(secret: string): string {
  return (secret.replace(/\s+/g, '').match(/.{1,4}/g) ?? []).join(' ');
}

/** A sentence naming the settings that differ from the defaults, or null when all are the defaults. */
export function describeNonDefaultConfig(config: FactorConfig): string | null {
  const parts: string[] = [];
  if (config.algorithm !== DEFAULT_CONFIG.algorithm) parts.push(`algorithm ${config.algorithm}`);
  if (config.digits !== DEFAULT_CONFIG.digits) parts.push(`${config.digits} digits`);
  if (config.period !== DEFAULT_CONFIG.period) parts.push(`a new code every ${config.period} seconds`);
  if (parts.length === 0) return null;
  return `If you type the key by hand, choose these settings in your app: ${parts.join(', ')}.`;
}

export function formatDate(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return date.toLocaleDateString(undefined, { year: 'numeric', month: 'short', day: 'numeric' });
}

/** "Try again in 4 minutes (at 17:45)." — or a vaguer sentence when the server gave no time. */
export function describeRetry(retryAt: number | null, nowMs: number): string {
  if (retryAt === null) return 'Try again later.';
  const seconds = Math.max(1, Math.ceil((retryAt - nowMs) / 1000));
  const clock = new Date(retryAt).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' });
  if (seconds < 90) return `Try again in ${seconds} seconds (at ${clock}).`;
  const minutes = Math.ceil(seconds / 60);
  if (minutes < 90) return `Try again in ${minutes} minutes (at ${clock}).`;
  return `Try again after ${new Date(retryAt).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' })}.`;
}

/** "45 s", "4 min 05 s": short enough to read at a glance every second. */
export function formatWait(seconds: number): string {
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  return `${minutes} min ${String(seconds % 60).padStart(2, '0')} s`;
}

/** Keeps the digits of what was typed or pasted ("123 456" → "123456"), at most `length` of them. */
export function digitsOnly(value: string, length: number): string {
  return value.replace(/\D+/g, '').slice(0, length);
}
