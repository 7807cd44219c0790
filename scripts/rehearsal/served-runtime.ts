// Child process: one deployed environment's Functions and Assets, in @twilio/runtime-handler's server over the laid-out
// build. What the Functions print goes to the parent (the emulator's Logs) over IPC, tagged with the Function's path.
// Its environment holds only the environment's variables and the proxy that reaches the emulated Twilio hosts.
import { AsyncLocalStorage } from 'node:async_hooks';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { format } from 'node:util';
import { LocalDevelopmentServer } from '@twilio/runtime-handler/dev';
import type { LaidOutBuild } from './build-layout';

/** What the parent passes in the file named by the first argument. */
export interface ServedRuntimeConfig {
  build: LaidOutBuild;
  /** What the Functions find in `context`: the variables and what the runtime adds. */
  context: Record<string, string>;
  /** The environment's address; the runtime derives context.DOMAIN_NAME from it. */
  url: string;
}

/** Messages to the parent. */
export type ServedRuntimeMessage = { ready: number } | { printed: { level: 'info' | 'warn' | 'error'; message: string; functionPath: string | null } };

const config = JSON.parse(readFileSync(process.argv[2] ?? '', 'utf8')) as ServedRuntimeConfig;
const functionPaths = new Set(config.build.routes.functions.map((fn) => fn.path));
const requestPath = new AsyncLocalStorage<string | null>();

function send(message: ServedRuntimeMessage): void {
  process.send?.(message);
}

// Twilio's Logs hold what a Function prints: console.log and info as info, warn as warn, error as error.
const levels = { log: 'info', info: 'info', warn: 'warn', error: 'error' } as const;
for (const [method, level] of Object.entries(levels) as Array<[keyof typeof levels, 'info' | 'warn' | 'error']>) {
  console[method] = (...args: unknown[]) => send({ printed: { level, message: format(...args), functionPath: requestPath.getStore() ?? null } });
}

const runtime = new LocalDevelopmentServer(0, {
  baseDir: config.build.dir,
  env: config.context,
  port: 0,
  url: config.url,
  detailedLogs: false,
  live: false,
  logs: false,
  legacyMode: false,
  appName: 'rehearsal',
  // In this process, as a warm container runs them.
  forkProcess: false,
  routes: config.build.routes,
  enableDebugLogs: false,
});
const app = runtime.getApp();
const server = createServer((req, res) => {
  const path = new URL(req.url ?? '/', 'http://localhost').pathname;
  requestPath.run(functionPaths.has(path) ? path : null, () => app(req, res));
});
server.listen(0, '127.0.0.1', () => send({ ready: (server.address() as AddressInfo).port }));
// The parent went away: nothing is served any more.
process.on('disconnect', () => process.exit(0));
