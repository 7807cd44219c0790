// The products the emulator serves, one line each: adding a product is its folder and a line here.
import { serverless } from './serverless';
import { studio } from './studio';
import { sync } from './sync';
import { verify } from './verify';

/**
 * In this order a request's path is tried (see core/server.ts); the names tag journal entries and snapshot parts.
 * Serverless answers only its own hosts (its /v1/Services paths are Sync's too); Studio's /v2/Flows follow Verify's /v2/.
 */
export const PRODUCTS = [verify, sync, serverless, studio] as const;
