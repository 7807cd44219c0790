// JSON renderers: stored Sync records → Sync's snake_case resources, with URLs on the emulator's own address.
import { isoSeconds } from '../core/clock';
import type { RenderContext } from '../core/operations';
import type { DocumentRecord, ListItemRecord, ListRecord, MapItemRecord, MapRecord, SyncServiceRecord } from './records';

/** Objects made through the REST API are created by "system" (Sync's docs for created_by). */
const CREATED_BY_REST = 'system';

export function syncServiceUrl(ctx: RenderContext, serviceSid: string): string {
  return `${ctx.baseUrl}/v1/Services/${serviceSid}`;
}

/** Revisions are opaque strings to clients; the emulator counts writes and shows the count in hex. */
export function revisionText(revision: number): string {
  return revision.toString(16);
}

function dateOrNull(epochMs: number | null): string | null {
  return epochMs === null ? null : isoSeconds(epochMs);
}

export function renderSyncService(ctx: RenderContext, service: SyncServiceRecord): Record<string, unknown> {
  const url = syncServiceUrl(ctx, service.sid);
  return {
    sid: service.sid,
    unique_name: service.uniqueName,
    account_sid: ctx.accountSid,
    friendly_name: service.friendlyName,
    date_created: isoSeconds(service.dateCreated),
    date_updated: isoSeconds(service.dateUpdated),
    url,
    webhook_url: service.webhookUrl,
    webhooks_from_rest_enabled: service.webhooksFromRestEnabled,
    reachability_webhooks_enabled: service.reachabilityWebhooksEnabled,
    acl_enabled: service.aclEnabled,
    reachability_debouncing_enabled: service.reachabilityDebouncingEnabled,
    reachability_debouncing_window: service.reachabilityDebouncingWindow,
    links: { documents: `${url}/Documents`, lists: `${url}/Lists`, maps: `${url}/Maps`, streams: `${url}/Streams` },
  };
}

/** The fields every Sync object and item shares, in Sync's names. */
function versioned(ctx: RenderContext, record: DocumentRecord | MapRecord | ListRecord | MapItemRecord | ListItemRecord): Record<string, unknown> {
  return {
    account_sid: ctx.accountSid,
    service_sid: record.serviceSid,
    revision: revisionText(record.revision),
    date_expires: dateOrNull(record.dateExpires),
    date_created: isoSeconds(record.dateCreated),
    date_updated: isoSeconds(record.dateUpdated),
    created_by: CREATED_BY_REST,
  };
}

export function renderDocument(ctx: RenderContext, document: DocumentRecord): Record<string, unknown> {
  const url = `${syncServiceUrl(ctx, document.serviceSid)}/Documents/${document.sid}`;
  return {
    sid: document.sid,
    unique_name: document.uniqueName,
    ...versioned(ctx, document),
    url,
    links: { permissions: `${url}/Permissions` },
    data: document.data,
  };
}

export function mapUrl(ctx: RenderContext, map: { serviceSid: string; sid: string }): string {
  return `${syncServiceUrl(ctx, map.serviceSid)}/Maps/${map.sid}`;
}

export function renderMap(ctx: RenderContext, map: MapRecord): Record<string, unknown> {
  const url = mapUrl(ctx, map);
  return {
    sid: map.sid,
    unique_name: map.uniqueName,
    ...versioned(ctx, map),
    url,
    links: { items: `${url}/Items`, permissions: `${url}/Permissions` },
  };
}

export function renderMapItem(ctx: RenderContext, item: MapItemRecord): Record<string, unknown> {
  return {
    key: item.key,
    map_sid: item.mapSid,
    ...versioned(ctx, item),
    url: `${mapUrl(ctx, { serviceSid: item.serviceSid, sid: item.mapSid })}/Items/${encodeURIComponent(item.key)}`,
    data: item.data,
  };
}

export function listUrl(ctx: RenderContext, list: { serviceSid: string; sid: string }): string {
  return `${syncServiceUrl(ctx, list.serviceSid)}/Lists/${list.sid}`;
}

export function renderList(ctx: RenderContext, list: ListRecord): Record<string, unknown> {
  const url = listUrl(ctx, list);
  return {
    sid: list.sid,
    unique_name: list.uniqueName,
    ...versioned(ctx, list),
    url,
    links: { items: `${url}/Items`, permissions: `${url}/Permissions` },
  };
}

export function renderListItem(ctx: RenderContext, item: ListItemRecord): Record<string, unknown> {
  return {
    index: item.index,
    list_sid: item.listSid,
    ...versioned(ctx, item),
    url: `${listUrl(ctx, { serviceSid: item.serviceSid, sid: item.listSid })}/Items/${item.index}`,
    data: item.data,
  };
}
