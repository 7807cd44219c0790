// Sync's state behind intent-named methods. Persistence is the core store's: every write goes out through
// `commit` as one journal entry, and the core feeds journal replay back through `apply`.
import { Collection } from '../core/collection';
import { damagedState } from '../core/data-files';
import type { Commit, StatePart } from '../core/store';
import type {
  DocumentRecord,
  ListItemRecord,
  ListRecord,
  MapItemRecord,
  MapRecord,
  SyncChange,
  SyncObjectKind,
  SyncServiceRecord,
  SyncSnapshot,
} from './records';

type Named = { sid: string; serviceSid: string; uniqueName: string | null };

/** Documents, Maps or Lists: by SID, by service, and by unique name within their service. */
function namedObjects<R extends Named>(): Collection<R, 'service', 'name'> {
  return new Collection<R, 'service', 'name'>((record) => record.sid, {
    groups: { service: (record) => record.serviceSid },
    unique: { name: (record) => (record.uniqueName === null ? undefined : `${record.serviceSid}/${record.uniqueName}`) },
  });
}

/** A Map's key or a List's index under its parent: the parent SID has a fixed length, so the pair is unambiguous. */
function itemKey(parentSid: string, id: string | number): string {
  return `${parentSid}/${id}`;
}

export class SyncStore implements StatePart<SyncChange> {
  private readonly services = new Collection<SyncServiceRecord, never, 'name'>((service) => service.sid, {
    unique: { name: (service) => service.uniqueName ?? undefined },
  });
  private readonly documents = namedObjects<DocumentRecord>();
  private readonly maps = namedObjects<MapRecord>();
  private readonly lists = namedObjects<ListRecord>();
  /** Kept in insertion order; listings sort by key themselves. */
  private readonly mapItems = new Collection<MapItemRecord, 'map'>((item) => itemKey(item.mapSid, item.key), {
    groups: { map: (item) => item.mapSid },
  });
  private readonly listItems = new Collection<ListItemRecord, 'list'>((item) => itemKey(item.listSid, item.index), {
    groups: { list: (item) => item.listSid },
  });

  constructor(private readonly commit: Commit<SyncChange>) {}

  // --- services
  findService(sid: string): SyncServiceRecord | undefined {
    return this.services.get(sid);
  }
  findServiceByUniqueName(uniqueName: string): SyncServiceRecord | undefined {
    return this.services.find('name', uniqueName);
  }
  listServices(): SyncServiceRecord[] {
    return this.services.all();
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
    const document = this.documents.get(sid);
    return document?.serviceSid === serviceSid ? document : undefined;
  }
  findDocumentByName(serviceSid: string, uniqueName: string): DocumentRecord | undefined {
    return this.documents.find('name', `${serviceSid}/${uniqueName}`);
  }
  listDocuments(serviceSid: string): DocumentRecord[] {
    return this.documents.list('service', serviceSid);
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
    const map = this.maps.get(sid);
    return map?.serviceSid === serviceSid ? map : undefined;
  }
  findMapByName(serviceSid: string, uniqueName: string): MapRecord | undefined {
    return this.maps.find('name', `${serviceSid}/${uniqueName}`);
  }
  listMaps(serviceSid: string): MapRecord[] {
    return this.maps.list('service', serviceSid);
  }
  saveMap(map: MapRecord, expired: readonly MapRecord[] = []): void {
    this.commit([...expired.map((gone) => ({ remove: 'map' as const, sid: gone.sid })), { put: 'map', record: map }]);
  }
  /** Deletes the map with its items. */
  deleteMap(sid: string): void {
    this.commit([{ remove: 'map', sid }]);
  }
  findMapItem(mapSid: string, key: string): MapItemRecord | undefined {
    return this.mapItems.get(itemKey(mapSid, key));
  }
  listMapItems(mapSid: string): MapItemRecord[] {
    return this.mapItems.list('map', mapSid);
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
    const list = this.lists.get(sid);
    return list?.serviceSid === serviceSid ? list : undefined;
  }
  findListByName(serviceSid: string, uniqueName: string): ListRecord | undefined {
    return this.lists.find('name', `${serviceSid}/${uniqueName}`);
  }
  listLists(serviceSid: string): ListRecord[] {
    return this.lists.list('service', serviceSid);
  }
  saveList(list: ListRecord, expired: readonly ListRecord[] = []): void {
    this.commit([...expired.map((gone) => ({ remove: 'list' as const, sid: gone.sid })), { put: 'list', record: list }]);
  }
  /** Deletes the list with its items. */
  deleteList(sid: string): void {
    this.commit([{ remove: 'list', sid }]);
  }
  findListItem(listSid: string, index: number): ListItemRecord | undefined {
    return this.listItems.get(itemKey(listSid, index));
  }
  listListItems(listSid: string): ListItemRecord[] {
    return this.listItems.list('list', listSid).sort((a, b) => a.index - b.index);
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

  // --- the core store's hooks (persistence, reset)
  exportState(): SyncSnapshot {
    return {
      services: this.services.all(),
      documents: this.documents.all(),
      maps: this.maps.all(),
      mapItems: this.mapItems.all(),
      lists: this.lists.all(),
      listItems: this.listItems.all(),
    };
  }

  /** Each list present, holding records (objects by SID prefix, items by their parent). */
  loadState(section: unknown): void {
    if (typeof section !== 'object' || section === null) throw damagedState.error('');
    const state = section as Record<string, unknown>;
    const sidOf = (prefix: string) => (item: Record<string, unknown>) => typeof item.sid === 'string' && item.sid.startsWith(prefix);
    const checks = [
      ['services', sidOf('IS')],
      ['documents', sidOf('ET')],
      ['maps', sidOf('MP')],
      ['mapItems', (item: Record<string, unknown>) => typeof item.mapSid === 'string' && typeof item.key === 'string'],
      ['lists', sidOf('ES')],
      ['listItems', (item: Record<string, unknown>) => typeof item.listSid === 'string' && Number.isInteger(item.index)],
    ] as const;
    for (const [key, valid] of checks) {
      const list = state[key];
      if (!Array.isArray(list) || !list.every((item) => typeof item === 'object' && item !== null && !Array.isArray(item) && valid(item))) {
        throw damagedState.error(key);
      }
    }
    const snapshot = section as SyncSnapshot;
    for (const record of snapshot.services) this.apply({ put: 'service', record });
    for (const record of snapshot.documents) this.apply({ put: 'document', record });
    for (const record of snapshot.maps) this.apply({ put: 'map', record });
    for (const record of snapshot.mapItems) this.apply({ put: 'mapItem', record });
    for (const record of snapshot.lists) this.apply({ put: 'list', record });
    for (const record of snapshot.listItems) this.apply({ put: 'listItem', record });
  }

  clear(): void {
    for (const collection of [this.services, this.documents, this.maps, this.lists, this.mapItems, this.listItems]) collection.clear();
  }

  /** The single place Sync state changes, for live requests and journal replay alike (so replay is exact). */
  apply(change: SyncChange): void {
    if ('remove' in change) {
      if (change.remove === 'mapItem') this.mapItems.remove(itemKey(change.mapSid, change.key));
      else if (change.remove === 'listItem') this.listItems.remove(itemKey(change.listSid, change.index));
      else this.removeObject(change.remove, change.sid);
      return;
    }
    switch (change.put) {
      case 'service':
        this.services.put(change.record);
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
        this.mapItems.put(change.record);
        return;
      case 'listItem':
        this.listItems.put(change.record);
        return;
    }
  }

  private removeObject(kind: SyncObjectKind, sid: string): void {
    switch (kind) {
      case 'service':
        for (const documentSid of this.documents.keys('service', sid)) this.removeObject('document', documentSid);
        for (const mapSid of this.maps.keys('service', sid)) this.removeObject('map', mapSid);
        for (const listSid of this.lists.keys('service', sid)) this.removeObject('list', listSid);
        this.services.remove(sid);
        return;
      case 'document':
        this.documents.remove(sid);
        return;
      case 'map':
        for (const key of this.mapItems.keys('map', sid)) this.mapItems.remove(key);
        this.maps.remove(sid);
        return;
      case 'list':
        for (const key of this.listItems.keys('list', sid)) this.listItems.remove(key);
        this.lists.remove(sid);
        return;
    }
  }
}
