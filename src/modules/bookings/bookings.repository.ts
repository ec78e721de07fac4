import { and, asc, eq, gt, gte, inArray, lt, or, sql, type SQL } from 'drizzle-orm';
import { namingConstraints } from '../../db/constraints';
import { conflict } from '../../lib/errors';
import type { DbOrTx } from '../../db/client';
import { lazy, preparedOn } from '../../db/prepared';
import { exactTimestamp, keysetAfter, type PageArgs } from '../../db/keyset';
import { BLOCKING_STATUSES, bookingSeries, bookings, hubs, organisations, rooms } from '../../db/schema';

export type BookingRow = typeof bookings.$inferSelect;
export type BookingStatus = BookingRow['status'];

export interface BookingFilter {
  /** Only bookings in these hubs or of these organisations (the caller's scope); undefined = all. */
  scope?: { hubIds: string[]; organisationIds: string[] };
  hubId?: string;
  roomId?: string;
  organisationId?: string;
  from?: Date;
  to?: Date;
  status?: BookingStatus[];
  after?: { startsAt: Date; id: string };
  limit: number;
}

/** The room is held by another booking then (the bookings_no_overlap exclusion constraint). */
const BOOKING_CONSTRAINTS = {
  bookings_no_overlap: () => conflict('booking_conflict', 'The room is already booked at that time', { conflicts: [] }),
};

export function createBookingsRepository(db: DbOrTx) {
  const clashesOfNew = lazy(() =>
    db
      .select({ startsAt: bookings.startsAt, endsAt: bookings.endsAt, blockedUntil: bookings.blockedUntil })
      .from(bookings)
      .where(
        and(
          eq(bookings.roomId, sql.placeholder('roomId')),
          inArray(bookings.status, [...BLOCKING_STATUSES]),
          sql`tstzrange(${bookings.startsAt}, ${bookings.blockedUntil}, '[)') && tstzrange(${sql.placeholder('from')}::timestamptz, ${sql.placeholder('to')}::timestamptz, '[)')`,
        ),
      )
      .orderBy(asc(bookings.startsAt))
      .limit(10)
      .prepare('bookings_clashes_of_new'),
  );
  return {
    async get(id: string, tx: DbOrTx = db): Promise<BookingRow | undefined> {
      const [row] = await tx.select().from(bookings).where(eq(bookings.id, id));
      return row;
    },
    async getForUpdate(id: string, tx: DbOrTx): Promise<BookingRow | undefined> {
      const [row] = await tx.select().from(bookings).where(eq(bookings.id, id)).for('update');
      return row;
    },
    async insert(values: typeof bookings.$inferInsert, tx: DbOrTx = db): Promise<BookingRow> {
      const [row] = await namingConstraints(() => tx.insert(bookings).values(values).returning(), BOOKING_CONSTRAINTS);
      return row;
    },
    async update(id: string, values: Partial<typeof bookings.$inferInsert>, tx: DbOrTx = db): Promise<BookingRow> {
      const [row] = await namingConstraints(
        () =>
          tx
            .update(bookings)
            .set({ ...values, updatedAt: sql`now()` })
            .where(eq(bookings.id, id))
            .returning(),
        BOOKING_CONSTRAINTS,
      );
      return row;
    },
    /** Blocking bookings of the room that a hold of [startsAt, blockedUntil) would clash with. */
    clashes: (roomId: string, startsAt: Date, blockedUntil: Date, exceptId: string | null, tx: DbOrTx = db) =>
      exceptId
        ? tx
            .select({ startsAt: bookings.startsAt, endsAt: bookings.endsAt, blockedUntil: bookings.blockedUntil })
            .from(bookings)
            .where(
              and(
                eq(bookings.roomId, roomId),
                inArray(bookings.status, [...BLOCKING_STATUSES]),
                sql`${bookings.id} <> ${exceptId}`,
                sql`tstzrange(${bookings.startsAt}, ${bookings.blockedUntil}, '[)') && tstzrange(${startsAt.toISOString()}::timestamptz, ${blockedUntil.toISOString()}::timestamptz, '[)')`,
              ),
            )
            .orderBy(asc(bookings.startsAt))
            .limit(10)
        : // A new booking's check, built once (preparedOn: on the booking transaction's connection).
          preparedOn(clashesOfNew(), tx, db).execute({ roomId, from: startsAt.toISOString(), to: blockedUntil.toISOString() }),
    /** Whether the organisation has a confirmed or completed booking at the hub (other than `exceptId`). */
    async hasEarlierBooking(organisationId: string, hubId: string, tx: DbOrTx = db, exceptId?: string): Promise<boolean> {
      const [row] = await tx
        .select({ id: bookings.id })
        .from(bookings)
        .where(
          and(
            eq(bookings.organisationId, organisationId),
            eq(bookings.hubId, hubId),
            inArray(bookings.status, ['confirmed', 'completed']),
            exceptId ? sql`${bookings.id} <> ${exceptId}` : undefined,
          ),
        )
        .limit(1);
      return Boolean(row);
    },
    list(f: BookingFilter, tx: DbOrTx = db) {
      const conds: (SQL | undefined)[] = [
        f.scope
          ? or(
              f.scope.hubIds.length ? inArray(bookings.hubId, f.scope.hubIds) : sql`false`,
              f.scope.organisationIds.length ? inArray(bookings.organisationId, f.scope.organisationIds) : sql`false`,
            )
          : undefined,
        f.hubId ? eq(bookings.hubId, f.hubId) : undefined,
        f.roomId ? eq(bookings.roomId, f.roomId) : undefined,
        f.organisationId ? eq(bookings.organisationId, f.organisationId) : undefined,
        f.from ? gt(bookings.endsAt, f.from) : undefined,
        f.to ? lt(bookings.startsAt, f.to) : undefined,
        f.status?.length ? inArray(bookings.status, f.status) : undefined,
        f.after
          ? or(gt(bookings.startsAt, f.after.startsAt), and(eq(bookings.startsAt, f.after.startsAt), gt(bookings.id, f.after.id)))
          : undefined,
      ];
      return tx
        .select({ booking: bookings, timezone: hubs.timezone, roomName: rooms.name, hubName: hubs.name, organisationName: organisations.name })
        .from(bookings)
        .innerJoin(hubs, eq(hubs.id, bookings.hubId))
        .innerJoin(rooms, eq(rooms.id, bookings.roomId))
        .innerJoin(organisations, eq(organisations.id, bookings.organisationId))
        .where(and(...conds))
        .orderBy(asc(bookings.startsAt), asc(bookings.id))
        .limit(f.limit);
    },
    async insertSeries(values: typeof bookingSeries.$inferInsert, tx: DbOrTx = db) {
      const [row] = await tx.insert(bookingSeries).values(values).returning();
      return row;
    },
    async insertMany(values: (typeof bookings.$inferInsert)[], tx: DbOrTx = db): Promise<BookingRow[]> {
      if (values.length === 0) return [];
      return namingConstraints(() => tx.insert(bookings).values(values).returning(), BOOKING_CONSTRAINTS);
    },
    /** Blocking bookings of a series starting at or after `from`, locked, by start. */
    seriesFromForUpdate: (seriesId: string, from: Date, tx: DbOrTx) =>
      tx
        .select()
        .from(bookings)
        .where(and(eq(bookings.seriesId, seriesId), gte(bookings.startsAt, from), inArray(bookings.status, [...BLOCKING_STATUSES])))
        .orderBy(asc(bookings.startsAt), asc(bookings.id))
        .for('update'),
    /** Sets the status with its stable reason code, and the free-text reason a person gave (if any). */
    async setStatus(ids: string[], status: BookingStatus, statusReason: string | null, tx: DbOrTx = db, reason: string | null = null): Promise<BookingRow[]> {
      if (ids.length === 0) return [];
      return namingConstraints(
        () =>
          tx
            .update(bookings)
            .set({ status, statusReason, reason, updatedAt: sql`now()` })
            .where(inArray(bookings.id, ids))
            .returning(),
        BOOKING_CONSTRAINTS,
      );
    },
    /** A page of the approvals queue: requested bookings of a hub with what staff need to decide, soonest first (then by id). */
    requestedInHub: (hubId: string, p: PageArgs, tx: DbOrTx = db) =>
      tx
        .select({ booking: bookings, roomName: rooms.name, timezone: hubs.timezone, organisation: organisations, cursorAt: exactTimestamp(bookings.startsAt) })
        .from(bookings)
        .innerJoin(hubs, eq(hubs.id, bookings.hubId))
        .innerJoin(rooms, eq(rooms.id, bookings.roomId))
        .innerJoin(organisations, eq(organisations.id, bookings.organisationId))
        .where(and(eq(bookings.hubId, hubId), eq(bookings.status, 'requested'), p.after ? keysetAfter([bookings.startsAt, bookings.id], p.after) : undefined))
        .orderBy(asc(bookings.startsAt), asc(bookings.id))
        .limit(p.limit),
    /** Minutes of requested bookings the organisation holds at the hub that have not ended (locks nothing). */
    async requestedMinutesHeld(organisationId: string, hubId: string, now: Date, tx: DbOrTx = db): Promise<number> {
      const [row] = await tx
        .select({ minutes: sql<string>`coalesce(sum(extract(epoch from (${bookings.endsAt} - ${bookings.startsAt})) / 60), 0)` })
        .from(bookings)
        .where(and(eq(bookings.organisationId, organisationId), eq(bookings.hubId, hubId), eq(bookings.status, 'requested'), gt(bookings.endsAt, now)));
      return Math.round(Number(row?.minutes ?? 0));
    },
    /**
     * Requests staff did not decide in time become expired (at most `limit` a call, soonest
     * first); rows from before request_expires_at was kept lapse at their start. Idempotent.
     */
    expireRequests: (now: Date, limit: number, tx: DbOrTx = db): Promise<BookingRow[]> =>
      tx
        .update(bookings)
        .set({ status: 'expired', statusReason: 'request_expired', updatedAt: sql`now()` })
        .where(
          inArray(
            bookings.id,
            tx
              .select({ id: bookings.id })
              .from(bookings)
              .where(and(eq(bookings.status, 'requested'), sql`coalesce(${bookings.requestExpiresAt}, ${bookings.startsAt}) <= ${now.toISOString()}::timestamptz`))
              .orderBy(asc(bookings.startsAt))
              .limit(limit),
          ),
        )
        .returning(),
    /** The requested bookings of a hub, of one series or one organisation, locked, by start. */
    requestedForUpdate: (hubId: string, by: { seriesId?: string; organisationId?: string }, tx: DbOrTx) =>
      tx
        .select()
        .from(bookings)
        .where(
          and(
            eq(bookings.hubId, hubId),
            eq(bookings.status, 'requested'),
            by.seriesId ? eq(bookings.seriesId, by.seriesId) : undefined,
            by.organisationId ? eq(bookings.organisationId, by.organisationId) : undefined,
          ),
        )
        .orderBy(asc(bookings.startsAt), asc(bookings.id))
        .for('update'),
    /** Marks confirmed bookings that have ended as completed; returns how many. Idempotent. */
    async completeFinished(now: Date, tx: DbOrTx = db): Promise<number> {
      const rows = await tx
        .update(bookings)
        .set({ status: 'completed', updatedAt: sql`now()` })
        .where(and(eq(bookings.status, 'confirmed'), lt(bookings.endsAt, now)))
        .returning({ id: bookings.id });
      return rows.length;
    },
  };
}
export type BookingsRepository = ReturnType<typeof createBookingsRepository>;
