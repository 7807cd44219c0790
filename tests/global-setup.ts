// Jest globalSetup: builds dist/ before any suite runs, so the Functions and browser suites never test stale bundles.
import { buildAll } from '../scripts/build';

/** Runs once per jest run (a lone `npx jest tests/x.test.ts` and every watch re-run included); esbuild takes about a second. */
export default async function globalSetup(): Promise<void> {
  await buildAll();
}
