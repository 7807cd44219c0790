// The five Service operations every Twilio product has (create, fetch, list, update, delete), built from one
// product's own rules: its parameters, its records, its renderer.
import type { Clock } from './clock';
import type { FormParams } from './form';
import type { Operation, OperationRequest } from './operations';
import { listPage, type PageContext } from './paging';

export interface ServiceRules<Ctx, R> {
  /** The collection's path, e.g. /v2/Services; one service is at `${path}/{Sid}`. */
  path: string;
  /** A new service from the create request's parameters (they are checked here). */
  create(ctx: Ctx, params: FormParams): R;
  /** `current` with the update request's parameters applied (dates are set by the caller). */
  update(current: R, params: FormParams): R;
  /** The service `{Sid}` names, or the product's not-found error. */
  require(ctx: Ctx, request: OperationRequest): R;
  all(ctx: Ctx): readonly R[];
  save(ctx: Ctx, service: R): void;
  /** Deletes the service with everything in it; may refuse (Sync keeps its default service). */
  delete(ctx: Ctx, service: R): void;
  render(ctx: Ctx, service: R): unknown;
}

export function serviceOperations<Ctx extends PageContext & { clock: Clock }, R extends { dateUpdated: number }>(
  rules: ServiceRules<Ctx, R>,
): Operation<Ctx>[] {
  const one = `${rules.path}/{Sid}`;
  return [
    {
      name: 'CreateService',
      method: 'POST',
      path: rules.path,
      run(ctx, { params }) {
        const service = rules.create(ctx, params);
        rules.save(ctx, service);
        return { status: 201, body: rules.render(ctx, service) };
      },
    },
    {
      name: 'FetchService',
      method: 'GET',
      path: one,
      run(ctx, request) {
        return { status: 200, body: rules.render(ctx, rules.require(ctx, request)) };
      },
    },
    {
      name: 'ListService',
      method: 'GET',
      path: rules.path,
      run(ctx, request) {
        return listPage(ctx, request, 'services', rules.all(ctx), (service) => rules.render(ctx, service));
      },
    },
    {
      name: 'UpdateService',
      method: 'POST',
      path: one,
      run(ctx, request) {
        const service = { ...rules.update(rules.require(ctx, request), request.params), dateUpdated: ctx.clock.now() };
        rules.save(ctx, service);
        return { status: 200, body: rules.render(ctx, service) };
      },
    },
    {
      name: 'DeleteService',
      method: 'DELETE',
      path: one,
      run(ctx, request) {
        rules.delete(ctx, rules.require(ctx, request));
        return { status: 204 };
      },
    },
  ];
}
