// The local stack (`npm start`'s servers): the emulator (Verify, Sync, and Serverless with its rehearsed environments
// served), the built Functions and page, and the front door with the dev-only routes. Settings come from the caller's options, then the given environment, then .env.local.
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { ControllableClock } from '../emulator/core/clock';
import { DataDirLockedError, lockHolder } from '../emulator/core/data-lock';
import { EMULATOR_PORT, EMULATOR_URL } from '../emulator/core/variables';
import { createEmulator } from '../emulator/server';
import { createServedEnvironments } from './rehearsal/served-environments';
import type { EmulatorSwitches } from '../emulator/switches';
import { linkEmulatorClock, linkFunctionsToEmulator } from './emulator-link';
import { devHostsFor } from './dev-routes';
import { createFrontDoor } from './front-door';
import { checkKitConfig } from './kit-config-check';
import { policyFromEnvironment } from './kit-variables';
import { pageHeadersOf } from './page-headers';
import { closeServer, listen, probePort } from './listen';
import { allowedOriginsOf } from './local-cors';
import { readEnvValues, updateEnvValues, withGeneratedValues } from './local-env';
import { createRuntimeApp, listBuiltRoutes } from './local-runtime';
import { ensureLocalSyncService, ensureLocalVerifyService, publishLocalVoiceFlow } from './local-service';
import type { PublishedFlow } from './studio-flow';
import { DEFAULT_EMULATOR_PORT, DEFAULT_HOST, DEFAULT_PORT, exposureWarning, localUrlHost, printedUrl, resolveLocalSettings } from './local-settings';

const ROOT = join(__dirname, '..');
/** The emulator receives the account credentials, and the Functions accept it only on the loopback. */
const EMULATOR_HOST = '127.0.0.1';
const ENV_FILE_HEADER = 'Local stack (npm start): generated, git-ignored, never deployed. Your own lines and comments are kept.';
const EMULATOR_ROLE = 'the emulator';
const FUNCTIONS_ROLE = 'the Functions and the page';

export interface LocalStackOptions {
  /** Port of the Functions and page; 0 = a random free port. Default: PORT (environment, then env file), else 3000. */
  port?: number;
  /** Address to bind the Functions and page to. Default: HOST, else 127.0.0.1. */
  host?: string;
  /** Default: .env.local in the repository (tests pass a temp file). */
  envFile?: string;
  /** Emulator data directory. Default: .emulator-data in the repository. */
  dataDir?: string;
  /** Over the switches' variables (VERIFY_EMULATOR_<SWITCH>, EMULATOR_SYNC_<SWITCH>) of the environment and env file. */
  emulatorSwitches?: Partial<EmulatorSwitches>;
  /** Default: EMULATOR_PORT, else 0 when `port` is 0, else 4010. */
  emulatorPort?: number;
  /**
   * The shell's variables (`npm start` passes process.env): they win over the env file for the stack's settings and
   * the kit's policy variables. Default: none, so tests do not depend on the shell.
   */
  environment?: Readonly<Record<string, string | undefined>>;
  /** Variables that override everything for this run only (tests use it, e.g. VERIFY_TIMEOUT_MS). */
  envOverrides?: Record<string, string>;
  /**
   * `npm start`'s: approvals signed as a deployment signs them, ES256 with /approval-keys (a key generated into the
   * env file when it chooses neither signing variable), with the printed address (http://localhost:<port>) as their
   * issuer unless APPROVAL_ISSUER says otherwise. Default false: a fresh env file gets an HS256 secret, and the
   * issuer is the runtime's address (http://127.0.0.1:<port>), which the in-process tests check against.
   */
  signAsDeployment?: boolean;
  /** One line per request and per emulator request (default: discarded). */
  log?: (line: string) => void;
}

export interface LocalStack {
  /** Address of the Functions and the page, e.g. http://127.0.0.1:3000 */
  url: string;
  emulatorUrl: string;
  /** The kit's Studio flow, published in the emulator calling this stack's /studio/check-code. */
  voiceFlow: PublishedFlow;
  /** The environment the Functions see: .env.local, the environment's policy variables, then overrides. */
  env: Record<string, string>;
  /** Things the person starting the stack should know (e.g. a HOST reachable from other machines). */
  warnings: string[];
  /**
   * Freezes the time at `epochMs` for the emulator and the Functions alike (the kit's locks read the same clock as
   * Verify's codes). /__emulator/clock moves the emulator's clock alone.
   */
  setClock(epochMs: number): void;
  close(): Promise<void>;
}

/** Where the stack will listen and keep its state, from the options, the environment and the env file. */
interface StackPlan {
  envFile: string;
  stored: Record<string, string>;
  settings: ReturnType<typeof resolveLocalSettings>;
  port: number;
  emulatorPort: number;
  host: string;
  dataDir: string;
}

function planStack(options: LocalStackOptions): StackPlan {
  const environment = options.environment ?? {};
  const envFile = options.envFile ?? join(ROOT, '.env.local');
  const stored = withGeneratedValues(readEnvValues(envFile), options.signAsDeployment === true ? 'ES256' : 'HS256');
  const settings = resolveLocalSettings(environment, stored);
  const port = options.port ?? settings.port ?? DEFAULT_PORT;
  const emulatorPort = options.emulatorPort ?? settings.emulatorPort ?? (port === 0 ? 0 : DEFAULT_EMULATOR_PORT);
  const host = options.host ?? settings.host ?? DEFAULT_HOST;
  return { envFile, stored, settings, port, emulatorPort, host, dataDir: options.dataDir ?? join(ROOT, '.emulator-data') };
}

/**
 * Everything `npm start` can check before it builds or starts anything: the settings parse, no other emulator holds
 * the data directory, every port is free, and the kit's configuration parses as the Functions parse it. Throws SettingError, DataDirLockedError or ListenError, so a second
 * `npm start` stops before it touches the first one's dist/ or data. (The checks are repeated for real at start.)
 */
export async function checkLocalStack(options: LocalStackOptions = {}): Promise<void> {
  const plan = planStack(options);
  checkKitConfig({ ...plan.stored, ...policyFromEnvironment(options.environment ?? {}), ...options.envOverrides }, `localhost:${plan.port}`);
  const holder = lockHolder(plan.dataDir);
  if (holder !== undefined) throw new DataDirLockedError(plan.dataDir, holder);
  await probePort({ port: plan.emulatorPort, host: EMULATOR_HOST, role: EMULATOR_ROLE, portVariable: EMULATOR_PORT.name });
  await probePort({ port: plan.port, host: plan.host, role: FUNCTIONS_ROLE, portVariable: 'PORT' });
}

/** Starts the emulator, the Functions runtime and the dev routes; updates the env file with what it generated. */
export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  const log = options.log ?? (() => undefined);
  // The Functions run in this process; they find the emulator client here, never in their own bundles.
  linkFunctionsToEmulator();
  const environment = options.environment ?? {};
  const { envFile, stored, settings, port, emulatorPort, host, dataDir } = planStack(options);
  const warnings = [exposureWarning(host), ...settings.deprecations].filter((warning) => warning !== undefined);
  // Everything slow or fallible happens before the front door listens, so no request ever waits on it.
  const routes = await listBuiltRoutes();

  // One clock for the emulator and the Functions: tests freeze it once for both (setClock).
  const clock = new ControllableClock();
  // A deploy rehearsal (npm run rehearse) against this emulator is served too: its environments on their own ports.
  let listening: (url: string) => void = () => undefined;
  const served = createServedEnvironments({
    projectDir: ROOT,
    accountSid: stored.ACCOUNT_SID ?? '',
    authToken: stored.AUTH_TOKEN ?? '',
    emulatorUrl: new Promise((resolve) => (listening = resolve)),
    log: (line) => log(line),
  });
  let emulator: Server;
  try {
    emulator = createEmulator({
      accountSid: stored.ACCOUNT_SID ?? '',
      authToken: stored.AUTH_TOKEN ?? '',
      clock,
      dataDir,
      switches: { ...settings.switches, ...options.emulatorSwitches },
      log: (line) => log(`emulator ${line}`),
      serverlessHost: served,
    });
  } catch (error) {
    await served.close();
    throw error;
  }
  const front: Server = createServer();
  let unlinkClock = (): void => undefined;
  const close = async (): Promise<void> => {
    unlinkClock();
    await Promise.all([closeServer(front), closeServer(emulator)]);
    await served.close();
  };
  try {
    const boundEmulatorPort = await listen(emulator, { port: emulatorPort, host: EMULATOR_HOST, role: EMULATOR_ROLE, portVariable: EMULATOR_PORT.name });
    const emulatorUrl = `http://${EMULATOR_HOST}:${boundEmulatorPort}`;
    listening(emulatorUrl);
    unlinkClock = linkEmulatorClock(emulatorUrl, () => clock.now());
    // The stack owns this variable: written under its current name, its former name dropped from the file.
    delete stored[EMULATOR_URL.former];
    stored[EMULATOR_URL.name] = emulatorUrl;
    stored.VERIFY_SERVICE_SID = await ensureLocalVerifyService(stored, emulatorUrl);
    stored.SYNC_SERVICE_SID = await ensureLocalSyncService(stored, emulatorUrl);
    updateEnvValues(envFile, stored, ENV_FILE_HEADER, [EMULATOR_URL.former]);
    const env = { ...stored, ...policyFromEnvironment(environment), ...options.envOverrides };
    const allowedOrigins = allowedOriginsOf(env);

    const boundPort = await listen(front, { port, host, role: FUNCTIONS_ROLE, portVariable: 'PORT' });
    // No await from here to the handler: Node runs this before it reads any request from the new socket.
    const url = `http://${localUrlHost(host)}:${boundPort}`;
    if (options.signAsDeployment === true && !env.APPROVAL_ISSUER) env.APPROVAL_ISSUER = printedUrl(url);
    const runtime = createRuntimeApp({ routes, env, port: boundPort, url, allowedOrigins });
    const routesWith = (access: string): Set<string> => new Set(routes.functions.filter((fn) => fn.access === access).map((fn) => fn.path));
    front.on(
      'request',
      createFrontDoor({
        runtime,
        env,
        allowedHosts: devHostsFor(boundPort, host),
        allowedOrigins,
        privateRoutes: routesWith('private'),
        protectedRoutes: routesWith('protected'),
        authToken: env.AUTH_TOKEN ?? '',
        pageHeaders: pageHeadersOf(routes.assets),
        log,
      }),
    );
    // Published on every start: the Function's URL is this start's (its port may differ from the last one's).
    const voiceFlow = await publishLocalVoiceFlow(stored, emulatorUrl, url);
    return { url, emulatorUrl, env, warnings, voiceFlow, setClock: (epochMs) => clock.freezeAt(epochMs), close };
  } catch (error) {
    await close();
    throw error;
  }
}
