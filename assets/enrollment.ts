// Set-up and first verification: creates the factor, shows its QR code and key, and checks the first code.
import type { CreateFactorResponse } from '../lib/contract';
import { TotpClientError } from './totp-client';
import { keepDigitsOnly, markInvalid, readCode } from './code-input';
import { startStepCountdown, type StepCountdown } from './countdown';
import { onSubmit, type PageContext } from './page-context';
import { renderEnrollment, requireElement, type EnrollmentView } from './render';

export interface EnrollmentHooks {
  /** The factor list changed (a factor was created, verified or locked). */
  factorsChanged(): Promise<void>;
  /** The first code was accepted; `recoveryCodes` came with it, to be shown this once (the next card says so). */
  verified(recoveryCodes: readonly string[] | undefined): void;
}

export interface EnrollmentPanel {
  /** Removes the set-up in progress, and with it the secret, from the page. */
  drop(): void;
  /** Drops the set-up if it belongs to `factorSid` (that factor was deleted). */
  dropIfFactor(factorSid: string): void;
  /** With a verified factor the form gives way to a note: the kit keeps one authenticator per person. */
  showEnrolled(enrolled: boolean): void;
  focusLabel(): void;
}

interface Enrollment {
  factor: Pick<CreateFactorResponse, 'factorSid' | 'config'>;
  view: EnrollmentView;
  countdown: StepCountdown;
}

export function createEnrollmentPanel(ctx: PageContext, hooks: EnrollmentHooks): EnrollmentPanel {
  const form = requireElement(document, '#setup-form', HTMLFormElement);
  const labelInput = requireElement(document, '#setup-label', HTMLInputElement);
  const slot = requireElement(document, '#enrollment-slot', HTMLDivElement);
  const doneNote = requireElement(document, '#setup-done', HTMLParagraphElement);
  let current: Enrollment | null = null;
  let enrolled = false;

  /**
   * The form shows only when there is something to set up: not beside a set-up under way (Verify is the one thing to
   * do then, and the kit would hold a second set-up back anyway), not once a factor is verified (one per person).
   */
  function showForm(): void {
    form.hidden = enrolled || current !== null;
    doneNote.hidden = !enrolled;
  }

  function drop(): void {
    if (current === null) return;
    current.countdown.stop();
    // Removing the node removes the secret, the otpauth:// link and the QR code from the page.
    current.view.root.remove();
    current = null;
    showForm();
  }

  async function copySecret(secret: string): Promise<void> {
    try {
      await navigator.clipboard.writeText(secret);
      ctx.announcer.announce('success', 'enroll.copied');
    } catch {
      ctx.announcer.announce('error', 'enroll.copyFailed');
    }
  }

  async function verify(enrollment: Enrollment): Promise<void> {
    const { codeInput } = enrollment.view;
    const { digits } = enrollment.factor.config;
    const code = readCode(codeInput, digits);
    if (code === null) {
      ctx.announcer.announce('error', (t) => t.plural('code.enter', digits));
      return;
    }
    let answer;
    try {
      answer = await ctx.api.confirm({ factorSid: enrollment.factor.factorSid, code });
    } catch (error) {
      if (error instanceof TotpClientError && error.code === 'too_many_attempts') {
        // Verify locks an unverified factor for good after too many wrong codes; only a new set-up helps.
        drop();
        ctx.announcer.announce('error', (t) => t.text('enroll.locked', { button: t.text('setup.submit') }));
        labelInput.focus();
        await hooks.factorsChanged();
        return;
      }
      ctx.reportFailure(error);
      if (current === enrollment) markInvalid(codeInput);
      return;
    }
    if (answer.status !== 'verified') {
      ctx.announcer.announce('error', 'enroll.noMatch');
      markInvalid(codeInput);
      return;
    }
    // Spent from now on: the sign-in check that comes next asks for the next code rather than this one.
    ctx.spent.spend(code, enrollment.factor.config);
    drop();
    labelInput.value = '';
    await hooks.factorsChanged();
    hooks.verified(answer.recoveryCodes);
  }

  async function begin(): Promise<void> {
    const label = labelInput.value.trim();
    // Key Uri Format: the account name may not contain a colon (it separates issuer and account).
    if (label.includes(':')) {
      labelInput.setAttribute('aria-invalid', 'true');
      ctx.announcer.announce('error', 'setup.colon');
      labelInput.focus();
      return;
    }
    labelInput.removeAttribute('aria-invalid');
    let factor: CreateFactorResponse;
    try {
      factor = await ctx.api.enroll(label === '' ? {} : { label });
    } catch (error) {
      ctx.reportFailure(error);
      return;
    }
    drop();
    const view = renderEnrollment(ctx.i18n, factor);
    const enrollment: Enrollment = {
      factor: { factorSid: factor.factorSid, config: factor.config },
      view,
      countdown: startStepCountdown(ctx.i18n, { text: view.countdownText, bar: view.countdownBar }, factor.config.period),
    };
    current = enrollment;
    showForm();
    keepDigitsOnly(view.codeInput);
    // The secret stays in this listener only, which goes with the view when it is removed.
    const { secret } = factor;
    view.copyButton.addEventListener('click', () => void copySecret(secret));
    onSubmit(view.verifyForm, ctx.lock.guard(() => verify(enrollment)));
    slot.replaceChildren(view.root);
    view.title.focus();
    ctx.announcer.announce('info', 'enroll.started');
    void hooks.factorsChanged();
  }

  onSubmit(form, begin);

  return {
    drop,
    dropIfFactor(factorSid) {
      if (current?.factor.factorSid === factorSid) drop();
    },
    showEnrolled(verified) {
      enrolled = verified;
      showForm();
    },
    focusLabel() {
      labelInput.focus();
    },
  };
}
