// The support tool's settings: the variables it shares with the Functions, read from the env file (the shell fills only
// what the file leaves unset) and checked before anything reaches Twilio, so a missing or bad one is named up front.
import { existsSync } from 'node:fs';
import {
  DEFAULT_ACTIVITY_TTL_DAYS,
  DEFAULT_SYNC_SERVICE_SID,
  DEFAULT_TRUSTED_DEVICE_DAYS,
  MAX_ACTIVITY_TTL_DAYS,
  MAX_LOCKOUT_HARD_CAP,
  MAX_TRUSTED_DEVICE_DAYS,
  MIN_LOCKOUT_HARD_CAP,
  MIN_SECRET_LENGTH,
} from '../../lib/config';
import { parseWebhookSecret, type WebhookTarget } from '../../lib/events/webhook';
import { readEnvFile } from '../env-file';
import { emulatorUrlFrom, type Lookup } from '../twilio-cli-client';
import { configurationError } from './errors';

export interface SupportSettings {
  /** The variables as the tool reads them, for the twilio client (credentials, EMULATOR_URL). */
  lookup: Lookup;
  verifyServiceSid: string;
  syncServiceSid: string;
  /** The key of the identity HMAC: the same as the Functions', or every user looks unknown. */
  identitySecret: Uint8Array;
  /** How long the trail keeps an event (ACTIVITY_TTL_DAYS), as the Functions prune it. */
  activityTtlMs: number;
  /** How long a device stays trusted (TRUSTED_DEVICE_DAYS), as the Functions apply it: status lists only trusted ones. */
  trustedDeviceTtlMs: number;
  /** LOCKOUT_HARD_CAP, as the Functions apply it: `status` says whether a user reached it. */
  hardCap: number;
  /** The local emulator's origin, when the file is the local stack's. */
  emulatorUrl: string | undefined;
  /** The host's webhook for security events; the tool's own events go there too. */
  eventsWebhook: WebhookTarget | undefined;
}

const VERIFY_SERVICE_SID = /^VA[0-9a-fA-F]{32}$/;
const SYNC_SERVICE_SID = /^IS[0-9a-fA-F]{32}$/;
const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);
const DAY_MS = 86_400_000;

/** Blank counts as unset, as for the Functions; a value is taken as it is (IDENTITY_SECRET's bytes key the HMAC). */
function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value;
}

/**
 * The file decides: it names the deployment (or the local stack) whose users the tool acts on, so a variable left in
 * the shell for another one cannot silently change whose identities are derived. The shell only fills gaps, e.g. the
 * twilio CLI's TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN.
 */
export function readSupportSettings(envFile: string, environment: Readonly<Record<string, string | undefined>>): SupportSettings {
  const file = readEnvFile(envFile).values;
  const lookup: Lookup = (name) => nonEmpty(file[name]) ?? nonEmpty(environment[name]);
  const where = existsSync(envFile) ? `in ${envFile} or the environment` : `in the environment (${envFile} does not exist; pass --env <file>)`;
  const required = (name: string): string => {
    const value = lookup(name);
    if (value === undefined) throw configurationError(`${name} is not set ${where}`);
    return value;
  };

  // The twilio CLI's names stand in for the kit's (as for npm run setup).
  if (lookup('ACCOUNT_SID') === undefined && lookup('TWILIO_ACCOUNT_SID') === undefined) throw configurationError(`ACCOUNT_SID is not set ${where}`);
  if (lookup('AUTH_TOKEN') === undefined && lookup('TWILIO_AUTH_TOKEN') === undefined) throw configurationError(`AUTH_TOKEN is not set ${where}`);
  const verifyServiceSid = required('VERIFY_SERVICE_SID');
  if (!VERIFY_SERVICE_SID.test(verifyServiceSid)) throw configurationError('VERIFY_SERVICE_SID is not a Verify service SID (VA followed by 32 hex digits)');
  const syncServiceSid = lookup('SYNC_SERVICE_SID') ?? DEFAULT_SYNC_SERVICE_SID;
  if (syncServiceSid !== DEFAULT_SYNC_SERVICE_SID && !SYNC_SERVICE_SID.test(syncServiceSid)) {
    throw configurationError('SYNC_SERVICE_SID is not a Sync service SID (IS followed by 32 hex digits) or "default"');
  }
  const identitySecret = required('IDENTITY_SECRET');
  // The Functions refuse a shorter one (lib/config.ts); a tool that accepted it would act on identities no Function uses.
  if (identitySecret.length < MIN_SECRET_LENGTH) throw configurationError(`IDENTITY_SECRET is shorter than ${MIN_SECRET_LENGTH} characters`);
  return {
    lookup,
    verifyServiceSid,
    syncServiceSid,
    // lib/config.ts keys the HMAC with the variable's UTF-8 bytes; so does this.
    identitySecret: new TextEncoder().encode(identitySecret),
    activityTtlMs: days(lookup, 'ACTIVITY_TTL_DAYS', DEFAULT_ACTIVITY_TTL_DAYS, MAX_ACTIVITY_TTL_DAYS) * DAY_MS,
    trustedDeviceTtlMs: days(lookup, 'TRUSTED_DEVICE_DAYS', DEFAULT_TRUSTED_DEVICE_DAYS, MAX_TRUSTED_DEVICE_DAYS) * DAY_MS,
    hardCap: hardCap(lookup),
    emulatorUrl: emulatorUrlFrom(lookup),
    eventsWebhook: eventsWebhook(lookup),
  };
}

/** A number of days, 1 to `max`, by the Functions' rule (lib/config.ts). */
function days(lookup: Lookup, name: 'ACTIVITY_TTL_DAYS' | 'TRUSTED_DEVICE_DAYS', fallback: number, max: number): number {
  const raw = lookup(name);
  if (raw === undefined) return fallback;
  const value = /^\d+$/.test(raw) ? Number(raw) : Number.NaN;
  if (!(value >= 1 && value <= max)) throw configurationError(`${name} must be a whole number between 1 and ${max}`);
  return value;
}

function hardCap(lookup: Lookup): number {
  const raw = lookup('LOCKOUT_HARD_CAP');
  if (raw === undefined) return MAX_LOCKOUT_HARD_CAP;
  const cap = /^\d+$/.test(raw) ? Number(raw) : Number.NaN;
  if (!(cap >= MIN_LOCKOUT_HARD_CAP && cap <= MAX_LOCKOUT_HARD_CAP)) {
    throw configurationError(`LOCKOUT_HARD_CAP must be a whole number between ${MIN_LOCKOUT_HARD_CAP} and ${MAX_LOCKOUT_HARD_CAP}`);
  }
  return cap;
}

/** The same rules as the Functions' (lib/config.ts): both or neither, https (http on this machine), a whsec_ secret. */
function eventsWebhook(lookup: Lookup): WebhookTarget | undefined {
  const raw = lookup('EVENTS_WEBHOOK_URL');
  const secret = lookup('EVENTS_WEBHOOK_SECRET');
  if (raw === undefined) {
    if (secret !== undefined) throw configurationError('EVENTS_WEBHOOK_SECRET is set without EVENTS_WEBHOOK_URL');
    return undefined;
  }
  let url: URL | undefined;
  try {
    url = new URL(raw);
  } catch {
    url = undefined;
  }
  if (url === undefined || !(url.protocol === 'https:' || (url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname)))) {
    throw configurationError('EVENTS_WEBHOOK_URL must be an https URL (http only on localhost)');
  }
  if (secret === undefined) throw configurationError('EVENTS_WEBHOOK_SECRET is not set (events must be signed)');
  const key = parseWebhookSecret(secret);
  if (key === undefined) throw configurationError('EVENTS_WEBHOOK_SECRET is not a whsec_… secret of at least 16 bytes');
  return { url, key };
}
