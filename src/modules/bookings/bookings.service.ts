import type { Db, DbOrTx } from '../../db/client';
import { PG, sqlState } from '../../db/client';
import { pageOf, type PageArgs } from '../../db/keyset';
import type { Clock } from '../../lib/clock';
import { conflict, forbidden, invalid, notFound, unprocessable } from '../../lib/errors';
import { MINUTE, parseHubTime, toZonedIso } from '../../lib/time';
import { type Actor, isMemberOfOrg, isStaffOf } from '../auth/actor';
import { tierStanding } from '../organisations/organisations.fns';
import type { OrganisationRow, OrganisationsRepository } from '../organisations/organisations.repository';
import { NETWORK_ZONE } from '../organisations/organisations.service';
import { withinOpeningHours } from '../venues/availability.fns';
import type { HubRow, RoomRow, VenuesRepository } from '../venues/venues.repository';
import { afterApproval, checkBookingRules, initialStatus, type RuleBreach } from './bookings.fns';
import type { BookingRow, BookingStatus, BookingsRepository } from './bookings.repository';
import { DEFAULT_MAX_OCCURRENCES, expandWeekly } from './recurrence.fns';
import { DateTime } from 'luxon';

export interface BookingInput {
  roomId: string;
  organisationId: string;
  startsAt: string;
  endsAt: string;
  title: string;
  attendees: number;
  contactPhone?: string;
  recurrence?: { weekdays: number[]; until?: string; count?: number };
  skipConflicts?: boolean;
}

/** A date of a series that could not be booked. */
export interface SeriesConflict {
  date: string;
  startsAt: string | null;
  endsAt: string | null;
  reason: string;
  detail: string;
}

/** What the payments module does when bookings change; every method is safe to call with nothing to do. */
export interface PaymentHooks {
  /** In the transaction that put bookings into awaiting_payment: hold them until `until`. */
  hold(bookingIds: string[], until: Date, tx: DbOrTx): Promise<void>;
  /** After commit: bookings just confirmed, priced, for an organisation that pays by invoice. Never throws; a job retries. */
  invoice(bookings: BookingRow[], actorId: string | null): Promise<void>;
  /** After commit: bookings just cancelled. Refunds what was paid (the hub's policy, in full when staff cancel). Never throws. */
  refund(bookings: BookingRow[], opts: { byStaff: boolean; actorId: string }): Promise<RefundSummary[]>;
  /** In tx: whether money is in flight for the booking (a checkout opened, a card paid, an invoice raised), fixing its amount. */
  hasPayment(bookingId: string, tx: DbOrTx): Promise<boolean>;
}
export interface RefundSummary {
  id: string;
  bookingId: string;
  amountPence: number;
  percent: number;
  status: 'pending' | 'succeeded' | 'failed' | 'canceled';
}

/** A text to the hirer (the outbox sends it). */
export interface HirerNotice {
  kind: string;
  to: string;
  body: string;
  dedupeKey: string;
  hubId: string;
  bookingId: string;
}

/** The price a booking was quoted; filled in by the pricing module. */
export type PriceSnapshot = { amountPence: number; currency: 'GBP'; tier: string; subsidyPence: number; lines: unknown[] } & Record<string, unknown>;

/** Prices a hire; absent until rate cards are set up, in which case bookings are unpriced. */
export interface Pricer {
  quote(q: { room: RoomRow; hub: HubRow; tier: string; startsAt: Date; endsAt: Date }, tx?: DbOrTx): Promise<PriceSnapshot | null>;
}

const pounds = (pence: number) => `£${(pence / 100).toFixed(2)}`;

export const BLOCKING: BookingStatus[] = ['requested', 'awaiting_payment', 'confirmed'];

export function presentBooking(b: BookingRow, zone: string, extra: { roomName?: string; hubName?: string; organisationName?: string } = {}) {
  return {
    id: b.id,
    status: b.status,
    statusReason: b.statusReason,
    roomId: b.roomId,
    hubId: b.hubId,
    organisationId: b.organisationId,
    seriesId: b.seriesId,
    title: b.title,
    attendees: b.attendees,
    contactPhone: b.contactPhone,
    startsAt: toZonedIso(b.startsAt, zone),
    endsAt: toZonedIso(b.endsAt, zone),
    timezone: zone,
    price: (b.price as PriceSnapshot | null) ?? null,
    createdAt: b.createdAt.toISOString(),
    ...extra,
  };
}
export type BookingView = ReturnType<typeof presentBooking>;

export function createBookingsService(deps: {
  db: Db;
  bookings: BookingsRepository;
  venues: Pick<VenuesRepository, 'getRoomWithHub' | 'lockRoom' | 'closuresForRoom'>;
  organisations: Pick<OrganisationsRepository, 'get'>;
  clock: Clock;
  pricer?: Pricer;
  /** Self-entry: told after a booking is confirmed, moved or cancelled (issues, re-issues or revokes its door code). */
  access?: { bookingChanged(bookingId: string): Promise<void> };
  /** Payments: holds, invoices and refunds. */
  payments?: PaymentHooks;
  /** Queues a text to the hirer in the caller's transaction (the outbox); absent, nothing is sent. */
  notify?: (notice: HirerNotice, tx: DbOrTx) => Promise<unknown>;
}) {
  const { db, bookings, venues, organisations, clock } = deps;
  const payments = deps.payments;

  async function roomWithHubOr404(roomId: string) {
    const row = await venues.getRoomWithHub(roomId);
    if (!row) throw notFound('Room');
    return row;
  }

  /** The booking, if the actor may see it (their organisation's, or in a hub they staff); else 404. */
  async function visibleOr404(actor: Actor, id: string) {
    const b = await bookings.get(id);
    if (!b || !(isStaffOf(actor, b.hubId) || isMemberOfOrg(actor, b.organisationId))) throw notFound('Booking');
    return b;
  }

  function parseWindow(hub: HubRow, startsAtRaw: string, endsAtRaw: string) {
    const startsAt = parseHubTime(startsAtRaw, hub.timezone, 'startsAt');
    const endsAt = parseHubTime(endsAtRaw, hub.timezone, 'endsAt');
    if (endsAt <= startsAt) throw invalid('endsAt must be after startsAt', [{ path: 'body.endsAt', message: 'not after startsAt' }]);
    return { startsAt, endsAt };
  }

  function enforceRules(room: RoomRow, hub: HubRow, startsAt: Date, endsAt: Date, attendees: number, byStaff: boolean) {
    if (!room.active) throw unprocessable('room_inactive', 'That room is not taking bookings');
    const breach = ruleBreach(room, hub, startsAt, endsAt, attendees, byStaff);
    if (breach) throw unprocessable(breach.code, breach.detail);
  }

  function ruleBreach(room: RoomRow, hub: HubRow, startsAt: Date, endsAt: Date, attendees: number, byStaff: boolean) {
    return checkBookingRules({
      startsAt,
      endsAt,
      now: clock.now(),
      attendees,
      capacity: room.capacity,
      minBookingMinutes: room.minBookingMinutes,
      maxBookingMinutes: room.maxBookingMinutes,
      settings: hub.settings,
      byStaff,
      withinOpeningHours: () => withinOpeningHours(hub.openingHours, hub.timezone, startsAt, endsAt),
    });
  }

  /** Inside the room's lock: refuses closures and clashes with a precise error. The exclusion constraint stays the backstop. */
  async function assertRoomFree(tx: DbOrTx, room: RoomRow, hub: HubRow, startsAt: Date, endsAt: Date, exceptId: string | null) {
    const closed = await venues.closuresForRoom(hub.id, room.id, startsAt, endsAt, tx);
    if (closed.length) {
      throw unprocessable('closed', `The ${closed[0].roomId ? 'room' : 'hub'} is closed then: ${closed[0].reason}`, {
        closures: closed.map((c) => ({ startsAt: toZonedIso(c.startsAt, hub.timezone), endsAt: toZonedIso(c.endsAt, hub.timezone) })),
      });
    }
    // The new hold is [startsAt, endsAt + buffer); an existing booking may not start within our buffer either.
    const blockedUntil = new Date(endsAt.getTime() + room.bufferMinutes * MINUTE);
    const clashes = await bookings.clashes(room.id, startsAt, blockedUntil, exceptId, tx);
    if (clashes.length) throw bookingConflict(hub.timezone, clashes);
    return blockedUntil;
  }

  function bookingConflict(zone: string, clashes: { startsAt: Date; endsAt: Date }[]) {
    return conflict('booking_conflict', 'The room is already booked at that time', {
      conflicts: clashes.map((c) => ({ startsAt: toZonedIso(c.startsAt, zone), endsAt: toZonedIso(c.endsAt, zone) })),
    });
  }

  /** Runs fn in a transaction; an exclusion violation that slipped past the checks is still a 409. */
  async function inTx<T>(fn: (tx: DbOrTx) => Promise<T>): Promise<T> {
    try {
      return await db.transaction(fn);
    } catch (err) {
      if (sqlState(err) === PG.exclusionViolation) throw conflict('booking_conflict', 'The room is already booked at that time', { conflicts: [] });
      throw err;
    }
  }

  async function loadOrgFor(actor: Actor, organisationId: string, hubId: string) {
    const org = await organisations.get(organisationId);
    const byStaff = isStaffOf(actor, hubId);
    if (!org || !(byStaff || isMemberOfOrg(actor, organisationId))) throw notFound('Organisation');
    return { org, byStaff };
  }

  const today = () => DateTime.fromJSDate(clock.now(), { zone: NETWORK_ZONE }).toISODate()!;

  const holdUntil = (hub: HubRow) => new Date(clock.now().getTime() + hub.settings.holdMinutes * MINUTE);

  /** After commit: door codes for confirmed bookings, invoices for invoice payers. */
  async function afterCommit(rows: BookingRow[], org: { paysByInvoice: boolean }, actorId: string | null) {
    for (const r of rows) if (r.status === 'confirmed') await deps.access?.bookingChanged(r.id);
    const invoiced = rows.filter((r) => r.status === 'confirmed' && org.paysByInvoice && ((r.price as PriceSnapshot | null)?.amountPence ?? 0) > 0);
    if (invoiced.length) await payments?.invoice(invoiced, actorId);
  }

  function when(b: BookingRow, zone: string) {
    return DateTime.fromJSDate(b.startsAt, { zone }).setLocale('en-GB').toFormat('ccc d LLL HH:mm');
  }

  async function tell(tx: DbOrTx, b: BookingRow, hub: HubRow, kind: string, body: string) {
    if (!deps.notify || !b.contactPhone) return;
    await deps.notify({ kind, to: b.contactPhone, body, dedupeKey: `${kind}:${b.id}`, hubId: hub.id, bookingId: b.id }, tx);
  }

  /** POST /bookings with a recurrence: every date, or 409 listing the conflicts; with skipConflicts, every free date. */
  /**
   * A moved booking is a different hire, so it is quoted again (at the tier it was quoted at, from
   * the rate card in force on its new date). While nothing has been paid or invoiced the new quote
   * replaces the old. Once money is in flight the amount is fixed: a hirer's move that would change
   * it is refused (cancel and book again, or ask staff); staff may move it and the price stays.
   */
  async function priceAfterMove(
    current: BookingRow,
    to: { room: RoomRow; hub: HubRow; startsAt: Date; endsAt: Date; byStaff: boolean },
    tx: DbOrTx,
  ): Promise<PriceSnapshot | null> {
    const old = current.price as PriceSnapshot | null;
    if (!old || !deps.pricer) return old;
    const quoted = await deps.pricer.quote({ room: to.room, hub: to.hub, tier: old.tier, startsAt: to.startsAt, endsAt: to.endsAt }, tx);
    if (!quoted) return old;
    const fixed = (await payments?.hasPayment(current.id, tx)) ?? false;
    if (!fixed) return quoted;
    if (quoted.amountPence === old.amountPence) return old;
    if (to.byStaff) return old;
    throw unprocessable('price_changes', `Moving this booking changes its price from ${pounds(old.amountPence)} to ${pounds(quoted.amountPence)}, and it is already paid for or invoiced; cancel and book again, or ask the hub's staff to move it`, {
      currentAmountPence: old.amountPence,
      newAmountPence: quoted.amountPence,
    });
  }

  /** The room's own approval rule, else its hub's. */
  const approvalFor = (room: RoomRow, hub: HubRow) => room.approval ?? hub.settings.approval;

  /** What a new booking (or every date of a new series) shares: who books, for whom, under which rules. */
  interface NewBookingContext {
    actor: Actor;
    room: RoomRow;
    hub: HubRow;
    org: OrganisationRow;
    byStaff: boolean;
    input: Pick<BookingInput, 'title' | 'attendees' | 'contactPhone'>;
    seriesId?: string;
  }

  /**
   * The row of a new booking at one free slot: its quote snapshot, and where it starts (waiting for
   * staff, for payment, or confirmed). Runs inside the room's lock.
   */
  async function newBookingRow(ctx: NewBookingContext, slot: { startsAt: Date; endsAt: Date; blockedUntil: Date }, tx: DbOrTx, firstTimeAtHub: boolean) {
    const { room, hub, org } = ctx;
    const standing = tierStanding(org, today());
    const price = deps.pricer ? await deps.pricer.quote({ room, hub, tier: standing.tier, startsAt: slot.startsAt, endsAt: slot.endsAt }, tx) : null;
    const status = initialStatus({
      byStaff: ctx.byStaff,
      needsReview: standing.needsReview,
      approval: approvalFor(room, hub),
      firstTimeAtHub,
      amountPence: price?.amountPence ?? null,
      paysByInvoice: org.paysByInvoice,
    });
    return {
      roomId: room.id,
      hubId: hub.id,
      organisationId: org.id,
      seriesId: ctx.seriesId ?? null,
      createdBy: ctx.actor.userId,
      title: ctx.input.title,
      attendees: ctx.input.attendees,
      contactPhone: ctx.input.contactPhone ?? org.contactPhone,
      startsAt: slot.startsAt,
      endsAt: slot.endsAt,
      blockedUntil: slot.blockedUntil,
      status,
      statusReason: status === 'requested' ? (standing.needsReview ? 'tier_review' : 'approval_required') : null,
      price,
    };
  }

  /** Whether the hirer books at this hub for the first time (only asked where that needs approval). */
  async function firstTimeAt(room: RoomRow, hub: HubRow, orgId: string, tx: DbOrTx) {
    return approvalFor(room, hub) === 'first_time' ? !(await bookings.hasEarlierBooking(orgId, hub.id, tx)) : false;
  }

  async function createSeries(actor: Actor, input: BookingInput & { recurrence: NonNullable<BookingInput['recurrence']> }) {
    const { room, hub } = await roomWithHubOr404(input.roomId);
    const { org, byStaff } = await loadOrgFor(actor, input.organisationId, hub.id);
    const { startsAt, endsAt } = parseWindow(hub, input.startsAt, input.endsAt);
    if (!room.active) throw unprocessable('room_inactive', 'That room is not taking bookings');
    const expansion = expandWeekly({
      firstStart: startsAt,
      firstEnd: endsAt,
      weekdays: input.recurrence.weekdays,
      until: input.recurrence.until,
      count: input.recurrence.count,
      timezone: hub.timezone,
      max: DEFAULT_MAX_OCCURRENCES,
    });
    const zone = hub.timezone;
    const conflicts: SeriesConflict[] = expansion.skipped.map((d) => ({
      date: d.localDate,
      startsAt: null,
      endsAt: null,
      reason: d.reason,
      detail: 'The clocks skip that local time on this date',
    }));
    // Rules that are the same on every date (size, length) refuse the whole series.
    const everyDate = new Set(['over_capacity', 'too_short', 'too_long']);
    const candidates: { startsAt: Date; endsAt: Date; localDate: string }[] = [];
    for (const o of expansion.occurrences) {
      const breach: RuleBreach | undefined = ruleBreach(room, hub, o.startsAt, o.endsAt, input.attendees, byStaff);
      if (breach && everyDate.has(breach.code)) throw unprocessable(breach.code, breach.detail);
      if (breach) conflicts.push({ date: o.localDate, startsAt: toZonedIso(o.startsAt, zone), endsAt: toZonedIso(o.endsAt, zone), reason: breach.code, detail: breach.detail });
      else candidates.push(o);
    }
    const result = await inTx(async (tx) => {
      await venues.lockRoom(room.id, tx);
      const free: { startsAt: Date; endsAt: Date; blockedUntil: Date }[] = [];
      for (const o of candidates) {
        const closed = await venues.closuresForRoom(hub.id, room.id, o.startsAt, o.endsAt, tx);
        const blockedUntil = new Date(o.endsAt.getTime() + room.bufferMinutes * MINUTE);
        const at = { date: o.localDate, startsAt: toZonedIso(o.startsAt, zone), endsAt: toZonedIso(o.endsAt, zone) };
        if (closed.length) {
          conflicts.push({ ...at, reason: 'closed', detail: `The ${closed[0].roomId ? 'room' : 'hub'} is closed: ${closed[0].reason}` });
          continue;
        }
        const clashes = await bookings.clashes(room.id, o.startsAt, blockedUntil, null, tx);
        if (clashes.length) {
          conflicts.push({ ...at, reason: 'booked', detail: 'The room is already booked then' });
          continue;
        }
        free.push({ startsAt: o.startsAt, endsAt: o.endsAt, blockedUntil });
      }
      conflicts.sort((a, b) => a.date.localeCompare(b.date));
      if (free.length === 0 || (conflicts.length && !input.skipConflicts)) {
        throw conflict('booking_conflict', free.length === 0 ? 'None of the series\' dates is free' : `${conflicts.length} of the series' dates cannot be booked; nothing was booked (send skipConflicts to book the rest)`, {
          conflicts,
        });
      }
      const firstTimeAtHub = await firstTimeAt(room, hub, org.id, tx);
      const rule = { weekdays: input.recurrence.weekdays, until: input.recurrence.until ?? null, count: input.recurrence.count ?? null, timezone: zone };
      const series = await bookings.insertSeries({ roomId: room.id, organisationId: org.id, rule: { ...rule, skipped: conflicts }, createdBy: actor.userId }, tx);
      const ctx: NewBookingContext = { actor, room, hub, org, byStaff, input, seriesId: series.id };
      const values = [];
      for (const f of free) values.push(await newBookingRow(ctx, f, tx, firstTimeAtHub));
      const rows = await bookings.insertMany(values, tx);
      const held = rows.filter((r) => r.status === 'awaiting_payment').map((r) => r.id);
      if (held.length) await payments?.hold(held, holdUntil(hub), tx);
      return { series, rows, rule };
    });
    await afterCommit(result.rows, org, actor.userId);
    return {
      series: { id: result.series.id, roomId: room.id, organisationId: org.id, rule: result.rule, skipped: conflicts },
      bookings: result.rows.map((r) => presentBooking(r, zone, { roomName: room.name, hubName: hub.name, organisationName: org.name })),
    };
  }

  const api = {
    visibleOr404,
    presentBooking,

    createSeries,

    /** One booking; with a recurrence, a series ({series, bookings}). */
    async create(actor: Actor, input: BookingInput) {
      if (input.recurrence) return createSeries(actor, { ...input, recurrence: input.recurrence });
      return createOne(actor, input);
    },

    /** A page of the approvals queue, soonest first (then by id). */
    async approvalQueue(actor: Actor, hubId: string, p: PageArgs) {
      if (!isStaffOf(actor, hubId)) throw forbidden('Only staff of this hub may see its approvals');
      const { rows, next } = pageOf(await bookings.requestedInHub(hubId, { ...p, limit: p.limit + 1 }), p.limit, (r) => [r.cursorAt, r.booking.id]);
      return {
        next,
        items: rows.map((r) => {
          const standing = tierStanding(r.organisation, today());
          return {
            ...presentBooking(r.booking, r.timezone, { roomName: r.roomName, organisationName: r.organisation.name }),
            organisation: {
              id: r.organisation.id,
              name: r.organisation.name,
              claimedTier: r.organisation.claimedTier,
              verifiedTier: r.organisation.verifiedTier,
              verificationStatus: r.organisation.verificationStatus,
              recheckOn: r.organisation.recheckOn,
              charityNumber: r.organisation.charityNumber,
              tier: standing.tier,
              needsReview: standing.needsReview,
            },
            waitingFor: standing.needsReview ? ('tier_review' as const) : ('approval' as const),
          };
        }),
      };
    },
  };

  async function createOne(actor: Actor, input: BookingInput) {
    const { room, hub } = await roomWithHubOr404(input.roomId);
    const { org, byStaff } = await loadOrgFor(actor, input.organisationId, hub.id);
    const { startsAt, endsAt } = parseWindow(hub, input.startsAt, input.endsAt);
    enforceRules(room, hub, startsAt, endsAt, input.attendees, byStaff);
    const created = await inTx(async (tx) => {
      await venues.lockRoom(room.id, tx);
      const blockedUntil = await assertRoomFree(tx, room, hub, startsAt, endsAt, null);
      const values = await newBookingRow({ actor, room, hub, org, byStaff, input }, { startsAt, endsAt, blockedUntil }, tx, await firstTimeAt(room, hub, org.id, tx));
      const row = await bookings.insert(values, tx);
      if (row.status === 'awaiting_payment') await payments?.hold([row.id], holdUntil(hub), tx);
      return row;
    });
    await afterCommit([created], org, actor.userId);
    return presentBooking(created, hub.timezone, { roomName: room.name, hubName: hub.name, organisationName: org.name });
  }

  return {
    ...api,

    async get(actor: Actor, id: string) {
      const b = await visibleOr404(actor, id);
      const { room, hub } = await roomWithHubOr404(b.roomId);
      return presentBooking(b, hub.timezone, { roomName: room.name, hubName: hub.name });
    },

    async list(
      actor: Actor,
      q: { hubId?: string; roomId?: string; organisationId?: string; from?: string; to?: string; status?: BookingStatus[]; limit: number; after?: { startsAt: Date; id: string } },
    ) {
      const parse = (v: string | undefined, field: string) => (v ? parseHubTime(v, NETWORK_ZONE, field) : undefined);
      const rows = await bookings.list({
        scope: actor.isAdmin ? undefined : { hubIds: [...actor.staffHubs], organisationIds: [...actor.organisations] },
        hubId: q.hubId,
        roomId: q.roomId,
        organisationId: q.organisationId,
        from: parse(q.from, 'from'),
        to: parse(q.to, 'to'),
        status: q.status,
        after: q.after,
        limit: q.limit + 1,
      });
      const page = rows.slice(0, q.limit);
      const last = page[page.length - 1];
      return {
        items: page.map((r) => presentBooking(r.booking, r.timezone, { roomName: r.roomName, hubName: r.hubName, organisationName: r.organisationName })),
        next: rows.length > q.limit && last ? { startsAt: last.booking.startsAt, id: last.booking.id } : undefined,
      };
    },

    /** Cancels one booking, or (scope 'following') it and every later booking of its series; refunds what was paid. */
    async cancel(actor: Actor, id: string, reason: string | undefined, scope: 'this' | 'following' = 'this') {
      const b = await visibleOr404(actor, id);
      const { hub } = await roomWithHubOr404(b.roomId);
      const byStaff = isStaffOf(actor, b.hubId);
      const cancelled = await inTx(async (tx) => {
        const current = await bookings.getForUpdate(id, tx);
        if (!current || !BLOCKING.includes(current.status)) {
          throw unprocessable('invalid_status', `A ${current?.status ?? 'missing'} booking cannot be cancelled`);
        }
        const later = scope === 'following' && current.seriesId ? await bookings.seriesFromForUpdate(current.seriesId, current.startsAt, tx) : [];
        const ids = [...new Set([current.id, ...later.map((r) => r.id)])];
        return bookings.setStatus(ids, 'cancelled', reason ?? (byStaff ? 'cancelled_by_staff' : 'cancelled_by_hirer'), tx);
      });
      for (const c of cancelled) await deps.access?.bookingChanged(c.id);
      const refunds = payments ? await payments.refund(cancelled, { byStaff, actorId: actor.userId }) : [];
      const self = cancelled.find((c) => c.id === id)!;
      return {
        ...presentBooking(self, hub.timezone),
        cancelledBookingIds: cancelled.map((c) => c.id).sort((x, y) => cancelled.find((c) => c.id === x)!.startsAt.getTime() - cancelled.find((c) => c.id === y)!.startsAt.getTime()),
        refunds,
      };
    },

    async move(actor: Actor, id: string, input: { startsAt: string; endsAt: string; roomId?: string }) {
      const b = await visibleOr404(actor, id);
      if (!BLOCKING.includes(b.status)) throw unprocessable('invalid_status', `A ${b.status} booking cannot be moved`);
      const { room, hub } = await roomWithHubOr404(input.roomId ?? b.roomId);
      if (hub.id !== b.hubId && !isMemberOfOrg(actor, b.organisationId) && !isStaffOf(actor, hub.id)) {
        throw forbidden('You may not move this booking to that hub');
      }
      const byStaff = isStaffOf(actor, hub.id);
      const { startsAt, endsAt } = parseWindow(hub, input.startsAt, input.endsAt);
      enforceRules(room, hub, startsAt, endsAt, b.attendees, byStaff);
      const updated = await inTx(async (tx) => {
        // Lock both rooms in id order so two moves between the same rooms cannot deadlock.
        for (const rid of [...new Set([b.roomId, room.id])].sort()) await venues.lockRoom(rid, tx);
        const current = await bookings.getForUpdate(id, tx);
        if (!current || !BLOCKING.includes(current.status)) throw unprocessable('invalid_status', 'The booking can no longer be moved');
        const blockedUntil = await assertRoomFree(tx, room, hub, startsAt, endsAt, id);
        const price = await priceAfterMove(current, { room, hub, startsAt, endsAt, byStaff }, tx);
        return bookings.update(id, { roomId: room.id, hubId: hub.id, startsAt, endsAt, blockedUntil, price }, tx);
      });
      await deps.access?.bookingChanged(id);
      return presentBooking(updated, hub.timezone, { roomName: room.name, hubName: hub.name });
    },

    /**
     * Staff approve a requested booking: the staff decision the booking waited for. The usual
     * path for a `tier_review` booking is to verify the organisation first (evidence, re-check
     * date); if staff verified it at a different tier than the booking was quoted at, the booking
     * is re-priced at that tier. Approving without verifying keeps the quoted (claimed) price.
     */
    async approve(actor: Actor, id: string) {
      const b = await visibleOr404(actor, id);
      if (!isStaffOf(actor, b.hubId)) throw forbidden('Only staff of the hub may approve bookings');
      const org = await organisations.get(b.organisationId);
      if (!org) throw notFound('Organisation');
      const { room, hub } = await roomWithHubOr404(b.roomId);
      const standing = tierStanding(org, today());
      const updated = await inTx(async (tx) => {
        const current = await bookings.getForUpdate(id, tx);
        if (!current || current.status !== 'requested') throw unprocessable('invalid_status', `Only a requested booking can be approved; this one is ${current?.status}`);
        let price = current.price as PriceSnapshot | null;
        if (price && price.tier !== standing.tier && deps.pricer) {
          price = (await deps.pricer.quote({ room, hub, tier: standing.tier, startsAt: current.startsAt, endsAt: current.endsAt }, tx)) ?? price;
        }
        const status = afterApproval({ amountPence: price?.amountPence ?? null, paysByInvoice: org.paysByInvoice });
        const row = await bookings.update(id, { status, statusReason: null, price }, tx);
        if (status === 'awaiting_payment') await payments?.hold([row.id], holdUntil(hub), tx);
        const next =
          status === 'awaiting_payment'
            ? `Pay within ${hub.settings.holdMinutes} minutes to keep it.`
            : org.paysByInvoice && (price?.amountPence ?? 0) > 0
              ? 'It is confirmed; an invoice follows.'
              : 'It is confirmed.';
        await tell(tx, row, hub, 'booking_approved', `Hubkey: your booking "${row.title}" at ${hub.name} on ${when(row, hub.timezone)} was approved. ${next}`);
        return row;
      });
      await afterCommit([updated], org, actor.userId);
      return presentBooking(updated, hub.timezone);
    },

    async decline(actor: Actor, id: string, reason: string) {
      const b = await visibleOr404(actor, id);
      if (!isStaffOf(actor, b.hubId)) throw forbidden('Only staff of the hub may decline bookings');
      const { hub } = await roomWithHubOr404(b.roomId);
      const updated = await inTx(async (tx) => {
        const current = await bookings.getForUpdate(id, tx);
        if (!current || current.status !== 'requested') throw unprocessable('invalid_status', `Only a requested booking can be declined; this one is ${current?.status}`);
        const row = await bookings.update(id, { status: 'declined', statusReason: reason }, tx);
        await tell(tx, row, hub, 'booking_declined', `Hubkey: your booking request "${row.title}" at ${hub.name} on ${when(row, hub.timezone)} was declined: ${reason}`);
        return row;
      });
      return presentBooking(updated, hub.timezone);
    },

    /** Worker job: confirmed bookings whose end has passed become completed. */
    completeFinished: () => bookings.completeFinished(clock.now()),
  };
}
export type BookingsService = ReturnType<typeof createBookingsService>;
