// Sync's request parameters: Data (a JSON string), TTLs, unique names, Map Item keys, list ordering.
import { missingParameter } from '../core/errors';
import type { FormParams } from '../core/form';
import { invalidSyncParameter, syncError } from './errors';
import type { SyncData } from './records';

/** Sync's payload limit: 16 KiB per Document or Item (twilio.com/docs/sync/limits). */
const MAX_DATA_BYTES = 16 * 1024;
/** Unique names and Map Item keys: up to 320 characters. */
const MAX_NAME_LENGTH = 320;
/** TTL: 0 (never expires) up to one year, in seconds. */
const MAX_TTL_SECONDS = 31_536_000;

/** `Data`: a JSON object sent as a string (twilio-node stringifies the `data` option). */
export function parseData(params: FormParams, required: boolean): SyncData | undefined {
  const raw = params.string('Data');
  if (raw === undefined) {
    if (required) throw missingParameter('Data');
    return undefined;
  }
  if (Buffer.byteLength(raw, 'utf8') > MAX_DATA_BYTES) throw syncError(54006);
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw invalidSyncParameter('Data');
  }
  // The schema types data as an object; arrays and bare values are refused rather than stored as something else.
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw invalidSyncParameter('Data');
  return parsed as SyncData;
}

/**
 * A TTL in seconds from the first of `names` present: Sync's `Ttl` is an alias that is ignored when the specific name
 * (`ItemTtl`, `CollectionTtl`) is also sent, so the specific name comes first. Out of range or not an integer: 54011.
 */
export function parseTtl(params: FormParams, ...names: string[]): number | undefined {
  for (const name of names) {
    const raw = params.string(name);
    if (raw === undefined) continue;
    if (!/^\d{1,9}$/.test(raw.trim())) throw syncError(54011);
    const seconds = Number(raw.trim());
    if (seconds > MAX_TTL_SECONDS) throw syncError(54011);
    return seconds;
  }
  return undefined;
}

/** date_expires for a TTL given now: TTL 0 means the object never expires. */
export function expiryAfter(now: number, ttlSeconds: number): number | null {
  return ttlSeconds === 0 ? null : now + ttlSeconds * 1000;
}

/**
 * An optional `UniqueName`: 1–320 characters, and not shaped like a SID of the same kind, since either may stand in
 * the URL and a name that looks like a SID could never be addressed.
 */
export function parseUniqueName(params: FormParams, sidPattern: RegExp): string | null {
  const raw = params.string('UniqueName');
  if (raw === undefined) return null;
  if (raw.length === 0 || raw.length > MAX_NAME_LENGTH || sidPattern.test(raw)) throw invalidSyncParameter('UniqueName');
  return raw;
}

/** A Map Item `Key` (required on create): 1–320 characters, else 54209. */
export function parseKey(params: FormParams): string {
  const key = params.string('Key');
  if (key === undefined) throw missingParameter('Key');
  if (key.length === 0 || key.length > MAX_NAME_LENGTH) throw syncError(54209);
  return key;
}

export interface ItemOrder {
  order: 'asc' | 'desc';
  from: string | undefined;
  bounds: 'inclusive' | 'exclusive';
}

/** Order (asc, desc), From and Bounds (inclusive, exclusive) of a Map Item or List Item listing. */
export function parseItemOrder(params: FormParams): ItemOrder {
  const order = params.string('Order') ?? 'asc';
  if (order !== 'asc' && order !== 'desc') throw invalidSyncParameter('Order');
  const bounds = params.string('Bounds') ?? 'inclusive';
  if (bounds !== 'inclusive' && bounds !== 'exclusive') throw invalidSyncParameter('Bounds');
  return { order, from: params.string('From'), bounds };
}

/** The listing's own query parameters, carried into the meta URLs. */
export function orderFilters(params: FormParams): Record<string, string | undefined> {
  return { Order: params.string('Order'), From: params.string('From'), Bounds: params.string('Bounds') };
}
