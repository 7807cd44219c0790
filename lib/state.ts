// The one module that talks to Twilio Sync: one JSON Document per user, read, created atomically and replaced with
// If-Match (compare-and-swap), within the request's time budget, every error mapped once (lib/state-errors.ts).
import type twilio from 'twilio';
import { Failure } from './failures';
import { mapSyncError, type SyncAnswer } from './state-errors';

/** A Document's data with the revision that a conditional write must name (Sync's ETag / If-Match). */
export interface StoredDocument {
  revision: string;
  data: unknown;
}

/** What the state layer needs from Sync. Names are unique names within the kit's Sync service. */
export interface StateStore {
  /** The document, or undefined when there is none. */
  fetch(name: string): Promise<StoredDocument | undefined>;
  /** Creates the document; 'taken' when another request created it first (Sync's unique names make this atomic). */
  create(name: string, data: object, ttlSeconds: number): Promise<StoredDocument | 'taken'>;
  /** Replaces the data if the document is still at `revision`; 'changed' when someone else wrote (or removed) it first. */
  replace(name: string, data: object, revision: string, ttlSeconds: number): Promise<StoredDocument | 'changed'>;
}

export interface SyncStateStoreOptions {
  /** IS… or `default` (every account has a default Sync service). */
  serviceSid: string;
  /** Epoch ms by which every Sync call must have answered (shared with the Verify calls of the same request). */
  deadline: number;
}

function unexpected(operation: string): Failure {
  return new Failure('state_unavailable', { logDetail: `state ${operation}: Sync answered an unexpected document` });
}

/** Sync's revision is a string in the body (and the ETag header); anything else is not a usable answer. */
function stored(document: { revision?: unknown; data?: unknown }, operation: string): StoredDocument {
  if (typeof document.revision !== 'string' || document.revision === '') throw unexpected(operation);
  return { revision: document.revision, data: document.data };
}

/** Builds the store over a twilio client (from context.getTwilioClient, see lib/twilio-client.ts). */
export function createSyncStateStore(client: twilio.Twilio, options: SyncStateStoreOptions): StateStore {
  const service = (): ReturnType<twilio.Twilio['sync']['v1']['services']> => client.sync.v1.services(options.serviceSid);

  /** Runs one Sync call within the remaining budget; an expected answer comes back as a value, a fault as a Failure. */
  async function call<T>(operation: string, run: () => Promise<T>): Promise<T | SyncAnswer> {
    const remaining = options.deadline - Date.now();
    let timer: NodeJS.Timeout | undefined;
    const budget = new Promise<never>((_, reject) => {
      // Built only when the budget runs out: an Error captures a stack, which costs on every call otherwise.
      timer = setTimeout(() => reject(new Failure('state_unavailable', { logDetail: `state ${operation}: request time budget exhausted` })), Math.max(0, remaining));
    });
    try {
      return await Promise.race([run(), budget]);
    } catch (error) {
      const mapped = mapSyncError(error, operation);
      if (mapped instanceof Failure) throw mapped;
      return mapped;
    } finally {
      clearTimeout(timer);
    }
  }

  /** An answer that makes no sense for this operation is a fault too (fail closed), never a guess. */
  function unexpectedAnswer(operation: string, answer: SyncAnswer): Failure {
    return new Failure('state_unavailable', { logDetail: `state ${operation}: Sync answered ${answer}` });
  }

  return {
    async fetch(name) {
      const answer = await call('read', () => service().documents(name).fetch());
      if (answer === 'not_found') return undefined;
      if (typeof answer === 'string') throw unexpectedAnswer('read', answer);
      return stored(answer, 'read');
    },

    async create(name, data, ttlSeconds) {
      const answer = await call('create', () => service().documents.create({ uniqueName: name, data, ttl: ttlSeconds }));
      if (answer === 'name_taken') return 'taken';
      if (typeof answer === 'string') throw unexpectedAnswer('create', answer);
      return stored(answer, 'create');
    },

    async replace(name, data, revision, ttlSeconds) {
      const answer = await call('write', () => service().documents(name).update({ data, ttl: ttlSeconds, ifMatch: revision }));
      // Removed in between (its TTL ran out): the caller reads again and creates it anew.
      if (answer === 'revision_mismatch' || answer === 'not_found') return 'changed';
      if (typeof answer === 'string') throw unexpectedAnswer('write', answer);
      return stored(answer, 'write');
    },
  };
}
