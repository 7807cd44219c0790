// List responses: Verify's {<key>: [...], meta} envelope, paged with PageSize/Page/PageToken on the emulator's address.
import { invalidParameter } from '../errors';
import type { OperationContext, OperationRequest, OperationResult } from './types';

const DEFAULT_PAGE_SIZE = 50;
const MAX_PAGE_SIZE = 1000;

/**
 * One page of `items`. `filters` are the list's own query parameters, carried into every meta URL. The PageToken is
 * opaque to clients ("PT" + offset); twilio-node follows next_page_url verbatim, so it must point back here.
 */
export function listPage<T>(
  ctx: OperationContext,
  request: OperationRequest,
  key: string,
  items: readonly T[],
  render: (item: T) => unknown,
  filters: Record<string, string | undefined> = {},
): OperationResult {
  const pageSize = request.params.integer('PageSize') ?? DEFAULT_PAGE_SIZE;
  if (pageSize < 1 || pageSize > MAX_PAGE_SIZE) throw invalidParameter('PageSize');
  const page = request.params.integer('Page') ?? 0;
  if (page < 0) throw invalidParameter('Page');
  const token = request.params.string('PageToken');
  let offset = page * pageSize;
  if (token !== undefined) {
    const match = /^PT(\d{1,9})$/.exec(token);
    if (!match) throw invalidParameter('PageToken');
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
