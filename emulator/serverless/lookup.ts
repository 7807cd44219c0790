// The path lookups every Serverless operation starts with: an unknown service, environment, Function, Asset or other
// resource in the path is an unknown path to Twilio (20404 quoting it).
import { pathParam } from '../core/operations';
import { resourceNotFound } from '../core/errors';
import type { BuildRecord, EnvironmentRecord, ResourceKind, ResourceRecord, ServiceRecord } from './records';
import type { ServerlessContext, ServerlessRequest } from './types';

/** Serverless lists page up to 100 per page, like Twilio's other v1 APIs. */
export const SERVERLESS_PAGE_LIMITS = { maxPageSize: 100 };

export function requireService(ctx: ServerlessContext, request: ServerlessRequest, param = 'ServiceSid'): ServiceRecord {
  const ref = pathParam(request, param);
  // Twilio lets the unique name stand in for the SID.
  const service = ctx.store.findService(ref) ?? ctx.store.findServiceByUniqueName(ref);
  if (service === undefined) throw resourceNotFound(request.pathname);
  return service;
}

export function requireEnvironment(ctx: ServerlessContext, request: ServerlessRequest, param = 'EnvironmentSid'): EnvironmentRecord {
  const service = requireService(ctx, request);
  const environment = ctx.store.findEnvironment(service.sid, pathParam(request, param));
  if (environment === undefined) throw resourceNotFound(request.pathname);
  return environment;
}

export function requireResource(ctx: ServerlessContext, request: ServerlessRequest, kind: ResourceKind, param: string): ResourceRecord {
  const service = requireService(ctx, request);
  const resource = ctx.store.findResource(service.sid, kind, pathParam(request, param));
  if (resource === undefined) throw resourceNotFound(request.pathname);
  return resource;
}

export function requireBuild(ctx: ServerlessContext, request: ServerlessRequest): BuildRecord {
  const service = requireService(ctx, request);
  const build = ctx.store.findBuild(service.sid, pathParam(request, 'Sid'));
  if (build === undefined) throw resourceNotFound(request.pathname);
  return build;
}
