// The page's live region: every outcome is shown there and read out by screen readers.

export type MessageKind = 'info' | 'success' | 'error';

export interface Announcer {
  announce(kind: MessageKind, text: string): void;
  clear(): void;
}

export function createAnnouncer(region: HTMLElement): Announcer {
  return {
    announce(kind, text) {
      // A fresh node each time: screen readers may skip a live region whose text did not change.
      const message = document.createElement('p');
      message.className = `message ${kind}`;
      message.textContent = text;
      region.replaceChildren(message);
    },
    clear() {
      region.replaceChildren();
    },
  };
}
