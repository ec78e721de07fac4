import { and, asc, gt, inArray, lt, sql } from 'drizzle-orm';
import { type DbOrTx, sqlState } from '../../db/client';
import { DomainError } from '../../lib/errors';
import { closures, hubs, rooms } from '../../db/schema';

/**
 * The longest a booking can last: rooms allow at most 7 days (venues.schemas.ts, roomBody), and
 * every booking is checked against its room. It lets the usage query use the (hub_id, starts_at)
 * index from both ends instead of reading a hub's whole history before the period.
 */
export const LONGEST_BOOKING_DAYS = 7;
/** SQLSTATE of a statement stopped by statement_timeout. */
const QUERY_CANCELED = '57014';

/** One row of the usage aggregate: a grouping of (hub, month, tier), or one room's booked time. */
export interface UsageRow {
  kind: 'tier' | 'room';
  /** Null where the grouping set leaves it out. */
  hubId: string | null;
  month: string | null;
  tier: string | null;
  roomId: string | null;
  /** Used bookings that start in the grouping's time. */
  bookings: number;
  /** Used milliseconds inside the period. */
  usedMs: number;
  incomePence: number;
  subsidyPence: number;
  /** Different organisations with used time. */
  organisations: number;
  cancellations: number;
  noShows: number;
}

export interface UsageQuery {
  /** Each hub's local months, cut to the period, as instants (reports.fns monthWindows). */
  months: { hubId: string; month: string; start: Date; end: Date }[];
  /** Bookings that ended before this instant can be no-shows. */
  now: Date;
}

/** A PostgreSQL array literal of simple values (uuids, `YYYY-MM`, ISO instants): one parameter, whatever the length. */
const arrayLiteral = (values: string[]) => `{${values.join(',')}}`;

/**
 * The report's figures in one statement. Each hub's local months arrive as instants (worked out
 * in the hub's zone with luxon, so months that cross a clock change are right); each booking
 * that overlaps a month is cut to it. Money is shared in proportion to time with whole pence that
 * always add up: the pence earned by instant t is round(price × elapsed(t) / length) (half up),
 * and a piece [s, e) gets earned(e) − earned(s), so adjacent pieces telescope to the price.
 * Income and subsidy are shared that way separately (so the subsidy share is never negative);
 * the private-rate figure is their sum.
 */
export function createReportsRepository(db: DbOrTx) {
  return {
    async usage(q: UsageQuery, tx: DbOrTx = db): Promise<UsageRow[]> {
      if (q.months.length === 0) return [];
      const query = sql`
        WITH months AS MATERIALIZED (
          SELECT w.hub_id, w.month, w.m_from, w.m_to,
                 EXISTS (SELECT 1 FROM doors d WHERE d.hub_id = w.hub_id AND d.provider = 'keypad') AS has_keypad
          FROM unnest(${arrayLiteral(q.months.map((m) => m.hubId))}::uuid[], ${arrayLiteral(q.months.map((m) => m.month))}::text[],
                      ${arrayLiteral(q.months.map((m) => m.start.toISOString()))}::timestamptz[],
                      ${arrayLiteral(q.months.map((m) => m.end.toISOString()))}::timestamptz[]) AS w(hub_id, month, m_from, m_to)
        ),
        -- Each booking that overlaps a month, cut to it. The bookings are found by one range of
        -- starts (from LONGEST_BOOKING_DAYS before the period to its end) in the asked hubs: the
        -- (hub_id, starts_at) index for one hub, a scan of the year for a network; then matched
        -- to their hub's months by hash.
        shares AS MATERIALIZED (
          SELECT b.hub_id, b.room_id, b.organisation_id AS org, m.month,
                 coalesce(b.price->>'tier', o.verified_tier::text, o.claimed_tier::text) AS tier,
                 x.used, b.status = 'cancelled' AS cancelled, x.starts_here,
                 CASE WHEN x.used THEN x.e - x.s ELSE 0 END AS ms,
                 -- round(a × t / len), halves up, in integers: (2·a·t + len) div (2·len).
                 CASE WHEN x.used THEN (2 * x.amount * x.e + x.len) / (2 * x.len) - (2 * x.amount * x.s + x.len) / (2 * x.len) ELSE 0 END AS income,
                 CASE WHEN x.used THEN (2 * x.subsidy * x.e + x.len) / (2 * x.len) - (2 * x.subsidy * x.s + x.len) / (2 * x.len) ELSE 0 END AS sub,
                 -- A no-show: it ended with a keypad code for its doors that never opened one.
                 CASE WHEN x.used AND x.starts_here AND m.has_keypad AND b.ends_at <= ${q.now.toISOString()}::timestamptz THEN
                   EXISTS (SELECT 1 FROM access_codes ac JOIN access_code_doors acd ON acd.access_code_id = ac.id
                           JOIN doors d ON d.id = acd.door_id AND d.provider = 'keypad' WHERE ac.booking_id = b.id)
                   AND NOT EXISTS (SELECT 1 FROM access_codes ac JOIN door_entries de ON de.access_code_id = ac.id AND de.granted
                                   WHERE ac.booking_id = b.id)
                   -- Entry logs past their retention are deleted; the code keeps that it was used (entered_at).
                   AND NOT EXISTS (SELECT 1 FROM access_codes ac WHERE ac.booking_id = b.id AND ac.entered_at IS NOT NULL)
                 ELSE false END AS no_show
          FROM bookings b
          JOIN months m ON m.hub_id = b.hub_id AND b.starts_at < m.m_to AND b.ends_at > m.m_from
          CROSS JOIN LATERAL (
            SELECT (b.starts_at >= m.m_from AND b.starts_at < m.m_to) AS starts_here,
                   b.status IN ('confirmed', 'completed') AS used,
                   -- Milliseconds as bigint (date_part on an interval is a float8, exact at this size).
                   (date_part('epoch', b.ends_at - b.starts_at) * 1000)::bigint AS len,
                   (date_part('epoch', greatest(b.starts_at, m.m_from) - b.starts_at) * 1000)::bigint AS s,
                   (date_part('epoch', least(b.ends_at, m.m_to) - b.starts_at) * 1000)::bigint AS e,
                   coalesce((b.price->>'amountPence')::bigint, 0) AS amount,
                   coalesce((b.price->>'subsidyPence')::bigint, 0) AS subsidy
          ) x
          JOIN organisations o ON o.id = b.organisation_id
          WHERE b.hub_id = ANY(${arrayLiteral([...new Set(q.months.map((m) => m.hubId))])}::uuid[])
            AND b.starts_at > ${new Date(Math.min(...q.months.map((m) => m.start.getTime())) - LONGEST_BOOKING_DAYS * 86_400_000).toISOString()}::timestamptz
            AND b.starts_at < ${new Date(Math.max(...q.months.map((m) => m.end.getTime()))).toISOString()}::timestamptz
            AND b.status IN ('confirmed', 'completed', 'cancelled')
        ),
        fine AS (
          SELECT hub_id, month, tier, org,
                 count(*) FILTER (WHERE used AND starts_here) AS bookings,
                 sum(ms) AS ms, sum(income) AS income, sum(sub) AS sub,
                 count(*) FILTER (WHERE cancelled AND starts_here) AS cancellations,
                 count(*) FILTER (WHERE no_show) AS no_shows
          FROM shares GROUP BY hub_id, month, tier, org
        )
        SELECT 'tier' AS kind, hub_id::text AS "hubId", month, tier, NULL::text AS "roomId",
               -- The empty grouping set answers one row even with no bookings: its sums are null.
               coalesce(sum(bookings), 0)::float8 AS bookings, coalesce(sum(ms), 0)::float8 AS "usedMs",
               coalesce(sum(income), 0)::float8 AS "incomePence", coalesce(sum(sub), 0)::float8 AS "subsidyPence",
               (count(DISTINCT org) FILTER (WHERE ms > 0))::float8 AS organisations,
               coalesce(sum(cancellations), 0)::float8 AS cancellations, coalesce(sum(no_shows), 0)::float8 AS "noShows"
        FROM fine
        GROUP BY GROUPING SETS ((hub_id, month, tier), (hub_id, month), (hub_id, tier), (hub_id), (month, tier), (month), (tier), ())
        UNION ALL
        SELECT 'room', hub_id::text, NULL, NULL, room_id::text, count(*) FILTER (WHERE starts_here)::float8, sum(ms)::float8,
               sum(income)::float8, sum(sub)::float8, (count(DISTINCT org))::float8, 0, 0
        FROM shares WHERE used GROUP BY hub_id, room_id
      `;
      // The planner's cost for a year of a network is far above jit_above_cost, and compiling the
      // plan took longer than running it (600 ms of 700 ms on 4,000 bookings): no JIT for this one.
      try {
        const result = await tx.transaction(async (t) => {
          await t.execute(sql`SET LOCAL jit = off`);
          // Enough memory to group a year of a network in memory instead of sorting on disk.
          await t.execute(sql`SET LOCAL work_mem = '32MB'`);
          // Bounded even on a slow day: a network's year takes seconds, never minutes.
          await t.execute(sql`SET LOCAL statement_timeout = '120s'`);
          return t.execute(query);
        });
        return (result as unknown as { rows: UsageRow[] }).rows;
      } catch (err) {
        if (sqlState(err) === QUERY_CANCELED) {
          throw new DomainError('unavailable', 'report_timeout', 'The report took too long to work out; ask for a shorter period or fewer hubs, or try again later');
        }
        throw err;
      }
    },

    hubsByIds: (ids: string[], tx: DbOrTx = db) => tx.select().from(hubs).where(inArray(hubs.id, ids)).orderBy(asc(hubs.name), asc(hubs.id)),
    listHubs: (tx: DbOrTx = db) => tx.select().from(hubs).orderBy(asc(hubs.name), asc(hubs.id)),
    roomsOf: (hubIds: string[], tx: DbOrTx = db) =>
      tx
        .select({ id: rooms.id, hubId: rooms.hubId, name: rooms.name, active: rooms.active })
        .from(rooms)
        .where(inArray(rooms.hubId, hubIds))
        .orderBy(asc(rooms.name), asc(rooms.id)),
    /** Closures of these hubs (whole hub or one room) overlapping [from, to). */
    closuresOf: (hubIds: string[], from: Date, to: Date, tx: DbOrTx = db) =>
      tx
        .select({ hubId: closures.hubId, roomId: closures.roomId, startsAt: closures.startsAt, endsAt: closures.endsAt })
        .from(closures)
        .where(and(inArray(closures.hubId, hubIds), lt(closures.startsAt, to), gt(closures.endsAt, from))),
  };
}
export type ReportsRepository = ReturnType<typeof createReportsRepository>;
