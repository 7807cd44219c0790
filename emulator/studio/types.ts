// What one emulated Studio operation runs with: Studio's state, the clock, the account run-function signs for.
import type { Clock } from '../core/clock';
import type { Operation, RenderContext } from '../core/operations';
import type { PageLimits } from '../core/paging';
import type { HttpCaller } from './flow';
import type { StudioStore } from './store';

export interface StudioContext {
  store: StudioStore;
  clock: Clock;
  render: RenderContext;
  pageLimits: PageLimits;
  account: { sid: string; authToken: string };
  /** How run-function reaches a Function (real HTTP, unless a test says otherwise). */
  http: HttpCaller;
}

export type StudioOperation = Operation<StudioContext>;
