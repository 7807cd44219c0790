// The example sign-in step (sign-in-step.html): a code check with totp-client.js, a recovery code instead, the lock
// as a countdown, "Remember this device", and the approval token (with a trusted device's token) handed to the host's
// backend. An example to copy, in English; the kit's own page is index.html.
import { createTotpClient, TotpClientError } from './totp-client.js';

function element<T extends HTMLElement>(id: string, type: new () => T): T {
  const found = document.getElementById(id);
  if (!(found instanceof type)) throw new Error(`sign-in-step.html has no #${id}`);
  return found;
}

function meta(name: string): string {
  return document.querySelector(`meta[name="${name}"]`)?.getAttribute('content')?.trim() ?? '';
}

/**
 * The caller token and the sign-in's nonce. Here they come in the fragment (`#token=…&nonce=…`), read once and
 * removed from the address bar; in your app they come from your own session, e.g. your backend renders them.
 */
function takeHandOver(): { token: string | null; nonce: string | undefined } {
  const params = new URLSearchParams(window.location.hash.slice(1));
  history.replaceState(history.state, '', window.location.pathname + window.location.search);
  return { token: params.get('token'), nonce: params.get('nonce') ?? undefined };
}

const { token, nonce } = takeHandOver();
const client = createTotpClient({ baseUrl: meta('totp-base-url') || new URL('.', document.baseURI), getToken: () => token });
const messages = element('messages', HTMLDivElement);
const timer = element('lock-timer', HTMLParagraphElement);
const codeStep = element('code-step', HTMLElement);
const recoveryStep = element('recovery-step', HTMLElement);
const codeInput = element('code', HTMLInputElement);
const recoveryInput = element('recovery-code', HTMLInputElement);
let lockedUntil = 0;

/** One message at a time in the live region, read out once; its kind (style.css) says at a glance how it went. */
function say(text: string, kind: 'info' | 'success' | 'error' = 'error'): void {
  const line = document.createElement('p');
  line.className = `message ${kind}`;
  line.textContent = text;
  messages.replaceChildren(line);
}

function secondsLeft(): number {
  return Math.max(0, Math.ceil((lockedUntil - Date.now()) / 1000));
}

/** The kit's lock as data: a countdown to `retryAt`, announced when it begins and when it ends, not every second. */
function lockUntil(retryAt: number): void {
  const beginning = secondsLeft() === 0;
  lockedUntil = Math.max(lockedUntil, retryAt);
  for (const button of document.querySelectorAll('form[data-code-check] button[type="submit"]')) button.setAttribute('aria-disabled', 'true');
  if (beginning) say(`Too many wrong codes. You can try again in ${secondsLeft()} seconds.`);
  const tick = (): void => {
    const left = secondsLeft();
    if (left === 0) {
      timer.hidden = true;
      for (const button of document.querySelectorAll('form[data-code-check] button[type="submit"]')) button.removeAttribute('aria-disabled');
      say('You can try again now.', 'info');
      return;
    }
    timer.hidden = false;
    timer.textContent = `Try again in ${Math.floor(left / 60)}:${String(left % 60).padStart(2, '0')}`;
    setTimeout(tick, ((lockedUntil - Date.now()) % 1000 || 1000) + 20);
  };
  if (beginning) tick();
}

/** What an approved check hands over: the approval, and the device's token when "Remember this device" was ticked. */
interface Approved {
  approval: string;
  deviceToken?: string;
}

/**
 * Step 5 of docs/integrate.md: your backend checks the approval token (signature, sub, nonce, jti) and signs the user
 * in. A device token goes along once: the backend keeps it in an HttpOnly cookie, where no script (this one included)
 * can read it again, and sends it to /check-device at the next password step ("Trusted devices" in docs/integrate.md).
 */
async function handOver({ approval, deviceToken }: Approved): Promise<void> {
  const response = await fetch(meta('mfa-complete-url'), {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(deviceToken === undefined ? { approval } : { approval, deviceToken }),
    credentials: 'same-origin',
  });
  if (response.ok) say('You are signed in.', 'success');
  else say('The sign-in could not be finished. Start again.');
}

function explain(error: unknown, input: HTMLInputElement): void {
  if (!(error instanceof TotpClientError)) return say('Something went wrong. Try again.');
  if (error.locked && error.retryAt !== null) return lockUntil(error.retryAt);
  if (error.status === 401) return say('Your sign-in has expired. Start again.');
  if (error.code === 'invalid_request' || error.code === 'invalid_code') {
    input.setAttribute('aria-invalid', 'true');
    return say(input === codeInput ? 'Enter the code your app shows.' : 'That recovery code is not valid, or was used already.');
  }
  say(error.retryAfterSeconds === null ? 'Something went wrong. Try again.' : `Something went wrong. Try again in ${error.retryAfterSeconds} seconds.`);
}

/** Runs one check per submit; while locked, says how long is left instead of calling the kit. */
function onSubmit(form: HTMLFormElement, input: HTMLInputElement, check: (value: string) => Promise<Approved | null>): void {
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    if (secondsLeft() > 0) return say(`Still locked: try again in ${secondsLeft()} seconds.`);
    if (form.getAttribute('aria-busy') === 'true') return;
    form.setAttribute('aria-busy', 'true');
    input.removeAttribute('aria-invalid');
    check(input.value.trim())
      .then(async (approved) => {
        if (approved !== null) return handOver(approved);
        input.setAttribute('aria-invalid', 'true');
        input.select();
        say('That code is not right. Wait for the next one and try again.');
      })
      .catch((error: unknown) => explain(error, input))
      .finally(() => form.removeAttribute('aria-busy'));
  });
}

/** `{rememberDevice: true}` only when the person ticked the box (unticked by default). */
const remember = (id: string): { rememberDevice?: true } => (element(id, HTMLInputElement).checked ? { rememberDevice: true } : {});

onSubmit(element('code-form', HTMLFormElement), codeInput, async (code) => {
  const result = await client.check({ code, nonce, ...remember('remember-code') });
  return result.status === 'approved' ? { approval: result.approval, deviceToken: result.trustedDevice?.deviceToken } : null;
});
onSubmit(element('recovery-form', HTMLFormElement), recoveryInput, async (code) => {
  const { approval, trustedDevice } = await client.useRecoveryCode({ code, nonce, ...remember('remember-recovery') });
  return { approval, deviceToken: trustedDevice?.deviceToken };
});

function show(step: HTMLElement, heading: string): void {
  codeStep.hidden = step !== codeStep;
  recoveryStep.hidden = step !== recoveryStep;
  element(heading, HTMLHeadingElement).focus();
}
element('use-recovery', HTMLButtonElement).addEventListener('click', () => show(recoveryStep, 'recovery-title'));
element('use-app', HTMLButtonElement).addEventListener('click', () => show(codeStep, 'code-title'));
if (token === null) say('No sign-in in progress. Start again from your password.');
