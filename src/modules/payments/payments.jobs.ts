import type { Job } from '../../worker/jobs';

/** The payments module's scheduled jobs; each works from the database's state and is safe to run twice. */
export const PAYMENTS_JOBS: Job[] = [
  { name: 'payments.release-lapsed-holds', schedule: '* * * * *', run: (c) => c.services.holds.releaseLapsedHolds() },
  { name: 'payments.warn-lapsing-holds', schedule: '* * * * *', run: (c) => c.services.holdNotices.warnLapsing() },
  { name: 'payments.mark-overdue-invoices', schedule: '17 * * * *', run: (c) => c.services.invoices.markOverdue() },
  // Issues every recorded invoice (POST /bookings only records it) and finishes refunds and voids: each minute.
  { name: 'payments.retry-pending', schedule: '* * * * *', run: (c) => c.services.payments.retryPending() },
];
