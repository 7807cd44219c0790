// The local stack's Verify and Sync services in the emulator (the ones named in .env.local while the emulator still has
// them), and the kit's Studio flow published there.
import twilio from 'twilio';
import { createEmulatorHttpClient } from '../emulator/client/http-client';
import { CHECK_CODE_PATH, publishVoiceFlow, type PublishedFlow } from './studio-flow';

/** Verify's FriendlyName rule: ≤ 30 characters, letters, digits, spaces, dashes. It is the issuer in the app. */
const LOCAL_SERVICE_NAME = 'totp-functions local';

/** Reuses the service named in `env` when the emulator still has it, else creates one; returns its SID. */
export async function ensureLocalVerifyService(env: Readonly<Record<string, string>>, emulatorUrl: string): Promise<string> {
  const httpClient = createEmulatorHttpClient({ emulatorUrl, timeoutMs: 5000 });
  const client = twilio(env.ACCOUNT_SID, env.AUTH_TOKEN, { httpClient });
  const existing = env.VERIFY_SERVICE_SID;
  if (existing) {
    try {
      return (await client.verify.v2.services(existing).fetch()).sid;
    } catch (error) {
      if ((error as { status?: unknown }).status !== 404) throw error;
    }
  }
  return (await client.verify.v2.services.create({ friendlyName: LOCAL_SERVICE_NAME })).sid;
}

/** The same for the Sync service that holds the kit's own state (lockout, used codes, enrollment in flight). */
export async function ensureLocalSyncService(env: Readonly<Record<string, string>>, emulatorUrl: string): Promise<string> {
  const httpClient = createEmulatorHttpClient({ emulatorUrl, timeoutMs: 5000 });
  const client = twilio(env.ACCOUNT_SID, env.AUTH_TOKEN, { httpClient });
  const existing = env.SYNC_SERVICE_SID;
  if (existing && existing !== 'default') {
    try {
      return (await client.sync.v1.services(existing).fetch()).sid;
    } catch (error) {
      if ((error as { status?: unknown }).status !== 404) throw error;
    }
  }
  return (await client.sync.v1.services.create({ friendlyName: LOCAL_SERVICE_NAME, aclEnabled: true })).sid;
}

/** The kit's Studio flow published in the emulator, calling this stack's check-code Function (npm run call uses it). */
export async function publishLocalVoiceFlow(env: Readonly<Record<string, string>>, emulatorUrl: string, functionsUrl: string): Promise<PublishedFlow> {
  const httpClient = createEmulatorHttpClient({ emulatorUrl, timeoutMs: 5000 });
  const client = twilio(env.ACCOUNT_SID, env.AUTH_TOKEN, { httpClient });
  return publishVoiceFlow(client, { url: `${functionsUrl}${CHECK_CODE_PATH}` }, 'npm start: the local stack');
}
