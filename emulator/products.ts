// The products the emulator serves, one line each: adding a product is its folder and a line here.
import { sync } from './sync';
import { verify } from './verify';

/** In this order a request's path is tried (see core/server.ts); the names tag journal entries and snapshot parts. */
export const PRODUCTS = [verify, sync] as const;
