// The Verify v2 product (verify.twilio.com, /v2/): its operations table, state, errors and switches, as one module.
import type { Product } from '../core/product';
import { challengeOperations } from './challenges';
import { nodeHmac } from './crypto';
import { entityOperations } from './entities';
import { VERIFY_ERRORS, invalidParameter } from './errors';
import { factorOperations } from './factors';
import { isAgedOut } from './lookup';
import type { VerifyChange } from './records';
import { serviceOperations } from './services';
import { VerifyStore } from './store';
import { VERIFY_SWITCHES, type VerifySwitches } from './switches';
import type { OperationContext, VerifyOperation } from './types';

/** Every emulated Verify v2 operation, keyed by method and OpenAPI path. */
export const OPERATIONS: readonly VerifyOperation[] = [...serviceOperations, ...entityOperations, ...factorOperations, ...challengeOperations];

/** Verify lists page up to 1000 per page. */
const PAGE_LIMITS = { maxPageSize: 1000 };

export const verify: Product<VerifySwitches, OperationContext, VerifyChange> = {
  name: 'verify',
  origin: 'https://verify.twilio.com',
  prefix: '/v2/',
  errors: VERIFY_ERRORS,
  invalidParameter,
  switches: VERIFY_SWITCHES,
  create({ clock, switches, commit }) {
    const store = new VerifyStore(commit, {
      identityCaseInsensitive: switches.identityCaseInsensitive,
      isAgedOut: (factor) => isAgedOut({ clock, switches }, factor),
    });
    return {
      state: store,
      operations: OPERATIONS,
      context: (render) => ({ store, clock, switches, hmac: nodeHmac, render, pageLimits: PAGE_LIMITS }),
      // Verify has nothing that must always exist, and keeps nothing outside its state.
      seed: () => undefined,
      reset: () => undefined,
    };
  },
};
