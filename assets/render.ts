// Builds the page's dynamic parts from its <template>s; data only ever goes in through textContent and attributes.
import type { CreateFactorResponse, FactorSummary } from '../lib/contract';
import { describeNonDefaultConfig, formatDate, groupSecret } from './format';
import { renderQrSvg } from './qr';

/** Finds a required element; a missing one is a bug in index.html, so fail loudly. */
export function requireElement<T extends Element>(root: ParentNode, selector: string, type: new () => T): T {
  const element = root.querySelector(selector);
  if (!(element instanceof type)) throw new Error(`index.html lacks ${selector}`);
  return element;
}

function cloneTemplate(templateId: string): DocumentFragment {
  const template = requireElement(document, `#${templateId}`, HTMLTemplateElement);
  return template.content.cloneNode(true) as DocumentFragment;
}

/**
 * Applies the factor's code length to a code field. No maxlength: the browser would cut a pasted "123 456" to
 * "123 45" before the page could drop the space; keepDigitsOnly() trims to the length instead.
 */
export function configureCodeInput(input: HTMLInputElement, digits: number): void {
  input.dataset.codeLength = String(digits);
  input.pattern = `[0-9]{${digits}}`;
}

/** The QR code's accessible name: what a screen reader says in place of the picture. */
export const QR_CODE_LABEL = 'QR code for your authenticator app';

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
export function renderEnrollment(factor: CreateFactorResponse): EnrollmentView {
  const fragment = cloneTemplate('enrollment-template');
  const root = requireElement(fragment, '.enrollment', HTMLDivElement);

  requireElement(root, '.qr', HTMLElement).append(renderQrSvg(factor.uri, QR_CODE_LABEL));

  const link = requireElement(root, '.otpauth-link', HTMLAnchorElement);
  link.href = factor.uri;

  requireElement(root, '.secret', HTMLElement).textContent = groupSecret(factor.secret);

  const note = describeNonDefaultConfig(factor.config);
  const noteElement = requireElement(root, '.config-note', HTMLParagraphElement);
  if (note !== null) {
    noteElement.textContent = note;
    noteElement.hidden = false;
  }

  const codeInput = requireElement(root, '.verify-code', HTMLInputElement);
  codeInput.id = 'verify-code';
  configureCodeInput(codeInput, factor.config.digits);
  requireElement(root, '.verify-label', HTMLLabelElement).htmlFor = codeInput.id;
  const hint = requireElement(root, '.verify-hint', HTMLParagraphElement);
  hint.id = 'verify-hint';
  hint.textContent = `Enter the ${factor.config.digits}-digit code your app shows for this account.`;

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

const STATUS_TEXT: Record<FactorSummary['status'], string> = {
  verified: 'Verified',
  unverified: 'Not verified yet',
};

/** One row of the factors list; verified factors ask for a current code before they can be deleted. */
export function renderFactorItem(factor: FactorSummary, index: number): FactorItemView {
  const fragment = cloneTemplate('factor-template');
  const root = requireElement(fragment, '.factor', HTMLLIElement);
  root.dataset.factorSid = factor.factorSid;

  const name = factor.label === '' ? 'Authenticator' : factor.label;
  requireElement(root, '.factor-label', HTMLSpanElement).textContent = name;
  const status = requireElement(root, '.factor-status', HTMLSpanElement);
  status.textContent = STATUS_TEXT[factor.status];
  status.classList.add(factor.status);
  const time = requireElement(root, 'time', HTMLTimeElement);
  time.dateTime = factor.createdAt;
  time.textContent = formatDate(factor.createdAt);

  requireElement(root, '.delete-target', HTMLSpanElement).textContent = ` ${name}`;
  const deleteForm = requireElement(root, '.delete-form', HTMLFormElement);
  const question = requireElement(root, '.delete-question', HTMLParagraphElement);
  question.id = `delete-question-${index}`;
  deleteForm.setAttribute('aria-labelledby', question.id);

  let codeInput: HTMLInputElement | null = null;
  const codeField = requireElement(root, '.delete-code-field', HTMLDivElement);
  if (factor.status === 'verified') {
    question.textContent = `To delete “${name}”, enter a current code from it.`;
    codeInput = requireElement(root, '.delete-code', HTMLInputElement);
    codeInput.id = `delete-code-${index}`;
    codeInput.required = true;
    configureCodeInput(codeInput, factor.config.digits);
    codeInput.setAttribute('aria-describedby', question.id);
    requireElement(root, '.delete-label', HTMLLabelElement).htmlFor = codeInput.id;
  } else {
    question.textContent = `Delete “${name}”? It was never verified, so no code is needed.`;
    codeField.remove();
  }

  return {
    root,
    deleteButton: requireElement(root, '.delete-button', HTMLButtonElement),
    deleteForm,
    codeInput,
    cancelButton: requireElement(root, '.cancel-delete', HTMLButtonElement),
  };
}
