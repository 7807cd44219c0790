// The products the emulator serves, one line each: adding a product is its folder and a line here.
import { serverless } from './serverless';
import { sync } from './sync';
import { verify } from './verify';

/**
 * In this order a request's path is tried (see core/server.ts); the names tag journal entries and snapshot parts.
 * Serverless answers only its own hosts (its /v1/Services paths are Sync's too).
 */
export const PRODUCTS = [verify, sync, serverless] as const;
