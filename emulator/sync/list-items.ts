// List Items: CreateSyncListItem, FetchSyncListItem, ListSyncListItem, UpdateSyncListItem, DeleteSyncListItem.
import { missingParameter } from '../core/errors';
import { pathParam } from '../core/operations';
import { listPage } from '../core/paging';
import { invalidSyncParameter } from './errors';
import { expiredAmong, liveAmong, requireList, requireListItem, requireRevision, requireService } from './lookup';
import { expiryAfter, orderFilters, parseData, parseItemOrder, parseTtl } from './params';
import type { ListItemRecord, ListRecord } from './records';
import { renderListItem } from './resources';
import { ifMatchOf, objectResult, type SyncContext, type SyncOperation, type SyncRequest } from './types';
import type { OperationResult } from '../core/operations';

function itemResult(ctx: SyncContext, status: number, item: ListItemRecord): OperationResult {
  return objectResult(status, renderListItem(ctx.render, item), item.revision);
}

function requireParentList(ctx: SyncContext, request: SyncRequest): ListRecord {
  return requireList(ctx, requireService(ctx, request), pathParam(request, 'ListSid'));
}

export const listItemOperations: SyncOperation[] = [
  {
    name: 'CreateSyncListItem',
    method: 'POST',
    path: '/v1/Services/{ServiceSid}/Lists/{ListSid}/Items',
    run(ctx, request) {
      const { params } = request;
      const list = requireParentList(ctx, request);
      const data = parseData(params, true) ?? {};
      // `Ttl` is an alias of `ItemTtl`, ignored when both are sent.
      const itemTtl = parseTtl(params, 'ItemTtl', 'Ttl') ?? 0;
      const collectionTtl = parseTtl(params, 'CollectionTtl');
      ctx.writeRate.admit(list.sid);
      const now = ctx.clock.now();
      const item: ListItemRecord = {
        listSid: list.sid,
        serviceSid: list.serviceSid,
        index: list.nextIndex,
        data,
        revision: 0,
        dateExpires: expiryAfter(now, itemTtl),
        dateCreated: now,
        dateUpdated: now,
      };
      // Indexes only grow (gaps stay after deletes), so the list's next index is written with the item.
      const parent: ListRecord = {
        ...list,
        nextIndex: list.nextIndex + 1,
        dateExpires: collectionTtl === undefined ? list.dateExpires : expiryAfter(now, collectionTtl),
      };
      ctx.store.saveListItem(item, parent, expiredAmong(ctx, ctx.store.listListItems(list.sid)));
      return itemResult(ctx, 201, item);
    },
  },
  {
    name: 'FetchSyncListItem',
    method: 'GET',
    path: '/v1/Services/{ServiceSid}/Lists/{ListSid}/Items/{Index}',
    run(ctx, request) {
      return itemResult(ctx, 200, requireListItem(ctx, requireParentList(ctx, request), pathParam(request, 'Index')));
    },
  },
  {
    name: 'ListSyncListItem',
    method: 'GET',
    path: '/v1/Services/{ServiceSid}/Lists/{ListSid}/Items',
    run(ctx, request) {
      const list = requireParentList(ctx, request);
      const { order, from, bounds } = parseItemOrder(request.params);
      if (from !== undefined && !/^\d{1,9}$/.test(from)) throw invalidSyncParameter('From');
      let items = liveAmong(ctx, ctx.store.listListItems(list.sid));
      if (order === 'desc') items.reverse();
      if (from !== undefined) {
        const start = Number(from);
        items = items.filter((item) => (order === 'asc' ? item.index > start : item.index < start) || (bounds === 'inclusive' && item.index === start));
      }
      const render = (item: ListItemRecord) => renderListItem(ctx.render, item);
      return listPage(ctx, request, 'items', items, render, orderFilters(request.params));
    },
  },
  {
    name: 'UpdateSyncListItem',
    method: 'POST',
    path: '/v1/Services/{ServiceSid}/Lists/{ListSid}/Items/{Index}',
    run(ctx, request) {
      const { params } = request;
      const list = requireParentList(ctx, request);
      const current = requireListItem(ctx, list, pathParam(request, 'Index'));
      const data = parseData(params, false);
      const itemTtl = parseTtl(params, 'ItemTtl', 'Ttl');
      const collectionTtl = parseTtl(params, 'CollectionTtl');
      if (data === undefined && itemTtl === undefined) {
        // Sync: CollectionTtl "can only be used when the List Item's data or ttl is updated in the same request".
        throw collectionTtl === undefined ? missingParameter('Data or ItemTtl') : invalidSyncParameter('CollectionTtl');
      }
      requireRevision(ifMatchOf(request), current.revision, 54155);
      ctx.writeRate.admit(list.sid);
      const now = ctx.clock.now();
      const item: ListItemRecord = {
        ...current,
        data: data ?? current.data,
        dateExpires: itemTtl === undefined ? current.dateExpires : expiryAfter(now, itemTtl),
        revision: current.revision + 1,
        dateUpdated: now,
      };
      const parent = collectionTtl === undefined ? undefined : { ...list, dateExpires: expiryAfter(now, collectionTtl) };
      ctx.store.saveListItem(item, parent);
      return itemResult(ctx, 200, item);
    },
  },
  {
    name: 'DeleteSyncListItem',
    method: 'DELETE',
    path: '/v1/Services/{ServiceSid}/Lists/{ListSid}/Items/{Index}',
    run(ctx, request) {
      const list = requireParentList(ctx, request);
      const item = requireListItem(ctx, list, pathParam(request, 'Index'));
      requireRevision(ifMatchOf(request), item.revision, 54155);
      ctx.writeRate.admit(list.sid);
      ctx.store.deleteListItem(list.sid, item.index);
      return { status: 204 };
    },
  },
];
