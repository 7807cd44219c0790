// The emulator's HTTP server, shared by its products: body reading, Basic auth, control endpoints, faults, routing
// to the product that serves a path, the error envelope, and durability before every answer.
import * as http from 'node:http';
import { timingSafeEqual } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { ControllableClock, type Clock } from './clock';
import { CONTROL_PREFIX, handleControl } from './control';
import { CORE_ERRORS, TwilioError, coreError, resourceNotFound, type ErrorTable } from './errors';
import { FaultQueue, type ArmedFault } from './faults';
import { FormParams } from './form';
import type { Operation, OperationRequest, OperationResult } from './operations';
import type { AnyProduct } from './product';
import { createRouter, type RouteMatch } from './router';
import { Store } from './store';
import { resolveSwitches, type SwitchValue } from './switches';

export interface ServerOptions {
  accountSid: string;
  authToken: string;
  /** The products served, in the order paths are tried (emulator/products.ts). */
  products: readonly AnyProduct[];
  /** Directory for durable state; undefined keeps everything in memory. */
  dataDir?: string;
  /** Time source the emulator follows until a test freezes it (default: the wall clock). */
  clock?: Clock;
  /** Any product's switches by name; each product gets its own, checked against its defaults. */
  switches?: Readonly<Record<string, SwitchValue>>;
  /** One line per request (method, path, status, ms), never parameters, codes or credentials. */
  log?: (line: string) => void;
}

/** Twilio's API is form-encoded and small; anything larger is refused before parsing (unless a product says more). */
const MAX_BODY_BYTES = 64 * 1024;
const ACCOUNT_SID = /^AC[0-9a-fA-F]{32}$/;
/** Host header characters allowed into generated URLs (next_page_url, url), so a header cannot inject markup. */
const SAFE_HOST = /^[A-Za-z0-9.\-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$/;

/** What to answer: JSON (or a raw body, for the malformed fault), or nothing at all (the drop fault). */
type Reply = { status: number; body?: unknown; raw?: string; headers?: Readonly<Record<string, string>> } | { drop: true };

/** One product inside this server: its router and the context its operations run with. */
interface Plugged {
  product: AnyProduct;
  route: (method: string, pathname: string) => RouteMatch<Operation<unknown>>;
  context: (render: { accountSid: string; baseUrl: string }) => unknown;
}

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

/** Each product's switches out of one set of names; a name no product declares is refused. */
function switchesByProduct(products: readonly AnyProduct[], given: Readonly<Record<string, SwitchValue>>): Map<AnyProduct, Readonly<Record<string, SwitchValue>>> {
  const owner = new Map<string, AnyProduct>();
  for (const product of products) {
    for (const name of Object.keys(product.switches.defaults)) {
      const other = owner.get(name);
      if (other) throw new Error(`switch ${name} is declared by both ${other.name} and ${product.name}`);
      owner.set(name, product);
    }
  }
  const byProduct = new Map(products.map((product) => [product, {} as Record<string, SwitchValue>]));
  for (const [name, value] of Object.entries(given)) {
    const product = owner.get(name);
    if (!product) throw new Error(`unknown switch ${name}`);
    (byProduct.get(product) as Record<string, SwitchValue>)[name] = value;
  }
  return new Map(products.map((product) => [product, resolveSwitches(product.switches.defaults, byProduct.get(product))]));
}

/**
 * Creates the emulator (not listening). The data directory is locked and read here, so a second emulator on it,
 * or damaged data, fails loudly at start (DataDirLockedError, DataFileError) instead of serving an empty state.
 * Closing the server lets the data directory go.
 */
export function createServer(options: ServerOptions): http.Server {
  if (!ACCOUNT_SID.test(options.accountSid)) throw new Error('accountSid must be AC followed by 32 hex digits');
  if (options.authToken.length === 0) throw new Error('authToken must not be empty');
  const log = options.log ?? (() => undefined);
  const clock = new ControllableClock(options.clock);
  const switches = switchesByProduct(options.products, options.switches ?? {});
  const store = new Store();
  const instances = options.products.map((product) => {
    const instance = product.create({ clock, switches: switches.get(product) ?? {}, commit: store.committer(product.name), log, account: { sid: options.accountSid, authToken: options.authToken } });
    store.register(product.name, instance.state);
    return instance;
  });
  const seedAll = (): void => {
    for (const instance of instances) instance.seed();
  };
  store.open({ dataDir: options.dataDir, log, seed: seedAll });
  const plugged: Plugged[] = options.products.map((product, index) => {
    const instance = instances[index] as (typeof instances)[number];
    return { product, route: createRouter(instance.operations), context: (render) => instance.context(render) };
  });
  /** `/__emulator/<product>/…`: a product's own control endpoints. */
  const productControl = async (method: string, pathname: string, body: string): Promise<Reply | undefined> => {
    for (const [index, product] of options.products.entries()) {
      const prefix = `${CONTROL_PREFIX}${product.name}/`;
      if (!pathname.startsWith(prefix)) continue;
      const answered = await instances[index]?.control?.(method, pathname.slice(prefix.length), body);
      return answered ?? { status: 404, body: resourceNotFound(pathname).toJSON() };
    }
    return undefined;
  };
  const resetState = (): void => {
    store.reset();
    for (const instance of instances) instance.reset();
    seedAll();
  };
  /** Every error code the emulator knows, for the status and message of an injected fault that names only a code. */
  const knownErrors: ErrorTable = Object.assign({}, CORE_ERRORS, ...options.products.map((product) => product.errors));
  const faults = new FaultQueue();
  const expectedAuth = Buffer.from(`Basic ${Buffer.from(`${options.accountSid}:${options.authToken}`).toString('base64')}`);

  const authorized = (header: string | undefined): boolean => {
    if (header === undefined) return false;
    const given = Buffer.from(header);
    return given.length === expectedAuth.length && timingSafeEqual(given, expectedAuth);
  };

  const answer = async (req: http.IncomingMessage, pathname: string, search: string): Promise<Reply> => {
    const method = req.method ?? 'GET';
    const control = pathname.startsWith(CONTROL_PREFIX);
    // The request line says which product answers, and so how large a body it reads; an unknown path is answered
    // after the body and the credentials, as before.
    const routing = control ? undefined : tryRouted(plugged, method, pathname, hostOf(req));
    const limit = routing !== undefined && !(routing instanceof TwilioError) ? (routing.target.product.maxBodyBytes ?? MAX_BODY_BYTES) : MAX_BODY_BYTES;
    const body = await readBody(req, limit);
    if (!authorized(req.headers.authorization)) throw coreError(20003);
    if (control) return (await productControl(method, pathname, body.toString('utf8'))) ?? handleControl({ clock, faults, resetState }, method, pathname, body.toString('utf8'));
    const fault = faults.take(method, pathname);
    if (fault?.latencyMs !== undefined) await delay(fault.latencyMs, undefined, { signal: server.closing });
    const faulted = fault && faultReply(fault, knownErrors);
    if (faulted) return faulted;
    if (routing === undefined || routing instanceof TwilioError) throw routing ?? resourceNotFound(pathname);
    const { target, operation, path } = routing;
    const request: OperationRequest = {
      path,
      params: new FormParams(method === 'POST' ? body.toString('utf8') : search.replace(/^\?/, ''), (name) => target.product.invalidParameter(name)),
      pathname,
      headers: headersOf(req),
      body,
    };
    const result: OperationResult = await operation.run(target.context({ accountSid: options.accountSid, baseUrl: baseUrlOf(req) }), request);
    return { status: result.status, body: result.body, headers: result.headers };
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
  // Also when the server never listened: close() emits 'close' all the same, and the lock must not outlive it.
  server.on('close', () => store.close());
  return server;
}

/**
 * The operation for a path: the first product (in list order) whose prefix and operations know it, among the products
 * that name the request's Host, or else among those that name no host. Twilio's answer for an unknown path is 20404,
 * and for a known path with another method 20004 (returned, not thrown: the caller answers it in turn).
 */
function tryRouted(
  plugged: readonly Plugged[],
  method: string,
  pathname: string,
  host: string,
): { target: Plugged; operation: Operation<unknown>; path: Record<string, string> } | TwilioError {
  try {
    return routed(plugged, method, pathname, host);
  } catch (error) {
    if (error instanceof TwilioError) return error;
    throw error;
  }
}

function routed(plugged: readonly Plugged[], method: string, pathname: string, host: string): { target: Plugged; operation: Operation<unknown>; path: Record<string, string> } {
  const byHost = plugged.filter((target) => target.product.hosts?.includes(host));
  const candidates = byHost.length > 0 ? byHost : plugged.filter((target) => target.product.hosts === undefined);
  let methodNotAllowed = false;
  for (const target of candidates) {
    if (!pathname.startsWith(target.product.prefix)) continue;
    const match = target.route(method, pathname);
    if (match.kind === 'operation') return { target, operation: match.operation, path: match.path };
    if (match.kind === 'method-not-allowed') methodNotAllowed = true;
  }
  if (methodNotAllowed) throw coreError(20004);
  throw resourceNotFound(pathname);
}

function headersOf(req: http.IncomingMessage): Record<string, string | undefined> {
  const headers: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(req.headers)) headers[name] = Array.isArray(value) ? value.join(', ') : value;
  return headers;
}

/** The reply an injected fault forces; undefined when it only adds latency. */
function faultReply(fault: ArmedFault, known: ErrorTable): Reply | undefined {
  if (fault.drop) return { drop: true };
  if (fault.malformed) return { status: fault.status ?? 200, raw: '<html>this is not JSON' };
  if (fault.status === undefined && fault.code === undefined) return undefined;
  const entry = fault.code === undefined ? undefined : known[fault.code];
  const status = fault.status ?? entry?.status ?? 500;
  const code = fault.code ?? (status === 500 ? 20500 : status);
  return { status, body: new TwilioError(code, status, fault.message ?? entry?.message ?? 'Injected fault').toJSON() };
}

function internalError(error: unknown, log: (line: string) => void): Reply {
  log(`internal error: ${error instanceof Error ? error.name : typeof error}`);
  return { status: 500, body: coreError(20500).toJSON() };
}

function send(res: http.ServerResponse, reply: { status: number; body?: unknown; raw?: string; headers?: Readonly<Record<string, string>> }): void {
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

/** The Host header's name, lower case and without a port. */
function hostOf(req: http.IncomingMessage): string {
  return (req.headers.host ?? '').toLowerCase().replace(/:\d+$/, '');
}

/**
 * The origin the client used, so list URLs (next_page_url) lead back here rather than to verify.twilio.com; https
 * when a proxy in front says so (the deploy rehearsal's, whose clients follow next_page_url through it again).
 */
function baseUrlOf(req: http.IncomingMessage): string {
  const host = req.headers.host;
  const scheme = String(req.headers['x-forwarded-proto'] ?? '').toLowerCase() === 'https' ? 'https' : 'http';
  if (host !== undefined && SAFE_HOST.test(host)) return `${scheme}://${host}`;
  const address = req.socket.localAddress ?? '127.0.0.1';
  return `http://${address.includes(':') ? `[${address}]` : address}:${req.socket.localPort ?? 80}`;
}

function readBody(req: http.IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) chunks.push(chunk);
    });
    req.on('end', () => (size > limit ? reject(coreError(20413)) : resolve(Buffer.concat(chunks))));
    req.on('error', reject);
  });
}
