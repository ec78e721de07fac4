import cron, { type ScheduledTask } from 'node-cron';
import type { Container } from '../container';
import { JOBS, runJob } from './jobs';

/** What the scheduler needs of a logger (pino, in practice). */
export interface Logger {
  info(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

/** Schedules every job with node-cron; `stop()` waits for runs in progress. */
export function startScheduler(c: Container, log: Logger) {
  const inFlight = new Set<Promise<unknown>>();
  const tasks: ScheduledTask[] = JOBS.map((job) =>
    cron.schedule(
      job.schedule,
      async () => {
        const p = runJob(c, job)
          .then((result) => {
            if (result !== 'skipped' && result > 0) log.info({ job: job.name, result }, 'job done');
          })
          .catch((err) => log.error({ err, job: job.name }, 'job failed'));
        inFlight.add(p);
        await p;
        inFlight.delete(p);
      },
      { name: job.name, noOverlap: true },
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
