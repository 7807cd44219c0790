// Serverless Environments: CreateEnvironment, FetchEnvironment, ListEnvironment. An environment's domain name is
// Twilio's `<domain base>[-<suffix>].twil.io`, or, with a host that serves deployments, the address it serves it on.
import { newSid } from '../core/crypto';
import { resourceNotFound } from '../core/errors';
import { pathParam } from '../core/operations';
import { listPage } from '../core/paging';
import { refusal } from './errors';
import { requireService } from './lookup';
import { optionalText, requiredText } from './params';
import type { EnvironmentRecord, ServiceRecord } from './records';
import { renderEnvironment } from './resources';
import type { ServerlessContext, ServerlessOperation } from './types';

/** "A URL-friendly name that … forms part of the domain name", at most 16 characters. */
const DOMAIN_SUFFIX = /^[A-Za-z0-9-]+$/;

export function twilioDomainName(service: ServiceRecord, domainSuffix: string | null): string {
  return `${service.domainBase}${domainSuffix === null ? '' : `-${domainSuffix.toLowerCase()}`}.twil.io`;
}

/** Both must be unique within the service (two environments cannot share a domain name). */
function refuseTaken(ctx: ServerlessContext, serviceSid: string, uniqueName: string, domainSuffix: string | null): void {
  if (ctx.store.findEnvironmentByName(serviceSid, uniqueName)) throw refusal(`Environment with UniqueName ${uniqueName} already exists`);
  const suffix = domainSuffix?.toLowerCase() ?? null;
  if (ctx.store.listEnvironments(serviceSid).some((environment) => (environment.domainSuffix?.toLowerCase() ?? null) === suffix)) {
    throw refusal(suffix === null ? 'An Environment without DomainSuffix already exists' : `Environment with DomainSuffix ${suffix} already exists`);
  }
}

export const environmentOperations: ServerlessOperation[] = [
  {
    name: 'CreateEnvironment',
    method: 'POST',
    path: '/v1/Services/{ServiceSid}/Environments',
    async run(ctx, request) {
      const service = requireService(ctx, request);
      const uniqueName = requiredText(request.params, 'UniqueName', 100);
      const domainSuffix = optionalText(request.params, 'DomainSuffix', 16, { pattern: DOMAIN_SUFFIX }) ?? null;
      // twilio-run also sends FriendlyName, which the API does not define: like any unknown field, it is ignored.
      refuseTaken(ctx, service.sid, uniqueName, domainSuffix);
      const sid = newSid('ZE');
      const twilioName = twilioDomainName(service, domainSuffix);
      const domainName = ctx.host === undefined ? twilioName : await ctx.host.addressFor({ serviceSid: service.sid, environmentSid: sid, twilioDomainName: twilioName });
      // The host took a moment: another request may have created the same environment meanwhile.
      refuseTaken(ctx, service.sid, uniqueName, domainSuffix);
      const now = ctx.clock.now();
      const environment: EnvironmentRecord = { sid, serviceSid: service.sid, uniqueName, domainSuffix, domainName, buildSid: null, dateCreated: now, dateUpdated: now };
      ctx.store.saveEnvironment(environment);
      return { status: 201, body: renderEnvironment(ctx.render, environment) };
    },
  },
  {
    name: 'FetchEnvironment',
    method: 'GET',
    path: '/v1/Services/{ServiceSid}/Environments/{Sid}',
    run(ctx, request) {
      const service = requireService(ctx, request);
      const environment = ctx.store.findEnvironment(service.sid, pathParam(request, 'Sid'));
      if (environment === undefined) throw resourceNotFound(request.pathname);
      return { status: 200, body: renderEnvironment(ctx.render, environment) };
    },
  },
  {
    name: 'ListEnvironment',
    method: 'GET',
    path: '/v1/Services/{ServiceSid}/Environments',
    run(ctx, request) {
      const service = requireService(ctx, request);
      return listPage(ctx, request, 'environments', ctx.store.listEnvironments(service.sid), (environment) => renderEnvironment(ctx.render, environment));
    },
  },
];
