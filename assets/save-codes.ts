// The "Save your recovery codes" step: the codes in a grid, Copy all, Download as .txt and Print, and a confirmation
// before it closes. Closing (or signing out, or a deleted authenticator) removes the codes from the page, like the secret.
import type { Announcer } from './announcer';
import type { TextKey } from './catalog';
import { isolate } from './localizer';
import { onSubmit, type PageContext } from './page-context';
import { renderRecoveryCodes, requireElement, type RecoveryCodesView } from './render';

/** The downloaded file's name: the same in every language, so a support person can ask for it by name. */
export const RECOVERY_CODES_FILE = 'recovery-codes.txt';

/** The part of the page that comes next, once the codes are put away: its card says so and takes the focus. */
export interface NextPart {
  announcer: Announcer;
  focus(): void;
}

export interface SaveStep {
  /**
   * Shows `codes` (replacing any shown before) with `opened`, the news that brought them, and focuses the step; until
   * the person confirms, the step is the only card on the page.
   */
  show(codes: readonly string[], opened: TextKey, next: NextPart): void;
  /** Removes the codes from the page without a confirmation (sign-out, the authenticator deleted). */
  drop(): void;
}

export interface SaveStepOptions {
  /** The signed-in person's name, for the sheet's title (the printout and the file say whose codes they are). */
  accountName: () => string;
  now?: () => number;
}

interface Shown {
  view: RecoveryCodesView;
  /** The object URL of the downloaded file, made on the first download and revoked when the step goes. */
  fileUrl: string | null;
}

export function createSaveStep(ctx: PageContext, options: SaveStepOptions): SaveStep {
  const section = requireElement(document, '#save-codes', HTMLElement);
  const title = requireElement(document, '#save-codes-title', HTMLHeadingElement);
  const slot = requireElement(document, '#save-codes-slot', HTMLDivElement);
  const workspace = requireElement(document, '#workspace', HTMLDivElement);
  const now = options.now ?? Date.now;
  let shown: Shown | null = null;

  function drop(): void {
    if (shown === null) return;
    if (shown.fileUrl !== null) URL.revokeObjectURL(shown.fileUrl);
    // Removing the node removes the codes; the listeners that hold them go with it.
    shown.view.root.remove();
    shown = null;
    section.hidden = true;
    workspace.removeAttribute('data-saving');
  }

  async function copy(codes: readonly string[]): Promise<void> {
    try {
      await navigator.clipboard.writeText(codes.join('\n'));
      ctx.announcer.announce('success', 'codes.copied');
    } catch {
      ctx.announcer.announce('error', 'codes.copyFailed');
    }
  }

  /** The file: whose codes, the codes one per line, when they were made; in the page's language at the time. */
  function fileText(codes: readonly string[], createdAt: number): string {
    const { t } = ctx.i18n;
    return [t.text('codes.sheetTitle', { name: options.accountName() }), '', ...codes, '', t.text('codes.sheetNote', { dateTime: t.dateTime(createdAt) }), ''].join('\n');
  }

  /** A Blob behind an object URL (CSP-safe: no data: URL, no script), saved through a download link. */
  function download(current: Shown, codes: readonly string[], createdAt: number): void {
    if (current.fileUrl !== null) URL.revokeObjectURL(current.fileUrl);
    current.fileUrl = URL.createObjectURL(new Blob([fileText(codes, createdAt)], { type: 'text/plain;charset=utf-8' }));
    const link = document.createElement('a');
    link.href = current.fileUrl;
    link.download = RECOVERY_CODES_FILE;
    link.hidden = true;
    current.view.root.append(link);
    link.click();
    link.remove();
    // The name isolated: in a right-to-left sentence it still reads as one left-to-right word.
    ctx.announcer.announce('info', (t) => t.parts('codes.downloaded', { file: isolate(document, RECOVERY_CODES_FILE) }));
  }

  return {
    show(codes, opened, next) {
      drop();
      const createdAt = now();
      const view = renderRecoveryCodes(ctx.i18n, codes, options.accountName, createdAt);
      const current: Shown = { view, fileUrl: null };
      shown = current;
      view.copyButton.addEventListener('click', () => void copy(codes));
      view.downloadButton.addEventListener('click', () => download(current, codes, createdAt));
      // The print stylesheet (style.css, @media print) leaves only the sheet: the title, the codes, the date.
      view.printButton.addEventListener('click', () => window.print());
      view.savedBox.addEventListener('change', () => view.savedBox.removeAttribute('aria-invalid'));
      onSubmit(view.confirmForm, async () => {
        if (!view.savedBox.checked) {
          view.savedBox.setAttribute('aria-invalid', 'true');
          ctx.announcer.announce('error', (t) => t.text('codes.confirmFirst', { label: t.text('codes.confirm') }));
          view.savedBox.focus();
          return;
        }
        drop();
        next.announcer.announce('info', 'codes.closed');
        next.focus();
      });
      slot.replaceChildren(view.root);
      // The step takes over the page until it is done (style.css): no other card, no second count of the codes.
      workspace.setAttribute('data-saving', '');
      section.hidden = false;
      title.focus();
      ctx.announcer.announce('success', opened);
    },
    drop,
  };
}
