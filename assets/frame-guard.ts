// The frame guard: the page refuses to run inside another site's frame unless that site is on the page's allow-list.
// A framing page could hand the page a token of its own and lead a visitor to enroll their phone into that account.
// Twilio serves assets with its own headers, so a deployed page cannot send CSP `frame-ancestors`; this script check
// stands in for it (a host that serves the page itself should send the header as well: docs/page.md).

/** Where the page runs, as the browser reports it (nothing here can be set by the framing page). */
export interface FrameContext {
  /** `window.top !== window.self` */
  framed: boolean;
  /** `window.parent === window.top`: one level of framing only. */
  parentIsTop: boolean;
  /** `location.ancestorOrigins` where the browser has it (Chromium, Safari): every framing origin, nearest first. */
  ancestorOrigins: readonly string[] | undefined;
  /** `document.referrer`: the framing page's address (or origin) when ancestorOrigins is missing (Firefox). */
  referrer: string;
}

function originOf(address: string): string | null {
  try {
    const { origin } = new URL(address);
    return origin === 'null' ? null : origin;
  } catch {
    return null;
  }
}

/** The allow-list from `<meta name="totp-frame-ancestors" content="https://app.example.com …">`: exact origins only. */
export function parseFrameAncestors(content: string | null): ReadonlySet<string> {
  const origins = (content ?? '').split(/\s+/).filter((entry) => entry !== '' && originOf(entry) === entry);
  return new Set(origins);
}

/**
 * True when the page may run: it is the top window, or every page framing it is on the allow-list. Without
 * `ancestorOrigins`, only a direct frame of an allowed top page is accepted, judged by the referrer's origin (a page
 * that hides its referrer is refused).
 */
export function mayRunHere(context: FrameContext, allowed: ReadonlySet<string>): boolean {
  if (!context.framed) return true;
  if (allowed.size === 0) return false;
  if (context.ancestorOrigins !== undefined) {
    return context.ancestorOrigins.length > 0 && context.ancestorOrigins.every((origin) => allowed.has(origin));
  }
  const parent = originOf(context.referrer);
  return context.parentIsTop && parent !== null && allowed.has(parent);
}
