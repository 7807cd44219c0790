// The Serverless v1 product (serverless.twilio.com and its upload host, /v1/): the API twilio-run deploys through,
// its state, errors and switches, as one module. With an EnvironmentHost, deployed environments are also served.
import { isoSeconds } from '../core/clock';
import type { Product } from '../core/product';
import { buildOperations } from './builds';
import { BuildQueue } from './build-queue';
import { deploymentOperations, resumeDeployments } from './deployments';
import { environmentOperations } from './environments';
import { SERVERLESS_ERRORS, invalidServerlessParameter } from './errors';
import { assetOperations, functionOperations } from './functions';
import type { EnvironmentHost } from './host';
import { logOperations } from './logs';
import { SERVERLESS_PAGE_LIMITS } from './lookup';
import type { ServerlessChange } from './records';
import { serviceOperations } from './services';
import { ServerlessStore } from './store';
import { SERVERLESS_SWITCHES, type ServerlessSwitches } from './switches';
import type { ServerlessContext, ServerlessOperation } from './types';
import { assetVersionOperations, functionVersionOperations, MAX_ASSET_BYTES, UPLOAD_HOST } from './versions';
import { variableOperations } from './variables';

export const API_HOST = 'serverless.twilio.com';

/** Every emulated Serverless v1 operation, keyed by method and OpenAPI path. */
export const SERVERLESS_OPERATIONS: readonly ServerlessOperation[] = [
  ...serviceOperations,
  ...environmentOperations,
  ...variableOperations,
  ...functionOperations,
  ...assetOperations,
  ...functionVersionOperations,
  ...assetVersionOperations,
  ...buildOperations,
  ...deploymentOperations,
  ...logOperations,
];

export interface ServerlessOptions {
  /** What serves deployed environments (the deploy rehearsal's served builds); none: they are served nowhere. */
  host?: EnvironmentHost;
}

export function createServerlessProduct(options: ServerlessOptions = {}): Product<ServerlessSwitches, ServerlessContext, ServerlessChange> {
  const { host } = options;
  return {
    name: 'serverless',
    origin: `https://${API_HOST}`,
    prefix: '/v1/',
    // Sync's paths start /v1/Services too: Serverless answers only what is sent to its own two hosts.
    hosts: [API_HOST, UPLOAD_HOST],
    // An upload is multipart: the largest asset Twilio takes, and room for the other parts.
    maxBodyBytes: MAX_ASSET_BYTES + 64 * 1024,
    errors: SERVERLESS_ERRORS,
    invalidParameter: invalidServerlessParameter,
    switches: SERVERLESS_SWITCHES,
    create({ clock, switches, commit, log }) {
      const store = new ServerlessStore(commit);
      const builds = new BuildQueue({ store, clock, host, buildSeconds: switches.serverlessBuildSeconds, log });
      return {
        state: store,
        operations: SERVERLESS_OPERATIONS,
        // Answers from the upload host name the API host in their URLs, as Twilio's do.
        context: (render) => ({
          store,
          clock,
          switches,
          render: { ...render, baseUrl: render.baseUrl.replace(`//${UPLOAD_HOST}`, `//${API_HOST}`) },
          pageLimits: SERVERLESS_PAGE_LIMITS,
          builds,
          host,
        }),
        // After a restart, builds cut short are made again and deployed environments served again.
        seed() {
          for (const build of store.allBuilds()) if (build.status === 'building') builds.start(build);
          if (host !== undefined) resumeDeployments(store, builds, clock, host, log);
        },
        reset() {
          builds.reset();
          host?.reset();
        },
        // GET /__emulator/serverless/builds: every build, newest first, with why a failed one failed (Twilio's API has
        // no field for it, and twilio-run prints `undefined`) and how many bytes it holds (what the deploy uploaded).
        control(method, path) {
          if (method !== 'GET' || path.replace(/\/$/, '') !== 'builds') return undefined;
          const bytes = (sids: readonly string[]): number => sids.reduce((sum, sid) => sum + Buffer.byteLength(store.findVersion(sid)?.content ?? '', 'base64'), 0);
          const all = store.allBuilds().reverse().map((build) => ({
            sid: build.sid,
            service_sid: build.serviceSid,
            status: builds.statusOf(build),
            failure_reason: build.failureReason,
            function_bytes: bytes(build.functionVersionSids),
            asset_bytes: bytes(build.assetVersionSids),
            date_created: isoSeconds(build.dateCreated),
          }));
          return { status: 200, body: { builds: all } };
        },
      };
    },
  };
}

/** The product without a host, as `emulator/products.ts` lists it. */
export const serverless = createServerlessProduct();
