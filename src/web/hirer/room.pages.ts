import type { FastifyInstance } from 'fastify';
import { DateTime } from 'luxon';
import type { Container } from '../../container';
import { DomainError } from '../../lib/errors';
import { text } from '../forms';
import { formatDate, formatTime, formatWhen } from '../format';
import { chooseOrganisation } from './find.pages';
import { localInstant, readSlot, slotQuery, slotTimes } from './slot';

const PAGE = { schema: { hide: true }, constraints: { page: 'html' } };
const DAYS = 7;

/** A room's page: what it has, its week of free and busy times as a table, and the price for my group. */
export async function roomPages(app: FastifyInstance, { container }: { container: Container }) {
  const { venues, pricing } = container.services;
  const { clock } = container;

  app.get<{ Params: { roomId: string }; Querystring: Record<string, unknown> }>('/rooms/:roomId', PAGE, async (request, reply) => {
    const { roomId } = request.params;
    if (!/^[0-9a-f-]{36}$/i.test(roomId)) throw new DomainError('not_found', 'not_found', 'Room not found');
    const room = await venues.getRoom(roomId);
    if (!room.active) throw new DomainError('not_found', 'not_found', 'Room not found');
    const hub = await venues.getHub(room.hubId);
    const zone = hub.timezone;
    const now = clock.now();
    const today = DateTime.fromJSDate(now, { zone }).startOf('day');

    // A searched time, carried from the results: the price for it, and the week it falls in.
    const { slot } = readSlot(request.query, zone, now);
    const people = text(request.query, 'people');
    const askedFrom = DateTime.fromISO(text(request.query, 'from') || slot?.date || '', { zone });
    const from = askedFrom.isValid && askedFrom >= today ? askedFrom.startOf('day') : today;
    const to = from.plus({ days: DAYS });
    const availability = await venues.availability(roomId, from.toISO()!, to.toISO()!);
    const days = Array.from({ length: DAYS }, (_, i) => {
      const day = from.plus({ days: i });
      const inDay = (list: { startsAt: string; endsAt: string }[]) =>
        list
          .filter((x) => DateTime.fromISO(x.startsAt, { zone }).hasSame(day, 'day'))
          .map((x) => `${formatTime(x.startsAt, zone)} to ${formatTime(x.endsAt, zone)}`);
      return { label: formatDate(day.toJSDate(), zone, { now }), free: inDay(availability.free), busy: inDay(availability.busy) };
    });

    const { organisation } = await chooseOrganisation(container, request.actor, text(request.query, 'org'));
    let quote: Awaited<ReturnType<typeof pricing.quote>> | null = null;
    if (slot && organisation && request.actor) {
      try {
        quote = await pricing.quote(request.actor, roomId, { organisationId: organisation.id, ...slotTimes(slot) });
      } catch (err) {
        if (!(err instanceof DomainError)) throw err;
      }
    }
    const carry = slot ? slotQuery(slot, { people: people || undefined, org: organisation?.id }) : '';
    const weekLink = (d: DateTime) => `/rooms/${roomId}?${new URLSearchParams({ ...Object.fromEntries(new URLSearchParams(carry)), from: d.toISODate()! })}`;
    return reply.view('hirer/views/room.njk', {
      title: `${room.name}, ${hub.name}`,
      room,
      hub,
      days,
      range: `${formatDate(from.toJSDate(), zone, { now })} to ${formatDate(to.minus({ days: 1 }).toJSDate(), zone, { now })}`,
      previous: from > today ? weekLink(DateTime.max(today, from.minus({ days: DAYS }))) : undefined,
      next: weekLink(to),
      slot: slot ? { when: formatWhen(localInstant(slotTimes(slot).startsAt, zone), localInstant(slotTimes(slot).endsAt, zone), zone, { now }) } : undefined,
      quote,
      organisation,
      bookLink: `/book/start?room=${roomId}${carry ? `&${carry}` : ''}`,
      backLink: slot ? `/?${carry}` : '/',
    });
  });
}
