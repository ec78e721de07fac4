import type { FastifyInstance, FastifyRequest } from 'fastify';
import { DateTime } from 'luxon';
import type { Container } from '../../container';
import { DomainError } from '../../lib/errors';
import { type FieldErrors, errorList, readDate } from '../forms';
import { formatWhen, listInWords } from '../format';
import { notFound, staffOf } from './context';
import { STAFF_PAGE, UUID, pageCursor } from './page';
import { PROVIDER_NAMES, entryResult } from './words';

type EntryQuery = { 'from-day'?: string; 'from-month'?: string; 'from-year'?: string; 'to-day'?: string; 'to-month'?: string; 'to-year'?: string; door?: string; result?: string; cursor?: string };

/** Entries a page of the log shows, newest first. */
const ENTRIES_SHOWN = 100;

/**
 * Doors: which rooms each opens, its lock, a new device key for a keypad (shown once, on the page
 * the rotation answers, never stored), and the entry log with filters (dates, door, let in or
 * refused). A booking's code is stopped or re-issued from the booking's page, linked from each entry.
 */
export async function doorsPages(app: FastifyInstance, { container }: { container: Container }) {
  const { doors, keypad, venues } = container.services;
  const { clock } = container;

  app.get<{ Querystring: EntryQuery }>('/staff/doors', STAFF_PAGE, async (request, reply) => {
    const { actor, hub } = staffOf(request);
    const zone = hub.timezone;
    const now = clock.now();
    const q = request.query;
    const [doorList, rooms] = await Promise.all([doors.listDoors(actor, hub.id, { limit: 100 }), venues.listRooms(hub.id, true, { limit: 100 })]);
    const roomName = new Map(rooms.items.map((r) => [r.id, r.name]));
    const errors: FieldErrors = {};
    const anyDate = (p: string) => Boolean(q[`${p}-day` as keyof EntryQuery] || q[`${p}-month` as keyof EntryQuery] || q[`${p}-year` as keyof EntryQuery]);
    const from = anyDate('from') ? readDate(q, 'from') : undefined;
    const to = anyDate('to') ? readDate(q, 'to') : undefined;
    if (from?.error) errors.from = 'The “from” date must be a real date, for example 30 11 2026';
    if (to?.error) errors.to = 'The “to” date must be a real date, for example 30 11 2026';
    if (!errors.from && !errors.to && from?.iso && to?.iso && to.iso < from.iso) errors.to = 'The “to” date must be on or after the “from” date';
    const door = doorList.items.find((d) => d.id === q.door)?.id;
    const result = q.result === 'granted' || q.result === 'refused' ? q.result : '';
    const paging = pageCursor('/staff/doors', q);
    if (paging.bad) errors.from = 'That link to older entries has expired: choose dates, or show the newest entries';
    const ok = Object.keys(errors).length === 0;
    // The filters go to the database, newest first, a page at a time (older pages by ?cursor=).
    const entries = ok
      ? await keypad.listEntries(actor, hub.id, {
          from: from?.iso ? DateTime.fromISO(from.iso, { zone }).toISO()! : undefined,
          to: to?.iso ? DateTime.fromISO(to.iso, { zone }).plus({ days: 1 }).toISO()! : undefined,
          doorId: door,
          granted: result ? result === 'granted' : undefined,
          newestFirst: true,
          after: paging.after && { at: new Date(paging.after.at), id: paging.after.id },
          limit: ENTRIES_SHOWN,
        })
      : { items: [], next: undefined };
    const shown = entries.items;
    const dateValue = (p: 'from' | 'to') => ({ day: q[`${p}-day`] ?? '', month: q[`${p}-month`] ?? '', year: q[`${p}-year`] ?? '' });
    const dateItems = (p: 'from' | 'to') => {
      const v = dateValue(p);
      const cls = (w: number) => `govuk-input--width-${w}${errors[p] ? ' govuk-input--error' : ''}`;
      return [
        { name: 'day', label: 'Day', value: v.day, classes: cls(2), inputmode: 'numeric' },
        { name: 'month', label: 'Month', value: v.month, classes: cls(2), inputmode: 'numeric' },
        { name: 'year', label: 'Year', value: v.year, classes: cls(4), inputmode: 'numeric' },
      ];
    };
    return reply.status(ok ? 200 : 400).view('staff/views/doors.njk', {
      title: 'Doors',
      navKey: 'doors',
      doors: doorList.items.map((d) => ({ ...d, providerText: PROVIDER_NAMES[d.provider] ?? d.provider, roomsText: d.roomIds.length ? listInWords(d.roomIds.map((id) => roomName.get(id) ?? 'a room')) : 'No rooms' })),
      entries: shown.map((e) => ({ ...e, when: formatWhen(e.at, e.at, zone, { now }).replace(/ to .*$/, ''), resultText: entryResult(e.result) })),
      olderHref: entries.next ? paging.pageAfter([entries.next.at.toISOString(), entries.next.id]) : undefined,
      newestHref: paging.later ? paging.firstPage : undefined,
      filtered: Boolean(from || to || door || result),
      fromItems: dateItems('from'),
      toItems: dateItems('to'),
      doorItems: [{ value: '', text: 'All doors' }, ...doorList.items.map((d) => ({ value: d.id, text: d.name, selected: d.id === door }))],
      resultItems: [
        { value: '', text: 'Let in and refused', selected: !result },
        { value: 'granted', text: 'Only let in', selected: result === 'granted' },
        { value: 'refused', text: 'Only refused', selected: result === 'refused' },
      ],
      fieldErrors: errors,
      errors: ok ? undefined : errorList(errors, { from: 'from-day', to: 'to-day' }),
    });
  });

  async function doorOf(request: FastifyRequest<{ Params: { id: string } }>) {
    const { actor, hub } = staffOf(request);
    if (!UUID.test(request.params.id)) throw notFound('Door');
    const door = (await doors.listDoors(actor, hub.id, { limit: 100 })).items.find((d) => d.id === request.params.id);
    if (!door) throw notFound('Door');
    return { actor, door };
  }

  app.get<{ Params: { id: string } }>('/staff/doors/:id/key', STAFF_PAGE, async (request, reply) => {
    const { door } = await doorOf(request);
    if (door.provider !== 'keypad') throw notFound('Door');
    return reply.view('staff/views/door-key.njk', { title: `New device key for ${door.name}`, navKey: 'doors', door, backLink: '/staff/doors' });
  });

  // The new key is shown on the page this POST answers, once: it is not kept anywhere to show again.
  app.post<{ Params: { id: string } }>('/staff/doors/:id/key', STAFF_PAGE, async (request, reply) => {
    const { actor, door } = await doorOf(request);
    try {
      const { deviceKey } = await doors.rotateDeviceKey(actor, door.id);
      return reply.header('cache-control', 'no-store').view('staff/views/door-key.njk', { title: `New device key for ${door.name}`, navKey: 'doors', door, deviceKey });
    } catch (err) {
      if (err instanceof DomainError && err.kind === 'unprocessable') throw notFound('Door');
      throw err;
    }
  });
}
