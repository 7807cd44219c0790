// Shows how long the current TOTP time step lasts, so a code typed at the edge of a step can wait for the next one.
import type { Localizer } from './localizer';
import { secondsLeftInStep } from './time-step';

/** Below this many seconds a code may expire while it is typed. */
const EDGE_SECONDS = 5;

export interface StepCountdownView {
  text: HTMLElement;
  bar: HTMLProgressElement;
}

export interface StepCountdown {
  setPeriod(periodSeconds: number): void;
  /** Paints now, e.g. right after a code was accepted, rather than at the next second. */
  repaint(): void;
  stop(): void;
}

export function startStepCountdown(
  i18n: Localizer,
  view: StepCountdownView,
  periodSeconds: number,
  /** True while the app still shows the code just accepted (assets/spent-code.ts); absent for a new factor's first code. */
  spent?: (periodSeconds: number) => boolean,
  now: () => number = Date.now,
): StepCountdown {
  let period = periodSeconds;
  let timer: ReturnType<typeof setTimeout> | undefined;

  function paint(): void {
    const left = secondsLeftInStep(now(), period);
    const atEdge = left <= EDGE_SECONDS;
    const key = spent?.(period) === true ? 'countdown.used' : atEdge ? 'countdown.edge' : 'countdown.normal';
    // "in 20 seconds" from Intl.RelativeTimeFormat, in the page's language.
    i18n.show(view.text, (t) => t.text(key, { when: t.relative(left, 'second') }));
    view.text.classList.toggle('edge', atEdge);
    view.bar.max = period;
    view.bar.value = left;
  }

  function tick(): void {
    paint();
    // Wake just after the next whole second so the number never lags the authenticator app.
    timer = setTimeout(tick, 1000 - (now() % 1000) + 20);
  }

  tick();
  return {
    setPeriod(next) {
      period = next;
      paint();
    },
    repaint: paint,
    stop() {
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
    },
  };
}
