import { configOrExit } from '../src/bootstrap';
import { restoreCommand } from '../src/modules/backups/backups.commands';
import { cliFailure } from '../src/modules/backups/backups.fns';

/** npm run restore -- FILE [--force]: restores a backup into an empty database (--force: one with data). */
const args = process.argv.slice(2);
const files = args.filter((a) => !a.startsWith('--'));
if (files.length !== 1) {
  console.error('usage: npm run restore -- FILE [--force]   (FILE from npm run backup; --force replaces every row in a database that has data)');
  process.exit(2);
}
restoreCommand(configOrExit(), files[0], { force: args.includes('--force') }, console.log).catch(cliFailure);
