import type { Db } from '../../db/client';
import type { Clock } from '../../lib/clock';
import type { CodeCipher } from '../../lib/crypto';
import { DomainError, notFound, unprocessable } from '../../lib/errors';
import { MINUTE, toZonedIso } from '../../lib/time';
import { type Actor, isMemberOfOrg, isStaffOf } from '../auth/actor';
import type { BookingRow, BookingsRepository } from '../bookings/bookings.repository';
import type { OutboxService } from '../notifications/outbox.service';
import type { VenuesRepository } from '../venues/venues.repository';
import { codeWindow, isCodeValidAt } from './access.fns';
import { LIVE_LOCK_STATES, type CodeMessages } from './access.messages';
import type { AccessCodeRow, AccessRepository, LockState } from './access.repository';
import type { CodesService } from './codes.service';

export type AccessStatus = AccessCodeRow['status'] | 'scheduled' | 'pending' | 'none';

/** A booking's access as its hirer and staff see it (GET /bookings/:id/access), and the hirer's resend. */
export function createBookingAccessService(deps: {
  db: Pick<Db, 'transaction'>;
  access: Pick<AccessRepository, 'codesForBooking' | 'codeDoors' | 'doorsForRoom' | 'claimResend'>;
  bookings: Pick<BookingsRepository, 'get'>;
  venues: Pick<VenuesRepository, 'getRoomWithHub'>;
  outbox: Pick<OutboxService, 'enqueue' | 'checkLimit'>;
  codes: Pick<CodesService, 'deliver'>;
  messages: CodeMessages;
  cipher: Pick<CodeCipher, 'decrypt'>;
  clock: Clock;
}) {
  const { db, access, bookings, venues, outbox, codes, messages, cipher, clock } = deps;

  async function bookingVisibleOr404(actor: Actor, bookingId: string) {
    const b = await bookings.get(bookingId);
    if (!b || !(isStaffOf(actor, b.hubId) || isMemberOfOrg(actor, b.organisationId))) throw notFound('Booking');
    return b;
  }

  async function presentAccess(actor: Actor, b: BookingRow) {
    const row = await venues.getRoomWithHub(b.roomId);
    if (!row) throw notFound('Room');
    const { hub } = row;
    const codeRows = await access.codesForBooking(b.id);
    // The live code; else the last one if it ended for good (a replaced code's successor is on its way).
    const current = codeRows.find((c) => c.status === 'active') ?? (codeRows[0] && codeRows[0].status !== 'replaced' ? codeRows[0] : undefined);
    const w = codeWindow({ startsAt: b.startsAt, endsAt: b.endsAt, ...hub.settings });
    const now = clock.now();
    const roomDoors = current ? [] : await access.doorsForRoom(b.roomId);
    const doorsOut = current
      ? (await access.codeDoors(current.id)).map((l) => ({ id: l.door.id, name: l.door.name, provider: l.door.provider, works: l.link.active && LIVE_LOCK_STATES.includes(l.link.lockState), lockStatus: l.link.lockState }))
      : roomDoors.map((d) => ({ id: d.id, name: d.name, provider: d.provider, works: false, lockStatus: 'none' as LockState }));
    // A code past its window is expired even before the job marks it so.
    const codeStatus = current && current.status === 'active' && now >= current.validUntil ? 'expired' : current?.status;
    const status: AccessStatus = codeStatus ?? (b.status === 'confirmed' && roomDoors.length ? (now < w.issueAt ? 'scheduled' : 'pending') : 'none');
    const validFrom = current?.validFrom ?? w.validFrom;
    const validUntil = current?.validUntil ?? w.validUntil;
    const showCode = Boolean(current && current.status === 'active' && isMemberOfOrg(actor, b.organisationId) && isCodeValidAt({ validFrom, validUntil }, now));
    return {
      bookingId: b.id,
      accessCodeId: current?.id ?? null,
      status,
      validFrom: toZonedIso(validFrom, hub.timezone),
      validUntil: toZonedIso(validUntil, hub.timezone),
      issueAt: toZonedIso(w.issueAt, hub.timezone),
      sentAt: current?.sentAt ? toZonedIso(current.sentAt, hub.timezone) : null,
      deliveryStatus: current?.deliveryStatus ?? null,
      deliveryError: current?.deliveryError ?? null,
      doors: doorsOut,
      ...(showCode ? { code: cipher.decrypt(current!.codeCipher) } : {}),
    };
  }

  return {
    async getBookingAccess(actor: Actor, bookingId: string) {
      return presentAccess(actor, await bookingVisibleOr404(actor, bookingId));
    },

    /** Texts the current code to the booking's contact again (at most once a minute). */
    async resend(actor: Actor, bookingId: string) {
      const b = await bookingVisibleOr404(actor, bookingId);
      const c = (await access.codesForBooking(b.id)).find((x) => x.status === 'active');
      const now = clock.now();
      if (!c || now >= c.validUntil) throw unprocessable('no_access_code', 'This booking has no door code to send yet');
      if (!c.phone) throw unprocessable('no_contact_phone', 'The booking has no contact phone');
      if (!c.queuedAt) {
        await codes.deliver(c.id);
      } else {
        const waitMs = c.queuedAt.getTime() + MINUTE - now.getTime();
        if (waitMs > 0) {
          const retryAfterSeconds = Math.ceil(waitMs / 1000);
          throw new DomainError('too_many', 'resend_too_soon', `The code was sent less than a minute ago; try again in ${retryAfterSeconds} s`, { retryAfterSeconds });
        }
        const message = await messages.compose(c);
        // Past the texting limits the resend is refused (429 with when to try again); nothing changes.
        await outbox.checkLimit({ kind: 'access_code_resend', to: c.phone, body: message!.body, hubId: c.hubId, bookingId: b.id });
        await db.transaction(async (tx) => {
          // Of resends at once, one is sent: the others read the time it set, and wait a minute.
          if (!(await access.claimResend(c.id, now, new Date(now.getTime() - MINUTE), tx))) {
            throw new DomainError('too_many', 'resend_too_soon', 'The code was sent less than a minute ago; try again in 60 s', { retryAfterSeconds: 60 });
          }
          await outbox.enqueue({ kind: 'access_code_resend', to: c.phone!, body: message!.body, hubId: c.hubId, bookingId: b.id, accessCodeId: c.id, dedupeKey: `resend:${c.id}:${now.toISOString()}` }, tx, { overLimit: 'refuse' });
        });
      }
      return presentAccess(actor, (await bookings.get(b.id))!);
    },
  };
}
export type BookingAccessService = ReturnType<typeof createBookingAccessService>;
