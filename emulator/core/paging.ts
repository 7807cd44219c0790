// List responses shared by every product: Twilio's {<key>: [...], meta} envelope, paged with PageSize/Page/PageToken.
import type { FormParams } from './form';

/** What a page needs from the operation's context: the emulator's address and the product's page limits. */
export interface PageContext {
  render: { baseUrl: string };
  pageLimits: PageLimits;
}

export interface PageRequest {
  params: FormParams;
  pathname: string;
}

export interface PageLimits {
  /** Largest PageSize the product accepts (Verify 1000, Sync 100). */
  maxPageSize: number;
}

const DEFAULT_PAGE_SIZE = 50;

/**
 * One page of `items`. `filters` are the list's own query parameters, carried into every meta URL. The PageToken is
 * opaque to clients ("PT" + offset); twilio-node follows next_page_url verbatim, so it must point back here. A bad
 * paging parameter is the product's invalid-parameter error (the request's FormParams knows which).
 */
export function listPage<T>(
  ctx: PageContext,
  request: PageRequest,
  key: string,
  items: readonly T[],
  render: (item: T) => unknown,
  filters: Record<string, string | undefined> = {},
): { status: number; body: unknown } {
  const { params } = request;
  const pageSize = params.integer('PageSize') ?? DEFAULT_PAGE_SIZE;
  if (pageSize < 1 || pageSize > ctx.pageLimits.maxPageSize) throw params.invalidParameter('PageSize');
  const page = params.integer('Page') ?? 0;
  if (page < 0) throw params.invalidParameter('Page');
  const token = params.string('PageToken');
  let offset = page * pageSize;
  if (token !== undefined) {
    const match = /^PT(\d{1,9})$/.exec(token);
    if (!match) throw params.invalidParameter('PageToken');
    offset = Number(match[1]);
  }
  const url = (pageNumber: number, pageOffset: number | undefined): string => {
    const query = new URLSearchParams();
    for (const [name, value] of Object.entries(filters)) if (value !== undefined) query.set(name, value);
    query.set('PageSize', String(pageSize));
    query.set('Page', String(pageNumber));
    if (pageOffset !== undefined) query.set('PageToken', `PT${pageOffset}`);
    return `${ctx.render.baseUrl}${request.pathname}?${query.toString()}`;
  };
  const slice = items.slice(offset, offset + pageSize);
  const hasNext = offset + pageSize < items.length;
  return {
    status: 200,
    body: {
      [key]: slice.map(render),
      meta: {
        page,
        page_size: pageSize,
        first_page_url: url(0, undefined),
        previous_page_url: page > 0 ? url(page - 1, Math.max(0, offset - pageSize)) : null,
        url: url(page, token === undefined ? undefined : offset),
        next_page_url: hasNext ? url(page + 1, offset + pageSize) : null,
        key,
      },
    },
  };
}
