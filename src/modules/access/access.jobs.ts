import type { Job } from '../../worker/jobs';

/** The access module's scheduled jobs; each works from the database's state and is safe to run twice. */
export const ACCESS_JOBS: Job[] = [
  { name: 'access.issue-due-codes', schedule: '*/1 * * * *', run: (c) => c.services.accessCodes.issueDue() },
  { name: 'access.sync-locks', schedule: '*/2 * * * *', run: (c) => c.services.lockSync.syncLocks() },
  { name: 'access.remove-expired-codes', schedule: '*/5 * * * *', run: (c) => c.services.lockSync.removeExpired() },
  { name: 'bookings.send-reminders', schedule: '*/10 * * * *', run: (c) => c.services.reminders.sendReminders() },
];
