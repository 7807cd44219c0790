// Mutation testing of the security core and the emulator's code checks (`npm run test:mutation`).
// A measuring script like the benchmarks, not part of CI: it runs the fast in-process suites once per mutant.

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'jest',
  jest: { projectType: 'custom', configFile: 'jest.stryker.config.js', enableFindRelatedTests: true },
  mutate: [
    'lib/core/*.ts',
    'lib/http/caller-token.ts',
    'lib/http/failure-table.ts',
    'lib/http/kit-error.ts',
    'lib/http/schemas.ts',
    'lib/state/*.ts',
    'lib/verify/*.ts',
    'emulator/verify/totp.ts',
    'emulator/verify/codes.ts',
    'emulator/verify/lookup.ts',
  ],
  coverageAnalysis: 'perTest',
  // The machine has 2 cores, shared.
  concurrency: 2,
  // Later runs re-test only mutants whose code or covering tests changed (`npm run test:mutation -- --force` for all).
  incremental: true,
  incrementalFile: 'reports/mutation/stryker-incremental.json',
  reporters: ['clear-text', 'progress', 'html', 'json'],
  htmlReporter: { fileName: 'reports/mutation/mutation.html' },
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  clearTextReporter: { allowColor: false, logTests: false, maxTestsToLog: 0 },
  thresholds: { high: 90, low: 85, break: null },
  // A busy machine stretches test times; a mutant is a timeout only when far beyond the normal run.
  timeoutMS: 10000,
  tempDirName: '.stryker-tmp',
  cleanTempDir: 'always',
};
