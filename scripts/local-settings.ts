// The local stack's own settings (ports, host, emulator switches), from the shell environment over .env.local.
import { isIP } from 'node:net';
import { EMULATOR_PORT, readRenamed } from '../emulator/core/variables';
import { switchesFromEnvironment, type EmulatorSwitches } from '../emulator/switches';

export const DEFAULT_PORT = 3000;
export const DEFAULT_EMULATOR_PORT = 4010;
export const DEFAULT_HOST = '127.0.0.1';

/** A variable with a value the stack cannot use; the message names the variable. */
export class SettingError extends Error {
  override name = 'SettingError';
}

export interface LocalSettings {
  /** Unset when neither the environment nor the file names one. */
  port: number | undefined;
  emulatorPort: number | undefined;
  host: string | undefined;
  switches: Partial<EmulatorSwitches>;
  /** One line per variable set under a former name (VERIFY_EMULATOR_PORT), for the person starting the stack. */
  deprecations: string[];
}

type Variables = Readonly<Record<string, string | undefined>>;

function parsePort(name: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const port = Number(text);
  if (!/^\d+$/.test(text) || port > 65535) throw new SettingError(`${name} must be a port number from 0 to 65535, not ${JSON.stringify(text)}`);
  return port;
}

/** The environment wins over the file (dotenv's rule); empty values count as unset. */
export function resolveLocalSettings(environment: Variables, file: Variables): LocalSettings {
  const lookup = (name: string): string | undefined => {
    const value = environment[name] || file[name];
    return value === undefined || value.trim() === '' ? undefined : value.trim();
  };
  const host = lookup('HOST');
  if (host !== undefined && !/^[A-Za-z0-9.:\-[\]]+$/.test(host)) throw new SettingError(`HOST must be a host name or an IP address, not ${JSON.stringify(host)}`);
  const deprecations: string[] = [];
  const note = (line: string): void => {
    if (!deprecations.includes(line)) deprecations.push(line);
  };
  const merged = { ...file, ...Object.fromEntries(Object.entries(environment).filter(([, value]) => value)) };
  let switches: Partial<EmulatorSwitches>;
  try {
    switches = switchesFromEnvironment(merged, note);
  } catch (error) {
    throw new SettingError((error as Error).message);
  }
  // The environment wins over the file under either name: its former name in the shell beats the new one in the file.
  const emulatorPortIn = (variables: Variables) => readRenamed(variables, EMULATOR_PORT, note);
  const shellPort = emulatorPortIn(environment);
  const emulatorPort = shellPort.value !== undefined ? shellPort : emulatorPortIn(file);
  return {
    port: parsePort('PORT', lookup('PORT')),
    emulatorPort: parsePort(emulatorPort.readAs, emulatorPort.value),
    host: host?.replace(/^\[(.*)\]$/, '$1'),
    switches,
    deprecations,
  };
}

/** 127.0.0.0/8, ::1 and localhost: only this machine can reach a server bound there. */
export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  return bare === 'localhost' || bare === '::1' || (isIP(bare) === 4 && bare.startsWith('127.'));
}

/** Said at start when HOST lets other machines in: the dev sign-in trusts whoever reaches it. */
export function exposureWarning(host: string): string | undefined {
  if (isLoopbackHost(host)) return undefined;
  return `HOST=${host} lets other machines reach the local stack, and its dev sign-in (/__dev/token) mints a caller token for any user to anyone who reaches it`;
}

/** How a host appears in a URL or a Host header: IPv6 literals in brackets. */
export function hostForUrl(host: string): string {
  return isIP(host) === 6 ? `[${host}]` : host;
}

/** The address to print and hand the runtime: the wildcard addresses are reached locally through the loopback. */
export function localUrlHost(host: string): string {
  return host === '0.0.0.0' || host === '::' ? '127.0.0.1' : hostForUrl(host);
}

/** The address `npm start` prints (http://localhost:3000 reads better than the loopback IP, and the docs use it). */
export function printedUrl(url: string): string {
  return url.replace('//127.0.0.1:', '//localhost:');
}
