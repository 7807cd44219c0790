// Serverless Deployments: CreateDeployment (the environment now serves the build; with a host, it is served from
// what was uploaded before the answer), FetchDeployment, ListDeployment; and the host's printed lines become Logs.
import type { Clock } from '../core/clock';
import { newSid } from '../core/crypto';
import { missingParameter, resourceNotFound } from '../core/errors';
import { pathParam } from '../core/operations';
import { listPage } from '../core/paging';
import type { BuildQueue } from './build-queue';
import { refusal } from './errors';
import type { DeployedEnvironment, EnvironmentHost, PrintedLine } from './host';
import { requireEnvironment } from './lookup';
import type { BuildRecord, DeploymentRecord, EnvironmentRecord } from './records';
import { renderDeployment } from './resources';
import type { ServerlessStore } from './store';
import type { ServerlessOperation } from './types';

/** What a deployment's environment is made of, taken when the deployment is made. */
function deployedEnvironment(store: ServerlessStore, builds: BuildQueue, environment: EnvironmentRecord, deployment: DeploymentRecord, build: BuildRecord): DeployedEnvironment {
  const variables: Record<string, string> = {};
  for (const variable of store.listVariables(environment.sid)) variables[variable.key] = variable.value;
  return {
    serviceSid: environment.serviceSid,
    environmentSid: environment.sid,
    deploymentSid: deployment.sid,
    domainName: environment.domainName,
    includeCredentials: store.findService(environment.serviceSid)?.includeCredentials ?? true,
    variables,
    build: builds.filesOf(build),
  };
}

/** A Log resource for each line the deployment's Functions print. */
function printer(store: ServerlessStore, clock: Clock, deployment: DeploymentRecord, build: BuildRecord): (line: PrintedLine) => void {
  const functionSidAt = new Map<string, string>();
  for (const sid of build.functionVersionSids) {
    const version = store.findVersion(sid);
    if (version !== undefined) functionSidAt.set(version.path, version.resourceSid);
  }
  return (line) => {
    // A line printed after the environment (or the whole state) went is nobody's any more.
    if (store.findEnvironment(deployment.serviceSid, deployment.environmentSid) === undefined) return;
    store.saveLog({
      sid: newSid('NO'),
      serviceSid: deployment.serviceSid,
      environmentSid: deployment.environmentSid,
      buildSid: deployment.buildSid,
      deploymentSid: deployment.sid,
      functionSid: line.functionPath === null ? null : (functionSidAt.get(line.functionPath) ?? null),
      requestSid: null,
      level: line.level,
      message: line.message,
      dateCreated: clock.now(),
    });
  };
}

function serve(host: EnvironmentHost, store: ServerlessStore, builds: BuildQueue, clock: Clock, environment: EnvironmentRecord, deployment: DeploymentRecord, build: BuildRecord): Promise<void> {
  return host.deploy(deployedEnvironment(store, builds, environment, deployment, build), printer(store, clock, deployment, build));
}

/** After a restart: every environment's latest deployment is served again, at the domain name it had. */
export function resumeDeployments(store: ServerlessStore, builds: BuildQueue, clock: Clock, host: EnvironmentHost, log: (line: string) => void): void {
  for (const environment of store.allEnvironments()) {
    const deployment = store.listDeployments(environment.sid).at(-1);
    const build = deployment === undefined ? undefined : store.findBuild(environment.serviceSid, deployment.buildSid);
    if (deployment === undefined || build === undefined) continue;
    serve(host, store, builds, clock, environment, deployment, build).catch((error: unknown) => {
      log(`serverless: environment ${environment.sid} could not be served again: ${error instanceof Error ? error.message : String(error)}`);
    });
  }
}

export const deploymentOperations: ServerlessOperation[] = [
  {
    name: 'CreateDeployment',
    method: 'POST',
    path: '/v1/Services/{ServiceSid}/Environments/{EnvironmentSid}/Deployments',
    async run(ctx, request) {
      const environment = requireEnvironment(ctx, request);
      const buildSid = request.params.string('BuildSid');
      // Optional in the OpenAPI description, with no word on what a deployment without a build would be: refused.
      if (buildSid === undefined) throw missingParameter('BuildSid');
      const build = ctx.store.findBuild(environment.serviceSid, buildSid);
      if (build === undefined) throw refusal(`Build ${buildSid} was not found in this Service`);
      const status = ctx.builds.statusOf(build);
      if (status !== 'completed') throw refusal(`Build ${buildSid} is ${status}; only a completed Build can be deployed`);
      const now = ctx.clock.now();
      const deployment: DeploymentRecord = { sid: newSid('ZD'), serviceSid: environment.serviceSid, environmentSid: environment.sid, buildSid, dateCreated: now, dateUpdated: now };
      ctx.store.saveDeployment(deployment, { ...environment, buildSid, dateUpdated: now });
      if (ctx.host !== undefined) await serve(ctx.host, ctx.store, ctx.builds, ctx.clock, environment, deployment, build);
      return { status: 201, body: renderDeployment(ctx.render, deployment) };
    },
  },
  {
    name: 'FetchDeployment',
    method: 'GET',
    path: '/v1/Services/{ServiceSid}/Environments/{EnvironmentSid}/Deployments/{Sid}',
    run(ctx, request) {
      const environment = requireEnvironment(ctx, request);
      const deployment = ctx.store.findDeployment(environment.sid, pathParam(request, 'Sid'));
      if (deployment === undefined) throw resourceNotFound(request.pathname);
      return { status: 200, body: renderDeployment(ctx.render, deployment) };
    },
  },
  {
    name: 'ListDeployment',
    method: 'GET',
    path: '/v1/Services/{ServiceSid}/Environments/{EnvironmentSid}/Deployments',
    run(ctx, request) {
      const environment = requireEnvironment(ctx, request);
      return listPage(ctx, request, 'deployments', ctx.store.listDeployments(environment.sid), (deployment) => renderDeployment(ctx.render, deployment));
    },
  },
];
