// The page's status lines: each card has its own (role="status"), so an outcome shows by the card just used and is read
// out by screen readers, in the page's language. One message on the page at a time.
import type { TextKey } from './catalog';
import type { Localizer, Render } from './localizer';

export type MessageKind = 'info' | 'success' | 'error';

export interface Announcer {
  /** A catalog key, or a render for a message with values; it follows a change of language like the rest of the page. */
  announce(kind: MessageKind, message: TextKey | Render): void;
  clear(): void;
  /** The same, in another card's status line. */
  at(region: HTMLElement): Announcer;
  /** Puts `node` right after the status line (the lock's countdown shows where the lock was announced). */
  place(node: Element): void;
}

export function createAnnouncer(region: HTMLElement, i18n: Localizer): Announcer {
  let showing: HTMLElement | null = null;
  const at = (target: HTMLElement): Announcer => ({
    announce(kind, message) {
      // A fresh node each time: screen readers may skip a live region whose text did not change.
      const node = document.createElement('p');
      node.className = `message ${kind}`;
      i18n.show(node, typeof message === 'string' ? (t) => t.text(message) : message);
      showing?.replaceChildren();
      target.replaceChildren(node);
      showing = target;
      // On a phone the card may reach below the screen: the message comes into view (the focus stays put).
      node.scrollIntoView({ block: 'nearest' });
    },
    clear() {
      showing?.replaceChildren();
    },
    at,
    place: (node) => target.after(node),
  });
  return at(region);
}
