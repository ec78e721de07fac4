import { readFileSync } from 'node:fs';
import request from 'supertest';
import { buildApp, type App } from '../../src/app';
import { type Config, loadConfig } from '../../src/config/env';
import { type Container, type ContainerOverrides, createContainer } from '../../src/container';
import { type Database, openDatabase } from '../../src/db/client';
import { FixedClock } from '../../src/lib/clock';

export const TEST_NOW = '2026-03-02T09:00:00Z';

/** Opens the run's test database: the shared PostgreSQL database, or a fresh in-memory PGlite from the migrated dump. */
export async function openTestDatabase(): Promise<Database> {
  const url = process.env.HUBKEY_TEST_DATABASE_URL;
  if (url) return openDatabase({ url, poolMax: 20 });
  const dump = process.env.HUBKEY_TEST_PGLITE_DUMP;
  if (!dump) throw new Error('test/helpers/global-setup.ts did not run');
  return openDatabase({ dataDir: 'memory://', loadDataDir: new Blob([readFileSync(dump)]) });
}

export function testConfig(env: Record<string, string> = {}): Config {
  return loadConfig({
    NODE_ENV: 'test',
    JWT_SECRET: 'test-secret-that-is-long-enough-for-hs256-0123456789',
    ACCESS_CODE_KEY: '00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff',
    PUBLIC_URL: 'http://hubkey.test',
    LOGIN_RATE_LIMIT: '1000',
    ...env,
  });
}

export interface TestApp {
  app: App;
  container: Container;
  clock: FixedClock;
  http: ReturnType<typeof request>;
  close(): Promise<void>;
}

/**
 * The real app on the run's real database, without a socket. The clock starts at TEST_NOW
 * unless given; every file's data is its own (unique emails and new hubs), so files can share
 * the PostgreSQL database.
 */
export async function createTestApp(opts: { now?: string; env?: Record<string, string>; overrides?: ContainerOverrides } = {}): Promise<TestApp> {
  const clock = new FixedClock(opts.now ?? TEST_NOW);
  const database = await openTestDatabase();
  const container = await createContainer(testConfig(opts.env), { clock, database, ...opts.overrides });
  const app = await buildApp(container);
  return {
    app,
    container,
    clock,
    http: request(app.server),
    async close() {
      await app.close();
      await container.close();
    },
  };
}
