import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Client } from 'pg';
import request from 'supertest';
import { buildApp, type App } from '../../src/app';
import { type Config, loadConfig } from '../../src/config/env';
import { type Container, type ContainerOverrides, createContainer } from '../../src/container';
import { type Database, openDatabase } from '../../src/db/client';
import { FixedClock } from '../../src/lib/clock';
import { silentLogger } from '../../src/lib/logger';

export const TEST_NOW = '2026-03-02T09:00:00Z';

/**
 * Opens a database of this test file's own, already migrated: on PostgreSQL a new database copied
 * from the run's template (CREATE DATABASE … TEMPLATE, a file copy), on PGlite a fresh in-memory
 * instance from the migrated dump. Files never see each other's rows, so workers that scan a whole
 * table (the outbox sender, say) stay inside their file.
 */
export async function openTestDatabase(opts: { sameAs?: Database } = {}): Promise<Database> {
  const template = process.env.HUBKEY_TEST_DATABASE_URL;
  // A second process on the same database (two workers, say): its own pool, the same rows.
  if (opts.sameAs?.url) return openDatabase({ url: opts.sameAs.url, poolMax: 20 });
  if (template) {
    const url = new URL(template);
    const name = `${url.pathname.slice(1)}_${randomBytes(4).toString('hex')}`;
    const admin = new Client({ connectionString: process.env.DATABASE_URL });
    await admin.connect();
    try {
      await admin.query(`CREATE DATABASE ${name} TEMPLATE ${url.pathname.slice(1)}`);
    } finally {
      await admin.end();
    }
    url.pathname = `/${name}`;
    return openDatabase({ url: url.toString(), poolMax: 20 });
  }
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
export async function createTestApp(
  opts: { now?: string; env?: Record<string, string>; overrides?: ContainerOverrides; sameDatabaseAs?: TestApp; log?: boolean } = {},
): Promise<TestApp> {
  const clock = new FixedClock(opts.now ?? TEST_NOW);
  const database = await openTestDatabase({ sameAs: opts.sameDatabaseAs?.container.database });
  const container = await createContainer(testConfig(opts.env), { clock, database, logger: silentLogger, ...opts.overrides });
  const app = await buildApp(container, { log: opts.log });
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

/**
 * Two apps (as two processes would be: each its own pool and clock) on one PostgreSQL database,
 * made before the file's tests and closed after them: for races that need real concurrency.
 * Read `apps.a` and `apps.b` inside the tests.
 */
export function twoAppsOnOneDatabase(now: string) {
  const apps = {} as { a: TestApp; b: TestApp };
  beforeAll(async () => {
    apps.a = await createTestApp({ now });
    apps.b = await createTestApp({ now, sameDatabaseAs: apps.a });
  });
  afterAll(async () => {
    await apps.a?.close();
    await apps.b?.close();
  });
  return apps;
}
