import { and, asc, desc, eq, gt, gte, inArray, isNull, lt, lte, ne, or, sql } from 'drizzle-orm';
import { namingConstraints } from '../../db/constraints';
import { lazy } from '../../db/prepared';
import { conflict } from '../../lib/errors';
import type { DbOrTx } from '../../db/client';
import { keysetAfter, type PageArgs } from '../../db/keyset';
import { accessCodeDoors, accessCodes, bookings, doorEntries, doorRooms, doors, hubs, rooms } from '../../db/schema';
import { SETTING_LIMITS } from '../venues/venues.types';

export type DoorRow = typeof doors.$inferSelect;
export type AccessCodeRow = typeof accessCodes.$inferSelect;
export type AccessCodeDoorRow = typeof accessCodeDoors.$inferSelect;
export type EntryRow = typeof doorEntries.$inferSelect;
export type LockState = AccessCodeDoorRow['lockState'];
/** A door as the keypad path reads it: with its hub's time zone and the times of its counted wrong codes. */
export type KeypadDoorRow = DoorRow & { timezone: string; failures: Date[] };

const iso = (d: Date) => sql`${d.toISOString()}::timestamptz`;

/** The same digits are live on that door at an overlapping time (the access_code_doors_no_clash exclusion constraint). */
export const DOOR_CODE_CLASH = 'door_code_clash';
const CODE_CONSTRAINTS = {
  access_code_doors_no_clash: () => conflict(DOOR_CODE_CLASH, 'Those digits are already live on that door then'),
};

/**
 * A confirmed booking (joined to its hub) whose code window is open at `now`: its hub's code lead
 * before the start has come and its late exit after the end has not passed, in a room behind an
 * active lock. One definition for both reads of what is due (dueBookings, dueBookingIds).
 */
const codeWindowOpenBehindALock = (now: Date) => [
  sql`${bookings.startsAt} - make_interval(mins => coalesce((${hubs.settings}->>'codeLeadMinutes')::int, 1440)) <= ${iso(now)}`,
  sql`${bookings.endsAt} + make_interval(mins => coalesce((${hubs.settings}->>'lateExitMinutes')::int, 15)) > ${iso(now)}`,
  sql`EXISTS (SELECT 1 FROM ${doorRooms} dr JOIN ${doors} d ON d.id = dr.door_id WHERE dr.room_id = ${bookings.roomId} AND d.active AND d.provider <> 'none')`,
];

export function createAccessRepository(db: DbOrTx) {
  // The keypad's verify path (POST /doors/:doorId/verify, every door controller's call): built once
  // and sent as named prepared statements, outside transactions (docs/performance.md, "Keypad").
  const prepared = {
    /**
     * The door, its hub's time zone and the times (epoch ms, oldest first) of its wrong codes from
     * `windowStart` on and after the door's last clear: one statement where there were three.
     */
    keypadDoor: lazy(() =>
      db
        .select({
          door: doors,
          timezone: hubs.timezone,
          failures: sql<number[]>`coalesce((SELECT json_agg(floor(extract(epoch FROM e.at) * 1000) ORDER BY e.at) FROM ${doorEntries} e WHERE e.door_id = ${doors.id} AND e.result = 'unknown_code' AND e.at >= ${sql.placeholder('windowStart')}::timestamptz AND (${doors.lockoutClearedAt} IS NULL OR e.at > ${doors.lockoutClearedAt})), '[]'::json)`,
        })
        .from(doors)
        .innerJoin(hubs, eq(hubs.id, doors.hubId))
        .where(eq(doors.id, sql.placeholder('id')))
        .prepare('access_keypad_door'),
    ),
    /**
     * Logs an attempt with a code that is live on the door now (`granted`, naming the code) or that
     * no code on the door has (`unknown_code`, with its hash), looking it up and logging it in one
     * statement; logs nothing for a code the door knows but that does not open it now.
     */
    enterCode: lazy(() =>
      db
        .insert(doorEntries)
        .select(
          // One scan of the door's codes with these digits (access_code_doors_lookup_idx): the live one, if any, and how many there are.
          sql`SELECT gen_random_uuid(), ${sql.placeholder('hubId')}::uuid, ${sql.placeholder('doorId')}::uuid, ${sql.placeholder('at')}::timestamptz, m.live IS NOT NULL,
            (CASE WHEN m.live IS NULL THEN 'unknown_code' ELSE 'granted' END)::entry_result, m.live, CASE WHEN m.live IS NULL THEN ${sql.placeholder('codeHash')}::text END
          FROM (SELECT (array_agg(l.access_code_id ORDER BY l.valid_from DESC) FILTER (WHERE l.active AND c.status = 'active' AND l.valid_from <= ${sql.placeholder('at')}::timestamptz AND l.valid_until > ${sql.placeholder('at')}::timestamptz))[1] AS live, count(*) AS known
                FROM ${accessCodeDoors} l JOIN ${accessCodes} c ON c.id = l.access_code_id
                WHERE l.door_id = ${sql.placeholder('doorId')}::uuid AND l.code_hash = ${sql.placeholder('codeHash')}::text) m
          WHERE m.live IS NOT NULL OR m.known = 0`,
        )
        .returning({ result: doorEntries.result })
        .prepare('access_keypad_enter_code'),
    ),
    logEntry: lazy(() =>
      db
        .insert(doorEntries)
        .values({
          hubId: sql.placeholder('hubId'),
          doorId: sql.placeholder('doorId'),
          at: sql.placeholder('at'),
          granted: sql.placeholder('granted'),
          result: sql.placeholder('result'),
          accessCodeId: sql.placeholder('accessCodeId'),
          codeHash: sql.placeholder('codeHash'),
        })
        .prepare('access_keypad_log_entry'),
    ),
  };
  return {
    // -- doors ---------------------------------------------------------------------------------
    async insertDoor(values: typeof doors.$inferInsert, roomIds: string[], tx: DbOrTx = db): Promise<DoorRow> {
      const [door] = await tx.insert(doors).values(values).returning();
      if (roomIds.length) await tx.insert(doorRooms).values(roomIds.map((roomId) => ({ doorId: door.id, roomId })));
      return door;
    },
    async updateDoor(id: string, values: Partial<Pick<typeof doors.$inferInsert, 'name' | 'active' | 'deviceKeyHash'>>, tx: DbOrTx = db): Promise<DoorRow> {
      const [door] = await tx.update(doors).set(values).where(eq(doors.id, id)).returning();
      return door;
    },
    /** Makes the door lead to exactly these rooms. */
    async setDoorRooms(doorId: string, roomIds: string[], tx: DbOrTx = db) {
      await tx.delete(doorRooms).where(and(eq(doorRooms.doorId, doorId), roomIds.length ? sql`${doorRooms.roomId} NOT IN (${sql.join(roomIds.map((r) => sql`${r}::uuid`), sql`, `)})` : undefined));
      if (roomIds.length) await tx.insert(doorRooms).values(roomIds.map((roomId) => ({ doorId, roomId }))).onConflictDoNothing();
    },
    /** Active booking codes, still of use, that work on the door now or are for a booking in one of these rooms. */
    bookingCodesForDoorOrRooms: (doorId: string, roomIds: string[], now: Date, tx: DbOrTx = db) =>
      tx
        .select()
        .from(accessCodes)
        .where(
          and(
            eq(accessCodes.kind, 'booking'),
            eq(accessCodes.status, 'active'),
            gt(accessCodes.validUntil, now),
            or(
              roomIds.length ? inArray(accessCodes.roomId, roomIds) : undefined,
              sql`EXISTS (SELECT 1 FROM ${accessCodeDoors} l WHERE l.access_code_id = ${accessCodes.id} AND l.door_id = ${doorId} AND l.active)`,
            ),
          ),
        )
        .orderBy(asc(accessCodes.validFrom), asc(accessCodes.id))
        .limit(1000),
    /** Staff cleared the door's wrong codes: only later ones count. */
    async clearLockout(id: string, at: Date, by: string, tx: DbOrTx = db) {
      await tx.update(doors).set({ lockoutClearedAt: at, lockoutClearedBy: by }).where(eq(doors.id, id));
    },
    /** A booked group (or volunteer) lifted the door's wait by text: it checks codes for a short grace. */
    async liftLockout(id: string, at: Date, accessCodeId: string, tx: DbOrTx = db) {
      await tx.update(doors).set({ lockoutLiftedAt: at, lockoutLiftedBy: accessCodeId }).where(eq(doors.id, id));
    },
    async getDoor(id: string, tx: DbOrTx = db): Promise<DoorRow | undefined> {
      const [row] = await tx.select().from(doors).where(eq(doors.id, id));
      return row;
    },
    /** A page of the hub's doors by name, then id. */
    listDoors: (hubId: string, p: PageArgs, tx: DbOrTx = db) =>
      tx
        .select()
        .from(doors)
        .where(and(eq(doors.hubId, hubId), p.after ? keysetAfter([doors.name, doors.id], p.after) : undefined))
        .orderBy(asc(doors.name), asc(doors.id))
        .limit(p.limit),
    async roomIdsByDoor(doorIds: string[], tx: DbOrTx = db): Promise<Map<string, string[]>> {
      const out = new Map<string, string[]>();
      if (!doorIds.length) return out;
      const rows = await tx.select().from(doorRooms).where(inArray(doorRooms.doorId, doorIds)).orderBy(asc(doorRooms.roomId));
      for (const r of rows) out.set(r.doorId, [...(out.get(r.doorId) ?? []), r.roomId]);
      return out;
    },
    /** Active doors with a lock that lead to the room. */
    doorsForRoom: (roomId: string, tx: DbOrTx = db) =>
      tx
        .select({ door: doors })
        .from(doorRooms)
        .innerJoin(doors, eq(doors.id, doorRooms.doorId))
        .where(and(eq(doorRooms.roomId, roomId), eq(doors.active, true), ne(doors.provider, 'none')))
        .orderBy(asc(doors.id))
        .then((rows) => rows.map((r) => r.door)),
    /** Active doors with a lock in the hub (a volunteer's shift code opens all of them). */
    lockedDoorsOfHub: (hubId: string, tx: DbOrTx = db) =>
      tx
        .select()
        .from(doors)
        .where(and(eq(doors.hubId, hubId), eq(doors.active, true), ne(doors.provider, 'none')))
        .orderBy(asc(doors.id)),
    /** Serialises code issuing per door: the clash check and the insert happen under these locks. */
    async lockDoors(ids: string[], tx: DbOrTx) {
      if (ids.length) await tx.select({ id: doors.id }).from(doors).where(inArray(doors.id, [...ids].sort())).orderBy(asc(doors.id)).for('update');
    },

    // -- codes ---------------------------------------------------------------------------------
    /** Lookup hashes of active codes on these doors whose windows overlap [from, until). */
    takenHashes: async (doorIds: string[], from: Date, until: Date, tx: DbOrTx = db) =>
      doorIds.length === 0
        ? new Set<string>()
        : new Set(
            (
              await tx
                .select({ doorId: accessCodeDoors.doorId, codeHash: accessCodeDoors.codeHash })
                .from(accessCodeDoors)
                .where(and(inArray(accessCodeDoors.doorId, doorIds), eq(accessCodeDoors.active, true), lt(accessCodeDoors.validFrom, until), gt(accessCodeDoors.validUntil, from)))
            ).map((r) => `${r.doorId}:${r.codeHash}`),
          ),
    async insertCode(values: typeof accessCodes.$inferInsert, doorRows: Omit<typeof accessCodeDoors.$inferInsert, 'accessCodeId'>[], tx: DbOrTx = db): Promise<AccessCodeRow> {
      const [code] = await tx.insert(accessCodes).values(values).returning();
      if (doorRows.length) await namingConstraints(() => tx.insert(accessCodeDoors).values(doorRows.map((d) => ({ ...d, accessCodeId: code.id }))), CODE_CONSTRAINTS);
      return code;
    },
    async addCodeDoor(row: typeof accessCodeDoors.$inferInsert, tx: DbOrTx = db) {
      // The conflict target is the primary key only: without one, ON CONFLICT DO NOTHING also swallows the no-clash exclusion constraint.
      await namingConstraints(() => tx.insert(accessCodeDoors).values(row).onConflictDoNothing({ target: [accessCodeDoors.accessCodeId, accessCodeDoors.doorId] }), CODE_CONSTRAINTS);
    },
    async getCode(id: string, tx: DbOrTx = db): Promise<AccessCodeRow | undefined> {
      const [row] = await tx.select().from(accessCodes).where(eq(accessCodes.id, id));
      return row;
    },
    /** What rendering texts needs of many codes (status and cipher), in one statement, by id. */
    async codeCiphers(ids: string[], tx: DbOrTx = db): Promise<Map<string, Pick<AccessCodeRow, 'status' | 'codeCipher'>>> {
      if (!ids.length) return new Map();
      const rows = await tx
        .select({ id: accessCodes.id, status: accessCodes.status, codeCipher: accessCodes.codeCipher })
        .from(accessCodes)
        .where(sql`${accessCodes.id} = ANY(${`{${[...new Set(ids)].join(',')}}`}::uuid[])`);
      return new Map(rows.map((r) => [r.id, r]));
    },
    /** The provider took these codes' texts (recordDelivery's `accepted`, for a batch). */
    async markAccepted(ids: string[], at: Date, tx: DbOrTx = db) {
      if (!ids.length) return;
      await tx
        .update(accessCodes)
        .set({ sentAt: at, deliveryStatus: 'accepted', deliveryError: null })
        .where(sql`${accessCodes.id} = ANY(${`{${[...new Set(ids)].join(',')}}`}::uuid[])`);
    },
    async getCodeForUpdate(id: string, tx: DbOrTx): Promise<AccessCodeRow | undefined> {
      const [row] = await tx.select().from(accessCodes).where(eq(accessCodes.id, id)).for('update');
      return row;
    },
    codesForBooking: (bookingId: string, tx: DbOrTx = db) =>
      tx.select().from(accessCodes).where(eq(accessCodes.bookingId, bookingId)).orderBy(desc(accessCodes.createdAt), desc(accessCodes.id)),
    codeDoors: (accessCodeId: string, tx: DbOrTx = db) =>
      tx
        .select({ link: accessCodeDoors, door: doors })
        .from(accessCodeDoors)
        .innerJoin(doors, eq(doors.id, accessCodeDoors.doorId))
        .where(eq(accessCodeDoors.accessCodeId, accessCodeId))
        .orderBy(asc(doors.name), asc(doors.id)),
    async updateCode(id: string, values: Partial<typeof accessCodes.$inferInsert>, tx: DbOrTx = db): Promise<AccessCodeRow> {
      const [row] = await tx.update(accessCodes).set(values).where(eq(accessCodes.id, id)).returning();
      return row;
    },
    /**
     * Marks the code queued again for a resend, only if it was last queued at or before
     * `lastQueuedBy`: of resends at once, the first takes it and the others find nothing (the row
     * lock makes them wait and read the new time). True when this one took it.
     */
    async claimResend(id: string, now: Date, lastQueuedBy: Date, tx: DbOrTx = db): Promise<boolean> {
      const rows = await tx
        .update(accessCodes)
        .set({ queuedAt: now, deliveryStatus: 'queued', deliveryError: null })
        .where(and(eq(accessCodes.id, id), lte(accessCodes.queuedAt, lastQueuedBy)))
        .returning({ id: accessCodes.id });
      return rows.length === 1;
    },
    async updateCodeDoor(accessCodeId: string, doorId: string, values: Partial<typeof accessCodeDoors.$inferInsert>, tx: DbOrTx = db) {
      await namingConstraints(
        () =>
          tx
            .update(accessCodeDoors)
            .set(values)
            .where(and(eq(accessCodeDoors.accessCodeId, accessCodeId), eq(accessCodeDoors.doorId, doorId))),
        CODE_CONSTRAINTS,
      );
    },
    /** The code stops working on every door (revoked, replaced). */
    async deactivateDoors(accessCodeId: string, tx: DbOrTx = db) {
      await tx.update(accessCodeDoors).set({ active: false }).where(eq(accessCodeDoors.accessCodeId, accessCodeId));
    },
    /** Marks the code queued, once; true for the caller that did (it queues the text). */
    async markFirstSent(id: string, now: Date, tx: DbOrTx): Promise<boolean> {
      const rows = await tx
        .update(accessCodes)
        .set({ queuedAt: now, deliveryStatus: 'queued', deliveryError: null })
        .where(and(eq(accessCodes.id, id), sql`${accessCodes.queuedAt} IS NULL`))
        .returning({ id: accessCodes.id });
      return rows.length > 0;
    },

    // -- what the jobs work from ---------------------------------------------------------------
    /**
     * Confirmed bookings whose code is due (their hub's codeLeadMinutes before the start has come),
     * still of use (the window has not closed), in a room behind a lock, with no active code and
     * no code staff revoked.
     */
    dueBookings: (now: Date, limit: number, tx: DbOrTx = db, roomIds?: string[]) =>
      tx
        .select({ id: bookings.id })
        .from(bookings)
        .innerJoin(hubs, eq(hubs.id, bookings.hubId))
        .where(
          and(
            eq(bookings.status, 'confirmed'),
            roomIds ? (roomIds.length ? inArray(bookings.roomId, roomIds) : sql`false`) : undefined,
            ...codeWindowOpenBehindALock(now),
            sql`NOT EXISTS (SELECT 1 FROM ${accessCodes} c WHERE c.booking_id = ${bookings.id} AND c.status IN ('active', 'revoked'))`,
          ),
        )
        .orderBy(asc(bookings.startsAt))
        .limit(limit),
    /**
     * The ids of bookings whose code is due (as dueBookings), soonest first, for the job to issue
     * in batches: one statement a tick however many are due. The bookings come from a range scan of
     * bookings_held_range_idx (held from at most the longest late exit ago to the longest code
     * lead of any hub ahead), not from every confirmed booking; "no live code" is probed per
     * booking by access_codes_booking_idx (OFFSET 0 keeps it a probe: as an anti-join, a planner
     * whose statistics predate a burst of new codes once read every code for every booking).
     */
    dueBookingIds: async (now: Date, limit: number, tx: DbOrTx = db) =>
      (
        await tx
          .select({ id: bookings.id })
          .from(bookings)
          .innerJoin(hubs, eq(hubs.id, bookings.hubId))
          .where(
            and(
              eq(bookings.status, 'confirmed'),
              sql`tstzrange(${bookings.startsAt}, ${bookings.blockedUntil}, '[)') && tstzrange(${iso(now)} - make_interval(mins => ${SETTING_LIMITS.lateExitMinutes.max}), ${iso(now)} + make_interval(mins => (SELECT max(coalesce((h2.settings->>'codeLeadMinutes')::int, 1440)) FROM ${hubs} h2)), '[]')`,
              ...codeWindowOpenBehindALock(now),
              sql`NOT EXISTS (SELECT 1 FROM ${accessCodes} c WHERE c.booking_id = ${bookings.id} AND c.status IN ('active', 'revoked') OFFSET 0)`,
            ),
          )
          .orderBy(asc(bookings.startsAt), asc(bookings.id))
          .limit(limit)
      ).map((r) => r.id),
    /**
     * Locks these bookings for issuing their codes, leaving out any another transaction holds
     * (a request issuing one right now: the next tick sees it). Read what they need after this
     * (issueContexts), in a new statement, so a code issued just before the lock is seen.
     */
    lockBookingsForIssue: async (ids: string[], tx: DbOrTx) =>
      ids.length === 0
        ? []
        : (
            await tx
              .select({ id: bookings.id })
              .from(bookings)
              .where(sql`${bookings.id} = ANY(${`{${ids.join(',')}}`}::uuid[])`)
              .orderBy(asc(bookings.id))
              .for('update', { skipLocked: true })
          ).map((r) => r.id),
    /**
     * Everything issuing and texting a booking's code needs, for many bookings in one statement:
     * the booking, its hub and room, the room's doors with a lock (by name, as the text lists them), whether it has a live
     * (active or revoked) code, and its newest code's status and reason (a move's new code says so).
     */
    issueContexts: async (bookingIds: string[], tx: DbOrTx) => {
      if (!bookingIds.length) return [];
      const rows = await tx
        .select({
          booking: bookings,
          hub: { name: hubs.name, timezone: hubs.timezone, settings: hubs.settings },
          roomName: rooms.name,
          doors: sql<{ id: string; name: string; provider: DoorRow['provider']; codeLengths: number[] | null }[]>`coalesce((
            SELECT json_agg(json_build_object('id', d.id, 'name', d.name, 'provider', d.provider, 'codeLengths', d.code_lengths) ORDER BY d.name, d.id)
            FROM ${doorRooms} dr JOIN ${doors} d ON d.id = dr.door_id
            WHERE dr.room_id = ${bookings.roomId} AND d.active AND d.provider <> 'none'), '[]'::json)`,
          live: sql<boolean>`EXISTS (SELECT 1 FROM ${accessCodes} c WHERE c.booking_id = ${bookings.id} AND c.status IN ('active', 'revoked'))`,
          newest: sql<{ status: AccessCodeRow['status']; revokeReason: string | null } | null>`(
            SELECT json_build_object('status', c.status, 'revokeReason', c.revoke_reason) FROM ${accessCodes} c
            WHERE c.booking_id = ${bookings.id} ORDER BY c.created_at DESC, c.id DESC LIMIT 1)`,
        })
        .from(bookings)
        .innerJoin(hubs, eq(hubs.id, bookings.hubId))
        .innerJoin(rooms, eq(rooms.id, bookings.roomId))
        .where(sql`${bookings.id} = ANY(${`{${bookingIds.join(',')}}`}::uuid[])`)
        .orderBy(asc(bookings.startsAt), asc(bookings.id));
      // json_agg answers a string on a driver that leaves json unparsed.
      const json = <T>(v: T | string): T => (typeof v === 'string' ? (JSON.parse(v) as T) : v);
      return rows.map((r) => ({ ...r, doors: json(r.doors), newest: r.newest === null ? null : json(r.newest), live: r.live === true || (r.live as unknown) === 't' }));
    },
    /** Active codes on these doors whose windows overlap [from, until): each door's lookup hashes and windows. */
    liveHashesOnDoors: async (doorIds: string[], from: Date, until: Date, tx: DbOrTx) =>
      doorIds.length === 0
        ? []
        : tx
            .select({ doorId: accessCodeDoors.doorId, codeHash: accessCodeDoors.codeHash, validFrom: accessCodeDoors.validFrom, validUntil: accessCodeDoors.validUntil })
            .from(accessCodeDoors)
            .where(
              and(
                sql`${accessCodeDoors.doorId} = ANY(${`{${doorIds.join(',')}}`}::uuid[])`,
                eq(accessCodeDoors.active, true),
                lt(accessCodeDoors.validFrom, until),
                gt(accessCodeDoors.validUntil, from),
              ),
            ),
    /** Many bookings' codes (one new code each) and their doors in two statements; a clash on a door (the exclusion constraint) fails them all. */
    async insertBookingCodes(items: { values: typeof accessCodes.$inferInsert; doors: Omit<typeof accessCodeDoors.$inferInsert, 'accessCodeId'>[] }[], tx: DbOrTx): Promise<AccessCodeRow[]> {
      if (!items.length) return [];
      const rows = await tx
        .insert(accessCodes)
        .values(items.map((i) => i.values))
        .returning();
      // RETURNING keeps the VALUES order in practice but does not promise it: match by booking (one new code each).
      const byBooking = new Map(rows.map((r) => [r.bookingId, r]));
      const links = items.flatMap((i) => i.doors.map((d) => ({ ...d, accessCodeId: byBooking.get(i.values.bookingId!)!.id })));
      if (links.length) await namingConstraints(() => tx.insert(accessCodeDoors).values(links), CODE_CONSTRAINTS);
      return items.map((i) => byBooking.get(i.values.bookingId!)!);
    },
    /** Active booking codes whose booking was cancelled, moved or changed room since. */
    staleBookingCodes: (limit: number, tx: DbOrTx = db) =>
      tx
        .select({ id: accessCodes.id, bookingId: accessCodes.bookingId })
        .from(accessCodes)
        .innerJoin(bookings, eq(bookings.id, accessCodes.bookingId))
        .where(
          and(
            eq(accessCodes.status, 'active'),
            or(
              sql`${bookings.status} NOT IN ('confirmed', 'completed')`,
              sql`${bookings.startsAt} IS DISTINCT FROM ${accessCodes.bookingStartsAt}`,
              sql`${bookings.endsAt} IS DISTINCT FROM ${accessCodes.bookingEndsAt}`,
              sql`${bookings.roomId} IS DISTINCT FROM ${accessCodes.roomId}`,
            ),
          ),
        )
        .limit(limit),
    /**
     * Active codes with a phone never queued for sending (a worker stopped between issuing and
     * sending). A code without a phone is never texted, so it is not read again every tick (its
     * smart locks are the lock job's: access.sync-locks pushes pending ones).
     */
    unsentCodes: (now: Date, limit: number, tx: DbOrTx = db) =>
      tx
        .select({ id: accessCodes.id })
        .from(accessCodes)
        .where(and(eq(accessCodes.status, 'active'), sql`${accessCodes.queuedAt} IS NULL`, sql`${accessCodes.phone} IS NOT NULL`, gt(accessCodes.validUntil, now)))
        .orderBy(asc(accessCodes.validFrom))
        .limit(limit),
    /** Active codes whose window has closed. */
    async expireCodes(now: Date, tx: DbOrTx = db): Promise<number> {
      const rows = await tx
        .update(accessCodes)
        .set({ status: 'expired' })
        .where(and(eq(accessCodes.status, 'active'), lte(accessCodes.validUntil, now)))
        .returning({ id: accessCodes.id });
      return rows.length;
    },
    /** Smart-lock codes to take off their lock: the code no longer works there, or its window closed. */
    lockCodesToRemove: (now: Date, limit: number, tx: DbOrTx = db) =>
      tx
        .select({ link: accessCodeDoors, door: doors })
        .from(accessCodeDoors)
        .innerJoin(doors, eq(doors.id, accessCodeDoors.doorId))
        .innerJoin(accessCodes, eq(accessCodes.id, accessCodeDoors.accessCodeId))
        .where(
          and(
            sql`${accessCodeDoors.providerCodeId} IS NOT NULL`,
            inArray(accessCodeDoors.lockState, ['unset', 'setting', 'set', 'removing', 'failed']),
            or(eq(accessCodeDoors.active, false), ne(accessCodes.status, 'active'), lte(accessCodes.validUntil, now)),
          ),
        )
        .limit(limit),
    /** Smart-lock codes to push or to follow. */
    lockCodesInFlight: (states: LockState[], limit: number, tx: DbOrTx = db) =>
      tx
        .select({ link: accessCodeDoors, door: doors, code: accessCodes })
        .from(accessCodeDoors)
        .innerJoin(doors, eq(doors.id, accessCodeDoors.doorId))
        .innerJoin(accessCodes, eq(accessCodes.id, accessCodeDoors.accessCodeId))
        .where(and(inArray(accessCodeDoors.lockState, states), eq(accessCodeDoors.active, true), eq(accessCodes.status, 'active')))
        .orderBy(asc(accessCodes.validFrom))
        .limit(limit),
    /**
     * The hubs with a reminder due now (a confirmed booking not yet reminded starting in (now,
     * now + the hub's reminderLeadMinutes], `defaultLeadMinutes` when its settings hold none),
     * with what the reminder job needs of them: one statement for the whole network, one probe
     * of bookings_to_remind_idx per hub, so a tick with nothing due costs one statement however
     * many hubs there are.
     */
    hubsWithRemindersDue: (now: Date, defaultLeadMinutes: number, tx: DbOrTx = db) =>
      tx
        .select({ id: hubs.id, name: hubs.name, timezone: hubs.timezone, settings: hubs.settings })
        .from(hubs)
        .where(
          sql`EXISTS (SELECT 1 FROM ${bookings} b WHERE b.hub_id = ${hubs.id} AND b.status = 'confirmed' AND b.reminded_at IS NULL
                AND b.starts_at > ${now.toISOString()}::timestamptz AND b.starts_at <= ${now.toISOString()}::timestamptz + make_interval(mins => coalesce((${hubs.settings}->>'reminderLeadMinutes')::int, ${defaultLeadMinutes}::int)))`,
        )
        .orderBy(asc(hubs.id)),

    /**
     * A hub's confirmed bookings not yet reminded whose start is in (now, until], soonest first:
     * a range of bookings_to_remind_idx, so a tick reads what is due, not every booking ahead.
     * Marking them takes them out of the index.
     */
    bookingsToRemind: (hubId: string, now: Date, until: Date, limit: number, tx: DbOrTx = db) =>
      tx
        .select({ booking: bookings, roomName: rooms.name })
        .from(bookings)
        .innerJoin(rooms, eq(rooms.id, bookings.roomId))
        .where(and(eq(bookings.hubId, hubId), eq(bookings.status, 'confirmed'), isNull(bookings.remindedAt), gt(bookings.startsAt, now), lte(bookings.startsAt, until)))
        .orderBy(asc(bookings.startsAt), asc(bookings.id))
        .limit(limit),

    /** Marks the booking reminded (or needing no reminder) for this start; false when it was already, or it moved. */
    async markReminded(bookingId: string, startsAt: Date, at: Date, tx: DbOrTx = db): Promise<boolean> {
      const rows = await tx
        .update(bookings)
        .set({ remindedAt: at })
        .where(and(eq(bookings.id, bookingId), isNull(bookings.remindedAt), eq(bookings.startsAt, startsAt)))
        .returning({ id: bookings.id });
      return rows.length > 0;
    },

    /** Active codes texted to this phone that work now. */
    liveCodesForPhone: (phone: string, now: Date, tx: DbOrTx = db) =>
      tx
        .select()
        .from(accessCodes)
        .where(and(eq(accessCodes.phone, phone), eq(accessCodes.status, 'active'), lte(accessCodes.validFrom, now), gt(accessCodes.validUntil, now)))
        .orderBy(asc(accessCodes.validFrom))
        .limit(5),

    // -- keypad --------------------------------------------------------------------------------
    /** Codes with these digits on the door (by lookup hash), newest first. */
    findByHash: (doorId: string, codeHash: string, tx: DbOrTx = db) =>
      tx
        .select({ link: accessCodeDoors, code: accessCodes })
        .from(accessCodeDoors)
        .innerJoin(accessCodes, eq(accessCodes.id, accessCodeDoors.accessCodeId))
        .where(and(eq(accessCodeDoors.doorId, doorId), eq(accessCodeDoors.codeHash, codeHash)))
        .orderBy(desc(accessCodeDoors.active), desc(accessCodeDoors.validFrom))
        .limit(20),
    async insertEntry(values: typeof doorEntries.$inferInsert, tx: DbOrTx = db): Promise<EntryRow> {
      const [row] = await tx.insert(doorEntries).values(values).returning();
      return row;
    },
    /**
     * The door with its hub's time zone and its wrong codes counted at an instant whose window
     * starts at `windowStart` (from then on, and after the door's last clear), oldest first.
     */
    async keypadDoor(id: string, windowStart: Date): Promise<KeypadDoorRow | undefined> {
      const [row] = await prepared.keypadDoor().execute({ id, windowStart: windowStart.toISOString() });
      return row && { ...row.door, timezone: row.timezone, failures: row.failures.map((ms) => new Date(Number(ms))) };
    },
    /**
     * Logs an attempt at `at` and says what it was: `granted` (a code live on the door then),
     * `unknown_code` (no code on the door has these digits), or undefined when the door knows the
     * code but it does not open it now; then nothing is logged (the caller works out why, and logs it).
     */
    async enterCode(e: { hubId: string; doorId: string; at: Date; codeHash: string }): Promise<'granted' | 'unknown_code' | undefined> {
      const [row] = await prepared.enterCode().execute({ hubId: e.hubId, doorId: e.doorId, at: e.at.toISOString(), codeHash: e.codeHash });
      return row?.result as 'granted' | 'unknown_code' | undefined;
    },
    /** Logs an attempt (the keypad's other outcomes), without reading it back. */
    async logEntry(e: { hubId: string; doorId: string; at: Date; granted: boolean; result: EntryRow['result']; accessCodeId?: string | null; codeHash?: string | null }) {
      await prepared.logEntry().execute({ ...e, accessCodeId: e.accessCodeId ?? null, codeHash: e.codeHash ?? null });
    },
    /** A hub's entries over [from, to), oldest first (or newest first), of one door and one outcome when asked, after a page's last. */
    listEntries: (
      q: { hubId: string; from?: Date; to?: Date; doorId?: string; granted?: boolean; newestFirst?: boolean; after?: { at: Date; id: string }; limit: number },
      tx: DbOrTx = db,
    ) => {
      const [beyond, order] = q.newestFirst ? [lt, desc] : [gt, asc];
      return tx
        .select({ entry: doorEntries, doorName: doors.name, bookingId: accessCodes.bookingId, kind: accessCodes.kind })
        .from(doorEntries)
        .innerJoin(doors, eq(doors.id, doorEntries.doorId))
        .leftJoin(accessCodes, eq(accessCodes.id, doorEntries.accessCodeId))
        .where(
          and(
            eq(doorEntries.hubId, q.hubId),
            q.from ? gte(doorEntries.at, q.from) : undefined,
            q.to ? lt(doorEntries.at, q.to) : undefined,
            q.doorId ? eq(doorEntries.doorId, q.doorId) : undefined,
            q.granted === undefined ? undefined : eq(doorEntries.granted, q.granted),
            q.after ? or(beyond(doorEntries.at, q.after.at), and(eq(doorEntries.at, q.after.at), beyond(doorEntries.id, q.after.id))) : undefined,
          ),
        )
        .orderBy(order(doorEntries.at), order(doorEntries.id))
        .limit(q.limit);
    },
  };
}
export type AccessRepository = ReturnType<typeof createAccessRepository>;
