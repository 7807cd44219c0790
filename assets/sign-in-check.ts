// The sign-in check: a current code against the verified factor → approved, not approved, or locked.
import type { FactorConfig } from '../lib/contract';
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
    {
      text: requireElement(document, '#check-countdown-text', HTMLParagraphElement),
      bar: requireElement(document, '#check-countdown-bar', HTMLProgressElement),
    },
    DEFAULT_CONFIG.period,
  );
  let digits: number = DEFAULT_CONFIG.digits;
  keepDigitsOnly(codeInput);

  function showResult(kind: 'success' | 'error', text: string): void {
    result.textContent = text;
    result.className = `result ${kind}`;
    result.hidden = false;
  }

  async function check(): Promise<void> {
    const code = readCode(codeInput, digits);
    if (code === null) {
      ctx.announcer.announce('error', `Enter the ${digits}-digit code from your app.`);
      return;
    }
    let outcome;
    try {
      outcome = await ctx.api.createChallenge({ code });
    } catch (error) {
      const locked = ctx.reportFailure(error);
      showResult('error', locked ? 'Locked' : 'Not checked');
      return;
    }
    if (outcome.status === 'approved') {
      showResult('success', 'Approved');
      ctx.announcer.announce('success', 'Approved: this code would sign you in.');
      codeInput.value = '';
    } else {
      showResult('error', 'Not approved');
      ctx.announcer.announce('error', 'Not approved: that code did not match. Try again with the current code.');
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
