// The "Recent activity" card: the account's security events in plain words with local times, loaded at sign-in and
// again after each action. It is not a live region: each action's outcome is announced once, by the page's status
// region; the list updates quietly (aria-busy while it loads) for whoever reads it.
import type { ActivityEvent } from '../lib/contract';
import { describeWhen, summarizeActivity } from './activity';
import type { PageContext } from './page-context';
import { renderActivityItem, requireElement } from './render';

export interface ActivityList {
  /** Loads the events again; of overlapping loads only the latest is shown. */
  refresh(): Promise<void>;
  /** Empties the card (sign-out); a load still under way is then ignored. */
  clear(): void;
}

export function createActivityList(ctx: Pick<PageContext, 'api' | 'i18n'>, now: () => number = Date.now): ActivityList {
  const list = requireElement(document, '#activity-list', HTMLUListElement);
  const empty = requireElement(document, '#activity-empty', HTMLParagraphElement);
  const unavailable = requireElement(document, '#activity-unavailable', HTMLParagraphElement);
  let latest = 0;

  function render(events: readonly ActivityEvent[]): void {
    const items = summarizeActivity(events).map((item) => {
      const view = renderActivityItem(ctx.i18n, item.tone, item.occurredAt);
      view.root.dataset.events = String(item.events);
      ctx.i18n.show(view.what, item.describe);
      ctx.i18n.show(view.when, (t) => describeWhen(t, item, now()));
      return view.root;
    });
    list.replaceChildren(...items);
    empty.hidden = items.length > 0;
    unavailable.hidden = true;
  }

  return {
    async refresh() {
      const request = (latest += 1);
      list.setAttribute('aria-busy', 'true');
      let events: ActivityEvent[] | null;
      try {
        events = (await ctx.api.listActivity()).events;
      } catch {
        // Shown in the card, not announced: the action that came before has its own message in the live region
        // (and a refused token has already signed the page out).
        events = null;
      }
      if (request !== latest) return;
      list.removeAttribute('aria-busy');
      if (events !== null) render(events);
      else {
        list.replaceChildren();
        empty.hidden = true;
        unavailable.hidden = false;
      }
    },
    clear() {
      latest += 1;
      list.replaceChildren();
      list.removeAttribute('aria-busy');
      empty.hidden = true;
      unavailable.hidden = true;
    },
  };
}

/** Calls that only read: they leave no event behind, so they call for no refresh. */
const READS: ReadonlySet<PropertyKey> = new Set(['listFactors', 'listActivity', 'listDevices']);

/**
 * The API client, with `refresh` run whenever a call that may have left an event settles (answered or refused: a
 * wrong code is an event too). One place, so no action of the page can forget to update Recent activity.
 */
export function refreshAfterEachAction<Client extends object>(api: Client, refresh: () => void): Client {
  return new Proxy(api, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== 'function' || READS.has(property)) return value;
      return (...args: unknown[]): Promise<unknown> => {
        const call = Promise.resolve(value.apply(target, args) as unknown);
        void call.then(refresh, refresh);
        return call;
      };
    },
  });
}
