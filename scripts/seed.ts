import { configOrExit } from '../src/bootstrap';
import { openDatabase } from '../src/db/client';
import { assertDataDirFree } from '../src/modules/backups/backups.control';
import { DEMO_LOGINS, DEMO_PASSWORD, hasData, seedDemo } from '../src/db/seed';

/** Seeds the demo network. Refuses a database that already has data unless given --force. */
async function main() {
  const config = configOrExit();
  const force = process.argv.includes('--force');
  if (config.database.embedded) await assertDataDirFree(config.database.dataDir, 'seeding it');
  const database = await openDatabase({ url: config.database.url, dataDir: config.database.dataDir });
  try {
    await database.migrate();
    if ((await hasData(database.db)) && !force) {
      console.error('The database already has data; seeding refused. Run `npm run seed -- --force` to add the demo network anyway.');
      process.exitCode = 2;
      return;
    }
    await seedDemo(database.db);
    console.log(`Seeded the demo network. Logins (password "${DEMO_PASSWORD}"):`);
    for (const l of DEMO_LOGINS) console.log(`  ${l.email.padEnd(24)} ${l.role}`);
  } finally {
    await database.close();
  }
}
main().catch((err) => {
  console.error(err);
  process.exit(1);
});
