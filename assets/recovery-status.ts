// The "Recovery codes" card: how many unused codes are left, a warning when few are or when the set is of the older,
// shorter format, and a new set for a current code from the app (the new set then shows in the save step; the old one
// stops working at once).
import type { FactorConfig } from '../lib/contract';
import { keepDigitsOnly, markInvalid, readCode } from './code-input';
import { startStepCountdown } from './countdown';
import { onSubmit, type PageContext } from './page-context';
import { configureCodeInput, requireElement } from './render';
import { refuseSpentCode } from './spent-code';

/** At this many codes or fewer the card warns: one lost phone more and the person could be locked out. */
export const LOW_RECOVERY_CODES = 2;

/** The recovery codes as /list-factors reports them. */
export interface RecoveryCodesState {
  left: number;
  /** A set of the format issued before (10 symbols): it still works, and the card offers a new one. */
  outdated: boolean;
}

export interface RecoveryStatusHooks {
  /** A new set was issued: show it in the save step (which says so). */
  regenerated(codes: readonly string[]): void;
}

export interface RecoveryStatus {
  /** Shows the card for the verified factor (hidden when there is none) with the codes left. */
  configure(verified: FactorConfig | null, codes: RecoveryCodesState): void;
  focus(): void;
}

export function createRecoveryStatus(ctx: PageContext, hooks: RecoveryStatusHooks): RecoveryStatus {
  const section = requireElement(document, '#recovery', HTMLElement);
  const title = requireElement(document, '#recovery-title', HTMLHeadingElement);
  const leftText = requireElement(document, '#recovery-left', HTMLParagraphElement);
  const warning = requireElement(document, '#recovery-low', HTMLParagraphElement);
  const outdatedWarning = requireElement(document, '#recovery-outdated', HTMLParagraphElement);
  const toggle = requireElement(document, '#regenerate-toggle', HTMLButtonElement);
  const form = requireElement(document, '#regenerate-form', HTMLFormElement);
  const codeInput = requireElement(document, '#regenerate-code', HTMLInputElement);
  const cancel = requireElement(document, '#regenerate-cancel', HTMLButtonElement);
  let config: FactorConfig | null = null;
  keepDigitsOnly(codeInput);
  const countdown = startStepCountdown(
    ctx.i18n,
    { text: requireElement(document, '#regenerate-countdown-text', HTMLParagraphElement), bar: requireElement(document, '#regenerate-countdown-bar', HTMLProgressElement) },
    30,
    (period) => ctx.spent.inSpentStep(period),
  );

  function showForm(open: boolean): void {
    form.hidden = !open;
    toggle.hidden = open;
    toggle.setAttribute('aria-expanded', String(open));
    if (!open) {
      codeInput.value = '';
      codeInput.removeAttribute('aria-invalid');
    }
  }

  toggle.addEventListener('click', () => {
    showForm(true);
    codeInput.focus();
  });
  cancel.addEventListener('click', () => {
    showForm(false);
    toggle.focus();
  });

  async function regenerate(): Promise<void> {
    if (config === null) return;
    const verified = config;
    const code = readCode(codeInput, verified.digits);
    if (code === null) {
      ctx.announcer.announce('error', (t) => t.plural('code.enter', verified.digits));
      return;
    }
    if (refuseSpentCode(ctx, codeInput, code, verified.period)) return;
    let codes: string[];
    try {
      codes = (await ctx.api.regenerateRecoveryCodes({ code })).recoveryCodes;
    } catch (error) {
      ctx.reportFailure(error);
      markInvalid(codeInput);
      return;
    }
    ctx.spent.spend(code, verified);
    showForm(false);
    hooks.regenerated(codes);
  }

  onSubmit(form, ctx.lock.guard(regenerate));
  showForm(false);

  return {
    configure(verified, { left, outdated }) {
      config = verified;
      section.hidden = verified === null;
      if (verified === null) {
        showForm(false);
        return;
      }
      configureCodeInput(codeInput, verified.digits);
      countdown.setPeriod(verified.period);
      ctx.i18n.show(leftText, (t) => t.plural('recovery.left', left));
      // One warning at a time: a new set answers both, and an outdated one says so first.
      outdatedWarning.hidden = !(outdated && left > 0);
      warning.hidden = left > LOW_RECOVERY_CODES || !outdatedWarning.hidden;
    },
    focus() {
      title.focus();
    },
  };
}
