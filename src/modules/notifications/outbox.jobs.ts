import type { Job } from '../../worker/jobs';

/** The outbox's scheduled jobs. The sender claims rows with FOR UPDATE SKIP LOCKED, so overlapping senders never share one. */
export const OUTBOX_JOBS: Job[] = [{ name: 'notifications.send-outbox', schedule: '*/15 * * * * *', run: (c) => c.services.outbox.sendDue() }];
