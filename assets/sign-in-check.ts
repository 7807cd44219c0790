// The sign-in check: a current code against the verified factor → approved, not approved, or locked; for a lost
// phone, a recovery code in its place (each works once); and, on a device trusted before, its token with no code.
import type { FactorConfig, TrustedDeviceGrant, UseRecoveryCodeResponse } from '../lib/contract';
import { TotpClientError } from './totp-client';
import type { TextKey } from './catalog';
import { keepDigitsOnly, markInvalid, readCode } from './code-input';
import { startStepCountdown } from './countdown';
import { DEFAULT_CONFIG, normalizeRecoveryCode } from './format';
import { onSubmit, type PageContext } from './page-context';
import { configureCodeInput, requireElement } from './render';
import { refuseSpentCode } from './spent-code';
import { DEFAULT_TRUSTED_DEVICE_DAYS } from './trusted-devices';
import type { TrustedDeviceStore } from './trusted-device-store';

export interface SignInCheckHooks {
  /** A recovery code was used up: the count of codes left has changed. */
  recoveryCodeUsed(): Promise<void>;
  /** The kit's trusted devices changed (one trusted or used, or all forgotten by a recovery code): the card reloads. */
  devicesChanged(): void;
}

export interface SignInCheck {
  /** Shows the check for the verified factor's settings, or hides it when there is none. */
  configure(config: FactorConfig | null): void;
  /** How long a device ticked "Remember" stays trusted, as the kit says (TRUSTED_DEVICE_DAYS). */
  setTrustedDeviceDays(days: number): void;
  /** Offers a sign-in with this browser's trusted device, or no longer (it was forgotten). */
  showDeviceOffer(): void;
  focus(): void;
}

export function createSignInCheck(ctx: PageContext, device: TrustedDeviceStore, hooks: SignInCheckHooks): SignInCheck {
  const section = requireElement(document, '#check', HTMLElement);
  const title = requireElement(document, '#check-title', HTMLHeadingElement);
  const form = requireElement(document, '#check-form', HTMLFormElement);
  const codeInput = requireElement(document, '#check-code', HTMLInputElement);
  const result = requireElement(document, '#check-result', HTMLParagraphElement);
  const lostToggle = requireElement(document, '#lost-phone-toggle', HTMLButtonElement);
  const recoveryForm = requireElement(document, '#recovery-check-form', HTMLFormElement);
  const recoveryInput = requireElement(document, '#recovery-check-code', HTMLInputElement);
  const deviceForm = requireElement(document, '#device-check-form', HTMLFormElement);
  // "Remember this device" under each form, unticked by default: a shared computer must never be trusted by accident.
  const rememberBoxes = [requireElement(document, '#check-remember', HTMLInputElement), requireElement(document, '#recovery-remember', HTMLInputElement)] as const;
  let trustedDeviceDays: number = DEFAULT_TRUSTED_DEVICE_DAYS;
  const rememberLabels = rememberBoxes.map((box) => requireElement(document, `label[for="${box.id}"]`, HTMLLabelElement));
  const labelRememberBoxes = (): void => {
    const days = trustedDeviceDays;
    for (const label of rememberLabels) ctx.i18n.show(label, (t) => t.text('devices.remember', { days: t.days(days) }));
  };
  labelRememberBoxes();
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

  /** `{rememberDevice: true}` only when ticked: an unticked box sends nothing, as a page without the box would. */
  const remember = (box: HTMLInputElement): { rememberDevice?: true } => (box.checked ? { rememberDevice: true } : {});

  function showDeviceOffer(): void {
    deviceForm.hidden = device.held() === null;
  }

  /** An approved check that trusted this device: its token is held for the next visit, and the box is unticked again. */
  function trust(grant: TrustedDeviceGrant | undefined, box: HTMLInputElement): boolean {
    if (grant === undefined) return false;
    device.hold(grant);
    box.checked = false;
    showDeviceOffer();
    return true;
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
      outcome = await ctx.api.check({ code, ...remember(rememberBoxes[0]) });
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
      codeInput.value = '';
      if (trust(outcome.trustedDevice, rememberBoxes[0])) {
        const days = trustedDeviceDays;
        ctx.announcer.announce('success', (t) => `${t.text('check.approvedMessage')} ${t.text('devices.nowTrusted', { days: t.days(days) })}`);
        hooks.devicesChanged();
      } else ctx.announcer.announce('success', 'check.approvedMessage');
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
    let answer: UseRecoveryCodeResponse;
    try {
      answer = await ctx.api.useRecoveryCode({ code, ...remember(rememberBoxes[1]) });
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
    // A recovery code means a lost phone: the kit forgot every device trusted before, this one's token too.
    const trusted = trust(answer.trustedDevice, rememberBoxes[1]);
    if (!trusted) {
      device.drop();
      showDeviceOffer();
    }
    hooks.devicesChanged();
    await hooks.recoveryCodeUsed();
    const { recoveryCodesLeft: left } = answer;
    const days = trustedDeviceDays;
    ctx.announcer.announce('success', (t) => {
      const approved = t.text('lost.approved', { left: t.plural('recovery.left', left) });
      return trusted ? `${approved} ${t.text('devices.nowTrusted', { days: t.days(days) })}` : approved;
    });
  }

  /** A sign-in with this browser's trusted device: its token, no code. A refused token is dropped and a code is needed. */
  async function checkDevice(): Promise<void> {
    const held = device.held();
    if (held === null) return showDeviceOffer();
    try {
      await ctx.api.checkDevice({ deviceToken: held.deviceToken });
    } catch (error) {
      const locked = ctx.reportFailure(error);
      showResult('error', locked ? 'check.locked' : 'check.notApproved');
      if (error instanceof TotpClientError && error.code === 'device_not_trusted') {
        // Forgotten elsewhere, or expired: the offer goes, and the focus moves to the code it now takes.
        device.drop();
        showDeviceOffer();
        codeInput.focus();
        hooks.devicesChanged();
      }
      return;
    }
    showResult('success', 'check.approved');
    ctx.announcer.announce('success', 'devices.approved');
    hooks.devicesChanged();
  }

  onSubmit(form, ctx.lock.guard(check));
  onSubmit(recoveryForm, ctx.lock.guard(checkRecoveryCode));
  onSubmit(deviceForm, ctx.lock.guard(checkDevice));
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
        for (const box of rememberBoxes) box.checked = false;
        return;
      }
      config = verified;
      configureCodeInput(codeInput, verified.digits);
      countdown.setPeriod(verified.period);
      showDeviceOffer();
    },
    setTrustedDeviceDays(days) {
      trustedDeviceDays = days;
      labelRememberBoxes();
    },
    showDeviceOffer,
    focus() {
      title.focus();
    },
  };
}
