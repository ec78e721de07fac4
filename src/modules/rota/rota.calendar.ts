import ical, { ICalAlarmType, ICalCalendarMethod, ICalEventStatus } from 'ical-generator';
import { randomBytes } from 'node:crypto';
import type { Clock } from '../../lib/clock';
import type { CodeCipher } from '../../lib/crypto';
import { hashSecret } from '../../lib/crypto';
import { notFound } from '../../lib/errors';
import { DAY_MS } from '../../lib/time';
import type { Actor } from '../auth/actor';
import { sequenceOf } from './rota.fns';
import type { RotaRepository } from './rota.repository';

/**
 * The secret calendar feed: a volunteer's shifts and their organisations' bookings. The token is
 * 32 random bytes; only its hash is looked up, and a ciphertext lets `GET /me/calendar-url` show
 * the same URL again. Rotating replaces both, so the old URL stops working.
 */
export function createRotaCalendar(deps: { rota: RotaRepository; clock: Clock; cipher: Pick<CodeCipher, 'encrypt' | 'decrypt'>; publicUrl: string; uidDomain: string }) {
  const { rota, clock, cipher } = deps;
  const urlOf = (token: string) => `${deps.publicUrl.replace(/\/$/, '')}/calendar/${token}.ics`;

  async function rotate(userId: string) {
    const token = randomBytes(32).toString('base64url');
    await rota.setCalendarToken(userId, hashSecret(token), cipher.encrypt(token));
    return { url: urlOf(token) };
  }

  return {
    async url(actor: Actor) {
      const row = await rota.calendarToken(actor.userId);
      return row ? { url: urlOf(cipher.decrypt(row.tokenCipher)) } : rotate(actor.userId);
    },
    rotate: (actor: Actor) => rotate(actor.userId),

    /** The feed (RFC 5545): UTC times, stable UIDs, SEQUENCE rising with every change, cancellations kept. */
    async feed(token: string): Promise<string> {
      const userId = /^[A-Za-z0-9_-]{43}$/.test(token) ? await rota.userByCalendarHash(hashSecret(token)) : undefined;
      if (!userId) throw notFound('Calendar');
      const now = clock.now().getTime();
      const from = new Date(now - 60 * DAY_MS);
      const to = new Date(now + 400 * DAY_MS);
      const [places, bookings] = await Promise.all([rota.feedPlaces(userId, from, to), rota.feedBookings(userId, from, to)]);
      const cal = ical({ name: 'Hubkey', prodId: { company: 'Hubkey', product: 'rota', language: 'EN' }, method: ICalCalendarMethod.PUBLISH, ttl: 3600 });
      // One event per shift: a place I left shows as cancelled unless I hold another place on it.
      const byShift = new Map<string, (typeof places)[number]>();
      for (const p of places) {
        const seen = byShift.get(p.shift.id);
        if (!seen || p.signup.status === 'confirmed' || (seen.signup.status !== 'confirmed' && p.signup.updatedAt > seen.signup.updatedAt)) byShift.set(p.shift.id, p);
      }
      for (const p of byShift.values()) {
        const cancelled = p.shift.state === 'cancelled' || p.signup.status !== 'confirmed';
        cal.createEvent({
          id: `shift-${p.shift.id}@${deps.uidDomain}`,
          start: p.shift.startsAt,
          end: p.shift.endsAt,
          stamp: new Date(now),
          summary: `${p.shift.role[0].toUpperCase()}${p.shift.role.slice(1)} shift${p.shift.title ? `: ${p.shift.title}` : ''}`,
          location: `${p.hubName}, ${p.hubAddress}`,
          description: p.shift.notes ?? undefined,
          sequence: sequenceOf(p.shift.updatedAt, p.signup.updatedAt),
          status: cancelled ? ICalEventStatus.CANCELLED : ICalEventStatus.CONFIRMED,
          alarms: cancelled ? [] : [{ type: ICalAlarmType.display, triggerBefore: 60 * 60, description: 'Shift in an hour' }],
        });
      }
      for (const b of bookings) {
        const cancelled = b.booking.status === 'cancelled';
        cal.createEvent({
          id: `booking-${b.booking.id}@${deps.uidDomain}`,
          start: b.booking.startsAt,
          end: b.booking.endsAt,
          stamp: new Date(now),
          summary: `${b.booking.title} (${b.roomName})`,
          location: `${b.roomName}, ${b.hubName}, ${b.hubAddress}`,
          sequence: sequenceOf(b.booking.updatedAt),
          status: cancelled ? ICalEventStatus.CANCELLED : b.booking.status === 'confirmed' || b.booking.status === 'completed' ? ICalEventStatus.CONFIRMED : ICalEventStatus.TENTATIVE,
          alarms: cancelled ? [] : [{ type: ICalAlarmType.display, triggerBefore: 60 * 60, description: 'Booking in an hour' }],
        });
      }
      return cal.toString();
    },
  };
}
export type RotaCalendar = ReturnType<typeof createRotaCalendar>;
