// What a Build may run on: the Runtimes Twilio accepts today and the @twilio/runtime-handler versions it installs,
// in one table each, with where each fact comes from (docs/emulator.md repeats them).

/**
 * Runtimes a Build may name. node18 is refused for changed deploys since 2025-11-10 (Twilio changelog 2025-05-29);
 * node24 is accepted since 2026-07-08, although the OpenAPI description's enum still ends at node22.
 */
export const ACCEPTED_RUNTIMES = ['node20', 'node22', 'node24'] as const;
export type Runtime = (typeof ACCEPTED_RUNTIMES)[number];
/** What a Build without `Runtime` gets when the service has no earlier completed build (Twilio's default). */
export const DEFAULT_RUNTIME: Runtime = 'node22';

/**
 * The @twilio/runtime-handler versions Twilio's build service accepts, from its handler page
 * (twilio.com/docs/serverless/functions-assets/handler, and the page's earlier editions for the 1.x list). 2.0.3 and
 * 2.1.0 are on npm but refused ("No matching version found", serverless-toolkit issues 538 and 564); 2.1.2 is
 * Twilio's own, not on npm.
 */
export const ACCEPTED_HANDLER_VERSIONS = [
  '2.1.2',
  '2.0.1',
  '2.0.0',
  '1.3.1',
  '1.3.0',
  '1.2.5',
  '1.2.4',
  '1.2.3',
  '1.2.2',
  '1.2.1',
  '1.2.0',
  '1.1.3',
  '1.1.2',
  '1.1.1',
  '1.1.0',
  '1.0.2',
  '1.0.1',
] as const;
/** What a Build without the handler in its Dependencies gets: "twilio and @twilio/runtime-handler are part of every build". */
export const DEFAULT_HANDLER_VERSION = '2.0.1';
export const HANDLER_PACKAGE = '@twilio/runtime-handler';

/**
 * node24 runs handler 2.1.2: builds naming 1.2.0 up to 2.1.2 are upgraded to it, and an older one makes the build fail
 * (Twilio's node24 upgrade notes; no error code is given for that failure).
 */
export const NODE24_HANDLER = { runs: '2.1.2', oldestUpgraded: '1.2.0' } as const;

export function isAcceptedRuntime(runtime: string): runtime is Runtime {
  return (ACCEPTED_RUNTIMES as readonly string[]).includes(runtime);
}

export function isAcceptedHandlerVersion(version: string): boolean {
  return (ACCEPTED_HANDLER_VERSIONS as readonly string[]).includes(version);
}

/** Compares two x.y.z versions (the accepted list holds only such). */
export function compareVersions(a: string, b: string): number {
  const left = a.split('.').map(Number);
  const right = b.split('.').map(Number);
  for (let index = 0; index < 3; index++) {
    const difference = (left[index] ?? 0) - (right[index] ?? 0);
    if (difference !== 0) return difference;
  }
  return 0;
}
