// Sync Services: CreateService, FetchService, ListService, UpdateService, DeleteService, and the default service.
import { newSid } from '../core/crypto';
import type { FormParams } from '../core/form';
import { serviceOperations as sharedServiceOperations } from '../core/services';
import { invalidSyncParameter, syncError } from './errors';
import { DEFAULT_SERVICE_NAME, requireService } from './lookup';
import type { SyncServiceRecord } from './records';
import { renderSyncService } from './resources';
import type { SyncStore } from './store';
import type { SyncContext, SyncOperation } from './types';

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

/** A malformed boolean is Sync's 20001, the product's invalid-parameter error. */
function optionalBoolean(params: FormParams, name: string): boolean | undefined {
  return params.boolean(name);
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
  const window = params.integer('ReachabilityDebouncingWindow');
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

export const serviceOperations: SyncOperation[] = sharedServiceOperations<SyncContext, SyncServiceRecord>({
  path: '/v1/Services',
  create: (ctx, params) => applyServiceParams(blankService(ctx.clock.now()), params),
  update: applyServiceParams,
  require: (ctx, request) => requireService(ctx, request, 'Sid'),
  all: (ctx) => ctx.store.listServices(),
  save: (ctx, service) => ctx.store.saveService(service),
  delete(ctx, service) {
    // Twilio does not document deleting the default service; refusing keeps `default` usable (a documented choice).
    if (service.uniqueName === DEFAULT_SERVICE_NAME) throw syncError(20001, 'The default Sync service cannot be deleted');
    ctx.store.deleteService(service.sid);
  },
  render: (ctx, service) => renderSyncService(ctx.render, service),
});
