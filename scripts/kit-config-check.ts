// `npm start`'s check of the kit's configuration, with the parser the Functions and `npm run deploy` use, before it
// builds or starts anything: a setting the Functions would refuse stops the start, never a stack answering 500s.
import { ConfigError, parseConfig } from '../lib/config';
import { SettingError } from './local-settings';

/** Stands in for the Verify service the stack creates on its first run (its shape is all the parser checks). */
const PLACEHOLDER_VERIFY_SERVICE = `VA${'0'.repeat(32)}`;

/**
 * Throws SettingError naming the first bad variable (the parser's message; never its value). `domain` is the host and
 * port the runtime gives the Functions as DOMAIN_NAME.
 */
export function checkKitConfig(env: Readonly<Record<string, string | undefined>>, domain: string): void {
  try {
    parseConfig({ VERIFY_SERVICE_SID: PLACEHOLDER_VERIFY_SERVICE, ...env, DOMAIN_NAME: domain });
  } catch (error) {
    if (error instanceof ConfigError) throw new SettingError(`${error.variable} ${error.problem} (the Functions would refuse every request)`);
    throw error;
  }
}
