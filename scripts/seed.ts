import { configOrExit, keypadLines } from '../src/bootstrap';
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
    const demo = await seedDemo(database.db);
    console.log(`Seeded the demo network. Logins (password "${DEMO_PASSWORD}"):`);
    for (const l of DEMO_LOGINS) console.log(`  ${l.email.padEnd(24)} ${l.role}`);
    // As `npm start` does: the device key is stored only as a hash, so this is the one chance to see it.
    console.log(keypadLines(config.publicUrl, { id: demo.doors.front.id, name: demo.doors.front.name, deviceKey: demo.doors.front.deviceKey }).join('\n'));
  } finally {
    await database.close();
  }
}
main().catch((err) => {
  console.error(err);
  process.exit(1);
});
