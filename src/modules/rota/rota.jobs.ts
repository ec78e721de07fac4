import type { Job } from '../../worker/jobs';

/** The rota's scheduled jobs; each works from the database's state and is safe to run twice. */
export const ROTA_JOBS: Job[] = [
  // Generated shifts catch up with bookings and staffed hours before codes and texts go out.
  { name: 'rota.regenerate-shifts', schedule: '*/1 * * * *', run: (c) => c.services.rota.generated.drainPending() },
  { name: 'rota.revoke-stale-codes', schedule: '*/1 * * * *', run: (c) => c.services.rota.notices.revokeStaleCodes() },
  { name: 'rota.issue-due-codes', schedule: '*/1 * * * *', run: (c) => c.services.rota.notices.issueDueCodes() },
  { name: 'rota.send-reminders', schedule: '*/10 * * * *', run: (c) => c.services.rota.notices.sendReminders() },
  { name: 'rota.alert-unfilled', schedule: '*/15 * * * *', run: (c) => c.services.rota.notices.alertUnfilled() },
];
