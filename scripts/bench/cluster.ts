/**
 * The API with one process against two behind one port (Node's cluster module: the primary
 * accepts and hands connections to its workers), on a bench database seeded by `npm run bench`
 * with BENCH_KEEP_DB=1. Each worker is a whole app (its own container and pg pool). The primary
 * generates the load (autocannon in a worker thread) for room availability and network search.
 *
 *   BENCH_KEEP_DB=1 BENCH_DB_NAME=x npm run bench            # seed and keep
 *   BENCH_DB_NAME=x node --import tsx scripts/bench/cluster.ts
 */
import autocannon from 'autocannon';
import cluster from 'node:cluster';
import { randomBytes } from 'node:crypto';
import { writeFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Client } from 'pg';

const env = process.env;
const url = (() => {
  const u = new URL(env.BENCH_DATABASE_URL || env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test');
  u.pathname = `/${env.BENCH_DB_NAME || 'hubkey_bench'}`;
  return u.toString();
})();
const PORT = Number(env.BENCH_CLUSTER_PORT || 3151);
const DURATION = Number(env.BENCH_DURATION || 10);
const CONNECTIONS = Number(env.BENCH_CONNECTIONS || 20);
const POOL = Number(env.BENCH_POOL || 20);

async function worker() {
  const { buildApp } = await import('../../src/app.js');
  const { createContainer } = await import('../../src/container.js');
  const { loadConfig } = await import('../../src/config/env.js');
  const config = loadConfig({
    NODE_ENV: 'production',
    DATABASE_URL: url,
    DATABASE_POOL_MAX: String(POOL),
    LOG_LEVEL: 'silent',
    JWT_SECRET: env.HUBKEY_BENCH_JWT!,
    ACCESS_CODE_KEY: env.HUBKEY_BENCH_CODE_KEY!,
    PUBLIC_URL: 'http://127.0.0.1',
  });
  const app = await buildApp(await createContainer(config));
  await app.listen({ host: '127.0.0.1', port: PORT });
  process.on('message', async (m) => {
    if (m === 'stop') {
      await app.close();
      process.exit(0);
    }
  });
}

async function run(label: string, file: string, workers: number) {
  const started = await Promise.all(
    Array.from({ length: workers }, () => {
      const w = cluster.fork();
      return new Promise<typeof w>((ok, fail) => {
        w.once('listening', () => ok(w));
        w.once('exit', (code) => fail(new Error(`worker exited ${code}`)));
      });
    }),
  );
  const go = (seconds: number) =>
    autocannon({ url: `http://127.0.0.1:${PORT}`, connections: CONNECTIONS, duration: seconds, workers: 1, timeout: 30, requests: [{ setupRequest: resolve(__dirname, file) }] });
  await go(3);
  const r = await go(DURATION);
  console.log(`${label.padEnd(14)} ${String(workers)} process${workers > 1 ? 'es' : '  '}: ${r.requests.average.toFixed(0).padStart(6)} req/s, p50 ${r.latency.p50} ms, p99 ${r.latency.p99} ms, non-2xx ${r.non2xx}, errors ${r.errors} [load ${loadavg().map((x) => x.toFixed(1)).join(' ')}]`);
  for (const w of started) {
    w.send('stop');
    await new Promise((ok) => w.once('exit', ok));
  }
  return r.requests.average;
}

async function primary() {
  const c = new Client({ connectionString: url });
  await c.connect();
  const rooms = (await c.query(`SELECT id, hub_id AS "hubId", capacity, buffer_minutes AS "bufferMinutes" FROM rooms ORDER BY id`)).rows;
  const span = (await c.query<{ first: string; days: number }>(`SELECT min(starts_at)::date::text AS first, (max(starts_at)::date - min(starts_at)::date) AS days FROM bookings`)).rows[0];
  const today = (await c.query<{ d: string }>(`SELECT (now() AT TIME ZONE 'Europe/London')::date::text AS d`)).rows[0].d;
  const remaining = (await c.query<{ n: number }>(`SELECT ($1::date + $2::int - $3::date - 1) AS n`, [span.first, span.days, today])).rows[0].n;
  await c.end();
  const dataFile = join(tmpdir(), `hubkey-cluster-${process.pid}.json`);
  writeFileSync(
    dataFile,
    JSON.stringify({
      rooms,
      seedFirstDay: span.first,
      seedDays: span.days,
      searchFirstDay: new Date(Date.parse(today) + 86_400_000).toISOString().slice(0, 10),
      searchDays: Math.max(1, remaining),
      searchHours: [9, 10, 12, 15, 16, 19],
      searchCapacities: [1, 10, 20, 40],
      searchFeatures: [[], ['step_free_access'], ['hearing_loop', 'step_free_access'], ['kitchen']],
    }),
  );
  env.HUBKEY_BENCH_DATA = dataFile;
  env.HUBKEY_BENCH_JWT = randomBytes(32).toString('hex');
  env.HUBKEY_BENCH_CODE_KEY = randomBytes(32).toString('hex');
  try {
    console.log(`Cluster: ${CONNECTIONS} connections, ${DURATION} s per run after 3 s warm-up, pool ${POOL} per process, on ${new URL(url).pathname.slice(1)}`);
    for (const [label, file] of [
      ['availability', 'availability.cjs'],
      ['search', 'search.cjs'],
    ] as const) {
      const one = await run(label, file, 1);
      const two = await run(label, file, 2);
      console.log(`${label.padEnd(14)} two processes / one: ${(two / one).toFixed(2)}×`);
    }
  } finally {
    rmSync(dataFile, { force: true });
  }
}

if (cluster.isPrimary) {
  primary().catch((err) => {
    console.error(err);
    process.exit(1);
  });
} else {
  worker().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
