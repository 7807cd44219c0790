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
  stop(): void;
}

export function startStepCountdown(
  i18n: Localizer,
  view: StepCountdownView,
  periodSeconds: number,
  now: () => number = Date.now,
): StepCountdown {
  let period = periodSeconds;
  let timer: ReturnType<typeof setTimeout> | undefined;

  function paint(): void {
    const left = secondsLeftInStep(now(), period);
    const atEdge = left <= EDGE_SECONDS;
    // "in 20 seconds" from Intl.RelativeTimeFormat, in the page's language.
    i18n.show(view.text, (t) => t.text(atEdge ? 'countdown.edge' : 'countdown.normal', { when: t.relative(left, 'second') }));
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
    stop() {
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
    },
  };
}
