import type { Job } from '../../worker/jobs';

/** The bookings module's scheduled jobs; each works from the database's state and is safe to run twice. */
export const BOOKINGS_JOBS: Job[] = [
  { name: 'bookings.complete-finished', schedule: '*/5 * * * *', run: (c) => c.services.bookings.completeFinished() },
  { name: 'bookings.expire-requests', schedule: '*/5 * * * *', run: (c) => c.services.requests.expireRequests() },
];
