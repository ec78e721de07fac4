import { randomBytes } from 'node:crypto';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { openDatabase } from '../../src/db/client';

/**
 * Prepares one migrated database for the whole run.
 * - With DATABASE_URL: a migrated template database `hubkey_test_<random>` on that server; each test
 *   file copies it (see openTestDatabase), and all are dropped at the end.
 * - Without: an embedded PGlite, migrated once and dumped, which each test file loads (≈0.3 s, not 1.5 s cold).
 */
export default async function globalSetup(): Promise<void> {
  const url = process.env.DATABASE_URL;
  if (url) {
    // Named with the start time, so a run killed before its teardown is cleaned up by a later one.
    const name = `hubkey_test_${Math.floor(Date.now() / 1000)}_${randomBytes(3).toString('hex')}`;
    const admin = new Client({ connectionString: url });
    await admin.connect();
    const stale = await admin.query<{ datname: string }>(
      `SELECT datname FROM pg_database WHERE (CASE WHEN datname ~ '^hubkey_test_[0-9]+_' THEN split_part(datname, '_', 3)::bigint END) < $1`,
      [Math.floor(Date.now() / 1000) - 6 * 3600],
    );
    for (const { datname } of stale.rows) await admin.query(`DROP DATABASE IF EXISTS ${datname} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${name}`);
    await admin.end();
    const testUrl = new URL(url);
    testUrl.pathname = `/${name}`;
    const db = await openDatabase({ url: testUrl.toString() });
    await db.migrate();
    await db.close();
    process.env.HUBKEY_TEST_DATABASE_URL = testUrl.toString();
    process.env.HUBKEY_TEST_DATABASE_NAME = name;
    return;
  }
  const db = await openDatabase({ dataDir: 'memory://' });
  await db.migrate();
  const dump = await db.pglite!.dumpDataDir('none');
  const file = join(mkdtempSync(join(tmpdir(), 'hubkey-test-')), 'pglite.tar');
  writeFileSync(file, Buffer.from(await dump.arrayBuffer()));
  await db.close();
  process.env.HUBKEY_TEST_PGLITE_DUMP = file;
}
