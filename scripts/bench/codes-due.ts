/**
 * Many door codes due at once: N bookings (1,000 and 10,000 by default, side by side) all inside
 * their hubs' code lead, in rooms behind keypad doors. The worker's issue job
 * (access.issue-due-codes) is run tick after tick until every booking has its code, then the
 * outbox's sender (notifications.send-outbox) until every text has reached a local fake Twilio
 * (test/fakes/fake-twilio.ts, through the real Twilio adapter). Each phase is timed and its
 * statements on the app's pool counted (the job lock's go through the lock pool and are not).
 *
 *   BENCH_DB_NAME=codes_bench node --import tsx scripts/bench/codes-due.ts
 *
 * Environment (all optional):
 *   BENCH_DATABASE_URL / DATABASE_URL  server (default postgres://postgres@127.0.0.1:5432/test)
 *   BENCH_DB_NAME (hubkey_codes_bench)  the database dropped and recreated for the run (dropped after unless BENCH_KEEP_DB=1)
 *   BENCH_CODES (1000,10000)  the sizes, comma-separated
 *   BENCH_VERBOSE=1     a line per tick
 *   BENCH_ROOMS (1000) BENCH_BOOKINGS (200000)  a background network (scripts/bench/seed.ts) without doors, so the
 *                       due read runs on a big bookings table; BENCH_BOOKINGS=0 for none
 *
 * Layout of the due bookings: hubs of 10 rooms, each room with its own keypad door and the hub's
 * front door (so every code is on two doors, and a hub's front door carries all its codes), 10
 * bookings a room of 90 minutes every 2 hours from the next hour (code windows of neighbours overlap
 * by the early-entry and late-exit allowances, so the clash check has work). Every booking has its
 * own contact phone. Door-code texts are not among the limited kinds (TEXT_LIMITS counts moves,
 * resends, invitations and OPEN), so the limits do not hold any of them back.
 */
import { loadavg } from 'node:os';
import { DateTime } from 'luxon';
import { Client } from 'pg';
import { createContainer, type Container } from '../../src/container.js';
import { openDatabase } from '../../src/db/client.js';
import { hubSettingsSchema, openOn } from '../../src/modules/venues/venues.types.js';
import { JOBS, runJob } from '../../src/worker/jobs.js';
import { startFakeTwilio } from '../../test/fakes/fake-twilio.js';
import { benchAppConfig } from './config.js';
import { recordPool } from './pg-baseline.js';
import { ZONE, seedNetwork } from './seed.js';

const env = process.env;
const SIZES = (env.BENCH_CODES || '1000,10000').split(',').map((s) => Number(s.trim()));
const ROOMS = Number(env.BENCH_ROOMS || 1000);
const BACKGROUND = Number(env.BENCH_BOOKINGS ?? 200_000);
const DB_NAME = env.BENCH_DB_NAME || 'hubkey_codes_bench';
const ROOMS_PER_HUB = 10;
const PER_ROOM = 10;
const MAX_TICKS = 500;

const load = () =>
  loadavg()
    .map((x) => x.toFixed(1))
    .join(' ');
const log = (s: string) => console.log(s);
const fmt = (n: number, d = 0) => n.toLocaleString('en-GB', { maximumFractionDigits: d, minimumFractionDigits: d });

function urls() {
  const base = env.BENCH_DATABASE_URL || env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';
  const bench = new URL(base);
  bench.pathname = `/${DB_NAME}`;
  const admin = new URL(base);
  if (admin.pathname.replace(/^\//, '') === DB_NAME || admin.pathname === '/' || admin.pathname === '') admin.pathname = '/postgres';
  return { admin: admin.toString(), bench: bench.toString() };
}

async function recreate(adminUrl: string, drop: boolean) {
  const c = new Client({ connectionString: adminUrl });
  await c.connect();
  try {
    await c.query(`DROP DATABASE IF EXISTS ${DB_NAME} WITH (FORCE)`);
    if (!drop) await c.query(`CREATE DATABASE ${DB_NAME}`);
  } finally {
    await c.end();
  }
}

interface Phase {
  ticks: number;
  ms: number;
  statements: number;
  done: number;
}

/** Runs the job until `left()` says nothing is left (or it stops making progress). */
async function drain(container: Container, jobName: string, left: () => Promise<number>): Promise<Phase> {
  const job = JOBS.find((j) => j.name === jobName)!;
  const pool = container.database.pool!;
  let ticks = 0;
  let ms = 0;
  let statements = 0;
  let done = 0;
  while ((await left()) > 0) {
    if (ticks >= MAX_TICKS) throw new Error(`${jobName}: still work left after ${MAX_TICKS} ticks`);
    const stop = recordPool(pool);
    const t = performance.now();
    let did: number | 'skipped';
    try {
      did = await runJob(container, job);
    } finally {
      ms += performance.now() - t;
      statements += stop().length;
    }
    ticks++;
    if (env.BENCH_VERBOSE === '1') log(`    ${jobName} tick ${ticks}: did ${String(did)}, ${fmt(ms)} ms so far`);
    if (did === 'skipped') throw new Error(`${jobName} was skipped: another worker holds its lock`);
    if (did === 0) throw new Error(`${jobName}: a tick did nothing with work left`);
    done += did;
  }
  return { ticks, ms, statements, done };
}

async function main() {
  const u = urls();
  log(`Codes due at once on ${DB_NAME}: sizes ${SIZES.join(', ')}; background ${fmt(BACKGROUND)} bookings in ${fmt(ROOMS)} rooms without doors [load ${load()}]`);
  await recreate(u.admin, false);
  const database = await openDatabase({ url: u.bench, poolMax: 10 });
  const pool = database.pool!;
  const twilio = await startFakeTwilio();
  const results: { n: number; issue: Phase; send: Phase; loadBefore: string; loadAfter: string }[] = [];
  try {
    await database.migrate();
    const today = DateTime.now().setZone(ZONE).toISODate()!;
    if (BACKGROUND > 0) {
      const seed = await seedNetwork(pool, { rooms: ROOMS, bookings: BACKGROUND, today, log: () => undefined });
      log(`Background: ${seed.hubs} hubs, ${seed.rooms} rooms, ${fmt(seed.bookings)} bookings in ${seed.seconds.total.toFixed(1)} s`);
    } else {
      await pool.query(`INSERT INTO organisations (name, claimed_tier, contact_phone) VALUES ('Seed org 001', 'private', '+447700900001')`);
    }
    const org = (await pool.query<{ id: string }>(`SELECT id FROM organisations ORDER BY name LIMIT 1`)).rows[0].id;

    const config = benchAppConfig(u.bench, {
      DATABASE_POOL_MAX: '10',
      SMS_PROVIDER: 'twilio',
      TWILIO_ACCOUNT_SID: twilio.accountSid,
      TWILIO_AUTH_TOKEN: twilio.authToken,
      TWILIO_FROM: '+15005550006',
      TWILIO_API_BASE: twilio.url,
    });
    const container = await createContainer(config, { database });
    try {
      for (const n of SIZES) {
        // A clean slate: the previous size's hubs (and with them its rooms, doors, bookings, codes) and texts go.
        await pool.query(`DELETE FROM outbox`);
        await pool.query(`DELETE FROM hubs WHERE name LIKE 'Due hub %'`);
        twilio.messages.length = 0;
        const hubs = Math.ceil(n / (ROOMS_PER_HUB * PER_ROOM));
        const t0 = performance.now();
        await pool.query(
          `INSERT INTO hubs (name, address, timezone, opening_hours, settings)
           SELECT 'Due hub ' || lpad(h::text, 4, '0'), h || ' Due Street', $1, $2::jsonb, $3::jsonb FROM generate_series(1, $4::int) h`,
          [ZONE, JSON.stringify(openOn('07:00', '23:00')), JSON.stringify(hubSettingsSchema.parse({})), hubs],
        );
        await pool.query(
          `INSERT INTO rooms (hub_id, name, capacity, features, buffer_minutes, min_booking_minutes, max_booking_minutes)
           SELECT h.id, 'Room ' || lpad(r::text, 2, '0'), 20, '{}', 0, 30, 480
           FROM hubs h CROSS JOIN generate_series(1, $1::int) r WHERE h.name LIKE 'Due hub %'`,
          [ROOMS_PER_HUB],
        );
        // A keypad door per room, and a front door per hub leading to all its rooms.
        await pool.query(
          `WITH r AS MATERIALIZED (SELECT r.id AS room_id, r.hub_id, r.name, gen_random_uuid() AS door_id FROM rooms r JOIN hubs h ON h.id = r.hub_id WHERE h.name LIKE 'Due hub %'),
                d AS (INSERT INTO doors (id, hub_id, name, provider) SELECT door_id, hub_id, 'Door of ' || name, 'keypad' FROM r)
           INSERT INTO door_rooms (door_id, room_id) SELECT door_id, room_id FROM r`,
        );
        await pool.query(
          `WITH d AS (INSERT INTO doors (hub_id, name, provider) SELECT id, 'Front door', 'keypad' FROM hubs WHERE name LIKE 'Due hub %' RETURNING id, hub_id)
           INSERT INTO door_rooms (door_id, room_id) SELECT d.id, r.id FROM d JOIN rooms r ON r.hub_id = d.hub_id`,
        );
        // Bookings: 90 minutes every 2 hours from the next whole hour, the first n of them; each its own phone.
        await pool.query(
          `WITH r AS (SELECT r.id, r.hub_id, (row_number() OVER (ORDER BY h.name, r.name)) - 1 AS n FROM rooms r JOIN hubs h ON h.id = r.hub_id WHERE h.name LIKE 'Due hub %'),
                b AS (SELECT r.id AS room_id, r.hub_id, r.n * $2::int + i AS k, date_trunc('hour', now()) + interval '1 hour' + i * interval '2 hours' AS st
                      FROM r CROSS JOIN generate_series(0, $2::int - 1) i)
           INSERT INTO bookings (room_id, hub_id, organisation_id, title, attendees, starts_at, ends_at, blocked_until, status, contact_phone, created_at, updated_at)
           SELECT room_id, hub_id, $1, 'Due booking', 10, st, st + interval '90 minutes', st + interval '90 minutes', 'confirmed', '+4477' || lpad(k::text, 8, '0'), now(), now()
           FROM b WHERE k < $3`,
          [org, PER_ROOM, n],
        );
        await pool.query('ANALYZE');
        // The rota's triggers queue nothing here (no staffed hours); nothing else is due.
        const seeded = performance.now() - t0;
        const codeless = async () =>
          Number(
            (
              await pool.query<{ n: string }>(
                `SELECT count(*) AS n FROM bookings b JOIN hubs h ON h.id = b.hub_id WHERE h.name LIKE 'Due hub %' AND NOT EXISTS (SELECT 1 FROM access_codes c WHERE c.booking_id = b.id AND c.status = 'active')`,
              )
            ).rows[0].n,
          );
        const unsent = async () => Number((await pool.query<{ n: string }>(`SELECT count(*) AS n FROM outbox WHERE status IN ('pending', 'sending')`)).rows[0].n);
        log(`\n${fmt(n)} bookings due at ${hubs} hubs (${hubs * ROOMS_PER_HUB} rooms, ${hubs * (ROOMS_PER_HUB + 1)} keypad doors) made in ${(seeded / 1000).toFixed(1)} s [load ${load()}]`);
        const loadBefore = load();
        const issue = await drain(container, 'access.issue-due-codes', codeless);
        log(`  issue: ${issue.ticks} ticks, ${fmt(issue.ms)} ms, ${fmt(issue.statements)} statements, did ${fmt(issue.done)} [load ${load()}]`);
        const send = await drain(container, 'notifications.send-outbox', unsent);
        const loadAfter = load();
        log(`  send:  ${send.ticks} ticks, ${fmt(send.ms)} ms, ${fmt(send.statements)} statements, sent ${fmt(send.done)} [load ${loadAfter}]`);

        // What was promised: one live code per booking, one text per code with its digits in, nothing failed.
        const check = (
          await pool.query<{ codes: string; dup: string; failed: string; sent: string }>(
            `SELECT (SELECT count(*) FROM access_codes WHERE status = 'active') AS codes,
                    (SELECT count(*) FROM (SELECT booking_id FROM access_codes GROUP BY booking_id HAVING count(*) > 1) x) AS dup,
                    (SELECT count(*) FROM outbox WHERE status = 'failed') AS failed,
                    (SELECT count(*) FROM outbox WHERE status = 'sent' AND kind = 'access_code') AS sent`,
          )
        ).rows[0];
        const bodies = twilio.messages.filter((m) => /\b\d{6}\b/.test(m.body) && !m.body.includes('{{')).length;
        const ok = Number(check.codes) === n && Number(check.dup) === 0 && Number(check.failed) === 0 && Number(check.sent) === n && twilio.messages.length === n && bodies === n;
        log(`  check: ${check.codes} active codes, ${check.dup} bookings with two, ${check.sent} texts sent, ${check.failed} failed, ${twilio.messages.length} at the fake Twilio (${bodies} with six digits)${ok ? '' : '  ** MISMATCH **'}`);
        if (!ok) process.exitCode = 1;
        results.push({ n, issue, send, loadBefore, loadAfter });
      }
    } finally {
      await container.close().catch(() => undefined);
    }
  } finally {
    await twilio.close();
    await database.close().catch(() => undefined);
    if (env.BENCH_KEEP_DB !== '1') await recreate(u.admin, true);
  }

  log('\n| Codes due | issue: ticks | ms | statements | ms a code | statements a code | send: ticks | ms | statements | ms a text | statements a text | load |');
  log('| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |');
  for (const r of results) {
    log(
      `| ${fmt(r.n)} | ${r.issue.ticks} | ${fmt(r.issue.ms)} | ${fmt(r.issue.statements)} | ${fmt(r.issue.ms / r.n, 2)} | ${fmt(r.issue.statements / r.n, 2)} | ${r.send.ticks} | ${fmt(r.send.ms)} | ${fmt(r.send.statements)} | ${fmt(r.send.ms / r.n, 2)} | ${fmt(r.send.statements / r.n, 2)} | ${r.loadBefore} → ${r.loadAfter} |`,
    );
  }
  if (results.length >= 2) {
    const [a, b] = [results[0], results[results.length - 1]];
    const k = b.n / a.n;
    log(`\n${fmt(b.n)} against ${fmt(a.n)} (${fmt(k)}× the codes): issue ${(b.issue.ms / a.issue.ms).toFixed(1)}× the time, ${(b.issue.statements / a.issue.statements).toFixed(1)}× the statements; send ${(b.send.ms / a.send.ms).toFixed(1)}× the time, ${(b.send.statements / a.send.statements).toFixed(1)}× the statements (linear: ${fmt(k)}×)`);
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
