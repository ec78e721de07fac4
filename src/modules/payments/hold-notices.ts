/**
 * What a hirer is told about a card booking's hold (docs/payments.md, "Holds"): once when it is
 * about to lapse, and once when it lapsed. Kept apart from the holds job, which calls `lapsed` in
 * the transaction that releases the bookings, so the text and the release commit together.
 */
import { and, eq, inArray, sql } from 'drizzle-orm';
import { DateTime } from 'luxon';
import type { DbOrTx } from '../../db/client';
import { bookingHolds, bookings, hubs } from '../../db/schema';
import type { Clock } from '../../lib/clock';
import { MINUTE } from '../../lib/time';
import type { OutgoingText } from '../notifications/outbox.service';
import { holdLapsedText, holdLapsingText } from '../notifications/texts';
import { holdExpiresAtSql } from './payments.repository';

/** The warning goes this long before the hold lapses... */
export const HOLD_WARNING_MINUTES = 10;
/** ...when the hub holds bookings at least this long (a shorter hold is still on the hirer's screen). */
export const HOLD_WARNING_MIN_HOLD = 20;

type Notify = (msg: OutgoingText, tx?: DbOrTx) => Promise<unknown>;

/** When a hold lapses: the same definition as the holds job's. */
const expiresAtSql = holdExpiresAtSql;

export function createHoldNotices(deps: { db: DbOrTx; clock: Clock; notify: Notify }) {
  const { db, clock, notify } = deps;
  const at = (d: Date, zone: string) => DateTime.fromJSDate(d, { zone }).toFormat('HH:mm');
  const day = (d: Date, zone: string) => DateTime.fromJSDate(d, { zone }).toFormat('ccc d LLL HH:mm');

  /** Rows per phone: one text for a series held together. */
  function byPhone<T extends { contactPhone: string | null }>(rows: T[]): T[][] {
    const groups = new Map<string, T[]>();
    for (const r of rows) if (r.contactPhone) groups.set(r.contactPhone, [...(groups.get(r.contactPhone) ?? []), r]);
    return [...groups.values()];
  }

  return {
    /**
     * Job: bookings whose hold lapses within HOLD_WARNING_MINUTES are told so, once per hold (the
     * dedupe key names the hold's end, so a hold made longer by a new checkout is warned again).
     */
    async warnLapsing(): Promise<number> {
      const now = clock.now();
      const rows = await db
        .select({ id: bookings.id, title: bookings.title, contactPhone: bookings.contactPhone, hubId: bookings.hubId, hubName: hubs.name, timezone: hubs.timezone, holdMinutes: sql<number>`coalesce((${hubs.settings}->>'holdMinutes')::int, 30)`, expiresAt: expiresAtSql })
        .from(bookings)
        .innerJoin(hubs, eq(hubs.id, bookings.hubId))
        .leftJoin(bookingHolds, eq(bookingHolds.bookingId, bookings.id))
        .where(
          and(
            eq(bookings.status, 'awaiting_payment'),
            // A hub whose unpaid holds wait for staff (settings.unpaidHolds) lets nothing lapse: no warning.
            sql`coalesce(${hubs.settings}->>'unpaidHolds', 'lapse') = 'lapse'`,
            sql`${expiresAtSql} > ${now.toISOString()}::timestamptz`,
            sql`${expiresAtSql} <= ${new Date(now.getTime() + HOLD_WARNING_MINUTES * MINUTE).toISOString()}::timestamptz`,
          ),
        )
        .orderBy(bookings.startsAt)
        .limit(500);
      let n = 0;
      const eligible = rows.filter((r) => Number(r.holdMinutes) >= HOLD_WARNING_MIN_HOLD).map((r) => ({ ...r, expiresAt: new Date(r.expiresAt) }));
      for (const group of byPhone(eligible)) {
        const first = group[0];
        const until = new Date(Math.min(...group.map((g) => g.expiresAt.getTime())));
        const queued = await notify({
          kind: 'hold_lapsing',
          to: first.contactPhone!,
          body: holdLapsingText({ hubName: first.hubName, title: first.title, count: group.length, until: at(until, first.timezone) }),
          hubId: first.hubId,
          bookingId: first.id,
          dedupeKey: `hold_lapsing:${first.id}:${until.toISOString()}`,
        });
        if (queued) n++;
      }
      return n;
    },

    /** In the holds job's transaction: the hirers of these just-released bookings are told, once. */
    async lapsed(bookingIds: string[], tx: DbOrTx): Promise<void> {
      if (!bookingIds.length) return;
      const rows = await tx
        .select({ id: bookings.id, title: bookings.title, contactPhone: bookings.contactPhone, startsAt: bookings.startsAt, hubId: bookings.hubId, hubName: hubs.name, timezone: hubs.timezone })
        .from(bookings)
        .innerJoin(hubs, eq(hubs.id, bookings.hubId))
        .where(inArray(bookings.id, bookingIds))
        .orderBy(bookings.startsAt);
      for (const group of byPhone(rows)) {
        const first = group[0];
        await notify(
          {
            kind: 'hold_lapsed',
            to: first.contactPhone!,
            body: holdLapsedText({ hubName: first.hubName, title: first.title, count: group.length, when: day(first.startsAt, first.timezone) }),
            hubId: first.hubId,
            bookingId: first.id,
            dedupeKey: `hold_lapsed:${first.id}`,
          },
          tx,
        );
      }
    },
  };
}
export type HoldNotices = ReturnType<typeof createHoldNotices>;
