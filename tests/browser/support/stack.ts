// The local stack (`npm start`'s servers) for browser tests, in a temp dir, plus the emulator's clock control.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import twilio from 'twilio';
import { createEmulatorHttpClient } from '../../../emulator/client/http-client';
import { startLocalStack } from '../../../scripts/local-stack';
import { expectedIdentity } from '../../helpers/identity';
import { legacyRecoverySet } from '../../helpers/recovery-codes';

export interface PageStack {
  /** The origin the page is served from, e.g. http://127.0.0.1:41234 */
  origin: string;
  /** The variables the Functions see (e.g. APPROVAL_SIGNING_SECRET, for a test's stand-in host backend). */
  env: Readonly<Record<string, string>>;
  /** The requests the stack answered, as "METHOD /path status", oldest first (never the emulator's). */
  requests: string[];
  /** Address of the enrollment page. */
  pageUrl: string;
  /** Freezes the clock of the emulator and the Functions at `atMs` (epoch ms); the page's codes are computed at that instant. */
  setClock(atMs: number): Promise<void>;
  /** Changes the Verify service's TOTP settings for factors created from now on (through the real twilio client). */
  setTotpSettings(settings: { codeLength?: number; timeStep?: number }): Promise<void>;
  /** A caller token for `user` from the dev-only endpoint, as the host app would hand it over. */
  devToken(user: string): Promise<string>;
  /** Signs `user` in with each of `codes` over HTTP, as the same person would elsewhere (another device, the host's page). */
  useRecoveryCodes(user: string, codes: readonly string[]): Promise<void>;
  /** Replaces `user`'s recovery codes with a set of the format issued before (as the kit's earlier version stored it). */
  plantOutdatedRecoveryCodes(user: string): Promise<string[]>;
  close(): Promise<void>;
}

export interface PageStackOptions {
  /** Variables for the Functions on top of the generated ones, e.g. ALLOWED_ORIGINS. */
  envOverrides?: Record<string, string>;
}

export async function startPageStack(options: PageStackOptions = {}): Promise<PageStack> {
  const dir = mkdtempSync(join(tmpdir(), 'totp-page-'));
  const requests: string[] = [];
  const stack = await startLocalStack({
    port: 0,
    envFile: join(dir, '.env.local'),
    dataDir: join(dir, 'emulator-data'),
    envOverrides: options.envOverrides,
    // "POST /list-factors 200 3.1 ms" → "POST /list-factors 200"; the emulator's own lines are not the page's requests.
    log: (line) => {
      if (!line.startsWith('emulator ')) requests.push(line.replace(/ [\d.]+ ms$/, ''));
    },
  });
  const origin = new URL(stack.url).origin;

  async function postJson(url: string, body: unknown, headers: Record<string, string> = {}): Promise<unknown> {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`POST ${new URL(url).pathname} answered ${response.status}: ${text}`);
    return JSON.parse(text) as unknown;
  }

  async function devToken(user: string): Promise<string> {
    const body = await postJson(new URL('/__dev/token', origin).href, { user });
    if (typeof body === 'object' && body !== null && 'token' in body && typeof body.token === 'string') return body.token;
    throw new Error('the dev token endpoint answered without a token');
  }

  function emulatorClient(): twilio.Twilio {
    return twilio(stack.env.ACCOUNT_SID, stack.env.AUTH_TOKEN, {
      httpClient: createEmulatorHttpClient({ emulatorUrl: stack.emulatorUrl, timeoutMs: 10_000 }),
    });
  }

  return {
    origin,
    env: stack.env,
    requests,
    pageUrl: new URL('/index.html', origin).href,
    async setClock(atMs) {
      // The stack's clock: the emulator and the Functions (the kit's locks) follow it together.
      stack.setClock(atMs);
    },
    async setTotpSettings({ codeLength, timeStep }) {
      const client = emulatorClient();
      const serviceSid = stack.env.VERIFY_SERVICE_SID;
      if (serviceSid === undefined) throw new Error('the local stack has no VERIFY_SERVICE_SID');
      await client.verify.v2.services(serviceSid).update({ 'totp.codeLength': codeLength, 'totp.timeStep': timeStep });
    },
    devToken,
    async useRecoveryCodes(user, codes) {
      const token = await devToken(user);
      for (const code of codes) await postJson(new URL('/use-recovery-code', origin).href, { code }, { authorization: `Bearer ${token}` });
    },
    async plantOutdatedRecoveryCodes(user) {
      const legacy = legacyRecoverySet(stack.env.IDENTITY_SECRET ?? '');
      const name = `totp-user-${expectedIdentity(stack.env.IDENTITY_SECRET ?? '', user)}`;
      const document = emulatorClient().sync.v1.services(stack.env.SYNC_SERVICE_SID ?? 'default').documents(name);
      const current = await document.fetch();
      await document.update({ data: { ...(current.data as object), recovery: legacy.stored }, ifMatch: current.revision });
      return legacy.codes;
    },
    async close() {
      await stack.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
