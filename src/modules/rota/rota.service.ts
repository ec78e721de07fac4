import type { Db } from '../../db/client';
import { pageOf, type PageArgs } from '../../db/keyset';
import type { Clock } from '../../lib/clock';
import { forbidden, invalid, notFound, unprocessable } from '../../lib/errors';
import { DateTime } from 'luxon';
import { DAY_MS, parseHubTime, toZonedIso } from '../../lib/time';
import { type Actor, isStaffOf } from '../auth/actor';
import { expandWeekly } from '../bookings/recurrence.fns';
import type { HubRow, VenuesRepository } from '../venues/venues.repository';
import { type ShiftRole } from './rota.fns';
import type { PlaceOps } from './rota.places';
import type { RotaRepository, ShiftRow } from './rota.repository';
import { presentShift } from './rota.views';

export interface ShiftInput {
  role: ShiftRole;
  startsAt: string;
  endsAt: string;
  volunteersNeeded: number;
  title?: string;
  notes?: string;
  recurrence?: { weekdays: number[]; until?: string; count?: number };
}
export type ShiftPatch = Partial<Omit<ShiftInput, 'recurrence'>>;

/** Shifts: staff create, change and cancel them; staff and the hub's volunteers read them. */
export function createShiftsService(deps: { db: Db; rota: RotaRepository; venues: Pick<VenuesRepository, 'getHub'>; clock: Clock; places: PlaceOps }) {
  const { db, rota, venues, clock, places } = deps;

  async function hubOr404(actor: Actor, hubId: string, staffOnly: boolean): Promise<HubRow> {
    const hub = await venues.getHub(hubId);
    const member = hub && (isStaffOf(actor, hubId) || actor.volunteerHubs.has(hubId));
    if (!hub || !member) throw notFound('Hub');
    if (staffOnly && !isStaffOf(actor, hubId)) throw forbidden('Only staff of this hub may do this');
    return hub;
  }

  /** The shift and its hub, if the actor is staff or a volunteer of the hub; else 404. */
  async function shiftOr404(actor: Actor, id: string, staffOnly = false) {
    const shift = await rota.getShift(id);
    if (!shift) throw notFound('Shift');
    const hub = await venues.getHub(shift.hubId);
    if (!hub || !(isStaffOf(actor, hub.id) || actor.volunteerHubs.has(hub.id))) throw notFound('Shift');
    if (staffOnly && !isStaffOf(actor, hub.id)) throw forbidden('Only staff of this hub may do this');
    return { shift, hub };
  }

  async function view(actor: Actor, shift: ShiftRow, hub: HubRow) {
    return presentShift(actor, shift, hub.timezone, await rota.placesOf([shift.id]));
  }

  function window(hub: HubRow, startsAtRaw: string, endsAtRaw: string) {
    const startsAt = parseHubTime(startsAtRaw, hub.timezone, 'startsAt');
    const endsAt = parseHubTime(endsAtRaw, hub.timezone, 'endsAt');
    if (endsAt <= startsAt) throw invalid('endsAt must be after startsAt', [{ path: 'body.endsAt', message: 'not after startsAt' }]);
    if (endsAt.getTime() - startsAt.getTime() > DAY_MS) throw invalid('A shift lasts at most 24 hours', [{ path: 'body.endsAt', message: 'more than 24 hours after startsAt' }]);
    return { startsAt, endsAt };
  }

  return {
    shiftOr404,
    hubOr404,
    view,

    async create(actor: Actor, hubId: string, input: ShiftInput) {
      const hub = await hubOr404(actor, hubId, true);
      const { startsAt, endsAt } = window(hub, input.startsAt, input.endsAt);
      const base = { hubId, role: input.role, volunteersNeeded: input.volunteersNeeded, title: input.title ?? null, notes: input.notes ?? null, source: 'staff' as const, createdBy: actor.userId };
      if (!input.recurrence) {
        const [row] = await rota.insertShifts([{ ...base, startsAt, endsAt }]);
        return view(actor, row, hub);
      }
      const expansion = expandWeekly({ firstStart: startsAt, firstEnd: endsAt, weekdays: input.recurrence.weekdays, until: input.recurrence.until, count: input.recurrence.count, timezone: hub.timezone });
      const rule = { weekdays: input.recurrence.weekdays, until: input.recurrence.until ?? null, count: input.recurrence.count ?? null, timezone: hub.timezone, skipped: expansion.skipped };
      const { series, rows } = await db.transaction(async (tx) => {
        const series = await rota.insertSeries({ hubId, rule, createdBy: actor.userId }, tx);
        const rows = await rota.insertShifts(expansion.occurrences.map((o) => ({ ...base, seriesId: series.id, startsAt: o.startsAt, endsAt: o.endsAt })), tx);
        return { series, rows };
      });
      return {
        series: { id: series.id, hubId, rule },
        shifts: rows.map((r) => presentShift(actor, r, hub.timezone, [])),
      };
    },

    async get(actor: Actor, id: string) {
      const { shift, hub } = await shiftOr404(actor, id);
      return view(actor, shift, hub);
    },

    async list(actor: Actor, hubId: string, q: { from?: string; to?: string; open?: boolean; role?: ShiftRole } & PageArgs) {
      const hub = await hubOr404(actor, hubId, false);
      const from = q.from ? parseHubTime(q.from, hub.timezone, 'from') : new Date(clock.now().getTime() - DAY_MS);
      const to = q.to ? parseHubTime(q.to, hub.timezone, 'to') : new Date(from.getTime() + 35 * DAY_MS);
      if (to <= from) throw invalid('to must be after from', [{ path: 'querystring.to', message: 'not after from' }]);
      if (to.getTime() - from.getTime() > 400 * DAY_MS) throw invalid('Ask for at most 400 days at once', [{ path: 'querystring.to', message: 'more than 400 days after from' }]);
      const { rows, next } = pageOf(await rota.listShifts({ hubId, from, to, role: q.role, openOnly: q.open }, { after: q.after, limit: q.limit + 1 }), q.limit, (r) => [r.cursorAt, r.shift.id]);
      const all = await rota.placesOf(rows.map((r) => r.shift.id));
      return { next, items: rows.map((r) => presentShift(actor, r.shift, hub.timezone, all.filter((p) => p.signup.shiftId === r.shift.id))) };
    },

    /** Staff change a shift; its volunteers are texted when its time changes. Generated shifts take only title, notes and volunteersNeeded. */
    async update(actor: Actor, id: string, patch: ShiftPatch) {
      const { hub } = await shiftOr404(actor, id, true);
      const updated = await db.transaction(async (tx) => {
        const shift = (await rota.lockShift(id, tx))!;
        if (shift.state === 'cancelled') throw unprocessable('shift_cancelled', 'This shift is cancelled');
        if (shift.endsAt <= clock.now()) throw unprocessable('shift_started', 'This shift is over');
        const moves = patch.startsAt !== undefined || patch.endsAt !== undefined || patch.role !== undefined;
        if (moves && shift.source === 'booking') throw unprocessable('generated_shift', 'This shift follows its bookings: change the bookings or the staffed hours instead');
        if (moves && shift.startsAt <= clock.now()) throw unprocessable('shift_started', 'This shift has started; only its title, notes and places can change');
        const w = moves
          ? window(hub, patch.startsAt ?? toZonedIso(shift.startsAt, hub.timezone), patch.endsAt ?? toZonedIso(shift.endsAt, hub.timezone))
          : { startsAt: shift.startsAt, endsAt: shift.endsAt };
        const filled = await rota.filled(id, tx);
        if (patch.volunteersNeeded !== undefined && patch.volunteersNeeded < filled) {
          throw unprocessable('below_filled', `${filled} volunteers are on this shift; unassign some before needing fewer`, { filled });
        }
        const timeChanged = w.startsAt.getTime() !== shift.startsAt.getTime() || w.endsAt.getTime() !== shift.endsAt.getTime() || (patch.role !== undefined && patch.role !== shift.role);
        const row = await rota.updateShift(id, { ...w, role: patch.role ?? shift.role, volunteersNeeded: patch.volunteersNeeded ?? shift.volunteersNeeded, title: patch.title ?? shift.title, notes: patch.notes ?? shift.notes }, tx);
        if (timeChanged) {
          await rota.markCodesStale(id, tx);
          await places.tellPlaces(tx, row, hub, 'shift_changed', `Hubkey: your ${row.role} shift at ${hub.name} is now ${places.span(row, hub)}. Withdraw in the app if you cannot come.`);
        }
        await places.promoteWaiting(tx, row, hub);
        return row;
      });
      return view(actor, updated, hub);
    },

    /** Staff cancel a shift with a reason; everyone on it (and waiting for it) is texted. */
    async cancel(actor: Actor, id: string, reason: string) {
      const { hub } = await shiftOr404(actor, id, true);
      const row = await db.transaction(async (tx) => {
        const shift = (await rota.lockShift(id, tx))!;
        if (shift.state === 'cancelled') throw unprocessable('shift_cancelled', 'This shift is cancelled already');
        if (shift.endsAt <= clock.now()) throw unprocessable('shift_started', 'This shift is over');
        const row = await rota.updateShift(id, { state: 'cancelled', cancelReason: reason }, tx);
        await rota.markCodesStale(id, tx);
        await places.tellPlaces(tx, row, hub, 'shift_cancelled', `Hubkey: your ${row.role} shift at ${hub.name} on ${places.span(row, hub)} is cancelled: ${reason}`);
        return row;
      });
      return view(actor, row, hub);
    },

    /** Staff: the day's confirmed bookings at the hub that need cover and are not (fully) covered by a volunteer. */
    async uncovered(actor: Actor, hubId: string, date: string) {
      const hub = await hubOr404(actor, hubId, true);
      const local = DateTime.fromISO(date, { zone: hub.timezone });
      if (!local.isValid) throw invalid('date is not a date', [{ path: 'querystring.date', message: 'not a date' }]);
      const day = local.startOf('day').toJSDate();
      const end = local.plus({ days: 1 }).startOf('day').toJSDate();
      const list = await rota.bookingsOn(hubId, day, end);
      const covering = await rota.shiftsCovering(list.map((b) => b.id));
      return {
        date,
        items: list
          .map((b) => {
            const mine = covering.filter((c) => c.shift.bookingIds.includes(b.id));
            return {
              bookingId: b.id,
              title: b.title,
              roomName: b.roomName,
              startsAt: toZonedIso(b.startsAt, hub.timezone),
              endsAt: toZonedIso(b.endsAt, hub.timezone),
              shifts: mine.map((c) => ({ id: c.shift.id, role: c.shift.role, volunteersNeeded: c.shift.volunteersNeeded, filled: c.filled })),
              covered: mine.length > 0 && mine.every((c) => c.filled >= c.shift.volunteersNeeded),
              needsCover: mine.length > 0,
            };
          })
          .filter((b) => b.needsCover && !b.covered),
      };
    },

    /** Staff: who is expected in the building now: volunteers on shift and bookings in progress. */
    async onSite(actor: Actor, hubId: string) {
      const hub = await hubOr404(actor, hubId, true);
      const now = clock.now();
      const [onShift, inProgress] = await Promise.all([rota.onShiftNow(hubId, now), rota.bookingsOn(hubId, now, new Date(now.getTime() + 1))]);
      return {
        at: toZonedIso(now, hub.timezone),
        volunteers: onShift.map((v) => ({ userId: v.userId, name: v.name, phone: v.phone, shiftId: v.shift.id, role: v.shift.role, startsAt: toZonedIso(v.shift.startsAt, hub.timezone), endsAt: toZonedIso(v.shift.endsAt, hub.timezone) })),
        bookings: inProgress.map((b) => ({ bookingId: b.id, title: b.title, roomName: b.roomName, contactPhone: b.contactPhone, startsAt: toZonedIso(b.startsAt, hub.timezone), endsAt: toZonedIso(b.endsAt, hub.timezone) })),
      };
    },
  };
}
export type ShiftsService = ReturnType<typeof createShiftsService>;
