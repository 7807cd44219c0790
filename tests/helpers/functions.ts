// Test harness for the Functions: the real local stack (built bundles in the runtime's dev server + the emulator) over HTTP.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { totpAt, wrongTotpAt } from './totp';
import { SignJWT, type JWTPayload } from 'jose';
import type { EmulatorSwitches } from '../../emulator/switches';
import { signTwilioRequest } from '../../emulator/core/gateway-signature';
import { startLocalStack, type LocalStack } from '../../scripts/local-stack';
import type { FaultSpec } from './emulator';
import { expectedIdentity } from './identity';

export interface Answer {
  status: number;
  headers: Headers;
  text: string;
  /** The parsed JSON body (undefined when the body is not JSON). */
  json: unknown;
}

export interface PostOptions {
  token?: string;
  /** Send the body form-encoded (as Studio does) instead of JSON. */
  form?: boolean;
  headers?: Record<string, string>;
  /** A raw body, sent as is (for malformed-body cases); labelled application/json unless `headers` say otherwise. */
  raw?: string;
  /**
   * Sign it with X-Twilio-Signature for the stack's AUTH_TOKEN, as Studio signs its calls: a `.protected` Function
   * (/studio/check-code) answers only signed requests. A JSON or raw body is signed through `bodySHA256` in the URL.
   */
  signed?: boolean;
}

export interface FunctionsHarness {
  stack: LocalStack;
  url: string;
  /** The emulator's data folder (journal and snapshots), to check what the kit stored at rest. */
  dataDir: string;
  /** The stack's .env.local, for the command-line tools (`--env`). */
  envFile: string;
  env: Record<string, string>;
  post(path: string, body?: unknown, options?: PostOptions): Promise<Answer>;
  /** The URL to call and the X-Twilio-Signature for a request to `path` (with its query) carrying `body`. */
  sign(path: string, request?: { contentType?: string; body?: string }): { url: string; signature: string };
  /** A valid caller token for `user` (HS256 with AUTH_JWT_SECRET), with extra or overriding claims. */
  token(user: string, claims?: JWTPayload): Promise<string>;
  /** The Verify identity the Functions must derive for `user`, computed apart from the kit (tests/helpers/identity.ts). */
  identityOf(user: string): string;
  /** Freezes the clock of the emulator and the Functions at `epochSeconds` (codes are then computed for that instant). */
  setClock(epochSeconds: number): Promise<void>;
  fault(spec: FaultSpec): Promise<void>;
  clearFaults(): Promise<void>;
  /** Raw call to the emulator's Verify API (form-encoded, Basic auth), to look at what the Functions stored. */
  verifyGet(path: string): Promise<unknown>;
  close(): Promise<void>;
}

export interface HarnessOptions {
  envOverrides?: Record<string, string>;
  emulatorSwitches?: Partial<EmulatorSwitches>;
}

/** RFC 6238 code for a Base32 secret at `epochSeconds` (SHA1, 6 digits, 30 s: the kit's defaults). */
export function totp(secret: string, epochSeconds: number): string {
  return totpAt(secret, epochSeconds * 1000);
}

/** A code that no step within Verify's skew window (±1) accepts at `epochSeconds`. */
export function wrongCode(secret: string, epochSeconds: number): string {
  return wrongTotpAt(secret, epochSeconds * 1000, {}, 1);
}

/** A time-step-aligned instant near now, so consecutive steps stay inside the emulator's tolerance rules. */
export function alignedNow(): number {
  return Math.floor(Date.now() / 1000 / 30) * 30;
}

export async function startFunctionsHarness(options: HarnessOptions = {}): Promise<FunctionsHarness> {
  const dir = mkdtempSync(join(tmpdir(), 'totp-functions-'));
  const stack = await startLocalStack({
    port: 0,
    envFile: join(dir, '.env.local'),
    dataDir: join(dir, 'emulator-data'),
    emulatorSwitches: options.emulatorSwitches,
    envOverrides: options.envOverrides,
  });
  const env = stack.env;
  const basic = `Basic ${Buffer.from(`${env.ACCOUNT_SID}:${env.AUTH_TOKEN}`).toString('base64')}`;

  async function control(method: string, path: string, body?: unknown): Promise<void> {
    const response = await fetch(`${stack.emulatorUrl}/__emulator/${path}`, {
      method,
      headers: { authorization: basic, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!response.ok) throw new Error(`emulator control ${method} ${path}: ${response.status} ${await response.text()}`);
  }

  function sign(path: string, request: { contentType?: string; body?: string } = {}): { url: string; signature: string } {
    // The URL as fetch will send it (the gateway checks the address the request arrives at).
    return signTwilioRequest(env.AUTH_TOKEN ?? '', { url: new URL(stack.url + path).toString(), contentType: request.contentType, body: request.body ?? '' });
  }

  return {
    stack,
    url: stack.url,
    sign,
    dataDir: join(dir, 'emulator-data'),
    envFile: join(dir, '.env.local'),
    env,
    async post(path, body = {}, postOptions = {}) {
      const headers: Record<string, string> = { ...postOptions.headers };
      let payload: string;
      if (postOptions.raw !== undefined) {
        headers['content-type'] ??= 'application/json';
        payload = postOptions.raw;
      } else if (postOptions.form) {
        headers['content-type'] ??= 'application/x-www-form-urlencoded';
        payload = new URLSearchParams(body as Record<string, string>).toString();
      } else {
        headers['content-type'] ??= 'application/json';
        payload = JSON.stringify(body);
      }
      if (postOptions.token !== undefined) headers.authorization = `Bearer ${postOptions.token}`;
      let url = stack.url + path;
      if (postOptions.signed) {
        const signed = sign(path, { contentType: headers['content-type'], body: payload });
        url = signed.url;
        headers['x-twilio-signature'] = signed.signature;
      }
      const response = await fetch(url, { method: 'POST', headers, body: payload });
      const text = await response.text();
      let json: unknown;
      try {
        json = JSON.parse(text) as unknown;
      } catch {
        json = undefined;
      }
      return { status: response.status, headers: response.headers, text, json };
    },
    async token(user, claims = {}) {
      const now = Math.floor(Date.now() / 1000);
      return new SignJWT({ sub: user, iat: now, exp: now + 600, ...claims })
        .setProtectedHeader({ alg: 'HS256' })
        .sign(new TextEncoder().encode(env.AUTH_JWT_SECRET));
    },
    identityOf(user) {
      return expectedIdentity(env.IDENTITY_SECRET ?? '', user);
    },
    async setClock(epochSeconds) {
      // The stack's clock: the emulator and the Functions (the kit's locks) follow it together.
      stack.setClock(epochSeconds * 1000);
    },
    async fault(spec) {
      await control('POST', 'faults', spec);
    },
    async clearFaults() {
      await control('DELETE', 'faults');
    },
    async verifyGet(path) {
      const response = await fetch(`${stack.emulatorUrl}/v2/${path}`, { headers: { authorization: basic } });
      return (await response.json()) as unknown;
    },
    async close() {
      await stack.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Narrows a JSON body to an object with string keys (fails the test with the body when it is not one). */
export function body(answer: Answer): Record<string, unknown> {
  if (typeof answer.json !== 'object' || answer.json === null) throw new Error(`expected a JSON object, got: ${answer.text}`);
  return answer.json as Record<string, unknown>;
}

/** The `{error: {code, message}}` envelope of an error answer. */
export function errorOf(answer: Answer): { code: unknown; message: unknown } {
  const error = body(answer).error;
  if (typeof error !== 'object' || error === null) throw new Error(`expected an error envelope, got: ${answer.text}`);
  return error as { code: unknown; message: unknown };
}
