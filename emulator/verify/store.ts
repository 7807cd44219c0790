// Verify's state behind intent-named methods. Persistence is the core store's: every mutation goes out through
// `commit` as one journal entry, and the core feeds journal replay back through `apply`.
import { Collection } from '../core/collection';
import { damagedState } from '../core/data-files';
import type { Commit, StatePart } from '../core/store';
import type { ChallengeRecord, EntityRecord, FactorRecord, ResourceKind, ServiceRecord, VerifyChange, VerifySnapshot } from './records';

export interface VerifyStoreOptions {
  identityCaseInsensitive: boolean;
  /** Factors that read as gone (aged-out unverified ones); compaction leaves them out of the snapshot. */
  isAgedOut: (factor: FactorRecord) => boolean;
}

export class VerifyStore implements StatePart<VerifyChange> {
  private readonly services = new Collection<ServiceRecord>((service) => service.sid);
  private readonly entities: Collection<EntityRecord, 'service', 'identity'>;
  private readonly factors = new Collection<FactorRecord, 'entity'>((factor) => factor.sid, { groups: { entity: (factor) => factor.entitySid } });
  private readonly challenges = new Collection<ChallengeRecord, 'entity' | 'factor'>((challenge) => challenge.sid, {
    groups: { entity: (challenge) => challenge.entitySid, factor: (challenge) => challenge.factorSid },
  });

  constructor(
    private readonly commit: Commit<VerifyChange>,
    private readonly options: VerifyStoreOptions,
  ) {
    this.entities = new Collection<EntityRecord, 'service', 'identity'>((entity) => entity.sid, {
      groups: { service: (entity) => entity.serviceSid },
      unique: { identity: (entity) => this.identityKey(entity.serviceSid, entity.identity) },
    });
  }

  // --- services
  findService(sid: string): ServiceRecord | undefined {
    return this.services.get(sid);
  }
  listServices(): ServiceRecord[] {
    return this.services.all();
  }
  saveService(service: ServiceRecord): void {
    this.commit([{ put: 'service', record: service }]);
  }
  /** Deletes the service with its entities, factors and challenges. */
  deleteService(sid: string): void {
    this.commit([{ remove: 'service', sid }]);
  }

  // --- entities
  findEntity(serviceSid: string, identity: string): EntityRecord | undefined {
    return this.entities.find('identity', this.identityKey(serviceSid, identity));
  }
  listEntities(serviceSid: string): EntityRecord[] {
    return this.entities.list('service', serviceSid);
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
    return this.factors.list('entity', entitySid);
  }
  /**
   * Stores a new factor with its entity (created on the fly, or updated with the creation count), deleting the
   * entity's aged-out factors `purge` in the same change.
   */
  createFactor(entity: EntityRecord, factor: FactorRecord, purge: readonly string[] = []): void {
    this.commit([
      { put: 'entity', record: entity },
      { put: 'factor', record: factor },
      ...purge.map((sid): VerifyChange => ({ remove: 'factor', sid })),
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
    return this.challenges.list('entity', entitySid);
  }
  countChallengesCreatedAfter(factorSid: string, after: number): number {
    return this.challenges.list('factor', factorSid).filter((challenge) => challenge.dateCreated > after).length;
  }
  /** Stores a challenge and, when answering it changed the factor (attempts, accepted step), the factor too. */
  saveChallenge(challenge: ChallengeRecord, factor?: FactorRecord): void {
    const changes: VerifyChange[] = [{ put: 'challenge', record: challenge }];
    if (factor) changes.push({ put: 'factor', record: factor });
    this.commit(changes);
  }

  // --- the core store's hooks (persistence, reset)
  exportState(): VerifySnapshot {
    return { services: this.services.all(), entities: this.entities.all(), factors: this.factors.all(), challenges: this.challenges.all() };
  }

  /** Each list present and holding records with the SID prefix of its kind (the `passkeys` of older services may be absent). */
  loadState(section: unknown): void {
    if (typeof section !== 'object' || section === null) throw damagedState.error('');
    const state = section as Record<string, unknown>;
    for (const [key, prefix] of [['services', 'VA'], ['entities', 'YE'], ['factors', 'YF'], ['challenges', 'YC']] as const) {
      const list = state[key];
      if (!Array.isArray(list) || !list.every((item) => typeof item === 'object' && item !== null && typeof item.sid === 'string' && item.sid.startsWith(prefix))) {
        throw damagedState.error(key);
      }
    }
    const snapshot = section as VerifySnapshot;
    for (const record of snapshot.services) this.apply({ put: 'service', record });
    for (const record of snapshot.entities) this.apply({ put: 'entity', record });
    for (const record of snapshot.factors) this.apply({ put: 'factor', record });
    for (const record of snapshot.challenges) this.apply({ put: 'challenge', record });
  }

  clear(): void {
    for (const collection of [this.services, this.entities, this.factors, this.challenges]) collection.clear();
  }

  /** Aged-out factors already read as gone; before a snapshot they are dropped from memory too, with no journal line. */
  compact(): void {
    for (const factor of this.factors.all()) if (this.options.isAgedOut(factor)) this.apply({ remove: 'factor', sid: factor.sid });
  }

  /** The single place Verify's state changes, for live requests and journal replay alike (so replay is exact). */
  apply(change: VerifyChange): void {
    if ('remove' in change) {
      this.remove(change.remove, change.sid);
      return;
    }
    switch (change.put) {
      case 'service':
        this.services.put(change.record);
        return;
      case 'entity':
        this.entities.put(change.record);
        return;
      case 'factor':
        this.factors.put(change.record);
        return;
      case 'challenge':
        this.challenges.put(change.record);
        return;
    }
  }

  private remove(kind: ResourceKind, sid: string): void {
    switch (kind) {
      case 'service':
        for (const entitySid of this.entities.keys('service', sid)) this.remove('entity', entitySid);
        this.services.remove(sid);
        return;
      case 'entity':
        for (const factorSid of this.factors.keys('entity', sid)) this.factors.remove(factorSid);
        for (const challengeSid of this.challenges.keys('entity', sid)) this.challenges.remove(challengeSid);
        this.entities.remove(sid);
        return;
      case 'factor':
        // Its challenges stay readable (answering one then gives 60390), as documented.
        this.factors.remove(sid);
        return;
      case 'challenge':
        this.challenges.remove(sid);
        return;
    }
  }

  private identityKey(serviceSid: string, identity: string): string {
    return `${serviceSid}/${this.options.identityCaseInsensitive ? identity.toLowerCase() : identity}`;
  }
}
