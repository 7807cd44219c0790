// Builds the page's dynamic parts from its <template>s; data only ever goes in through textContent and attributes.
import type { CreateFactorResponse, FactorSummary, TrustedDevice } from '../lib/contract';
import { describeWhen, type ActivityTone } from './activity';
import { describeNonDefaultConfig, groupSecret } from './format';
import { isolate, type Localizer } from './localizer';
import type { Translator } from './translator';
import type { StepCountdownView } from './countdown';
import { renderQrSvg } from './qr';

/** Finds a required element; a missing one is a bug in index.html, so fail loudly. */
export function requireElement<T extends Element>(root: ParentNode, selector: string, type: new () => T): T {
  const element = root.querySelector(selector);
  if (!(element instanceof type)) throw new Error(`index.html lacks ${selector}`);
  return element;
}

/** A template's content, translated into the page's language before it is shown. */
export function cloneTemplate(i18n: Localizer, templateId: string): DocumentFragment {
  const template = requireElement(document, `#${templateId}`, HTMLTemplateElement);
  const fragment = template.content.cloneNode(true) as DocumentFragment;
  i18n.translate(fragment);
  return fragment;
}

/**
 * Applies the factor's code length to a code field. No maxlength: the browser would cut a pasted "123 456" to
 * "123 45" before the page could drop the space; keepDigitsOnly() trims to the length instead.
 */
export function configureCodeInput(input: HTMLInputElement, digits: number): void {
  input.dataset.codeLength = String(digits);
  input.pattern = `[0-9]{${digits}}`;
}

export interface EnrollmentView {
  root: HTMLElement;
  title: HTMLElement;
  copyButton: HTMLButtonElement;
  verifyForm: HTMLFormElement;
  codeInput: HTMLInputElement;
  countdownText: HTMLElement;
  countdownBar: HTMLProgressElement;
}

/** The secret, QR code and code field for a new factor; removing `root` removes the secret from the page. */
export function renderEnrollment(i18n: Localizer, factor: CreateFactorResponse): EnrollmentView {
  const fragment = cloneTemplate(i18n, 'enrollment-template');
  const root = requireElement(fragment, '.enrollment', HTMLDivElement);

  // The QR code's accessible name: what a screen reader says in place of the picture.
  const qr = renderQrSvg(factor.uri);
  i18n.showAttribute(qr, 'aria-label', (t) => t.text('enroll.qrLabel'));
  requireElement(root, '.qr', HTMLElement).append(qr);

  const link = requireElement(root, '.otpauth-link', HTMLAnchorElement);
  link.href = factor.uri;

  requireElement(root, '.secret', HTMLElement).textContent = groupSecret(factor.secret);

  const noteElement = requireElement(root, '.config-note', HTMLParagraphElement);
  if (describeNonDefaultConfig(i18n.t, factor.config) !== null) {
    i18n.show(noteElement, (t) => describeNonDefaultConfig(t, factor.config) ?? '');
    noteElement.hidden = false;
  }

  const { digits } = factor.config;
  const codeInput = requireElement(root, '#verify-code', HTMLInputElement);
  configureCodeInput(codeInput, digits);
  i18n.show(requireElement(root, '#verify-hint', HTMLParagraphElement), (t) => t.plural('enroll.hint', digits));
  const countdownText = requireElement(root, '.countdown-text', HTMLParagraphElement);
  const countdownBar = requireElement(root, '.countdown-bar', HTMLProgressElement);

  return {
    root,
    title: requireElement(root, '.enrollment-title', HTMLHeadingElement),
    copyButton: requireElement(root, '.copy-secret', HTMLButtonElement),
    verifyForm: requireElement(root, '.verify-form', HTMLFormElement),
    codeInput,
    countdownText,
    countdownBar,
  };
}

/** A verified factor's delete form: a code from the app, or (a lost phone) a recovery code, one shown at a time. */
export interface StepUpFields {
  codeInput: HTMLInputElement;
  /** The code field's countdown of the time step, as under every code field. */
  countdown: StepCountdownView;
  codeField: HTMLElement;
  recoveryInput: HTMLInputElement;
  recoveryField: HTMLElement;
  /** "Lost your phone? Use a recovery code instead" / "Use a code from the app instead" */
  switchButton: HTMLButtonElement;
  /** Shows the field for a recovery code (true) or for the app's code (false), with the question that goes with it. */
  useRecoveryCode(on: boolean): void;
}

export interface FactorItemView {
  root: HTMLLIElement;
  deleteButton: HTMLButtonElement;
  deleteForm: HTMLFormElement;
  /** Null for an unverified factor, which is deleted without a code. */
  stepUp: StepUpFields | null;
  cancelButton: HTMLButtonElement;
}

/** The name a factor goes by on the page: its account name, or "Authenticator" in the page's language. */
export function factorName(i18n: Localizer, factor: FactorSummary): string {
  return factor.label === '' ? i18n.t.text('factors.unnamed') : factor.label;
}

/** One row of the factors list; verified factors ask for a current code before they can be deleted. */
export function renderFactorItem(i18n: Localizer, factor: FactorSummary, index: number): FactorItemView {
  const fragment = cloneTemplate(i18n, 'factor-template');
  const root = requireElement(fragment, '.factor', HTMLLIElement);
  root.dataset.factorSid = factor.factorSid;
  const name = (): string => factorName(i18n, factor);

  i18n.show(requireElement(root, '.factor-label', HTMLSpanElement), name);
  const status = requireElement(root, '.factor-status', HTMLSpanElement);
  i18n.show(status, (t) => t.text(factor.status === 'verified' ? 'factors.verified' : 'factors.unverified'));
  status.classList.add(factor.status);
  const time = document.createElement('time');
  time.dateTime = factor.createdAt;
  i18n.show(requireElement(root, '.factor-date', HTMLSpanElement), (t) => {
    time.textContent = t.date(factor.createdAt);
    return t.parts('factors.added', { date: time });
  });

  const deleteButton = requireElement(root, '.delete-button', HTMLButtonElement);
  // Visible "Delete"; the accessible name adds which one, in the word order of the language.
  i18n.showAttribute(deleteButton, 'aria-label', (t) => t.text('factors.deleteNamed', { name: name() }));
  const deleteForm = requireElement(root, '.delete-form', HTMLFormElement);
  const question = requireElement(root, '.delete-question', HTMLParagraphElement);
  question.id = `delete-question-${index}`;
  deleteForm.setAttribute('aria-labelledby', question.id);

  const codeField = requireElement(root, '.delete-code-field', HTMLDivElement);
  const recoveryField = requireElement(root, '.delete-recovery-field', HTMLDivElement);
  const switchRow = requireElement(root, '.step-up-switch', HTMLParagraphElement);
  let stepUp: StepUpFields | null = null;
  if (factor.status === 'verified') {
    const codeInput = requireElement(root, '.delete-code', HTMLInputElement);
    codeInput.id = `delete-code-${index}`;
    codeInput.required = true;
    configureCodeInput(codeInput, factor.config.digits);
    const countdown = { text: requireElement(root, '.countdown-text', HTMLParagraphElement), bar: requireElement(root, '.countdown-bar', HTMLProgressElement) };
    countdown.text.id = `delete-countdown-${index}`;
    countdown.bar.setAttribute('aria-labelledby', countdown.text.id);
    codeInput.setAttribute('aria-describedby', `${question.id} ${countdown.text.id}`);
    requireElement(root, '.delete-label', HTMLLabelElement).htmlFor = codeInput.id;

    const recoveryInput = requireElement(root, '.delete-recovery-code', HTMLInputElement);
    recoveryInput.id = `delete-recovery-code-${index}`;
    const recoveryHint = requireElement(root, '.delete-recovery-hint', HTMLParagraphElement);
    recoveryHint.id = `delete-recovery-hint-${index}`;
    recoveryInput.setAttribute('aria-describedby', `${question.id} ${recoveryHint.id}`);
    requireElement(root, '.delete-recovery-label', HTMLLabelElement).htmlFor = recoveryInput.id;

    const switchButton = requireElement(root, '.switch-step-up', HTMLButtonElement);
    const useRecoveryCode = (on: boolean): void => {
      codeField.hidden = on;
      codeInput.required = !on;
      recoveryField.hidden = !on;
      recoveryInput.required = on;
      i18n.show(question, (t) => t.parts(on ? 'factors.deleteWithRecovery' : 'factors.deleteVerified', { name: isolate(document, name()) }));
      i18n.show(switchButton, (t) => t.text(on ? 'factors.useAppCode' : 'factors.lostPhone'));
    };
    useRecoveryCode(false);
    stepUp = { codeInput, countdown, codeField, recoveryInput, recoveryField, switchButton, useRecoveryCode };
  } else {
    i18n.show(question, (t) => t.parts('factors.deleteUnverified', { name: isolate(document, name()) }));
    codeField.remove();
    recoveryField.remove();
    switchRow.remove();
  }

  return {
    root,
    deleteButton,
    deleteForm,
    stepUp,
    cancelButton: requireElement(root, '.cancel-delete', HTMLButtonElement),
  };
}

export interface RecoveryCodesView {
  root: HTMLElement;
  copyButton: HTMLButtonElement;
  downloadButton: HTMLButtonElement;
  printButton: HTMLButtonElement;
  confirmForm: HTMLFormElement;
  savedBox: HTMLInputElement;
}

/**
 * The save step's sheet: a title naming the account, the codes in a grid, when they were created; then Copy all,
 * Download and Print, and the confirmation. Removing `root` removes the codes from the page.
 */
export function renderRecoveryCodes(i18n: Localizer, codes: readonly string[], accountName: () => string, createdAt: number): RecoveryCodesView {
  const fragment = cloneTemplate(i18n, 'recovery-codes-template');
  const root = requireElement(fragment, '.recovery-step', HTMLDivElement);
  i18n.show(requireElement(root, '.recovery-sheet-title', HTMLHeadingElement), (t) =>
    t.parts('codes.sheetTitle', { name: isolate(document, accountName()) }),
  );
  const list = requireElement(root, '.recovery-codes', HTMLOListElement);
  for (const recoveryCode of codes) {
    const item = document.createElement('li');
    const code = document.createElement('code');
    code.dir = 'ltr';
    code.textContent = recoveryCode;
    item.append(code);
    list.append(item);
  }
  i18n.show(requireElement(root, '.recovery-sheet-note', HTMLParagraphElement), (t) => t.text('codes.sheetNote', { dateTime: t.dateTime(createdAt) }));
  return {
    root,
    copyButton: requireElement(root, '.copy-codes', HTMLButtonElement),
    downloadButton: requireElement(root, '.download-codes', HTMLButtonElement),
    printButton: requireElement(root, '.print-codes', HTMLButtonElement),
    confirmForm: requireElement(root, '.recovery-confirm', HTMLFormElement),
    savedBox: requireElement(root, '.codes-saved', HTMLInputElement),
  };
}

export interface ActivityItemView {
  root: HTMLLIElement;
  what: HTMLElement;
  when: HTMLTimeElement;
}

/** Icons drawn with strokes, one shape per tone, so a line's kind never rests on its colour alone. */
const TONE_ICONS: Readonly<Record<ActivityTone, string>> = {
  ok: 'M4.5 10.5l3.5 3.5 7.5-8',
  alert: 'M10 2.5l8 14.5H2z M10 8v4 M10 14.2v.3',
  info: 'M10 2.75a7.25 7.25 0 1 0 0 14.5a7.25 7.25 0 1 0 0-14.5z M10 9v4.5 M10 6.2v.3',
};

/** One line of Recent activity: its icon and tone, the words and the time are filled by the caller. */
export function renderActivityItem(i18n: Localizer, tone: ActivityTone, occurredAt: string): ActivityItemView {
  const fragment = cloneTemplate(i18n, 'activity-template');
  const root = requireElement(fragment, '.activity-item', HTMLLIElement);
  root.classList.add(tone);
  requireElement(root, '.activity-icon path', SVGPathElement).setAttribute('d', TONE_ICONS[tone]);
  const when = requireElement(root, '.activity-when time', HTMLTimeElement);
  when.dateTime = occurredAt;
  return { root, what: requireElement(root, '.activity-what', HTMLParagraphElement), when };
}

/**
 * "Firefox on Linux": the browser and platform the kit read when the device was trusted. Real names stay as they are;
 * what the User-Agent did not say (null) is said in the page's language.
 */
export function deviceKind(t: Translator, device: TrustedDevice): string {
  return t.text('devices.onPlatform', {
    browser: device.browser ?? t.text('devices.unknownBrowser'),
    platform: device.platform ?? t.text('devices.unknownPlatform'),
  });
}

/** The name a trusted device goes by: the person's label for it, or its browser and platform. */
export function deviceName(t: Translator, device: TrustedDevice): string {
  return device.label ?? deviceKind(t, device);
}

export interface DeviceItemView {
  root: HTMLLIElement;
  forgetButton: HTMLButtonElement;
  forgetForm: HTMLFormElement;
  cancelButton: HTMLButtonElement;
}

/** One trusted device: its name, "This device" when this browser holds it, browser and platform, when trusted and last used. */
export function renderDeviceItem(i18n: Localizer, device: TrustedDevice, here: boolean, index: number, now: () => number): DeviceItemView {
  const fragment = cloneTemplate(i18n, 'device-template');
  const root = requireElement(fragment, '.factor', HTMLLIElement);
  root.dataset.deviceId = device.deviceId;
  const name = (): string => deviceName(i18n.t, device);
  i18n.show(requireElement(root, '.factor-label', HTMLSpanElement), name);
  if (!here) requireElement(root, '.device-here', HTMLSpanElement).remove();
  const kind = requireElement(root, '.device-kind', HTMLSpanElement);
  // Without a label the name already is the browser and platform.
  if (device.label === null) kind.remove();
  else i18n.show(kind, (t) => deviceKind(t, device));
  const trusted = document.createElement('time');
  trusted.dateTime = device.trustedAt;
  i18n.show(trusted, (t) => t.date(device.trustedAt));
  const used = document.createElement('time');
  used.dateTime = device.lastUsedAt;
  i18n.show(used, (t) => describeWhen(t, { occurredAt: device.lastUsedAt, channel: 'web' }, now()));
  i18n.show(requireElement(root, '.device-dates', HTMLSpanElement), (t) => t.parts('devices.dates', { trusted, used }));

  const forgetButton = requireElement(root, '.forget-button', HTMLButtonElement);
  // Visible "Forget"; the accessible name adds which one (WCAG 2.5.3, label in name).
  i18n.showAttribute(forgetButton, 'aria-label', (t) => t.text('devices.forgetNamed', { name: name() }));
  const forgetForm = requireElement(root, '.delete-form', HTMLFormElement);
  const question = requireElement(root, '.forget-question', HTMLParagraphElement);
  question.id = `forget-question-${index}`;
  forgetForm.setAttribute('aria-labelledby', question.id);
  i18n.show(question, (t) => t.parts('devices.forgetQuestion', { name: isolate(document, name()) }));
  return { root, forgetButton, forgetForm, cancelButton: requireElement(root, '.cancel-forget', HTMLButtonElement) };
}
