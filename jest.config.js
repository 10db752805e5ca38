/**
 * Type checking is done once by `tsc --noEmit` in scripts/test.sh; ts-jest only transpiles (isolatedModules
 * in tsconfig.json), which keeps a run on two cores fast.
 * Suites share one MariaDB database and one Temporal namespace, so they run in band.
 */
/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }] },
  moduleFileExtensions: ['js', 'ts', 'json'],
  setupFiles: ['<rootDir>/test/support/quiet-temporal-runtime.ts'],
  testTimeout: 60_000,
  maxWorkers: 1,
  verbose: false,
};
