// createEmulator: the emulator's server with every product of emulator/products.ts plugged in (not yet listening).
import type * as http from 'node:http';
import { createServer, type ServerOptions } from './core/server';
import { PRODUCTS } from './products';
import { createServerlessProduct } from './serverless';
import type { EnvironmentHost } from './serverless/host';
import type { EmulatorSwitches } from './switches';

export interface EmulatorOptions extends Omit<ServerOptions, 'products' | 'switches'> {
  switches?: Partial<EmulatorSwitches>;
  /**
   * What serves Serverless's deployed environments (the deploy rehearsal's, scripts/rehearsal/served-environments.ts);
   * without one, environments get Twilio's twil.io names and are served nowhere.
   */
  serverlessHost?: EnvironmentHost;
}

export function createEmulator(options: EmulatorOptions): http.Server {
  const { serverlessHost, ...rest } = options;
  const products = serverlessHost === undefined ? PRODUCTS : PRODUCTS.map((product) => (product.name === 'serverless' ? createServerlessProduct({ host: serverlessHost }) : product));
  return createServer({ ...rest, products });
}
