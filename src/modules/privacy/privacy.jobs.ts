import type { Job } from '../../worker/jobs';

/** The privacy module's scheduled job: retention (docs/privacy.md), daily at night, safe to run twice. */
export const PRIVACY_JOBS: Job[] = [{ name: 'privacy.apply-retention', schedule: '23 3 * * *', run: (c) => c.services.retention.run() }];
