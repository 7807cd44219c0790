// Sync's state behind intent-named methods. Persistence is the shared store's: every write goes out through
// `commit` as one journal line, and the shared store feeds journal replay back through `apply`.
import type {
  DocumentRecord,
  ListItemRecord,
  ListRecord,
  MapItemRecord,
  MapRecord,
  SyncChange,
  SyncObjectKind,
  SyncServiceRecord,
  SyncState,
} from './records';

/** Keeps a SID → record map plus the per-service SID set and the per-service unique-name index of one object kind. */
class NamedObjects<R extends { sid: string; serviceSid: string; uniqueName: string | null }> {
  readonly bySid = new Map<string, R>();
  private readonly ofService = new Map<string, Set<string>>();
  private readonly byName = new Map<string, string>();

  find(sid: string): R | undefined {
    return this.bySid.get(sid);
  }
  findByName(serviceSid: string, uniqueName: string): R | undefined {
    const sid = this.byName.get(`${serviceSid}/${uniqueName}`);
    return sid === undefined ? undefined : this.bySid.get(sid);
  }
  listOf(serviceSid: string): R[] {
    return [...(this.ofService.get(serviceSid) ?? [])].flatMap((sid) => this.bySid.get(sid) ?? []);
  }
  sidsOf(serviceSid: string): string[] {
    return [...(this.ofService.get(serviceSid) ?? [])];
  }
  put(record: R): void {
    this.bySid.set(record.sid, record);
    let sids = this.ofService.get(record.serviceSid);
    if (!sids) this.ofService.set(record.serviceSid, (sids = new Set()));
    sids.add(record.sid);
    if (record.uniqueName !== null) this.byName.set(`${record.serviceSid}/${record.uniqueName}`, record.sid);
  }
  remove(sid: string): void {
    const record = this.bySid.get(sid);
    if (!record) return;
    this.bySid.delete(sid);
    this.ofService.get(record.serviceSid)?.delete(sid);
    if (record.uniqueName !== null) this.byName.delete(`${record.serviceSid}/${record.uniqueName}`);
  }
  clear(): void {
    this.bySid.clear();
    this.ofService.clear();
    this.byName.clear();
  }
}

export class SyncStore {
  private readonly services = new Map<string, SyncServiceRecord>();
  private readonly documents = new NamedObjects<DocumentRecord>();
  private readonly maps = new NamedObjects<MapRecord>();
  private readonly lists = new NamedObjects<ListRecord>();
  /** map SID → key → item, in insertion order (lists sort by key themselves). */
  private readonly mapItems = new Map<string, Map<string, MapItemRecord>>();
  private readonly listItems = new Map<string, Map<number, ListItemRecord>>();

  /** `commit` makes changes durable (the shared journal) and then hands them back to `apply`. */
  constructor(private readonly commit: (changes: SyncChange[]) => void) {}

  // --- services
  findService(sid: string): SyncServiceRecord | undefined {
    return this.services.get(sid);
  }
  findServiceByUniqueName(uniqueName: string): SyncServiceRecord | undefined {
    for (const service of this.services.values()) if (service.uniqueName === uniqueName) return service;
    return undefined;
  }
  listServices(): SyncServiceRecord[] {
    return [...this.services.values()];
  }
  saveService(service: SyncServiceRecord): void {
    this.commit([{ put: 'service', record: service }]);
  }
  /** Deletes the service with its documents, maps and lists. */
  deleteService(sid: string): void {
    this.commit([{ remove: 'service', sid }]);
  }

  // --- documents
  findDocument(serviceSid: string, sid: string): DocumentRecord | undefined {
    const document = this.documents.find(sid);
    return document?.serviceSid === serviceSid ? document : undefined;
  }
  findDocumentByName(serviceSid: string, uniqueName: string): DocumentRecord | undefined {
    return this.documents.findByName(serviceSid, uniqueName);
  }
  listDocuments(serviceSid: string): DocumentRecord[] {
    return this.documents.listOf(serviceSid);
  }
  /** Stores a new or updated document; `expired` documents found on the way are removed in the same write. */
  saveDocument(document: DocumentRecord, expired: readonly DocumentRecord[] = []): void {
    this.commit([...expired.map((gone) => ({ remove: 'document' as const, sid: gone.sid })), { put: 'document', record: document }]);
  }
  deleteDocument(sid: string): void {
    this.commit([{ remove: 'document', sid }]);
  }

  // --- maps and their items
  findMap(serviceSid: string, sid: string): MapRecord | undefined {
    const map = this.maps.find(sid);
    return map?.serviceSid === serviceSid ? map : undefined;
  }
  findMapByName(serviceSid: string, uniqueName: string): MapRecord | undefined {
    return this.maps.findByName(serviceSid, uniqueName);
  }
  listMaps(serviceSid: string): MapRecord[] {
    return this.maps.listOf(serviceSid);
  }
  saveMap(map: MapRecord, expired: readonly MapRecord[] = []): void {
    this.commit([...expired.map((gone) => ({ remove: 'map' as const, sid: gone.sid })), { put: 'map', record: map }]);
  }
  /** Deletes the map with its items. */
  deleteMap(sid: string): void {
    this.commit([{ remove: 'map', sid }]);
  }
  findMapItem(mapSid: string, key: string): MapItemRecord | undefined {
    return this.mapItems.get(mapSid)?.get(key);
  }
  listMapItems(mapSid: string): MapItemRecord[] {
    return [...(this.mapItems.get(mapSid)?.values() ?? [])];
  }
  /**
   * Stores an item; `map` is the parent when the same request changed it (CollectionTtl), and `expired` items of the
   * map found on the way are removed in the same write.
   */
  saveMapItem(item: MapItemRecord, map?: MapRecord, expired: readonly MapItemRecord[] = []): void {
    const changes: SyncChange[] = expired.map((gone) => ({ remove: 'mapItem', mapSid: gone.mapSid, key: gone.key }));
    if (map) changes.push({ put: 'map', record: map });
    changes.push({ put: 'mapItem', record: item });
    this.commit(changes);
  }
  deleteMapItem(mapSid: string, key: string): void {
    this.commit([{ remove: 'mapItem', mapSid, key }]);
  }

  // --- lists and their items
  findList(serviceSid: string, sid: string): ListRecord | undefined {
    const list = this.lists.find(sid);
    return list?.serviceSid === serviceSid ? list : undefined;
  }
  findListByName(serviceSid: string, uniqueName: string): ListRecord | undefined {
    return this.lists.findByName(serviceSid, uniqueName);
  }
  listLists(serviceSid: string): ListRecord[] {
    return this.lists.listOf(serviceSid);
  }
  saveList(list: ListRecord, expired: readonly ListRecord[] = []): void {
    this.commit([...expired.map((gone) => ({ remove: 'list' as const, sid: gone.sid })), { put: 'list', record: list }]);
  }
  /** Deletes the list with its items. */
  deleteList(sid: string): void {
    this.commit([{ remove: 'list', sid }]);
  }
  findListItem(listSid: string, index: number): ListItemRecord | undefined {
    return this.listItems.get(listSid)?.get(index);
  }
  listListItems(listSid: string): ListItemRecord[] {
    return [...(this.listItems.get(listSid)?.values() ?? [])].sort((a, b) => a.index - b.index);
  }
  /** Stores an item with its list (whose next index or TTL the same request changed), plus expired items to drop. */
  saveListItem(item: ListItemRecord, list?: ListRecord, expired: readonly ListItemRecord[] = []): void {
    const changes: SyncChange[] = expired.map((gone) => ({ remove: 'listItem', listSid: gone.listSid, index: gone.index }));
    if (list) changes.push({ put: 'list', record: list });
    changes.push({ put: 'listItem', record: item });
    this.commit(changes);
  }
  deleteListItem(listSid: string, index: number): void {
    this.commit([{ remove: 'listItem', listSid, index }]);
  }

  // --- persistence hooks, called by the shared store only
  exportState(): SyncState {
    return {
      services: [...this.services.values()],
      documents: [...this.documents.bySid.values()],
      maps: [...this.maps.bySid.values()],
      mapItems: [...this.mapItems.values()].flatMap((items) => [...items.values()]),
      lists: [...this.lists.bySid.values()],
      listItems: [...this.listItems.values()].flatMap((items) => [...items.values()]),
    };
  }

  loadState(state: SyncState): void {
    for (const record of state.services) this.apply({ put: 'service', record });
    for (const record of state.documents) this.apply({ put: 'document', record });
    for (const record of state.maps) this.apply({ put: 'map', record });
    for (const record of state.mapItems) this.apply({ put: 'mapItem', record });
    for (const record of state.lists) this.apply({ put: 'list', record });
    for (const record of state.listItems) this.apply({ put: 'listItem', record });
  }

  clear(): void {
    this.services.clear();
    this.documents.clear();
    this.maps.clear();
    this.lists.clear();
    this.mapItems.clear();
    this.listItems.clear();
  }

  /** The single place Sync state changes, for live requests and journal replay alike (so replay is exact). */
  apply(change: SyncChange): void {
    if ('remove' in change) {
      if (change.remove === 'mapItem') this.mapItems.get(change.mapSid)?.delete(change.key);
      else if (change.remove === 'listItem') this.listItems.get(change.listSid)?.delete(change.index);
      else this.removeObject(change.remove, change.sid);
      return;
    }
    switch (change.put) {
      case 'service':
        this.services.set(change.record.sid, change.record);
        return;
      case 'document':
        this.documents.put(change.record);
        return;
      case 'map':
        this.maps.put(change.record);
        return;
      case 'list':
        this.lists.put(change.record);
        return;
      case 'mapItem':
        itemsOf(this.mapItems, change.record.mapSid).set(change.record.key, change.record);
        return;
      case 'listItem':
        itemsOf(this.listItems, change.record.listSid).set(change.record.index, change.record);
        return;
    }
  }

  private removeObject(kind: SyncObjectKind, sid: string): void {
    switch (kind) {
      case 'service':
        for (const documentSid of this.documents.sidsOf(sid)) this.removeObject('document', documentSid);
        for (const mapSid of this.maps.sidsOf(sid)) this.removeObject('map', mapSid);
        for (const listSid of this.lists.sidsOf(sid)) this.removeObject('list', listSid);
        this.services.delete(sid);
        return;
      case 'document':
        this.documents.remove(sid);
        return;
      case 'map':
        this.mapItems.delete(sid);
        this.maps.remove(sid);
        return;
      case 'list':
        this.listItems.delete(sid);
        this.lists.remove(sid);
        return;
    }
  }
}

function itemsOf<K, V>(index: Map<string, Map<K, V>>, parent: string): Map<K, V> {
  let items = index.get(parent);
  if (!items) index.set(parent, (items = new Map()));
  return items;
}
