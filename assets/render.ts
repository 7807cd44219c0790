// Builds the page's dynamic parts from its <template>s; data only ever goes in through textContent and attributes.
import type { CreateFactorResponse, FactorSummary } from '../lib/contract';
import { describeNonDefaultConfig, groupSecret } from './format';
import { isolate, type Localizer } from './localizer';
import { renderQrSvg } from './qr';

/** Finds a required element; a missing one is a bug in index.html, so fail loudly. */
export function requireElement<T extends Element>(root: ParentNode, selector: string, type: new () => T): T {
  const element = root.querySelector(selector);
  if (!(element instanceof type)) throw new Error(`index.html lacks ${selector}`);
  return element;
}

/** A template's content, translated into the page's language before it is shown. */
function cloneTemplate(i18n: Localizer, templateId: string): DocumentFragment {
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
  const codeInput = requireElement(root, '.verify-code', HTMLInputElement);
  codeInput.id = 'verify-code';
  configureCodeInput(codeInput, digits);
  requireElement(root, '.verify-label', HTMLLabelElement).htmlFor = codeInput.id;
  const hint = requireElement(root, '.verify-hint', HTMLParagraphElement);
  hint.id = 'verify-hint';
  i18n.show(hint, (t) => t.plural('enroll.hint', digits));

  const countdownText = requireElement(root, '.countdown-text', HTMLParagraphElement);
  countdownText.id = 'verify-countdown-text';
  const countdownBar = requireElement(root, '.countdown-bar', HTMLProgressElement);
  countdownBar.setAttribute('aria-labelledby', countdownText.id);
  codeInput.setAttribute('aria-describedby', `${hint.id} ${countdownText.id}`);

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

export interface FactorItemView {
  root: HTMLLIElement;
  deleteButton: HTMLButtonElement;
  deleteForm: HTMLFormElement;
  codeInput: HTMLInputElement | null;
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

  let codeInput: HTMLInputElement | null = null;
  const codeField = requireElement(root, '.delete-code-field', HTMLDivElement);
  if (factor.status === 'verified') {
    i18n.show(question, (t) => t.parts('factors.deleteVerified', { name: isolate(document, name()) }));
    codeInput = requireElement(root, '.delete-code', HTMLInputElement);
    codeInput.id = `delete-code-${index}`;
    codeInput.required = true;
    configureCodeInput(codeInput, factor.config.digits);
    codeInput.setAttribute('aria-describedby', question.id);
    requireElement(root, '.delete-label', HTMLLabelElement).htmlFor = codeInput.id;
  } else {
    i18n.show(question, (t) => t.parts('factors.deleteUnverified', { name: isolate(document, name()) }));
    codeField.remove();
  }

  return {
    root,
    deleteButton,
    deleteForm,
    codeInput,
    cancelButton: requireElement(root, '.cancel-delete', HTMLButtonElement),
  };
}
