// Turns a read of public data (the same for every caller, safe to cache) into a Functions handler: no caller token, no input.
import { loadConfig, type Config } from '../config';
import type { RuntimeHandler } from './endpoint';
import { fail, respondPublic, type Logger } from './respond';

const log: Logger = (line) => console.error(`[totp-functions] ${line}`);

/**
 * The runtime hides the HTTP method, and a public read takes no input, so every method gets the same answer: a GET
 * from a backend's key-set client, a HEAD, or a POST. Failures still go through the one error renderer.
 */
export function createPublicEndpoint(name: string, maxAgeSeconds: number, read: (config: Config) => object): RuntimeHandler {
  return async (context, _event, callback) => {
    try {
      callback(null, respondPublic(read(loadConfig(context)), maxAgeSeconds));
    } catch (error) {
      callback(null, fail(error, undefined, log, name));
    }
  };
}
