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

/** One row of the usage aggregate: a grouping set the report shows (hub; month and tier; month; tier; all), or one room's booked time. */
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
  /** Different organisations with used time (zero on room rows). */
  organisations: number;
  cancellations: number;
  noShows: number;
}

/** One hub's local month cut to the period, as instants; `whole` when the period covers all of it. */
export interface MonthWindowOfHub {
  hubId: string;
  month: string;
  start: Date;
  end: Date;
  whole: boolean;
}

export interface UsageQuery {
  /** Each hub's local months, cut to the period, as instants (reports.fns monthWindows). */
  months: MonthWindowOfHub[];
  /** Bookings that ended before this instant can be no-shows. */
  now: Date;
}

/** How the last report was answered: hub-months read from the roll-up, and worked out live. */
export interface UsageSources {
  rolled: number;
  live: number;
}

/**
 * Days after a month's end by which every booking starting in it has ended and its door code has
 * expired (LONGEST_BOOKING_DAYS, and a day for the hub's lateExitMinutes, at most 240): from then
 * on its no-shows no longer change with time.
 */
export const SETTLE_DAYS = LONGEST_BOOKING_DAYS + 1;
/** Hub-months the roll-up job works out in one transaction. */
export const ROLL_UP_BATCH = 25;

/** A PostgreSQL array literal of simple values (uuids, `YYYY-MM`, ISO instants): one parameter, whatever the length. */
const arrayLiteral = (values: string[]) => `{${values.join(',')}}`;

/** `live`: the hub-months to work out from the bookings, each with whether its hub has a keypad door. */
const liveCte = (months: { hubId: string; month: string; start: Date; end: Date }[]) => sql`
  live AS MATERIALIZED (
    SELECT w.hub_id, w.month, w.m_from, w.m_to,
           EXISTS (SELECT 1 FROM doors d WHERE d.hub_id = w.hub_id AND d.provider = 'keypad') AS has_keypad
    FROM unnest(${arrayLiteral(months.map((m) => m.hubId))}::uuid[], ${arrayLiteral(months.map((m) => m.month))}::text[],
                ${arrayLiteral(months.map((m) => m.start.toISOString()))}::timestamptz[],
                ${arrayLiteral(months.map((m) => m.end.toISOString()))}::timestamptz[]) AS w(hub_id, month, m_from, m_to)
  )`;

/**
 * `shares`: each counted booking that overlaps a `live` month, cut to it. Each month finds its
 * bookings by a range of starts in its hub (from LONGEST_BOOKING_DAYS before it to its end) on the
 * (hub_id, starts_at) index. Money is shared in proportion to time with whole pence that always
 * add up: the pence earned by instant t is round(price × elapsed(t) / length) (half up), and a
 * piece [s, e) gets earned(e) − earned(s), so adjacent pieces telescope to the price. Income and
 * subsidy are shared that way separately (so the subsidy share is never negative); the
 * private-rate figure is their sum. The roll-up job runs the same text on whole months.
 */
const sharesCte = (now: Date) => sql`
  shares AS MATERIALIZED (
    SELECT b.hub_id, b.room_id, b.organisation_id AS org, m.month,
           coalesce(b.price->>'tier', o.verified_tier::text, o.claimed_tier::text) AS tier,
           x.used, b.status = 'cancelled' AS cancelled, x.starts_here,
           CASE WHEN x.used THEN x.e - x.s ELSE 0 END AS ms,
           -- round(a × t / len), halves up, in integers: (2·a·t + len) div (2·len).
           CASE WHEN x.used THEN (2 * x.amount * x.e + x.len) / (2 * x.len) - (2 * x.amount * x.s + x.len) / (2 * x.len) ELSE 0 END AS income,
           CASE WHEN x.used THEN (2 * x.subsidy * x.e + x.len) / (2 * x.len) - (2 * x.subsidy * x.s + x.len) / (2 * x.len) ELSE 0 END AS sub,
           -- A no-show: it ended with a keypad code for its doors that never opened one.
           CASE WHEN x.used AND x.starts_here AND m.has_keypad AND b.ends_at <= ${now.toISOString()}::timestamptz THEN
             EXISTS (SELECT 1 FROM access_codes ac JOIN access_code_doors acd ON acd.access_code_id = ac.id
                     JOIN doors d ON d.id = acd.door_id AND d.provider = 'keypad' WHERE ac.booking_id = b.id)
             AND NOT EXISTS (SELECT 1 FROM access_codes ac JOIN door_entries de ON de.access_code_id = ac.id AND de.granted
                             WHERE ac.booking_id = b.id)
             -- Entry logs past their retention are deleted; the code keeps that it was used (entered_at).
             AND NOT EXISTS (SELECT 1 FROM access_codes ac WHERE ac.booking_id = b.id AND ac.entered_at IS NOT NULL)
           ELSE false END AS no_show
    FROM live m
    -- LATERAL, not pulled up: one index range scan per month, even when the months are a few
    -- scattered ones (a plain join let the planner hash a seq scan of every booking against them).
    CROSS JOIN LATERAL (
      SELECT * FROM bookings b
      WHERE b.hub_id = m.hub_id
        AND b.starts_at > m.m_from - make_interval(days => ${sql.raw(String(LONGEST_BOOKING_DAYS))}) AND b.starts_at < m.m_to AND b.ends_at > m.m_from
        AND b.status IN ('confirmed', 'completed', 'cancelled')
      -- OFFSET 0 keeps the subquery from being pulled up into a join.
      OFFSET 0
    ) b
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
  )`;

/** (hub, month, tier, organisation) sums of `shares`: the roll-up's grain. */
const fineOfShares = sql`
  SELECT hub_id, month, tier, org,
         count(*) FILTER (WHERE used AND starts_here) AS bookings,
         sum(ms) AS ms, sum(income) AS income, sum(sub) AS sub,
         count(*) FILTER (WHERE cancelled AND starts_here) AS cancellations,
         count(*) FILTER (WHERE no_show) AS no_shows
  FROM shares GROUP BY hub_id, month, tier, org`;

/** Runs `work` in a transaction with the report's settings; a statement stopped by the timeout is a clear 503. */
async function reportTransaction<T>(db: DbOrTx, work: (t: DbOrTx) => Promise<T>, opts: { timeout?: string; snapshot?: boolean } = {}): Promise<T> {
  try {
    return await db.transaction(async (t) => {
      // One snapshot for every statement of the report (the roll-up's state and the bookings).
      if (opts.snapshot) await t.execute(sql`SET TRANSACTION ISOLATION LEVEL REPEATABLE READ`);
      // The planner's cost for a year of a network is far above jit_above_cost, and compiling the
      // plan took longer than running it (600 ms of 700 ms on 4,000 bookings): no JIT here.
      await t.execute(sql`SET LOCAL jit = off`);
      // Enough memory to group a year of a network in memory instead of sorting on disk.
      await t.execute(sql`SET LOCAL work_mem = '32MB'`);
      // Bounded even on a slow day.
      await t.execute(sql.raw(`SET LOCAL statement_timeout = '${opts.timeout ?? '120s'}'`));
      return work(t);
    });
  } catch (err) {
    if (sqlState(err) === QUERY_CANCELED) {
      throw new DomainError('unavailable', 'report_timeout', 'The report took too long to work out; ask for a shorter period or fewer hubs, or try again later');
    }
    throw err;
  }
}

/**
 * The report's figures. Whole months that the roll-up holds, clean and settled, are read from it;
 * every other month (the period's cut ends, months changed since the job last ran, months whose
 * no-shows can still change) is worked out from the bookings, by the same SQL the job uses. Both
 * statements run in one REPEATABLE READ transaction, so they see the same bookings and marks: the
 * answer is always exactly the live computation's.
 */
export function createReportsRepository(db: DbOrTx) {
  let lastSources: UsageSources = { rolled: 0, live: 0 };
  return {
    /** How the last `usage` call split its hub-months (for the bench and tests). */
    lastSources: () => lastSources,

    async usage(q: UsageQuery, tx: DbOrTx = db): Promise<UsageRow[]> {
      if (q.months.length === 0) return [];
      const now = q.now.toISOString();
      return reportTransaction(tx, async (t) => {
        // Which whole months the roll-up answers exactly for this clock (report_months).
        const whole = q.months.filter((m) => m.whole);
        const rolledKeys = new Set<string>();
        if (whole.length > 0) {
          const ok = await t.execute(sql`
            SELECT w.hub_id::text AS "hubId", w.month
            FROM unnest(${arrayLiteral(whole.map((m) => m.hubId))}::uuid[], ${arrayLiteral(whole.map((m) => m.month))}::text[],
                        ${arrayLiteral(whole.map((m) => m.start.toISOString()))}::timestamptz[],
                        ${arrayLiteral(whole.map((m) => m.end.toISOString()))}::timestamptz[]) AS w(hub_id, month, m_from, m_to)
            JOIN report_months rm ON rm.hub_id = w.hub_id AND rm.month = w.month
            CROSS JOIN LATERAL (SELECT EXISTS (SELECT 1 FROM doors d WHERE d.hub_id = w.hub_id AND d.provider = 'keypad') AS has_keypad) k
            WHERE NOT EXISTS (SELECT 1 FROM report_dirty_months dm WHERE dm.hub_id = w.hub_id AND dm.month = w.month)
              AND (
                -- No keypad, then or now: no no-shows either way.
                (NOT rm.has_keypad AND NOT k.has_keypad)
                -- Not begun, then or now: none of its bookings has ended.
                OR (rm.computed_at <= w.m_from AND ${now}::timestamptz <= w.m_from)
                -- Settled, then and now: every booking in it had ended, its code expired.
                OR (rm.has_keypad = k.has_keypad
                    AND rm.computed_at >= w.m_to + make_interval(days => ${sql.raw(String(SETTLE_DAYS))})
                    AND ${now}::timestamptz >= w.m_to + make_interval(days => ${sql.raw(String(SETTLE_DAYS))}))
              )`);
          for (const r of (ok as unknown as { rows: { hubId: string; month: string }[] }).rows) rolledKeys.add(`${r.hubId}|${r.month}`);
        }
        const rolled = q.months.filter((m) => m.whole && rolledKeys.has(`${m.hubId}|${m.month}`));
        const live = q.months.filter((m) => !(m.whole && rolledKeys.has(`${m.hubId}|${m.month}`)));
        lastSources = { rolled: rolled.length, live: live.length };
        // An empty live list still needs a typed row set: one impossible month.
        const liveOrNone = live.length > 0 ? live : [{ hubId: '00000000-0000-0000-0000-000000000000', month: '0000-00', start: new Date(0), end: new Date(0) }];
        const query = sql`
          WITH ${liveCte(liveOrNone)},
          ${sharesCte(q.now)},
          rolled AS MATERIALIZED (
            SELECT * FROM unnest(${arrayLiteral(rolled.map((m) => m.hubId))}::uuid[], ${arrayLiteral(rolled.map((m) => m.month))}::text[]) AS r(hub_id, month)
          ),
          fine AS (
            ${fineOfShares}
            UNION ALL
            SELECT u.hub_id, u.month, u.tier, u.organisation_id, u.bookings, u.used_ms, u.income_pence, u.subsidy_pence, u.cancellations, u.no_shows
            FROM rolled r JOIN report_usage_months u ON u.hub_id = r.hub_id AND u.month = r.month
          ),
          room_ms AS (
            SELECT hub_id, room_id, count(*) FILTER (WHERE starts_here) AS bookings, sum(ms) AS ms FROM shares WHERE used GROUP BY hub_id, room_id
            UNION ALL
            SELECT u.hub_id, u.room_id, u.bookings, u.used_ms FROM rolled r JOIN report_room_months u ON u.hub_id = r.hub_id AND u.month = r.month
          ),
          -- Sums by the grouping sets the report shows, from (hub, month, tier) sums: hashable.
          sums AS (
            SELECT hub_id, month, tier, sum(bookings) AS bookings, sum(ms) AS ms, sum(income) AS income, sum(sub) AS sub,
                   sum(cancellations) AS cancellations, sum(no_shows) AS no_shows
            FROM fine GROUP BY hub_id, month, tier
          ),
          -- Different organisations with used time in each of those groupings: the distinct
          -- (grouping, organisation) pairs by hash, then counted (count(DISTINCT) would sort).
          orgs AS (
            SELECT g, hub_id, month, tier, count(*) AS organisations FROM (
              SELECT GROUPING(hub_id, month, tier) AS g, hub_id, month, tier
              FROM fine WHERE ms > 0
              GROUP BY GROUPING SETS ((hub_id, org), (month, tier, org), (month, org), (tier, org), (org))
            ) x GROUP BY g, hub_id, month, tier
          )
          SELECT 'tier' AS kind, s.hub_id::text AS "hubId", s.month, s.tier, NULL::text AS "roomId",
                 -- The empty grouping set answers one row even with no bookings: its sums are null.
                 coalesce(s.bookings, 0)::float8 AS bookings, coalesce(s.ms, 0)::float8 AS "usedMs",
                 coalesce(s.income, 0)::float8 AS "incomePence", coalesce(s.sub, 0)::float8 AS "subsidyPence",
                 coalesce(o.organisations, 0)::float8 AS organisations,
                 coalesce(s.cancellations, 0)::float8 AS cancellations, coalesce(s.no_shows, 0)::float8 AS "noShows"
          FROM (
            SELECT GROUPING(hub_id, month, tier) AS g, hub_id, month, tier, sum(bookings) AS bookings, sum(ms) AS ms, sum(income) AS income,
                   sum(sub) AS sub, sum(cancellations) AS cancellations, sum(no_shows) AS no_shows
            FROM sums GROUP BY GROUPING SETS ((hub_id), (month, tier), (month), (tier), ())
          ) s
          LEFT JOIN orgs o ON o.g = s.g AND o.hub_id IS NOT DISTINCT FROM s.hub_id AND o.month IS NOT DISTINCT FROM s.month AND o.tier IS NOT DISTINCT FROM s.tier
          UNION ALL
          SELECT 'room', hub_id::text, NULL, NULL, room_id::text, sum(bookings)::float8, sum(ms)::float8, 0, 0, 0, 0, 0
          FROM room_ms GROUP BY hub_id, room_id
        `;
        const result = await t.execute(query);
        return (result as unknown as { rows: UsageRow[] }).rows;
      }, { snapshot: true });
    },

    /**
     * What the roll-up job has to do: marked hub-months, and rolled-up months of keypad hubs whose
     * no-shows have settled since (report_months_settle_idx), at most `limit`, with the hub's zone.
     * Marks of hubs that are gone are dropped.
     */
    async dueMonths(now: Date, limit: number, tx: DbOrTx = db): Promise<{ hubId: string; month: string; timezone: string }[]> {
      await tx.execute(sql`DELETE FROM report_dirty_months dm WHERE NOT EXISTS (SELECT 1 FROM hubs h WHERE h.id = dm.hub_id)`);
      const res = await tx.execute(sql`
        SELECT d.hub_id::text AS "hubId", d.month, h.timezone FROM (
          (SELECT DISTINCT hub_id, month FROM report_dirty_months ORDER BY hub_id, month LIMIT ${limit})
          UNION
          (SELECT hub_id, month FROM report_months WHERE settle_at IS NOT NULL AND settle_at <= ${now.toISOString()}::timestamptz ORDER BY settle_at LIMIT ${limit})
        ) d JOIN hubs h ON h.id = d.hub_id
        ORDER BY d.hub_id, d.month LIMIT ${limit}`);
      return (res as unknown as { rows: { hubId: string; month: string; timezone: string }[] }).rows;
    },

    /**
     * Works these whole hub-months out again from the bookings, in one transaction: their marks
     * go first (a mark written meanwhile by a transaction this one cannot see stays, so the month
     * is worked out again next run), then their rows are replaced.
     */
    async rollUp(months: { hubId: string; month: string; start: Date; end: Date }[], now: Date, tx: DbOrTx = db): Promise<number> {
      if (months.length === 0) return 0;
      const hubIds = arrayLiteral(months.map((m) => m.hubId));
      const labels = arrayLiteral(months.map((m) => m.month));
      return reportTransaction(
        tx,
        async (t) => {
          const pairs = sql`unnest(${hubIds}::uuid[], ${labels}::text[]) AS p(hub_id, month)`;
          await t.execute(sql`DELETE FROM report_dirty_months dm USING ${pairs} WHERE dm.hub_id = p.hub_id AND dm.month = p.month`);
          await t.execute(sql`DELETE FROM report_usage_months u USING ${pairs} WHERE u.hub_id = p.hub_id AND u.month = p.month`);
          await t.execute(sql`DELETE FROM report_room_months u USING ${pairs} WHERE u.hub_id = p.hub_id AND u.month = p.month`);
          await t.execute(sql`
            WITH ${liveCte(months)},
            ${sharesCte(now)},
            usage_rows AS (
              INSERT INTO report_usage_months (hub_id, month, tier, organisation_id, bookings, used_ms, income_pence, subsidy_pence, cancellations, no_shows)
              SELECT hub_id, month, tier, org, bookings, ms, income, sub, cancellations, no_shows FROM (${fineOfShares}) f
            ),
            room_rows AS (
              INSERT INTO report_room_months (hub_id, month, room_id, bookings, used_ms)
              SELECT hub_id, month, room_id, count(*) FILTER (WHERE starts_here), sum(ms) FROM shares WHERE used GROUP BY hub_id, month, room_id
            )
            INSERT INTO report_months (hub_id, month, computed_at, has_keypad, settle_at)
            SELECT hub_id, month, ${now.toISOString()}::timestamptz, has_keypad,
                   -- A keypad hub's month computed before it settled is worked out again when it has.
                   CASE WHEN has_keypad AND ${now.toISOString()}::timestamptz < m_to + make_interval(days => ${sql.raw(String(SETTLE_DAYS))})
                        THEN m_to + make_interval(days => ${sql.raw(String(SETTLE_DAYS))}) END
            FROM live
            ON CONFLICT (hub_id, month) DO UPDATE SET computed_at = excluded.computed_at, has_keypad = excluded.has_keypad, settle_at = excluded.settle_at`);
          return months.length;
        },
        { timeout: '600s' },
      );
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
