import type { Job } from '../../worker/jobs';

/**
 * The reports' scheduled job: the usage roll-up follows the bookings. Every minute, for at most
 * 50 s (the next run goes on); a month changed since is read live by reports meanwhile, so a
 * report is exact whether or not this has run.
 */
export const REPORTS_JOBS: Job[] = [{ name: 'reports.roll-up', schedule: '*/1 * * * *', run: (c) => c.services.reports.rollUp({ budgetMs: 50_000 }) }];
