// The code the kit has just accepted. RFC 6238 §5.2: a code is accepted once, so the kit refuses it again until its
// window ends; the page never invites it: countdowns say to wait for the next code, and the same code typed again is
// answered on the page without a request (the kit would count it as a wrong code).
import type { FactorConfig } from '../lib/contract';
import { secondsLeftInStep } from './time-step';
import type { PageContext } from './page-context';

export interface SpentCode {
  /** `code` was accepted just now for a factor with `config`. */
  spend(code: string, config: Pick<FactorConfig, 'period' | 'skew'>): void;
  /** True while `code` is the one accepted and its window has not ended: sending it would be a reuse. */
  isSpent(code: string): boolean;
  /** True in the time step in which the last code was accepted: the app still shows that code. */
  inSpentStep(periodSeconds: number): boolean;
  /** The factor it belonged to is gone (deleted, signed out). */
  forget(): void;
}

export function createSpentCode(now: () => number = Date.now): SpentCode {
  let spent: { code: string; step: number; until: number } | null = null;
  const stepOf = (ms: number, period: number): number => Math.floor(ms / (period * 1000));
  return {
    spend(code, { period, skew }) {
      const step = stepOf(now(), period);
      // As the kit keeps it (lib/state-model.ts usedUntil): it matched a step ≥ n − skew, valid through n + skew.
      spent = { code, step, until: (step + 2 * skew + 1) * period * 1000 };
    },
    isSpent: (code) => spent !== null && spent.code === code && now() < spent.until,
    inSpentStep: (period) => spent !== null && now() < spent.until && stepOf(now(), period) === spent.step,
    forget() {
      spent = null;
    },
  };
}

/** Answers a reuse on the page: says to wait for the next code and when it comes; true when nothing may be sent. */
export function refuseSpentCode(ctx: PageContext, input: HTMLInputElement, code: string, periodSeconds: number): boolean {
  if (!ctx.spent.isSpent(code)) return false;
  const left = secondsLeftInStep(Date.now(), periodSeconds);
  ctx.announcer.announce('info', (t) => t.text('countdown.used', { when: t.relative(left, 'second') }));
  input.focus();
  input.select();
  return true;
}
