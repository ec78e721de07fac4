import { and, asc, count, eq, gt, gte, inArray, isNull, lt, lte, ne, or, sql } from 'drizzle-orm';
import type { PgColumn } from 'drizzle-orm/pg-core';
import type { DbOrTx } from '../../db/client';
import { lazy, preparedOn } from '../../db/prepared';
import { keysetAfter, exactTimestamp, type PageArgs } from '../../db/keyset';
import { bookings, calendarTokens, hubMembers, hubs, organisationMembers, rooms, rotaPending, shiftSeries, shiftSignups, shifts, users, volunteerProfiles } from '../../db/schema';
import type { ShiftRole } from './rota.fns';

export type ShiftRow = typeof shifts.$inferSelect;
export type SignupRow = typeof shiftSignups.$inferSelect;
export type ProfileRow = typeof volunteerProfiles.$inferSelect;

/** A place whose code nobody is issuing: none yet, or a claim left by a process that died five minutes ago. */
const codeClaimable = or(isNull(shiftSignups.codeState), and(eq(shiftSignups.codeState, 'issuing'), sql`${shiftSignups.updatedAt} < now() - interval '5 minutes'`));
/** Longer than any booking (rooms allow at most 7 days) plus its cover margins. */
const LOOKBACK_MS = 8 * 24 * 3_600_000;
const ts = (d: Date) => sql`${d.toISOString()}::timestamptz`;
const LIVE = ['confirmed', 'waitlisted'] as const;
/** Ids as one array parameter (one statement shape whatever the count), e.g. a page of shifts' ids. */
const uuidArray = (ids: string[]) => sql`${`{${ids.join(',')}}`}::uuid[]`;
/** now(), but at least a second after the row's last change: the calendar's SEQUENCE (whole seconds) rises on every change. */
const risingNow = (col: PgColumn) => sql`greatest(now(), ${col} + interval '1 second')`;

/** Places taken on a shift, counted in SQL. */
// Qualified by hand: drizzle leaves a single-table select's columns unqualified, and inside the subquery a bare "id" would be the signup's.
const filledOf = sql<number>`(SELECT count(*)::int FROM ${shiftSignups} s WHERE s.shift_id = "shifts"."id" AND s.status = 'confirmed')`;

/** What one round of following a window reads (rota.generated.ts). */
export interface FollowWindow {
  shifts: { id: string; role: ShiftRole; startsAt: Date; endsAt: Date; bookingIds: string[]; filled: number }[];
  bookings: { id: string; startsAt: Date; endsAt: Date }[];
}

/** A read of a window's rows (followRead), each with its exact start and end in epoch ms. */
export interface FollowRead {
  from: number;
  to: number;
  before: number;
  after: number;
  shifts: { s: number; e: number; row: FollowWindow['shifts'][number] }[];
  bookings: { s: number; e: number; row: FollowWindow['bookings'][number] }[];
}

/**
 * The rows followRead would return for [from, to], taken from a read of a window containing it
 * (the statement's own predicates, which only narrow as the window does); undefined when [from, to]
 * is not inside the read, which then has to be made again.
 */
export function followWindowOf(read: FollowRead, from: number, to: number): FollowWindow | undefined {
  if (from < read.from || to > read.to) return undefined;
  const lookback = from - LOOKBACK_MS;
  const until = to + read.before * 60_000;
  const since = from - read.after * 60_000;
  return {
    shifts: read.shifts.filter((x) => x.s <= to && x.e >= from && x.s >= lookback).map((x) => x.row),
    bookings: read.bookings.filter((x) => x.s <= until && x.s >= lookback && x.e >= since).map((x) => x.row),
  };
}

export interface ShiftFilter {
  hubId: string;
  from: Date;
  to: Date;
  role?: ShiftRole;
  openOnly?: boolean;
}

export function createRotaRepository(db: DbOrTx) {
  // The statements every regeneration runs (after each booking at a staffed hub), built once and
  // prepared by name; they run inside the regeneration's transaction, so on its connection (preparedOn).
  const prepared = {
    lockHub: lazy(() => db.select().from(hubs).where(eq(hubs.id, sql.placeholder('hubId'))).for('no key update').prepare('rota_lock_hub')),
    takePending: lazy(() =>
      db
        .delete(rotaPending)
        .where(eq(rotaPending.hubId, sql.placeholder('hubId')))
        .returning({ fromAt: rotaPending.fromAt, toAt: rotaPending.toAt })
        .prepare('rota_take_pending'),
    ),
    // A window's generated shifts and cover bookings in one statement (two subqueries, one round
    // trip), each as a JSON array of just the fields the rota uses, times as exact epoch ms
    // (fractional: a timestamp keeps microseconds, and followWindowOf compares as PostgreSQL would).
    window: lazy(() =>
      db
        .select({
          shifts: sql<[string, ShiftRole, number, number, string[], number][]>`(
            SELECT coalesce(json_agg(json_build_array(s.id, s.role, extract(epoch FROM s.starts_at) * 1000, extract(epoch FROM s.ends_at) * 1000, s.booking_ids,
              (SELECT count(*)::int FROM shift_signups g WHERE g.shift_id = s.id AND g.status = 'confirmed')) ORDER BY s.starts_at), '[]'::json)
            FROM shifts s
            WHERE s.hub_id = ${sql.placeholder('hubId')}::uuid AND s.source = 'booking' AND s.state = 'active'
              AND s.starts_at <= ${sql.placeholder('to')}::timestamptz AND s.ends_at >= ${sql.placeholder('from')}::timestamptz
              -- A lower bound on the start keeps the index scan local; a longer chain is reached through its bookings in later rounds.
              AND s.starts_at >= ${sql.placeholder('lookback')}::timestamptz)`,
          bookings: sql<[string, number, number][]>`(
            SELECT coalesce(json_agg(json_build_array(b.id, extract(epoch FROM b.starts_at) * 1000, extract(epoch FROM b.ends_at) * 1000) ORDER BY b.starts_at), '[]'::json)
            FROM bookings b
            WHERE b.hub_id = ${sql.placeholder('hubId')}::uuid AND b.status IN ('confirmed', 'completed')
              AND b.starts_at <= ${sql.placeholder('to')}::timestamptz + make_interval(mins => ${sql.placeholder('before')}::int)
              -- No booking is longer than a room allows (at most 7 days): the index scan stays local.
              AND b.starts_at >= ${sql.placeholder('lookback')}::timestamptz
              AND b.ends_at >= ${sql.placeholder('from')}::timestamptz - make_interval(mins => ${sql.placeholder('after')}::int))`,
        })
        .from(hubs)
        .where(eq(hubs.id, sql.placeholder('hubId')))
        .prepare('rota_follow_window'),
    ),
  };
  const repo = {
    // ---- shifts
    async getShift(id: string, tx: DbOrTx = db): Promise<ShiftRow | undefined> {
      const [row] = await tx.select().from(shifts).where(eq(shifts.id, id));
      return row;
    },
    /** Every change to a shift's places starts here: the row lock orders racing volunteers. */
    async lockShift(id: string, tx: DbOrTx): Promise<ShiftRow | undefined> {
      const [row] = await tx.select().from(shifts).where(eq(shifts.id, id)).for('update');
      return row;
    },
    insertShifts: (values: (typeof shifts.$inferInsert)[], tx: DbOrTx = db) => (values.length ? tx.insert(shifts).values(values).returning() : Promise.resolve([] as ShiftRow[])),
    async insertSeries(values: typeof shiftSeries.$inferInsert, tx: DbOrTx = db) {
      const [row] = await tx.insert(shiftSeries).values(values).returning();
      return row;
    },
    /** Changes a shift; its sequence rises (texts and the calendar feed follow it). */
    async updateShift(id: string, values: Partial<typeof shifts.$inferInsert>, tx: DbOrTx = db): Promise<ShiftRow> {
      const [row] = await tx
        .update(shifts)
        .set({ ...values, sequence: sql`${shifts.sequence} + 1`, updatedAt: risingNow(shifts.updatedAt) })
        .where(eq(shifts.id, id))
        .returning();
      return row;
    },
    /** A page of a hub's shifts starting in [from, to), by start then id, with the places taken. */
    async listShifts(f: ShiftFilter, p: PageArgs) {
      return db
        .select({ shift: shifts, filled: filledOf, cursorAt: exactTimestamp(shifts.startsAt) })
        .from(shifts)
        .where(
          and(
            eq(shifts.hubId, f.hubId),
            gte(shifts.startsAt, f.from),
            lt(shifts.startsAt, f.to),
            f.role ? eq(shifts.role, f.role) : undefined,
            f.openOnly ? and(eq(shifts.state, 'active'), sql`${filledOf} < ${shifts.volunteersNeeded}`) : undefined,
            p.after ? keysetAfter([shifts.startsAt, shifts.id], p.after) : undefined,
          ),
        )
        .orderBy(asc(shifts.startsAt), asc(shifts.id))
        .limit(p.limit);
    },
    async filled(shiftId: string, tx: DbOrTx = db): Promise<number> {
      const [r] = await tx.select({ n: count() }).from(shiftSignups).where(and(eq(shiftSignups.shiftId, shiftId), eq(shiftSignups.status, 'confirmed')));
      return Number(r.n);
    },

    // ---- places
    /** Live places (confirmed, then the waiting list in order) of these shifts, with names. */
    placesOf: (shiftIds: string[], tx: DbOrTx = db) =>
      shiftIds.length
        ? tx
            .select({ signup: shiftSignups, name: users.name, phone: users.phone })
            .from(shiftSignups)
            .innerJoin(users, eq(users.id, shiftSignups.userId))
            .where(and(sql`${shiftSignups.shiftId} = ANY(${uuidArray(shiftIds)})`, inArray(shiftSignups.status, [...LIVE])))
            .orderBy(asc(shiftSignups.createdAt), asc(shiftSignups.id))
        : Promise.resolve([]),
    async livePlace(shiftId: string, userId: string, tx: DbOrTx = db): Promise<SignupRow | undefined> {
      const [row] = await tx
        .select()
        .from(shiftSignups)
        .where(and(eq(shiftSignups.shiftId, shiftId), eq(shiftSignups.userId, userId), inArray(shiftSignups.status, [...LIVE])));
      return row;
    },
    async insertPlace(values: typeof shiftSignups.$inferInsert, tx: DbOrTx): Promise<SignupRow> {
      const [row] = await tx.insert(shiftSignups).values(values).returning();
      return row;
    },
    async updatePlace(id: string, values: Partial<typeof shiftSignups.$inferInsert>, tx: DbOrTx = db): Promise<SignupRow> {
      const [row] = await tx
        .update(shiftSignups)
        .set({ ...values, updatedAt: risingNow(shiftSignups.updatedAt) })
        .where(eq(shiftSignups.id, id))
        .returning();
      return row;
    },
    /** When places end (a shift cancelled or changed): their codes are revoked by the code job. */
    markCodesStale: (shiftId: string, tx: DbOrTx) =>
      tx.update(shiftSignups).set({ codeState: 'stale' }).where(and(eq(shiftSignups.shiftId, shiftId), eq(shiftSignups.codeState, 'issued'))),
    /** The volunteer's confirmed places on active shifts near [from, to), at any hub (for the rules). */
    myShiftsNear: (userId: string, from: Date, to: Date, tx: DbOrTx = db) =>
      tx
        .select({ id: shifts.id, startsAt: shifts.startsAt, endsAt: shifts.endsAt })
        .from(shiftSignups)
        .innerJoin(shifts, eq(shifts.id, shiftSignups.shiftId))
        .where(and(eq(shiftSignups.userId, userId), eq(shiftSignups.status, 'confirmed'), eq(shifts.state, 'active'), lt(shifts.startsAt, to), gt(shifts.endsAt, from))),
    /** The first on the waiting list. */
    async firstWaiting(shiftId: string, tx: DbOrTx): Promise<SignupRow | undefined> {
      const [row] = await tx
        .select()
        .from(shiftSignups)
        .where(and(eq(shiftSignups.shiftId, shiftId), eq(shiftSignups.status, 'waitlisted')))
        .orderBy(asc(shiftSignups.createdAt), asc(shiftSignups.id))
        .limit(1);
      return row;
    },
    /** The earliest place on the shift put up for cover. */
    async coverRequest(shiftId: string, tx: DbOrTx): Promise<SignupRow | undefined> {
      const [row] = await tx
        .select()
        .from(shiftSignups)
        .where(and(eq(shiftSignups.shiftId, shiftId), eq(shiftSignups.status, 'confirmed'), sql`${shiftSignups.coverRequestedAt} IS NOT NULL`))
        .orderBy(asc(shiftSignups.coverRequestedAt), asc(shiftSignups.id))
        .limit(1);
      return row;
    },

    // ---- volunteers
    async phoneOfUser(userId: string, tx: DbOrTx = db): Promise<string | null> {
      const [u] = await tx.select({ phone: users.phone }).from(users).where(eq(users.id, userId));
      return u?.phone ?? null;
    },
    async isMember(hubId: string, userId: string, role: 'staff' | 'volunteer', tx: DbOrTx = db) {
      const [r] = await tx.select({ userId: hubMembers.userId }).from(hubMembers).where(and(eq(hubMembers.hubId, hubId), eq(hubMembers.userId, userId), eq(hubMembers.role, role)));
      return !!r;
    },
    async profile(hubId: string, userId: string, tx: DbOrTx = db): Promise<ProfileRow | undefined> {
      const [r] = await tx.select().from(volunteerProfiles).where(and(eq(volunteerProfiles.hubId, hubId), eq(volunteerProfiles.userId, userId)));
      return r;
    },
    async upsertProfile(values: typeof volunteerProfiles.$inferInsert, tx: DbOrTx = db): Promise<ProfileRow> {
      const [r] = await tx
        .insert(volunteerProfiles)
        .values(values)
        .onConflictDoUpdate({ target: [volunteerProfiles.hubId, volunteerProfiles.userId], set: { trainedRoles: values.trainedRoles, notes: values.notes, noShowsClearedAt: values.noShowsClearedAt, updatedAt: sql`now()` } })
        .returning();
      return r;
    },
    /** Unexcused no-shows at the hub since staff last cleared them. */
    async noShows(hubId: string, userId: string, since: Date | null, tx: DbOrTx = db): Promise<number> {
      const [r] = await tx
        .select({ n: count() })
        .from(shiftSignups)
        .innerJoin(shifts, eq(shifts.id, shiftSignups.shiftId))
        .where(and(eq(shifts.hubId, hubId), eq(shiftSignups.userId, userId), eq(shiftSignups.attendance, 'no_show'), since ? gt(shiftSignups.attendanceAt, since) : undefined));
      return Number(r.n);
    },
    /** A hub's volunteers with their profile, upcoming places, attended minutes and no-shows. */
    volunteersOf: (hubId: string, now: Date) =>
      db
        .select({
          userId: users.id,
          name: users.name,
          email: users.email,
          phone: users.phone,
          trainedRoles: volunteerProfiles.trainedRoles,
          notes: volunteerProfiles.notes,
          noShowsClearedAt: volunteerProfiles.noShowsClearedAt,
          upcoming: sql<number>`(SELECT count(*)::int FROM ${shiftSignups} s JOIN ${shifts} sh ON sh.id = s.shift_id WHERE s.user_id = "users"."id" AND sh.hub_id = ${hubId} AND s.status = 'confirmed' AND sh.state = 'active' AND sh.ends_at > ${ts(now)})`,
          attendedMinutes: sql<number>`(SELECT coalesce(sum(s.attended_minutes), 0)::int FROM ${shiftSignups} s JOIN ${shifts} sh ON sh.id = s.shift_id WHERE s.user_id = "users"."id" AND sh.hub_id = ${hubId} AND s.attendance = 'attended')`,
          noShows: sql<number>`(SELECT count(*)::int FROM ${shiftSignups} s JOIN ${shifts} sh ON sh.id = s.shift_id WHERE s.user_id = "users"."id" AND sh.hub_id = ${hubId} AND s.attendance = 'no_show' AND ("volunteer_profiles"."no_shows_cleared_at" IS NULL OR s.attendance_at > "volunteer_profiles"."no_shows_cleared_at"))`,
        })
        .from(hubMembers)
        .innerJoin(users, eq(users.id, hubMembers.userId))
        .leftJoin(volunteerProfiles, and(eq(volunteerProfiles.hubId, hubMembers.hubId), eq(volunteerProfiles.userId, hubMembers.userId)))
        .where(and(eq(hubMembers.hubId, hubId), eq(hubMembers.role, 'volunteer')))
        .orderBy(asc(users.name), asc(users.id))
        .limit(1000),
    /** Phones of the hub's volunteers who could take a shift of this role (not already on it). */
    eligiblePhones: (hubId: string, shiftId: string, role: ShiftRole, trainedOnly: boolean) =>
      db
        .select({ userId: users.id, phone: users.phone })
        .from(hubMembers)
        .innerJoin(users, eq(users.id, hubMembers.userId))
        .leftJoin(volunteerProfiles, and(eq(volunteerProfiles.hubId, hubMembers.hubId), eq(volunteerProfiles.userId, hubMembers.userId)))
        .where(
          and(
            eq(hubMembers.hubId, hubId),
            eq(hubMembers.role, 'volunteer'),
            sql`${users.phone} IS NOT NULL`,
            trainedOnly ? sql`${role}::shift_role = ANY(${volunteerProfiles.trainedRoles})` : undefined,
            sql`NOT EXISTS (SELECT 1 FROM ${shiftSignups} s WHERE s.shift_id = ${shiftId} AND s.user_id = "users"."id" AND s.status IN ('confirmed', 'waitlisted'))`,
          ),
        )
        .limit(200),

    // ---- the volunteer's own view
    /** My places (live, and ones that ended because the shift was cancelled) on shifts overlapping [from, to). */
    myPlaces: (userId: string, from: Date, to: Date) =>
      db
        .select({ signup: shiftSignups, shift: shifts, hubName: hubs.name, timezone: hubs.timezone })
        .from(shiftSignups)
        .innerJoin(shifts, eq(shifts.id, shiftSignups.shiftId))
        .innerJoin(hubs, eq(hubs.id, shifts.hubId))
        .where(and(eq(shiftSignups.userId, userId), inArray(shiftSignups.status, [...LIVE]), lt(shifts.startsAt, to), gt(shifts.endsAt, from)))
        .orderBy(asc(shifts.startsAt), asc(shifts.id))
        .limit(500),

    // ---- generated shifts
    /** Takes the hub's regeneration lock (NO KEY UPDATE: bookings may still reference the hub meanwhile). */
    async lockHub(hubId: string, tx: DbOrTx) {
      const [h] = await preparedOn(prepared.lockHub(), tx, db).execute({ hubId });
      return h;
    },
    /** Claims the hub's pending spans (deleted in the caller's transaction: a rollback keeps them). */
    takePending: (hubId: string, tx: DbOrTx) => preparedOn(prepared.takePending(), tx, db).execute({ hubId }),
    /**
     * The booking's hub if it has pending spans for the rota to follow (one statement): a booking
     * at a hub without staffed hours queues none, and then the hook opens no transaction.
     */
    async hubOfBookingWithPending(bookingId: string): Promise<string | undefined> {
      const [b] = await db
        .select({ hubId: bookings.hubId })
        .from(bookings)
        .where(and(eq(bookings.id, bookingId), sql`EXISTS (SELECT 1 FROM ${rotaPending} p WHERE p.hub_id = ${bookings.hubId})`));
      return b?.hubId;
    },
    pendingHubs: async (limit: number) => (await db.selectDistinct({ hubId: rotaPending.hubId }).from(rotaPending).limit(limit)).map((r) => r.hubId),
    /**
     * What the rota's rounds read of [from, to] (one statement): the active generated shifts
     * overlapping it (bounded: the rota keeps them only a few years ahead) with their places taken,
     * and the confirmed and completed bookings whose time widened by the cover margins (minutes)
     * touches it (bounded by how far ahead a hub takes bookings); each by start. followWindowOf
     * gives any window inside it.
     */
    async followRead(hubId: string, from: number, to: number, before: number, after: number, tx: DbOrTx): Promise<FollowRead> {
      const [row] = await preparedOn(prepared.window(), tx, db).execute({
        hubId,
        from: new Date(from).toISOString(),
        to: new Date(to).toISOString(),
        lookback: new Date(from - LOOKBACK_MS).toISOString(),
        before,
        after,
      });
      // Dates as the driver would give them (whole ms); the exact times stay beside them for followWindowOf.
      return {
        from,
        to,
        before,
        after,
        shifts: (row?.shifts ?? []).map(([id, role, s, e, bookingIds, filled]) => ({ s, e, row: { id, role, startsAt: new Date(Math.floor(s)), endsAt: new Date(Math.floor(e)), bookingIds, filled } })),
        bookings: (row?.bookings ?? []).map(([id, s, e]) => ({ s, e, row: { id, startsAt: new Date(Math.floor(s)), endsAt: new Date(Math.floor(e)) } })),
      };
    },
    /** Bookings of the hub in [from, to) that need cover, with whether a full generated shift covers them. */
    bookingsOn: (hubId: string, from: Date, to: Date) =>
      db
        .select({ id: bookings.id, title: bookings.title, startsAt: bookings.startsAt, endsAt: bookings.endsAt, roomName: rooms.name, contactPhone: bookings.contactPhone })
        .from(bookings)
        .innerJoin(rooms, eq(rooms.id, bookings.roomId))
        .where(and(eq(bookings.hubId, hubId), eq(bookings.status, 'confirmed'), lt(bookings.startsAt, to), gt(bookings.endsAt, from)))
        .orderBy(asc(bookings.startsAt))
        .limit(500),
    /** Active generated shifts that list any of these bookings, with places taken. */
    shiftsCovering: (bookingIds: string[]) =>
      bookingIds.length
        ? db
            .select({ shift: shifts, filled: filledOf })
            .from(shifts)
            .where(and(eq(shifts.state, 'active'), sql`${shifts.bookingIds} && ARRAY[${sql.join(bookingIds.map((id) => sql`${id}`), sql`, `)}]::uuid[]`))
        : Promise.resolve([]),

    // ---- jobs
    /** Confirmed places whose code is due (the shift's code window opens) and not issued yet. */
    dueCodes: (now: Date, limit: number) =>
      db
        .select({ signup: shiftSignups, shift: shifts, phone: users.phone })
        .from(shiftSignups)
        .innerJoin(shifts, eq(shifts.id, shiftSignups.shiftId))
        .innerJoin(hubs, eq(hubs.id, shifts.hubId))
        .innerJoin(users, eq(users.id, shiftSignups.userId))
        .where(
          and(
            eq(shiftSignups.status, 'confirmed'),
            codeClaimable,
            eq(shifts.state, 'active'),
            gt(shifts.endsAt, now),
            sql`${shifts.startsAt} - make_interval(mins => coalesce((${hubs.settings} ->> 'codeLeadMinutes')::int, 1440)) <= ${ts(now)}`,
          ),
        )
        .orderBy(asc(shifts.startsAt))
        .limit(limit),
    /**
     * Claims a place's code for issuing: only one caller (the request that took the place, or the
     * job) wins; a claim left by a process that died is taken again after five minutes.
     */
    async claimCode(placeId: string): Promise<boolean> {
      const rows = await db
        .update(shiftSignups)
        .set({ codeState: 'issuing', updatedAt: risingNow(shiftSignups.updatedAt) })
        .where(
          and(
            eq(shiftSignups.id, placeId),
            codeClaimable,
          ),
        )
        .returning({ id: shiftSignups.id });
      return rows.length === 1;
    },
    staleCodes: (limit: number) =>
      db
        .select({ signup: shiftSignups, shiftState: shifts.state })
        .from(shiftSignups)
        .innerJoin(shifts, eq(shifts.id, shiftSignups.shiftId))
        .where(or(eq(shiftSignups.codeState, 'stale'), and(eq(shiftSignups.codeState, 'issued'), or(ne(shiftSignups.status, 'confirmed'), eq(shifts.state, 'cancelled')))))
        .limit(limit),
    /** Confirmed places on active shifts starting within the hub's reminder lead, not reminded yet. */
    dueReminders: (now: Date, limit: number) =>
      db
        .select({ signup: shiftSignups, shift: shifts, phone: users.phone, hubName: hubs.name, timezone: hubs.timezone })
        .from(shiftSignups)
        .innerJoin(shifts, eq(shifts.id, shiftSignups.shiftId))
        .innerJoin(hubs, eq(hubs.id, shifts.hubId))
        .innerJoin(users, eq(users.id, shiftSignups.userId))
        .where(
          and(
            eq(shiftSignups.status, 'confirmed'),
            isNull(shiftSignups.reminderSentAt),
            eq(shifts.state, 'active'),
            gt(shifts.startsAt, now),
            sql`${shifts.startsAt} - make_interval(mins => coalesce((${hubs.settings} -> 'rota' ->> 'reminderLeadMinutes')::int, 1440)) <= ${ts(now)}`,
          ),
        )
        .limit(limit),
    /** Active shifts still short of volunteers inside the hub's alert lead, not alerted yet. */
    unfilledDue: (now: Date, limit: number) =>
      db
        .select({ shift: shifts, filled: filledOf, hubName: hubs.name, timezone: hubs.timezone, settings: hubs.settings })
        .from(shifts)
        .innerJoin(hubs, eq(hubs.id, shifts.hubId))
        .where(
          and(
            eq(shifts.state, 'active'),
            isNull(shifts.unfilledAlertAt),
            gt(shifts.startsAt, now),
            sql`${filledOf} < ${shifts.volunteersNeeded}`,
            sql`${shifts.startsAt} - make_interval(hours => coalesce((${hubs.settings} -> 'rota' ->> 'unfilledAlertHours')::int, 48)) <= ${ts(now)}`,
          ),
        )
        .limit(limit),

    markAlerted: (shiftId: string, at: Date) => db.update(shifts).set({ unfilledAlertAt: at }).where(eq(shifts.id, shiftId)),

    // ---- on site
    onShiftNow: (hubId: string, now: Date) =>
      db
        .select({ shift: shifts, userId: users.id, name: users.name, phone: users.phone })
        .from(shiftSignups)
        .innerJoin(shifts, eq(shifts.id, shiftSignups.shiftId))
        .innerJoin(users, eq(users.id, shiftSignups.userId))
        .where(and(eq(shifts.hubId, hubId), eq(shifts.state, 'active'), eq(shiftSignups.status, 'confirmed'), lte(shifts.startsAt, now), gt(shifts.endsAt, now)))
        .orderBy(asc(shifts.startsAt), asc(users.name)),

    // ---- calendar
    async calendarToken(userId: string) {
      const [r] = await db.select().from(calendarTokens).where(eq(calendarTokens.userId, userId));
      return r;
    },
    async setCalendarToken(userId: string, tokenHash: string, tokenCipher: string) {
      await db
        .insert(calendarTokens)
        .values({ userId, tokenHash, tokenCipher })
        .onConflictDoUpdate({ target: calendarTokens.userId, set: { tokenHash, tokenCipher, createdAt: sql`now()` } });
    },
    async userByCalendarHash(tokenHash: string) {
      const [r] = await db.select({ userId: calendarTokens.userId }).from(calendarTokens).where(eq(calendarTokens.tokenHash, tokenHash));
      return r?.userId;
    },
    /** My places for the feed, ended ones included (cancelled or left: shown as cancelled). */
    feedPlaces: (userId: string, from: Date, to: Date) =>
      db
        .select({ signup: shiftSignups, shift: shifts, hubName: hubs.name, hubAddress: hubs.address })
        .from(shiftSignups)
        .innerJoin(shifts, eq(shifts.id, shiftSignups.shiftId))
        .innerJoin(hubs, eq(hubs.id, shifts.hubId))
        .where(and(eq(shiftSignups.userId, userId), inArray(shiftSignups.status, ['confirmed', 'withdrawn', 'removed', 'replaced']), lt(shifts.startsAt, to), gt(shifts.endsAt, from)))
        .orderBy(asc(shifts.startsAt))
        .limit(1000),
    /** My organisations' bookings for the feed (ones that never went ahead are left out; cancelled ones stay, as cancelled). */
    feedBookings: (userId: string, from: Date, to: Date) =>
      db
        .select({ booking: bookings, roomName: rooms.name, hubName: hubs.name, hubAddress: hubs.address })
        .from(bookings)
        .innerJoin(organisationMembers, eq(organisationMembers.organisationId, bookings.organisationId))
        .innerJoin(rooms, eq(rooms.id, bookings.roomId))
        .innerJoin(hubs, eq(hubs.id, bookings.hubId))
        .where(and(eq(organisationMembers.userId, userId), inArray(bookings.status, ['requested', 'awaiting_payment', 'confirmed', 'completed', 'cancelled']), lt(bookings.startsAt, to), gt(bookings.endsAt, from)))
        .orderBy(asc(bookings.startsAt))
        .limit(1000),

    // ---- hours (also for the reports module)
    attendedMinutesByHubRoleMonth,
    volunteerHours,
  };
  return repo;

  /**
   * Attended volunteer minutes by hub, role and month (the month, `YYYY-MM`, of the shift's start
   * in the hub's zone) for the UTC interval [from, to): each attended place counts its recorded
   * minutes in proportion to the part of its shift inside the interval. Computed in SQL.
   * Optionally for some hubs or one volunteer. The reports module uses it for `volunteers`.
   */
  async function attendedMinutesByHubRoleMonth(q: { from: Date; to: Date; hubIds?: string[]; userId?: string }, tx: DbOrTx = db) {
    const inside = sql`greatest(0, extract(epoch FROM (least(${shifts.endsAt}, ${ts(q.to)}) - greatest(${shifts.startsAt}, ${ts(q.from)}))))`;
    const whole = sql`extract(epoch FROM (${shifts.endsAt} - ${shifts.startsAt}))`;
    const month = sql<string>`to_char(${shifts.startsAt} AT TIME ZONE ${hubs.timezone}, 'YYYY-MM')`;
    const rows = await tx
      .select({
        hubId: shifts.hubId,
        hubName: hubs.name,
        role: shifts.role,
        month,
        minutes: sql<string>`round(sum(${shiftSignups.attendedMinutes} * ${inside} / ${whole}))`,
        volunteers: sql<number>`count(DISTINCT ${shiftSignups.userId})::int`,
      })
      .from(shiftSignups)
      .innerJoin(shifts, eq(shifts.id, shiftSignups.shiftId))
      .innerJoin(hubs, eq(hubs.id, shifts.hubId))
      .where(
        and(
          eq(shiftSignups.attendance, 'attended'),
          lt(shifts.startsAt, q.to),
          gt(shifts.endsAt, q.from),
          q.hubIds ? (q.hubIds.length ? inArray(shifts.hubId, q.hubIds) : sql`false`) : undefined,
          q.userId ? eq(shiftSignups.userId, q.userId) : undefined,
        ),
      )
      .groupBy(shifts.hubId, hubs.name, shifts.role, month)
      .orderBy(asc(hubs.name), asc(shifts.hubId), asc(month), asc(shifts.role));
    return rows.map((r) => ({ ...r, minutes: Number(r.minutes) }));
  }
  /**
   * The reports' volunteer hours: for each hub's window (its report period in its own zone),
   * attended minutes by role and local month (the part of each shift inside the window, in
   * proportion), and distinct volunteers over the whole window per role and per hub. Two
   * statements for any number of hubs; the windows travel as one JSON parameter.
   */
  async function volunteerHours(windows: { hubId: string; fromUtc: Date; toUtc: Date }[], tx: DbOrTx = db) {
    if (windows.length === 0) return { rows: [], totals: [] };
    const w = JSON.stringify(windows.map((x) => ({ hub_id: x.hubId, f: x.fromUtc.toISOString(), t: x.toUtc.toISOString() })));
    const from = sql`jsonb_to_recordset(${w}::jsonb) AS w(hub_id uuid, f timestamptz, t timestamptz)
      JOIN ${shifts} ON ${shifts.hubId} = w.hub_id AND ${shifts.startsAt} < w.t AND ${shifts.endsAt} > w.f
      JOIN ${shiftSignups} ON ${shiftSignups.shiftId} = ${shifts.id} AND ${shiftSignups.attendance} = 'attended'
      JOIN ${hubs} ON ${hubs.id} = ${shifts.hubId}`;
    const inside = sql`greatest(0, extract(epoch FROM (least(${shifts.endsAt}, w.t) - greatest(${shifts.startsAt}, w.f))))`;
    const whole = sql`extract(epoch FROM (${shifts.endsAt} - ${shifts.startsAt}))`;
    const month = sql`to_char(${shifts.startsAt} AT TIME ZONE ${hubs.timezone}, 'YYYY-MM')`;
    const rows = await tx.execute(
      sql`SELECT ${shifts.hubId} AS hub_id, ${shifts.role}::text AS role, ${month} AS month,
            round(sum(coalesce(${shiftSignups.attendedMinutes}, 0) * ${inside} / ${whole}))::text AS minutes,
            count(DISTINCT ${shiftSignups.userId})::int AS volunteers
          FROM ${from} GROUP BY 1, 2, 3 ORDER BY 1, 3, 2`,
    );
    const totals = await tx.execute(
      sql`SELECT ${shifts.hubId} AS hub_id, ${shifts.role}::text AS role, count(DISTINCT ${shiftSignups.userId})::int AS volunteers
          FROM ${from} GROUP BY GROUPING SETS ((${shifts.hubId}, ${shifts.role}), (${shifts.hubId}))`,
    );
    return {
      rows: rowsOf<{ hub_id: string; role: string; month: string; minutes: string; volunteers: number }>(rows).map((r) => ({ hubId: r.hub_id, role: r.role, month: r.month, minutes: Number(r.minutes), volunteers: Number(r.volunteers) })),
      totals: rowsOf<{ hub_id: string; role: string | null; volunteers: number }>(totals).map((r) => ({ hubId: r.hub_id, role: r.role, volunteers: Number(r.volunteers) })),
    };
  }
}
/** Both drivers answer `execute` with `{ rows }`. */
const rowsOf = <T>(result: unknown): T[] => (result as { rows: T[] }).rows;
export type RotaRepository = ReturnType<typeof createRotaRepository>;
