/**
 * Jest for mutation testing only (stryker.config.mjs): the in-process suites that exercise the security core and the
 * emulator's code checks, with no Functions runtime, no bundles, no browser and no child emulator process.
 */
const base = require('./jest.config.js');

module.exports = {
  ...base,
  // Stryker runs only the suites related to a mutated file (jest --findRelatedTests), which needs the whole import graph
  // (tests → emulator server → operations) inside the roots.
  roots: ['<rootDir>/tests', '<rootDir>/lib', '<rootDir>/emulator'],
  // These suites import lib/ and emulator/ directly and never read dist/: building it before each mutant's run would
  // cost a second every time.
  globalSetup: undefined,
  testMatch: [
    '<rootDir>/tests/lib/**/*.test.ts',
    '<rootDir>/tests/emulator/verify/{totp,code-rules,challenges,factors,entities,services}.test.ts',
    '<rootDir>/tests/emulator/core/control.test.ts',
  ],
};
