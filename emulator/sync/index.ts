// The Sync operations table: every emulated Sync v1 operation, keyed by method and OpenAPI path.
import { documentOperations } from './documents';
import { listItemOperations } from './list-items';
import { listOperations } from './lists';
import { mapItemOperations } from './map-items';
import { mapOperations } from './maps';
import { serviceOperations } from './services';
import type { SyncOperation } from './types';

export const SYNC_OPERATIONS: readonly SyncOperation[] = [
  ...serviceOperations,
  ...documentOperations,
  ...mapOperations,
  ...mapItemOperations,
  ...listOperations,
  ...listItemOperations,
];
