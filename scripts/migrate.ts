import { configOrExit } from '../src/bootstrap';
import { openDatabase, waitForDatabase } from '../src/db/client';
import { createLogger } from '../src/lib/logger';
import { assertDataDirFree } from '../src/modules/backups/backups.control';

/** Applies pending migrations (under an advisory lock) to DATABASE_URL, or the embedded database in DATA_DIR. */
async function main() {
  const config = configOrExit();
  // The embedded database belongs to the process that has it open: never open it beside a running server.
  if (config.database.embedded) await assertDataDirFree(config.database.dataDir, 'migrating it (the server migrates it at start)');
  const database = await openDatabase({ url: config.database.url, dataDir: config.database.dataDir, connectTimeoutMs: config.database.connectTimeoutMs });
  // A server still starting (or briefly away) is waited for, with backoff, rather than failing the release.
  await waitForDatabase(database, createLogger(config.logLevel));
  await database.migrate();
  console.log(`Migrated the ${database.kind === 'postgres' ? 'PostgreSQL' : `embedded (${config.database.dataDir})`} database.`);
  await database.close();
}
main().catch((err) => {
  console.error(err);
  process.exit(1);
});
