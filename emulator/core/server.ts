// The emulator's HTTP server, shared by its products (Verify v2, Sync v1): body reading, Basic auth, control
// endpoints, faults, routing by product, error envelope.
import * as http from 'node:http';
import { timingSafeEqual } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { ControllableClock, type Clock } from './clock';
import { CONTROL_PREFIX, handleControl } from './control';
import { nodeHmac } from './crypto';
import { TWILIO_ERRORS, TwilioError, resourceNotFound, twilioError } from './errors';
import { FaultQueue, type ArmedFault } from './faults';
import { FormParams } from './form';
import { OPERATIONS } from './verify';
import { isAgedOut } from './verify/lookup';
import type { OperationContext } from './verify/types';
import { createRouter, type RouteMatch, type Routable } from './router';
import { VerifyStore } from './store';
import { resolveSwitches, type EmulatorSwitches } from './switches';
import { SYNC_OPERATIONS } from './sync';
import { SYNC_ERRORS } from './sync/errors';
import { ensureDefaultService } from './sync/services';
import type { SyncContext } from './sync/types';
import { WriteRateLimiter } from './sync/write-rate';

export interface EmulatorOptions {
  accountSid: string;
  authToken: string;
  /** Directory for durable state; undefined keeps everything in memory. */
  dataDir?: string;
  /** Time source the emulator follows until a test freezes it (default: the wall clock). */
  clock?: Clock;
  switches?: Partial<EmulatorSwitches>;
  /** One line per request (method, path, status, ms), never parameters, codes or credentials. */
  log?: (line: string) => void;
}

/** Twilio's API is form-encoded and small; anything larger is refused before parsing. */
const MAX_BODY_BYTES = 64 * 1024;
const ACCOUNT_SID = /^AC[0-9a-fA-F]{32}$/;
/** Host header characters allowed into generated URLs (next_page_url, url), so a header cannot inject markup. */
const SAFE_HOST = /^[A-Za-z0-9.\-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$/;

/** Sync's API lives under /v1 on sync.twilio.com, Verify's under /v2 on verify.twilio.com: one origin serves both. */
const SYNC_PREFIX = '/v1/';
/** Every error code the emulator knows, for the status and message of an injected fault that names only a code. */
const KNOWN_ERRORS: Record<number, { status: number; message: string }> = { ...TWILIO_ERRORS, ...SYNC_ERRORS };

/** What to answer: JSON (or a raw body, for the malformed fault), or nothing at all (the drop fault). */
type Reply = { status: number; body?: unknown; raw?: string; headers?: Record<string, string> } | { drop: true };

/** An http.Server whose close() also ends pending latency faults, so no injected delay outlives the server. */
class EmulatorServer extends http.Server {
  readonly #closing = new AbortController();

  get closing(): AbortSignal {
    return this.#closing.signal;
  }

  override close(callback?: (error?: Error) => void): this {
    this.#closing.abort();
    return super.close(callback);
  }
}

/**
 * Creates the emulator (not listening). Opening a data directory happens here, so damaged data fails loudly at
 * start (DataFileError) instead of serving an empty state.
 */
export function createEmulator(options: EmulatorOptions): http.Server {
  if (!ACCOUNT_SID.test(options.accountSid)) throw new Error('accountSid must be AC followed by 32 hex digits');
  if (options.authToken.length === 0) throw new Error('authToken must not be empty');
  const log = options.log ?? (() => undefined);
  const switches = resolveSwitches(options.switches);
  const clock = new ControllableClock(options.clock);
  const store = VerifyStore.open({
    dataDir: options.dataDir,
    identityCaseInsensitive: switches.identityCaseInsensitive,
    log,
    isAgedOut: (factor) => isAgedOut({ clock, switches }, factor),
    seed: (opened) => ensureDefaultService(opened.sync, clock.now()),
  });
  const faults = new FaultQueue();
  const writeRate = new WriteRateLimiter(clock, switches.syncWriteRateLimit);
  const routeVerify = createRouter(OPERATIONS);
  const routeSync = createRouter(SYNC_OPERATIONS);
  // After a reset the account's default Sync service exists again; the write-rate windows of the wiped objects go too.
  const afterReset = (): void => {
    ensureDefaultService(store.sync, clock.now());
    writeRate.reset();
  };
  const expectedAuth = Buffer.from(`Basic ${Buffer.from(`${options.accountSid}:${options.authToken}`).toString('base64')}`);

  const authorized = (header: string | undefined): boolean => {
    if (header === undefined) return false;
    const given = Buffer.from(header);
    return given.length === expectedAuth.length && timingSafeEqual(given, expectedAuth);
  };

  const answer = async (req: http.IncomingMessage, pathname: string, search: string): Promise<Reply> => {
    const method = req.method ?? 'GET';
    const body = await readBody(req);
    if (!authorized(req.headers.authorization)) throw twilioError(20003);
    if (pathname.startsWith(CONTROL_PREFIX)) return handleControl({ clock, faults, store, afterReset }, method, pathname, body);
    const fault = faults.take(method, pathname);
    if (fault?.latencyMs !== undefined) await delay(fault.latencyMs, undefined, { signal: server.closing });
    const faulted = fault && faultReply(fault);
    if (faulted) return faulted;
    const render = { accountSid: options.accountSid, baseUrl: baseUrlOf(req) };
    const params = new FormParams(method === 'POST' ? body : search.replace(/^\?/, ''));
    if (pathname.startsWith(SYNC_PREFIX)) {
      const { operation, path } = matched(routeSync(method, pathname), pathname);
      const ctx: SyncContext = { store: store.sync, clock, switches, render, writeRate };
      const ifMatch = req.headers['if-match'];
      const result = operation.run(ctx, { path, params, pathname, ifMatch });
      return { status: result.status, body: result.body, headers: result.etag === undefined ? undefined : { ETag: result.etag } };
    }
    const { operation, path } = matched(routeVerify(method, pathname), pathname);
    const ctx: OperationContext = { store, clock, switches, hmac: nodeHmac, render };
    return operation.run(ctx, { path, params, pathname });
  };

  const handle = async (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
    const started = performance.now();
    const method = req.method ?? 'GET';
    const { pathname, search } = splitUrl(req.url ?? '/');
    let reply: Reply;
    try {
      reply = await answer(req, pathname, search);
    } catch (error) {
      if (server.closing.aborted) reply = { drop: true };
      else reply = error instanceof TwilioError ? { status: error.status, body: error.toJSON() } : internalError(error, log);
    }
    try {
      // Every change this request made (or saw) is on disk before anyone hears about it.
      await store.whenDurable();
    } catch (error) {
      reply = internalError(error, log);
    }
    if ('drop' in reply) req.socket.destroy();
    else send(res, reply);
    const outcome = 'drop' in reply ? 'dropped' : String(reply.status);
    log(`${method} ${pathname} ${outcome} ${(performance.now() - started).toFixed(1)}ms`);
  };

  const server = new EmulatorServer((req, res) => {
    void handle(req, res);
  });
  server.on('close', () => store.close());
  return server;
}

/** The operation a route found, or Twilio's answer for an unknown path (20404) or method (20004). */
function matched<O extends Routable>(match: RouteMatch<O>, pathname: string): { operation: O; path: Record<string, string> } {
  if (match.kind === 'not-found') throw resourceNotFound(pathname);
  if (match.kind === 'method-not-allowed') throw twilioError(20004);
  return match;
}

/** The reply an injected fault forces; undefined when it only adds latency. */
function faultReply(fault: ArmedFault): Reply | undefined {
  if (fault.drop) return { drop: true };
  if (fault.malformed) return { status: fault.status ?? 200, raw: '<html>this is not JSON' };
  if (fault.status === undefined && fault.code === undefined) return undefined;
  const known = fault.code === undefined ? undefined : KNOWN_ERRORS[fault.code];
  const status = fault.status ?? known?.status ?? 500;
  const code = fault.code ?? (status === 500 ? 20500 : status);
  return { status, body: new TwilioError(code, status, fault.message ?? known?.message ?? 'Injected fault').toJSON() };
}

function internalError(error: unknown, log: (line: string) => void): Reply {
  log(`internal error: ${error instanceof Error ? error.name : typeof error}`);
  return { status: 500, body: twilioError(20500).toJSON() };
}

function send(res: http.ServerResponse, reply: { status: number; body?: unknown; raw?: string; headers?: Record<string, string> }): void {
  if (reply.status === 204) {
    res.writeHead(204).end();
    return;
  }
  const text = reply.raw ?? JSON.stringify(reply.body ?? {});
  res.writeHead(reply.status, {
    'Content-Type': reply.raw === undefined ? 'application/json; charset=utf-8' : 'text/html',
    'Content-Length': Buffer.byteLength(text),
    ...(reply.status === 401 ? { 'WWW-Authenticate': 'Basic realm="Twilio API"' } : {}),
    ...reply.headers,
  });
  res.end(text);
}

function splitUrl(url: string): { pathname: string; search: string } {
  const queryAt = url.indexOf('?');
  return queryAt === -1 ? { pathname: url, search: '' } : { pathname: url.slice(0, queryAt), search: url.slice(queryAt) };
}

/** The origin the client used, so list URLs (next_page_url) lead back here rather than to verify.twilio.com. */
function baseUrlOf(req: http.IncomingMessage): string {
  const host = req.headers.host;
  if (host !== undefined && SAFE_HOST.test(host)) return `http://${host}`;
  const address = req.socket.localAddress ?? '127.0.0.1';
  return `http://${address.includes(':') ? `[${address}]` : address}:${req.socket.localPort ?? 80}`;
}

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    req.on('end', () => (size > MAX_BODY_BYTES ? reject(twilioError(20413)) : resolve(Buffer.concat(chunks).toString('utf8'))));
    req.on('error', reject);
  });
}
