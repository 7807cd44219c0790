// The deploy rehearsal's EnvironmentHost: each Serverless environment of the emulator answers on its own loopback port
// (its domain name, localhost:<port>), from what its latest deployment uploaded, behind Twilio's gateway rules. Each
// deployment runs in a child process (served-runtime.ts) whose twilio client reaches the emulator's Verify and Sync
// through a loopback proxy, as a deployed Function reaches Twilio.
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BuildFiles, DeployedEnvironment, EnvironmentAddress, EnvironmentHost, PrintedLine } from '../../emulator/serverless/host';
import { passProtected } from '../local-gateway';
import { layOutBuild, type LaidOutBuild } from './build-layout';
import { TWILIO_API_HOSTS } from './ca';
import { startRehearsalProxy, type RehearsalProxy } from './proxy';
import type { ServedRuntimeConfig, ServedRuntimeMessage } from './served-runtime';

const HOST = '127.0.0.1';
/** A child that has not answered by then will not: its start-up failed. */
const START_TIMEOUT_MS = 30_000;
const CHILD_SCRIPT = join(__dirname, 'served-runtime.ts');
const LOCAL_DOMAIN = /^localhost:(\d{1,5})$/;

export interface ServedEnvironmentsOptions {
  /** Where the build's Dependencies are installed (the project's node_modules, up the tree from here). */
  projectDir: string;
  accountSid: string;
  /** The account's auth token: the key of X-Twilio-Signature, and AUTH_TOKEN when the service includes credentials. */
  authToken: string;
  /**
   * The emulator's address, once it listens (a deployment served again after a restart waits for it: the emulator
   * loads its state before it listens).
   */
  emulatorUrl: PromiseLike<string>;
  /** One line per environment served, stopped or failing (never a variable's value). */
  log?: (line: string) => void;
}

export interface ServedEnvironments extends EnvironmentHost {
  /** Stops every child, front door and the proxy, and removes the laid-out builds. */
  close(): Promise<void>;
}

/** What one environment serves now. */
interface Deployment {
  child: ChildProcess;
  port: number;
  build: LaidOutBuild;
}

interface Served {
  front: Server;
  current: Deployment | undefined;
  /** The newest deploy asked for: a slower, older one that finishes later does not replace it. */
  latest: number;
}

/**
 * Twilio never serves a private Function or Asset over HTTP: its path answers as a path that is not there, the
 * runtime's own 404 (so that nothing tells a private route from a missing one).
 */
function sendNotFound(res: ServerResponse): void {
  res.writeHead(404, { 'Content-Type': 'text/html; charset=utf-8' }).end('Could not find requested resource');
}

function forward(req: IncomingMessage, res: ServerResponse, port: number): void {
  const upstream = httpRequest({ host: HOST, port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
    res.writeHead(answer.statusCode ?? 502, answer.headers);
    answer.pipe(res);
  });
  upstream.on('error', () => {
    if (!res.headersSent) res.writeHead(502, { 'Content-Type': 'text/plain; charset=utf-8' });
    res.end('The rehearsed environment did not answer.\n');
  });
  req.pipe(upstream);
}

function listenOn(server: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, HOST, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

function stopChild(child: ChildProcess): void {
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
}

export function createServedEnvironments(options: ServedEnvironmentsOptions): ServedEnvironments {
  const log = options.log ?? (() => undefined);
  const root = mkdtempSync(join(tmpdir(), 'totp-rehearsal-builds-'));
  /** Each environment's front door, once it listens (a promise, so two deploys right after a restart share one). */
  const environments = new Map<string, Promise<Served>>();
  let deploys = 0;
  const laidOut = new Map<string, LaidOutBuild>();
  let apiProxy: Promise<RehearsalProxy> | undefined;
  let closed = false;

  function layOut(files: BuildFiles): LaidOutBuild {
    const build = laidOut.get(files.buildSid) ?? layOutBuild(files, join(root, files.buildSid), options.projectDir);
    laidOut.set(files.buildSid, build);
    return build;
  }

  /** The gateway in front of the environment's runtime: private routes hidden, protected ones signed, the rest passed on. */
  function frontDoor(served: Served): (req: IncomingMessage, res: ServerResponse) => void {
    return (req, res) => {
      const deployment = served.current;
      if (deployment === undefined) {
        res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' }).end('Nothing is deployed to this environment yet.\n');
        return;
      }
      // The path as the runtime matches it: the request target up to its query, exactly.
      const path = (req.url ?? '/').split('?')[0] ?? '/';
      const { functions, assets } = deployment.build.routes;
      const access = [...functions, ...assets].find((route) => route.path === path)?.access;
      if (access === 'private') {
        sendNotFound(res);
      } else if (access === 'protected' && req.method !== 'OPTIONS' && functions.some((fn) => fn.path === path)) {
        passProtected(req, res, options.authToken)
          .then((signed) => {
            if (signed !== undefined) forward(signed, res, deployment.port);
          })
          .catch(() => res.destroy());
      } else {
        // Unknown paths and OPTIONS (a protected Function's too: a preflight carries no signature) are the runtime's to
        // answer, as on Twilio.
        forward(req, res, deployment.port);
      }
    };
  }

  function open(environmentSid: string, port: number): Promise<Served> {
    const served: Served = { front: createServer(), current: undefined, latest: 0 };
    served.front.on('request', frontDoor(served));
    const listening = listenOn(served.front, port).then(() => served);
    environments.set(environmentSid, listening);
    listening.catch(() => environments.delete(environmentSid));
    return listening;
  }

  function proxy(): Promise<RehearsalProxy> {
    apiProxy ??= Promise.resolve(options.emulatorUrl).then((target) => startRehearsalProxy({ target, hosts: TWILIO_API_HOSTS, log }));
    return apiProxy;
  }

  async function startChild(deployed: DeployedEnvironment, build: LaidOutBuild, print: (line: PrintedLine) => void): Promise<Deployment> {
    const { childEnv } = await proxy();
    const credentials: Record<string, string> = deployed.includeCredentials ? { ACCOUNT_SID: options.accountSid, AUTH_TOKEN: options.authToken } : {};
    const config: ServedRuntimeConfig = {
      build,
      context: { ...deployed.variables, ...credentials, SERVICE_SID: deployed.serviceSid, ENVIRONMENT_SID: deployed.environmentSid },
      url: `http://${deployed.domainName}`,
    };
    const configFile = join(root, `${deployed.deploymentSid}.json`);
    writeFileSync(configFile, JSON.stringify(config));
    const child = fork(CHILD_SCRIPT, [configFile], {
      cwd: build.dir,
      // Only the environment's variables, and how its twilio client reaches the emulator (twilio-node reads HTTP_PROXY).
      env: { ...deployed.variables, ...credentials, HTTP_PROXY: childEnv.HTTP_PROXY, NODE_EXTRA_CA_CERTS: childEnv.NODE_EXTRA_CA_CERTS },
      execArgv: ['--require', require.resolve('tsx/cjs')],
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    });
    let stderr = '';
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (chunk: string) => {
      stderr = (stderr + chunk).slice(-4000);
    });
    const port = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`its runtime did not start within ${START_TIMEOUT_MS / 1000} s`)), START_TIMEOUT_MS);
      child.on('message', (message: ServedRuntimeMessage) => {
        if ('ready' in message) {
          clearTimeout(timer);
          resolve(message.ready);
        } else print(message.printed);
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`its runtime exited (${signal ?? code ?? '?'}) before it answered: ${stderr.trim().split('\n').slice(-3).join(' | ')}`));
      });
    });
    child.once('exit', (code, signal) => {
      if (!closed && signal !== 'SIGTERM') log(`rehearsal: the runtime of environment ${deployed.environmentSid} stopped (${signal ?? code ?? '?'}): ${stderr.trim().split('\n').slice(-3).join(' | ')}`);
    });
    return { child, port, build };
  }

  async function stopServing(environmentSid: string): Promise<void> {
    const opened = environments.get(environmentSid);
    if (opened === undefined) return;
    environments.delete(environmentSid);
    const served = await opened.catch(() => undefined);
    if (served === undefined) return;
    if (served.current !== undefined) stopChild(served.current.child);
    await new Promise<void>((resolve) => {
      served.front.close(() => resolve());
      served.front.closeAllConnections();
    });
  }

  return {
    async addressFor(environment: EnvironmentAddress): Promise<string> {
      const { port } = (await open(environment.environmentSid, 0)).front.address() as AddressInfo;
      log(`rehearsal: environment ${environment.environmentSid} (Twilio would name it ${environment.twilioDomainName}) answers on http://localhost:${port}`);
      return `localhost:${port}`;
    },

    async build(files: BuildFiles): Promise<void> {
      layOut(files);
    },

    async deploy(deployed: DeployedEnvironment, print: (line: PrintedLine) => void): Promise<void> {
      let opened = environments.get(deployed.environmentSid);
      if (opened === undefined) {
        // A restart: the environment keeps the address it was given.
        const port = LOCAL_DOMAIN.exec(deployed.domainName)?.[1];
        if (port === undefined) throw new Error(`its domain name ${deployed.domainName} is not an address this host gave`);
        opened = open(deployed.environmentSid, Number(port));
      }
      const served = await opened;
      const sequence = (deploys += 1);
      served.latest = sequence;
      const build = layOut(deployed.build);
      const next = await startChild(deployed, build, print);
      if (served.latest !== sequence || environments.get(deployed.environmentSid) !== opened) {
        // A newer deployment (or a stop) came while this one started: it is not served.
        stopChild(next.child);
        return;
      }
      const previous = served.current;
      served.current = next;
      if (previous !== undefined) stopChild(previous.child);
      log(`rehearsal: environment ${deployed.environmentSid} serves build ${deployed.build.buildSid} on http://${deployed.domainName} (${deployed.build.runtime} asked for; Node ${process.versions.node} runs it)`);
    },

    stop(environmentSid: string): void {
      void stopServing(environmentSid);
    },

    reset(): void {
      for (const environmentSid of [...environments.keys()]) void stopServing(environmentSid);
    },

    async close(): Promise<void> {
      closed = true;
      await Promise.all([...environments.keys()].map(stopServing));
      if (apiProxy !== undefined) await (await apiProxy).close();
      rmSync(root, { recursive: true, force: true });
    },
  };
}
