// The emulator's state behind intent-named methods; every mutation is one journal entry (persistence is hidden here).
import { loadDataDir } from './data-files';
import { JournalPersistence, memoryPersistence, type Persistence } from './journal';
import type { Change, ChallengeRecord, EntityRecord, FactorRecord, ResourceKind, ServiceRecord, VerifyState } from './records';
import { SyncStore } from './sync/store';

export interface StoreOptions {
  /** Directory for the snapshot and journal; undefined keeps everything in memory. */
  dataDir?: string;
  identityCaseInsensitive: boolean;
  /** Told once when a crash left a half-written (never acknowledged) journal line behind. */
  log?: (line: string) => void;
  /** Factors that read as gone (aged-out unverified ones); compaction leaves them out of the snapshot. */
  isAgedOut?: (factor: FactorRecord) => boolean;
  /**
   * Runs once the saved state is loaded, before the fresh snapshot is written: where a product adds what must always
   * exist (Sync's default service), so a start writes it into the snapshot rather than the journal.
   */
  seed?: (store: VerifyStore) => void;
}

export class VerifyStore {
  private readonly services = new Map<string, ServiceRecord>();
  private readonly entities = new Map<string, EntityRecord>();
  private readonly factors = new Map<string, FactorRecord>();
  private readonly challenges = new Map<string, ChallengeRecord>();
  /** `${serviceSid}/${identity key}` → entity SID */
  private readonly entityByIdentity = new Map<string, string>();
  private readonly entitiesOfService = new Map<string, Set<string>>();
  private readonly factorsOfEntity = new Map<string, Set<string>>();
  private readonly challengesOfEntity = new Map<string, Set<string>>();
  private readonly challengesOfFactor = new Map<string, Set<string>>();
  private persistence: Persistence = memoryPersistence;
  /** The Sync product's state; its writes go through `commit` too, so they share the journal, replay and reset. */
  readonly sync = new SyncStore((changes) => this.commit(changes.map((change) => ({ sync: change }))));

  private constructor(
    private readonly identityCaseInsensitive: boolean,
    private readonly isAgedOut: (factor: FactorRecord) => boolean,
  ) {}

  /** Opens the store, replaying and compacting the data directory; throws DataFileError if it cannot be read. */
  static open(options: StoreOptions): VerifyStore {
    const store = new VerifyStore(options.identityCaseInsensitive, options.isAgedOut ?? (() => false));
    if (options.dataDir === undefined) {
      options.seed?.(store);
      return store;
    }
    const data = loadDataDir(options.dataDir);
    if (data.snapshot) store.loadState(data.snapshot);
    for (const changes of data.journal) store.applyAll(changes);
    if (data.tornTail) options.log?.('data: discarded a half-written journal line left by a crash (it was never acknowledged)');
    options.seed?.(store);
    store.persistence = new JournalPersistence(options.dataDir, store.compactedState(), () => store.compactedState());
    return store;
  }

  /** Resolves when every change made so far survives a crash; answer a request only after this. */
  whenDurable(): Promise<void> {
    return this.persistence.whenDurable();
  }

  close(): void {
    this.persistence.close();
  }

  // --- services
  findService(sid: string): ServiceRecord | undefined {
    return this.services.get(sid);
  }
  listServices(): ServiceRecord[] {
    return [...this.services.values()];
  }
  createService(service: ServiceRecord): void {
    this.commit([{ put: 'service', record: service }]);
  }
  updateService(service: ServiceRecord): void {
    this.commit([{ put: 'service', record: service }]);
  }
  /** Deletes the service with its entities, factors and challenges. */
  deleteService(sid: string): void {
    this.commit([{ remove: 'service', sid }]);
  }

  // --- entities
  findEntity(serviceSid: string, identity: string): EntityRecord | undefined {
    const sid = this.entityByIdentity.get(this.identityKey(serviceSid, identity));
    return sid === undefined ? undefined : this.entities.get(sid);
  }
  listEntities(serviceSid: string): EntityRecord[] {
    return this.pick(this.entities, this.entitiesOfService.get(serviceSid));
  }
  createEntity(entity: EntityRecord): void {
    this.commit([{ put: 'entity', record: entity }]);
  }
  /** Deletes the entity with its factors and challenges. */
  deleteEntity(sid: string): void {
    this.commit([{ remove: 'entity', sid }]);
  }

  // --- factors
  findFactor(sid: string): FactorRecord | undefined {
    return this.factors.get(sid);
  }
  listFactors(entitySid: string): FactorRecord[] {
    return this.pick(this.factors, this.factorsOfEntity.get(entitySid));
  }
  /**
   * Stores a new factor with its entity (created on the fly, or updated with the creation count), deleting the
   * entity's aged-out factors `purge` in the same change.
   */
  createFactor(entity: EntityRecord, factor: FactorRecord, purge: readonly string[] = []): void {
    this.commit([
      { put: 'entity', record: entity },
      { put: 'factor', record: factor },
      ...purge.map((sid): Change => ({ remove: 'factor', sid })),
    ]);
  }
  updateFactor(factor: FactorRecord): void {
    this.commit([{ put: 'factor', record: factor }]);
  }
  deleteFactor(sid: string): void {
    this.commit([{ remove: 'factor', sid }]);
  }

  // --- challenges
  findChallenge(sid: string): ChallengeRecord | undefined {
    return this.challenges.get(sid);
  }
  listChallenges(entitySid: string): ChallengeRecord[] {
    return this.pick(this.challenges, this.challengesOfEntity.get(entitySid));
  }
  countChallengesCreatedAfter(factorSid: string, after: number): number {
    let count = 0;
    for (const sid of this.challengesOfFactor.get(factorSid) ?? []) {
      if ((this.challenges.get(sid)?.dateCreated ?? -Infinity) > after) count++;
    }
    return count;
  }
  /** Stores a challenge and, when answering it changed the factor (attempts, accepted step), the factor too. */
  saveChallenge(challenge: ChallengeRecord, factor?: FactorRecord): void {
    const changes: Change[] = [{ put: 'challenge', record: challenge }];
    if (factor) changes.push({ put: 'factor', record: factor });
    this.commit(changes);
  }

  /** Wipes everything (test control). */
  reset(): void {
    this.commit([{ reset: true }]);
  }

  exportState(): VerifyState {
    return {
      services: [...this.services.values()],
      entities: [...this.entities.values()],
      factors: [...this.factors.values()],
      challenges: [...this.challenges.values()],
      sync: this.sync.exportState(),
    };
  }

  /**
   * The state a new snapshot holds. Aged-out factors already read as gone; here they are dropped from memory too, with
   * no journal line, since the snapshot being written replaces the journal.
   */
  private compactedState(): VerifyState {
    for (const factor of [...this.factors.values()]) if (this.isAgedOut(factor)) this.apply({ remove: 'factor', sid: factor.sid });
    return this.exportState();
  }

  private commit(changes: Change[]): void {
    this.persistence.append(changes);
    this.applyAll(changes);
  }

  private loadState(state: VerifyState): void {
    for (const record of state.services) this.apply({ put: 'service', record });
    for (const record of state.entities) this.apply({ put: 'entity', record });
    for (const record of state.factors) this.apply({ put: 'factor', record });
    for (const record of state.challenges) this.apply({ put: 'challenge', record });
    if (state.sync) this.sync.loadState(state.sync);
  }

  private applyAll(changes: Change[]): void {
    for (const change of changes) this.apply(change);
  }

  /** The single place state changes, for live requests and journal replay alike (so replay is exact). */
  private apply(change: Change): void {
    if ('reset' in change) {
      for (const map of [this.services, this.entities, this.factors, this.challenges, this.entityByIdentity]) map.clear();
      for (const index of [this.entitiesOfService, this.factorsOfEntity, this.challengesOfEntity, this.challengesOfFactor]) index.clear();
      this.sync.clear();
      return;
    }
    if ('sync' in change) {
      this.sync.apply(change.sync);
      return;
    }
    if ('remove' in change) {
      this.remove(change.remove, change.sid);
      return;
    }
    switch (change.put) {
      case 'service':
        this.services.set(change.record.sid, change.record);
        return;
      case 'entity':
        this.entities.set(change.record.sid, change.record);
        this.entityByIdentity.set(this.identityKey(change.record.serviceSid, change.record.identity), change.record.sid);
        addTo(this.entitiesOfService, change.record.serviceSid, change.record.sid);
        return;
      case 'factor':
        this.factors.set(change.record.sid, change.record);
        addTo(this.factorsOfEntity, change.record.entitySid, change.record.sid);
        return;
      case 'challenge':
        this.challenges.set(change.record.sid, change.record);
        addTo(this.challengesOfEntity, change.record.entitySid, change.record.sid);
        addTo(this.challengesOfFactor, change.record.factorSid, change.record.sid);
        return;
    }
  }

  private remove(kind: ResourceKind, sid: string): void {
    switch (kind) {
      case 'service':
        for (const entitySid of [...(this.entitiesOfService.get(sid) ?? [])]) this.remove('entity', entitySid);
        this.entitiesOfService.delete(sid);
        this.services.delete(sid);
        return;
      case 'entity': {
        const entity = this.entities.get(sid);
        for (const factorSid of [...(this.factorsOfEntity.get(sid) ?? [])]) this.remove('factor', factorSid);
        for (const challengeSid of [...(this.challengesOfEntity.get(sid) ?? [])]) this.remove('challenge', challengeSid);
        this.factorsOfEntity.delete(sid);
        this.challengesOfEntity.delete(sid);
        if (entity) {
          this.entityByIdentity.delete(this.identityKey(entity.serviceSid, entity.identity));
          this.entitiesOfService.get(entity.serviceSid)?.delete(sid);
        }
        this.entities.delete(sid);
        return;
      }
      case 'factor': {
        const factor = this.factors.get(sid);
        if (factor) this.factorsOfEntity.get(factor.entitySid)?.delete(sid);
        this.factors.delete(sid);
        return;
      }
      case 'challenge': {
        const challenge = this.challenges.get(sid);
        if (challenge) {
          this.challengesOfEntity.get(challenge.entitySid)?.delete(sid);
          this.challengesOfFactor.get(challenge.factorSid)?.delete(sid);
        }
        this.challenges.delete(sid);
        return;
      }
    }
  }

  private identityKey(serviceSid: string, identity: string): string {
    return `${serviceSid}/${this.identityCaseInsensitive ? identity.toLowerCase() : identity}`;
  }

  private pick<T>(records: Map<string, T>, sids: Set<string> | undefined): T[] {
    const out: T[] = [];
    for (const sid of sids ?? []) {
      const record = records.get(sid);
      if (record !== undefined) out.push(record);
    }
    return out;
  }
}

function addTo(index: Map<string, Set<string>>, key: string, sid: string): void {
  let set = index.get(key);
  if (!set) index.set(key, (set = new Set()));
  set.add(sid);
}
