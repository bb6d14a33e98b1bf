/**
 * Test tiers: unit specs next to the code, e2e over real HTTP, reliability (processes, crashes), browser
 * (Chromium), and postgres: code that needs a PostgreSQL server (`*.pg-spec.ts` next to the code, and
 * test/postgres/). Its globalSetup starts one embedded server (or uses TEST_DATABASE_URL) only when
 * one of its tests is selected. reliability-postgres: built app processes as several hosts on one
 * database (test/reliability/*.pg-spec.ts), with the same globalSetup.
 */
const tsJest = { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.spec.json' }] };
const common = {
  moduleFileExtensions: ['ts', 'js', 'json'],
  transform: tsJest,
  testEnvironment: 'node',
  rootDir: __dirname,
};

module.exports = {
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/src/**/*.spec.ts'] },
    { ...common, displayName: 'e2e', testMatch: ['<rootDir>/test/e2e/**/*.e2e-spec.ts'] },
    {
      // The same e2e suite with STORE=postgres: each app gets a database of its own on one embedded server.
      ...common,
      displayName: 'e2e-postgres',
      testMatch: ['<rootDir>/test/e2e/**/*.e2e-spec.ts'],
      setupFiles: ['<rootDir>/test/postgres/e2e-mode.setup.ts'],
      setupFilesAfterEnv: ['<rootDir>/test/postgres/e2e-mode.after.ts'],
      globalSetup: '<rootDir>/test/postgres/global-setup.mjs',
      globalTeardown: '<rootDir>/test/postgres/global-teardown.mjs',
    },
    { ...common, displayName: 'reliability', testMatch: ['<rootDir>/test/reliability/**/*.spec.ts'] },
    { ...common, displayName: 'browser', testMatch: ['<rootDir>/test/browser/**/*.spec.ts'] },
    {
      ...common,
      displayName: 'postgres',
      testMatch: ['<rootDir>/src/**/*.pg-spec.ts', '<rootDir>/test/postgres/**/*.spec.ts'],
      globalSetup: '<rootDir>/test/postgres/global-setup.mjs',
      globalTeardown: '<rootDir>/test/postgres/global-teardown.mjs',
    },
    {
      // Several built app processes on one PostgreSQL database (issue 19): `npm run build` first.
      ...common,
      displayName: 'reliability-postgres',
      testMatch: ['<rootDir>/test/reliability/**/*.pg-spec.ts'],
      globalSetup: '<rootDir>/test/postgres/global-setup.mjs',
      globalTeardown: '<rootDir>/test/postgres/global-teardown.mjs',
    },
  ],
  testTimeout: 60000,
};
