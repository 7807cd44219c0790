// The sign-in check: a current code against the verified factor → approved, not approved, or locked.
import type { FactorConfig } from '../lib/contract';
import type { TextKey } from './catalog';
import { keepDigitsOnly, markInvalid, readCode } from './code-input';
import { startStepCountdown } from './countdown';
import { DEFAULT_CONFIG } from './format';
import { onSubmit, type PageContext } from './page-context';
import { configureCodeInput, requireElement } from './render';

export interface SignInCheck {
  /** Shows the check for the verified factor's settings, or hides it when there is none. */
  configure(config: FactorConfig | null): void;
  focus(): void;
}

export function createSignInCheck(ctx: PageContext): SignInCheck {
  const section = requireElement(document, '#check', HTMLElement);
  const title = requireElement(document, '#check-title', HTMLHeadingElement);
  const form = requireElement(document, '#check-form', HTMLFormElement);
  const codeInput = requireElement(document, '#check-code', HTMLInputElement);
  const result = requireElement(document, '#check-result', HTMLParagraphElement);
  const countdown = startStepCountdown(
    ctx.i18n,
    {
      text: requireElement(document, '#check-countdown-text', HTMLParagraphElement),
      bar: requireElement(document, '#check-countdown-bar', HTMLProgressElement),
    },
    DEFAULT_CONFIG.period,
  );
  let digits: number = DEFAULT_CONFIG.digits;
  keepDigitsOnly(codeInput);

  function showResult(kind: 'success' | 'error', key: TextKey): void {
    ctx.i18n.show(result, (t) => t.text(key));
    result.className = `result ${kind}`;
    result.hidden = false;
  }

  async function check(): Promise<void> {
    const code = readCode(codeInput, digits);
    if (code === null) {
      ctx.announcer.announce('error', (t) => t.plural('code.enter', digits));
      return;
    }
    let outcome;
    try {
      outcome = await ctx.api.check({ code });
    } catch (error) {
      const locked = ctx.reportFailure(error);
      showResult('error', locked ? 'check.locked' : 'check.notChecked');
      return;
    }
    if (outcome.status === 'approved') {
      showResult('success', 'check.approved');
      ctx.announcer.announce('success', 'check.approvedMessage');
      codeInput.value = '';
    } else {
      showResult('error', 'check.notApproved');
      ctx.announcer.announce('error', 'check.notApprovedMessage');
      markInvalid(codeInput);
    }
  }

  onSubmit(form, ctx.lock.guard(check));

  return {
    configure(config) {
      section.hidden = config === null;
      if (config === null) {
        result.hidden = true;
        return;
      }
      digits = config.digits;
      configureCodeInput(codeInput, config.digits);
      countdown.setPeriod(config.period);
    },
    focus() {
      title.focus();
    },
  };
}
