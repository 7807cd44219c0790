// The sign-in check: a current code against the verified factor → approved, not approved, or locked; and, for a lost
// phone, a recovery code in its place (each works once).
import type { FactorConfig } from '../lib/contract';
import { TotpClientError } from './totp-client';
import type { TextKey } from './catalog';
import { keepDigitsOnly, markInvalid, readCode } from './code-input';
import { startStepCountdown } from './countdown';
import { DEFAULT_CONFIG, normalizeRecoveryCode } from './format';
import { onSubmit, type PageContext } from './page-context';
import { configureCodeInput, requireElement } from './render';
import { refuseSpentCode } from './spent-code';

export interface SignInCheckHooks {
  /** A recovery code was used up: the count of codes left has changed. */
  recoveryCodeUsed(): Promise<void>;
}

export interface SignInCheck {
  /** Shows the check for the verified factor's settings, or hides it when there is none. */
  configure(config: FactorConfig | null): void;
  focus(): void;
}

export function createSignInCheck(ctx: PageContext, hooks: SignInCheckHooks): SignInCheck {
  const section = requireElement(document, '#check', HTMLElement);
  const title = requireElement(document, '#check-title', HTMLHeadingElement);
  const form = requireElement(document, '#check-form', HTMLFormElement);
  const codeInput = requireElement(document, '#check-code', HTMLInputElement);
  const result = requireElement(document, '#check-result', HTMLParagraphElement);
  const lostToggle = requireElement(document, '#lost-phone-toggle', HTMLButtonElement);
  const recoveryForm = requireElement(document, '#recovery-check-form', HTMLFormElement);
  const recoveryInput = requireElement(document, '#recovery-check-code', HTMLInputElement);
  const countdown = startStepCountdown(
    ctx.i18n,
    {
      text: requireElement(document, '#check-countdown-text', HTMLParagraphElement),
      bar: requireElement(document, '#check-countdown-bar', HTMLProgressElement),
    },
    DEFAULT_CONFIG.period,
    (period) => ctx.spent.inSpentStep(period),
  );
  let config: FactorConfig = { ...DEFAULT_CONFIG, skew: 1 };
  keepDigitsOnly(codeInput);

  function showResult(kind: 'success' | 'error', key: TextKey): void {
    ctx.i18n.show(result, (t) => t.text(key));
    result.className = `result ${kind}`;
    result.hidden = false;
  }

  async function check(): Promise<void> {
    const { digits } = config;
    const code = readCode(codeInput, digits);
    if (code === null) {
      ctx.announcer.announce('error', (t) => t.plural('code.enter', digits));
      return;
    }
    if (refuseSpentCode(ctx, codeInput, code, config.period)) return;
    let outcome;
    try {
      outcome = await ctx.api.check({ code });
    } catch (error) {
      const locked = ctx.reportFailure(error);
      // A code accepted a moment ago (the one that finished the set-up, a double submit): wait for the next one.
      const reused = error instanceof TotpClientError && error.code === 'code_reused';
      showResult('error', locked ? 'check.locked' : reused ? 'check.reused' : 'check.notChecked');
      if (reused) codeInput.value = '';
      return;
    }
    if (outcome.status === 'approved') {
      ctx.spent.spend(code, config);
      countdown.repaint();
      showResult('success', 'check.approved');
      ctx.announcer.announce('success', 'check.approvedMessage');
      codeInput.value = '';
    } else {
      showResult('error', 'check.notApproved');
      ctx.announcer.announce('error', 'check.notApprovedMessage');
      markInvalid(codeInput);
    }
  }

  function showRecoveryForm(open: boolean): void {
    // The last answer was for the other form: it must not stand next to this one.
    result.hidden = true;
    recoveryForm.hidden = !open;
    lostToggle.setAttribute('aria-expanded', String(open));
    if (!open) recoveryInput.value = '';
  }

  async function checkRecoveryCode(): Promise<void> {
    const code = normalizeRecoveryCode(recoveryInput.value);
    if (code === null) {
      markInvalid(recoveryInput);
      ctx.announcer.announce('error', 'recovery.enterCode');
      return;
    }
    let left: number;
    try {
      left = (await ctx.api.useRecoveryCode({ code })).recoveryCodesLeft;
    } catch (error) {
      if (error instanceof TotpClientError && error.code === 'invalid_code') {
        showResult('error', 'check.notApproved');
        ctx.announcer.announce('error', 'recovery.invalidCode');
      } else {
        const locked = ctx.reportFailure(error);
        showResult('error', locked ? 'check.locked' : 'check.notChecked');
      }
      markInvalid(recoveryInput);
      return;
    }
    showResult('success', 'check.approved');
    recoveryInput.value = '';
    await hooks.recoveryCodeUsed();
    ctx.announcer.announce('success', (t) => t.text('lost.approved', { left: t.plural('recovery.left', left) }));
  }

  onSubmit(form, ctx.lock.guard(check));
  onSubmit(recoveryForm, ctx.lock.guard(checkRecoveryCode));
  recoveryInput.addEventListener('input', () => recoveryInput.removeAttribute('aria-invalid'));
  lostToggle.addEventListener('click', () => {
    const open = recoveryForm.hidden;
    showRecoveryForm(open);
    if (open) recoveryInput.focus();
  });

  return {
    configure(verified) {
      section.hidden = verified === null;
      if (verified === null) {
        result.hidden = true;
        showRecoveryForm(false);
        return;
      }
      config = verified;
      configureCodeInput(codeInput, verified.digits);
      countdown.setPeriod(verified.period);
    },
    focus() {
      title.focus();
    },
  };
}
