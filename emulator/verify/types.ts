// What one emulated Verify operation runs with: Verify's state, the clock, Verify's switches, the HMAC for TOTP.
import type { Clock } from '../core/clock';
import type { Operation, RenderContext } from '../core/operations';
import type { PageLimits } from '../core/paging';
import type { VerifyStore } from './store';
import type { VerifySwitches } from './switches';
import type { Hmac } from './totp';

export interface OperationContext {
  store: VerifyStore;
  clock: Clock;
  switches: VerifySwitches;
  hmac: Hmac;
  render: RenderContext;
  pageLimits: PageLimits;
}

export type VerifyOperation = Operation<OperationContext>;
