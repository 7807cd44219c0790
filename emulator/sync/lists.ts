// Lists: CreateSyncList, FetchSyncList, ListSyncList, UpdateSyncList, DeleteSyncList (by SID or unique name).
import { newSid } from '../core/crypto';
import { missingParameter } from '../core/errors';
import { pathParam } from '../core/operations';
import { listPage } from '../core/paging';
import { syncError } from './errors';
import { LIST_SID, isExpired, liveAmong, requireList, requireService } from './lookup';
import { expiryAfter, parseTtl, parseUniqueName } from './params';
import type { ListRecord } from './records';
import { renderList } from './resources';
import { ifMatchOf, objectResult, type SyncContext, type SyncOperation } from './types';
import type { OperationResult } from '../core/operations';

function listResult(ctx: SyncContext, status: number, list: ListRecord): OperationResult {
  return objectResult(status, renderList(ctx.render, list), list.revision);
}

export const listOperations: SyncOperation[] = [
  {
    name: 'CreateSyncList',
    method: 'POST',
    path: '/v1/Services/{ServiceSid}/Lists',
    run(ctx, request) {
      const service = requireService(ctx, request);
      const uniqueName = parseUniqueName(request.params, LIST_SID);
      // `Ttl` is an alias of `CollectionTtl`, ignored when both are sent.
      const ttl = parseTtl(request.params, 'CollectionTtl', 'Ttl') ?? 0;
      const holder = uniqueName === null ? undefined : ctx.store.findListByName(service.sid, uniqueName);
      if (holder && !isExpired(ctx, holder)) throw syncError(54301);
      const now = ctx.clock.now();
      const list: ListRecord = {
        sid: newSid('ES'),
        serviceSid: service.sid,
        uniqueName,
        revision: 0,
        nextIndex: 0,
        dateExpires: expiryAfter(now, ttl),
        dateCreated: now,
        dateUpdated: now,
      };
      ctx.store.saveList(list, holder ? [holder] : []);
      return listResult(ctx, 201, list);
    },
  },
  {
    name: 'FetchSyncList',
    method: 'GET',
    path: '/v1/Services/{ServiceSid}/Lists/{Sid}',
    run(ctx, request) {
      return listResult(ctx, 200, requireList(ctx, requireService(ctx, request), pathParam(request, 'Sid')));
    },
  },
  {
    name: 'ListSyncList',
    method: 'GET',
    path: '/v1/Services/{ServiceSid}/Lists',
    run(ctx, request) {
      const lists = liveAmong(ctx, ctx.store.listLists(requireService(ctx, request).sid));
      return listPage(ctx, request, 'lists', lists, (list) => renderList(ctx.render, list));
    },
  },
  {
    name: 'UpdateSyncList',
    method: 'POST',
    path: '/v1/Services/{ServiceSid}/Lists/{Sid}',
    run(ctx, request) {
      const current = requireList(ctx, requireService(ctx, request), pathParam(request, 'Sid'));
      const ttl = parseTtl(request.params, 'CollectionTtl', 'Ttl');
      if (ttl === undefined) throw missingParameter('CollectionTtl');
      ctx.writeRate.admit(current.sid);
      const now = ctx.clock.now();
      const list: ListRecord = { ...current, dateExpires: expiryAfter(now, ttl), revision: current.revision + 1, dateUpdated: now };
      ctx.store.saveList(list);
      return listResult(ctx, 200, list);
    },
  },
  {
    name: 'DeleteSyncList',
    method: 'DELETE',
    path: '/v1/Services/{ServiceSid}/Lists/{Sid}',
    run(ctx, request) {
      const list = requireList(ctx, requireService(ctx, request), pathParam(request, 'Sid'));
      ctx.writeRate.admit(list.sid);
      ctx.store.deleteList(list.sid);
      return { status: 204 };
    },
  },
];
