/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.[cm]?[tj]sx?$': ['@swc/jest'] },
  // @fastify/cookie loads cookie 2 (ESM) with import(): let swc turn that into require() too.
  transformIgnorePatterns: ['/node_modules/(?!(content-disposition|cookie|@fastify/cookie|@electric-sql/pglite)/)'],
  globalSetup: '<rootDir>/test/helpers/global-setup.ts',
  globalTeardown: '<rootDir>/test/helpers/global-teardown.ts',
  // Tests of real concurrency need PostgreSQL's many connections; PGlite is one connection.
  testPathIgnorePatterns: ['/node_modules/', ...(process.env.DATABASE_URL ? [] : ['/test/integration/postgres-only/'])],
  testTimeout: 30000,
  // Integration files each open their own database; two workers fit the 2-core machines.
  maxWorkers: 2,
};
