/** Type checking is done once by `tsc --noEmit`; ts-jest only transpiles, which keeps the suite fast. */
module.exports = {
  testEnvironment: "<rootDir>/tests/environment.ts",
  roots: ["<rootDir>/tests"],
  testMatch: ["**/*.test.ts"],
  transform: {
    "^.+\\.ts$": ["ts-jest", { diagnostics: false }],
  },
  testTimeout: 120000,
  // Each committed stack is rendered once per run; test files read those renders (tests/harness.ts).
  globalSetup: "<rootDir>/tests/global-setup.ts",
  globalTeardown: "<rootDir>/tests/global-teardown.ts",
  // jest's default (cores - 1) runs a single worker on a two-core machine.
  maxWorkers: "100%",
  reporters: ["default", "<rootDir>/tools/jest-summary-reporter.js"],
};
