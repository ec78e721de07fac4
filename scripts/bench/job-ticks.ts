/**
 * What each worker job costs on a tick with nothing (or little) due, on a bench database seeded by
 * `npm run bench` with BENCH_KEEP_DB=1: statements sent on the app's pool, and time. The job
 * lock's own statements go through the lock pool and are not counted.
 *
 *   BENCH_DB_NAME=x node --import tsx scripts/bench/job-ticks.ts
 */
import { loadavg } from 'node:os';
import { JOBS, runJob } from '../../src/worker/jobs.js';
import { createContainer } from '../../src/container.js';
import { benchAppConfig, benchDatabaseUrl } from './config.js';
import { recordPool } from './pg-baseline.js';

async function main() {
  const u = benchDatabaseUrl();
  const config = benchAppConfig(u.toString());
  const container = await createContainer(config);
  const pool = container.database.pool!;
  const count = await pool.query<{ n: string }>('SELECT count(*) AS n FROM bookings');
  console.log(`Job ticks on ${u.pathname.slice(1)} (${Number(count.rows[0].n).toLocaleString('en-GB')} bookings) [load ${loadavg().map((x) => x.toFixed(1)).join(' ')}]`);
  console.log('| Job | did (first tick, second tick) | statements (second tick) | ms (first tick) | ms (second tick) |');
  console.log('| --- | ---: | ---: | ---: | ---: |');
  try {
    for (const job of JOBS) {
      if (job.name.startsWith('backups.')) continue; // writes a backup file: not a tick's cost
      const times: number[] = [];
      let statements = 0;
      const did: (number | 'skipped')[] = [];
      for (let i = 0; i < 2; i++) {
        const stop = recordPool(pool);
        const t = performance.now();
        try {
          did.push(await runJob(container, job));
        } finally {
          const rec = stop();
          if (i === 1) statements = rec.length;
        }
        times.push(performance.now() - t);
      }
      console.log(`| ${job.name} | ${did.join(', ')} | ${statements} | ${times[0].toFixed(0)} | ${times[1].toFixed(0)} |`);
    }
  } finally {
    await container.close();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
