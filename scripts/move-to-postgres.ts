import { configOrExit } from '../src/bootstrap';
import { moveToPostgres } from '../src/modules/backups/backups.commands';
import { cliFailure } from '../src/modules/backups/backups.fns';

/** npm run move-to-postgres -- --to postgres://...: copies the embedded database into an empty PostgreSQL one. */
const args = process.argv.slice(2);
const at = args.indexOf('--to');
const to = at >= 0 ? args[at + 1] : args.find((a) => a.startsWith('--to='))?.slice(5);
if (!to) {
  console.error('usage: npm run move-to-postgres -- --to postgres://user:password@host:5432/database   (an empty database; stop the server first)');
  process.exit(2);
}
moveToPostgres(configOrExit(), to, console.log).catch(cliFailure);
