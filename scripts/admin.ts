import { configOrExit } from '../src/bootstrap';
import { openDatabase } from '../src/db/client';
import { listAdmins, setAdmin } from '../src/modules/auth/admins';
import { assertDataDirFree } from '../src/modules/backups/backups.control';

const USAGE = 'Usage: npm run admin -- list | grant <email> | revoke <email>';

/** npm run admin: who runs the network (docs/operations.md, "Network admins"). */
async function main() {
  const [command, email] = process.argv.slice(2);
  if (!(command === 'list' || ((command === 'grant' || command === 'revoke') && email))) {
    console.error(USAGE);
    return 2;
  }
  const config = configOrExit();
  if (config.database.embedded) await assertDataDirFree(config.database.dataDir, 'changing admins (stop the server first, or use PostgreSQL)');
  const database = await openDatabase({ url: config.database.url, dataDir: config.database.dataDir, connectTimeoutMs: config.database.connectTimeoutMs });
  try {
    if (command === 'list') {
      const admins = await listAdmins(database.db);
      console.log(admins.length ? admins.map((a) => `${a.email} (${a.name})`).join('\n') : 'No network admins.');
      return 0;
    }
    const result = await setAdmin(database.db, email, command === 'grant');
    if (!result.ok) {
      console.error(result.reason);
      return 1;
    }
    const verb = command === 'grant' ? (result.changed ? 'is now' : 'was already') : result.changed ? 'is no longer' : 'was not';
    console.log(`${result.email} (${result.name}) ${verb} a network admin.`);
    return 0;
  } finally {
    await database.close();
  }
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
