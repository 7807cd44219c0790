// What every part of the page shares: the API client, the live region, the language, and one way to report a failed call.
import type { Announcer } from './announcer';
import type { TotpClient } from './totp-client';
import type { LockGate } from './lock';
import type { Localizer } from './localizer';
import type { SpentCode } from './spent-code';

export interface PageContext {
  api: TotpClient;
  announcer: Announcer;
  /** The page's language: texts shown through it follow the language picker. */
  i18n: Localizer;
  /** Announces what went wrong (and signs out on a refused token); true when the answer was a lock (429). */
  reportFailure(error: unknown): boolean;
  /** The kit's lock on this caller's code checks, shown as a countdown (every code form is guarded by it). */
  lock: LockGate;
  /** The code accepted last, which the kit would refuse again: no form sends it, every countdown says to wait. */
  spent: SpentCode;
}

/** Runs `task` on submit, one at a time per form: a second Enter while a request is under way does nothing. */
export function onSubmit(form: HTMLFormElement, task: () => Promise<void>): void {
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    if (form.getAttribute('aria-busy') === 'true') return;
    form.setAttribute('aria-busy', 'true');
    void task().finally(() => form.removeAttribute('aria-busy'));
  });
}
