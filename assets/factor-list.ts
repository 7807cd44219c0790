// The person's factors (label, status, date) with Delete; a verified factor needs a current code to go, or a recovery
// code when the phone is lost.
import type { FactorConfig, FactorSummary } from '../lib/contract';
import type { RecoveryCodesState } from './recovery-status';
import { TotpClientError } from './totp-client';
import { keepDigitsOnly, markInvalid, readCode } from './code-input';
import { startStepCountdown, type StepCountdown } from './countdown';
import { normalizeRecoveryCode } from './format';
import { isolate, type Render } from './localizer';
import { onSubmit, type PageContext } from './page-context';
import { factorName, renderFactorItem, requireElement } from './render';
import { refuseSpentCode } from './spent-code';

export interface FactorListHooks {
  /** After each load: the verified factor's settings (null when none is verified) and the recovery codes' state. */
  loaded(verified: FactorConfig | null, recovery: RecoveryCodesState): void;
  deleted(factor: FactorSummary): void;
  /** A lost phone's authenticator was deleted with a recovery code: the next thing to do is a new set-up, which says `message`. */
  replaceLost(message: Render): void;
}

export interface FactorList {
  load(): Promise<void>;
  clear(): void;
}

export function createFactorList(ctx: PageContext, hooks: FactorListHooks): FactorList {
  const title = requireElement(document, '#factors-title', HTMLHeadingElement);
  const empty = requireElement(document, '#factors-empty', HTMLParagraphElement);
  const list = requireElement(document, '#factor-list', HTMLUListElement);
  /** The countdown of the delete form that is open, stopped when it closes or the list is drawn again. */
  let countdown: StepCountdown | null = null;
  const stopCountdown = (): void => {
    countdown?.stop();
    countdown = null;
  };

  function wireItem(factor: FactorSummary, index: number): HTMLLIElement {
    const { root, deleteButton, deleteForm, stepUp, cancelButton } = renderFactorItem(ctx.i18n, factor, index);
    deleteButton.setAttribute('aria-expanded', 'false');
    let lostPhone = false;
    if (stepUp !== null) {
      keepDigitsOnly(stepUp.codeInput);
      stepUp.recoveryInput.addEventListener('input', () => stepUp.recoveryInput.removeAttribute('aria-invalid'));
      // A delete with a code is a code check: the caller's lock holds it back too.
      deleteForm.dataset.codeCheck = '';
      stepUp.switchButton.addEventListener('click', () => {
        lostPhone = !lostPhone;
        stepUp.useRecoveryCode(lostPhone);
        (lostPhone ? stepUp.recoveryInput : stepUp.codeInput).focus();
      });
    }

    function showForm(open: boolean): void {
      stopCountdown();
      if (open && stepUp !== null) countdown = startStepCountdown(ctx.i18n, stepUp.countdown, factor.config.period, (period) => ctx.spent.inSpentStep(period));
      deleteForm.hidden = !open;
      deleteButton.hidden = open;
      deleteButton.setAttribute('aria-expanded', String(open));
    }

    deleteButton.addEventListener('click', () => {
      showForm(true);
      (stepUp?.codeInput ?? requireElement(deleteForm, 'button[type="submit"]', HTMLButtonElement)).focus();
    });
    cancelButton.addEventListener('click', () => {
      showForm(false);
      if (stepUp !== null && lostPhone) {
        lostPhone = false;
        stepUp.useRecoveryCode(false);
      }
      deleteButton.focus();
    });

    /** What proves the person, or null after asking again (nothing is sent, so a typo costs no attempt). */
    function readStepUp(): { code: string } | { recoveryCode: string } | Record<string, never> | null {
      if (stepUp === null) return {};
      if (lostPhone) {
        const recoveryCode = normalizeRecoveryCode(stepUp.recoveryInput.value);
        if (recoveryCode !== null) return { recoveryCode };
        markInvalid(stepUp.recoveryInput);
        ctx.announcer.announce('error', 'recovery.enterCode');
        return null;
      }
      const code = readCode(stepUp.codeInput, factor.config.digits);
      if (code === null) ctx.announcer.announce('error', (t) => t.plural('factors.enterCode', factor.config.digits));
      else if (!refuseSpentCode(ctx, stepUp.codeInput, code, factor.config.period)) return { code };
      return null;
    }

    const submitDelete = async (): Promise<void> => {
      const proof = readStepUp();
      if (proof === null) return;
      const withRecoveryCode = 'recoveryCode' in proof;
      try {
        await ctx.api.deleteFactor({ factorSid: factor.factorSid, ...proof });
      } catch (error) {
        if (withRecoveryCode && error instanceof TotpClientError && error.code === 'invalid_code') {
          ctx.announcer.announce('error', 'recovery.invalidCode');
        } else {
          ctx.reportFailure(error);
        }
        if (stepUp !== null) markInvalid(withRecoveryCode ? stepUp.recoveryInput : stepUp.codeInput);
        return;
      }
      hooks.deleted(factor);
      await load();
      const message: Render = (t) => t.parts(withRecoveryCode ? 'factors.deletedLost' : 'factors.deleted', { name: isolate(document, factorName(ctx.i18n, factor)) });
      if (withRecoveryCode) hooks.replaceLost(message);
      else {
        title.focus();
        ctx.announcer.announce('success', message);
      }
    };
    onSubmit(deleteForm, stepUp === null ? submitDelete : ctx.lock.guard(submitDelete));
    return root;
  }

  async function load(): Promise<void> {
    let factors: FactorSummary[];
    let recovery: RecoveryCodesState;
    try {
      const answer = await ctx.api.listFactors();
      factors = answer.factors;
      // An older deployment does not say: its sets are then of the only format it knows.
      recovery = { left: answer.recoveryCodesLeft, outdated: answer.recoveryCodesOutdated === true };
    } catch (error) {
      ctx.reportFailure(error);
      return;
    }
    stopCountdown();
    list.replaceChildren(...factors.map(wireItem));
    empty.hidden = factors.length > 0;
    hooks.loaded(factors.find((factor) => factor.status === 'verified')?.config ?? null, recovery);
  }

  return {
    load,
    clear() {
      stopCountdown();
      list.replaceChildren();
      empty.hidden = true;
    },
  };
}
