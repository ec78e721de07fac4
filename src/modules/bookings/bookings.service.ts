import type { Db, DbOrTx } from '../../db/client';
import { PG, sqlState } from '../../db/client';
import type { Clock } from '../../lib/clock';
import { conflict, forbidden, invalid, notFound, unprocessable } from '../../lib/errors';
import { MINUTE, parseHubTime, toZonedIso } from '../../lib/time';
import { type Actor, isMemberOfOrg, isStaffOf } from '../auth/actor';
import { tierStanding } from '../organisations/organisations.fns';
import type { OrganisationsRepository } from '../organisations/organisations.repository';
import { NETWORK_ZONE } from '../organisations/organisations.service';
import { withinOpeningHours } from '../venues/availability.fns';
import type { HubRow, RoomRow, VenuesRepository } from '../venues/venues.repository';
import { afterApproval, checkBookingRules, initialStatus } from './bookings.fns';
import type { BookingRow, BookingStatus, BookingsRepository } from './bookings.repository';
import { DateTime } from 'luxon';

export interface BookingInput {
  roomId: string;
  organisationId: string;
  startsAt: string;
  endsAt: string;
  title: string;
  attendees: number;
  contactPhone?: string;
}

/** The price a booking was quoted; filled in by the pricing module. */
export type PriceSnapshot = { amountPence: number; currency: 'GBP'; tier: string; subsidyPence: number; lines: unknown[] } & Record<string, unknown>;

/** Prices a hire; absent until rate cards are set up, in which case bookings are unpriced. */
export interface Pricer {
  quote(q: { room: RoomRow; hub: HubRow; tier: string; startsAt: Date; endsAt: Date }, tx?: DbOrTx): Promise<PriceSnapshot | null>;
}

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
}) {
  const { db, bookings, venues, organisations, clock } = deps;

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
    const breach = checkBookingRules({
      startsAt,
      endsAt,
      now: clock.now(),
      attendees,
      capacity: room.capacity,
      minBookingMinutes: room.minBookingMinutes,
      maxBookingMinutes: room.maxBookingMinutes,
      settings: hub.settings,
      byStaff,
      withinOpeningHours: withinOpeningHours(hub.openingHours, hub.timezone, startsAt, endsAt),
    });
    if (breach) throw unprocessable(breach.code, breach.detail);
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

  return {
    visibleOr404,
    presentBooking,

    async create(actor: Actor, input: BookingInput) {
      const { room, hub } = await roomWithHubOr404(input.roomId);
      const { org, byStaff } = await loadOrgFor(actor, input.organisationId, hub.id);
      const { startsAt, endsAt } = parseWindow(hub, input.startsAt, input.endsAt);
      enforceRules(room, hub, startsAt, endsAt, input.attendees, byStaff);
      const standing = tierStanding(org, today());
      const created = await inTx(async (tx) => {
        await venues.lockRoom(room.id, tx);
        const blockedUntil = await assertRoomFree(tx, room, hub, startsAt, endsAt, null);
        const price = deps.pricer ? await deps.pricer.quote({ room, hub, tier: standing.tier, startsAt, endsAt }, tx) : null;
        const firstTimeAtHub = hub.settings.approval === 'first_time' ? !(await bookings.hasEarlierBooking(org.id, hub.id, tx)) : false;
        const status = initialStatus({
          byStaff,
          needsReview: standing.needsReview,
          approval: hub.settings.approval,
          firstTimeAtHub,
          amountPence: price?.amountPence ?? null,
          paysByInvoice: org.paysByInvoice,
        });
        return bookings.insert(
          {
            roomId: room.id,
            hubId: hub.id,
            organisationId: org.id,
            createdBy: actor.userId,
            title: input.title,
            attendees: input.attendees,
            contactPhone: input.contactPhone ?? org.contactPhone,
            startsAt,
            endsAt,
            blockedUntil,
            status,
            statusReason: status === 'requested' ? (standing.needsReview ? 'tier_review' : 'approval_required') : null,
            price,
          },
          tx,
        );
      });
      return presentBooking(created, hub.timezone, { roomName: room.name, hubName: hub.name, organisationName: org.name });
    },

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

    async cancel(actor: Actor, id: string, reason: string | undefined) {
      const b = await visibleOr404(actor, id);
      const { hub } = await roomWithHubOr404(b.roomId);
      const updated = await inTx(async (tx) => {
        const current = await bookings.getForUpdate(id, tx);
        if (!current || !BLOCKING.includes(current.status)) {
          throw unprocessable('invalid_status', `A ${current?.status ?? 'missing'} booking cannot be cancelled`);
        }
        return bookings.update(id, { status: 'cancelled', statusReason: reason ?? (isStaffOf(actor, b.hubId) ? 'cancelled_by_staff' : 'cancelled_by_hirer') }, tx);
      });
      return presentBooking(updated, hub.timezone);
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
        return bookings.update(id, { roomId: room.id, hubId: hub.id, startsAt, endsAt, blockedUntil }, tx);
      });
      return presentBooking(updated, hub.timezone, { roomName: room.name, hubName: hub.name });
    },

    async approve(actor: Actor, id: string) {
      const b = await visibleOr404(actor, id);
      if (!isStaffOf(actor, b.hubId)) throw forbidden('Only staff of the hub may approve bookings');
      const org = await organisations.get(b.organisationId);
      const { hub } = await roomWithHubOr404(b.roomId);
      const updated = await inTx(async (tx) => {
        const current = await bookings.getForUpdate(id, tx);
        if (!current || current.status !== 'requested') throw unprocessable('invalid_status', `Only a requested booking can be approved; this one is ${current?.status}`);
        const price = current.price as PriceSnapshot | null;
        const status = afterApproval({ amountPence: price?.amountPence ?? null, paysByInvoice: org?.paysByInvoice ?? false });
        return bookings.update(id, { status, statusReason: null }, tx);
      });
      return presentBooking(updated, hub.timezone);
    },

    async decline(actor: Actor, id: string, reason: string) {
      const b = await visibleOr404(actor, id);
      if (!isStaffOf(actor, b.hubId)) throw forbidden('Only staff of the hub may decline bookings');
      const { hub } = await roomWithHubOr404(b.roomId);
      const updated = await inTx(async (tx) => {
        const current = await bookings.getForUpdate(id, tx);
        if (!current || current.status !== 'requested') throw unprocessable('invalid_status', `Only a requested booking can be declined; this one is ${current?.status}`);
        return bookings.update(id, { status: 'declined', statusReason: reason }, tx);
      });
      return presentBooking(updated, hub.timezone);
    },

    /** Worker job: confirmed bookings whose end has passed become completed. */
    completeFinished: () => bookings.completeFinished(clock.now()),
  };
}
export type BookingsService = ReturnType<typeof createBookingsService>;
