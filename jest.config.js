/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.[cm]?[tj]sx?$': ['@swc/jest'] },
  transformIgnorePatterns: ['/node_modules/(?!(content-disposition|cookie|@electric-sql/pglite)/)'],
  globalSetup: '<rootDir>/test/helpers/global-setup.ts',
  globalTeardown: '<rootDir>/test/helpers/global-teardown.ts',
  // Tests of real concurrency need PostgreSQL's many connections; PGlite is one connection. Tests of
  // the embedded server's own process (crashes, its control socket) run in the embedded pass only.
  testPathIgnorePatterns: ['/node_modules/', ...(process.env.DATABASE_URL ? ['/test/integration/embedded-only/'] : ['/test/integration/postgres-only/'])],
  testTimeout: 30000,
  // Integration files each open their own database; two workers fit the 2-core machines.
  maxWorkers: 2,
};
