/**
 * The browser tests (npm run test:browser): Chromium driven by playwright-core through the real
 * server on an embedded database, with axe-core and html-validate on every page. Their own jest
 * project, so `npm test` stays fast and needs no browser.
 * @type {import('jest').Config}
 */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test/browser'],
  testMatch: ['**/*.browser.ts'],
  transform: { '^.+\\.[cm]?[tj]sx?$': ['@swc/jest'] },
  transformIgnorePatterns: ['/node_modules/(?!(content-disposition|cookie|@fastify/cookie|@electric-sql/pglite)/)'],
  testTimeout: 120000,
  maxWorkers: 1,
};
