// Entry point of the enrollment page: finds the caller token, signs in and out, and wires the page's parts together.
import { createAnnouncer } from './announcer';
import { ApiError, createApiClient } from './api';
import { createEnrollmentPanel } from './enrollment';
import { createFactorList } from './factor-list';
import { describeFailure } from './failure';
import { mayRunHere, parseFrameAncestors } from './frame-guard';
import { createLockGate } from './lock';
import { onSubmit, type PageContext } from './page-context';
import { warmUpQrEncoder } from './qr';
import { requireElement } from './render';
import { devSignIn, isDevSignInAvailable, takeTokenFromFragment } from './session';
import { createSignInCheck } from './sign-in-check';
import { signedInName } from './signed-in-user';

/** In another site's frame the page does nothing at all: no token read, no request, only a notice. */
function refuseFraming(): boolean {
  const allowed = parseFrameAncestors(document.querySelector('meta[name="totp-frame-ancestors"]')?.getAttribute('content') ?? null);
  const ancestors = window.location.ancestorOrigins as DOMStringList | undefined;
  const here = {
    framed: window.top !== window.self,
    parentIsTop: window.parent === window.top,
    ancestorOrigins: ancestors === undefined ? undefined : Array.from(ancestors),
    referrer: document.referrer,
  };
  if (mayRunHere(here, allowed)) return false;
  requireElement(document, '#loading', HTMLParagraphElement).hidden = true;
  requireElement(document, '#framed', HTMLElement).hidden = false;
  return true;
}

function start(): void {
  if (refuseFraming()) return;
  // Read before anything else runs, so the address bar never keeps the token.
  let token = takeTokenFromFragment(window.location, window.history);
  const $ = <T extends Element>(selector: string, type: new () => T): T => requireElement(document, selector, type);
  const baseUrl = document.baseURI;
  let devSignInProbe: Promise<boolean> | null = null;

  const loading = $('#loading', HTMLParagraphElement);
  const devSection = $('#dev-sign-in', HTMLElement);
  const devForm = $('#dev-sign-in-form', HTMLFormElement);
  const devUser = $('#dev-user', HTMLInputElement);
  const signedOut = $('#signed-out', HTMLElement);
  const workspace = $('#workspace', HTMLDivElement);
  const sessionUser = $('#session-user', HTMLSpanElement);
  const setupAccountName = $('#setup-account-name', HTMLElement);

  const announcer = createAnnouncer($('#messages', HTMLDivElement));
  const lock = createLockGate($('#lock-timer', HTMLParagraphElement), announcer);
  const ctx: PageContext = {
    api: createApiClient({ baseUrl, getToken: () => token }),
    announcer,
    reportFailure(error) {
      if (error instanceof ApiError && error.code === 'locked') {
        // The kit's own lock: a countdown, then the forms work again (announced when it begins and when it ends).
        lock.lockUntil(error.retryAt ?? Date.now() + 60_000);
        return true;
      }
      const failure = describeFailure(error, Date.now());
      announcer.announce(failure.kind, failure.text);
      if (failure.sessionEnded) void signOut();
      return failure.locked;
    },
    lock,
  };
  const check = createSignInCheck(ctx);
  const enrollment = createEnrollmentPanel(ctx, {
    factorsChanged: () => factors.load(),
    verified: () => check.focus(),
  });
  const factors = createFactorList(ctx, {
    loaded(verified) {
      check.configure(verified);
      enrollment.showEnrolled(verified !== null);
    },
    deleted: (factorSid) => enrollment.dropIfFactor(factorSid),
  });

  /** Asked once: only the local stack has the dev-only token route. */
  function hasDevSignIn(): Promise<boolean> {
    devSignInProbe ??= isDevSignInAvailable(baseUrl);
    return devSignInProbe;
  }

  /** `focus`: after a sign-out the focus would be lost with the workspace; on first load it stays at the top. */
  async function showSignIn(focus: boolean): Promise<void> {
    workspace.hidden = true;
    const available = await hasDevSignIn();
    loading.hidden = true;
    devSection.hidden = !available;
    signedOut.hidden = available;
    if (focus && available) devUser.focus();
  }

  /** `local`: signed in through the dev sign-in. The name comes from the token, before anything can be enrolled. */
  function showWorkspace(signedInToken: string, local: boolean): void {
    const name = signedInName(signedInToken) ?? 'an unnamed account';
    loading.hidden = true;
    devSection.hidden = true;
    signedOut.hidden = true;
    workspace.hidden = false;
    sessionUser.textContent = `Signed in as ${name}${local ? ' (local development)' : ''}.`;
    setupAccountName.textContent = name;
    void factors.load();
    // While the person reads the page and types a label, so that "Set up" shows the code without a cold start.
    if ('requestIdleCallback' in window) window.requestIdleCallback(warmUpQrEncoder);
    else setTimeout(warmUpQrEncoder, 0);
  }

  async function signOut(): Promise<void> {
    token = null;
    lock.stop();
    enrollment.drop();
    factors.clear();
    check.configure(null);
    await showSignIn(true);
  }

  onSubmit(devForm, async () => {
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
    showWorkspace(token, true);
    enrollment.focusLabel();
  });
  $('#sign-out', HTMLButtonElement).addEventListener('click', () => {
    void signOut().then(() => announcer.announce('info', 'Signed out.'));
  });

  if (token !== null) showWorkspace(token, false);
  else void showSignIn(false);
}

start();
