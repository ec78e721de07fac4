import type { Job } from '../../worker/jobs';

/** Payments' jobs: each idempotent, working from the database's state. */
export const PAYMENTS_JOBS: Job[] = [
  {
    name: 'payments.release-lapsed-holds',
    schedule: '* * * * *',
    run: (c) => c.services.payments.releaseLapsedHolds(),
  },
  {
    name: 'payments.mark-overdue-invoices',
    schedule: '17 * * * *',
    run: (c) => c.services.payments.markOverdueInvoices(),
  },
  {
    name: 'payments.retry-pending',
    schedule: '*/5 * * * *',
    run: (c) => c.services.payments.retryPending(),
  },
];
