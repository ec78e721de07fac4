import type { Container } from '../container';
import { ACCESS_JOBS } from '../modules/access/access.jobs';
import { BACKUP_JOBS } from '../modules/backups/backups.jobs';
import { OUTBOX_JOBS } from '../modules/notifications/outbox.jobs';
import { BOOKINGS_JOBS } from '../modules/bookings/bookings.jobs';
import { ORGANISATIONS_JOBS } from '../modules/organisations/organisations.jobs';
import { PRIVACY_JOBS } from '../modules/privacy/privacy.jobs';
import { PAYMENTS_JOBS } from '../modules/payments/payments.jobs';
import { REPORTS_JOBS } from '../modules/reports/reports.jobs';
import { ROTA_JOBS } from '../modules/rota/rota.jobs';
import { createSessionStore } from '../web/session';
import { withJobLock } from './lock';

/**
 * Every scheduled job, by name, collected from each module's *.jobs.ts (the module registers its own). Each is idempotent, works from the database's state (a worker
 * that was down catches up on its next run) and runs under an advisory lock, so two workers
 * never run the same job at once.
 */
export interface Job {
  name: string;
  /** node-cron expression (six fields allow seconds). */
  schedule: string;
  run(c: Container): Promise<number>;
}

export const JOBS: Job[] = [
  ...BOOKINGS_JOBS,
  // Lapsed holds are released before codes are issued, so a released booking never gets one.
  ...PAYMENTS_JOBS,
  ...ORGANISATIONS_JOBS,
  // Codes are issued before the outbox is sent, so `--once` issues and texts in one run.
  ...ACCESS_JOBS,
  // Shifts follow bookings (and completed bookings) before shift codes and texts are queued.
  ...ROTA_JOBS,
  ...OUTBOX_JOBS,
  ...BACKUP_JOBS,
  ...PRIVACY_JOBS,
  // After the bookings jobs, so `--once` rolls up what they changed.
  ...REPORTS_JOBS,
  {
    name: 'web.purge-expired-sessions',
    schedule: '17 * * * *',
    run: (c) => createSessionStore(c.database.db).purgeExpired(c.clock.now()),
  },
];

/** Runs one job under its lock; returns what it did, or 'skipped' when another worker holds it. */
export async function runJob(c: Container, job: Job): Promise<number | 'skipped'> {
  return withJobLock(c.database, job.name, () => job.run(c));
}
