// Maps: CreateSyncMap, FetchSyncMap, ListSyncMap, UpdateSyncMap, DeleteSyncMap (by SID or unique name).
import { newSid } from '../core/crypto';
import { missingParameter } from '../core/errors';
import { pathParam } from '../core/operations';
import { listPage } from '../core/paging';
import { syncError } from './errors';
import { MAP_SID, isExpired, liveAmong, requireMap, requireService } from './lookup';
import { expiryAfter, parseTtl, parseUniqueName } from './params';
import type { MapRecord } from './records';
import { renderMap } from './resources';
import { ifMatchOf, objectResult, type SyncContext, type SyncOperation } from './types';
import type { OperationResult } from '../core/operations';

function mapResult(ctx: SyncContext, status: number, map: MapRecord): OperationResult {
  return objectResult(status, renderMap(ctx.render, map), map.revision);
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
      return listPage(ctx, request, 'maps', maps, (map) => renderMap(ctx.render, map));
    },
  },
  {
    name: 'UpdateSyncMap',
    method: 'POST',
    path: '/v1/Services/{ServiceSid}/Maps/{Sid}',
    run(ctx, request) {
      const current = requireMap(ctx, requireService(ctx, request), pathParam(request, 'Sid'));
      const ttl = parseTtl(request.params, 'CollectionTtl', 'Ttl');
      if (ttl === undefined) throw missingParameter('CollectionTtl');
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
