import type { Db, DbOrTx } from '../../db/client';
import { PG, sqlState } from '../../db/client';
import { pageOf, type PageArgs } from '../../db/keyset';
import type { Clock } from '../../lib/clock';
import { conflict, forbidden, invalid, notFound, unprocessable } from '../../lib/errors';
import { localDateIn, MINUTE, parseHubTime, parseRangeBound, toZonedIso } from '../../lib/time';
import { type Actor, isMemberOfOrg, isStaffOf } from '../auth/actor';
import { tierStanding } from '../organisations/organisations.fns';
import type { OrganisationRow, OrganisationsRepository } from '../organisations/organisations.repository';
import { NETWORK_ZONE } from '../organisations/organisations.service';
import type { PriceSnapshot } from '../pricing/pricing.fns';
import { withinOpeningHours } from '../venues/availability.fns';
import type { HubRow, RoomRow, VenuesRepository } from '../venues/venues.repository';
import { DEFAULT_SETTINGS } from '../venues/venues.types';
import { afterApproval, checkBookingRules, initialStatus, priceOf, type RuleBreach } from './bookings.fns';
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
  recurrence?: { weekdays: number[]; until?: string; count?: number; startLater?: boolean };
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
  /** In the transaction that confirmed priced bookings of an organisation that pays by invoice: records the invoice a job issues. */
  invoice(bookings: BookingRow[], actorId: string | null, tx: DbOrTx): Promise<void>;
  /** In the cancelling transaction: records the refunds due (the hub's policy, in full when staff cancel) and settles invoices as far as the database can. */
  cancelled(bookings: BookingRow[], opts: { byStaff: boolean; actorId: string }, tx: DbOrTx): Promise<PendingMoney>;
  /** After commit: carries out what `cancelled` recorded; what fails is left for the job. Never throws. */
  carryOut(work: PendingMoney): Promise<RefundSummary[]>;
  /**
   * In tx: whether money is in flight for the booking (a checkout opened, a card or offline payment
   * taken, an invoice sent or being issued in Stripe), fixing its amount. An invoice only recorded
   * (pending, not yet in Stripe) is not: nothing has been charged or sent.
   */
  hasPayment(bookingId: string, tx: DbOrTx): Promise<boolean>;
  /** In the moving transaction: a recorded, never-issued invoice follows the booking's new price and status (re-issued at the new amount, or left off when it no longer owes). */
  moved?(booking: BookingRow, tx: DbOrTx): Promise<void>;
  /** When the holds of these (awaiting-payment) bookings lapse. */
  holdsOf?(bookingIds: string[]): Promise<{ bookingId: string; expiresAt: Date }[]>;
}
/** Money work recorded in a cancelling transaction, to carry out after commit (a job finishes it after a crash). */
export interface PendingMoney {
  refundIds: string[];
  voidPaymentIds: string[];
}
/** The status changes payments asks of the bookings module, which alone changes a booking's status. */
export interface BookingStatusChanges {
  /** In tx: confirms paid bookings still awaiting payment, and lapsed ones whose room is still free; `refused` are those it could not (to refund). */
  confirmPaid(bookingIds: string[], tx: DbOrTx): Promise<{ confirmed: string[]; refused: BookingRow[] }>;
  /** In tx: bookings still awaiting payment become expired with the reason; returns their ids. */
  releaseHold(bookingIds: string[], reason: string, tx: DbOrTx): Promise<string[]>;
}
export interface RefundSummary {
  id: string;
  bookingId: string;
  amountPence: number;
  percent: number;
  /** `owed`: an offline payment's refund, which staff hand back outside Stripe. */
  status: 'pending' | 'succeeded' | 'failed' | 'canceled' | 'owed';
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
export type { PriceSnapshot };

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
    reason: b.reason,
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
    price: b.price ?? null,
    requestExpiresAt: b.status === 'requested' && b.requestExpiresAt ? toZonedIso(b.requestExpiresAt, zone) : null,
    /** Set by withHolds for a booking awaiting payment. */
    holdExpiresAt: null as string | null,
    createdAt: toZonedIso(b.createdAt, zone),
    ...extra,
  };
}
export type BookingView = ReturnType<typeof presentBooking>;

export function createBookingsService(deps: {
  db: Db;
  bookings: BookingsRepository;
  venues: Pick<VenuesRepository, 'getRoomWithHub' | 'getHub' | 'hubForShare' | 'lockRoom' | 'lockRoomShareHub' | 'closuresForRoom'>;
  organisations: Pick<OrganisationsRepository, 'get'>;
  clock: Clock;
  pricer?: Pricer;
  /** Self-entry: told after a booking is confirmed, moved or cancelled (issues, re-issues or revokes its door code). */
  access?: {
    bookingChanged(bookingId: string): Promise<void>;
    /**
     * After new bookings commit: the rows as inserted and the hub the transaction share-locked (its
     * settings checked unchanged), so the hooks need not read them back. Absent, bookingChanged is told.
     */
    bookingsCreated?(rows: BookingRow[], hub: HubRow): Promise<void>;
  };
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

  /** Whether the actor may cancel this one booking: staff of its hub, or a member of its organisation. */
  const mayCancel = (actor: Actor, b: BookingRow) => isStaffOf(actor, b.hubId) || isMemberOfOrg(actor, b.organisationId);

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

  /**
   * Inside the booking's transaction, after the room lock: share-locks the hub row, so a change of
   * its opening hours or settings (which takes the row for update and lists the bookings it would
   * displace) waits for this booking or is waited for. If the hub changed since the rules were
   * checked, the request is refused to be tried again under the new rules.
   */
  async function holdHubRules(hub: HubRow, tx: DbOrTx, lockRoomId?: string) {
    // With a room: its lock first, in the same statement (lockRoom, then this).
    const now = lockRoomId ? await venues.lockRoomShareHub(lockRoomId, hub.id, tx) : await venues.hubForShare(hub.id, tx);
    if (!now || JSON.stringify([now.openingHours, now.settings, now.timezone]) !== JSON.stringify([hub.openingHours, hub.settings, hub.timezone])) {
      throw conflict('hub_changed', "The hub's opening hours or settings changed while this was being booked; try again");
    }
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

  const today = () => localDateIn(clock.now(), NETWORK_ZONE);

  const holdUntil = (hub: HubRow) => new Date(clock.now().getTime() + hub.settings.holdMinutes * MINUTE);

  /** When a request staff have not decided lapses: the hub's requestExpiryHours from now, never after the start. */
  const requestExpiry = (hub: HubRow, startsAt: Date) =>
    new Date(Math.min(clock.now().getTime() + (hub.settings.requestExpiryHours ?? DEFAULT_SETTINGS.requestExpiryHours) * 60 * MINUTE, startsAt.getTime()));

  /** After commit: door codes for confirmed bookings. */
  async function afterCommit(rows: BookingRow[]) {
    for (const r of rows) if (r.status === 'confirmed') await deps.access?.bookingChanged(r.id);
  }

  /** After new bookings commit: their door codes and shifts, from the rows and hub at hand. */
  async function afterCreate(rows: BookingRow[], hub: HubRow) {
    if (!deps.access?.bookingsCreated) return afterCommit(rows);
    if (rows.some((r) => r.status === 'confirmed')) await deps.access.bookingsCreated(rows, hub);
  }

  /** In tx: confirmed priced bookings of an organisation that pays by invoice get their invoice recorded (a job issues it). */
  async function recordInvoice(rows: BookingRow[], org: { paysByInvoice: boolean }, actorId: string | null, tx: DbOrTx) {
    const invoiced = rows.filter((r) => r.status === 'confirmed' && org.paysByInvoice && priceOf(r) > 0);
    if (invoiced.length) await payments?.invoice(invoiced, actorId, tx);
  }

  function when(b: BookingRow, zone: string) {
    return DateTime.fromJSDate(b.startsAt, { zone }).setLocale('en-GB').toFormat('ccc d LLL HH:mm');
  }

  async function tell(tx: DbOrTx, b: BookingRow, hub: HubRow, kind: string, body: string) {
    if (!deps.notify || !b.contactPhone) return;
    await deps.notify({ kind, to: b.contactPhone, body, dedupeKey: `${kind}:${b.id}`, hubId: hub.id, bookingId: b.id }, tx);
  }

  /**
   * A move re-runs what a new booking runs: the rules (already checked), the tier standing, the
   * price and approval. While no money is in flight the booking is quoted afresh at the
   * organisation's current standing (an unpriced booking moved into a priced room is priced) and
   * starts again where a new booking would (requested, awaiting payment or confirmed). Once money
   * is in flight (a checkout opened, a card paid, an invoice raised) the amount and status are
   * fixed: a hirer's move that would change the amount, or that would need staff's approval, is
   * refused (cancel and book again, or ask staff); staff may move it and the price stays.
   */
  async function afterMove(
    current: BookingRow,
    to: { room: RoomRow; hub: HubRow; org: OrganisationRow; startsAt: Date; endsAt: Date; byStaff: boolean },
    tx: DbOrTx,
  ): Promise<{ price: PriceSnapshot | null; status: BookingStatus; statusReason: string | null }> {
    const standing = tierStanding(to.org, today());
    const old = current.price;
    const quoted = deps.pricer ? await deps.pricer.quote({ room: to.room, hub: to.hub, tier: standing.tier, startsAt: to.startsAt, endsAt: to.endsAt }, tx) : null;
    const firstTimeAtHub = approvalFor(to.room, to.hub) === 'first_time' ? !(await bookings.hasEarlierBooking(to.org.id, to.hub.id, tx, current.id)) : false;
    const fresh = initialStatus({
      byStaff: to.byStaff,
      needsReview: standing.needsReview,
      approval: approvalFor(to.room, to.hub),
      firstTimeAtHub,
      amountPence: quoted?.amountPence ?? null,
      paysByInvoice: to.org.paysByInvoice,
    });
    const fixed = (await payments?.hasPayment(current.id, tx)) ?? false;
    if (!fixed) {
      const statusReason = fresh === 'requested' ? (standing.needsReview ? 'tier_review' : 'approval_required') : null;
      return { price: quoted, status: fresh, statusReason };
    }
    if (fresh === 'requested' && current.status !== 'requested') {
      throw unprocessable('move_needs_approval', "Moving this booking there needs staff's approval, and it is already paid for or invoiced; ask the hub's staff to move it");
    }
    const keep = { price: old, status: current.status, statusReason: current.statusReason };
    if (!quoted || !old || quoted.amountPence === old.amountPence || to.byStaff) return keep;
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
      requestExpiresAt: status === 'requested' ? requestExpiry(hub, slot.startsAt) : null,
      price,
    };
  }

  /**
   * An organisation whose tier claim awaits review may hold only so many requested hours at a hub
   * (the hub's maxRequestedHoursUnderReview), so a new account cannot tie up a hub's rooms with
   * requests. Staff booking for a group are not bound by it.
   */
  async function assertRequestCap(org: OrganisationRow, hub: HubRow, byStaff: boolean, newMinutes: number, tx: DbOrTx) {
    if (byStaff || !tierStanding(org, today()).needsReview) return;
    const capHours = hub.settings.maxRequestedHoursUnderReview ?? DEFAULT_SETTINGS.maxRequestedHoursUnderReview;
    const held = await bookings.requestedMinutesHeld(org.id, hub.id, clock.now(), tx);
    if (held + newMinutes > capHours * 60) {
      throw unprocessable(
        'requested_hours_cap',
        `While its tier awaits review, an organisation may hold at most ${capHours} requested hours at ${hub.name}; it holds ${Math.round(held / 6) / 10} and asked for ${Math.round(newMinutes / 6) / 10} more. Staff can verify the organisation or decide the requests it has.`,
        { capHours, heldMinutes: held, requestedMinutes: newMinutes },
      );
    }
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
    const firstDay = DateTime.fromJSDate(startsAt, { zone: hub.timezone });
    if (!input.recurrence.weekdays.includes(firstDay.weekday) && !input.recurrence.startLater) {
      throw unprocessable('series_start_not_in_weekdays', `startsAt is a ${firstDay.setLocale('en-GB').toFormat('cccc')}, which is not one of the series' weekdays; send recurrence.startLater to start on the next date that is`, {
        startsAtWeekday: firstDay.weekday,
        weekdays: input.recurrence.weekdays,
      });
    }
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
      await holdHubRules(hub, tx, room.id);
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
      await assertRequestCap(org, hub, byStaff, free.reduce((sum, f) => sum + (f.endsAt.getTime() - f.startsAt.getTime()) / MINUTE, 0), tx);
      const firstTimeAtHub = await firstTimeAt(room, hub, org.id, tx);
      const rule = { weekdays: input.recurrence.weekdays, until: input.recurrence.until ?? null, count: input.recurrence.count ?? null, timezone: zone };
      const series = await bookings.insertSeries({ roomId: room.id, organisationId: org.id, rule: { ...rule, skipped: conflicts }, createdBy: actor.userId }, tx);
      const ctx: NewBookingContext = { actor, room, hub, org, byStaff, input, seriesId: series.id };
      const values = [];
      for (const f of free) values.push(await newBookingRow(ctx, f, tx, firstTimeAtHub));
      const rows = await bookings.insertMany(values, tx);
      const held = rows.filter((r) => r.status === 'awaiting_payment').map((r) => r.id);
      if (held.length) await payments?.hold(held, holdUntil(hub), tx);
      await recordInvoice(rows, org, actor.userId, tx);
      return { series, rows, rule };
    });
    await afterCreate(result.rows, hub);
    return {
      series: {
        id: result.series.id,
        roomId: room.id,
        organisationId: org.id,
        rule: result.rule,
        skipped: conflicts,
        bookedDates: result.rows.map((r) => DateTime.fromJSDate(r.startsAt, { zone }).toISODate()!),
      },
      bookings: await withHolds(result.rows.map((r) => presentBooking(r, zone, { roomName: room.name, hubName: hub.name, organisationName: org.name }))),
    };
  }

  /** Presented bookings awaiting payment get when their hold lapses (`holdExpiresAt`). */
  async function withHolds<T extends BookingView>(items: T[]): Promise<T[]> {
    const waiting = items.filter((i) => i.status === 'awaiting_payment').map((i) => i.id);
    if (!waiting.length || !payments?.holdsOf) return items;
    const until = new Map((await payments.holdsOf(waiting)).map((h) => [h.bookingId, h.expiresAt]));
    return items.map((i) => (until.has(i.id) && i.status === 'awaiting_payment' ? { ...i, holdExpiresAt: toZonedIso(until.get(i.id)!, i.timezone) } : i));
  }

  /** The one presentation of a booking, with the names of its room, hub and organisation (as the list gives them). */
  async function view(b: BookingRow) {
    const [{ room, hub }, org] = await Promise.all([roomWithHubOr404(b.roomId), organisations.get(b.organisationId)]);
    return (await withHolds([presentBooking(b, hub.timezone, { roomName: room.name, hubName: hub.name, organisationName: org?.name })]))[0];
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
      await holdHubRules(hub, tx, room.id);
      const blockedUntil = await assertRoomFree(tx, room, hub, startsAt, endsAt, null);
      await assertRequestCap(org, hub, byStaff, (endsAt.getTime() - startsAt.getTime()) / MINUTE, tx);
      const values = await newBookingRow({ actor, room, hub, org, byStaff, input }, { startsAt, endsAt, blockedUntil }, tx, await firstTimeAt(room, hub, org.id, tx));
      const row = await bookings.insert(values, tx);
      if (row.status === 'awaiting_payment') await payments?.hold([row.id], holdUntil(hub), tx);
      await recordInvoice([row], org, actor.userId, tx);
      return row;
    });
    await afterCreate([created], hub);
    return (await withHolds([presentBooking(created, hub.timezone, { roomName: room.name, hubName: hub.name, organisationName: org.name })]))[0];
  }

  return {
    ...api,

    async get(actor: Actor, id: string) {
      return view(await visibleOr404(actor, id));
    },

    async list(
      actor: Actor,
      q: { hubId?: string; roomId?: string; organisationId?: string; from?: string; to?: string; status?: BookingStatus[]; limit: number; after?: { startsAt: Date; id: string } },
    ) {
      // A plain date is the local day of the hub asked for (else the network's home zone).
      const zone = q.hubId ? ((await venues.getHub(q.hubId))?.timezone ?? NETWORK_ZONE) : NETWORK_ZONE;
      const parse = (v: string | undefined, field: 'from' | 'to') => (v ? parseRangeBound(v, zone, field, field) : undefined);
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
        items: await withHolds(page.map((r) => presentBooking(r.booking, r.timezone, { roomName: r.roomName, hubName: r.hubName, organisationName: r.organisationName }))),
        next: rows.length > q.limit && last ? { startsAt: last.booking.startsAt, id: last.booking.id } : undefined,
      };
    },

    /**
     * Cancels one booking, or (scope 'following') it and every later booking of its series;
     * refunds what was paid. Every booking the call touches is checked against the caller on its
     * own: a later date moved to a hub the caller does not staff (and whose organisation they are
     * not a member of) is left as it is and listed in `skippedBookingIds`.
     */
    async cancel(actor: Actor, id: string, reason: string | undefined, scope: 'this' | 'following' = 'this') {
      await visibleOr404(actor, id);
      const { cancelled, skipped, money } = await inTx(async (tx) => {
        const current = await bookings.getForUpdate(id, tx);
        if (!current || !BLOCKING.includes(current.status)) {
          throw unprocessable('invalid_status', `A ${current?.status ?? 'missing'} booking cannot be cancelled`);
        }
        const later = scope === 'following' && current.seriesId ? await bookings.seriesFromForUpdate(current.seriesId, current.startsAt, tx) : [];
        const touched = [current, ...later.filter((r) => r.id !== current.id)];
        const allowed = touched.filter((r) => mayCancel(actor, r));
        const skipped = touched.filter((r) => !mayCancel(actor, r)).map((r) => r.id);
        // Each booking records who cancelled it (staff of its own hub, or the hirer), and the money
        // owed back is recorded with the cancellation itself, so a crash after commit loses none of it.
        const rows: BookingRow[] = [];
        const money: PendingMoney[] = [];
        for (const byStaff of [true, false]) {
          const ids = allowed.filter((r) => isStaffOf(actor, r.hubId) === byStaff).map((r) => r.id);
          const done = await bookings.setStatus(ids, 'cancelled', byStaff ? 'cancelled_by_staff' : 'cancelled_by_hirer', tx, reason ?? null);
          rows.push(...done);
          if (payments && done.length) money.push(await payments.cancelled(done, { byStaff, actorId: actor.userId }, tx));
        }
        return { cancelled: rows.sort((x, y) => x.startsAt.getTime() - y.startsAt.getTime()), skipped, money };
      });
      for (const c of cancelled) await deps.access?.bookingChanged(c.id);
      const refunds: RefundSummary[] = [];
      if (payments) for (const work of money) refunds.push(...(await payments.carryOut(work)));
      const self = cancelled.find((c) => c.id === id)!;
      return {
        ...(await view(self)),
        cancelledBookingIds: cancelled.map((c) => c.id),
        skippedBookingIds: skipped,
        refunds,
      };
    },

    /**
     * Staff of a hub cancel bookings a change at the hub displaced (a closure, new opening hours):
     * each in full refund, with `code` as the status reason and `notice` texted to the hirer.
     * Bookings no longer blocking are left alone. Answers the cancelled bookings and their refunds.
     */
    async cancelForHub(actor: Actor, hub: HubRow, ids: string[], code: string, notice: string, tx: DbOrTx) {
      if (!isStaffOf(actor, hub.id)) throw forbidden('Only staff of this hub may cancel its bookings');
      // The refund owed on each is recorded in this transaction, so a crash after commit loses none of it.
      const rows: (BookingRow & { money?: PendingMoney })[] = [];
      for (const bid of ids) {
        const b = await bookings.getForUpdate(bid, tx);
        if (!b || b.hubId !== hub.id || !BLOCKING.includes(b.status)) continue;
        const [row] = await bookings.setStatus([b.id], 'cancelled', code, tx, notice);
        await tell(tx, row, hub, 'booking_cancelled_by_hub', `Hubkey: ${hub.name} cancelled your booking "${row.title}" on ${when(row, hub.timezone)}: ${notice} Anything paid is refunded in full.`);
        const money = payments ? await payments.cancelled([row], { byStaff: true, actorId: actor.userId }, tx) : undefined;
        rows.push({ ...row, money });
      }
      return rows;
    },

    /** After the transaction of cancelForHub committed: revoke door codes and carry out the refunds it recorded. */
    async afterHubCancel(_actor: Actor, rows: (BookingRow & { money?: PendingMoney })[]) {
      const refunds: RefundSummary[] = [];
      for (const r of rows) {
        await deps.access?.bookingChanged(r.id);
        if (payments && r.money) refunds.push(...(await payments.carryOut(r.money)));
      }
      return refunds;
    },

    /**
     * Moves a booking to another time or room: everything a new booking runs is run again (see
     * afterMove). The refund basis is kept: notice for the cancellation policy is counted from the
     * earliest start the booking has had, so a move never makes it more refundable than it was.
     */
    async move(actor: Actor, id: string, input: { startsAt: string; endsAt: string; roomId?: string }) {
      const b = await visibleOr404(actor, id);
      if (!BLOCKING.includes(b.status)) throw unprocessable('invalid_status', `A ${b.status} booking cannot be moved`);
      const { room, hub } = await roomWithHubOr404(input.roomId ?? b.roomId);
      if (hub.id !== b.hubId && !isMemberOfOrg(actor, b.organisationId) && !isStaffOf(actor, hub.id)) {
        throw forbidden('You may not move this booking to that hub');
      }
      const org = await organisations.get(b.organisationId);
      if (!org) throw notFound('Organisation');
      const byStaff = isStaffOf(actor, hub.id);
      const { startsAt, endsAt } = parseWindow(hub, input.startsAt, input.endsAt);
      enforceRules(room, hub, startsAt, endsAt, b.attendees, byStaff);
      const updated = await inTx(async (tx) => {
        // Lock both rooms in id order so two moves between the same rooms cannot deadlock.
        for (const rid of [...new Set([b.roomId, room.id])].sort()) await venues.lockRoom(rid, tx);
        await holdHubRules(hub, tx);
        const current = await bookings.getForUpdate(id, tx);
        if (!current || !BLOCKING.includes(current.status)) throw unprocessable('invalid_status', 'The booking can no longer be moved');
        const blockedUntil = await assertRoomFree(tx, room, hub, startsAt, endsAt, id);
        const next = await afterMove(current, { room, hub, org, startsAt, endsAt, byStaff }, tx);
        const basis = current.refundBasisAt ?? current.startsAt;
        const row = await bookings.update(
          id,
          {
            roomId: room.id,
            hubId: hub.id,
            startsAt,
            endsAt,
            blockedUntil,
            ...next,
            refundBasisAt: startsAt < basis ? startsAt : basis,
            // A request keeps its expiry through moves (never later than the new start): moving it does not buy time.
            requestExpiresAt:
              next.status !== 'requested'
                ? null
                : current.status === 'requested' && current.requestExpiresAt
                  ? new Date(Math.min(current.requestExpiresAt.getTime(), startsAt.getTime()))
                  : requestExpiry(hub, startsAt),
          },
          tx,
        );
        if (row.status === 'awaiting_payment' && current.status !== 'awaiting_payment') await payments?.hold([row.id], holdUntil(hub), tx);
        await payments?.moved?.(row, tx);
        // A move that newly confirms a priced booking of an invoice payer records its invoice here (a job issues it).
        if (row.status === 'confirmed' && (current.status !== 'confirmed' || priceOf(current) === 0)) await recordInvoice([row], org, actor.userId, tx);
        return row;
      });
      // After commit: its door code and the shifts it needs, once (the invoice was recorded in the transaction).
      await deps.access?.bookingChanged(id);
      return view(updated);
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
        let price = current.price;
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
        await recordInvoice([row], org, actor.userId, tx);
        return row;
      });
      await afterCommit([updated]);
      return view(updated);
    },

    async decline(actor: Actor, id: string, reason: string) {
      const b = await visibleOr404(actor, id);
      if (!isStaffOf(actor, b.hubId)) throw forbidden('Only staff of the hub may decline bookings');
      const { hub } = await roomWithHubOr404(b.roomId);
      const updated = await inTx(async (tx) => {
        const current = await bookings.getForUpdate(id, tx);
        if (!current || current.status !== 'requested') throw unprocessable('invalid_status', `Only a requested booking can be declined; this one is ${current?.status}`);
        const row = await bookings.update(id, { status: 'declined', statusReason: 'declined_by_staff', reason }, tx);
        await tell(tx, row, hub, 'booking_declined', `Hubkey: your booking request "${row.title}" at ${hub.name} on ${when(row, hub.timezone)} was declined: ${reason}`);
        return row;
      });
      return view(updated);
    },

    /** Worker job: confirmed bookings whose end has passed become completed. */
    completeFinished: () => bookings.completeFinished(clock.now()),

    /** Payments' asks: the booking's state machine stays here (see BookingStatusChanges). */
    async confirmPaid(ids: string[], tx: DbOrTx): Promise<{ confirmed: string[]; refused: BookingRow[] }> {
      const confirmed: string[] = [];
      const refused: BookingRow[] = [];
      for (const id of ids) {
        // Read, not locked: the payment row is locked, and the room lock below orders us with moves.
        const b = await bookings.get(id, tx);
        if (!b) continue;
        if (b.status === 'awaiting_payment') {
          confirmed.push(b.id);
          continue;
        }
        if (b.status === 'expired') {
          // Paid after the hold lapsed: confirmed if the room is still free and the booking still ahead.
          await venues.lockRoom(b.roomId, tx);
          const clashes = await bookings.clashes(b.roomId, b.startsAt, b.blockedUntil, b.id, tx);
          if (!clashes.length && b.startsAt > clock.now()) {
            confirmed.push(b.id);
            continue;
          }
        }
        if (b.status !== 'confirmed' && b.status !== 'completed') refused.push(b);
      }
      await bookings.setStatus(confirmed, 'confirmed', null, tx);
      return { confirmed, refused };
    },

    async releaseHold(ids: string[], reason: string, tx: DbOrTx): Promise<string[]> {
      const out: string[] = [];
      for (const id of ids) if ((await bookings.getForUpdate(id, tx))?.status === 'awaiting_payment') out.push(id);
      await bookings.setStatus(out, 'expired', reason, tx);
      return out;
    },
  };
}
export type BookingsService = ReturnType<typeof createBookingsService>;
