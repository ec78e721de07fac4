import type { FastifyInstance } from 'fastify';
import { DateTime } from 'luxon';
import type { Container } from '../../container';
import { formatTime, formatWhen } from '../format';
import { staffOf } from './context';
import { STAFF_PAGE } from './page';
import { ROLE_NAMES, bookingTag, messageKind } from './words';

/**
 * Today at the hub: bookings in progress and coming up, who is expected on site (hirers and the
 * volunteers on the rota), the doors and their last entries, and the shifts of the next week
 * still short of volunteers.
 */
export async function todayPages(app: FastifyInstance, { container }: { container: Container }) {
  const { bookings, rota, doors, keypad, messages } = container.services;
  const { clock } = container;

  app.get('/staff/today', STAFF_PAGE, async (request, reply) => {
    const { actor, hub } = staffOf(request);
    const now = clock.now();
    const zone = hub.timezone;
    const today = DateTime.fromJSDate(now, { zone });
    const date = today.toISODate()!;
    const [day, shifts, doorList, entries, weekShifts, failedTexts, sentTexts] = await Promise.all([
      bookings.list(actor, { hubId: hub.id, from: date, to: date, status: ['requested', 'awaiting_payment', 'confirmed', 'completed'], limit: 200 }),
      rota.shifts.list(actor, hub.id, { from: today.startOf('day').toISO()!, to: today.plus({ days: 1 }).startOf('day').toISO()!, limit: 200 }),
      doors.listDoors(actor, hub.id, { limit: 100 }),
      keypad.listEntries(actor, hub.id, { limit: 10, newestFirst: true }),
      rota.shifts.list(actor, hub.id, { from: today.toISO()!, to: today.plus({ days: 7 }).toISO()!, limit: 500 }),
      messages.listMessages(actor, hub.id, { status: 'failed', limit: 50 }),
      messages.listMessages(actor, hub.id, { status: 'sent', limit: 200 }),
    ]);
    // Texts of the last 24 hours that did not reach the phone: failed, or sent and reported undelivered.
    const since = now.getTime() - 24 * 3600_000;
    const failed = [...failedTexts.items, ...sentTexts.items.filter((m) => m.error)]
      .filter((m) => new Date(m.queuedAt).getTime() >= since)
      .sort((a, b) => b.queuedAt.localeCompare(a.queuedAt));
    const t = now.getTime();
    const inProgress = day.items.filter((b) => new Date(b.startsAt).getTime() <= t && new Date(b.endsAt).getTime() > t && b.status === 'confirmed');
    const comingUp = day.items.filter((b) => new Date(b.startsAt).getTime() > t && b.status !== 'completed');
    const onTheRota = shifts.items.filter((s) => s.status !== 'cancelled' && new Date(s.endsAt).getTime() > t);
    const short = weekShifts.items.filter((s) => s.status !== 'cancelled' && s.filled < s.volunteersNeeded && new Date(s.startsAt).getTime() > t);
    const bookingRow = (b: (typeof day.items)[number]) => ({
      ...b,
      time: `${formatTime(b.startsAt, zone)} to ${formatTime(b.endsAt, zone)}`,
      tag: bookingTag(b.status),
    });
    return reply.view('staff/views/today.njk', {
      title: `Today at ${hub.name}`,
      navKey: 'today',
      dateText: today.setLocale('en-GB').toFormat('cccc d LLLL yyyy'),
      nowText: formatTime(now, zone),
      inProgress: inProgress.map(bookingRow),
      comingUp: comingUp.map(bookingRow),
      hirers: [...inProgress, ...comingUp].filter((b) => b.status === 'confirmed').map((b) => ({ name: b.organisationName, title: b.title, room: b.roomName, time: `${formatTime(b.startsAt, zone)} to ${formatTime(b.endsAt, zone)}`, phone: b.contactPhone })),
      volunteers: onTheRota.flatMap((s) =>
        s.volunteers.map((v) => ({ name: 'name' in v ? v.name : '', role: ROLE_NAMES[s.role] ?? s.role, time: `${formatTime(s.startsAt, zone)} to ${formatTime(s.endsAt, zone)}`, cover: v.coverRequested })),
      ),
      unfilledToday: onTheRota.filter((s) => s.filled < s.volunteersNeeded).length,
      failedTexts: failed.map((m) => ({ id: m.id, to: m.to, what: messageKind(m.kind), bookingId: m.bookingId, error: m.error, when: formatWhen(m.queuedAt, m.queuedAt, zone, { now }).replace(/ to .*$/, '') })),
      doors: doorList.items,
      entries: entries.items.map((e) => ({ ...e, when: formatWhen(e.at, e.at, zone, { now }).replace(/ to .*$/, '') })),
      short: short.map((s) => ({
        id: s.id,
        role: ROLE_NAMES[s.role] ?? s.role,
        when: formatWhen(s.startsAt, s.endsAt, zone, { now }),
        missing: s.volunteersNeeded - s.filled,
        filled: s.filled,
        needed: s.volunteersNeeded,
        fromBookings: s.source === 'booking',
      })),
    });
  });
}
