import { and, asc, eq, inArray, sql } from 'drizzle-orm';
import type { DbOrTx } from '../../src/db/client';
import { bookings, closures, hubs, rooms } from '../../src/db/schema';
import type { VenuesRepository } from '../../src/modules/venues/venues.repository';

/**
 * Network search's statement as it was before the range-scan plan (commit "Search reads the held
 * bookings of its window in one range scan"), kept here only so that the bench can measure the
 * two side by side in one run: the NOT EXISTS subqueries are inlined, and the planner probes the
 * exclusion index `bookings_no_overlap` once per candidate room.
 */
export function searchFreeRoomsBefore(db: DbOrTx): VenuesRepository['searchFreeRooms'] {
  return async (q, tx = db) => {
    if (q.hubIds.length === 0) return [];
    const minutes = Math.round((q.endsAt.getTime() - q.startsAt.getTime()) / 60000);
    const s = q.startsAt.toISOString();
    const e = q.endsAt.toISOString();
    return tx
      .select({ room: rooms, hubName: hubs.name, hubTimezone: hubs.timezone, hubAddress: hubs.address })
      .from(rooms)
      .innerJoin(hubs, eq(hubs.id, rooms.hubId))
      .where(
        and(
          eq(rooms.active, true),
          inArray(rooms.hubId, q.hubIds),
          sql`${rooms.capacity} >= ${q.capacity}`,
          q.features.length ? sql`${rooms.features} @> ${sql.param(q.features)}::text[]` : undefined,
          sql`${rooms.minBookingMinutes} <= ${minutes} AND ${rooms.maxBookingMinutes} >= ${minutes}`,
          sql`NOT EXISTS (SELECT 1 FROM ${bookings} b WHERE b.room_id = ${rooms.id}
                AND b.status IN ('requested', 'awaiting_payment', 'confirmed')
                AND tstzrange(b.starts_at, b.blocked_until, '[)') && tstzrange(${s}::timestamptz, ${e}::timestamptz + make_interval(mins => ${rooms.bufferMinutes}), '[)'))`,
          sql`NOT EXISTS (SELECT 1 FROM ${closures} c WHERE c.hub_id = ${rooms.hubId}
                AND (c.room_id IS NULL OR c.room_id = ${rooms.id})
                AND c.starts_at < ${e}::timestamptz AND c.ends_at > ${s}::timestamptz)`,
        ),
      )
      .orderBy(asc(rooms.capacity), asc(hubs.name), asc(rooms.name), asc(rooms.id))
      .limit(q.limit);
  };
}
