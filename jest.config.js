/** Jest runs TypeScript tests with ts-jest; each suite starts the real servers it needs, on bundles built just before. */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/tests'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }] },
  testTimeout: 30000,
  // The Functions suites run dist/: rebuild it first, so no run can test yesterday's code.
  globalSetup: '<rootDir>/tests/global-setup.ts',
  setupFiles: ['<rootDir>/tests/setup/quiet-event-log.ts'],
};
