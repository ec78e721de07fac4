/** @type {import('jest').Config} */
const shared = {
  testEnvironment: 'node',
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.[cm]?[tj]sx?$': ['@swc/jest'] },
  transformIgnorePatterns: ['/node_modules/(?!(content-disposition|cookie|@fastify/cookie|@electric-sql/pglite)/)'],
  // @fastify/cookie loads cookie 2 (ESM) with import(): let swc turn that into require() too.
  // jest's 5 s default is too short for a cold PGlite.
  testTimeout: 30000,
};

/**
 * Two tiers, one run: `unit` (pure functions, services with in-memory fakes) needs no database and
 * has no global set-up, so `npx jest test/unit` takes seconds; `integration` migrates one database
 * per run (PGlite, or PostgreSQL with DATABASE_URL) and each file copies it.
 */
module.exports = {
  projects: [
    {
      ...shared,
      displayName: 'unit',
      roots: ['<rootDir>/test/unit'],
    },
    {
      ...shared,
      displayName: 'integration',
      roots: ['<rootDir>/test/integration'],
      globalSetup: '<rootDir>/test/helpers/global-setup.ts',
      globalTeardown: '<rootDir>/test/helpers/global-teardown.ts',
      // Tests of real concurrency need PostgreSQL's many connections; PGlite is one connection. Tests of
      // the embedded server's own process (crashes, its control socket) run in the embedded pass only.
      testPathIgnorePatterns: ['/node_modules/', ...(process.env.DATABASE_URL ? ['/test/integration/embedded-only/'] : ['/test/integration/postgres-only/'])],
    },
  ],
  testTimeout: 30000,
  // Integration files each open their own database; two workers fit the 2-core machines.
  maxWorkers: 2,
};
