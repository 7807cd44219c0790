// Serverless Builds: CreateBuild (refusing what Twilio refuses, with its observed 400/20001 messages), FetchBuild,
// ListBuild, FetchBuildStatus. A build starts `building` and is made by the build queue after the answer.
import { newSid } from '../core/crypto';
import type { FormParams } from '../core/form';
import { listPage } from '../core/paging';
import { invalidServerlessParameter, refusal, serverlessError } from './errors';
import { requireBuild, requireService } from './lookup';
import type { BuildRecord, Dependency, ResourceKind, ServiceRecord, VersionRecord } from './records';
import { renderBuild, renderBuildStatus } from './resources';
import { DEFAULT_RUNTIME, HANDLER_PACKAGE, isAcceptedHandlerVersion, isAcceptedRuntime } from './runtimes';
import type { ServerlessContext, ServerlessOperation } from './types';

/** Twilio's words for a Build without versions (twilio-cli issue 215, serverless-toolkit issue 465). */
export const NO_VERSIONS = 'At least one Function Version or Asset Version is required for Build';
/** Where Twilio's refusal of a handler version points. */
const HANDLER_PAGE = 'https://www.twilio.com/docs/serverless/functions-assets/handler';
/** "Beta limitations": a build holds at most 50 Function Versions, 50 private and 1000 public or protected Asset Versions. */
export const BUILD_LIMITS = { functions: 50, privateAssets: 50, otherAssets: 1000 } as const;

function versionsOf(ctx: ServerlessContext, service: ServiceRecord, kind: ResourceKind, sids: readonly string[]): VersionRecord[] {
  return sids.map((sid) => {
    const version = ctx.store.findVersion(sid);
    if (version === undefined || version.serviceSid !== service.sid || version.kind !== kind) {
      throw refusal(`${kind === 'function' ? 'Function' : 'Asset'} Version ${sid} was not found in this Service`);
    }
    return version;
  });
}

function refuseOverLimits(functions: readonly VersionRecord[], assets: readonly VersionRecord[]): void {
  const privateAssets = assets.filter((asset) => asset.visibility === 'private').length;
  const otherAssets = assets.length - privateAssets;
  // Twilio documents these limits but no message: the wording is the emulator's (serverlessEnforceBuildLimits).
  if (functions.length > BUILD_LIMITS.functions) throw refusal(`A Build can hold at most ${BUILD_LIMITS.functions} Function Versions; this one names ${functions.length}`);
  if (privateAssets > BUILD_LIMITS.privateAssets) throw refusal(`A Build can hold at most ${BUILD_LIMITS.privateAssets} private Asset Versions; this one names ${privateAssets}`);
  if (otherAssets > BUILD_LIMITS.otherAssets) throw refusal(`A Build can hold at most ${BUILD_LIMITS.otherAssets} public or protected Asset Versions; this one names ${otherAssets}`);
}

/**
 * `Dependencies`: a JSON list of {name, version}. @twilio-labs/serverless-api wraps the JSON in one more pair of double
 * quotes (its builds.js), which Twilio accepts; so does this, as well as the plain list and a JSON string holding it.
 */
export function parseDependencies(raw: string | undefined): Dependency[] {
  if (raw === undefined || raw.trim() === '') return [];
  const text = raw.trim();
  const attempts = [text, ...(text.length >= 2 && text.startsWith('"') && text.endsWith('"') ? [text.slice(1, -1)] : [])];
  for (const attempt of attempts) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(attempt);
      if (typeof parsed === 'string') parsed = JSON.parse(parsed);
    } catch {
      continue;
    }
    if (!Array.isArray(parsed)) break;
    const valid = parsed.every(
      (item: unknown) =>
        typeof item === 'object' && item !== null && typeof (item as Dependency).name === 'string' && (item as Dependency).name !== '' && typeof (item as Dependency).version === 'string',
    );
    if (!valid) break;
    return (parsed as Dependency[]).map(({ name, version }) => ({ name, version }));
  }
  throw invalidServerlessParameter('Dependencies');
}

/** The given Runtime, else the runtime of the service's last completed build, else Twilio's default. */
function runtimeOf(ctx: ServerlessContext, service: ServiceRecord, params: FormParams): string {
  const given = params.string('Runtime');
  const last = ctx.store.listBuilds(service.sid).filter((build) => ctx.builds.statusOf(build) === 'completed').at(-1);
  const runtime = given ?? last?.runtime ?? DEFAULT_RUNTIME;
  if (isAcceptedRuntime(runtime)) return runtime;
  // 82007 is the documented code; 20001 with this text is what Twilio was seen to answer (twilio-cli issue 252).
  throw ctx.switches.serverlessDocumentedRuntimeError ? serverlessError(82007) : refusal(`unsupported runtime: ${runtime}`);
}

/** A handler the build service would not find: Twilio's own message (serverless-toolkit issues 538 and 564). */
function refuseHandler(dependencies: readonly Dependency[]): void {
  const handler = dependencies.find((dependency) => dependency.name === HANDLER_PACKAGE);
  if (handler === undefined || isAcceptedHandlerVersion(handler.version)) return;
  throw refusal(`Some dependencies could not be validated. No matching version found for ${HANDLER_PACKAGE}@${handler.version}. You can find the valid versions at ${HANDLER_PAGE}`);
}

function render(ctx: ServerlessContext, build: BuildRecord): Record<string, unknown> {
  return renderBuild(ctx.render, build, ctx.builds.statusOf(build), (sids) => sids.flatMap((sid) => ctx.store.findVersion(sid) ?? []));
}

export const buildOperations: ServerlessOperation[] = [
  {
    name: 'CreateBuild',
    method: 'POST',
    path: '/v1/Services/{ServiceSid}/Builds',
    run(ctx, request) {
      const service = requireService(ctx, request);
      const { params } = request;
      const functionVersionSids = params.strings('FunctionVersions');
      const assetVersionSids = params.strings('AssetVersions');
      if (functionVersionSids.length === 0 && assetVersionSids.length === 0) throw refusal(NO_VERSIONS);
      const functions = versionsOf(ctx, service, 'function', functionVersionSids);
      const assets = versionsOf(ctx, service, 'asset', assetVersionSids);
      if (ctx.switches.serverlessEnforceBuildLimits) refuseOverLimits(functions, assets);
      const dependencies = parseDependencies(params.string('Dependencies'));
      const runtime = runtimeOf(ctx, service, params);
      refuseHandler(dependencies);
      const now = ctx.clock.now();
      const build: BuildRecord = {
        sid: newSid('ZB'),
        serviceSid: service.sid,
        functionVersionSids,
        assetVersionSids,
        dependencies,
        runtime,
        status: 'building',
        failureReason: null,
        dateCreated: now,
        dateUpdated: now,
      };
      ctx.store.saveBuild(build);
      ctx.builds.start(build);
      return { status: 201, body: render(ctx, build) };
    },
  },
  {
    name: 'FetchBuild',
    method: 'GET',
    path: '/v1/Services/{ServiceSid}/Builds/{Sid}',
    run(ctx, request) {
      return { status: 200, body: render(ctx, requireBuild(ctx, request)) };
    },
  },
  {
    name: 'ListBuild',
    method: 'GET',
    path: '/v1/Services/{ServiceSid}/Builds',
    run(ctx, request) {
      const service = requireService(ctx, request);
      return listPage(ctx, request, 'builds', ctx.store.listBuilds(service.sid), (build) => render(ctx, build));
    },
  },
  {
    name: 'FetchBuildStatus',
    method: 'GET',
    path: '/v1/Services/{ServiceSid}/Builds/{Sid}/Status',
    run(ctx, request) {
      const build = requireBuild(ctx, request);
      return { status: 200, body: renderBuildStatus(ctx.render, build, ctx.builds.statusOf(build)) };
    },
  },
];
