import { and, asc, eq, inArray, sql } from 'drizzle-orm';
import type { DbOrTx } from '../../src/db/client';
import { bookings, closures, hubs, rooms } from '../../src/db/schema';
import type { VenuesRepository } from '../../src/modules/venues/venues.repository';

/**
 * Search's read of the hubs as it was before issue 14's work (the service called the repository's
 * `listHubs`, or `getHub` for one hub: every column, the settings and opening hours parsed as JSON),
 * its rows given the shape the service now takes. The bench's "statement before" row runs this
 * and searchFreeRoomsBefore, so that row sends exactly the SQL search sent before.
 */
export function searchHubsBefore(db: DbOrTx): VenuesRepository['searchHubs'] {
  return async (hubId, tx = db) => {
    const rows = hubId ? await tx.select().from(hubs).where(eq(hubs.id, hubId)) : await tx.select().from(hubs).orderBy(asc(hubs.name), asc(hubs.id));
    return rows.map((h) => ({
      id: h.id,
      timezone: h.timezone,
      openingHours: JSON.stringify(h.openingHours),
      minNoticeMinutes: h.settings.minNoticeMinutes,
      maxAdvanceDays: h.settings.maxAdvanceDays,
    }));
  };
}

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
    const rows = await tx
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
    // The statement is as it was; its rows are given the shape the service now takes (presentRoom's keys and the hub).
    return rows.map(({ room: r, hubName, hubAddress, hubTimezone }) => ({
      id: r.id,
      hubId: r.hubId,
      name: r.name,
      description: r.description,
      capacity: r.capacity,
      features: r.features,
      bufferMinutes: r.bufferMinutes,
      minBookingMinutes: r.minBookingMinutes,
      maxBookingMinutes: r.maxBookingMinutes,
      active: r.active,
      approval: r.approval,
      hub: { id: r.hubId, name: hubName, address: hubAddress, timezone: hubTimezone },
    }));
  };
}
