// What one emulated Serverless operation runs with: Serverless's state, the clock and switches, its build queue and
// the host that serves deployed environments (when there is one).
import type { Clock } from '../core/clock';
import type { Operation, OperationRequest, RenderContext } from '../core/operations';
import type { PageLimits } from '../core/paging';
import type { BuildQueue } from './build-queue';
import type { EnvironmentHost } from './host';
import type { ServerlessStore } from './store';
import type { ServerlessSwitches } from './switches';

export interface ServerlessContext {
  store: ServerlessStore;
  clock: Clock;
  switches: ServerlessSwitches;
  /** URLs point at the API host (serverless.twilio.com), also in answers from the upload host. */
  render: RenderContext;
  pageLimits: PageLimits;
  builds: BuildQueue;
  host: EnvironmentHost | undefined;
}

export type ServerlessOperation = Operation<ServerlessContext>;
export type ServerlessRequest = OperationRequest;

/** The host a request was sent to (its Host header, lower case, without a port). */
export function requestHostOf(request: ServerlessRequest): string {
  return (request.headers.host ?? '').toLowerCase().replace(/:\d+$/, '');
}
