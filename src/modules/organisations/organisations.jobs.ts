import type { Job } from '../../worker/jobs';

/** The organisations module's scheduled jobs; each works from the database's state and is safe to run twice. */
export const ORGANISATIONS_JOBS: Job[] = [{ name: 'organisations.alert-lapsed-rechecks', schedule: '7 6 * * *', run: (c) => c.services.tierRechecks.alertLapsed() }];
