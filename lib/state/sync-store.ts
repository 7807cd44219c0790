// The one module that talks to Twilio Sync: one JSON Document per user, read, created atomically and replaced with
// If-Match (compare-and-swap), within the request's time budget, every error mapped once (lib/state/sync-errors.ts).
import type twilio from 'twilio';
import { Failure } from '../core/failures';
import { withinBudget } from '../twilio-client';
import { mapSyncError, type SyncAnswer } from './sync-errors';

/** A Document's data with the revision that a conditional write must name (Sync's ETag / If-Match). */
export interface StoredDocument {
  revision: string;
  data: unknown;
}

/** What the state layer needs from Sync. Names are unique names within the kit's Sync service. */
export interface StateStore {
  /** The document, or undefined when there is none. */
  fetch(name: string): Promise<StoredDocument | undefined>;
  /** Creates the document from its JSON text; 'taken' when another request created it first (Sync's unique names make this atomic). */
  create(name: string, json: string, ttlSeconds: number): Promise<StoredDocument | 'taken'>;
  /** Replaces the data if the document is still at `revision`; 'changed' when someone else wrote (or removed) it first. */
  replace(name: string, json: string, revision: string, ttlSeconds: number): Promise<StoredDocument | 'changed'>;
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
function stored(document: unknown, operation: string): StoredDocument {
  // A number or string destructures to no revision as well; only null and undefined need the fallback.
  const { revision, data } = (document ?? {}) as { revision?: unknown; data?: unknown };
  if (typeof revision !== 'string' || revision === '') throw unexpected(operation);
  return { revision, data };
}

/** Sync's answer to a call it refused: the status and Twilio error code that lib/state/sync-errors.ts maps. */
class SyncRestError extends Error {
  constructor(
    readonly status: number,
    readonly code: unknown,
  ) {
    super(`Sync answered HTTP ${status}`);
  }
}

/** One Document call, as `client.request` takes it. */
interface SyncRequest {
  method: 'get' | 'post';
  uri: string;
  data?: Record<string, string | number>;
  headers?: Record<string, string>;
}

/** A response body: JSON text from Twilio's client, already parsed by some httpClients. Not JSON is a fault (SyntaxError). */
function parsed(body: unknown): unknown {
  return typeof body === 'string' ? JSON.parse(body) : body;
}

/** A refusal's Twilio error code, when its body has one (a proxy's HTML page has none). */
function errorCode(body: unknown): unknown {
  try {
    return ((parsed(body) ?? {}) as { code?: unknown }).code;
  } catch {
    // Not JSON: no code, so the status alone decides.
  }
}

/**
 * Builds the store over a twilio client (from context.getTwilioClient, see lib/twilio-client.ts). Its three calls go
 * through `client.request`, with the client's credentials, httpClient, edge and region, but not through its Sync
 * resource classes: a cold start would load all of Sync's (about 10 ms) for one Document's fetch, create and update.
 */
export function createSyncStateStore(client: twilio.Twilio, options: SyncStateStoreOptions): StateStore {
  const documents = `https://sync.twilio.com/v1/Services/${encodeURIComponent(options.serviceSid)}/Documents`;
  const documentUri = (name: string): string => `${documents}/${encodeURIComponent(name)}`;

  /**
   * One Sync call: the document on a 2xx answer, else Sync's refusal as an error (mapped by `call`). The client adds
   * the credentials, Accept and, for a POST, the form Content-Type.
   */
  async function send(operation: string, request: SyncRequest): Promise<StoredDocument> {
    const response = await client.request(request);
    if (response.statusCode < 200 || response.statusCode >= 300) throw new SyncRestError(response.statusCode, errorCode(response.body));
    return stored(parsed(response.body), operation);
  }

  /** Runs one Sync call within the request's budget; an expected answer comes back as a value, a fault as a Failure. */
  async function call<T>(operation: string, run: () => Promise<T>): Promise<T | SyncAnswer> {
    const exhausted = (): Failure => new Failure('state_unavailable', { logDetail: `state ${operation}: request time budget exhausted` });
    try {
      return await withinBudget(options.deadline, exhausted, run);
    } catch (error) {
      const mapped = mapSyncError(error, operation);
      if (mapped instanceof Failure) throw mapped;
      return mapped;
    }
  }

  /** An answer that makes no sense for this operation is a fault too (fail closed), never a guess. */
  function unexpectedAnswer(operation: string, answer: SyncAnswer): Failure {
    return new Failure('state_unavailable', { logDetail: `state ${operation}: Sync answered ${answer}` });
  }

  return {
    async fetch(name) {
      const answer = await call('read', () => send('read', { method: 'get', uri: documentUri(name) }));
      if (answer === 'not_found') return undefined;
      if (typeof answer === 'string') throw unexpectedAnswer('read', answer);
      return answer;
    },

    async create(name, json, ttlSeconds) {
      const answer = await call('create', () =>
        send('create', { method: 'post', uri: documents, data: { UniqueName: name, Data: json, Ttl: ttlSeconds } }),
      );
      if (answer === 'name_taken') return 'taken';
      if (typeof answer === 'string') throw unexpectedAnswer('create', answer);
      return answer;
    },

    async replace(name, json, revision, ttlSeconds) {
      const answer = await call('write', () =>
        send('write', {
          method: 'post',
          uri: documentUri(name),
          data: { Data: json, Ttl: ttlSeconds },
          headers: { 'If-Match': revision },
        }),
      );
      // Removed in between (its TTL ran out): the caller reads again and creates it anew.
      if (answer === 'revision_mismatch' || answer === 'not_found') return 'changed';
      if (typeof answer === 'string') throw unexpectedAnswer('write', answer);
      return answer;
    },
  };
}
