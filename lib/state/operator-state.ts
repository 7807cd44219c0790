// The operator's view of a user's state document (npm run support): read it whatever it holds, and change it by
// compare-and-swap, as the Functions may be writing the same document. The rules of a change are pure (./model.ts).
import { Failure } from '../core/failures';
import { parseState, storedForm, type UserState } from './model';
import { documentTtlSeconds, MAX_WRITE_ATTEMPTS, stateDocumentName, stateTtlSeconds } from './security-state';
import type { StateStore } from './sync-store';

/**
 * `kept`: the kit's state document; `none`: there is none (a user who never checked a code keeps none); `unreadable`:
 * a document the kit did not write. The Functions then refuse every code of this user until a reset replaces it.
 */
export type StateOnFile = 'kept' | 'none' | 'unreadable';

export interface StateOnRecord {
  /** The state, when the document is one the kit wrote. */
  state: UserState | undefined;
  onFile: StateOnFile;
}

export interface OperatorStateOptions {
  store: StateStore;
  /** The user's HMAC identity (lib/core/identity.ts): the document's name. */
  identity: string;
  /** How long the trail keeps an event (ACTIVITY_TTL_DAYS): the document lives at least as long. */
  activityTtlMs: number;
  /** TRUSTED_DEVICE_DAYS: the document lives at least as long as a trusted device. */
  trustedDeviceTtlMs: number;
}

export interface OperatorState {
  /** The document as it is, readable or not. */
  inspect(): Promise<StateOnRecord>;
  /**
   * Writes the state `change` makes from the freshest document, with If-Match (or creates it), again after a lost race.
   * `change` runs once per try, on what that try read; what it throws ends the change with nothing written.
   */
  change(change: (current: StateOnRecord) => UserState): Promise<void>;
}

export function createOperatorState(options: OperatorStateOptions): OperatorState {
  const { store } = options;
  const name = stateDocumentName(options.identity);
  const ttlSeconds = stateTtlSeconds(options.activityTtlMs, options.trustedDeviceTtlMs);

  async function read(): Promise<StateOnRecord & { revision: string | undefined }> {
    const document = await store.fetch(name);
    if (document === undefined) return { state: undefined, onFile: 'none', revision: undefined };
    const state = parseState(document.data);
    return { state, onFile: state === undefined ? 'unreadable' : 'kept', revision: document.revision };
  }

  return {
    async inspect() {
      const { state, onFile } = await read();
      return { state, onFile };
    },

    async change(change) {
      for (let attempt = 1; ; attempt += 1) {
        const current = await read();
        const next = change(current);
        const json = storedForm(next);
        const ttl = documentTtlSeconds(next, ttlSeconds);
        const written = current.revision === undefined ? await store.create(name, json, ttl) : await store.replace(name, json, current.revision, ttl);
        if (typeof written !== 'string') return;
        if (attempt >= MAX_WRITE_ATTEMPTS) throw new Failure('state_unavailable', { logDetail: `state write: lost ${attempt} compare-and-swap races in a row` });
      }
    },
  };
}
