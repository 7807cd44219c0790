// Resolving Sync path parameters (SID or unique name) to live records; expiry and If-Match preconditions.
import { requireServiceAt } from '../core/operations';
import type { PageLimits } from '../core/paging';
import { syncError, type SyncErrorCode } from './errors';
import type { DocumentRecord, ListItemRecord, ListRecord, MapItemRecord, MapRecord, SyncServiceRecord } from './records';
import { revisionText } from './resources';
import type { SyncContext, SyncRequest } from './types';

export const SERVICE_SID = /^IS[0-9a-fA-F]{32}$/;
export const DOCUMENT_SID = /^ET[0-9a-fA-F]{32}$/;
export const MAP_SID = /^MP[0-9a-fA-F]{32}$/;
export const LIST_SID = /^ES[0-9a-fA-F]{32}$/;
/** The alias every account has for its default Sync service, usable wherever a service SID goes. */
export const DEFAULT_SERVICE_NAME = 'default';

/** Sync lists page like Verify's, up to 100 per page (a bad paging parameter is Sync's 20001). */
export const SYNC_PAGE_LIMITS: PageLimits = { maxPageSize: 100 };

/** The service in {ServiceSid} (or {Sid}): an IS SID or `default`; anything else is an unknown path (20404). */
export function requireService(ctx: SyncContext, request: SyncRequest, param = 'ServiceSid'): SyncServiceRecord {
  return requireServiceAt(request, param, (ref) => (SERVICE_SID.test(ref) ? ctx.store.findService(ref) : ctx.store.findServiceByUniqueName(ref)));
}

/**
 * Whether a record is past its TTL on the emulator clock. Sync deletes expired objects "not immediately"; the
 * syncExpiryDelaySeconds switch keeps them that much longer, and until then they are live in every respect.
 */
export function isExpired(ctx: SyncContext, record: { dateExpires: number | null }): boolean {
  return record.dateExpires !== null && ctx.clock.now() >= record.dateExpires + ctx.switches.syncExpiryDelaySeconds * 1000;
}

function live<R extends { dateExpires: number | null }>(ctx: SyncContext, record: R | undefined): R | undefined {
  return record === undefined || isExpired(ctx, record) ? undefined : record;
}

/** A SID when the reference has the object's SID shape, else a unique name. */
function byRef<R>(ref: string, sidPattern: RegExp, bySid: (sid: string) => R | undefined, byName: (name: string) => R | undefined): R | undefined {
  return sidPattern.test(ref) ? bySid(ref) : byName(ref);
}

export function requireDocument(ctx: SyncContext, service: SyncServiceRecord, ref: string): DocumentRecord {
  const document = byRef(
    ref,
    DOCUMENT_SID,
    (sid) => ctx.store.findDocument(service.sid, sid),
    (name) => ctx.store.findDocumentByName(service.sid, name),
  );
  const found = live(ctx, document);
  if (!found) throw syncError(54100);
  return found;
}

export function requireMap(ctx: SyncContext, service: SyncServiceRecord, ref: string): MapRecord {
  const map = byRef(ref, MAP_SID, (sid) => ctx.store.findMap(service.sid, sid), (name) => ctx.store.findMapByName(service.sid, name));
  const found = live(ctx, map);
  if (!found) throw syncError(54200);
  return found;
}

export function requireMapItem(ctx: SyncContext, map: MapRecord, key: string): MapItemRecord {
  const item = live(ctx, ctx.store.findMapItem(map.sid, key));
  if (!item) throw syncError(54201);
  return item;
}

export function requireList(ctx: SyncContext, service: SyncServiceRecord, ref: string): ListRecord {
  const list = byRef(ref, LIST_SID, (sid) => ctx.store.findList(service.sid, sid), (name) => ctx.store.findListByName(service.sid, name));
  const found = live(ctx, list);
  if (!found) throw syncError(54150);
  return found;
}

export function requireListItem(ctx: SyncContext, list: ListRecord, indexText: string): ListItemRecord {
  const index = /^\d{1,9}$/.test(indexText) ? Number(indexText) : undefined;
  const item = index === undefined ? undefined : live(ctx, ctx.store.findListItem(list.sid, index));
  if (!item) throw syncError(54151);
  return item;
}

/** The expired records among `records`, to be removed by the next write that meets them (reads never write). */
export function expiredAmong<R extends { dateExpires: number | null }>(ctx: SyncContext, records: readonly R[]): R[] {
  return records.filter((record) => isExpired(ctx, record));
}

export function liveAmong<R extends { dateExpires: number | null }>(ctx: SyncContext, records: readonly R[]): R[] {
  return records.filter((record) => !isExpired(ctx, record));
}

/** A revision as Sync renders it: lowercase hex (compared case-insensitively). */
const REVISION = /^[0-9a-f]{1,16}$/i;

/**
 * Optimistic concurrency: with an If-Match header the write goes ahead only if the object is still at that revision
 * (412 `mismatch` otherwise); a value that is no revision at all is 54003. RFC 9110 §13.1.1 allows a quoted or weak
 * entity tag, so `"3"` and `W/"3"` are read as `3`.
 */
export function requireRevision(ifMatch: string | undefined, current: number, mismatch: SyncErrorCode): void {
  if (ifMatch === undefined) return;
  const tag = ifMatch.trim().replace(/^W\//, '').replace(/^"(.*)"$/, '$1');
  if (!REVISION.test(tag)) throw syncError(54003);
  if (tag.toLowerCase() !== revisionText(current)) throw syncError(mismatch);
}
