// Sync's stored state: plain, JSON-serialisable records (dates as epoch ms), one per Sync v1 resource.
import type { Put, Remove } from '../core/store';

/** A Sync object's `data`: any JSON object (Sync documents it as "an arbitrary, schema-less object"). */
export type SyncData = Record<string, unknown>;

export interface SyncServiceRecord {
  sid: string;
  /** Only the account's default service has one ("default"); the API cannot assign it. */
  uniqueName: string | null;
  friendlyName: string | null;
  webhookUrl: string | null;
  webhooksFromRestEnabled: boolean;
  reachabilityWebhooksEnabled: boolean;
  aclEnabled: boolean;
  reachabilityDebouncingEnabled: boolean;
  reachabilityDebouncingWindow: number;
  dateCreated: number;
  dateUpdated: number;
}

/** What every Sync object and item has: a revision bumped on each write, and an optional expiry. */
interface Versioned {
  serviceSid: string;
  /** Rendered as lowercase hex, the form Twilio's revisions take; opaque to clients. */
  revision: number;
  /** Epoch ms after which the object is gone (TTL); null when it never expires. */
  dateExpires: number | null;
  dateCreated: number;
  dateUpdated: number;
}

export interface DocumentRecord extends Versioned {
  sid: string;
  uniqueName: string | null;
  data: SyncData;
}

export interface MapRecord extends Versioned {
  sid: string;
  uniqueName: string | null;
}

export interface MapItemRecord extends Versioned {
  mapSid: string;
  key: string;
  data: SyncData;
}

export interface ListRecord extends Versioned {
  sid: string;
  uniqueName: string | null;
  /** Index the next item gets; indexes are never reused, so gaps stay after deletes. */
  nextIndex: number;
}

export interface ListItemRecord extends Versioned {
  listSid: string;
  index: number;
  data: SyncData;
}

/** Sync's part of the snapshot. */
export interface SyncSnapshot {
  services: SyncServiceRecord[];
  documents: DocumentRecord[];
  maps: MapRecord[];
  mapItems: MapItemRecord[];
  lists: ListRecord[];
  listItems: ListItemRecord[];
}

export type SyncObjectKind = 'service' | 'document' | 'map' | 'list';

/** One durable Sync change; a mutation's changes travel as one journal entry tagged `sync`. */
export type SyncChange =
  | Put<'service', SyncServiceRecord>
  | Put<'document', DocumentRecord>
  | Put<'map', MapRecord>
  | Put<'mapItem', MapItemRecord>
  | Put<'list', ListRecord>
  | Put<'listItem', ListItemRecord>
  | Remove<SyncObjectKind>
  | Remove<'mapItem', { mapSid: string; key: string }>
  | Remove<'listItem', { listSid: string; index: number }>;
