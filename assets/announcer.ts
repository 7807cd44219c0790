// The page's live region: every outcome is shown there and read out by screen readers, in the page's language.
import type { TextKey } from './catalog';
import type { Localizer, Render } from './localizer';

export type MessageKind = 'info' | 'success' | 'error';

export interface Announcer {
  /** A catalog key, or a render for a message with values; it follows a change of language like the rest of the page. */
  announce(kind: MessageKind, message: TextKey | Render): void;
  clear(): void;
}

export function createAnnouncer(region: HTMLElement, i18n: Localizer): Announcer {
  return {
    announce(kind, message) {
      // A fresh node each time: screen readers may skip a live region whose text did not change.
      const node = document.createElement('p');
      node.className = `message ${kind}`;
      i18n.show(node, typeof message === 'string' ? (t) => t.text(message) : message);
      region.replaceChildren(node);
    },
    clear() {
      region.replaceChildren();
    },
  };
}
