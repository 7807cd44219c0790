// The person's factors (label, status, date) with Delete; a verified factor needs a current code to go.
import type { FactorConfig, FactorSummary } from '../lib/contract';
import { keepDigitsOnly, markInvalid, readCode } from './code-input';
import { isolate } from './localizer';
import { onSubmit, type PageContext } from './page-context';
import { factorName, renderFactorItem, requireElement } from './render';

export interface FactorListHooks {
  /** After each load: the verified factor's settings, or null when none is verified. */
  loaded(verified: FactorConfig | null): void;
  deleted(factorSid: string): void;
}

export interface FactorList {
  load(): Promise<void>;
  clear(): void;
}

export function createFactorList(ctx: PageContext, hooks: FactorListHooks): FactorList {
  const title = requireElement(document, '#factors-title', HTMLHeadingElement);
  const empty = requireElement(document, '#factors-empty', HTMLParagraphElement);
  const list = requireElement(document, '#factor-list', HTMLUListElement);

  function wireItem(factor: FactorSummary, index: number): HTMLLIElement {
    const { root, deleteButton, deleteForm, codeInput, cancelButton } = renderFactorItem(ctx.i18n, factor, index);
    deleteButton.setAttribute('aria-expanded', 'false');
    if (codeInput !== null) {
      keepDigitsOnly(codeInput);
      // A delete with a code is a code check: the caller's lock holds it back too.
      deleteForm.dataset.codeCheck = '';
    }

    function showForm(open: boolean): void {
      deleteForm.hidden = !open;
      deleteButton.hidden = open;
      deleteButton.setAttribute('aria-expanded', String(open));
    }

    deleteButton.addEventListener('click', () => {
      showForm(true);
      (codeInput ?? requireElement(deleteForm, 'button[type="submit"]', HTMLButtonElement)).focus();
    });
    cancelButton.addEventListener('click', () => {
      showForm(false);
      deleteButton.focus();
    });
    const submitDelete = async (): Promise<void> => {
      let code: string | undefined;
      if (codeInput !== null) {
        const typed = readCode(codeInput, factor.config.digits);
        if (typed === null) {
          ctx.announcer.announce('error', (t) => t.plural('factors.enterCode', factor.config.digits));
          return;
        }
        code = typed;
      }
      try {
        await ctx.api.deleteFactor(code === undefined ? { factorSid: factor.factorSid } : { factorSid: factor.factorSid, code });
      } catch (error) {
        ctx.reportFailure(error);
        if (codeInput !== null) markInvalid(codeInput);
        return;
      }
      hooks.deleted(factor.factorSid);
      await load();
      ctx.announcer.announce('success', (t) => t.parts('factors.deleted', { name: isolate(document, factorName(ctx.i18n, factor)) }));
      title.focus();
    };
    onSubmit(deleteForm, codeInput === null ? submitDelete : ctx.lock.guard(submitDelete));
    return root;
  }

  async function load(): Promise<void> {
    let factors: FactorSummary[];
    try {
      factors = (await ctx.api.listFactors()).factors;
    } catch (error) {
      ctx.reportFailure(error);
      return;
    }
    list.replaceChildren(...factors.map(wireItem));
    empty.hidden = factors.length > 0;
    hooks.loaded(factors.find((factor) => factor.status === 'verified')?.config ?? null);
  }

  return {
    load,
    clear() {
      list.replaceChildren();
      empty.hidden = true;
    },
  };
}
