import cron, { type Logger as CronLogger, type ScheduledTask } from 'node-cron';
import type { Container } from '../container';
import { dbErrorSummary, isDatabaseUnavailable } from '../db/client';
import { JOBS, runJob } from './jobs';

/** What the scheduler needs of a logger (pino, in practice). */
export interface Logger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

/**
 * node-cron's own messages (a missed tick under a blocked event loop, a run blocked by the one
 * before it) through our logger, as JSON lines with the job's name, instead of its console
 * output, which bypasses pino's format and redaction.
 */
export function cronLogger(log: Logger, job: string): CronLogger {
  const fields = (err?: unknown) => (err === undefined ? { job, source: 'node-cron' } : { job, source: 'node-cron', err });
  return {
    info: (message) => log.info(fields(), message),
    warn: (message) => log.warn(fields(), message),
    error: (message, err) => (message instanceof Error ? log.error(fields(message)) : log.error(fields(err), message)),
    // node-cron's debug lines say nothing an operator needs.
    debug: () => {},
  };
}

/** Each job's schedule: its own, or the one JOB_SCHEDULES gives it. An unknown name there is a mistake worth stopping for. */
export function schedulesFor(overrides: Record<string, string>): { name: string; schedule: string }[] {
  const unknown = Object.keys(overrides).filter((name) => !JOBS.some((j) => j.name === name));
  if (unknown.length) throw new Error(`JOB_SCHEDULES names no such job: ${unknown.join(', ')} (jobs: ${JOBS.map((j) => j.name).join(', ')})`);
  return JOBS.map((j) => ({ name: j.name, schedule: overrides[j.name] ?? j.schedule }));
}

/**
 * Schedules every job with node-cron; `stop()` waits for runs in progress. A run that fails is
 * logged and the job runs again on its next tick (jobs work from the database's state, so nothing
 * is lost); a failure because the database is unreachable is a warning, not an error, and never
 * stops the process.
 */
export function startScheduler(c: Container, log: Logger) {
  const inFlight = new Set<Promise<unknown>>();
  const schedules = new Map(schedulesFor(c.config.jobSchedules).map((s) => [s.name, s.schedule]));
  const tasks: ScheduledTask[] = JOBS.map((job) =>
    cron.schedule(
      schedules.get(job.name) ?? job.schedule,
      async () => {
        const p = runJob(c, job)
          .then((result) => {
            if (result !== 'skipped' && result > 0) log.info({ job: job.name, result }, 'job done');
          })
          .catch((err) => {
            if (isDatabaseUnavailable(err)) {
              log.warn({ job: job.name, err: dbErrorSummary(err) }, 'job failed: database unavailable; it runs again on its next tick');
            } else {
              log.error({ err, job: job.name }, 'job failed; it runs again on its next tick');
            }
          });
        inFlight.add(p);
        await p;
        inFlight.delete(p);
      },
      { name: job.name, noOverlap: true, logger: cronLogger(log, job.name) },
    ),
  );
  return {
    async stop() {
      await Promise.all(tasks.map((t) => t.stop()));
      await Promise.allSettled([...inFlight]);
    },
  };
}

/** `--once`: runs every job once, in order, and reports what each did. */
export async function runAllOnce(c: Container) {
  const out: Record<string, number | 'skipped'> = {};
  for (const job of JOBS) out[job.name] = await runJob(c, job);
  return out;
}
