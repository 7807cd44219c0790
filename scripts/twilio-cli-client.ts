// The twilio client of the command-line tools (setup, support): the account's credentials, bounded time, no retries,
// and with EMULATOR_URL the emulator on this machine instead of Twilio, through the same httpClient as the stack.
import twilio from 'twilio';
import { createEmulatorHttpClient } from '../emulator/client/http-client';
import { deprecationLine } from '../emulator/core/switches';
import { EMULATOR_URL } from '../emulator/core/variables';

/** Reads one variable (the environment or an env file); undefined when unset or blank. */
export type Lookup = (name: string) => string | undefined;

/** The emulator receives the account's credentials (Basic auth), so it may only live on this machine. */
const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** A variable the client cannot be built without, or one with a value it refuses; the message names it. */
export class CliSettingError extends Error {
  override readonly name = 'CliSettingError';
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(message);
  }
}

/** Said once per process when only the former name is set (each tool prints it as a warning). */
let deprecationSaid = false;

/**
 * The emulator's origin when EMULATOR_URL (or its former name VERIFY_EMULATOR_URL, with one deprecation line) is
 * set; any host but this machine's is refused.
 */
export function emulatorUrlFrom(lookup: Lookup, onDeprecated: (line: string) => void = (line) => console.warn(`warning: ${line}`)): string | undefined {
  let name: string = EMULATOR_URL.name;
  let value = lookup(name);
  if (value === undefined && lookup(EMULATOR_URL.former) !== undefined) {
    name = EMULATOR_URL.former;
    value = lookup(name);
    if (!deprecationSaid) onDeprecated(deprecationLine(EMULATOR_URL.former, EMULATOR_URL.name));
    deprecationSaid = true;
  }
  if (value === undefined) return undefined;
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (url === undefined || !['http:', 'https:'].includes(url.protocol) || !LOOPBACK_HOSTS.has(url.hostname)) {
    throw new CliSettingError(name, `${name} must be an http(s) address on this machine (127.0.0.1, localhost), not "${value}"`);
  }
  return url.origin;
}

/** ACCOUNT_SID and AUTH_TOKEN (or the twilio CLI's TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN). */
export function credentialsFrom(lookup: Lookup): { accountSid: string; authToken: string } {
  const accountSid = lookup('ACCOUNT_SID') ?? lookup('TWILIO_ACCOUNT_SID');
  const authToken = lookup('AUTH_TOKEN') ?? lookup('TWILIO_AUTH_TOKEN');
  if (accountSid === undefined || authToken === undefined) {
    const variable = accountSid === undefined ? 'ACCOUNT_SID' : 'AUTH_TOKEN';
    throw new CliSettingError(variable, 'ACCOUNT_SID and AUTH_TOKEN must be set in the env file or the environment (Twilio Console → Account info)');
  }
  return { accountSid, authToken };
}

/** Each call times out after `timeoutMs`; a 429 is not retried (a tool run by hand can simply be run again). */
export function createCliClient(lookup: Lookup, timeoutMs: number): twilio.Twilio {
  const { accountSid, authToken } = credentialsFrom(lookup);
  const emulatorUrl = emulatorUrlFrom(lookup);
  // Same path as the local stack: the real client, its Verify and Sync calls rerouted to the emulator.
  const httpClient = emulatorUrl === undefined ? undefined : createEmulatorHttpClient({ emulatorUrl, timeoutMs });
  return twilio(accountSid, authToken, { httpClient, timeout: timeoutMs, autoRetry: false });
}
