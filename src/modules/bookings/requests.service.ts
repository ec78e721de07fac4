import { DateTime } from 'luxon';
import type { Db, DbOrTx } from '../../db/client';
import type { Clock } from '../../lib/clock';
import { forbidden, invalid, notFound, unprocessable } from '../../lib/errors';
import { type Actor, isStaffOf } from '../auth/actor';
import type { VenuesRepository } from '../venues/venues.repository';
import type { BookingRow, BookingsRepository } from './bookings.repository';
import type { HirerNotice } from './bookings.service';

/** The most requests the expiry job lapses in one run; the next run takes the rest. */
const EXPIRE_BATCH = 200;

/**
 * Requested bookings that wait for staff: they lapse when staff do not decide in time (the hub's
 * `requestExpiryHours`, never after their start), and staff may decline a whole series or
 * everything one organisation has requested at their hub at once.
 */
export function createRequestsService(deps: {
  db: Db;
  bookings: Pick<BookingsRepository, 'expireRequests' | 'requestedForUpdate' | 'setStatus'>;
  venues: Pick<VenuesRepository, 'getHub'>;
  clock: Clock;
  notify?: (notice: HirerNotice, tx: DbOrTx) => Promise<unknown>;
}) {
  const { db, bookings, venues, clock } = deps;

  const when = (b: BookingRow, zone: string) => DateTime.fromJSDate(b.startsAt, { zone }).setLocale('en-GB').toFormat('ccc d LLL HH:mm');

  /** One text per phone: `body(n, first)` for that phone's n bookings, the first of them given. */
  async function tellEach(rows: BookingRow[], kind: string, dedupe: string, body: (n: number, first: BookingRow) => string, tx: DbOrTx) {
    if (!deps.notify) return;
    const byPhone = new Map<string, BookingRow[]>();
    for (const r of rows) if (r.contactPhone) byPhone.set(r.contactPhone, [...(byPhone.get(r.contactPhone) ?? []), r]);
    for (const [to, list] of byPhone) {
      await deps.notify({ kind, to, body: body(list.length, list[0]), dedupeKey: `${kind}:${dedupe}:${list[0].id}`, hubId: list[0].hubId, bookingId: list[0].id }, tx);
    }
  }

  return {
    /** Job: requests past their expiry become expired (freeing the room), and their hirers are told. */
    async expireRequests(): Promise<number> {
      return db.transaction(async (tx) => {
        const expired = await bookings.expireRequests(clock.now(), EXPIRE_BATCH, tx);
        const zones = new Map<string, string>();
        for (const b of expired) {
          if (!zones.has(b.hubId)) zones.set(b.hubId, (await venues.getHub(b.hubId, tx))?.timezone ?? 'Europe/London');
        }
        for (const b of expired) {
          await tellEach([b], 'booking_request_expired', 'once', () => `Hubkey: your booking request "${b.title}" on ${when(b, zones.get(b.hubId)!)} lapsed before staff could decide; the room is free again. Book again if you still need it.`, tx);
        }
        return expired.length;
      });
    },

    /**
     * Staff decline every requested booking of one series, or of one organisation, at their hub,
     * with one reason; each hirer phone gets one text. Bookings at other hubs are not touched.
     */
    async declineMany(actor: Actor, hubId: string, input: { seriesId?: string; organisationId?: string; reason: string }) {
      if ((input.seriesId === undefined) === (input.organisationId === undefined)) {
        throw invalid('Give exactly one of seriesId and organisationId', [{ path: 'body.seriesId', message: 'give exactly one of seriesId and organisationId' }]);
      }
      const hub = await venues.getHub(hubId);
      if (!hub) throw notFound('Hub');
      if (!isStaffOf(actor, hubId)) throw forbidden('Only staff of this hub may decline its requests');
      const declined = await db.transaction(async (tx) => {
        const rows = (await bookings.requestedForUpdate(hubId, input, tx)).filter((r) => r.hubId === hubId && isStaffOf(actor, r.hubId));
        if (rows.length === 0) throw unprocessable('nothing_to_decline', 'No requested bookings of that series or organisation wait at this hub');
        const done = await bookings.setStatus(
          rows.map((r) => r.id),
          'declined',
          'declined_by_staff',
          tx,
          input.reason,
        );
        await tellEach(
          done,
          'booking_declined',
          `bulk:${clock.now().getTime()}`,
          (n, first) =>
            n === 1
              ? `Hubkey: your booking request "${first.title}" at ${hub.name} on ${when(first, hub.timezone)} was declined: ${input.reason}`
              : `Hubkey: ${n} booking requests at ${hub.name} (from ${when(first, hub.timezone)}) were declined: ${input.reason}`,
          tx,
        );
        return done;
      });
      return { declinedBookingIds: declined.sort((a, b) => a.startsAt.getTime() - b.startsAt.getTime()).map((r) => r.id) };
    },
  };
}
export type RequestsService = ReturnType<typeof createRequestsService>;
