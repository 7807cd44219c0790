// createEmulator: the emulator's server with every product of emulator/products.ts plugged in (not yet listening).
import type * as http from 'node:http';
import { createServer, type ServerOptions } from './core/server';
import { PRODUCTS } from './products';
import type { EmulatorSwitches } from './switches';

export interface EmulatorOptions extends Omit<ServerOptions, 'products' | 'switches'> {
  switches?: Partial<EmulatorSwitches>;
}

export function createEmulator(options: EmulatorOptions): http.Server {
  return createServer({ ...options, products: PRODUCTS });
}
