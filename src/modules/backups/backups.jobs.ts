import type { Job } from '../../worker/jobs';

/** The embedded database's nightly backup (02:30 server time); a no-op on PostgreSQL, which pg_dump or the provider backs up. */
export const BACKUP_JOBS: Job[] = [{ name: 'backups.nightly', schedule: '30 2 * * *', run: (c) => c.services.backups.nightly() }];
