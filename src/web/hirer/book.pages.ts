import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { DateTime } from 'luxon';
import type { Container } from '../../container';
import { DomainError } from '../../lib/errors';
import type { SeriesConflict } from '../../modules/bookings/bookings.service';
import { checkBookingRules } from '../../modules/bookings/bookings.fns';
import { withinOpeningHours } from '../../modules/venues/availability.fns';
import type { HubSettings, OpeningHours } from '../../modules/venues/venues.types';
import { type FieldErrors, dateParts, errorList, flash, readDate, signedIn, text, toE164 } from '../forms';
import { formatLocalDate, formatWhen, plural } from '../format';
import { readPeople } from './find.pages';
import { refusal, ruleMessage } from './rules';
import { localInstant, readSlot, type Slot, slotTimes, slotValues, whenFields } from './slot';

const PAGE = { schema: { hide: true } };
/** A weekly series books at most this many dates (the bookings service's limit). */
const MAX_WEEKS = 104;

/** The booking being made, kept in the session between the questions. */
export interface Draft {
  roomId: string;
  date?: string;
  start?: string;
  end?: string;
  repeat?: 'once' | 'weekly';
  until?: string;
  title?: string;
  people?: number;
  organisationId?: string;
  phone?: string;
  conflicts?: SeriesConflict[];
}

/** The dates of a weekly series from its first date until a date, inclusive. */
export function weeklyDates(first: string, until: string): string[] {
  const out: string[] = [];
  for (let d = DateTime.fromISO(first, { zone: 'UTC' }); d.toISODate()! <= until && out.length < MAX_WEEKS + 1; d = d.plus({ weeks: 1 })) out.push(d.toISODate()!);
  return out;
}

/** Book: when, how often, what for, check answers, confirm; conflicts of a series by date with the choice to book the rest. */
export async function bookPages(app: FastifyInstance, { container }: { container: Container }) {
  const { venues, bookings, pricing, auth } = container.services;
  const { clock } = container;

  /** The draft, its room and hub, and who is booking; or a redirect (sign in, or start again). */
  async function context(request: FastifyRequest, reply: FastifyReply) {
    const actor = signedIn(request, reply);
    if (!actor) return undefined;
    const draft = request.session.get('draft') as Draft | undefined;
    if (!draft?.roomId) {
      void reply.redirect('/', 303);
      return undefined;
    }
    const room = await venues.getRoom(draft.roomId);
    const hub = await venues.getHub(room.hubId);
    return { actor, draft, room, hub };
  }
  type Ctx = NonNullable<Awaited<ReturnType<typeof context>>>;
  const save = (request: FastifyRequest, draft: Draft) => request.session.set('draft', draft as unknown as Record<string, unknown>);
  const slotOf = (d: Draft): Slot | undefined => (d.date && d.start && d.end ? { date: d.date, start: d.start, end: d.end } : undefined);

  app.get<{ Querystring: Record<string, unknown> }>('/book/start', PAGE, async (request, reply) => {
    const actor = signedIn(request, reply);
    if (!actor) return reply;
    const roomId = text(request.query, 'room');
    if (!/^[0-9a-f-]{36}$/i.test(roomId)) throw new DomainError('not_found', 'not_found', 'Room not found');
    const room = await venues.getRoom(roomId);
    const hub = await venues.getHub(room.hubId);
    const me = await auth.me(actor.userId);
    if (!me.organisations.length) {
      return reply.redirect(`/account/organisations/new?next=${encodeURIComponent(request.url)}`, 303);
    }
    const { slot } = readSlot(request.query, hub.timezone, clock.now());
    const people = readPeople(request.query, {});
    const org = me.organisations.find((o) => o.id === text(request.query, 'org'));
    save(request, { roomId, ...(slot ?? {}), people, organisationId: org?.id ?? (me.organisations.length === 1 ? me.organisations[0].id : undefined), phone: me.phone ?? undefined });
    return reply.redirect('/book/when', 303);
  });

  // --- When ---------------------------------------------------------------------------------
  function renderWhen(reply: FastifyReply, c: Ctx, values: ReturnType<typeof slotValues>, errors: FieldErrors) {
    return reply.status(Object.keys(errors).length ? 400 : 200).view('hirer/views/book-when.njk', {
      title: `When do you want ${c.room.name}?`,
      room: c.room,
      hub: c.hub,
      when: whenFields(values, errors),
      fieldErrors: errors,
      errors: errorList(errors, { date: 'date-day' }),
      backLink: `/rooms/${c.room.id}`,
    });
  }

  app.get('/book/when', PAGE, async (request, reply) => {
    const c = await context(request, reply);
    if (!c) return reply;
    return renderWhen(reply, c, slotValues(c.draft), {});
  });

  app.post<{ Body: Record<string, unknown> }>('/book/when', PAGE, async (request, reply) => {
    const c = await context(request, reply);
    if (!c) return reply;
    const now = clock.now();
    const { slot, values, errors } = readSlot(request.body, c.hub.timezone, now);
    if (slot) {
      const startsAt = localInstant(slotTimes(slot).startsAt, c.hub.timezone);
      const endsAt = localInstant(slotTimes(slot).endsAt, c.hub.timezone);
      const breach = checkBookingRules({
        startsAt,
        endsAt,
        now,
        attendees: 1,
        capacity: c.room.capacity,
        minBookingMinutes: c.room.minBookingMinutes,
        maxBookingMinutes: c.room.maxBookingMinutes,
        settings: c.hub.settings as HubSettings,
        byStaff: false,
        withinOpeningHours: () => withinOpeningHours(c.hub.openingHours as OpeningHours, c.hub.timezone, startsAt, endsAt),
      });
      if (breach) errors[breach.code === 'too_short' || breach.code === 'too_long' ? 'end' : breach.code === 'too_far_ahead' ? 'date' : 'start'] = ruleMessage(breach.code, breach.detail, c.room);
    }
    if (!slot || Object.keys(errors).length) return renderWhen(reply, c, values, errors);
    save(request, { ...c.draft, ...slot, conflicts: undefined, until: c.draft.until && c.draft.until > slot.date ? c.draft.until : undefined });
    return reply.redirect('/book/repeat', 303);
  });

  // --- Once or every week; until when -------------------------------------------------------------
  // Two questions on two pages rather than a conditional reveal: the reveal's aria-expanded on a
  // radio is not allowed by ARIA (axe's aria-allowed-attr), and one question a page is the pattern.
  const weekdayOf = (date: string) => DateTime.fromISO(date).toFormat('cccc', { locale: 'en-GB' });

  function renderRepeat(reply: FastifyReply, c: Ctx, repeat: string | undefined, errors: FieldErrors) {
    const slot = slotOf(c.draft);
    if (!slot) return reply.redirect('/book/when', 303);
    return reply.status(Object.keys(errors).length ? 400 : 200).view('hirer/views/book-repeat.njk', {
      title: 'Is it a one-off or every week?',
      weekday: weekdayOf(slot.date),
      repeat,
      fieldErrors: errors,
      errors: errorList(errors, { repeat: 'repeat' }),
      backLink: '/book/when',
    });
  }

  app.get('/book/repeat', PAGE, async (request, reply) => {
    const c = await context(request, reply);
    if (!c) return reply;
    return renderRepeat(reply, c, c.draft.repeat, {});
  });

  app.post<{ Body: Record<string, unknown> }>('/book/repeat', PAGE, async (request, reply) => {
    const c = await context(request, reply);
    if (!c) return reply;
    const repeat = text(request.body, 'repeat');
    if (repeat !== 'once' && repeat !== 'weekly') return renderRepeat(reply, c, repeat, { repeat: 'Choose whether it is a one-off or every week' });
    save(request, { ...c.draft, repeat, until: repeat === 'weekly' ? c.draft.until : undefined, conflicts: undefined });
    return reply.redirect(repeat === 'weekly' ? '/book/until' : '/book/details', 303);
  });

  function renderUntil(reply: FastifyReply, c: Ctx, until: { day: string; month: string; year: string }, errors: FieldErrors) {
    const slot = slotOf(c.draft);
    if (!slot) return reply.redirect('/book/when', 303);
    return reply.status(Object.keys(errors).length ? 400 : 200).view('hirer/views/book-until.njk', {
      title: `Until which ${weekdayOf(slot.date)}?`,
      weekday: weekdayOf(slot.date),
      first: formatLocalDate(slot.date),
      untilItems: ['day', 'month', 'year'].map((n) => ({
        name: n,
        label: n.charAt(0).toUpperCase() + n.slice(1),
        value: until[n as 'day'],
        classes: `govuk-input--width-${n === 'year' ? 4 : 2}${errors.until ? ' govuk-input--error' : ''}`,
        inputmode: 'numeric',
      })),
      fieldErrors: errors,
      errors: errorList(errors, { until: 'until-day' }),
      backLink: '/book/repeat',
    });
  }

  app.get('/book/until', PAGE, async (request, reply) => {
    const c = await context(request, reply);
    if (!c) return reply;
    return renderUntil(reply, c, dateParts(c.draft.until), {});
  });

  app.post<{ Body: Record<string, unknown> }>('/book/until', PAGE, async (request, reply) => {
    const c = await context(request, reply);
    if (!c) return reply;
    const slot = slotOf(c.draft);
    if (!slot) return reply.redirect('/book/when', 303);
    const until = readDate(request.body, 'until');
    const errors: FieldErrors = {};
    const last = DateTime.fromISO(slot.date).plus({ weeks: MAX_WEEKS - 1 }).toISODate()!;
    if (until.error === 'missing') errors.until = 'Enter the date of the last week, for example 30 6 2027';
    else if (until.error) errors.until = 'The last date must be a real date, for example 30 6 2027';
    else if (until.iso! <= slot.date) errors.until = `The last date must be after ${formatLocalDate(slot.date)}`;
    else if (until.iso! > last) errors.until = `You can book up to ${MAX_WEEKS} weeks at once. Choose ${formatLocalDate(last)} or earlier`;
    if (Object.keys(errors).length) return renderUntil(reply, c, until.value, errors);
    save(request, { ...c.draft, repeat: 'weekly', until: until.iso, conflicts: undefined });
    return reply.redirect('/book/details', 303);
  });

  // --- What for, how many, which group, which phone -------------------------------------------------
  async function renderDetails(reply: FastifyReply, c: Ctx, values: Record<string, string>, errors: FieldErrors) {
    const me = await auth.me(c.actor.userId);
    return reply.status(Object.keys(errors).length ? 400 : 200).view('hirer/views/book-details.njk', {
      title: 'About your booking',
      room: c.room,
      values,
      orgItems: me.organisations.map((o) => ({ value: o.id, text: o.name, checked: o.id === values.organisationId })),
      onlyOrg: me.organisations.length === 1 ? me.organisations[0] : undefined,
      fieldErrors: errors,
      errors: errorList(errors, { organisationId: 'organisationId' }),
      backLink: c.draft.repeat === 'weekly' ? '/book/until' : '/book/repeat',
    });
  }

  app.get('/book/details', PAGE, async (request, reply) => {
    const c = await context(request, reply);
    if (!c) return reply;
    const d = c.draft;
    return renderDetails(reply, c, { title: d.title ?? '', people: d.people ? String(d.people) : '', organisationId: d.organisationId ?? '', phone: d.phone ?? '' }, {});
  });

  app.post<{ Body: Record<string, unknown> }>('/book/details', PAGE, async (request, reply) => {
    const c = await context(request, reply);
    if (!c) return reply;
    const values = { title: text(request.body, 'title'), people: text(request.body, 'people'), organisationId: text(request.body, 'organisationId'), phone: text(request.body, 'phone') };
    const errors: FieldErrors = {};
    if (!values.title) errors.title = 'Enter what the booking is for, for example "Memory café"';
    else if (values.title.length > 200) errors.title = 'What the booking is for must be 200 characters or fewer';
    const people = readPeople(request.body, errors);
    if (people !== undefined && people > c.room.capacity) errors.people = ruleMessage('over_capacity', '', c.room);
    const me = await auth.me(c.actor.userId);
    const org = me.organisations.find((o) => o.id === values.organisationId) ?? (me.organisations.length === 1 ? me.organisations[0] : undefined);
    if (!org) errors.organisationId = 'Choose which group the booking is for';
    const phone = toE164(values.phone);
    if (!values.phone) errors.phone = 'Enter a mobile number for the door code, like 07700 900123';
    else if (!phone) errors.phone = 'Enter a mobile number, like 07700 900123 or +44 7700 900123';
    if (Object.keys(errors).length) return renderDetails(reply, c, values, errors);
    save(request, { ...c.draft, title: values.title, people, organisationId: org!.id, phone });
    return reply.redirect('/book/check', 303);
  });

  // --- Check answers and confirm ----------------------------------------------------------------------
  async function renderCheck(reply: FastifyReply, c: Ctx, problem?: { message: string; href: string }, status = 200) {
    const d = c.draft;
    const slot = slotOf(d);
    if (!slot || !d.repeat) return reply.redirect(slot ? '/book/repeat' : '/book/when', 303);
    if (d.repeat === 'weekly' && !d.until) return reply.redirect('/book/until', 303);
    if (!d.title || !d.people || !d.organisationId || !d.phone) return reply.redirect('/book/details', 303);
    const me = await auth.me(c.actor.userId);
    const org = me.organisations.find((o) => o.id === d.organisationId);
    if (!org) return reply.redirect('/book/details', 303);
    const zone = c.hub.timezone;
    const now = clock.now();
    const { startsAt, endsAt } = slotTimes(slot);
    let quote: Awaited<ReturnType<typeof pricing.quote>> | null = null;
    try {
      quote = await pricing.quote(c.actor, c.room.id, { organisationId: org.id, startsAt, endsAt });
    } catch (err) {
      if (!(err instanceof DomainError)) throw err;
    }
    const dates = d.repeat === 'weekly' && d.until ? weeklyDates(slot.date, d.until) : [slot.date];
    return reply.status(status).view('hirer/views/book-check.njk', {
      title: 'Check your booking',
      room: c.room,
      hub: c.hub,
      when: formatWhen(localInstant(startsAt, zone), localInstant(endsAt, zone), zone, { now }),
      repeat: d.repeat === 'weekly' ? `Every ${DateTime.fromISO(slot.date).toFormat('cccc', { locale: 'en-GB' })} until ${formatLocalDate(d.until!)} (${plural(dates.length, 'date')})` : 'Just this date',
      draft: d,
      org,
      quote,
      weekly: d.repeat === 'weekly',
      errors: problem ? [{ text: problem.message, href: problem.href }] : undefined,
      backLink: '/book/details',
    });
  }

  app.get('/book/check', PAGE, async (request, reply) => {
    const c = await context(request, reply);
    if (!c) return reply;
    return renderCheck(reply, c);
  });

  app.post<{ Body: Record<string, unknown> }>('/book/check', PAGE, async (request, reply) => {
    const c = await context(request, reply);
    if (!c) return reply;
    const d = c.draft;
    const slot = slotOf(d);
    if (!slot || !d.repeat || !d.title || !d.people || !d.organisationId || !d.phone) return reply.redirect('/book/check', 303);
    const weekly = d.repeat === 'weekly' && d.until;
    const skipConflicts = text(request.body, 'skipConflicts') === 'yes';
    let created;
    try {
      created = await bookings.create(c.actor, {
        roomId: c.room.id,
        organisationId: d.organisationId,
        ...slotTimes(slot),
        title: d.title,
        attendees: d.people,
        contactPhone: d.phone,
        ...(weekly ? { recurrence: { weekdays: [DateTime.fromISO(slot.date).weekday], until: d.until }, skipConflicts } : {}),
      });
    } catch (err) {
      if (err instanceof DomainError && err.code === 'booking_conflict' && weekly) {
        save(request, { ...d, conflicts: (err.extra.conflicts as SeriesConflict[]) ?? [] });
        return reply.redirect('/book/conflicts', 303);
      }
      const message = refusal(err, c.room);
      if (!message) throw err;
      const href = err instanceof DomainError && err.code === 'over_capacity' ? '/book/details' : '/book/when';
      return renderCheck(reply, c, { message, href }, err instanceof DomainError && err.kind === 'conflict' ? 409 : 422);
    }
    request.session.set('draft', undefined);
    const list = 'bookings' in created ? created.bookings : [created];
    const first = list[0];
    const skipped = 'series' in created ? created.series.skipped.length : 0;
    const made = list.length > 1 ? `${plural(list.length, 'booking')} made` : 'Booking made';
    const next =
      first.status === 'requested'
        ? `${c.hub.name} will check it before it is confirmed. We will text you when they decide.`
        : first.status === 'awaiting_payment'
          ? 'Pay now to keep it: the room is held for you for a short time.'
          : 'It is confirmed.';
    flash(request, first.status === 'requested' ? `Request sent${list.length > 1 ? ` for ${plural(list.length, 'date')}` : ''}` : made, `${next}${skipped ? ` ${plural(skipped, 'date was', 'dates were')} not booked.` : ''}`);
    return reply.redirect(`/bookings/${first.id}`, 303);
  });

  app.get('/book/conflicts', PAGE, async (request, reply) => {
    const c = await context(request, reply);
    if (!c) return reply;
    const d = c.draft;
    const slot = slotOf(d);
    if (!slot || !d.conflicts || !d.until) return reply.redirect('/book/check', 303);
    const total = weeklyDates(slot.date, d.until).length;
    const free = Math.max(0, total - new Set(d.conflicts.map((x) => x.date)).size);
    return reply.view('hirer/views/book-conflicts.njk', {
      title: 'Some dates are not free',
      room: c.room,
      conflicts: d.conflicts.map((x) => ({ date: formatLocalDate(x.date), reason: ruleMessage(x.reason, x.detail, c.room).replace(/\. Choose.*$/, '') })),
      free,
      total,
      backLink: '/book/check',
    });
  });
}
