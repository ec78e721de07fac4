import type { Pool } from 'pg';
import type { Container } from '../../src/container';
import { openOn } from '../../src/modules/venues/venues.types';

/**
 * The rota's part of npm run bench. Half the hubs get staffed hours (09:00-17:00 every day), so
 * their seeded bookings (two a day per room, from 09:00 and from 15:00) need an opener every
 * morning and a closer every evening; a staff member of those hubs reads their shifts.
 */
export async function prepareRota(pool: Pool, container: Container, log: (s: string) => void) {
  const staffed = JSON.stringify(openOn('09:00', '17:00'));
  const hubs = (
    await pool.query<{ id: string }>(
      `UPDATE hubs SET settings = settings || jsonb_build_object('staffedHours', $1::jsonb)
       WHERE substring(name from '[0-9]+$')::int % 2 = 0 RETURNING id`,
      [staffed],
    )
  ).rows.map((r) => r.id);
  const user = await pool.query<{ id: string }>(`INSERT INTO users (email, password_hash, name) VALUES ('rota-staff@example.org', 'x', 'Rota staff') RETURNING id`);
  await pool.query(`INSERT INTO hub_members (hub_id, user_id, role) SELECT unnest($1::uuid[]), $2, 'staff'`, [hubs, user.rows[0].id]);
  // New staffed hours queue each hub's whole calendar (the hubs trigger); the first drain makes every shift.
  const t0 = performance.now();
  let made = 0;
  for (;;) {
    const n = await container.services.rota.generated.drainPending();
    if (!n) break;
    made += n;
  }
  const seconds = (performance.now() - t0) / 1000;
  const shifts = Number((await pool.query<{ n: string }>(`SELECT count(*) AS n FROM shifts WHERE source = 'booking' AND state = 'active'`)).rows[0].n);
  log(`Rota: ${hubs.length} hubs staffed 09:00-17:00; their whole calendars made ${shifts.toLocaleString('en-GB')} shifts in ${seconds.toFixed(1)} s (${made} changes)`);
  return { hubIds: hubs, staffUserId: user.rows[0].id, wholeCalendarSeconds: seconds, shifts };
}

export interface RegenResult {
  bookings: number;
  runs: number;
  p50: number;
  p99: number;
  mean: number;
  changesPerRun: number;
}

const quantile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];

/**
 * The cost of following one booking change: a random future booking at a staffed hub is moved
 * 30 minutes later in SQL (the trigger queues its span) and the hub's generated shifts are
 * brought into line (`regenerate`), then moved back and regenerated again; both are timed.
 */
export async function measureRegeneration(pool: Pool, container: Container, hubIds: string[], runs: number): Promise<RegenResult> {
  const times: number[] = [];
  let changes = 0;
  const bookings = Number((await pool.query<{ n: string }>(`SELECT count(*) AS n FROM bookings`)).rows[0].n);
  for (let i = 0; i < runs; i++) {
    const hubId = hubIds[i % hubIds.length];
    const b = (
      await pool.query<{ id: string }>(
        // One that can move 30 minutes either way without meeting another booking of its room
        // (the booking scenarios may have booked right after a seeded one).
        `SELECT b.id FROM bookings b WHERE b.hub_id = $1 AND b.status = 'confirmed' AND b.starts_at > now() + interval '1 day'
           AND NOT EXISTS (SELECT 1 FROM bookings o WHERE o.room_id = b.room_id AND o.id <> b.id AND o.status IN ('requested', 'awaiting_payment', 'confirmed')
             AND tstzrange(o.starts_at, o.blocked_until, '[)') && tstzrange(b.starts_at - interval '30 minutes', b.blocked_until + interval '30 minutes', '[)'))
           ORDER BY b.starts_at LIMIT 1 OFFSET $2`,
        [hubId, Math.floor(Math.random() * 200)],
      )
    ).rows[0];
    if (!b) continue;
    for (const shift of ['30 minutes', '-30 minutes']) {
      await pool.query(`UPDATE bookings SET starts_at = starts_at + $2::interval, ends_at = ends_at + $2::interval, blocked_until = blocked_until + $2::interval WHERE id = $1`, [b.id, shift]);
      const t0 = performance.now();
      changes += await container.services.rota.generated.regenerate(hubId);
      times.push(performance.now() - t0);
    }
  }
  const sorted = [...times].sort((a, b) => a - b);
  return { bookings, runs: times.length, p50: quantile(sorted, 0.5), p99: quantile(sorted, 0.99), mean: times.reduce((a, b) => a + b, 0) / times.length, changesPerRun: changes / times.length };
}
