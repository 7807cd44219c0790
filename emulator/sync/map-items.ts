// Map Items: CreateSyncMapItem, FetchSyncMapItem, ListSyncMapItem, UpdateSyncMapItem, DeleteSyncMapItem.
import { missingParameter } from '../core/errors';
import { pathParam } from '../core/operations';
import { listPage } from '../core/paging';
import { invalidSyncParameter, syncError } from './errors';
import { expiredAmong, isExpired, liveAmong, requireMap, requireMapItem, requireRevision, requireService } from './lookup';
import { expiryAfter, orderFilters, parseData, parseItemOrder, parseKey, parseTtl } from './params';
import type { MapItemRecord, MapRecord } from './records';
import { renderMapItem } from './resources';
import { ifMatchOf, objectResult, type SyncContext, type SyncOperation, type SyncRequest } from './types';
import type { OperationResult } from '../core/operations';

function itemResult(ctx: SyncContext, status: number, item: MapItemRecord): OperationResult {
  return objectResult(status, renderMapItem(ctx.render, item), item.revision);
}

function requireParentMap(ctx: SyncContext, request: SyncRequest): MapRecord {
  return requireMap(ctx, requireService(ctx, request), pathParam(request, 'MapSid'));
}

/** The map with a new expiry when the request sends CollectionTtl (an item write may extend its map's life). */
function withCollectionTtl(ctx: SyncContext, map: MapRecord, collectionTtl: number | undefined): MapRecord | undefined {
  if (collectionTtl === undefined) return undefined;
  return { ...map, dateExpires: expiryAfter(ctx.clock.now(), collectionTtl) };
}

export const mapItemOperations: SyncOperation[] = [
  {
    name: 'CreateSyncMapItem',
    method: 'POST',
    path: '/v1/Services/{ServiceSid}/Maps/{MapSid}/Items',
    run(ctx, request) {
      const { params } = request;
      const map = requireParentMap(ctx, request);
      const key = parseKey(params);
      const data = parseData(params, true) ?? {};
      // `Ttl` is an alias of `ItemTtl`, ignored when both are sent.
      const itemTtl = parseTtl(params, 'ItemTtl', 'Ttl') ?? 0;
      const collectionTtl = parseTtl(params, 'CollectionTtl');
      // A taken key makes create an atomic claim: exactly one of many concurrent creators wins (54208).
      const holder = ctx.store.findMapItem(map.sid, key);
      if (holder && !isExpired(ctx, holder)) throw syncError(54208);
      ctx.writeRate.admit(map.sid);
      const now = ctx.clock.now();
      const item: MapItemRecord = {
        mapSid: map.sid,
        serviceSid: map.serviceSid,
        key,
        data,
        revision: 0,
        dateExpires: expiryAfter(now, itemTtl),
        dateCreated: now,
        dateUpdated: now,
      };
      // Expired items of this map go in the same write, so a map used as a TTL'd set does not grow without bound.
      ctx.store.saveMapItem(item, withCollectionTtl(ctx, map, collectionTtl), expiredAmong(ctx, ctx.store.listMapItems(map.sid)));
      return itemResult(ctx, 201, item);
    },
  },
  {
    name: 'FetchSyncMapItem',
    method: 'GET',
    path: '/v1/Services/{ServiceSid}/Maps/{MapSid}/Items/{Key}',
    run(ctx, request) {
      return itemResult(ctx, 200, requireMapItem(ctx, requireParentMap(ctx, request), pathParam(request, 'Key')));
    },
  },
  {
    name: 'ListSyncMapItem',
    method: 'GET',
    path: '/v1/Services/{ServiceSid}/Maps/{MapSid}/Items',
    run(ctx, request) {
      const map = requireParentMap(ctx, request);
      const { order, from, bounds } = parseItemOrder(request.params);
      // Sync orders Map Items lexicographically by key; From/Bounds start the listing at a key.
      let items = liveAmong(ctx, ctx.store.listMapItems(map.sid)).sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
      if (order === 'desc') items.reverse();
      if (from !== undefined) {
        const after = (key: string): boolean => (order === 'asc' ? key > from : key < from);
        items = items.filter((item) => after(item.key) || (bounds === 'inclusive' && item.key === from));
      }
      const render = (item: MapItemRecord) => renderMapItem(ctx.render, item);
      return listPage(ctx, request, 'items', items, render, orderFilters(request.params));
    },
  },
  {
    name: 'UpdateSyncMapItem',
    method: 'POST',
    path: '/v1/Services/{ServiceSid}/Maps/{MapSid}/Items/{Key}',
    run(ctx, request) {
      const { params } = request;
      const map = requireParentMap(ctx, request);
      const current = requireMapItem(ctx, map, pathParam(request, 'Key'));
      const data = parseData(params, false);
      const itemTtl = parseTtl(params, 'ItemTtl', 'Ttl');
      const collectionTtl = parseTtl(params, 'CollectionTtl');
      if (data === undefined && itemTtl === undefined) {
        // Sync: CollectionTtl "can only be used when the Map Item's data or ttl is updated in the same request".
        throw collectionTtl === undefined ? missingParameter('Data or ItemTtl') : invalidSyncParameter('CollectionTtl');
      }
      requireRevision(ifMatchOf(request), current.revision, 54205);
      ctx.writeRate.admit(map.sid);
      const now = ctx.clock.now();
      const item: MapItemRecord = {
        ...current,
        data: data ?? current.data,
        dateExpires: itemTtl === undefined ? current.dateExpires : expiryAfter(now, itemTtl),
        revision: current.revision + 1,
        dateUpdated: now,
      };
      ctx.store.saveMapItem(item, withCollectionTtl(ctx, map, collectionTtl));
      return itemResult(ctx, 200, item);
    },
  },
  {
    name: 'DeleteSyncMapItem',
    method: 'DELETE',
    path: '/v1/Services/{ServiceSid}/Maps/{MapSid}/Items/{Key}',
    run(ctx, request) {
      const map = requireParentMap(ctx, request);
      const item = requireMapItem(ctx, map, pathParam(request, 'Key'));
      requireRevision(ifMatchOf(request), item.revision, 54205);
      ctx.writeRate.admit(map.sid);
      ctx.store.deleteMapItem(map.sid, item.key);
      return { status: 204 };
    },
  },
];
