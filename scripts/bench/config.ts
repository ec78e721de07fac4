import { randomBytes } from 'node:crypto';
import { loadConfig } from '../../src/config/env.js';

/** The bench database these scripts work on: BENCH_DB_NAME (default hubkey_bench) on BENCH_DATABASE_URL, else DATABASE_URL, else the local server. */
export function benchDatabaseUrl(): URL {
  const u = new URL(process.env.BENCH_DATABASE_URL || process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test');
  u.pathname = `/${process.env.BENCH_DB_NAME || 'hubkey_bench'}`;
  return u;
}

/** The app's configuration as the bench scripts run it: production, silent, fresh secrets each run; `extra` adds or overrides. */
export function benchAppConfig(databaseUrl: string, extra: Record<string, string> = {}) {
  return loadConfig({
    NODE_ENV: 'production',
    DATABASE_URL: databaseUrl,
    LOG_LEVEL: 'silent',
    JWT_SECRET: randomBytes(32).toString('hex'),
    ACCESS_CODE_KEY: randomBytes(32).toString('hex'),
    PUBLIC_URL: 'http://127.0.0.1',
    ...extra,
  });
}
