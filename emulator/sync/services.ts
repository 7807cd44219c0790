// Sync Services: CreateService, FetchService, ListService, UpdateService, DeleteService, and the default service.
import { newSid } from '../crypto';
import { TwilioError } from '../errors';
import type { FormParams } from '../form';
import { listPage } from '../paging';
import { invalidSyncParameter } from './errors';
import { DEFAULT_SERVICE_NAME, SYNC_PAGE_LIMITS, requireService } from './lookup';
import type { SyncServiceRecord } from './records';
import { renderSyncService } from './resources';
import type { SyncStore } from './store';
import type { SyncOperation } from './types';

/** Sync's documented range for ReachabilityDebouncingWindow, in milliseconds, and its default. */
const DEBOUNCING_WINDOW = { min: 1000, max: 30_000, default: 5000 };
const MAX_FRIENDLY_NAME = 256;

function blankService(now: number): SyncServiceRecord {
  return {
    sid: newSid('IS'),
    uniqueName: null,
    friendlyName: null,
    webhookUrl: null,
    webhooksFromRestEnabled: false,
    reachabilityWebhooksEnabled: false,
    aclEnabled: false,
    reachabilityDebouncingEnabled: false,
    reachabilityDebouncingWindow: DEBOUNCING_WINDOW.default,
    dateCreated: now,
    dateUpdated: now,
  };
}

/**
 * Every account has a default Sync service, addressed as `default`. The emulator keeps it as a stored record so it
 * behaves like any other service; it is made when missing (first start, after a reset).
 */
export function ensureDefaultService(store: SyncStore, now: number): void {
  if (store.findServiceByUniqueName(DEFAULT_SERVICE_NAME)) return;
  store.saveService({ ...blankService(now), uniqueName: DEFAULT_SERVICE_NAME, friendlyName: 'Default Service' });
}

function optionalBoolean(params: FormParams, name: string): boolean | undefined {
  return params.boolean(name, () => invalidSyncParameter(name));
}

function webhookUrl(params: FormParams): string | undefined {
  const raw = params.string('WebhookUrl');
  if (raw === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw invalidSyncParameter('WebhookUrl');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw invalidSyncParameter('WebhookUrl');
  return raw;
}

/** Applies every Service parameter present in the form to `base` (create and update share the rules). */
function applyServiceParams(base: SyncServiceRecord, params: FormParams): SyncServiceRecord {
  const friendlyName = params.string('FriendlyName');
  if (friendlyName !== undefined && friendlyName.length > MAX_FRIENDLY_NAME) throw invalidSyncParameter('FriendlyName');
  const window = params.integer('ReachabilityDebouncingWindow', () => invalidSyncParameter('ReachabilityDebouncingWindow'));
  if (window !== undefined && (window < DEBOUNCING_WINDOW.min || window > DEBOUNCING_WINDOW.max)) {
    throw invalidSyncParameter('ReachabilityDebouncingWindow');
  }
  return {
    ...base,
    friendlyName: friendlyName ?? base.friendlyName,
    webhookUrl: webhookUrl(params) ?? base.webhookUrl,
    webhooksFromRestEnabled: optionalBoolean(params, 'WebhooksFromRestEnabled') ?? base.webhooksFromRestEnabled,
    reachabilityWebhooksEnabled: optionalBoolean(params, 'ReachabilityWebhooksEnabled') ?? base.reachabilityWebhooksEnabled,
    aclEnabled: optionalBoolean(params, 'AclEnabled') ?? base.aclEnabled,
    reachabilityDebouncingEnabled: optionalBoolean(params, 'ReachabilityDebouncingEnabled') ?? base.reachabilityDebouncingEnabled,
    reachabilityDebouncingWindow: window ?? base.reachabilityDebouncingWindow,
  };
}

export const serviceOperations: SyncOperation[] = [
  {
    name: 'CreateService',
    method: 'POST',
    path: '/v1/Services',
    run(ctx, { params }) {
      const service = applyServiceParams(blankService(ctx.clock.now()), params);
      ctx.store.saveService(service);
      return { status: 201, body: renderSyncService(ctx.render, service) };
    },
  },
  {
    name: 'FetchService',
    method: 'GET',
    path: '/v1/Services/{Sid}',
    run(ctx, request) {
      return { status: 200, body: renderSyncService(ctx.render, requireService(ctx, request, 'Sid')) };
    },
  },
  {
    name: 'ListService',
    method: 'GET',
    path: '/v1/Services',
    run(ctx, request) {
      const services = ctx.store.listServices();
      return listPage(ctx, request, 'services', services, (service) => renderSyncService(ctx.render, service), {}, SYNC_PAGE_LIMITS);
    },
  },
  {
    name: 'UpdateService',
    method: 'POST',
    path: '/v1/Services/{Sid}',
    run(ctx, request) {
      const current = requireService(ctx, request, 'Sid');
      const service = { ...applyServiceParams(current, request.params), dateUpdated: ctx.clock.now() };
      ctx.store.saveService(service);
      return { status: 200, body: renderSyncService(ctx.render, service) };
    },
  },
  {
    name: 'DeleteService',
    method: 'DELETE',
    path: '/v1/Services/{Sid}',
    run(ctx, request) {
      const service = requireService(ctx, request, 'Sid');
      // Twilio does not document deleting the default service; refusing keeps `default` usable (a documented choice).
      if (service.uniqueName === DEFAULT_SERVICE_NAME) throw new TwilioError(20001, 400, 'The default Sync service cannot be deleted');
      ctx.store.deleteService(service.sid);
      return { status: 204 };
    },
  },
];
