import type { Job } from '../../worker/jobs';

/** Payments' jobs: each idempotent, working from the database's state. */
export const PAYMENTS_JOBS: Job[] = [
  {
    name: 'payments.release-lapsed-holds',
    schedule: '* * * * *',
    run: (c) => c.services.holds.releaseLapsedHolds(),
  },
  {
    name: 'payments.mark-overdue-invoices',
    schedule: '17 * * * *',
    run: (c) => c.services.invoices.markOverdue(),
  },
  {
    // Issues every recorded invoice (POST /bookings only records it), so it runs each minute.
    name: 'payments.retry-pending',
    schedule: '* * * * *',
    run: (c) => c.services.payments.retryPending(),
  },
];
