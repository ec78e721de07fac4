import { pageOf, type PageArgs } from '../../db/keyset';
import type { Clock } from '../../lib/clock';
import type { Db, DbOrTx } from '../../db/client';
import { conflict, forbidden, invalid, notFound, unprocessable } from '../../lib/errors';
import { capRange, LIMITS } from '../../lib/limits';
import { type Interval, MINUTE, isValidZone, parseHubTime, parseRangeBound, toZonedIso } from '../../lib/time';
import type { Actor } from '../auth/actor';
import { isStaffOf } from '../auth/actor';
import { bookingHorizon, roomAvailability, withinOpeningHours } from './availability.fns';
import type { HubRow, RoomRow, VenuesRepository } from './venues.repository';
import { type HubSettings, type HubSettingsPatch, type OpeningHours, type OpeningHoursPatch, hubSettingsSchema, mergePatch, openingHoursSchema } from './venues.types';

/** The fields of a patch that were sent (an absent key and an undefined one are the same: not named). */
const definedOnly = <T extends object>(o: T): Partial<T> => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;

export const MAX_AVAILABILITY_DAYS = LIMITS.availabilityDays;

export interface HubInput {
  name: string;
  address: string;
  timezone?: string;
  openingHours: OpeningHours;
  settings?: Partial<HubSettings>;
}

/** A change of a hub: the fields named, the days of opening hours named, the settings named. */
export interface HubPatch {
  name?: string;
  address?: string;
  timezone?: string;
  openingHours?: OpeningHoursPatch;
  settings?: HubSettingsPatch;
  /** What to do with bookings the new opening hours leave outside them (default refuse). */
  onBookings?: 'refuse' | 'keep' | 'cancel';
  /** With onBookings cancel: the words texted to each hirer. */
  notice?: string;
}

/**
 * What a closure or a change of opening hours does with the bookings it displaces: the bookings
 * module cancels them (in the caller's transaction, full refund, texting `notice`), then after
 * commit revokes their codes and sends the refunds.
 */
export interface DisplacedBookings<R extends { id: string }, F> {
  cancel(actor: Actor, hub: HubRow, ids: string[], code: string, notice: string, tx: DbOrTx): Promise<R[]>;
  after(actor: Actor, rows: R[]): Promise<F[]>;
}

type Displaced = { id: string; roomId: string; status: string; title: string; organisationId: string; startsAt: Date; endsAt: Date };

export interface RoomInput {
  name: string;
  description?: string | null;
  capacity: number;
  features?: string[];
  bufferMinutes?: number;
  minBookingMinutes?: number;
  maxBookingMinutes?: number;
  active?: boolean;
  approval?: HubSettings['approval'] | null;
}

export const presentHub = (h: HubRow) => ({
  id: h.id,
  name: h.name,
  address: h.address,
  timezone: h.timezone,
  openingHours: h.openingHours,
  settings: h.settings,
});

export const presentRoom = (r: RoomRow) => ({
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
});

const iv = (i: Interval, zone: string) => ({ startsAt: toZonedIso(new Date(i.start), zone), endsAt: toZonedIso(new Date(i.end), zone) });

/** Prices the rooms a search found for one organisation (the pricing module); absent, search lists no prices. */
export type SearchQuoter<Q> = (
  actor: Actor | undefined,
  organisationId: string,
  places: { roomId: string; hubId: string; timezone: string }[],
  startsAt: Date,
  endsAt: Date,
) => Promise<{ tier: string; needsReview: boolean; quotes: (Q | null)[] }>;

export function createVenuesService<Q = unknown, R extends { id: string } = { id: string }, F = unknown>(deps: {
  db: Db;
  venues: VenuesRepository;
  clock: Clock;
  quoteRooms?: SearchQuoter<Q>;
  displaced?: DisplacedBookings<R, F>;
}) {
  const { venues } = deps;

  const presentDisplaced = (b: Displaced, zone: string) => ({ id: b.id, roomId: b.roomId, status: b.status, title: b.title, organisationId: b.organisationId, ...iv({ start: b.startsAt.getTime(), end: b.endsAt.getTime() }, zone) });

  /**
   * Staff's decision about bookings a change displaces, inside the change's transaction: refuse
   * (409 bookings_affected listing them, nothing changed), keep them, or cancel them.
   */
  async function decide(actor: Actor, hub: HubRow, affected: Displaced[], decision: 'refuse' | 'keep' | 'cancel', code: string, notice: string | undefined, tx: DbOrTx) {
    if (affected.length === 0 || decision === 'keep') return [] as R[];
    if (decision === 'refuse') {
      throw conflict('bookings_affected', `${affected.length} booking(s) would be displaced; send onBookings: "cancel" with a notice to cancel them with a full refund${code === 'hours_changed' ? ', or "keep" to keep them' : ''}`, {
        bookings: affected.map((b) => presentDisplaced(b, hub.timezone)),
      });
    }
    if (!notice) throw invalid('Say in notice why the bookings are cancelled: it is texted to each hirer', [{ path: 'body.notice', message: 'required with onBookings cancel' }]);
    if (!deps.displaced) throw unprocessable('cannot_cancel', 'Bookings cannot be cancelled here');
    return deps.displaced.cancel(actor, hub, affected.map((b) => b.id), code, notice, tx);
  }

  async function hubOr404(hubId: string) {
    const hub = await venues.getHub(hubId);
    if (!hub) throw notFound('Hub');
    return hub;
  }
  async function roomOr404(roomId: string) {
    const row = await venues.getRoomWithHub(roomId);
    if (!row) throw notFound('Room');
    return row;
  }
  function requireStaff(actor: Actor, hubId: string) {
    if (!isStaffOf(actor, hubId)) throw forbidden('Only staff of this hub may do this');
  }
  function checkRoomLengths(r: { minBookingMinutes: number; maxBookingMinutes: number }) {
    if (r.maxBookingMinutes < r.minBookingMinutes) {
      throw invalid('maxBookingMinutes must be at least minBookingMinutes', [{ path: 'body.maxBookingMinutes', message: 'below minBookingMinutes' }]);
    }
  }

  return {
    hubOr404,
    roomOr404,
    requireStaff,
    /** A page of hubs by name, then id. */
    async listHubs(p: PageArgs) {
      const { rows, next } = pageOf(await venues.pageHubs({ ...p, limit: p.limit + 1 }), p.limit, (h) => [h.name, h.id]);
      return { items: rows.map(presentHub), next };
    },
    getHub: async (hubId: string) => presentHub(await hubOr404(hubId)),

    async createHub(actor: Actor, input: HubInput) {
      if (!actor.isAdmin) throw forbidden('Only a network admin may create hubs');
      const timezone = input.timezone ?? 'Europe/London';
      if (!isValidZone(timezone)) throw invalid('timezone is not an IANA time zone', [{ path: 'body.timezone', message: 'unknown time zone' }]);
      const hub = await venues.insertHub({
        name: input.name,
        address: input.address,
        timezone,
        openingHours: input.openingHours,
        settings: hubSettingsSchema.parse(input.settings ?? {}),
      });
      return presentHub(hub);
    },

    /**
     * Changes exactly what the patch names: settings not named keep their values, days of opening
     * hours not named stay. New opening hours that leave upcoming bookings outside them are refused
     * (409 bookings_affected, listing them) unless staff say to keep or cancel those bookings.
     */
    async updateHub(actor: Actor, hubId: string, patch: HubPatch) {
      await hubOr404(hubId);
      requireStaff(actor, hubId);
      if (patch.timezone && !isValidZone(patch.timezone)) {
        throw invalid('timezone is not an IANA time zone', [{ path: 'body.timezone', message: 'unknown time zone' }]);
      }
      const result = await deps.db.transaction(async (tx) => {
        await venues.lockHub(hubId, tx);
        const hub = (await venues.getHub(hubId, tx))!;
        const settings = patch.settings ? hubSettingsSchema.parse(mergePatch(hub.settings, patch.settings)) : undefined;
        const openingHours = patch.openingHours ? openingHoursSchema.parse({ ...hub.openingHours, ...definedOnly(patch.openingHours) }) : undefined;
        const zone = patch.timezone ?? hub.timezone;
        let outside: Displaced[] = [];
        if (openingHours || (patch.timezone && patch.timezone !== hub.timezone)) {
          const hours = openingHours ?? hub.openingHours;
          const upcoming = await venues.blockingInHub(hubId, null, deps.clock.now(), null, tx);
          outside = upcoming.filter((b) => !withinOpeningHours(hours, zone, b.startsAt, b.endsAt));
        }
        const cancelled = await decide(actor, { ...hub, timezone: zone }, outside, patch.onBookings ?? 'refuse', 'hours_changed', patch.notice, tx);
        const updated = await venues.updateHub(
          hubId,
          { name: patch.name, address: patch.address, timezone: patch.timezone, openingHours, settings },
          tx,
        );
        return { updated, outside, cancelled };
      });
      const refunds = result.cancelled.length && deps.displaced ? await deps.displaced.after(actor, result.cancelled) : [];
      const cancelledIds = new Set(result.cancelled.map((r) => r.id));
      return {
        ...presentHub(result.updated),
        bookingsOutsideHours: result.outside.filter((b) => !cancelledIds.has(b.id)).map((b) => presentDisplaced(b, result.updated.timezone)),
        cancelledBookingIds: [...cancelledIds],
        refunds,
      };
    },

    async listMembers(actor: Actor, hubId: string, p: PageArgs) {
      await hubOr404(hubId);
      requireStaff(actor, hubId);
      const { rows, next } = pageOf(await venues.listMembers(hubId, { ...p, limit: p.limit + 1 }), p.limit, (m) => [m.name, m.role, m.userId]);
      return { items: rows, next };
    },

    async listRooms(hubId: string, includeInactive: boolean, p: PageArgs) {
      await hubOr404(hubId);
      const { rows, next } = pageOf(await venues.pageRooms(hubId, includeInactive, { ...p, limit: p.limit + 1 }), p.limit, (r) => [r.name, r.id]);
      return { items: rows.map(presentRoom), next };
    },
    getRoom: async (roomId: string) => presentRoom((await roomOr404(roomId)).room),

    async createRoom(actor: Actor, hubId: string, input: RoomInput) {
      await hubOr404(hubId);
      requireStaff(actor, hubId);
      const values = {
        hubId,
        name: input.name,
        description: input.description ?? null,
        capacity: input.capacity,
        features: [...new Set(input.features ?? [])].sort(),
        bufferMinutes: input.bufferMinutes ?? 0,
        minBookingMinutes: input.minBookingMinutes ?? 30,
        maxBookingMinutes: input.maxBookingMinutes ?? 720,
        active: input.active ?? true,
        approval: input.approval ?? null,
      };
      checkRoomLengths(values);
      return presentRoom(await venues.insertRoom(values));
    },

    async updateRoom(actor: Actor, roomId: string, patch: Partial<RoomInput>) {
      const { room } = await roomOr404(roomId);
      requireStaff(actor, room.hubId);
      const next = { ...room, ...Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined)) } as RoomRow;
      checkRoomLengths(next);
      const updated = await venues.updateRoom(roomId, {
        name: patch.name,
        description: patch.description,
        capacity: patch.capacity,
        features: patch.features ? [...new Set(patch.features)].sort() : undefined,
        bufferMinutes: patch.bufferMinutes,
        minBookingMinutes: patch.minBookingMinutes,
        maxBookingMinutes: patch.maxBookingMinutes,
        active: patch.active,
        approval: patch.approval,
      });
      return presentRoom(updated);
    },

    /**
     * Closes the hub or a room. A closure over bookings that hold the room (requested, awaiting
     * payment, confirmed) is refused with those bookings listed (409 bookings_affected) unless
     * staff send onBookings "cancel" with a notice: then each is cancelled with a full refund and
     * the notice texted to its hirer. A closure never silently overlaps a booking.
     */
    async createClosure(
      actor: Actor,
      hubId: string,
      input: { startsAt: string; endsAt: string; roomId?: string; reason: string; onBookings?: 'refuse' | 'cancel'; notice?: string },
    ) {
      const hub = await hubOr404(hubId);
      requireStaff(actor, hubId);
      const startsAt = parseHubTime(input.startsAt, hub.timezone, 'startsAt');
      const endsAt = parseHubTime(input.endsAt, hub.timezone, 'endsAt');
      if (endsAt <= startsAt) throw invalid('endsAt must be after startsAt', [{ path: 'body.endsAt', message: 'not after startsAt' }]);
      capRange(startsAt, endsAt, LIMITS.closureDays, 'body.endsAt', 'closure');
      if (input.roomId) {
        const room = await venues.getRoom(input.roomId);
        if (!room || room.hubId !== hubId) throw unprocessable('room_not_in_hub', 'That room is not in this hub');
      }
      const result = await deps.db.transaction(async (tx) => {
        // Bookings lock their room first; so does a closure, room by room in id order, so that no
        // booking can slip in between the check and the insert.
        const roomIds = input.roomId ? [input.roomId] : (await venues.listRooms(hubId, tx)).map((r) => r.id).sort();
        for (const rid of roomIds) await venues.lockRoom(rid, tx);
        const affected = await venues.blockingInHub(hubId, input.roomId ?? null, startsAt, endsAt, tx);
        const cancelled = await decide(actor, hub, affected, input.onBookings ?? 'refuse', 'hub_closed', input.notice ?? input.reason, tx);
        const closure = await venues.insertClosure({ hubId, roomId: input.roomId ?? null, startsAt, endsAt, reason: input.reason, createdBy: actor.userId }, tx);
        return { closure, affected, cancelled };
      });
      const refunds = result.cancelled.length && deps.displaced ? await deps.displaced.after(actor, result.cancelled) : [];
      return {
        ...presentClosure(result.closure, hub.timezone),
        affectedBookings: result.affected.map((b) => presentDisplaced(b, hub.timezone)),
        cancelledBookingIds: result.cancelled.map((r) => r.id),
        refunds,
      };
    },

    async listClosures(hubId: string, from: string | undefined, to: string | undefined, p: PageArgs) {
      const hub = await hubOr404(hubId);
      const now = deps.clock.now();
      const f = from ? parseRangeBound(from, hub.timezone, 'from', 'from') : now;
      const t = to ? parseRangeBound(to, hub.timezone, 'to', 'to') : new Date(f.getTime() + 366 * 24 * 60 * MINUTE);
      const { rows, next } = pageOf(await venues.listClosures(hubId, f, t, { ...p, limit: p.limit + 1 }), p.limit, (r) => [r.cursorAt, r.closure.id]);
      return { items: rows.map((r) => presentClosure(r.closure, hub.timezone)), next };
    },

    async deleteClosure(actor: Actor, closureId: string) {
      const closure = await venues.getClosure(closureId);
      if (!closure) throw notFound('Closure');
      requireStaff(actor, closure.hubId);
      await venues.deleteClosure(closureId);
    },

    async availability(roomId: string, fromRaw: string, toRaw: string) {
      const { room, hub } = await roomOr404(roomId);
      const from = parseRangeBound(fromRaw, hub.timezone, 'from', 'from');
      const to = parseRangeBound(toRaw, hub.timezone, 'to', 'to');
      if (to <= from) throw invalid('to must be after from', [{ path: 'querystring.to', message: 'not after from' }]);
      capRange(from, to, MAX_AVAILABILITY_DAYS, 'querystring.to', 'availability request');
      const widen = room.bufferMinutes * MINUTE;
      const [bookings, closures] = await Promise.all([
        venues.blockingBookings(roomId, from, new Date(to.getTime() + widen)),
        venues.closuresForRoom(hub.id, roomId, from, to),
      ]);
      const result = roomAvailability({
        hours: hub.openingHours,
        zone: hub.timezone,
        from,
        to,
        bookings,
        closures,
        bufferMinutes: room.bufferMinutes,
        minBookingMinutes: room.minBookingMinutes,
      });
      return {
        roomId,
        hubId: hub.id,
        timezone: hub.timezone,
        from: toZonedIso(from, hub.timezone),
        to: toZonedIso(to, hub.timezone),
        busy: result.busy.map((i) => iv(i, hub.timezone)),
        free: result.free.map((i) => iv(i, hub.timezone)),
      };
    },

    /** Free rooms across the network over one window. Opening hours are checked per hub, the rest in one SQL statement. */
    /** With organisationId (and a caller who may act for it), each room carries that organisation's quote. */
    async search(
      actor: Actor | undefined,
      q: { startsAt: string; endsAt: string; capacity?: number; features?: string[]; hubId?: string; organisationId?: string; limit: number },
    ) {
      // Only what search needs of each hub (venues.searchHubs), not their whole rows.
      const hubs = await venues.searchHubs(q.hubId);
      if (q.hubId && hubs.length === 0) throw notFound('Hub');
      // A window without an offset is read in the first hub's zone (the network's hubs share one in practice).
      const zone = hubs[0]?.timezone ?? 'Europe/London';
      const startsAt = parseHubTime(q.startsAt, zone, 'startsAt');
      const endsAt = parseHubTime(q.endsAt, zone, 'endsAt');
      if (endsAt <= startsAt) throw invalid('endsAt must be after startsAt', [{ path: 'querystring.endsAt', message: 'not after startsAt' }]);
      capRange(startsAt, endsAt, LIMITS.searchDays, 'querystring.endsAt', 'search window');
      // Only what could be booked: never in the past, and inside each hub's notice (staff of the
      // hub excepted) and advance limits.
      const now = deps.clock.now();
      if (startsAt.getTime() < now.getTime()) throw unprocessable('in_the_past', 'The window starts in the past; nothing can be booked then');
      // Hubs usually share their hours and zone; each distinct pair is read and worked out once
      // (the hours come as jsonb's text, so equal hours are equal strings).
      const openByRule = new Map<string, boolean>();
      const hubIds: string[] = [];
      for (const h of hubs) {
        const { earliest, latest } = bookingHorizon(h, now, actor ? isStaffOf(actor, h.id) : false);
        if (!(startsAt >= earliest && startsAt <= latest)) continue;
        const key = `${h.timezone}|${h.openingHours}`;
        let open = openByRule.get(key);
        if (open === undefined) openByRule.set(key, (open = withinOpeningHours(JSON.parse(h.openingHours) as OpeningHours, h.timezone, startsAt, endsAt)));
        if (open) hubIds.push(h.id);
      }
      // Each row is already the answer's item (presentRoom's keys and the hub's).
      const items = await venues.searchFreeRooms({ hubIds, startsAt, endsAt, capacity: q.capacity ?? 1, features: q.features ?? [], limit: q.limit });
      const window = { startsAt: toZonedIso(startsAt, zone), endsAt: toZonedIso(endsAt, zone) };
      if (!q.organisationId || !deps.quoteRooms) return { ...window, items };
      const priced = await deps.quoteRooms(
        actor,
        q.organisationId,
        items.map((r) => ({ roomId: r.id, hubId: r.hubId, timezone: r.hub.timezone })),
        startsAt,
        endsAt,
      );
      return { ...window, tier: priced.tier, needsReview: priced.needsReview, items: items.map((item, i) => ({ ...item, quote: priced.quotes[i] })) };
    },

  };
}
export type VenuesService<Q = unknown, R extends { id: string } = { id: string }, F = unknown> = ReturnType<typeof createVenuesService<Q, R, F>>;

export const presentClosure = (c: { id: string; hubId: string; roomId: string | null; startsAt: Date; endsAt: Date; reason: string }, zone: string) => ({
  id: c.id,
  hubId: c.hubId,
  roomId: c.roomId,
  startsAt: toZonedIso(c.startsAt, zone),
  endsAt: toZonedIso(c.endsAt, zone),
  reason: c.reason,
});

