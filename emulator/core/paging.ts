// List responses shared by every product: Twilio's {<key>: [...], meta} envelope, paged with PageSize/Page/PageToken.
import { invalidParameter } from './errors';
import type { FormParams } from './form';

/** What a page needs from the operation: the emulator's address and the request's parameters and path. */
export interface PageContext {
  render: { baseUrl: string };
}

export interface PageRequest {
  params: FormParams;
  pathname: string;
}

export interface PageLimits {
  /** Largest PageSize the product accepts (Verify 1000, Sync 100). */
  maxPageSize: number;
  /** The product's error for a bad paging parameter. */
  invalid: (name: string) => Error;
}

const DEFAULT_PAGE_SIZE = 50;
const VERIFY_LIMITS: PageLimits = { maxPageSize: 1000, invalid: invalidParameter };

/**
 * One page of `items`. `filters` are the list's own query parameters, carried into every meta URL. The PageToken is
 * opaque to clients ("PT" + offset); twilio-node follows next_page_url verbatim, so it must point back here.
 */
export function listPage<T>(
  ctx: PageContext,
  request: PageRequest,
  key: string,
  items: readonly T[],
  render: (item: T) => unknown,
  filters: Record<string, string | undefined> = {},
  limits: PageLimits = VERIFY_LIMITS,
): { status: number; body: unknown } {
  const pageSize = request.params.integer('PageSize', () => limits.invalid('PageSize')) ?? DEFAULT_PAGE_SIZE;
  if (pageSize < 1 || pageSize > limits.maxPageSize) throw limits.invalid('PageSize');
  const page = request.params.integer('Page', () => limits.invalid('Page')) ?? 0;
  if (page < 0) throw limits.invalid('Page');
  const token = request.params.string('PageToken');
  let offset = page * pageSize;
  if (token !== undefined) {
    const match = /^PT(\d{1,9})$/.exec(token);
    if (!match) throw limits.invalid('PageToken');
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
