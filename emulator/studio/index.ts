// The Studio v2 product (studio.twilio.com, /v2/Flows): Flows and their Revisions, Validate, Executions and Steps,
// run by the flow engine in ./flow.
import { coreError } from '../core/errors';
import type { RenderContext } from '../core/operations';
import type { Product } from '../core/product';
import type { SwitchSet } from '../core/switches';
import { placeCall } from './calls';
import { executionOperations } from './executions';
import { invalidStudioParameter, STUDIO_ERRORS } from './errors';
import { fetchHttpCaller } from './flow';
import { flowOperations } from './flows';
import type { StudioChange } from './records';
import { StudioStore } from './store';
import type { StudioContext, StudioOperation } from './types';

export const STUDIO_OPERATIONS: readonly StudioOperation[] = [...flowOperations, ...executionOperations];

/** Studio has no switches yet. */
const STUDIO_SWITCH_DEFAULTS = Object.freeze({});
type StudioSwitches = typeof STUDIO_SWITCH_DEFAULTS;
const STUDIO_SWITCHES: SwitchSet<StudioSwitches> = { defaults: STUDIO_SWITCH_DEFAULTS, envPrefix: 'EMULATOR_' };

export const studio: Product<StudioSwitches, StudioContext, StudioChange> = {
  name: 'studio',
  origin: 'https://studio.twilio.com',
  // Verify's paths are /v2/ too: Verify is listed first, and knows no /v2/Flows path.
  prefix: '/v2/',
  errors: STUDIO_ERRORS,
  invalidParameter: invalidStudioParameter,
  switches: STUDIO_SWITCHES,
  create({ clock, commit, account }) {
    const store = new StudioStore(commit);
    // A simulated call has no request Host to render URLs with: nothing in its answer is a URL of the API.
    const context = (render: RenderContext): StudioContext => ({ store, clock, render, account, http: fetchHttpCaller, pageLimits: { maxPageSize: 1000 } });
    return {
      state: store,
      operations: STUDIO_OPERATIONS,
      context,
      seed: () => undefined,
      reset: () => undefined,
      control(method, path, body) {
        if (path !== 'calls') return undefined;
        if (method !== 'POST') return { status: 405, body: coreError(20004).toJSON() };
        return placeCall(context({ accountSid: account.sid, baseUrl: '' }), body);
      },
    };
  },
};
