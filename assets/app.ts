// Entry point of the enrollment page: picks the language, finds the caller token, signs in and out, and wires the
// page's parts together.
import { createActivityList, refreshAfterEachAction } from './activity-list';
import { createAnnouncer } from './announcer';
import { createTotpClient, TotpClientError } from './totp-client';
import { createEnrollmentPanel } from './enrollment';
import { createFactorList } from './factor-list';
import { describeFailure } from './failure';
import { mayRunHere, parseFrameAncestors } from './frame-guard';
import { createLanguagePicker, readStoredLocale } from './language-picker';
import { chooseLocale } from './locales';
import { createLocalizer, fetchCatalog, isolate, type Localizer } from './localizer';
import { createLockGate } from './lock';
import { onSubmit, type PageContext } from './page-context';
import { warmUpQrEncoder } from './qr';
import { createRecoveryStatus } from './recovery-status';
import { requireElement } from './render';
import { createSaveStep } from './save-codes';
import { devSignIn, isDevSignInAvailable, takeTokenFromFragment } from './session';
import { createSignInCheck } from './sign-in-check';
import { signedInName, signedInSubject } from './signed-in-user';
import { createSpentCode } from './spent-code';
import { createTrustedDeviceStore } from './trusted-device-store';
import { createTrustedDevices } from './trusted-devices';

/** The page in the visitor's language (only that language's catalog is fetched), with the picker to change it. */
async function startLocalizer(): Promise<Localizer> {
  const storage = (): Storage => window.localStorage;
  const locale = chooseLocale({
    query: new URLSearchParams(window.location.search).get('lang'),
    stored: readStoredLocale(storage),
    browser: navigator.languages,
  });
  const i18n = await createLocalizer({ document, locale, load: (tag) => fetchCatalog(document.baseURI, tag) });
  createLanguagePicker({
    select: requireElement(document, '#language', HTMLSelectElement),
    container: requireElement(document, '#language-picker', HTMLElement),
    current: i18n.t.locale,
    storage,
    location: window.location,
    history: window.history,
    pick: (tag) => i18n.switchTo(tag),
  });
  return i18n;
}

/** In another site's frame the page does nothing at all: no token read, no call to the Functions, only a notice. */
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
  // The notice in the visitor's language: the catalog is a static file of the page, and no token is read.
  void startLocalizer().then(() => {
    requireElement(document, '#loading', HTMLParagraphElement).hidden = true;
    requireElement(document, '#framed', HTMLElement).hidden = false;
  });
  return true;
}

async function start(): Promise<void> {
  if (refuseFraming()) return;
  // Read before anything else runs, so the address bar never keeps the token.
  let token = takeTokenFromFragment(window.location, window.history);
  const $ = <T extends Element>(selector: string, type: new () => T): T => requireElement(document, selector, type);
  const baseUrl = document.baseURI;
  // Asked once (while the language loads, when there is no token): only the local stack has the dev-only token route.
  let devSignInProbe = token === null ? isDevSignInAvailable(baseUrl) : null;
  const i18n = await startLocalizer();

  const loading = $('#loading', HTMLParagraphElement);
  const devSection = $('#dev-sign-in', HTMLElement);
  const devForm = $('#dev-sign-in-form', HTMLFormElement);
  const devUser = $('#dev-user', HTMLInputElement);
  const signedOut = $('#signed-out', HTMLElement);
  const workspace = $('#workspace', HTMLDivElement);
  const sessionUser = $('#session-user', HTMLSpanElement);
  const setupAccountName = $('#setup-account-name', HTMLElement);

  const announcer = createAnnouncer($('#messages', HTMLDivElement), i18n);
  const lock = createLockGate($('#lock-timer', HTMLParagraphElement), announcer, i18n);
  // The kit's Functions sit next to the page, under the page's own folder.
  const api = createTotpClient({ baseUrl: new URL('.', baseUrl), getToken: () => token });
  const activity = createActivityList({ api, i18n });
  /** The signed-in person's name, from the token (display only): the page names whose account it acts on. */
  let accountName = (): string => i18n.t.text('session.unnamed');
  const spent = createSpentCode();
  /** A part of the page with its own status line: its outcomes, failures and lock show by its card. */
  function partOf(card: string): PageContext {
    const say = announcer.at($(`${card} .messages`, HTMLDivElement));
    const gate = lock.at(say);
    return {
      // Every action that can leave a security event brings Recent activity up to date.
      api: refreshAfterEachAction(api, () => void activity.refresh()),
      announcer: say,
      i18n,
      reportFailure(error) {
        if (error instanceof TotpClientError && error.code === 'locked') {
          // The kit's own lock: a countdown, then the forms work again (announced when it begins and when it ends).
          gate.lockUntil(error.retryAt ?? Date.now() + 60_000);
          return true;
        }
        const failure = describeFailure(error);
        // A refused token ends the session: said where the sign-in shows, at the top.
        (failure.sessionEnded ? announcer : say).announce(failure.kind, (t) => failure.text(t, Date.now()));
        if (failure.sessionEnded) void signOut();
        return failure.locked;
      },
      lock: gate,
      spent,
    };
  }
  const [setupPart, savePart, checkPart, recoveryPart, factorsPart, devicesPart] = ['#setup', '#save-codes', '#check', '#recovery', '#factors', '#devices'].map(partOf) as [
    PageContext, PageContext, PageContext, PageContext, PageContext, PageContext,
  ];
  const saveStep = createSaveStep(savePart, { accountName: () => accountName() });
  const deviceStore = createTrustedDeviceStore(() => window.localStorage, () => (token === null ? null : signedInSubject(token)));
  const check = createSignInCheck(checkPart, deviceStore, { recoveryCodeUsed: () => factors.load(), devicesChanged: () => void devices.load() });
  const devices = createTrustedDevices(devicesPart, deviceStore, {
    loaded: (days) => check.setTrustedDeviceDays(days),
    forgotten: () => check.showDeviceOffer(),
  });
  const afterCheck = { announcer: checkPart.announcer, focus: () => check.focus() };
  const recovery = createRecoveryStatus(recoveryPart, {
    // A new set replaces the old one in the save step; once it is put away, focus returns to the card.
    regenerated(codes) {
      saveStep.show(codes, 'recovery.regenerated', { announcer: recoveryPart.announcer, focus: () => recovery.focus() });
      void factors.load();
    },
  });
  const enrollment = createEnrollmentPanel(setupPart, {
    factorsChanged: () => factors.load(),
    verified(recoveryCodes) {
      // The codes come once, with the first code: their save step comes first, then the focus moves on to the check.
      if (recoveryCodes !== undefined) saveStep.show(recoveryCodes, 'enroll.successCodes', afterCheck);
      else {
        checkPart.announcer.announce('success', 'enroll.success');
        check.focus();
      }
    },
  });
  const factors = createFactorList(factorsPart, {
    loaded(verified, recoveryCodes) {
      check.configure(verified);
      recovery.configure(verified, recoveryCodes);
      devices.configure(verified !== null);
      enrollment.showEnrolled(verified !== null);
    },
    deleted(factor) {
      enrollment.dropIfFactor(factor.factorSid);
      // A verified factor takes its recovery codes with it: codes still on screen no longer work.
      if (factor.status === 'verified') {
        saveStep.drop();
        spent.forget();
        // The kit forgets every trusted device with the authenticator.
        deviceStore.drop();
      }
    },
    // Said in the set-up card, where the focus goes: the next thing to do is the new phone.
    replaceLost(message) {
      setupPart.announcer.announce('success', message);
      enrollment.focusLabel();
    },
  });

  /** `focus`: after a sign-out the focus would be lost with the workspace; on first load it stays at the top. */
  async function showSignIn(focus: boolean): Promise<void> {
    workspace.hidden = true;
    const available = await (devSignInProbe ??= isDevSignInAvailable(baseUrl));
    loading.hidden = true;
    devSection.hidden = !available;
    signedOut.hidden = available;
    if (focus && available) devUser.focus();
  }

  /** `local`: signed in through the dev sign-in. The name comes from the token, before anything can be enrolled. */
  function showWorkspace(signedInToken: string, local: boolean): void {
    const claimed = signedInName(signedInToken);
    const name = (): string => claimed ?? i18n.t.text('session.unnamed');
    accountName = name;
    loading.hidden = true;
    devSection.hidden = true;
    signedOut.hidden = true;
    workspace.hidden = false;
    i18n.show(sessionUser, (t) => t.parts(local ? 'session.signedInLocal' : 'session.signedIn', { name: isolate(document, name()) }));
    i18n.show(setupAccountName, name);
    void factors.load();
    void activity.refresh();
    // While the person reads the page and types a label, so that "Set up" shows the code without a cold start.
    if ('requestIdleCallback' in window) window.requestIdleCallback(warmUpQrEncoder);
    else setTimeout(warmUpQrEncoder, 0);
  }

  async function signOut(): Promise<void> {
    token = null;
    lock.stop();
    spent.forget();
    enrollment.drop();
    saveStep.drop();
    factors.clear();
    activity.clear();
    devices.clear();
    check.configure(null);
    recovery.configure(null, { left: 0, outdated: false });
    await showSignIn(true);
  }

  onSubmit(devForm, async () => {
    const user = devUser.value.trim();
    if (user === '') {
      devUser.setAttribute('aria-invalid', 'true');
      announcer.announce('error', 'devSignIn.enterUser');
      devUser.focus();
      return;
    }
    devUser.removeAttribute('aria-invalid');
    try {
      token = await devSignIn(baseUrl, user);
    } catch (error) {
      // Opened under a host name the dev sign-in refuses (it answers only at this machine's own address).
      const wrongHost = error instanceof TotpClientError && error.code === 'host_not_allowed';
      announcer.announce('error', wrongHost ? 'error.hostNotAllowed' : 'devSignIn.failed');
      return;
    }
    announcer.clear();
    showWorkspace(token, true);
    enrollment.focusLabel();
  });
  $('#sign-out', HTMLButtonElement).addEventListener('click', () => {
    void signOut().then(() => announcer.announce('info', 'session.signedOut'));
  });

  if (token !== null) showWorkspace(token, false);
  else void showSignIn(false);
}

start().catch(() => {
  // Only when not even the English catalog loads: the one sentence the markup has for it.
  requireElement(document, '#loading', HTMLParagraphElement).hidden = true;
  requireElement(document, '#load-failed', HTMLParagraphElement).hidden = false;
});
