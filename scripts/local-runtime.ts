// The built Functions and page in @twilio/runtime-handler's development server, in-process (no fork per request).
import { join } from 'node:path';
import type { RequestListener } from 'node:http';
import { LocalDevelopmentServer } from '@twilio/runtime-handler/dev';
import { fsHelpers } from '@twilio-labs/serverless-api';
import { bodyParserErrors } from './body-parser-errors';

const ROOT = join(__dirname, '..');

export type RuntimeRoutes = Awaited<ReturnType<typeof fsHelpers.getListOfFunctionsAndAssets>>;

/** What `npm run build` put in dist/; refuses to go on without Functions. */
export async function listBuiltRoutes(): Promise<RuntimeRoutes> {
  const routes = await fsHelpers.getListOfFunctionsAndAssets(ROOT, {
    functionsFolderNames: ['dist/functions'],
    assetsFolderNames: ['dist/assets'],
  });
  if (routes.functions.length === 0) throw new Error('no built Functions in dist/functions: run `npm run build` first');
  return routes;
}

export interface RuntimeOptions {
  routes: RuntimeRoutes;
  /** The variables the Functions see in `context`. */
  env: Record<string, string>;
  port: number;
  /** The stack's own address: the runtime derives context.DOMAIN_NAME from it. */
  url: string;
  allowedOrigins: ReadonlySet<string>;
}

/** Synchronous, so the caller can attach it right after listening with no request in between. */
export function createRuntimeApp(options: RuntimeOptions): RequestListener {
  const runtime = new LocalDevelopmentServer(options.port, {
    baseDir: ROOT,
    env: options.env,
    port: options.port,
    url: options.url,
    detailedLogs: false,
    // live: false keeps loaded bundles (live clears the whole require cache on every request).
    live: false,
    logs: false,
    legacyMode: false,
    appName: 'totp-functions',
    // In-process: a fork per request costs ~150–200 ms; production runs warm containers.
    forkProcess: false,
    routes: options.routes,
    enableDebugLogs: false,
  });
  const app = runtime.getApp();
  app.use(bodyParserErrors(options.allowedOrigins));
  return app;
}
