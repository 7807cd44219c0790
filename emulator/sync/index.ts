// The Sync v1 product (sync.twilio.com, /v1/): its operations table, state, errors and switches, as one module.
import type { Product } from '../core/product';
import { documentOperations } from './documents';
import { SYNC_ERRORS, invalidSyncParameter } from './errors';
import { listItemOperations } from './list-items';
import { listOperations } from './lists';
import { SYNC_PAGE_LIMITS } from './lookup';
import { mapItemOperations } from './map-items';
import { mapOperations } from './maps';
import type { SyncChange } from './records';
import { ensureDefaultService, serviceOperations } from './services';
import { SyncStore } from './store';
import { SYNC_SWITCHES, type SyncSwitches } from './switches';
import type { SyncContext, SyncOperation } from './types';
import { WriteRateLimiter } from './write-rate';

/** Every emulated Sync v1 operation, keyed by method and OpenAPI path. */
export const SYNC_OPERATIONS: readonly SyncOperation[] = [
  ...serviceOperations,
  ...documentOperations,
  ...mapOperations,
  ...mapItemOperations,
  ...listOperations,
  ...listItemOperations,
];

export const sync: Product<SyncSwitches, SyncContext, SyncChange> = {
  name: 'sync',
  origin: 'https://sync.twilio.com',
  prefix: '/v1/',
  errors: SYNC_ERRORS,
  invalidParameter: invalidSyncParameter,
  switches: SYNC_SWITCHES,
  create({ clock, switches, commit }) {
    const store = new SyncStore(commit);
    const writeRate = new WriteRateLimiter(clock, switches.syncWriteRateLimit);
    return {
      state: store,
      operations: SYNC_OPERATIONS,
      context: (render) => ({ store, clock, switches, render, writeRate, pageLimits: SYNC_PAGE_LIMITS }),
      // Every account has a default Sync service: made at the first start, and again after a reset.
      seed: () => ensureDefaultService(store, clock.now()),
      // The write-rate windows of wiped objects go with them (they are kept in memory only).
      reset: () => writeRate.reset(),
    };
  },
};
