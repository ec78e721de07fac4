import type { Job } from '../../worker/jobs';

/** Sends every due outbox message; rows are claimed with FOR UPDATE SKIP LOCKED, so overlapping senders never share one. */
export const OUTBOX_JOBS: Job[] = [{ name: 'notifications.send-outbox', schedule: '*/15 * * * * *', run: (c) => c.services.outbox.sendDue() }];
