/**
 * npm run bench: seeds a large network on PostgreSQL and measures room availability, network
 * search, booking creation and a hub's month of shifts under concurrent load, and how long the
 * rota takes to follow one booking change, next to two baselines from the same run:
 * a bare Fastify route, and the same SQL sent straight through pg. See docs/performance.md.
 *
 * Environment (all optional):
 *   BENCH_DATABASE_URL / DATABASE_URL  server to use (default postgres://postgres@127.0.0.1:5432/test);
 *                                      only the database `hubkey_bench` on it is dropped and recreated
 *   BENCH_ROOMS (1000)  BENCH_BOOKINGS (1000000)  network size
 *   BENCH_DURATION (10) seconds per measured run; BENCH_WARMUP (3) seconds of warm-up before each
 *   BENCH_CONNECTIONS (20) concurrent HTTP connections, and concurrent pg loops for the baseline
 *   BENCH_HIGH_CONNECTIONS (50) every scenario again at this concurrency (0: not)
 *   BENCH_POOL (20)     the app's (and the baseline's) pg pool size
 *   BENCH_REPORT_CONNECTIONS (4) concurrent connections for the report scenarios (each request reads a year)
 *   BENCH_SCENARIOS     comma-separated subset of availability,search,booking,keypad,report,rota (default: all)
 *   BENCH_DB_NAME (hubkey_bench) the database dropped and recreated (and <name>_small); lets two benches share a server
 *   BENCH_KEEP_DB=1     leave the bench database in place afterwards (it is dropped by default)
 *   BENCH_EMBEDDED_ONLY=1  only the embedded server's memory line (no PostgreSQL needed)
 *   BENCH_SKIP_EMBEDDED=1  skip the embedded server's memory measurement (quicker iterations)
 *   BENCH_REGEN_RUNS (100) booking changes timed for the rota's regeneration, on this network and on
 *                       one of 10 k bookings (database hubkey_bench_small, always dropped)
 */
import autocannon from 'autocannon';
import Fastify from 'fastify';
import { DateTime } from 'luxon';
import { execFileSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { Client } from 'pg';
import { buildApp } from '../src/app';
import { loadConfig } from '../src/config/env';
import { createContainer } from '../src/container';
import { createCodeCipher } from '../src/lib/crypto';
import { openDatabase } from '../src/db/client';
import { describeEmbeddedMemory, measureEmbeddedMemory } from './bench/embedded-memory';
import { BOOKING_SLOTS, ZONE, seedNetwork } from './bench/seed';
import { measureRegeneration, prepareRota, type RegenResult } from './bench/rota';
import { searchFreeRoomsBefore, searchHubsBefore } from './bench/search-before';
import { type LoadResult, type Plan, bindArgs, describePlan, pgLoad, recordPool, replay, toPlan } from './bench/pg-baseline';

const env = process.env;
const num = (name: string, def: number, min = 1) => {
  const raw = env[name];
  if (raw === undefined || raw === '') return def;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < min) throw new Error(`${name} must be a number >= ${min}, got ${JSON.stringify(raw)}`);
  return Math.floor(n);
};

const ROOMS = num('BENCH_ROOMS', 1000);
const BOOKINGS = num('BENCH_BOOKINGS', 1_000_000);
const DURATION = num('BENCH_DURATION', 10);
const WARMUP = num('BENCH_WARMUP', 3, 0);
const CONNECTIONS = num('BENCH_CONNECTIONS', 20);
/** Every scenario is run again at this many connections (0: not); its p99 next to its SQL's. */
const HIGH_CONNECTIONS = num('BENCH_HIGH_CONNECTIONS', 50, 0);
const LEVELS = HIGH_CONNECTIONS && HIGH_CONNECTIONS !== CONNECTIONS ? [CONNECTIONS, HIGH_CONNECTIONS] : [CONNECTIONS];
const POOL = num('BENCH_POOL', 20);
const KEEP_DB = env.BENCH_KEEP_DB === '1';
const REPORT_CONNECTIONS = num('BENCH_REPORT_CONNECTIONS', 4);
const SCENARIOS = new Set((env.BENCH_SCENARIOS || 'availability,search,booking,keypad,report,rota').split(',').map((x) => x.trim()));
const BENCH_DB = env.BENCH_DB_NAME || 'hubkey_bench';
/** The small network the rota's regeneration is compared on (same rooms, 10 k bookings). */
const SMALL_DB = `${BENCH_DB}_small`;
const SMALL_BOOKINGS = 10_000;
const REGEN_RUNS = num('BENCH_REGEN_RUNS', 100);
/** Days ahead over which new bookings are spread (hubs take bookings up to 365 days ahead). */
const SLOT_DAYS = 360;
/** A hard stop, so the run always ends. */
const TIME_LIMIT_MS = 30 * 60_000;

// The windows and filters both sides draw from (scripts/bench/search.cjs reads the same lists).
const SEARCH_HOURS = [9, 10, 12, 15, 16, 19];
const SEARCH_CAPACITIES = [1, 10, 20, 40];
const SEARCH_FEATURES: string[][] = [[], ['step_free_access'], ['hearing_loop', 'step_free_access'], ['kitchen']];

const log = (s = '') => console.log(s);
const pick = <T>(arr: T[]): T => arr[Math.floor(Math.random() * arr.length)];
const int = (n: number) => Math.floor(Math.random() * n);
const addDays = (isoDate: string, n: number) => DateTime.fromISO(isoDate, { zone: 'UTC' }).plus({ days: n }).toISODate()!;
/** A local wall time in the hubs' zone as an ISO instant, the way the service reads it. */
const local = (day: string, hhmm: string) => DateTime.fromISO(`${day}T${hhmm}`, { zone: ZONE }).toUTC().toISO()!;
const plusMinutes = (iso: string, m: number) => new Date(new Date(iso).getTime() + m * 60_000).toISOString();
const fmt = (n: number, digits = 0) => (Number.isFinite(n) ? n.toLocaleString('en-GB', { minimumFractionDigits: digits, maximumFractionDigits: digits }) : 'n/a');
const ratio = (a: number, b: number) => {
  if (!Number.isFinite(a) || !Number.isFinite(b) || b <= 0) return 'n/a';
  const r = a / b;
  return `${r >= 100 ? r.toFixed(0) : r >= 0.1 ? r.toFixed(2) : r.toPrecision(2)}×`;
};

function benchUrls(name = BENCH_DB) {
  const base = env.BENCH_DATABASE_URL || env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';
  const bench = new URL(base);
  bench.pathname = `/${name}`;
  const admin = new URL(base);
  // Never connect to a database we are about to drop.
  if ([BENCH_DB, SMALL_DB].includes(admin.pathname.replace(/^\//, '')) || admin.pathname === '/' || admin.pathname === '') admin.pathname = '/postgres';
  return { admin: admin.toString(), bench: bench.toString(), shown: `${bench.host}/${name}` };
}

async function recreateDatabase(adminUrl: string, drop: boolean, name = BENCH_DB) {
  const c = new Client({ connectionString: adminUrl });
  await c.connect();
  try {
    await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    if (!drop) await c.query(`CREATE DATABASE ${name}`);
  } finally {
    await c.end();
  }
}

interface HttpResult {
  rps: number;
  p50: number;
  p99: number;
  total: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  statuses: Record<string, number>;
}

/** One autocannon run, its load generated in a worker thread so it does not share the app's event loop. */
async function cannon(url: string, setupRequest: string | undefined, seconds: number, slotOffset = 0, connections = CONNECTIONS): Promise<HttpResult> {
  env.HUBKEY_BENCH_SLOT_OFFSET = String(slotOffset); // read by the worker thread, which copies process.env when it starts
  const r = await autocannon({
    url,
    connections,
    duration: seconds,
    workers: 1,
    timeout: 30,
    requests: setupRequest ? [{ setupRequest }] : undefined,
  });
  const statuses: Record<string, number> = {};
  for (const [code, s] of Object.entries(r.statusCodeStats ?? {})) statuses[code] = s.count ?? 0;
  return {
    rps: r.requests.average,
    p50: r.latency.p50,
    p99: r.latency.p99,
    total: r.requests.total,
    non2xx: r.non2xx,
    errors: r.errors,
    timeouts: r.timeouts,
    statuses,
  };
}

function machine() {
  let pg = 'unknown';
  try {
    pg = execFileSync('psql', ['--version'], { encoding: 'utf8' }).trim();
  } catch {
    // psql is optional; the server's version is read below anyway
  }
  return { cpus: cpus().length, cpuModel: cpus()[0]?.model ?? 'unknown', memGb: Math.round(totalmem() / 2 ** 30), node: process.version, psql: pg };
}

interface Row {
  name: string;
  connections: number;
  api: HttpResult & { elu: number; cpu: number };
  pg: LoadResult & { elu: number; cpu: number };
  note: string;
}

async function main() {
  const hardStop = setTimeout(() => {
    console.error(`bench: still running after ${TIME_LIMIT_MS / 60000} minutes; stopping.`);
    process.exit(1);
  }, TIME_LIMIT_MS);
  hardStop.unref();
  const started = performance.now();
  // The embedded server's memory, measured first while the machine is quiet (docs/performance.md).
  const embeddedMemory = env.BENCH_SKIP_EMBEDDED === '1' ? '(embedded memory skipped: BENCH_SKIP_EMBEDDED=1)' : describeEmbeddedMemory(await measureEmbeddedMemory());
  log(embeddedMemory);
  if (env.BENCH_EMBEDDED_ONLY === '1') return;
  const urls = benchUrls();
  const m = machine();
  log(`Hubkey benchmark: ${ROOMS.toLocaleString('en-GB')} rooms, ${BOOKINGS.toLocaleString('en-GB')} bookings on ${urls.shown}`);
  log(`  ${m.cpus} CPU (${m.cpuModel}), ${m.memGb} GB, Node ${m.node}; ${CONNECTIONS} connections, ${DURATION} s per run after ${WARMUP} s warm-up, pool ${POOL}`);

  await recreateDatabase(urls.admin, false);
  const database = await openDatabase({ url: urls.bench, poolMax: POOL });
  const pool = database.pool!;
  const dataFile = join(tmpdir(), `hubkey-bench-${process.pid}.json`);
  let closeAll = async () => {
    await database.close();
  };
  try {
    await database.migrate();
    const pgVersion = (await pool.query<{ server_version: string }>('SHOW server_version')).rows[0].server_version;
    const today = DateTime.now().setZone(ZONE).toISODate()!;
    // Search asks only for windows that could be booked: from tomorrow to the last seeded day (a
    // window in the past is answered 422 at once, which the SQL side would not know).
    const searchFirstDay = addDays(today, 1);

    log('\nSeeding...');
    const seed = await seedNetwork(pool, { rooms: ROOMS, bookings: BOOKINGS, today, log });
    const searchDays = Math.max(1, Math.round((Date.parse(addDays(seed.seedFirstDay, seed.seedDays - 1)) - Date.parse(searchFirstDay)) / 86_400_000));
    log(
      `Seeded ${seed.hubs} hubs, ${seed.rooms} rooms, ${seed.bookings.toLocaleString('en-GB')} bookings (${seed.seedFirstDay} + ${seed.seedDays} days), ` +
        `${seed.closures} closures in ${seed.seconds.total.toFixed(1)} s (bookings ${seed.seconds.bookings.toFixed(1)} s, ANALYZE ${seed.seconds.analyze.toFixed(1)} s)`,
    );

    // The app, in this process, on an ephemeral port.
    const config = loadConfig({
      NODE_ENV: 'production',
      DATABASE_URL: urls.bench,
      DATABASE_POOL_MAX: String(POOL),
      LOG_LEVEL: 'silent',
      JWT_SECRET: randomBytes(32).toString('hex'),
      ACCESS_CODE_KEY: randomBytes(32).toString('hex'),
      PUBLIC_URL: 'http://127.0.0.1',
    });
    const container = await createContainer(config, { database });
    const app = await buildApp(container);
    await app.listen({ host: '127.0.0.1', port: 0 });
    const appUrl = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;

    // Baseline 1: a bare Fastify route in the same process.
    const bare = Fastify({ logger: false });
    bare.get('/ping', async () => ({ ok: true }));
    await bare.listen({ host: '127.0.0.1', port: 0 });
    const bareUrl = `http://127.0.0.1:${(bare.server.address() as { port: number }).port}/ping`;
    closeAll = async () => {
      await bare.close();
      await app.close();
      await database.close();
    };

    const token = app.jwt.sign({ sub: seed.userId });
    // Reports: a network admin reads a year centred on today (inside the seeded range).
    const adminId = (await pool.query<{ id: string }>(`INSERT INTO users (email, password_hash, name, is_admin) VALUES ('bench-admin@example.org', 'x', 'Bench admin', true) RETURNING id`)).rows[0].id;
    const adminToken = app.jwt.sign({ sub: adminId });
    const reportFrom = addDays(today, -182);
    const reportTo = addDays(today, 182);
    const hubIds = (await pool.query<{ id: string }>('SELECT id FROM hubs ORDER BY name')).rows.map((h) => h.id);
    type KeypadDoor = { id: string; key: string; code: string; group: number; hubId: string };
    /** A keypad door on every room, in three groups (right codes, wrong codes, mixed), and a code valid on each hub's doors now. */
    async function prepareKeypad() {
      const t0 = performance.now();
      const admin = (await container.repos.users.loadActor(adminId))!;
      const { doors: doorsService, accessCodes } = container.services;
      const doors: KeypadDoor[] = [];
      const byHub = (await pool.query<{ id: string; hub_id: string }>('SELECT id, hub_id FROM rooms ORDER BY hub_id, name')).rows;
      const now = Date.now();
      for (const hubId of hubIds) {
        const hubRooms = byHub.filter((r) => r.hub_id === hubId);
        const made: { id: string; key: string }[] = [];
        for (const [i, r] of hubRooms.entries()) {
          const d = await doorsService.createDoor(admin, hubId, { name: `Bench door ${i + 1}`, provider: 'keypad', roomIds: [r.id] });
          made.push({ id: d.id, key: (d as { deviceKey?: string }).deviceKey! });
        }
        const issued = await accessCodes.issueShiftCode({ hubId, userId: seed.userId, shiftRef: randomUUID(), startsAt: new Date(now - 30 * 60_000), endsAt: new Date(now + 4 * 3_600_000), phone: null });
        const code = (await accessCodes.shiftCode(issued.id))?.code;
        if (!code) throw new Error('keypad: the shift code is not readable');
        for (const d of made) doors.push({ ...d, code, hubId, group: doors.length % 3 });
      }
      log(`Keypad: ${doors.length} keypad doors (one per room, three groups) and a code valid now at each of ${hubIds.length} hubs in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
      return { doors };
    }
    const rota = await prepareRota(pool, container, log);
    const rotaToken = app.jwt.sign({ sub: rota.staffUserId });
    const keypad = SCENARIOS.has('keypad') ? await prepareKeypad() : { doors: [] as KeypadDoor[] };
    const rooms = (await pool.query<{ id: string; hubId: string; capacity: number; bufferMinutes: number }>(
      `SELECT id, hub_id AS "hubId", capacity, buffer_minutes AS "bufferMinutes" FROM rooms ORDER BY id`,
    )).rows;
    writeFileSync(
      dataFile,
      JSON.stringify({
        rooms,
        token,
        organisationId: seed.organisationId,
        today,
        seedFirstDay: seed.seedFirstDay,
        seedDays: seed.seedDays,
        searchFirstDay,
        searchDays,
        slotDays: SLOT_DAYS,
        apiSlot: BOOKING_SLOTS.api,
        rotaHubs: rota.hubIds,
        rotaToken,
        searchHours: SEARCH_HOURS,
        searchCapacities: SEARCH_CAPACITIES,
        searchFeatures: SEARCH_FEATURES,
        adminToken,
        keypadDoors: keypad.doors,
        hubIds,
        reportFrom,
        reportTo,
      }),
    );
    env.HUBKEY_BENCH_DATA = dataFile;

    // ---- The same SQL: one real request per scenario, recorded at the pool (see scripts/bench/pg-baseline.ts) ----
    log('\nRecording the SQL the app sends, for the pg-only baseline:');
    const record = async (name: string, inputs: Record<string, unknown>, inject: () => Promise<{ statusCode: number; body: string }>, expect: number) => {
      const stop = recordPool(pool);
      let recorded: ReturnType<typeof stop> = [];
      let res: { statusCode: number; body: string };
      try {
        res = await inject();
      } finally {
        recorded = stop();
      }
      if (res.statusCode !== expect) throw new Error(`${name}: the app answered ${res.statusCode}: ${res.body.slice(0, 500)}`);
      const plan = toPlan(recorded, inputs);
      log(`  ${name}: ${plan.statements.length} statements: ${describePlan(plan).join(' → ')}`);
      return plan;
    };
    // Rooms with a buffer, so the inputs (end, end + buffer) are distinct values in the recording.
    // And at a hub without staffed hours: a booking there queues no rota work, so the recorded booking
    // statements replay the same on every room (the API's bookings at staffed hubs also follow their shifts).
    const staffedHubs = new Set(rota.hubIds);
    const buffered = rooms.filter((r) => r.bufferMinutes > 0 && !staffedHubs.has(r.hubId));

    const availParams = (r = pick(rooms), from = addDays(seed.seedFirstDay, int(seed.seedDays - 7))) => {
      const to = local(addDays(from, 7), '00:00');
      return { room: r.id, hub: r.hubId, from: local(from, '00:00'), to, toWide: plusMinutes(to, r.bufferMinutes) };
    };
    const availPlan = await (async () => {
      const r = buffered[0];
      const day = addDays(seed.seedFirstDay, 3);
      return record('availability', availParams(r, day), () => app.inject({ method: 'GET', url: `/rooms/${r.id}/availability?from=${day}T00:00&to=${addDays(day, 7)}T00:00` }), 200);
    })();

    const searchWindow = (day: string, hour: number) => {
      const start = local(day, `${String(hour).padStart(2, '0')}:00`);
      return { start, end: plusMinutes(start, 120) };
    };
    // Search's statements now and as they were (scripts/bench/search-before.ts): the "before" side
    // swaps the repository's two methods for the old ones (the hubs' whole rows, the NOT EXISTS
    // statement), for its recording and its API run only.
    const venuesRepo = container.repos.venues;
    const searchNow = { rooms: venuesRepo.searchFreeRooms, hubs: venuesRepo.searchHubs };
    const searchOld = { rooms: searchFreeRoomsBefore(database.db), hubs: searchHubsBefore(database.db) };
    const withOldSearch = async <T>(run: () => Promise<T>): Promise<T> => {
      venuesRepo.searchFreeRooms = searchOld.rooms;
      venuesRepo.searchHubs = searchOld.hubs;
      try {
        return await run();
      } finally {
        venuesRepo.searchFreeRooms = searchNow.rooms;
        venuesRepo.searchHubs = searchNow.hubs;
      }
    };
    const recordSearch = async (label: string) => {
      const plans: Plan[] = [];
      for (const features of SEARCH_FEATURES) {
        const day = addDays(today, 3);
        plans.push(
          await record(
            `${label} [${features.join(',')}]`,
            { ...searchWindow(day, 10), capacity: 7 },
            () => app.inject({ method: 'GET', url: `/search/rooms?startsAt=${day}T10:00&endsAt=${day}T12:00&capacity=7${features.length ? `&features=${features.join(',')}` : ''}` }),
            200,
          ),
        );
      }
      return plans;
    };
    const searchPlans = await recordSearch('search');
    const searchPlansBefore = await withOldSearch(() => recordSearch('search before'));
    const searchOp = (plans = searchPlans) => {
      const i = int(SEARCH_FEATURES.length);
      return { plan: plans[i], params: { ...searchWindow(addDays(searchFirstDay, int(searchDays)), pick(SEARCH_HOURS)), capacity: pick(SEARCH_CAPACITIES) } };
    };

    // Booking creation runs twice: at the rooms of hubs without staffed hours (no rota work: the
    // issue's target), and at the staffed hubs' rooms, where the rota follows each booking in a
    // transaction of its own; each against a recording made at a hub of its kind.
    const bookingRooms = { unstaffed: rooms.filter((r) => !staffedHubs.has(r.hubId)), staffed: rooms.filter((r) => staffedHubs.has(r.hubId)) };
    // The pg side books at its own local hours (BOOKING_SLOTS.pg), room k % rooms on day 2 + k / rooms.
    // At staffed hubs the hours decide the rota's work (inside the staffed 09:00-17:00 no shift is
    // made, outside an opener and a closer), so there it books at the API's hours (12:00-14:00) on
    // days the API's runs never reach (from 242 days ahead; the API's start at 2, 62, 122 and 182).
    const pgSlot = { unstaffed: 0, staffed: 0 };
    const STAFFED_PG_FIRST_DAY = 242;
    const bookingParams = (at: 'unstaffed' | 'staffed' = 'unstaffed') => {
      const k = pgSlot[at]++;
      const atRooms = bookingRooms[at];
      const room = atRooms[k % atRooms.length];
      // From the day after tomorrow: outside the hubs' 24-hour code lead, so neither side issues a door code
      // (the keypad scenario gives every hub doors; the recorded booking issued none).
      const n = Math.floor(k / atRooms.length);
      const day = at === 'staffed' ? addDays(today, STAFFED_PG_FIRST_DAY + (n % (SLOT_DAYS + 2 - STAFFED_PG_FIRST_DAY))) : addDays(today, 2 + (n % SLOT_DAYS));
      const hours = at === 'staffed' ? BOOKING_SLOTS.api : BOOKING_SLOTS.pg;
      const start = local(day, hours[0]);
      const end = local(day, hours[1]);
      return { day, room: room.id, hub: room.hubId, org: seed.organisationId, user: seed.userId, start, end, blockedUntil: plusMinutes(end, room.bufferMinutes) };
    };
    const recordBooking = async (label: string, r: (typeof rooms)[number], hours: readonly [string, string]) => {
      // Recorded on a day the load never uses (SLOT_DAYS + 2 ahead, inside the hubs' 365 days).
      const day = addDays(today, SLOT_DAYS + 2);
      const end = local(day, hours[1]);
      const inputs = { room: r.id, hub: r.hubId, org: seed.organisationId, user: seed.userId, start: local(day, hours[0]), end, blockedUntil: plusMinutes(end, r.bufferMinutes) };
      return record(
        label,
        inputs,
        () =>
          app.inject({
            method: 'POST',
            url: '/bookings',
            headers: { authorization: `Bearer ${token}` },
            payload: { roomId: inputs.room, organisationId: seed.organisationId, startsAt: `${day}T${hours[0]}`, endsAt: `${day}T${hours[1]}`, title: 'Bench booking', attendees: 5 },
          }),
        201,
      );
    };
    const bookingPlan = await recordBooking('booking', buffered[0], BOOKING_SLOTS.pg);
    const bookingStaffedPlan = await recordBooking('booking at a staffed hub', rooms.find((r) => r.bufferMinutes > 0 && staffedHubs.has(r.hubId))!, BOOKING_SLOTS.api);
    const asAdmin = { authorization: `Bearer ${adminToken}` };
    // The report's statement carries the period and hubs as derived array literals, not as the
    // request's inputs, so both plans replay as recorded: the pg side reads one hub's year (the
    // HTTP side a random hub's; the seeded hubs are alike), and the network's year.
    // Recorded in the report scenario: live first (before the roll-up job's first run), then after it.
    const recordHubReport = (name: string) => record(name, {}, () => app.inject({ method: 'GET', url: `/hubs/${hubIds[1]}/reports/usage?from=${reportFrom}&to=${reportTo}`, headers: asAdmin }), 200);
    const recordNetworkReport = (name: string) => record(name, {}, () => app.inject({ method: 'GET', url: `/reports/usage?from=${reportFrom}&to=${reportTo}`, headers: asAdmin }), 200);
    let hubReportPlan: Plan | undefined, networkReportPlan: Plan | undefined, networkLivePlan: Plan | undefined;
    let rollUpFigures = '';
    let markCost = '';
    // Months from today inside the seeded bookings (the shifts lie where the bookings are).
    const shiftsParams = (hub = pick(rota.hubIds), day = addDays(today, int(Math.max(1, Math.floor(seed.seedDays / 2) - 31)))) => ({ hub, from: local(day, '00:00'), to: local(addDays(day, 30), '00:00') });
    const shiftsPlan = await (async () => {
      const day = addDays(today, 1);
      const p = shiftsParams(rota.hubIds[0], day);
      return record('shifts', p, () => app.inject({ method: 'GET', url: `/hubs/${p.hub}/shifts?from=${day}T00:00&to=${addDays(day, 30)}T00:00&limit=200`, headers: { authorization: `Bearer ${rotaToken}` } }), 200);
    })();
    // The keypad: one right and one wrong code recorded (doors of their groups, never used by the load);
    // the door and the code's lookup hash are the slots.
    const cipher = createCodeCipher(config.accessCodeKey);
    const wrongOf = (code: string) => (code === '0'.repeat(code.length) ? '1' : '0').repeat(code.length);
    const keypadParams = (group: number, right: boolean) => {
      const d = pick(keypad.doors.filter((x) => x.group === group));
      return { door: d.id, hash: cipher.lookupHash(d.id, right ? d.code : wrongOf(d.code)) };
    };
    const recordVerify = async (label: string, door: KeypadDoor, code: string) =>
      record(label, { door: door.id, hash: cipher.lookupHash(door.id, code) }, () => app.inject({ method: 'POST', url: `/doors/${door.id}/verify`, headers: { 'x-device-key': door.key }, payload: { code } }), 200);
    const keypadSpare = keypad.doors.slice(-6);
    const keypadRightPlan = keypad.doors.length ? await recordVerify('keypad right code', keypadSpare.find((d) => d.group === 0)!, keypadSpare.find((d) => d.group === 0)!.code) : undefined;
    const keypadWrongPlan = keypad.doors.length ? await recordVerify('keypad wrong code', keypadSpare.find((d) => d.group === 1)!, wrongOf(keypadSpare.find((d) => d.group === 1)!.code)) : undefined;
    // Each plan replays once cleanly before the clock starts.
    await replay(pool, shiftsPlan, shiftsParams());
    await replay(pool, availPlan, availParams());
    for (const plan of [...searchPlans, ...searchPlansBefore]) await replay(pool, plan, searchOp().params);
    await replay(pool, bookingPlan, bookingParams());
    await replay(pool, bookingStaffedPlan, bookingParams('staffed'));

    // ---- Load ----
    const setup = (f: string) => resolve(__dirname, 'bench', f);
    /** CPU time of every thread of the process since `since` in ms (the load generator's worker included). */
    const processCpuMs = (since: NodeJS.CpuUsage) => {
      const d = process.cpuUsage(since);
      return (d.user + d.system) / 1000;
    };
    /**
     * CPU time of the main thread so far in ms (Linux: /proc, 10 ms ticks; NaN elsewhere). On a
     * shared machine the event loop's busy share also counts time the thread waited for a core;
     * this does not, and autocannon's worker thread is not in it.
     */
    const mainThreadCpuMs = () => {
      try {
        const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8');
        const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        return ((Number(f[11]) + Number(f[12])) * 1000) / 100;
      } catch {
        return NaN;
      }
    };
    const pgRun = async (name: string, op: () => Promise<void>, connections = CONNECTIONS) => {
      if (WARMUP) await pgLoad(op, { connections, seconds: WARMUP });
      const elu0 = performance.eventLoopUtilization();
      const cpu0 = mainThreadCpuMs();
      const all0 = process.cpuUsage();
      const r = await pgLoad(op, { connections, seconds: DURATION });
      const elu = performance.eventLoopUtilization(elu0).utilization;
      const cpu = (mainThreadCpuMs() - cpu0) / r.ops;
      const allCpu = processCpuMs(all0) / r.ops;
      log(`  ${name} pg-only [load ${loadavg().map((x) => x.toFixed(1)).join(' ')}]: ${fmt(r.rps)} ops/s, p50 ${fmt(r.p50, 1)} ms, p99 ${fmt(r.p99, 1)} ms, ${r.ops} ops, ${r.errors} errors${r.firstError ? ` (${r.firstError})` : ''}; main thread busy ${(elu * 100).toFixed(0)}% (${((elu * 1000) / r.rps).toFixed(2)} ms per op), CPU ${fmt(cpu, 2)} ms per op (whole process ${fmt(allCpu, 2)})`);
      return { ...r, elu, cpu };
    };
    const httpRun = async (name: string, url: string, file: string | undefined, offsets: [number, number] = [0, 0], connections = CONNECTIONS) => {
      if (WARMUP) await cannon(url, file && setup(file), WARMUP, offsets[0], connections);
      const elu0 = performance.eventLoopUtilization();
      const cpu0 = mainThreadCpuMs();
      const all0 = process.cpuUsage();
      const r = await cannon(url, file && setup(file), DURATION, offsets[1], connections);
      const elu = performance.eventLoopUtilization(elu0).utilization;
      const cpu = (mainThreadCpuMs() - cpu0) / r.total;
      const allCpu = processCpuMs(all0) / r.total;
      const codes = Object.entries(r.statuses).map(([c, n]) => `${c}×${n}`).join(' ');
      log(`  ${name} HTTP [load ${loadavg().map((x) => x.toFixed(1)).join(' ')}]: ${fmt(r.rps)} req/s, p50 ${fmt(r.p50, 1)} ms, p99 ${fmt(r.p99, 1)} ms, ${r.total} requests [${codes}], non-2xx ${r.non2xx}, errors ${r.errors}, timeouts ${r.timeouts}; app thread busy ${(elu * 100).toFixed(0)}% (${((elu * 1000) / r.rps).toFixed(2)} ms per request), CPU ${fmt(cpu, 2)} ms per request (whole process, with autocannon's worker: ${fmt(allCpu, 2)})`);
      return { ...r, elu, cpu };
    };

    log('\nRunning:');
    const bareResult = await httpRun('bare Fastify', bareUrl, undefined);
    const rows: Row[] = [];
    for (const [level, conns] of LEVELS.entries()) {
      const at = LEVELS.length > 1 ? ` (${conns} conn.)` : '';
      if (SCENARIOS.has('availability')) {
        const availApi = await httpRun(`availability${at}`, appUrl, 'availability.cjs', [0, 0], conns);
        const availPg = await pgRun(`availability${at}`, () => replay(pool, availPlan, availParams()), conns);
        rows.push({ name: 'Room availability (7 days)', connections: conns, api: availApi, pg: availPg, note: '' });
      }

      if (SCENARIOS.has('search')) {
        const searchApi = await httpRun(`search${at}`, appUrl, 'search.cjs', [0, 0], conns);
        const searchPg = await pgRun(`search${at}`, () => {
          const op = searchOp();
          return replay(pool, op.plan, op.params);
        }, conns);
        rows.push({ name: 'Network search (2 h window)', connections: conns, api: searchApi, pg: searchPg, note: '' });
        const beforeApi = await withOldSearch(() => httpRun(`search before${at}`, appUrl, 'search.cjs', [0, 0], conns));
        const beforePg = await pgRun(`search before${at}`, () => {
          const op = searchOp(searchPlansBefore);
          return replay(pool, op.plan, op.params);
        }, conns);
        rows.push({
          name: 'Network search, statement before (baseline)',
          connections: conns,
          api: beforeApi,
          pg: beforePg,
          note: `p99 before/now: API ${ratio(beforeApi.p99, searchApi.p99)}, SQL ${ratio(beforePg.p99, searchPg.p99)}`,
        });
      }

      if (SCENARIOS.has('keypad') && keypadRightPlan && keypadWrongPlan) {
        const modes: [string, string, () => Promise<void>][] = [
          ['right', 'Keypad verify, right code', () => replay(pool, keypadRightPlan, keypadParams(0, true))],
          ['wrong', 'Keypad verify, wrong code (doors lock out)', () => replay(pool, keypadWrongPlan, keypadParams(1, false))],
          ['mixed', 'Keypad verify, mixed (1 in 10 wrong)', () => (Math.random() < 0.1 ? replay(pool, keypadWrongPlan, keypadParams(2, false)) : replay(pool, keypadRightPlan, keypadParams(2, true)))],
        ];
        for (const [mode, name, op] of modes) {
          env.HUBKEY_BENCH_KEYPAD = mode;
          const api = await httpRun(`keypad ${mode}${at}`, appUrl, 'keypad.cjs', [0, 0], conns);
          const pg = await pgRun(`keypad ${mode}${at}`, op, conns);
          const reasons = Object.entries(api.statuses).map(([c, n]) => `${c}×${n}`).join(' ');
          rows.push({ name, connections: conns, api, pg, note: `HTTP statuses ${reasons}` });
        }
      }

      if (SCENARIOS.has('booking')) {
        // The API's warm-up and measured runs take different slots (offsets); the pg side has its own hours.
        const base = rooms.length * 60 * level;
        env.HUBKEY_BENCH_BOOKING_AT = 'unstaffed';
        const bookingApi = await httpRun(`booking${at}`, appUrl, 'booking.cjs', [base, base + rooms.length * 30], conns);
        const bookingPg = await pgRun(`booking${at}`, () => replay(pool, bookingPlan, bookingParams()), conns);
        rows.push({
          name: 'Booking creation (hubs without staffed hours)',
          connections: conns,
          api: bookingApi,
          pg: bookingPg,
          note: `201: ${bookingApi.statuses['201'] ?? 0}, 409: ${bookingApi.statuses['409'] ?? 0}, other non-2xx: ${bookingApi.non2xx - (bookingApi.statuses['409'] ?? 0)}`,
        });
        // The staffed hubs' rooms are others, so the same slot offsets never meet the row above.
        env.HUBKEY_BENCH_BOOKING_AT = 'staffed';
        const staffedApi = await httpRun(`booking at staffed hubs${at}`, appUrl, 'booking.cjs', [base, base + rooms.length * 30], conns);
        const staffedPg = await pgRun(`booking at staffed hubs${at}`, () => replay(pool, bookingStaffedPlan, bookingParams('staffed')), conns);
        env.HUBKEY_BENCH_BOOKING_AT = 'unstaffed';
        rows.push({
          name: 'Booking creation at staffed hubs (the rota follows)',
          connections: conns,
          api: staffedApi,
          pg: staffedPg,
          note: `201: ${staffedApi.statuses['201'] ?? 0}, 409: ${staffedApi.statuses['409'] ?? 0}, other non-2xx: ${staffedApi.non2xx - (staffedApi.statuses['409'] ?? 0)}`,
        });
        // Once, at the first level: what the roll-up's marks cost a booking write.
        if (level === 0) {
          // What the roll-up's marks cost a booking write, alone: the recorded booking statements replayed
          // one at a time on one connection, with the marking triggers on and off in alternate blocks.
          const reportTriggers = ['bookings_report_insert', 'bookings_report_update', 'bookings_report_delete'];
          const setMarks = (on: boolean) => pool.query(`ALTER TABLE bookings ${reportTriggers.map((x) => `${on ? 'ENABLE' : 'DISABLE'} TRIGGER ${x}`).join(', ')}`);
          const timed: Record<'on' | 'off', number[]> = { on: [], off: [] };
          try {
            for (let block = 0; block < 20; block++) {
              const mode = block % 2 === 0 ? 'on' : 'off';
              await setMarks(mode === 'on');
              for (let i = 0; i < 10; i++) {
                const t0 = performance.now();
                await replay(pool, bookingPlan, bookingParams());
                timed[mode].push(performance.now() - t0);
              }
            }
          } finally {
            await setMarks(true);
          }
          const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
          markCost = `One booking's statements replayed alone, 100 with the report marks on and 100 off in alternate blocks of 10: median ${fmt(median(timed.on), 1)} ms on, ${fmt(median(timed.off), 1)} ms off (load ${loadavg().map((x) => x.toFixed(1)).join(' ')})`;
          log(`  ${markCost}`);
          // The same load with the report roll-up's marking triggers off.
          await pool.query(`ALTER TABLE bookings ${reportTriggers.map((x) => `DISABLE TRIGGER ${x}`).join(', ')}`);
          try {
            const offApi = await httpRun('booking (report marks off)', appUrl, 'booking.cjs', [rooms.length * 60 * LEVELS.length, rooms.length * 60 * LEVELS.length + rooms.length * 30], conns);
            const offPg = await pgRun('booking (report marks off)', () => replay(pool, bookingPlan, bookingParams()), conns);
            rows.push({ name: 'Booking creation, report marks off (comparison)', connections: conns, api: offApi, pg: offPg, note: `201: ${offApi.statuses['201'] ?? 0}, 409: ${offApi.statuses['409'] ?? 0}` });
          } finally {
            await pool.query(`ALTER TABLE bookings ${reportTriggers.map((x) => `ENABLE TRIGGER ${x}`).join(', ')}`);
          }
        }
      }
    }

    if (SCENARIOS.has('report')) {
      const reports = container.services.reports;
      const sources = () => `${reports.lastSources().rolled} hub-months from the roll-up, ${reports.lastSources().live} live`;
      // Before the roll-up job's first run every month is marked (by the seed's inserts): the report reads every booking.
      networkLivePlan = await recordNetworkReport('network report, live (before the roll-up job)');
      log(`    (${sources()})`);
      const liveApi = await httpRun('network report, live', appUrl, 'report-network.cjs', [0, 0], REPORT_CONNECTIONS);
      const livePg = await pgRun('network report, live', () => replay(pool, networkLivePlan!, {}), REPORT_CONNECTIONS);
      rows.push({ name: `Network report, live: no roll-up (a year, ${seed.hubs} hubs)`, connections: REPORT_CONNECTIONS, api: liveApi, pg: livePg, note: '' });

      // The job's first run: every hub-month of the seeded bookings.
      const marks = Number((await pool.query<{ n: string }>('SELECT count(DISTINCT (hub_id, month)) AS n FROM report_dirty_months')).rows[0].n);
      let t0 = performance.now();
      const first = await reports.rollUp();
      const firstSeconds = (performance.now() - t0) / 1000;
      const rollRows = (await pool.query<{ u: string; r: string }>('SELECT (SELECT count(*) FROM report_usage_months) AS u, (SELECT count(*) FROM report_room_months) AS r')).rows[0];
      // Then one booking changed at a time (cancelled, then confirmed again): what the job does for it.
      const changeTimes: number[] = [];
      for (let i = 0; i < 10; i++) {
        const b = (await pool.query<{ id: string }>(`SELECT id FROM bookings WHERE status = 'confirmed' AND starts_at > now() - interval '150 days' ORDER BY random() LIMIT 1`)).rows[0];
        await pool.query(`UPDATE bookings SET status = 'cancelled' WHERE id = $1`, [b.id]);
        t0 = performance.now();
        await reports.rollUp();
        changeTimes.push(performance.now() - t0);
        await pool.query(`UPDATE bookings SET status = 'confirmed' WHERE id = $1`, [b.id]);
        await reports.rollUp();
      }
      changeTimes.sort((a, b) => a - b);
      rollUpFigures =
        `Roll-up job: first run ${first} hub-months (${marks} marked) in ${firstSeconds.toFixed(1)} s, ${Number(rollRows.u).toLocaleString('en-GB')} usage rows and ${Number(rollRows.r).toLocaleString('en-GB')} room rows; ` +
        `after one booking changed: p50 ${fmt(changeTimes[5], 0)} ms, max ${fmt(changeTimes[9], 0)} ms over 10 changes (load ${loadavg().map((x) => x.toFixed(1)).join(' ')})`;
      log(`  ${rollUpFigures}`);

      hubReportPlan = await recordHubReport('hub report (a year), after the roll-up');
      log(`    (${sources()})`);
      networkReportPlan = await recordNetworkReport('network report (a year), after the roll-up');
      log(`    (${sources()})`);
      // Fewer connections: each request reads a year (BENCH_REPORT_CONNECTIONS).
      const hubApi = await httpRun('hub report', appUrl, 'report-hub.cjs', [0, 0], REPORT_CONNECTIONS);
      const hubPg = await pgRun('hub report', () => replay(pool, hubReportPlan!, {}), REPORT_CONNECTIONS);
      rows.push({ name: `Hub report (a year)`, connections: REPORT_CONNECTIONS, api: hubApi, pg: hubPg, note: '' });
      const netApi = await httpRun('network report', appUrl, 'report-network.cjs', [0, 0], REPORT_CONNECTIONS);
      const netPg = await pgRun('network report', () => replay(pool, networkReportPlan!, {}), REPORT_CONNECTIONS);
      rows.push({ name: `Network report (a year, ${seed.hubs} hubs)`, connections: REPORT_CONNECTIONS, api: netApi, pg: netPg, note: '' });
      // One request at a time: the centred year (two cut months live) and twelve whole months (none live).
      const wholeFrom = DateTime.fromISO(reportFrom).startOf('month').plus({ months: 1 });
      const periodsAlone: [string, string, string][] = [
        ['the year centred on today', reportFrom, reportTo],
        ['twelve whole months', wholeFrom.toISODate()!, wholeFrom.plus({ months: 12 }).minus({ days: 1 }).toISODate()!],
      ];
      for (const [label, from, to] of periodsAlone) {
        const times: number[] = [];
        for (let i = 0; i < 7; i++) {
          const t1 = performance.now();
          const res = await app.inject({ method: 'GET', url: `/reports/usage?from=${from}&to=${to}`, headers: asAdmin });
          if (res.statusCode !== 200) throw new Error(`network report ${from}..${to}: ${res.statusCode}`);
          times.push(performance.now() - t1);
        }
        times.sort((a, b) => a - b);
        const line = `Network report alone, ${label} (${from}..${to}; ${sources()}): p50 ${fmt(times[3], 0)} ms, min ${fmt(times[0], 0)} ms, max ${fmt(times[6], 0)} ms over 7 requests one at a time (load ${loadavg().map((x) => x.toFixed(1)).join(' ')})`;
        log(`  ${line}`);
        rollUpFigures += `\n${line}`;
      }
    }

    let regen: { small: RegenResult; large: RegenResult } | undefined;
    if (SCENARIOS.has('rota')) {
      const shiftsApi = await httpRun('shifts', appUrl, 'shifts.cjs');
      const shiftsPg = await pgRun('shifts', () => replay(pool, shiftsPlan, shiftsParams()));
      rows.push({ name: "A hub's shifts for a month", connections: CONNECTIONS, api: shiftsApi, pg: shiftsPg, note: '' });

      // The rota following one booking change, on this network and on one of 10 k bookings.
      log('\nRegenerating generated shifts after one booking change:');
      const large = await measureRegeneration(pool, container, rota.hubIds, REGEN_RUNS);
      const small = await smallNetworkRegeneration(config);
      for (const r of [small, large]) log(`  ${r.bookings.toLocaleString('en-GB')} bookings: p50 ${fmt(r.p50, 1)} ms, p99 ${fmt(r.p99, 1)} ms, mean ${fmt(r.mean, 1)} ms over ${r.runs} changes (${r.changesPerRun.toFixed(2)} shifts changed each)`);
      regen = { small, large };
    }

    // ---- Query plans ----
    // A parameter as a literal for EXECUTE (uuids, words, numbers, instants, booleans and arrays of them).
    const literal = (c: { escapeLiteral(s: string): string }, v: unknown): string =>
      v === null || v === undefined ? 'NULL' : c.escapeLiteral(Array.isArray(v) ? `{${v.map((x) => `"${String(x).replace(/["\\]/g, '\\$&')}"`).join(',')}}` : String(v));
    /**
     * EXPLAIN (ANALYZE, BUFFERS) of the plan's statement that passes `test`, its parameters bound. With
     * `generic`, the plan PostgreSQL caches for a prepared statement after its fifth run when it
     * judges it no worse (planned without the parameters' values; plan_cache_mode forces it here).
     */
    const explain = async (plan: Plan, test: (text: string) => boolean, params: Record<string, unknown>, generic = false) => {
      const st = plan.statements.find((x) => test(x.config.text));
      if (!st) throw new Error('statement to explain not found');
      // Inside a transaction with the SET LOCALs the app sends before it (the report's jit and work_mem).
      const sets = plan.statements.filter((x) => /^set local /i.test(x.config.text)).map((x) => x.config.text);
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        for (const set of sets) await client.query(set);
        if (generic) {
          await client.query('SET LOCAL plan_cache_mode = force_generic_plan');
          await client.query(`PREPARE bench_generic AS ${st.config.text}`);
          try {
            const res = await client.query<{ 'QUERY PLAN': string }>(`EXPLAIN (ANALYZE, BUFFERS) EXECUTE bench_generic(${bindArgs(st, params).map((v) => literal(client, v)).join(', ')})`);
            return res.rows.map((r) => r['QUERY PLAN']).join('\n');
          } finally {
            await client.query('DEALLOCATE bench_generic').catch(() => undefined);
          }
        }
        const res = await client.query<{ 'QUERY PLAN': string }>({ text: `EXPLAIN (ANALYZE, BUFFERS) ${st.config.text}`, values: bindArgs(st, params) });
        return res.rows.map((r) => r['QUERY PLAN']).join('\n');
      } finally {
        await client.query('ROLLBACK').catch(() => undefined);
        client.release();
      }
    };
    const isRangeSelect = (text: string) => text.startsWith('select') && text.includes('from "bookings"') && text.includes('tstzrange');
    const planDay = addDays(today, 10);
    const ar = buffered[0];
    const isSearch = (t: string) => /NOT (IN|EXISTS) \(SELECT/.test(t);
    const searchPlan = await explain(searchPlans[1], isSearch, { ...searchWindow(planDay, 10), capacity: 10 });
    const searchPlanGeneric = await explain(searchPlans[1], isSearch, { ...searchWindow(planDay, 10), capacity: 10 }, true);
    const searchPlanBefore = await explain(searchPlansBefore[1], isSearch, { ...searchWindow(planDay, 10), capacity: 10 });
    const availQueryPlan = await explain(availPlan, isRangeSelect, availParams(ar, planDay));
    const clashStart = local(planDay, '12:00');
    const clashPlan = await explain(bookingPlan, isRangeSelect, {
      room: ar.id,
      hub: ar.hubId,
      start: clashStart,
      end: plusMinutes(clashStart, 120),
      blockedUntil: plusMinutes(clashStart, 120 + ar.bufferMinutes),
      org: seed.organisationId,
      user: seed.userId,
    });
    const isUsage = (text: string) => text.includes('shares AS MATERIALIZED');
    const hubUsagePlan = hubReportPlan ? await explain(hubReportPlan, isUsage, {}) : '';
    const networkUsagePlan = networkReportPlan ? await explain(networkReportPlan, isUsage, {}) : '';
    const networkLiveUsagePlan = networkLivePlan ? await explain(networkLivePlan, isUsage, {}) : '';
    const usesGist = (plan: string) => /bookings_no_overlap/.test(plan);
    log(`\nEXPLAIN ANALYZE, search before (capacity >= 10, step_free_access, ${planDay} 10:00-12:00 local):\n${searchPlanBefore}`);
    log(`\nEXPLAIN ANALYZE, search (capacity >= 10, step_free_access, ${planDay} 10:00-12:00 local):\n${searchPlan}`);
    log(`\nEXPLAIN ANALYZE, search, its generic plan (the app sends it as a prepared statement; same parameters):\n${searchPlanGeneric}`);
    log(`\nEXPLAIN ANALYZE, availability's blocking bookings (one room, 7 days from ${planDay}):\n${availQueryPlan}`);
    log(`\nEXPLAIN ANALYZE, booking's clash check (one room, ${planDay} 12:00-14:00):\n${clashPlan}`);
    if (hubUsagePlan) log(`\nEXPLAIN ANALYZE, a hub's usage report (${reportFrom}..${reportTo}):\n${hubUsagePlan}`);
    if (networkUsagePlan) log(`\nEXPLAIN ANALYZE, the network's usage report (${reportFrom}..${reportTo}), after the roll-up:\n${networkUsagePlan}`);
    if (networkLiveUsagePlan) log(`\nEXPLAIN ANALYZE, the network's usage report (${reportFrom}..${reportTo}), live (every month):\n${networkLiveUsagePlan}`);
    const probes = (plan: string) => /Index Scan using bookings_no_overlap on bookings b\b.*loops=(\d+)\)/.exec(plan)?.[1] ?? 'none';
    log(`\nSearch: range index bookings_held_range_idx used now: ${/bookings_held_range_idx/.test(searchPlan) ? 'yes' : 'NO'} (generic plan: ${/bookings_held_range_idx/.test(searchPlanGeneric) ? 'yes' : 'NO'}); probes of the exclusion index (one per candidate room): before ${probes(searchPlanBefore)}, now ${probes(searchPlan)}`);
    log(
      `\nGiST exclusion index (bookings_no_overlap) used by: search before ${usesGist(searchPlanBefore) ? 'yes' : 'NO'}, availability ${usesGist(availQueryPlan) ? 'yes' : 'NO'}, clash check ${usesGist(clashPlan) ? 'yes' : 'NO'}`,
    );

    // ---- Summary ----
    const total = (performance.now() - started) / 1000;
    const header = ['Scenario', 'Conn.', 'API req/s', 'API p99 ms', 'pg-only ops/s', 'pg-only p99 ms', 'API/pg req/s', 'API/pg p99', 'API/bare req/s', 'API/bare p99'];
    const bareLine = ['Bare Fastify route (baseline)', String(CONNECTIONS), fmt(bareResult.rps), fmt(bareResult.p99, 1), '', '', '', '', '1.00×', '1.00×'];
    const lines = rows.map((r) => [
      r.name,
      String(r.connections),
      fmt(r.api.rps),
      fmt(r.api.p99, 1),
      fmt(r.pg.rps),
      fmt(r.pg.p99, 1),
      ratio(r.api.rps, r.pg.rps),
      ratio(r.api.p99, r.pg.p99),
      ratio(r.api.rps, bareResult.rps),
      ratio(r.api.p99, bareResult.p99),
    ]);
    const all = [header, bareLine, ...lines];
    const widths = header.map((_, i) => Math.max(...all.map((l) => l[i].length)));
    log('\nResults');
    for (const [i, l] of all.entries()) {
      log(l.map((c, j) => (j === 0 ? c.padEnd(widths[j]) : c.padStart(widths[j]))).join('  '));
      if (i === 0) log(widths.map((w) => '-'.repeat(w)).join('  '));
    }
    for (const r of rows) if (r.note) log(`${r.name} (${r.connections} conn.): ${r.note}`);
    log(embeddedMemory);

    const md = [
      `| ${header.join(' | ')} |`,
      `|${header.map((_, i) => (i === 0 ? ' --- ' : ' ---: ')).join('|')}|`,
      ...[bareLine, ...lines].map((l) => `| ${l.join(' | ')} |`),
    ].join('\n');
    log('\n---- markdown for docs/performance.md ----');
    log(`Run ${new Date().toISOString()}: ${m.cpus} CPU (${m.cpuModel}), ${m.memGb} GB RAM, Node ${m.node}, PostgreSQL ${pgVersion}; load average at the end ${loadavg().map((x) => x.toFixed(1)).join(' ')}.`);
    log(
      `${seed.hubs} hubs, ${seed.rooms} rooms, ${seed.bookings.toLocaleString('en-GB')} bookings, seeded in ${seed.seconds.total.toFixed(0)} s; ` +
        `${CONNECTIONS} connections, ${DURATION} s per run after ${WARMUP} s warm-up, pool ${POOL}. Whole run ${total.toFixed(0)} s.\n`,
    );
    log(md);
    log('');
    for (const r of rows) {
      log(
        `- ${r.name}, ${r.connections} conn.: Node thread busy ${(r.api.elu * 100).toFixed(0)}% under the API run (${((r.api.elu * 1000) / r.api.rps).toFixed(2)} ms per request; CPU ${fmt(r.api.cpu, 2)} ms), ` +
          `${(r.pg.elu * 100).toFixed(0)}% under pg-only (${((r.pg.elu * 1000) / r.pg.rps).toFixed(2)} ms per op; CPU ${fmt(r.pg.cpu, 2)} ms)${r.note ? `; ${r.note}` : ''}.`,
      );
    }
    if (regen) {
      log('');
      log(`Rota: regenerating a hub's generated shifts after one booking change (moved 30 minutes, then back), ${REGEN_RUNS} changes asked for on each network:\n`);
      log('| Bookings in the network | p50 ms | p99 ms | mean ms | shifts changed per change |');
      log('| ---: | ---: | ---: | ---: | ---: |');
      for (const r of [regen.small, regen.large]) log(`| ${r.bookings.toLocaleString('en-GB')} | ${fmt(r.p50, 1)} | ${fmt(r.p99, 1)} | ${fmt(r.mean, 1)} | ${r.changesPerRun.toFixed(2)} |`);
    }
    log(`\nNew staffed hours at ${rota.hubIds.length} hubs (their whole calendars) made ${rota.shifts.toLocaleString('en-GB')} shifts in ${rota.wholeCalendarSeconds.toFixed(1)} s.`);
    if (rollUpFigures) log(`\n${rollUpFigures}`);
    if (markCost) log(`\n${markCost}`);
    log('---- end ----');
  } finally {
    await closeAll().catch((err) => console.error('bench: closing failed', err));
    rmSync(dataFile, { force: true });
    if (!KEEP_DB) await recreateDatabase(urls.admin, true).catch((err) => console.error(`bench: could not drop ${BENCH_DB}`, err));
  }
}

/** The same regeneration measurement on a network of the same rooms with 10 k bookings, in a database of its own. */
async function smallNetworkRegeneration(base: ReturnType<typeof loadConfig>): Promise<RegenResult> {
  const urls = benchUrls(SMALL_DB);
  await recreateDatabase(urls.admin, false, SMALL_DB);
  const database = await openDatabase({ url: urls.bench, poolMax: 5 });
  try {
    await database.migrate();
    await seedNetwork(database.pool!, { rooms: ROOMS, bookings: SMALL_BOOKINGS, today: DateTime.now().setZone(ZONE).toISODate()!, log: () => undefined });
    const container = await createContainer({ ...base, database: { ...base.database, url: urls.bench } }, { database });
    const rota = await prepareRota(database.pool!, container, (s) => log(`  (10 k network) ${s}`));
    return await measureRegeneration(database.pool!, container, rota.hubIds, REGEN_RUNS);
  } finally {
    await database.close();
    await recreateDatabase(urls.admin, true, SMALL_DB).catch((err) => console.error(`bench: could not drop ${SMALL_DB}`, err));
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
