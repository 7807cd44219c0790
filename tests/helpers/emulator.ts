// Starts an in-process emulator (Verify, Sync, Serverless) on 127.0.0.1:0 with a real twilio client pointed at it, plus control helpers.
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import twilio from 'twilio';
import type { FaultSpec as EmulatorFaultSpec } from '../../emulator/core/faults';
import { createEmulator } from '../../emulator/server';
import type { EnvironmentHost } from '../../emulator/serverless/host';
import type { EmulatorSwitches } from '../../emulator/switches';
import { createEmulatorHttpClient } from '../../emulator/client/http-client';

/** Body of POST /__emulator/faults: the emulator's own fault shape, with `count` defaulting to 1. */
export type FaultSpec = Omit<EmulatorFaultSpec, 'count'> & { count?: number };

export interface StartEmulatorOptions {
  switches?: Partial<EmulatorSwitches>;
  /** Persist under this directory (default: in memory). */
  dataDir?: string;
  /** Receives the emulator's request log lines (default: discarded). */
  log?: (line: string) => void;
  /** What serves Serverless's deployed environments, made with the emulator's credentials and (once it listens) address. */
  serverlessHost?: (emulator: { accountSid: string; authToken: string; url: Promise<string> }) => EnvironmentHost;
}

/** One request the test's twilio client made and the raw answer (for wire-format checks). */
export interface RecordedExchange {
  method: string;
  /** Path and query on the emulator, e.g. /v2/Services?PageSize=50 */
  path: string;
  /** The host the request was for (verify.twilio.com, serverless.twilio.com, or the emulator's own for paging URLs). */
  host: string;
  status: number;
  body: unknown;
}

export interface TestEmulator {
  url: string;
  accountSid: string;
  authToken: string;
  /** The real twilio client, talking to this emulator over HTTP. */
  client: twilio.Twilio;
  /** Every request `client` made, with the raw status and body, oldest first. */
  exchanges: RecordedExchange[];
  /** Creates a Verify service (FriendlyName "Test Service" unless given) and returns its VA SID. */
  createService(params?: Record<string, unknown>): Promise<string>;
  /** Freezes the emulator's clock at `now`. */
  setClock(now: Date | number | string): Promise<void>;
  /** Moves the (then frozen) clock forward by `seconds`. */
  advance(seconds: number): Promise<void>;
  fault(spec: FaultSpec): Promise<string>;
  clearFaults(): Promise<void>;
  reset(): Promise<void>;
  close(): Promise<void>;
}

/** Credentials in the shapes Twilio's runtime checks: AC + 32 hex, and a 32-character token. */
export function newTestCredentials(): { accountSid: string; authToken: string } {
  return { accountSid: `AC${randomBytes(16).toString('hex')}`, authToken: randomBytes(16).toString('hex') };
}

/** A twilio client for an emulator at `url`, recording every exchange into `exchanges` when given. */
export function createEmulatorTwilioClient(
  url: string,
  accountSid: string,
  authToken: string,
  exchanges?: RecordedExchange[],
): twilio.Twilio {
  const httpClient = createEmulatorHttpClient({ emulatorUrl: url, timeoutMs: 10_000 });
  const forward = httpClient.request.bind(httpClient);
  httpClient.request = async (opts) => {
    const response = await forward(opts);
    if (exchanges) {
      // The uri names verify.twilio.com, or the emulator itself for paging URLs: the path and query are the same.
      const uri = new URL(opts.uri);
      const query = opts.params ? new URLSearchParams(opts.params as Record<string, string>).toString() : '';
      const path = uri.pathname + (uri.search || (query ? `?${query}` : ''));
      exchanges.push({ method: opts.method.toUpperCase(), path, host: uri.host, status: response.statusCode, body: response.body });
    }
    return response;
  };
  return twilio(accountSid, authToken, { httpClient });
}

export async function startEmulator(opts: StartEmulatorOptions = {}): Promise<TestEmulator> {
  const { accountSid, authToken } = newTestCredentials();
  let listening: (url: string) => void = () => undefined;
  const address = new Promise<string>((resolve) => (listening = resolve));
  const serverlessHost = opts.serverlessHost?.({ accountSid, authToken, url: address });
  const server = createEmulator({ accountSid, authToken, dataDir: opts.dataDir, switches: opts.switches, log: opts.log, serverlessHost });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  listening(url);
  const exchanges: RecordedExchange[] = [];
  const client = createEmulatorTwilioClient(url, accountSid, authToken, exchanges);
  const authorization = `Basic ${Buffer.from(`${accountSid}:${authToken}`).toString('base64')}`;

  const control = async (method: string, path: string, body?: unknown): Promise<unknown> => {
    const response = await fetch(`${url}/__emulator/${path}`, {
      method,
      headers: { authorization, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`emulator control ${method} ${path} failed: ${response.status} ${text}`);
    return text === '' ? undefined : (JSON.parse(text) as unknown);
  };

  return {
    url,
    accountSid,
    authToken,
    client,
    exchanges,
    async createService(params = {}) {
      const service = await client.verify.v2.services.create({ friendlyName: 'Test Service', ...params });
      return service.sid;
    },
    async setClock(now) {
      await control('POST', 'clock', { now: now instanceof Date ? now.toISOString() : now });
    },
    async advance(seconds) {
      await control('POST', 'clock', { advanceSeconds: seconds });
    },
    async fault(spec) {
      const { id } = (await control('POST', 'faults', spec)) as { id: string };
      return id;
    },
    async clearFaults() {
      await control('DELETE', 'faults');
    },
    async reset() {
      await control('POST', 'reset');
    },
    close() {
      return new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      });
    },
  };
}
