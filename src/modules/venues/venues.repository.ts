import { and, asc, eq, gt, inArray, isNull, lt, or, Placeholder, sql } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client';
import { lazy, preparedOn } from '../../db/prepared';
import { exactTimestamp, keysetAfter, type PageArgs } from '../../db/keyset';
import { BLOCKING_STATUSES, bookings, closures, hubMembers, hubs, rooms, users } from '../../db/schema';

export type HubRow = typeof hubs.$inferSelect;
export type RoomRow = typeof rooms.$inferSelect;
export type ClosureRow = typeof closures.$inferSelect;

/** A hub as search reads it (see searchHubs). */
export interface SearchHub {
  id: string;
  timezone: string;
  /** The opening hours' JSON text, as PostgreSQL writes jsonb (equal hours give equal text). */
  openingHours: string;
  minNoticeMinutes: number;
  maxAdvanceDays: number;
}
/** A room search found, as the answer lists it: presentRoom's keys, then its hub. */
export interface SearchRoom {
  id: string;
  hubId: string;
  name: string;
  description: string | null;
  capacity: number;
  features: string[];
  bufferMinutes: number;
  minBookingMinutes: number;
  maxBookingMinutes: number;
  active: boolean;
  approval: RoomRow['approval'];
  hub: { id: string; name: string; address: string; timezone: string };
}
export interface SearchQuery {
  hubIds: string[];
  startsAt: Date;
  endsAt: Date;
  capacity: number;
  features: string[];
  limit: number;
}

/** A value sent as one parameter, or a prepared statement's placeholder for it. */
type Arg<T> = T | Placeholder;
const param = <T>(v: Arg<T>) => (v instanceof Placeholder ? v : sql.param(v));

const searchHubsSelect = (tx: DbOrTx, hubId?: Arg<string>) =>
  tx
    .select({
      hubs: sql<[string, string, string, number, number][] | null>`json_agg(json_build_array(${hubs.id}, ${hubs.timezone}, ${hubs.openingHours}::text,
        ${hubs.settings}->'minNoticeMinutes', ${hubs.settings}->'maxAdvanceDays') ORDER BY ${hubs.name}, ${hubs.id})`,
    })
    .from(hubs)
    .where(hubId === undefined ? undefined : eq(hubs.id, hubId));

/**
 * Search's statement. The rooms a held booking touches over the window are one set, worked out
 * once: the bookings whose held time meets the window widened by the largest buffer (one range
 * scan of bookings_held_range_idx), each checked against its own room's buffer; the closed rooms
 * and hubs likewise. Each set is an uncorrelated `NOT IN` (all its columns are NOT NULL), which
 * PostgreSQL runs once as a hashed subplan whatever it guesses of the parameters: the statement is
 * prepared, and its generic plan (PostgreSQL's choice after five runs) must not fall back to
 * reading the bookings once per candidate room, as the generic plan of the NOT EXISTS form did
 * (200 ms against 1.1 ms). The rooms found come back as one row, a JSON array of the answer's
 * items in order: pg parses one JSON text instead of every column of up to `limit` rows, and
 * nothing is mapped again in JavaScript.
 */
function searchRoomsSelect(
  tx: DbOrTx,
  a: { hubIds: Arg<string[]>; startsAt: Arg<string>; endsAt: Arg<string>; capacity: Arg<number>; features: Arg<string[]>; minutes: Arg<number>; limit: Arg<number> },
) {
  const s = sql`${param(a.startsAt)}::timestamptz`;
  const e = sql`${param(a.endsAt)}::timestamptz`;
  const found = tx
    .select({
      item: sql<SearchRoom>`json_build_object('id', ${rooms.id}, 'hubId', ${rooms.hubId}, 'name', ${rooms.name}, 'description', ${rooms.description},
        'capacity', ${rooms.capacity}, 'features', ${rooms.features}, 'bufferMinutes', ${rooms.bufferMinutes}, 'minBookingMinutes', ${rooms.minBookingMinutes},
        'maxBookingMinutes', ${rooms.maxBookingMinutes}, 'active', ${rooms.active}, 'approval', ${rooms.approval},
        'hub', json_build_object('id', ${hubs.id}, 'name', ${hubs.name}, 'address', ${hubs.address}, 'timezone', ${hubs.timezone}))`.as('item'),
      capacity: rooms.capacity,
      hubName: sql<string>`${hubs.name}`.as('hub_name'),
      name: rooms.name,
      id: rooms.id,
    })
    .from(rooms)
    .innerJoin(hubs, eq(hubs.id, rooms.hubId))
    .where(
      and(
        eq(rooms.active, true),
        sql`${rooms.hubId} = ANY(${param(a.hubIds)}::uuid[])`,
        sql`${rooms.capacity} >= ${param(a.capacity)}::int`,
        sql`${rooms.features} @> ${param(a.features)}::text[]`,
        sql`${rooms.minBookingMinutes} <= ${param(a.minutes)}::int AND ${rooms.maxBookingMinutes} >= ${param(a.minutes)}::int`,
        // Rooms a held booking touches, buffers included: the bookings whose held time meets the
        // window widened by the largest buffer (one range scan of bookings_held_range_idx), each
        // then checked against its own room's buffer.
        sql`${rooms.id} NOT IN (SELECT b.room_id FROM ${bookings} b JOIN ${rooms} br ON br.id = b.room_id
              WHERE b.status IN ('requested', 'awaiting_payment', 'confirmed')
                AND tstzrange(b.starts_at, b.blocked_until, '[)') && tstzrange(${s},
                      ${e} + make_interval(mins => (SELECT coalesce(max(r.buffer_minutes), 0) FROM ${rooms} r)), '[)')
                AND b.starts_at < ${e} + make_interval(mins => br.buffer_minutes))`,
        // Rooms closed over the window, and rooms of hubs closed over it.
        sql`${rooms.id} NOT IN (SELECT c.room_id FROM ${closures} c WHERE c.starts_at < ${e} AND c.ends_at > ${s} AND c.room_id IS NOT NULL)`,
        sql`${rooms.hubId} NOT IN (SELECT c.hub_id FROM ${closures} c WHERE c.starts_at < ${e} AND c.ends_at > ${s} AND c.room_id IS NULL)`,
      ),
    )
    .orderBy(asc(rooms.capacity), asc(hubs.name), asc(rooms.name), asc(rooms.id))
    .limit(a.limit)
    .as('found');
  return tx
    .select({ items: sql<SearchRoom[]>`coalesce(json_agg(${found.item} ORDER BY ${found.capacity}, ${found.hubName}, ${found.name}, ${found.id}), '[]'::json)` })
    .from(found);
}

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
    // Search's statements: one shape each, every input a parameter (the features filter always
    // applies; an empty list matches every room).
    searchHubs: lazy(() => searchHubsSelect(db).prepare('venues_search_hubs')),
    searchHub: lazy(() => searchHubsSelect(db, sql.placeholder('hubId')).prepare('venues_search_hub')),
    searchRooms: lazy(() =>
      searchRoomsSelect(db, {
        hubIds: sql.placeholder('hubIds'),
        startsAt: sql.placeholder('startsAt'),
        endsAt: sql.placeholder('endsAt'),
        capacity: sql.placeholder('capacity'),
        features: sql.placeholder('features'),
        minutes: sql.placeholder('minutes'),
        limit: sql.placeholder('limit'),
      }).prepare('venues_search_rooms'),
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
     * What search needs of the hubs (all of them by name, then id, or one; none when it does not
     * exist): id, zone, opening hours as their JSON text (equal hours read equal), and the two
     * settings of the booking horizon. One row of JSON, sent as a prepared statement outside a
     * transaction: not the hubs' whole rows with their settings.
     */
    async searchHubs(hubId?: string, tx: DbOrTx = db): Promise<SearchHub[]> {
      const [row] = tx === db ? await (hubId ? prepared.searchHub().execute({ hubId }) : prepared.searchHubs().execute()) : await searchHubsSelect(tx, hubId);
      const out: SearchHub[] = [];
      for (const [id, timezone, openingHours, minNoticeMinutes, maxAdvanceDays] of row?.hubs ?? []) out.push({ id, timezone, openingHours, minNoticeMinutes, maxAdvanceDays });
      return out;
    },

    /**
     * Network search: active rooms in the given hubs with the capacity and features asked for,
     * that no blocking booking (buffers included) or closure touches over [startsAt, endsAt),
     * by capacity, hub name, room name, id; each as the search answer's item (presentRoom's keys
     * and the hub's), built by PostgreSQL as one JSON row. See searchRoomsSelect.
     */
    async searchFreeRooms(q: SearchQuery, tx: DbOrTx = db): Promise<SearchRoom[]> {
      if (q.hubIds.length === 0) return [];
      const args = {
        hubIds: q.hubIds,
        startsAt: q.startsAt.toISOString(),
        endsAt: q.endsAt.toISOString(),
        capacity: q.capacity,
        features: q.features,
        minutes: Math.round((q.endsAt.getTime() - q.startsAt.getTime()) / 60000),
        limit: q.limit,
      };
      const [row] = tx === db ? await prepared.searchRooms().execute(args) : await searchRoomsSelect(tx, args);
      return row?.items ?? [];
    },
  };
}
export type VenuesRepository = ReturnType<typeof createVenuesRepository>;

