import type { Db, Tx } from '../../db/client';
import type { Clock } from '../../lib/clock';
import { DAY_MS, mergeIntervals } from '../../lib/time';
import type { BookingRow } from '../bookings/bookings.repository';
import type { HubRow } from '../venues/venues.repository';
import { neededShifts, reconcileShifts, rotaRules } from './rota.fns';
import type { PlaceOps } from './rota.places';
import { type FollowRead, type FollowWindow, type RotaRepository, followWindowOf } from './rota.repository';

/** How far ahead generated shifts are kept (bookings cannot be made further ahead than this). */
const HORIZON_MS = 3 * 366 * DAY_MS;
/**
 * How far beyond the changed span the first read reaches: the rounds that widen the window to whole
 * chains then mostly run on rows already read (one statement instead of one a round); a chain
 * reaching further is read again.
 */
const READ_MARGIN_MS = DAY_MS;
/** Rounds of widening the window to whole chains of bookings; a chain longer than this many rounds is finished on the next run. */
const MAX_ROUNDS = 50;

/**
 * Shifts made from bookings. Triggers leave the spans of the calendar that changed in
 * rota_pending (in the booking's own transaction); `regenerate` claims them under the hub's lock,
 * widens each span to the whole chains of bookings and generated shifts it touches, works out the
 * shifts those chains need (rota.fns.ts) and brings the existing ones into line. It costs what the
 * change touches, not the hub's whole calendar.
 */
export function createGeneratedShifts(deps: { db: Db; rota: RotaRepository; clock: Clock; places: PlaceOps }) {
  const { db, rota, clock, places } = deps;

  async function regenerate(hubId: string): Promise<number> {
    return db.transaction(async (tx) => {
      const hub = await rota.lockHub(hubId, tx);
      const spans = await rota.takePending(hubId, tx);
      if (!hub || !spans.length) return 0;
      const now = clock.now().getTime();
      // The hub trigger writes ±infinity (the whole calendar), which the driver reads as an invalid Date.
      const ms = (d: unknown, inf: number) => {
        const t = d instanceof Date ? d.getTime() : NaN;
        return Number.isFinite(t) ? t : inf;
      };
      // Each group of nearby changed spans is followed on its own: two changes months apart cost two small windows, not the months between.
      const clipped = spans
        .map((s) => ({ start: Math.max(now, ms(s.fromAt, -Infinity)), end: Math.min(now + HORIZON_MS, ms(s.toAt, Infinity)) }))
        .filter((s) => s.start < s.end);
      let changed = 0;
      for (const span of mergeIntervals(clipped.map((s) => ({ start: s.start, end: s.end + DAY_MS }))).map((s) => ({ start: s.start, end: s.end - DAY_MS }))) {
        changed += await follow(tx, hub, Math.min(span.start, span.end), Math.max(span.start, span.end));
      }
      return changed;
    });
  }

  /** Brings the generated shifts of the chains touching [from, to] into line with their bookings. */
  async function follow(tx: Tx, hub: HubRow, start: number, end: number): Promise<number> {
    const hubId = hub.id;
    const now = clock.now();
    const rules = rotaRules(hub.settings);
    const before = rules.coverBeforeMinutes * 60_000;
    const after = rules.coverAfterMinutes * 60_000;
    let from = start;
    let to = end;
    let existing: FollowWindow['shifts'] = [];
    let bookings: FollowWindow['bookings'] = [];
    let read: FollowRead | undefined;
    for (let round = 0; round < MAX_ROUNDS; round++) {
      let win = read && followWindowOf(read, from, to);
      if (!win) {
        read = await rota.followRead(hubId, from - READ_MARGIN_MS, to + READ_MARGIN_MS, rules.coverBeforeMinutes, rules.coverAfterMinutes, tx);
        win = followWindowOf(read, from, to)!;
      }
      ({ shifts: existing, bookings } = win);
      const nf = Math.min(from, ...existing.map((e) => e.startsAt.getTime()), ...bookings.map((b) => b.startsAt.getTime() - before));
      const nt = Math.max(to, ...existing.map((e) => e.endsAt.getTime()), ...bookings.map((b) => b.endsAt.getTime() + after));
      if (nf === from && nt === to) break;
      from = nf;
      to = nt;
    }
    const needed = neededShifts({ bookings, staffedHours: hub.settings.staffedHours, zone: hub.timezone, rules }).filter((n) => n.startsAt > now);
    const current = existing.filter((e) => e.startsAt > now);
    const plan = reconcileShifts(current, needed);
    await rota.insertShifts(
      plan.create.map((n) => ({ hubId, role: n.role, startsAt: n.startsAt, endsAt: n.endsAt, bookingIds: n.bookingIds, volunteersNeeded: 1, source: 'booking' as const })),
      tx,
    );
    for (const u of plan.update) {
      const was = current.find((c) => c.id === u.id)!;
      const row = await rota.updateShift(u.id, { startsAt: u.startsAt, endsAt: u.endsAt, bookingIds: u.bookingIds }, tx);
      if (was.startsAt.getTime() !== u.startsAt.getTime() || was.endsAt.getTime() !== u.endsAt.getTime()) {
        await rota.markCodesStale(u.id, tx);
        await places.tellPlaces(tx, row, hub, 'shift_changed', `Hubkey: the bookings changed, so your ${row.role} shift at ${hub.name} is now ${places.span(row, hub)}. Withdraw in the app if you cannot come.`);
      }
    }
    for (const id of plan.cancel) {
      const row = await rota.updateShift(id, { state: 'cancelled', cancelReason: 'The bookings it covered changed or were cancelled' }, tx);
      await rota.markCodesStale(id, tx);
      await places.tellPlaces(tx, row, hub, 'shift_cancelled', `Hubkey: your ${row.role} shift at ${hub.name} on ${places.span(row, hub)} is no longer needed (the bookings changed). Thank you!`);
    }
    return plan.create.length + plan.update.length + plan.cancel.length;
  }

  return {
    regenerate,
    /** After a booking change commits: catch its hub up now (the job does it anyway if this fails). */
    async bookingChanged(bookingId: string) {
      const hubId = await rota.hubOfBookingWithPending(bookingId);
      if (hubId) await regenerate(hubId);
    },
    /**
     * After new bookings commit, with the hub their transaction held (share-locked, so its settings
     * were the ones the insert trigger saw): the trigger queued spans only for confirmed (or
     * completed) bookings at a hub with staffed hours, so only then is there anything to follow,
     * and the hub is known: no read to find it. Spans queued by anything else are the job's.
     */
    async bookingsCreated(rows: Pick<BookingRow, 'status'>[], hub: Pick<HubRow, 'id' | 'settings'>) {
      if (Object.hasOwn(hub.settings, 'staffedHours') && rows.some((r) => r.status === 'confirmed' || r.status === 'completed')) await regenerate(hub.id);
    },
    /** Job: every hub with pending spans. */
    async drainPending(): Promise<number> {
      let n = 0;
      for (const hubId of await rota.pendingHubs(200)) n += await regenerate(hubId);
      return n;
    },
  };
}
export type GeneratedShifts = ReturnType<typeof createGeneratedShifts>;
