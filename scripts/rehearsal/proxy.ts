// The deploy rehearsal's loopback proxy: answers CONNECT for its Twilio hosts only (the two Serverless hosts by default),
// ends their TLS with the throwaway CA's leaf, and hands each decrypted request, Host unchanged, to a local target (the
// emulator).
import { createServer, request as httpRequest, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createTlsHttpServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { createRehearsalCa, REHEARSAL_HOSTS } from './ca';

const LOOPBACK_NAMES = new Set(['127.0.0.1', 'localhost', '[::1]']);
/** RFC 9110 §7.6.1: meaningful for one connection only, so never passed on. */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'proxy-authorization', 'te', 'trailer', 'transfer-encoding', 'upgrade']);

export interface RehearsalProxyOptions {
  /** Where the decrypted requests go, e.g. the emulator: `http://127.0.0.1:4010`. Loopback only. */
  target: string;
  /** The hosts it answers for (default: REHEARSAL_HOSTS, the deploy's); its CA is constrained to them. */
  hosts?: readonly string[];
  /** One line per refused connection or unreachable target (default: discarded). Never a header or a body. */
  log?: (line: string) => void;
}

export interface RehearsalProxy {
  /** `http://127.0.0.1:<port>`: the value of HTTP_PROXY for the child process. */
  url: string;
  /** The throwaway CA's certificate: the value of NODE_EXTRA_CA_CERTS for the child process, and for it alone. */
  caFile: string;
  /**
   * What a child process needs to go through the proxy: HTTP_PROXY (the variable `@twilio-labs/serverless-api` reads
   * for its https requests), HTTPS_PROXY (what most other clients read) and NODE_EXTRA_CA_CERTS.
   */
  childEnv: Readonly<Record<'HTTP_PROXY' | 'HTTPS_PROXY' | 'NODE_EXTRA_CA_CERTS', string>>;
  /** Every `host:port` refused so far, in order. */
  refused(): readonly string[];
  /** How many requests it passed to the target so far (none after a deploy means the deploy went elsewhere). */
  forwarded(): number;
  /** Stops listening, cuts open tunnels and removes the CA. */
  close(): Promise<void>;
}

/** A target that is not a loopback http URL. */
export class RehearsalProxyError extends Error {
  override name = 'RehearsalProxyError';
}

function parseTarget(target: string): URL {
  let url: URL;
  try {
    url = new URL(target);
  } catch {
    throw new RehearsalProxyError(`the rehearsal proxy's target is not a URL: ${target}`);
  }
  // The forwarded requests carry the account's credentials (Basic auth): they stay on this machine.
  if (url.protocol !== 'http:' || !LOOPBACK_NAMES.has(url.hostname)) {
    throw new RehearsalProxyError(`the rehearsal proxy forwards only to http on the loopback (127.0.0.1, localhost, [::1]), not to ${target}`);
  }
  return url;
}

/** `host:port` → lower-case host and port; the port of a bare host is the default https port. */
function splitAuthority(authority: string): { host: string; port: string } {
  const match = /^(\[[^\]]*\]|[^:]*)(?::(\d*))?$/.exec(authority.trim());
  return { host: (match?.[1] ?? '').toLowerCase(), port: match?.[2] || '443' };
}

function refusalText(what: string, allowed: readonly string[]): string {
  return `the deploy rehearsal proxy refused ${what}: it answers only ${allowed.map((host) => `${host}:443`).join(' and ')}\n`;
}

function forwardedHeaders(headers: IncomingHttpHeaders): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined && !HOP_BY_HOP.has(name)) out[name] = value;
  }
  return out;
}

/** Starts the CA and the proxy on a random loopback port. */
export async function startRehearsalProxy(options: RehearsalProxyOptions): Promise<RehearsalProxy> {
  const target = parseTarget(options.target);
  const basePath = target.pathname.replace(/\/$/, '');
  const log = options.log ?? (() => undefined);
  const refused: string[] = [];
  let forwardedCount = 0;
  const tunnels = new Set<Duplex>();
  const hosts = options.hosts ?? REHEARSAL_HOSTS;
  const allowed = new Set<string>(hosts);
  const ca = await createRehearsalCa(hosts);

  function refuse(what: string): string {
    refused.push(what);
    log(`rehearsal proxy: refused ${what}`);
    return refusalText(what, hosts);
  }

  /** A decrypted request from inside a tunnel: checked against the two hosts again (Host, not just CONNECT), then passed on. */
  function forward(req: IncomingMessage, res: ServerResponse): void {
    const { host } = splitAuthority(req.headers.host ?? '');
    if (!allowed.has(host)) {
      // RFC 9110 §15.5.20: this connection cannot answer for that host.
      res.writeHead(421, { 'Content-Type': 'text/plain; charset=utf-8' }).end(refuse(`Host ${req.headers.host ?? '(none)'}`));
      return;
    }
    forwardedCount += 1;
    const upstream = httpRequest(
      { hostname: target.hostname, port: target.port, path: basePath + (req.url ?? '/'), method: req.method, headers: { ...forwardedHeaders(req.headers), 'x-forwarded-proto': 'https' } },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, forwardedHeaders(answer.headers));
        answer.pipe(res);
      },
    );
    upstream.on('error', (error: NodeJS.ErrnoException) => {
      log(`rehearsal proxy: target ${target.origin} unreachable (${error.code ?? error.message})`);
      if (!res.headersSent) res.writeHead(502, { 'Content-Type': 'text/plain; charset=utf-8' });
      res.end(`the deploy rehearsal proxy could not reach its target ${target.origin}: ${error.code ?? error.message}\n`);
    });
    req.pipe(upstream);
  }

  // Never listens: each accepted tunnel is handed to it as a connection, and it speaks TLS on it.
  const tls = createTlsHttpServer({ cert: ca.leaf.certPem, key: ca.leaf.keyPem }, forward);
  tls.on('tlsClientError', (error: NodeJS.ErrnoException, socket) => {
    log(`rehearsal proxy: TLS handshake failed (${error.code ?? error.message})`);
    socket.destroy();
  });

  const proxy = createServer((req, res) => {
    // A plain-http proxy request (absolute URI) or a direct request: nothing here is served in the clear.
    let what = `plain http to ${req.headers.host ?? '(no host)'}`;
    try {
      if (/^https?:\/\//i.test(req.url ?? '')) what = `plain http to ${new URL(req.url ?? '').host}`;
    } catch {
      // keep the Host header's name
    }
    res.writeHead(403, { 'Content-Type': 'text/plain; charset=utf-8', Connection: 'close' }).end(refuse(what));
  });
  proxy.on('connect', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const authority = req.url ?? '';
    const { host, port } = splitAuthority(authority);
    socket.on('error', () => socket.destroy());
    if (!allowed.has(host) || port !== '443') {
      const body = refuse(authority);
      socket.end(`HTTP/1.1 403 Forbidden\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
      return;
    }
    tunnels.add(socket);
    socket.once('close', () => tunnels.delete(socket));
    socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
    if (head.length > 0) socket.unshift(head);
    tls.emit('connection', socket as Socket);
  });

  await new Promise<void>((resolve, reject) => {
    proxy.once('error', reject);
    proxy.listen(0, '127.0.0.1', () => {
      proxy.off('error', reject);
      resolve();
    });
  });
  const url = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;

  return {
    url,
    caFile: ca.caFile,
    childEnv: { HTTP_PROXY: url, HTTPS_PROXY: url, NODE_EXTRA_CA_CERTS: ca.caFile },
    refused: () => [...refused],
    forwarded: () => forwardedCount,
    async close() {
      await new Promise<void>((resolve) => {
        proxy.close(() => resolve());
        proxy.closeAllConnections();
        // CONNECT sockets leave the server's own list once tunnelled.
        for (const socket of tunnels) socket.destroy();
      });
      ca.close();
    },
  };
}
