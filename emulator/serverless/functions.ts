// Serverless Functions and Assets (both ZH, the names Versions hang off): Create, Fetch and List for each. twilio-run
// names each one by its path and finds it again by FriendlyName on the next deploy.
import { newSid } from '../core/crypto';
import { listPage } from '../core/paging';
import { requireResource, requireService } from './lookup';
import { requiredText } from './params';
import type { ResourceKind, ResourceRecord } from './records';
import { renderResource } from './resources';
import type { ServerlessOperation } from './types';

function operationsFor(kind: ResourceKind, collection: 'Functions' | 'Assets', name: 'Function' | 'Asset', key: 'functions' | 'assets'): ServerlessOperation[] {
  const path = `/v1/Services/{ServiceSid}/${collection}`;
  return [
    {
      name: `Create${name}`,
      method: 'POST',
      path,
      run(ctx, request) {
        const service = requireService(ctx, request);
        const friendlyName = requiredText(request.params, 'FriendlyName', 255);
        const now = ctx.clock.now();
        const resource: ResourceRecord = { sid: newSid('ZH'), serviceSid: service.sid, kind, friendlyName, dateCreated: now, dateUpdated: now };
        ctx.store.saveResource(resource);
        return { status: 201, body: renderResource(ctx.render, resource) };
      },
    },
    {
      name: `Fetch${name}`,
      method: 'GET',
      path: `${path}/{Sid}`,
      run(ctx, request) {
        return { status: 200, body: renderResource(ctx.render, requireResource(ctx, request, kind, 'Sid')) };
      },
    },
    {
      name: `List${name}`,
      method: 'GET',
      path,
      run(ctx, request) {
        const service = requireService(ctx, request);
        return listPage(ctx, request, key, ctx.store.listResources(service.sid, kind), (resource) => renderResource(ctx.render, resource));
      },
    },
  ];
}

export const functionOperations = operationsFor('function', 'Functions', 'Function', 'functions');
export const assetOperations = operationsFor('asset', 'Assets', 'Asset', 'assets');
