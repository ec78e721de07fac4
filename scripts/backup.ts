import { configOrExit } from '../src/bootstrap';
import { backupCommand } from '../src/modules/backups/backups.commands';
import { cliFailure } from '../src/modules/backups/backups.fns';

/** npm run backup: a dated backup of the whole database into BACKUP_DIR (docs/operations.md). */
backupCommand(configOrExit(), console.log).catch(cliFailure);
