import type { Job } from '../../worker/jobs';

/** The bookings module's jobs: each idempotent, working from the database's state. */
export const BOOKINGS_JOBS: Job[] = [
  {
    name: 'bookings.expire-requests',
    schedule: '*/5 * * * *',
    run: (c) => c.services.requests.expireRequests(),
  },
];
