// Serverless Services: CreateService, FetchService, ListService, UpdateService, DeleteService (the core's five, with
// Serverless's rules: UniqueName and FriendlyName required, IncludeCredentials on by default, at most 50 services).
import { randomInt } from 'node:crypto';
import { newSid } from '../core/crypto';
import { resourceNotFound } from '../core/errors';
import { pathParam } from '../core/operations';
import { serviceOperations as coreServiceOperations } from '../core/services';
import { refusal } from './errors';
import { optionalBoolean, optionalText, requiredText } from './params';
import type { ServiceRecord } from './records';
import { renderService } from './resources';
import type { ServerlessContext, ServerlessOperation } from './types';

/** Letters, digits, `-` and `_`: the name starts every domain name of the service. */
const UNIQUE_NAME = /^[A-Za-z0-9_-]+$/;

/** A service by SID or by unique name: Twilio lets either stand in the path. */
function findService(ctx: ServerlessContext, ref: string) {
  return ctx.store.findService(ref) ?? ctx.store.findServiceByUniqueName(ref);
}

export const serviceOperations: ServerlessOperation[] = coreServiceOperations<ServerlessContext, ServiceRecord>({
  path: '/v1/Services',
  create(ctx, params) {
    const uniqueName = requiredText(params, 'UniqueName', 50, { pattern: UNIQUE_NAME });
    const friendlyName = requiredText(params, 'FriendlyName', 255);
    const limit = ctx.switches.serverlessMaxServices;
    // The wording Twilio answered with (dev-phone issues 178, 194, 220).
    if (ctx.store.listServices().length >= limit) throw refusal(`Services are limited to less than or equal to ${limit}`);
    if (ctx.store.findServiceByUniqueName(uniqueName)) throw refusal(`Service with UniqueName ${uniqueName} already exists`);
    const now = ctx.clock.now();
    return {
      sid: newSid('ZS'),
      uniqueName,
      friendlyName,
      includeCredentials: optionalBoolean(params, 'IncludeCredentials') ?? true,
      uiEditable: optionalBoolean(params, 'UiEditable') ?? false,
      // Twilio's domain base: the unique name and four digits (thanos-3432 in its API page).
      domainBase: `${uniqueName.toLowerCase().replace(/_/g, '-')}-${String(randomInt(1000, 10_000))}`,
      dateCreated: now,
      dateUpdated: now,
    };
  },
  update(current, params) {
    return {
      ...current,
      friendlyName: optionalText(params, 'FriendlyName', 255) ?? current.friendlyName,
      includeCredentials: optionalBoolean(params, 'IncludeCredentials') ?? current.includeCredentials,
      uiEditable: optionalBoolean(params, 'UiEditable') ?? current.uiEditable,
    };
  },
  require(ctx, request) {
    const service = findService(ctx, pathParam(request, 'Sid'));
    if (service === undefined) throw resourceNotFound(request.pathname);
    return service;
  },
  all: (ctx) => ctx.store.listServices(),
  save: (ctx, service) => ctx.store.saveService(service),
  delete(ctx, service) {
    for (const environment of ctx.store.listEnvironments(service.sid)) ctx.host?.stop(environment.sid);
    ctx.store.deleteService(service.sid);
  },
  render: (ctx, service) => renderService(ctx.render, service),
});
