// JSON renderers: stored records → Serverless v1's snake_case resources, with URLs on the API host's address.
import { isoSeconds } from '../core/clock';
import type { RenderContext } from '../core/operations';
import type {
  BuildRecord,
  DeploymentRecord,
  EnvironmentRecord,
  LogRecord,
  ResourceRecord,
  ServiceRecord,
  VariableRecord,
  VersionRecord,
} from './records';

export function serviceUrl(ctx: RenderContext, serviceSid: string): string {
  return `${ctx.baseUrl}/v1/Services/${serviceSid}`;
}

function environmentUrl(ctx: RenderContext, serviceSid: string, environmentSid: string): string {
  return `${serviceUrl(ctx, serviceSid)}/Environments/${environmentSid}`;
}

/** /Functions or /Assets */
function collectionOf(kind: ResourceRecord['kind']): string {
  return kind === 'function' ? 'Functions' : 'Assets';
}

export function renderService(ctx: RenderContext, service: ServiceRecord): Record<string, unknown> {
  const url = serviceUrl(ctx, service.sid);
  return {
    sid: service.sid,
    account_sid: ctx.accountSid,
    friendly_name: service.friendlyName,
    unique_name: service.uniqueName,
    include_credentials: service.includeCredentials,
    ui_editable: service.uiEditable,
    domain_base: service.domainBase,
    date_created: isoSeconds(service.dateCreated),
    date_updated: isoSeconds(service.dateUpdated),
    url,
    links: { functions: `${url}/Functions`, assets: `${url}/Assets`, environments: `${url}/Environments`, builds: `${url}/Builds` },
  };
}

export function renderEnvironment(ctx: RenderContext, environment: EnvironmentRecord): Record<string, unknown> {
  const url = environmentUrl(ctx, environment.serviceSid, environment.sid);
  return {
    sid: environment.sid,
    account_sid: ctx.accountSid,
    service_sid: environment.serviceSid,
    build_sid: environment.buildSid,
    unique_name: environment.uniqueName,
    domain_suffix: environment.domainSuffix,
    domain_name: environment.domainName,
    date_created: isoSeconds(environment.dateCreated),
    date_updated: isoSeconds(environment.dateUpdated),
    url,
    links: { variables: `${url}/Variables`, deployments: `${url}/Deployments`, logs: `${url}/Logs` },
  };
}

export function renderVariable(ctx: RenderContext, variable: VariableRecord): Record<string, unknown> {
  return {
    sid: variable.sid,
    account_sid: ctx.accountSid,
    service_sid: variable.serviceSid,
    environment_sid: variable.environmentSid,
    key: variable.key,
    value: variable.value,
    date_created: isoSeconds(variable.dateCreated),
    date_updated: isoSeconds(variable.dateUpdated),
    url: `${environmentUrl(ctx, variable.serviceSid, variable.environmentSid)}/Variables/${variable.sid}`,
  };
}

/** A Function or an Asset. */
export function renderResource(ctx: RenderContext, resource: ResourceRecord): Record<string, unknown> {
  const url = `${serviceUrl(ctx, resource.serviceSid)}/${collectionOf(resource.kind)}/${resource.sid}`;
  return {
    sid: resource.sid,
    account_sid: ctx.accountSid,
    service_sid: resource.serviceSid,
    friendly_name: resource.friendlyName,
    date_created: isoSeconds(resource.dateCreated),
    date_updated: isoSeconds(resource.dateUpdated),
    url,
    links: { [resource.kind === 'function' ? 'function_versions' : 'asset_versions']: `${url}/Versions` },
  };
}

function versionUrl(ctx: RenderContext, version: VersionRecord): string {
  return `${serviceUrl(ctx, version.serviceSid)}/${collectionOf(version.kind)}/${version.resourceSid}/Versions/${version.sid}`;
}

/** A Function Version (with the link to its Content) or an Asset Version (the spec gives it no links). */
export function renderVersion(ctx: RenderContext, version: VersionRecord): Record<string, unknown> {
  const url = versionUrl(ctx, version);
  const owner = version.kind === 'function' ? { function_sid: version.resourceSid } : { asset_sid: version.resourceSid };
  return {
    sid: version.sid,
    account_sid: ctx.accountSid,
    service_sid: version.serviceSid,
    ...owner,
    path: version.path,
    visibility: version.visibility,
    date_created: isoSeconds(version.dateCreated),
    url,
    ...(version.kind === 'function' ? { links: { function_version_content: `${url}/Content` } } : {}),
  };
}

/** FunctionVersionContent: the uploaded code as text. */
export function renderVersionContent(ctx: RenderContext, version: VersionRecord): Record<string, unknown> {
  return {
    sid: version.sid,
    account_sid: ctx.accountSid,
    service_sid: version.serviceSid,
    function_sid: version.resourceSid,
    content: Buffer.from(version.content, 'base64').toString('utf8'),
    url: `${versionUrl(ctx, version)}/Content`,
  };
}

/** A version as a Build lists it: Twilio's example shows the visibility in capitals there. */
function renderBuildVersion(ctx: RenderContext, version: VersionRecord): Record<string, unknown> {
  const owner = version.kind === 'function' ? { function_sid: version.resourceSid } : { asset_sid: version.resourceSid };
  return {
    sid: version.sid,
    account_sid: ctx.accountSid,
    service_sid: version.serviceSid,
    ...owner,
    date_created: isoSeconds(version.dateCreated),
    path: version.path,
    visibility: version.visibility.toUpperCase(),
  };
}

/** `status` is passed in: it reads `building` for serverlessBuildSeconds whatever is stored. */
export function renderBuild(
  ctx: RenderContext,
  build: BuildRecord,
  status: string,
  versions: (sids: readonly string[]) => VersionRecord[],
): Record<string, unknown> {
  const url = `${serviceUrl(ctx, build.serviceSid)}/Builds/${build.sid}`;
  return {
    sid: build.sid,
    account_sid: ctx.accountSid,
    service_sid: build.serviceSid,
    status,
    asset_versions: versions(build.assetVersionSids).map((version) => renderBuildVersion(ctx, version)),
    function_versions: versions(build.functionVersionSids).map((version) => renderBuildVersion(ctx, version)),
    dependencies: build.dependencies.map(({ name, version }) => ({ name, version })),
    runtime: build.runtime,
    date_created: isoSeconds(build.dateCreated),
    date_updated: isoSeconds(build.dateUpdated),
    url,
    links: { build_status: `${url}/Status` },
  };
}

export function renderBuildStatus(ctx: RenderContext, build: BuildRecord, status: string): Record<string, unknown> {
  const url = `${serviceUrl(ctx, build.serviceSid)}/Builds/${build.sid}/Status`;
  return { sid: build.sid, account_sid: ctx.accountSid, service_sid: build.serviceSid, status, url };
}

export function renderDeployment(ctx: RenderContext, deployment: DeploymentRecord): Record<string, unknown> {
  return {
    sid: deployment.sid,
    account_sid: ctx.accountSid,
    service_sid: deployment.serviceSid,
    environment_sid: deployment.environmentSid,
    build_sid: deployment.buildSid,
    date_created: isoSeconds(deployment.dateCreated),
    date_updated: isoSeconds(deployment.dateUpdated),
    url: `${environmentUrl(ctx, deployment.serviceSid, deployment.environmentSid)}/Deployments/${deployment.sid}`,
  };
}

export function renderLog(ctx: RenderContext, log: LogRecord): Record<string, unknown> {
  return {
    sid: log.sid,
    account_sid: ctx.accountSid,
    service_sid: log.serviceSid,
    environment_sid: log.environmentSid,
    build_sid: log.buildSid,
    deployment_sid: log.deploymentSid,
    function_sid: log.functionSid,
    request_sid: log.requestSid,
    level: log.level,
    message: log.message,
    date_created: isoSeconds(log.dateCreated),
    url: `${environmentUrl(ctx, log.serviceSid, log.environmentSid)}/Logs/${log.sid}`,
  };
}
