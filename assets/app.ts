// Entry point of the enrollment page: wires sign-in, set-up, first verification, the sign-in check and the factor list.
import type { FactorConfig, FactorSummary } from '../lib/contract';
import { createAnnouncer } from './announcer';
import { ApiError, createApiClient } from './api';
import { keepDigitsOnly, markInvalid, readCode } from './code-input';
import { startStepCountdown, type StepCountdown } from './countdown';
import { describeFailure } from './failure';
import { DEFAULT_CONFIG } from './format';
import { warmUpQrEncoder } from './qr';
import { configureCodeInput, renderEnrollment, renderFactorItem, requireElement, type EnrollmentView } from './render';
import { devSignIn, isDevSignInAvailable, takeTokenFromFragment } from './session';

interface Enrollment {
  factorSid: string;
  config: FactorConfig;
  view: EnrollmentView;
  countdown: StepCountdown;
}

function start(): void {
  const $ = <T extends Element>(selector: string, type: new () => T): T => requireElement(document, selector, type);
  const baseUrl = document.baseURI;
  const announcer = createAnnouncer($('#messages', HTMLDivElement));

  // The token is read before anything else runs so the address bar never keeps it.
  let token = takeTokenFromFragment(window.location, window.history);
  let devSignInAvailable = false;
  let enrollment: Enrollment | null = null;
  let checkConfig: FactorConfig | null = null;
  const api = createApiClient({ baseUrl, getToken: () => token });

  const loading = $('#loading', HTMLParagraphElement);
  const devSection = $('#dev-sign-in', HTMLElement);
  const devForm = $('#dev-sign-in-form', HTMLFormElement);
  const devUser = $('#dev-user', HTMLInputElement);
  const signedOut = $('#signed-out', HTMLElement);
  const workspace = $('#workspace', HTMLDivElement);
  const sessionUser = $('#session-user', HTMLSpanElement);
  const setupForm = $('#setup-form', HTMLFormElement);
  const setupLabel = $('#setup-label', HTMLInputElement);
  const enrollmentSlot = $('#enrollment-slot', HTMLDivElement);
  const setupDone = $('#setup-done', HTMLParagraphElement);
  const checkSection = $('#check', HTMLElement);
  const checkForm = $('#check-form', HTMLFormElement);
  const checkCode = $('#check-code', HTMLInputElement);
  const checkResult = $('#check-result', HTMLParagraphElement);
  const factorsTitle = $('#factors-title', HTMLHeadingElement);
  const factorsEmpty = $('#factors-empty', HTMLParagraphElement);
  const factorList = $('#factor-list', HTMLUListElement);

  const checkCountdown = startStepCountdown(
    { text: $('#check-countdown-text', HTMLParagraphElement), bar: $('#check-countdown-bar', HTMLProgressElement) },
    DEFAULT_CONFIG.period,
  );
  keepDigitsOnly(checkCode);

  /** Runs one request per form at a time; a second Enter while waiting does nothing. */
  async function whileBusy(form: HTMLFormElement, task: () => Promise<void>): Promise<void> {
    if (form.getAttribute('aria-busy') === 'true') return;
    form.setAttribute('aria-busy', 'true');
    try {
      await task();
    } finally {
      form.removeAttribute('aria-busy');
    }
  }

  function reportFailure(error: unknown): boolean {
    const failure = describeFailure(error, Date.now());
    announcer.announce('error', failure.text);
    if (failure.sessionEnded) signOut(false);
    return failure.locked;
  }

  function showSignIn(): void {
    loading.hidden = true;
    workspace.hidden = true;
    devSection.hidden = !devSignInAvailable;
    signedOut.hidden = devSignInAvailable;
  }

  function showWorkspace(user: string | null): void {
    loading.hidden = true;
    devSection.hidden = true;
    signedOut.hidden = true;
    workspace.hidden = false;
    sessionUser.textContent = user === null ? 'Signed in.' : `Signed in as ${user} (local development).`;
    void loadFactors();
    // While the person reads the page and types a label, so that "Set up" shows the code without a cold start.
    if ('requestIdleCallback' in window) window.requestIdleCallback(warmUpQrEncoder);
    else setTimeout(warmUpQrEncoder, 0);
  }

  function dropEnrollment(): void {
    if (enrollment === null) return;
    enrollment.countdown.stop();
    // Removing the node removes the secret, the otpauth:// link and the QR code from the page.
    enrollment.view.root.remove();
    enrollment = null;
  }

  function signOut(announce: boolean): void {
    token = null;
    dropEnrollment();
    factorList.replaceChildren();
    checkSection.hidden = true;
    checkResult.hidden = true;
    showSignIn();
    if (announce) announcer.announce('info', 'Signed out.');
    if (devSignInAvailable) devUser.focus();
  }

  async function loadFactors(): Promise<void> {
    let factors: FactorSummary[];
    try {
      factors = (await api.listFactors()).factors;
    } catch (error) {
      reportFailure(error);
      return;
    }
    factorList.replaceChildren(...factors.map((factor, index) => wireFactorItem(factor, index)));
    factorsEmpty.hidden = factors.length > 0;
    const verified = factors.find((factor) => factor.status === 'verified');
    checkConfig = verified?.config ?? null;
    checkSection.hidden = checkConfig === null;
    // One authenticator per person: the kit refuses a second enrollment while one is verified (409 already_enrolled).
    setupForm.hidden = checkConfig !== null;
    setupDone.hidden = checkConfig === null;
    if (checkConfig !== null) {
      configureCodeInput(checkCode, checkConfig.digits);
      checkCountdown.setPeriod(checkConfig.period);
    }
  }

  function wireFactorItem(factor: FactorSummary, index: number): HTMLLIElement {
    const item = renderFactorItem(factor, index);
    const { deleteButton, deleteForm, codeInput, cancelButton } = item;
    deleteButton.setAttribute('aria-expanded', 'false');
    if (codeInput !== null) keepDigitsOnly(codeInput);

    deleteButton.addEventListener('click', () => {
      deleteForm.hidden = false;
      deleteButton.hidden = true;
      deleteButton.setAttribute('aria-expanded', 'true');
      (codeInput ?? requireElement(deleteForm, 'button[type="submit"]', HTMLButtonElement)).focus();
    });
    cancelButton.addEventListener('click', () => {
      deleteForm.hidden = true;
      deleteButton.hidden = false;
      deleteButton.setAttribute('aria-expanded', 'false');
      deleteButton.focus();
    });
    deleteForm.addEventListener('submit', (event) => {
      event.preventDefault();
      void whileBusy(deleteForm, async () => {
        let code: string | undefined;
        if (codeInput !== null) {
          const typed = readCode(codeInput, factor.config.digits);
          if (typed === null) {
            announcer.announce('error', `Enter the ${factor.config.digits}-digit code from your app to delete it.`);
            return;
          }
          code = typed;
        }
        try {
          await api.deleteFactor(code === undefined ? { factorSid: factor.factorSid } : { factorSid: factor.factorSid, code });
        } catch (error) {
          reportFailure(error);
          if (codeInput !== null) markInvalid(codeInput);
          return;
        }
        if (enrollment?.factorSid === factor.factorSid) dropEnrollment();
        await loadFactors();
        announcer.announce('success', `Deleted “${factor.label === '' ? 'Authenticator' : factor.label}”.`);
        factorsTitle.focus();
      });
    });
    return item.root;
  }

  async function beginEnrollment(): Promise<void> {
    const label = setupLabel.value.trim();
    // Key Uri Format: the account name may not contain a colon (it separates issuer and account).
    if (label.includes(':')) {
      setupLabel.setAttribute('aria-invalid', 'true');
      announcer.announce('error', 'The account name cannot contain a colon (:).');
      setupLabel.focus();
      return;
    }
    setupLabel.removeAttribute('aria-invalid');
    let factor;
    try {
      factor = await api.createFactor(label === '' ? {} : { label });
    } catch (error) {
      reportFailure(error);
      return;
    }
    dropEnrollment();
    const view = renderEnrollment(factor);
    const current: Enrollment = {
      factorSid: factor.factorSid,
      config: factor.config,
      view,
      countdown: startStepCountdown({ text: view.countdownText, bar: view.countdownBar }, factor.config.period),
    };
    enrollment = current;
    keepDigitsOnly(view.codeInput);
    view.copyButton.addEventListener('click', () => void copySecret(factor.secret));
    view.verifyForm.addEventListener('submit', (event) => {
      event.preventDefault();
      void whileBusy(view.verifyForm, () => verifyEnrollment(current));
    });
    enrollmentSlot.replaceChildren(view.root);
    view.title.focus();
    announcer.announce('info', 'Scan the QR code with your authenticator app, then enter the code it shows.');
    void loadFactors();
  }

  async function copySecret(secret: string): Promise<void> {
    try {
      await navigator.clipboard.writeText(secret);
      announcer.announce('success', 'Key copied to the clipboard.');
    } catch {
      announcer.announce('error', 'Could not copy the key. Select it and copy it yourself.');
    }
  }

  async function verifyEnrollment(current: Enrollment): Promise<void> {
    const { codeInput } = current.view;
    const code = readCode(codeInput, current.config.digits);
    if (code === null) {
      announcer.announce('error', `Enter the ${current.config.digits}-digit code from your app.`);
      return;
    }
    let status;
    try {
      status = (await api.verifyFactor({ factorSid: current.factorSid, code })).status;
    } catch (error) {
      if (error instanceof ApiError && error.code === 'too_many_attempts') {
        // Verify locks an unverified factor for good after too many wrong codes; only a new set-up helps.
        dropEnrollment();
        announcer.announce('error', 'Locked: too many wrong codes. Choose “Set up authenticator” to start again with a new QR code.');
        setupLabel.focus();
        void loadFactors();
        return;
      }
      reportFailure(error);
      if (enrollment === current) markInvalid(codeInput);
      return;
    }
    if (status !== 'verified') {
      announcer.announce(
        'error',
        'That code did not match. Enter the current code from your app, and check that your phone sets its time automatically.',
      );
      markInvalid(codeInput);
      return;
    }
    dropEnrollment();
    setupLabel.value = '';
    await loadFactors();
    announcer.announce('success', 'Your authenticator app is set up. From now on, signing in asks for a code from it.');
    $('#check-title', HTMLHeadingElement).focus();
  }

  async function checkSignInCode(): Promise<void> {
    const digits = checkConfig?.digits ?? DEFAULT_CONFIG.digits;
    const code = readCode(checkCode, digits);
    if (code === null) {
      announcer.announce('error', `Enter the ${digits}-digit code from your app.`);
      return;
    }
    let outcome;
    try {
      outcome = await api.createChallenge({ code });
    } catch (error) {
      const locked = reportFailure(error);
      showCheckResult('error', locked ? 'Locked' : 'Not checked');
      return;
    }
    if (outcome.status === 'approved') {
      showCheckResult('success', 'Approved');
      announcer.announce('success', 'Approved: this code would sign you in.');
      checkCode.value = '';
    } else {
      showCheckResult('error', 'Not approved');
      announcer.announce('error', 'Not approved: that code did not match. Try again with the current code.');
      markInvalid(checkCode);
    }
  }

  function showCheckResult(kind: 'success' | 'error', text: string): void {
    checkResult.textContent = text;
    checkResult.className = `result ${kind}`;
    checkResult.hidden = false;
  }

  devForm.addEventListener('submit', (event) => {
    event.preventDefault();
    void whileBusy(devForm, async () => {
      const user = devUser.value.trim();
      if (user === '') {
        devUser.setAttribute('aria-invalid', 'true');
        announcer.announce('error', 'Enter a user name.');
        devUser.focus();
        return;
      }
      devUser.removeAttribute('aria-invalid');
      try {
        token = await devSignIn(baseUrl, user);
      } catch {
        announcer.announce('error', 'Could not sign in. Is the local stack running?');
        return;
      }
      announcer.clear();
      showWorkspace(user);
      setupLabel.focus();
    });
  });
  $('#sign-out', HTMLButtonElement).addEventListener('click', () => signOut(true));
  setupForm.addEventListener('submit', (event) => {
    event.preventDefault();
    void whileBusy(setupForm, beginEnrollment);
  });
  checkForm.addEventListener('submit', (event) => {
    event.preventDefault();
    void whileBusy(checkForm, checkSignInCode);
  });

  if (token !== null) {
    showWorkspace(null);
  } else {
    void isDevSignInAvailable(baseUrl).then((available) => {
      devSignInAvailable = available;
      showSignIn();
    });
  }
}

start();
