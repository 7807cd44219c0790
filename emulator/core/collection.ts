// One indexed collection of records, for every product's state: records by key, kept in insertion order, plus
// groups (many records per value: a service's entities) and unique indexes (one record per value: a unique name).

/** Index definitions: each maps a record to its value; a unique index may leave a record out (undefined). */
export interface CollectionIndexes<R, G extends string, U extends string> {
  groups?: Readonly<Record<G, (record: R) => string>>;
  unique?: Readonly<Record<U, (record: R) => string | undefined>>;
}

export class Collection<R, G extends string = never, U extends string = never> {
  private readonly records = new Map<string, R>();
  private readonly groups = new Map<G, Map<string, Set<string>>>();
  private readonly uniques = new Map<U, Map<string, string>>();

  constructor(
    private readonly keyOf: (record: R) => string,
    private readonly indexes: CollectionIndexes<R, G, U> = {},
  ) {
    for (const name of Object.keys(indexes.groups ?? {}) as G[]) this.groups.set(name, new Map());
    for (const name of Object.keys(indexes.unique ?? {}) as U[]) this.uniques.set(name, new Map());
  }

  get(key: string): R | undefined {
    return this.records.get(key);
  }

  /** The record a unique index holds for `value`. */
  find(index: U, value: string): R | undefined {
    const key = this.uniques.get(index)?.get(value);
    return key === undefined ? undefined : this.records.get(key);
  }

  /** The group's records, in the order they were first stored. */
  list(group: G, value: string): R[] {
    return this.keys(group, value).flatMap((key) => this.records.get(key) ?? []);
  }

  /** The group's keys (a copy: safe to remove records while going through them). */
  keys(group: G, value: string): string[] {
    return [...(this.groups.get(group)?.get(value) ?? [])];
  }

  all(): R[] {
    return [...this.records.values()];
  }

  /** Stores a new record, or replaces the one with its key (keeping its place in every order). */
  put(record: R): void {
    const key = this.keyOf(record);
    const previous = this.records.get(key);
    if (previous !== undefined) this.unindex(key, previous, record);
    this.records.set(key, record);
    for (const [name, valueOf] of this.groupDefinitions()) {
      const members = this.groups.get(name) as Map<string, Set<string>>;
      const value = valueOf(record);
      let set = members.get(value);
      if (!set) members.set(value, (set = new Set()));
      set.add(key);
    }
    for (const [name, valueOf] of this.uniqueDefinitions()) {
      const value = valueOf(record);
      if (value !== undefined) this.uniques.get(name)?.set(value, key);
    }
  }

  /** Removes the record with `key`; returns it, if there was one. */
  remove(key: string): R | undefined {
    const record = this.records.get(key);
    if (record === undefined) return undefined;
    this.unindex(key, record, undefined);
    this.records.delete(key);
    return record;
  }

  clear(): void {
    this.records.clear();
    for (const members of this.groups.values()) members.clear();
    for (const members of this.uniques.values()) members.clear();
  }

  /** Takes `key` out of the index entries `old` had and `next` (the replacement, if any) no longer has. */
  private unindex(key: string, old: R, next: R | undefined): void {
    for (const [name, valueOf] of this.groupDefinitions()) {
      const value = valueOf(old);
      if (next !== undefined && valueOf(next) === value) continue;
      const members = this.groups.get(name) as Map<string, Set<string>>;
      const set = members.get(value);
      set?.delete(key);
      if (set?.size === 0) members.delete(value);
    }
    for (const [name, valueOf] of this.uniqueDefinitions()) {
      const value = valueOf(old);
      if (value === undefined || (next !== undefined && valueOf(next) === value)) continue;
      const members = this.uniques.get(name) as Map<string, string>;
      // Another record may hold the value by now (it was stored after this one took it): leave that one.
      if (members.get(value) === key) members.delete(value);
    }
  }

  private groupDefinitions(): Array<[G, (record: R) => string]> {
    return Object.entries(this.indexes.groups ?? {}) as Array<[G, (record: R) => string]>;
  }

  private uniqueDefinitions(): Array<[U, (record: R) => string | undefined]> {
    return Object.entries(this.indexes.unique ?? {}) as Array<[U, (record: R) => string | undefined]>;
  }
}
