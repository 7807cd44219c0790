// The caller's lock (429 `locked`: too many wrong codes) as a live countdown. The live region announces it once when
// it begins and once when it ends; a role="timer" line counts down every second without being read out each time.
// Code forms keep their focus (aria-disabled, not disabled) but call nothing until the lock is over.
import type { Announcer } from './announcer';
import { describeRetry } from './format';
import type { Localizer } from './localizer';

export interface LockGate {
  /** Starts, or lengthens, the lock until `untilMs` (epoch ms); announced only when a lock begins. */
  lockUntil(untilMs: number): void;
  /** Wraps a code form's task: while locked it says how long is left instead of calling the server. */
  guard(task: () => Promise<void>): () => Promise<void>;
  /** Ends the countdown without an announcement (sign-out). */
  stop(): void;
  /** The same lock, announced in another card's status line (with the countdown under it). */
  at(announcer: Announcer): LockGate;
}

/** The submit buttons of the forms that check a code (marked data-code-check; the set-up form's form is not one). */
function codeSubmitButtons(): HTMLButtonElement[] {
  return [...document.querySelectorAll<HTMLButtonElement>('form[data-code-check] button[type="submit"]')];
}

export function createLockGate(timer: HTMLElement, announcer: Announcer, i18n: Localizer, now: () => number = Date.now): LockGate {
  let until = 0;
  let handle: ReturnType<typeof setTimeout> | undefined;
  /** Where the lock began: its end is announced there too. */
  let ending = announcer;
  const secondsLeft = (): number => Math.max(0, Math.ceil((until - now()) / 1000));

  function show(locked: boolean): void {
    timer.hidden = !locked;
    for (const button of codeSubmitButtons()) {
      if (locked) button.setAttribute('aria-disabled', 'true');
      else button.removeAttribute('aria-disabled');
    }
  }

  function clear(): void {
    if (handle !== undefined) clearTimeout(handle);
    handle = undefined;
    until = 0;
    show(false);
  }

  function tick(): void {
    const left = secondsLeft();
    if (left === 0) {
      clear();
      ending.announce('info', 'lock.ended');
      return;
    }
    i18n.show(timer, (t) => t.text('lock.timer', { wait: t.duration(left) }));
    // Wake just after the displayed number changes, so it never lags the real wait.
    handle = setTimeout(tick, ((until - now()) % 1000 || 1000) + 20);
  }

  const gate = (say: Announcer): LockGate => ({
    lockUntil(untilMs) {
      const beginning = handle === undefined;
      until = Math.max(until, untilMs);
      if (handle !== undefined) clearTimeout(handle);
      show(true);
      if (beginning) {
        const lockedUntil = until;
        ending = say;
        say.place(timer);
        say.announce('error', (t) => t.text('error.locked', { retry: describeRetry(t, lockedUntil, now()) }));
      }
      tick();
    },
    guard(task) {
      return async () => {
        if (handle !== undefined && secondsLeft() > 0) {
          const left = secondsLeft();
          say.announce('error', (t) => t.text('lock.still', { wait: t.duration(left) }));
          return;
        }
        await task();
      };
    },
    stop: clear,
    at: gate,
  });
  return gate(announcer);
}
