import { and, asc, eq, gt, inArray, isNull, lt, or, sql } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client';
import { lazy, preparedOn } from '../../db/prepared';
import { exactTimestamp, keysetAfter, type PageArgs } from '../../db/keyset';
import { BLOCKING_STATUSES, bookings, closures, hubMembers, hubs, rooms, users } from '../../db/schema';

export type HubRow = typeof hubs.$inferSelect;
export type RoomRow = typeof rooms.$inferSelect;
export type ClosureRow = typeof closures.$inferSelect;

export function createVenuesRepository(db: DbOrTx) {
  // The availability path's statements, built once and sent as named prepared statements (drizzle
  // otherwise builds each statement's SQL text anew per call: about a third of that path's
  // JavaScript); used when no transaction is given.
  const prepared = {
    roomWithHub: lazy(() =>
      db.select({ room: rooms, hub: hubs }).from(rooms).innerJoin(hubs, eq(hubs.id, rooms.hubId)).where(eq(rooms.id, sql.placeholder('id'))).prepare('venues_room_with_hub'),
    ),
    blockingBookings: lazy(() =>
      db
        .select({ id: bookings.id, startsAt: bookings.startsAt, endsAt: bookings.endsAt, blockedUntil: bookings.blockedUntil })
        .from(bookings)
        .where(
          and(
            eq(bookings.roomId, sql.placeholder('roomId')),
            inArray(bookings.status, [...BLOCKING_STATUSES]),
            sql`tstzrange(${bookings.startsAt}, ${bookings.blockedUntil}, '[)') && tstzrange(${sql.placeholder('from')}::timestamptz, ${sql.placeholder('to')}::timestamptz, '[)')`,
          ),
        )
        .orderBy(asc(bookings.startsAt))
        .prepare('venues_blocking_bookings'),
    ),
    closuresForRoom: lazy(() =>
      db
        .select()
        .from(closures)
        .where(
          and(
            eq(closures.hubId, sql.placeholder('hubId')),
            or(isNull(closures.roomId), eq(closures.roomId, sql.placeholder('roomId'))),
            sql`${closures.startsAt} < ${sql.placeholder('to')}::timestamptz`,
            sql`${closures.endsAt} > ${sql.placeholder('from')}::timestamptz`,
          ),
        )
        .orderBy(asc(closures.startsAt))
        .prepare('venues_closures_for_room'),
    ),
    // The booking transaction's locks (run on its connection: preparedOn).
    lockRoom: lazy(() => db.select({ id: rooms.id }).from(rooms).where(eq(rooms.id, sql.placeholder('id'))).for('update').prepare('venues_lock_room')),
    hubForShare: lazy(() => db.select().from(hubs).where(eq(hubs.id, sql.placeholder('id'))).for('share').prepare('venues_hub_for_share')),
    // The room's lock inside the hub's read: the EXISTS runs (and waits for the room) before the hub row is share-locked.
    roomLockHubShare: lazy(() =>
      db
        .select()
        .from(hubs)
        .where(and(eq(hubs.id, sql.placeholder('hubId')), sql`EXISTS (SELECT 1 FROM ${rooms} WHERE ${rooms.id} = ${sql.placeholder('roomId')} FOR UPDATE)`))
        .for('share')
        .prepare('venues_room_lock_hub_share'),
    ),
  };
  return {
    listHubs: (tx: DbOrTx = db) => tx.select().from(hubs).orderBy(asc(hubs.name), asc(hubs.id)),
    /** A page of hubs by name, then id; fetches limit rows (ask for one more to know if more follow). */
    pageHubs: (p: PageArgs, tx: DbOrTx = db) =>
      tx
        .select()
        .from(hubs)
        .where(p.after ? keysetAfter([hubs.name, hubs.id], p.after) : undefined)
        .orderBy(asc(hubs.name), asc(hubs.id))
        .limit(p.limit),
    async getHub(id: string, tx: DbOrTx = db): Promise<HubRow | undefined> {
      const [row] = await tx.select().from(hubs).where(eq(hubs.id, id));
      return row;
    },
    async insertHub(values: typeof hubs.$inferInsert, tx: DbOrTx = db) {
      const [row] = await tx.insert(hubs).values(values).returning();
      return row;
    },
    async updateHub(id: string, values: Partial<typeof hubs.$inferInsert>, tx: DbOrTx = db) {
      const [row] = await tx.update(hubs).set(values).where(eq(hubs.id, id)).returning();
      return row;
    },
    async addMember(values: typeof hubMembers.$inferInsert, tx: DbOrTx = db) {
      await tx.insert(hubMembers).values(values).onConflictDoNothing();
    },
    /** A page of the hub's people by name, role, then user id (one row per role held). */
    listMembers: (hubId: string, p: PageArgs, tx: DbOrTx = db) =>
      tx
        .select({ userId: users.id, email: users.email, name: users.name, role: hubMembers.role })
        .from(hubMembers)
        .innerJoin(users, eq(users.id, hubMembers.userId))
        .where(and(eq(hubMembers.hubId, hubId), p.after ? keysetAfter([users.name, hubMembers.role, hubMembers.userId], p.after) : undefined))
        .orderBy(asc(users.name), asc(hubMembers.role), asc(hubMembers.userId))
        .limit(p.limit),

    listRooms: (hubId: string, tx: DbOrTx = db) => tx.select().from(rooms).where(eq(rooms.hubId, hubId)).orderBy(asc(rooms.name), asc(rooms.id)),
    /** A page of the hub's rooms (active ones only unless asked) by name, then id. */
    pageRooms: (hubId: string, includeInactive: boolean, p: PageArgs, tx: DbOrTx = db) =>
      tx
        .select()
        .from(rooms)
        .where(
          and(
            eq(rooms.hubId, hubId),
            includeInactive ? undefined : eq(rooms.active, true),
            p.after ? keysetAfter([rooms.name, rooms.id], p.after) : undefined,
          ),
        )
        .orderBy(asc(rooms.name), asc(rooms.id))
        .limit(p.limit),
    async getRoom(id: string, tx: DbOrTx = db): Promise<RoomRow | undefined> {
      const [row] = await tx.select().from(rooms).where(eq(rooms.id, id));
      return row;
    },
    async getRoomWithHub(id: string, tx: DbOrTx = db) {
      const [row] =
        tx === db
          ? await prepared.roomWithHub().execute({ id })
          : await tx.select({ room: rooms, hub: hubs }).from(rooms).innerJoin(hubs, eq(hubs.id, rooms.hubId)).where(eq(rooms.id, id));
      return row;
    },
    /** Locks the room row for the rest of the transaction: serialises bookings of one room. */
    async lockRoom(id: string, tx: DbOrTx) {
      const [row] = await preparedOn(prepared.lockRoom(), tx, db).execute({ id });
      return row;
    },
    async insertRoom(values: typeof rooms.$inferInsert, tx: DbOrTx = db) {
      const [row] = await tx.insert(rooms).values(values).returning();
      return row;
    },
    async updateRoom(id: string, values: Partial<typeof rooms.$inferInsert>, tx: DbOrTx = db) {
      const [row] = await tx.update(rooms).set(values).where(eq(rooms.id, id)).returning();
      return row;
    },

    async insertClosure(values: typeof closures.$inferInsert, tx: DbOrTx = db) {
      const [row] = await tx.insert(closures).values(values).returning();
      return row;
    },
    async getClosure(id: string, tx: DbOrTx = db) {
      const [row] = await tx.select().from(closures).where(eq(closures.id, id));
      return row;
    },
    async deleteClosure(id: string, tx: DbOrTx = db) {
      await tx.delete(closures).where(eq(closures.id, id));
    },
    /** A page of the hub's closures overlapping [from, to), by start, then id; `cursorAt` is the exact start. */
    listClosures: (hubId: string, from: Date, to: Date, p: PageArgs, tx: DbOrTx = db) =>
      tx
        .select({ closure: closures, cursorAt: exactTimestamp(closures.startsAt) })
        .from(closures)
        .where(
          and(
            eq(closures.hubId, hubId),
            lt(closures.startsAt, to),
            gt(closures.endsAt, from),
            p.after ? keysetAfter([closures.startsAt, closures.id], p.after) : undefined,
          ),
        )
        .orderBy(asc(closures.startsAt), asc(closures.id))
        .limit(p.limit),
    /** Closures of the room itself or of its whole hub that overlap [from, to). */
    closuresForRoom: (hubId: string, roomId: string, from: Date, to: Date, tx: DbOrTx = db) =>
      preparedOn(prepared.closuresForRoom(), tx, db).execute({ hubId, roomId, from: from.toISOString(), to: to.toISOString() }),
    /** Blocking bookings of a room whose held time [startsAt, blockedUntil) overlaps [from, to). */
    blockingBookings: (roomId: string, from: Date, to: Date, tx: DbOrTx = db) =>
      tx === db
        ? prepared.blockingBookings().execute({ roomId, from: from.toISOString(), to: to.toISOString() })
        : tx
        .select({ id: bookings.id, startsAt: bookings.startsAt, endsAt: bookings.endsAt, blockedUntil: bookings.blockedUntil })
        .from(bookings)
        .where(
          and(
            eq(bookings.roomId, roomId),
            inArray(bookings.status, [...BLOCKING_STATUSES]),
            sql`tstzrange(${bookings.startsAt}, ${bookings.blockedUntil}, '[)') && tstzrange(${from.toISOString()}::timestamptz, ${to.toISOString()}::timestamptz, '[)')`,
          ),
        )
        .orderBy(asc(bookings.startsAt)),
    /**
     * Blocking bookings of the hub (or one room) overlapping [from, to) (to null: from on), so
     * staff can see whom a closure or a change of opening hours affects.
     */
    blockingInHub: (hubId: string, roomId: string | null, from: Date, to: Date | null, tx: DbOrTx = db) =>
      tx
        .select({
          id: bookings.id,
          startsAt: bookings.startsAt,
          endsAt: bookings.endsAt,
          roomId: bookings.roomId,
          status: bookings.status,
          title: bookings.title,
          organisationId: bookings.organisationId,
        })
        .from(bookings)
        .where(
          and(
            eq(bookings.hubId, hubId),
            roomId ? eq(bookings.roomId, roomId) : undefined,
            inArray(bookings.status, [...BLOCKING_STATUSES]),
            to ? lt(bookings.startsAt, to) : undefined,
            gt(bookings.endsAt, from),
          ),
        )
        .orderBy(asc(bookings.startsAt), asc(bookings.id)),
    /** The hub row, share-locked for the rest of the transaction: a change of its hours or settings waits for it. */
    /**
     * lockRoom then hubForShare in one round trip: the room row locked for update, then its hub's
     * row for share, in that order; the hub as it now is (undefined if the hub or the room is gone).
     */
    async lockRoomShareHub(roomId: string, hubId: string, tx: DbOrTx): Promise<HubRow | undefined> {
      const [row] = await preparedOn(prepared.roomLockHubShare(), tx, db).execute({ roomId, hubId });
      return row;
    },
    async hubForShare(id: string, tx: DbOrTx): Promise<HubRow | undefined> {
      const [row] = await preparedOn(prepared.hubForShare(), tx, db).execute({ id });
      return row;
    },
    /** Locks the hub row for the rest of the transaction: serialises changes of its hours and closures. */
    async lockHub(id: string, tx: DbOrTx) {
      await tx.select({ id: hubs.id }).from(hubs).where(eq(hubs.id, id)).for('update');
    },

    /**
     * Network search: active rooms in the given hubs with the capacity and features asked for,
     * that no blocking booking (buffers included) or closure touches over [startsAt, endsAt).
     * One statement. The bookings that hold any room over the window, widened by the largest
     * buffer, are read once by one range scan of bookings_held_range_idx and hash anti-joined to
     * the candidate rooms, each room then checked against its own buffer; closures likewise.
     * (`OFFSET 0` keeps each list a subquery run once: inlined, the planner probes the exclusion
     * index once per candidate room instead, which costs ten times more on a busy window.)
     */
    async searchFreeRooms(
      q: { hubIds: string[]; startsAt: Date; endsAt: Date; capacity: number; features: string[]; limit: number },
      tx: DbOrTx = db,
    ) {
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
            sql`NOT EXISTS (SELECT 1 FROM (
                  SELECT b.room_id, b.starts_at FROM ${bookings} b
                  WHERE b.status IN ('requested', 'awaiting_payment', 'confirmed')
                    AND tstzrange(b.starts_at, b.blocked_until, '[)') && tstzrange(${s}::timestamptz,
                          ${e}::timestamptz + make_interval(mins => (SELECT coalesce(max(r.buffer_minutes), 0) FROM ${rooms} r)), '[)')
                  OFFSET 0) held
                WHERE held.room_id = ${rooms.id} AND held.starts_at < ${e}::timestamptz + make_interval(mins => ${rooms.bufferMinutes}))`,
            sql`NOT EXISTS (SELECT 1 FROM (
                  SELECT c.hub_id, c.room_id FROM ${closures} c WHERE c.starts_at < ${e}::timestamptz AND c.ends_at > ${s}::timestamptz
                  OFFSET 0) closed
                WHERE closed.hub_id = ${rooms.hubId} AND (closed.room_id IS NULL OR closed.room_id = ${rooms.id}))`,
          ),
        )
        .orderBy(asc(rooms.capacity), asc(hubs.name), asc(rooms.name), asc(rooms.id))
        .limit(q.limit);
    },
  };
}
export type VenuesRepository = ReturnType<typeof createVenuesRepository>;

