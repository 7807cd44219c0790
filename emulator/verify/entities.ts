// Entities: CreateEntity, FetchEntity, ListEntity, DeleteEntity (an entity is also created by its first factor).
import { newSid } from '../core/crypto';
import { verifyError } from './errors';
import type { EntityRecord } from './records';
import { renderEntity } from './resources';
import { requireEntity, requireService, requireValidIdentity } from './lookup';
import { listPage } from '../core/paging';
import type { VerifyOperation } from './types';

export function newEntity(serviceSid: string, identity: string, now: number): EntityRecord {
  return { sid: newSid('YE'), serviceSid, identity, dateCreated: now, dateUpdated: now, recentFactorCreations: [] };
}

export const entityOperations: VerifyOperation[] = [
  {
    name: 'CreateEntity',
    method: 'POST',
    path: '/v2/Services/{ServiceSid}/Entities',
    run(ctx, request) {
      const service = requireService(ctx, request);
      const identity = requireValidIdentity(ctx, request.params.string('Identity'));
      if (ctx.store.findEntity(service.sid, identity)) throw verifyError(60301);
      const entity = newEntity(service.sid, identity, ctx.clock.now());
      ctx.store.createEntity(entity);
      return { status: 201, body: renderEntity(ctx.render, entity) };
    },
  },
  {
    name: 'FetchEntity',
    method: 'GET',
    path: '/v2/Services/{ServiceSid}/Entities/{Identity}',
    run(ctx, request) {
      const entity = requireEntity(ctx, request, requireService(ctx, request));
      return { status: 200, body: renderEntity(ctx.render, entity) };
    },
  },
  {
    name: 'ListEntity',
    method: 'GET',
    path: '/v2/Services/{ServiceSid}/Entities',
    run(ctx, request) {
      const service = requireService(ctx, request);
      return listPage(ctx, request, 'entities', ctx.store.listEntities(service.sid), (entity) => renderEntity(ctx.render, entity));
    },
  },
  {
    name: 'DeleteEntity',
    method: 'DELETE',
    path: '/v2/Services/{ServiceSid}/Entities/{Identity}',
    run(ctx, request) {
      const entity = requireEntity(ctx, request, requireService(ctx, request));
      ctx.store.deleteEntity(entity.sid);
      return { status: 204 };
    },
  },
];
