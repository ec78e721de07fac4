import type { Pool } from 'pg';
import { hashPassword } from '../../src/lib/crypto';
import { hubSettingsSchema, openOn, type OpeningHours } from '../../src/modules/venues/venues.types';

/**
 * The benchmark's network, made in SQL (INSERT ... SELECT over generate_series), not row by row.
 *
 * Each room gets `perRoom` 2-hour bookings, two a day (morning and afternoon, shifted 0/15/30 min
 * per room) on consecutive days centred on today, so half are past and half ahead. About one in
 * ten is cancelled, the rest confirmed. The rooms' buffers are 0, 15 or 30 minutes, so no seeded
 * hold ever reaches 12:00-15:00 or 18:00-23:00 local: the API's and the pg baseline's new bookings
 * go there (BOOKING_SLOTS) and never clash with the seed or with each other.
 */
export const ZONE = 'Europe/London';
export const ROOMS_PER_HUB = 20;
export const FEATURES: [string, number][] = [
  ['step_free_access', 75],
  ['hearing_loop', 40],
  ['accessible_toilet', 55],
  ['kitchen', 50],
  ['projector', 35],
  ['baby_changing', 25],
  ['parking', 30],
  ['garden', 15],
  ['piano', 10],
  ['sink', 45],
];
/** Local start and end of the bookings each side creates: the API run, and the pg-only baseline. */
export const BOOKING_SLOTS = { api: ['12:00', '14:00'], pg: ['19:00', '21:00'] } as const;

const everyDay = (opens: string, closes: string): OpeningHours => openOn(opens, closes);

export interface SeedResult {
  hubs: number;
  rooms: number;
  bookings: number;
  closures: number;
  /** First day of the seeded bookings (local date) and how many days they cover. */
  seedFirstDay: string;
  seedDays: number;
  userId: string;
  organisationId: string;
  seconds: { total: number; bookings: number; analyze: number };
}

export async function seedNetwork(pool: Pool, opts: { rooms: number; bookings: number; today: string; log: (s: string) => void }): Promise<SeedResult> {
  const t0 = performance.now();
  const hubCount = Math.ceil(opts.rooms / ROOMS_PER_HUB);
  const perRoom = Math.max(2, Math.floor(opts.bookings / opts.rooms));
  const seedDays = Math.ceil(perRoom / 2);
  const client = await pool.connect();
  try {
    await client.query(`SET synchronous_commit = off`);
    await client.query(`SET maintenance_work_mem = '256MB'`);
    const first = await client.query<{ d: string }>(`SELECT ($1::date - $2::int)::text AS d`, [opts.today, Math.floor(seedDays / 2)]);
    const seedFirstDay = first.rows[0].d;

    await client.query(
      `INSERT INTO hubs (name, address, timezone, opening_hours, settings)
       SELECT 'Bench hub ' || lpad(h::text, 3, '0'), h || ' Bench Street', $1, $2::jsonb, $3::jsonb
       FROM generate_series(1, $4::int) h`,
      [ZONE, JSON.stringify(everyDay('07:00', '23:00')), JSON.stringify(hubSettingsSchema.parse({})), hubCount],
    );
    // Capacity, features and buffer vary with the room's number; features are kept sorted, as the service does.
    await client.query(
      `INSERT INTO rooms (hub_id, name, capacity, features, buffer_minutes, min_booking_minutes, max_booking_minutes)
       SELECT h.id, 'Room ' || lpad(r::text, 2, '0'),
              (ARRAY[6, 10, 12, 20, 30, 40, 60, 80, 120, 200])[1 + ((h.n * 7 + r * 3) % 10)],
              ARRAY(SELECT f FROM unnest($1::text[], $2::int[]) AS x(f, pct)
                    WHERE abs(hashtext(h.n || ':' || r || ':' || f)) % 100 < pct ORDER BY f),
              ((h.n + r) % 3) * 15, 30, 480
       FROM (SELECT id, (row_number() OVER (ORDER BY name)) - 1 AS n FROM hubs) h
       CROSS JOIN generate_series(1, $3::int) r
       WHERE h.n * $3::int + r <= $4::int`,
      [FEATURES.map((f) => f[0]), FEATURES.map((f) => f[1]), ROOMS_PER_HUB, opts.rooms],
    );

    const password = await hashPassword('bench-password-not-for-use');
    const user = await client.query<{ id: string }>(
      `INSERT INTO users (email, password_hash, name) VALUES ('bench@example.org', $1, 'Bench hirer') RETURNING id`,
      [password],
    );
    const userId = user.rows[0].id;
    // 100 organisations own the seeded bookings; the bench's own (private tier: no review) books through the API.
    await client.query(
      `INSERT INTO organisations (name, claimed_tier, contact_phone)
       SELECT 'Seed org ' || lpad(o::text, 3, '0'), 'private', '+447700900' || lpad(o::text, 3, '0') FROM generate_series(1, 100) o`,
    );
    const org = await client.query<{ id: string }>(
      `INSERT INTO organisations (name, claimed_tier, contact_phone, created_by) VALUES ('Bench org', 'private', '+447700900999', $1) RETURNING id`,
      [userId],
    );
    const organisationId = org.rows[0].id;
    await client.query(`INSERT INTO organisation_members (organisation_id, user_id) VALUES ($1, $2)`, [organisationId, userId]);

    // Bookings, 100 rooms per statement so progress shows. Local times are turned into instants
    // by PostgreSQL (AT TIME ZONE), so clock-change days are right.
    const tb = performance.now();
    const chunk = 100;
    for (let offset = 0; offset < opts.rooms; offset += chunk) {
      await client.query(
        `WITH r AS (SELECT id, hub_id, capacity, buffer_minutes, (row_number() OVER (ORDER BY id)) - 1 AS n FROM rooms),
              o AS (SELECT id, (row_number() OVER (ORDER BY name)) - 1 AS n FROM organisations WHERE name LIKE 'Seed org %')
         INSERT INTO bookings (room_id, hub_id, organisation_id, title, attendees, starts_at, ends_at, blocked_until, status, created_at, updated_at)
         SELECT r.id, r.hub_id, o.id, 'Seeded booking', least(r.capacity, 1 + (i % 20)),
                s.st, s.st + interval '2 hours', s.st + interval '2 hours' + make_interval(mins => r.buffer_minutes),
                (CASE WHEN (i * 7 + r.n) % 10 = 0 THEN 'cancelled' ELSE 'confirmed' END)::booking_status, now(), now()
         FROM r
         CROSS JOIN generate_series(0, $3::int - 1) i
         JOIN o ON o.n = (i + r.n) % 100
         CROSS JOIN LATERAL (
           SELECT (($4::date + (i / 2)) + (CASE WHEN i % 2 = 0 THEN time '09:00' ELSE time '15:00' END)
                   + make_interval(mins => ((r.n / 3) % 3)::int * 15)) AT TIME ZONE '${ZONE}' AS st
         ) s
         WHERE r.n >= $1 AND r.n < $2`,
        [offset, offset + chunk, perRoom, seedFirstDay],
      );
      opts.log(`  bookings: rooms ${offset + 1}-${Math.min(offset + chunk, opts.rooms)} of ${opts.rooms} (${((performance.now() - tb) / 1000).toFixed(0)} s)`);
    }
    const bookingSeconds = (performance.now() - tb) / 1000;

    // A few closures, all in the past half of the seeded range: whole hubs for a day, single rooms for three days.
    const pastDays = Math.max(1, Math.floor(seedDays / 2) - 1);
    await client.query(
      `INSERT INTO closures (hub_id, room_id, starts_at, ends_at, reason)
       SELECT h.id, NULL, (($1::date + (h.n * 13) % $2::int)::timestamp) AT TIME ZONE '${ZONE}',
              (($1::date + (h.n * 13) % $2::int + 1)::timestamp) AT TIME ZONE '${ZONE}', 'Bench: hub closed for the day'
       FROM (SELECT id, (row_number() OVER (ORDER BY name))::int - 1 AS n FROM hubs) h WHERE h.n % 5 = 0
       UNION ALL
       SELECT r.hub_id, r.id, (($1::date + (r.n * 7) % $2::int)::timestamp) AT TIME ZONE '${ZONE}',
              (($1::date + (r.n * 7) % $2::int + 3)::timestamp) AT TIME ZONE '${ZONE}', 'Bench: room refurbishment'
       FROM (SELECT id, hub_id, (row_number() OVER (ORDER BY id))::int - 1 AS n FROM rooms) r WHERE r.n % 25 = 0`,
      [seedFirstDay, pastDays],
    );

    const ta = performance.now();
    await client.query('ANALYZE');
    const analyzeSeconds = (performance.now() - ta) / 1000;

    const counts = await client.query<{ hubs: number; rooms: number; bookings: number; closures: number }>(
      `SELECT (SELECT count(*) FROM hubs)::int AS hubs, (SELECT count(*) FROM rooms)::int AS rooms,
              (SELECT count(*) FROM bookings)::int AS bookings, (SELECT count(*) FROM closures)::int AS closures`,
    );
    return {
      ...counts.rows[0],
      seedFirstDay,
      seedDays,
      userId,
      organisationId,
      seconds: { total: (performance.now() - t0) / 1000, bookings: bookingSeconds, analyze: analyzeSeconds },
    };
  } finally {
    client.release();
  }
}
