// Maps: CreateSyncMap, FetchSyncMap, ListSyncMap, UpdateSyncMap, DeleteSyncMap (by SID or unique name).
import { newSid } from '../crypto';
import { listPage } from '../paging';
import { missingSyncParameter, syncError } from './errors';
import { MAP_SID, SYNC_PAGE_LIMITS, isExpired, liveAmong, pathParam, requireMap, requireService } from './lookup';
import { expiryAfter, parseTtl, parseUniqueName } from './params';
import type { MapRecord } from './records';
import { renderMap, revisionText } from './resources';
import type { SyncContext, SyncOperation, SyncResult } from './types';

function mapResult(ctx: SyncContext, status: number, map: MapRecord): SyncResult {
  return { status, body: renderMap(ctx.render, map), etag: revisionText(map.revision) };
}

export const mapOperations: SyncOperation[] = [
  {
    name: 'CreateSyncMap',
    method: 'POST',
    path: '/v1/Services/{ServiceSid}/Maps',
    run(ctx, request) {
      const service = requireService(ctx, request);
      const uniqueName = parseUniqueName(request.params, MAP_SID);
      // `Ttl` is an alias of `CollectionTtl`, ignored when both are sent.
      const ttl = parseTtl(request.params, 'CollectionTtl', 'Ttl') ?? 0;
      const holder = uniqueName === null ? undefined : ctx.store.findMapByName(service.sid, uniqueName);
      if (holder && !isExpired(ctx, holder)) throw syncError(54301);
      const now = ctx.clock.now();
      const map: MapRecord = {
        sid: newSid('MP'),
        serviceSid: service.sid,
        uniqueName,
        revision: 0,
        dateExpires: expiryAfter(now, ttl),
        dateCreated: now,
        dateUpdated: now,
      };
      ctx.store.saveMap(map, holder ? [holder] : []);
      return mapResult(ctx, 201, map);
    },
  },
  {
    name: 'FetchSyncMap',
    method: 'GET',
    path: '/v1/Services/{ServiceSid}/Maps/{Sid}',
    run(ctx, request) {
      return mapResult(ctx, 200, requireMap(ctx, requireService(ctx, request), pathParam(request, 'Sid')));
    },
  },
  {
    name: 'ListSyncMap',
    method: 'GET',
    path: '/v1/Services/{ServiceSid}/Maps',
    run(ctx, request) {
      const maps = liveAmong(ctx, ctx.store.listMaps(requireService(ctx, request).sid));
      return listPage(ctx, request, 'maps', maps, (map) => renderMap(ctx.render, map), {}, SYNC_PAGE_LIMITS);
    },
  },
  {
    name: 'UpdateSyncMap',
    method: 'POST',
    path: '/v1/Services/{ServiceSid}/Maps/{Sid}',
    run(ctx, request) {
      const current = requireMap(ctx, requireService(ctx, request), pathParam(request, 'Sid'));
      const ttl = parseTtl(request.params, 'CollectionTtl', 'Ttl');
      if (ttl === undefined) throw missingSyncParameter('CollectionTtl');
      ctx.writeRate.admit(current.sid);
      const now = ctx.clock.now();
      const map: MapRecord = { ...current, dateExpires: expiryAfter(now, ttl), revision: current.revision + 1, dateUpdated: now };
      ctx.store.saveMap(map);
      return mapResult(ctx, 200, map);
    },
  },
  {
    name: 'DeleteSyncMap',
    method: 'DELETE',
    path: '/v1/Services/{ServiceSid}/Maps/{Sid}',
    run(ctx, request) {
      const map = requireMap(ctx, requireService(ctx, request), pathParam(request, 'Sid'));
      ctx.writeRate.admit(map.sid);
      ctx.store.deleteMap(map.sid);
      return { status: 204 };
    },
  },
];
