/**
 * What each worker job costs on a tick with nothing (or little) due, on a bench database seeded by
 * `npm run bench` with BENCH_KEEP_DB=1: statements sent on the app's pool, and time. The job
 * lock's own statements go through the lock pool and are not counted.
 *
 *   BENCH_DB_NAME=x node --import tsx scripts/bench/job-ticks.ts
 */
import { randomBytes } from 'node:crypto';
import { loadavg } from 'node:os';
import { JOBS, runJob } from '../../src/worker/jobs.js';
import { createContainer } from '../../src/container.js';
import { loadConfig } from '../../src/config/env.js';
import { recordPool } from './pg-baseline.js';

async function main() {
  const u = new URL(process.env.BENCH_DATABASE_URL || process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test');
  u.pathname = `/${process.env.BENCH_DB_NAME || 'hubkey_bench'}`;
  const config = loadConfig({
    NODE_ENV: 'production',
    DATABASE_URL: u.toString(),
    LOG_LEVEL: 'silent',
    JWT_SECRET: randomBytes(32).toString('hex'),
    ACCESS_CODE_KEY: randomBytes(32).toString('hex'),
    PUBLIC_URL: 'http://127.0.0.1',
  });
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
