import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { DateTime } from 'luxon';
import type { Container } from '../../container';
import { DomainError } from '../../lib/errors';
import { type OpeningHours, SETTING_LIMITS, WEEKDAYS, type Weekday } from '../../modules/venues/venues.types';
import { type FieldErrors, type Fields, errorList, flash, readDate, text } from '../forms';
import { formatDuration, formatWhen, listInWords, plural } from '../format';
import { staffOf } from './context';
import { STAFF_PAGE, UUID } from './page';

/** Every half hour of a day, 00:00 to 24:00 (24:00 closes at midnight). */
const HALF_HOURS = Array.from({ length: 49 }, (_, i) => `${String(Math.floor(i / 2)).padStart(2, '0')}:${i % 2 ? '30' : '00'}`);
const DAY_NAMES: Record<Weekday, string> = { monday: 'Monday', tuesday: 'Tuesday', wednesday: 'Wednesday', thursday: 'Thursday', friday: 'Friday', saturday: 'Saturday', sunday: 'Sunday' };

/** "9am", "10:30pm", "midday", "midnight" from "HH:mm". */
export function clockWords(hhmm: string): string {
  const [h, m] = hhmm.split(':').map(Number);
  if ((h === 0 || h === 24) && m === 0) return 'midnight';
  if (h === 12 && m === 0) return 'midday';
  const hour = h % 12 === 0 ? 12 : h % 12;
  return `${hour}${m ? `:${String(m).padStart(2, '0')}` : ''}${h < 12 ? 'am' : 'pm'}`;
}
/** A day's spans in words: "9am to 10pm", "9am to midday and 2pm to 6pm", "Closed". */
export function spansInWords(spans: { opens: string; closes: string }[] | undefined): string {
  if (!spans?.length) return 'Closed';
  return listInWords(spans.map((s) => `${clockWords(s.opens)} to ${clockWords(s.closes)}`));
}
/** A closure's time in words: "Thursday 10 December, all day", "… to Saturday 12 December, all day", else as formatWhen says it. */
export function closureWhen(startsAt: string, endsAt: string, zone: string, now: Date): string {
  const s = DateTime.fromISO(startsAt, { zone });
  const e = DateTime.fromISO(endsAt, { zone });
  const midnight = (d: DateTime) => d.hour === 0 && d.minute === 0;
  if (!midnight(s) || !midnight(e)) return formatWhen(startsAt, endsAt, zone, { now });
  const lastDay = e.minus({ days: 1 });
  const day = (d: DateTime) => formatWhen(d.toISO()!, d.toISO()!, zone, { now }).replace(/, .*$/, '');
  return lastDay.hasSame(s, 'day') ? `${day(s)}, all day` : `${day(s)} to ${day(lastDay)}, all day`;
}
const minutesWords = (m: number) => (m === 0 ? 'no time' : m % 1440 === 0 ? plural(m / 1440, 'day') : formatDuration(m));

/**
 * Rooms, opening hours, staffed hours, closures (with the bookings a closure or new hours would
 * displace shown, and the choice of keeping or cancelling them) and the hub's settings in words.
 */
export async function roomsPages(app: FastifyInstance, { container }: { container: Container }) {
  const { venues } = container.services;
  const { clock } = container;

  /** The hub's rules as staff read them: the setting in words and what it does. */
  function settingsInWords(s: Awaited<ReturnType<typeof venues.getHub>>['settings']) {
    return [
      { name: 'Notice', value: `At least ${minutesWords(s.minNoticeMinutes)} ahead`, effect: 'Hirers cannot book a room to start sooner than this. Staff can.' },
      { name: 'Booking ahead', value: `Up to ${plural(s.maxAdvanceDays, 'day')} ahead`, effect: 'The furthest ahead a hirer may book.' },
      { name: 'Unpaid hold', value: minutesWords(s.holdMinutes), effect: 'A booking waiting for a card payment keeps the room this long, then the room is released.' },
      {
        name: 'Approval',
        value: s.approval === 'all' ? 'Every booking' : s.approval === 'first_time' ? "A group's first booking here" : 'Only groups whose community rate is not checked yet',
        effect: 'These bookings wait in Approvals before they are confirmed.',
      },
      { name: 'Requests lapse', value: `After ${plural(s.requestExpiryHours, 'hour')}`, effect: 'A request nobody decides frees the room again after this (and never after its start).' },
      { name: 'Door code sent', value: `${minutesWords(s.codeLeadMinutes)} before the start`, effect: 'When the hirer gets their door code by text.' },
      { name: 'Door code works', value: `From ${minutesWords(s.earlyEntryMinutes)} before to ${minutesWords(s.lateExitMinutes)} after`, effect: 'Time to set up and clear away around the booking.' },
      { name: 'Reminder', value: `${minutesWords(s.reminderLeadMinutes)} before`, effect: 'Hirers get a text reminder this long before their booking.' },
      {
        name: 'Cancellation refunds',
        value: listInWords(s.cancellationPolicy.map((r) => `${r.refundPercent}% with ${r.minNoticeHours ? `${plural(r.minNoticeHours, 'hour')}' notice` : 'less notice'}`)),
        effect: 'What a hirer gets back when they cancel. When the hub cancels, they get everything back.',
      },
      { name: 'Invoices due', value: `${plural(s.invoiceDueDays, 'day')} after they are sent`, effect: 'For groups that pay by invoice.' },
    ];
  }

  app.get('/staff/rooms', STAFF_PAGE, async (request, reply) => {
    const { hub } = staffOf(request);
    const now = clock.now();
    const [rooms, closures] = await Promise.all([venues.listRooms(hub.id, true, { limit: 100 }), venues.listClosures(hub.id, undefined, undefined, { limit: 50 })]);
    const roomName = new Map(rooms.items.map((r) => [r.id, r.name]));
    return reply.view('staff/views/rooms.njk', {
      title: 'Rooms and opening hours',
      navKey: 'rooms',
      rooms: rooms.items.map((r) => ({
        ...r,
        lengths: `${formatDuration(r.minBookingMinutes)} to ${formatDuration(r.maxBookingMinutes)}`,
      })),
      hours: WEEKDAYS.map((d) => ({ day: DAY_NAMES[d], open: spansInWords(hub.openingHours[d]), staffed: hub.settings.staffedHours ? spansInWords(hub.settings.staffedHours[d]) : 'Same as opening hours' })),
      hasStaffedHours: Boolean(hub.settings.staffedHours),
      closures: closures.items.map((c) => ({ ...c, where: c.roomId ? (roomName.get(c.roomId) ?? 'A room') : 'The whole hub', when: closureWhen(c.startsAt, c.endsAt, hub.timezone, now) })),
      settings: settingsInWords(hub.settings),
    });
  });

  // --- Opening and staffed hours ---------------------------------------------------------------------
  type Which = 'opening' | 'staffed';
  const hourItems = (selected: string, label: string) => [{ value: '', text: label, selected: !selected }, ...HALF_HOURS.map((t) => ({ value: t, text: clockWords(t), selected: t === selected }))];

  function readHours(body: Fields | undefined) {
    const values: Record<string, { opens: string; closes: string }> = {};
    const errors: FieldErrors = {};
    const hours = {} as OpeningHours;
    for (const d of WEEKDAYS) {
      const opens = text(body, `${d}-opens`);
      const closes = text(body, `${d}-closes`);
      values[d] = { opens, closes };
      if (!opens && !closes) hours[d] = [];
      else if (!HALF_HOURS.includes(opens)) errors[`${d}-opens`] = `Choose when it opens on ${DAY_NAMES[d]}, or leave both times empty for closed`;
      else if (!HALF_HOURS.includes(closes)) errors[`${d}-closes`] = `Choose when it closes on ${DAY_NAMES[d]}, or leave both times empty for closed`;
      else if (closes <= opens) errors[`${d}-closes`] = `On ${DAY_NAMES[d]}, it must close after it opens`;
      else hours[d] = [{ opens, closes: closes === '24:00' ? '24:00' : closes }];
    }
    return { values, errors, hours };
  }

  async function renderHours(
    reply: FastifyReply,
    which: Which,
    values: Record<string, { opens: string; closes: string }>,
    errors: FieldErrors,
    extra: { affected?: { title: string; when: string }[]; notice?: string; onBookings?: string } = {},
    status = 200,
  ) {
    const { hub } = staffOf(reply.request);
    const current = which === 'opening' ? hub.openingHours : hub.settings.staffedHours;
    return reply.status(status).view('staff/views/hours.njk', {
      title: which === 'opening' ? 'Change opening hours' : 'Change staffed hours',
      navKey: 'rooms',
      which,
      days: WEEKDAYS.map((d) => ({
        key: d,
        name: DAY_NAMES[d],
        now: current ? spansInWords(current[d]) : 'Not set',
        split: (current?.[d]?.length ?? 0) > 1,
        opens: hourItems(values[d]?.opens ?? '', 'Closed'),
        closes: hourItems(values[d]?.closes ?? '', 'Closed'),
        opensError: errors[`${d}-opens`],
        closesError: errors[`${d}-closes`],
      })),
      affected: extra.affected,
      notice: extra.notice ?? '',
      onBookings: extra.onBookings ?? '',
      fieldErrors: errors,
      errors: errorList(errors),
      backLink: '/staff/rooms',
    });
  }

  const currentValues = (hours: OpeningHours | undefined) =>
    Object.fromEntries(WEEKDAYS.map((d) => [d, { opens: hours?.[d]?.[0]?.opens ?? '', closes: hours?.[d]?.[0]?.closes ?? '' }]));

  for (const which of ['opening', 'staffed'] as const) {
    const path = `/staff/rooms/${which}-hours`;
    app.get(path, STAFF_PAGE, async (request, reply) => {
      const { hub } = staffOf(request);
      return renderHours(reply, which, currentValues(which === 'opening' ? hub.openingHours : (hub.settings.staffedHours ?? hub.openingHours)), {});
    });

    app.post<{ Body: Record<string, unknown> }>(path, STAFF_PAGE, async (request: FastifyRequest<{ Body: Record<string, unknown> }>, reply) => {
      const { actor, hub } = staffOf(request);
      const { values, errors, hours } = readHours(request.body);
      const onBookings = text(request.body, 'onBookings');
      const notice = text(request.body, 'notice');
      if (onBookings === 'cancel' && !notice) errors.notice = 'Enter the message texted to each hirer whose booking is cancelled';
      if (Object.keys(errors).length) return renderHours(reply, which, values, errors, { notice, onBookings }, 400);
      try {
        if (which === 'opening') {
          const decision = onBookings === 'cancel' || onBookings === 'keep' ? onBookings : 'refuse';
          const done = await container.services.venues.updateHub(actor, hub.id, { openingHours: hours, onBookings: decision, notice: decision === 'cancel' ? notice : undefined });
          flash(
            request,
            'Opening hours saved',
            done.cancelledBookingIds.length
              ? `${plural(done.cancelledBookingIds.length, 'booking')} outside them ${done.cancelledBookingIds.length === 1 ? 'was' : 'were'} cancelled with a full refund, and the hirers texted.`
              : done.bookingsOutsideHours.length
                ? `${plural(done.bookingsOutsideHours.length, 'booking')} outside them ${done.bookingsOutsideHours.length === 1 ? 'stays' : 'stay'} as booked.`
                : undefined,
          );
        } else {
          await container.services.venues.updateHub(actor, hub.id, { settings: { staffedHours: hours } });
          flash(request, 'Staffed hours saved', 'Bookings outside them now need volunteer cover; the rota makes or removes those shifts.');
        }
        return reply.redirect('/staff/rooms', 303);
      } catch (err) {
        if (err instanceof DomainError && err.code === 'bookings_affected') {
          const affected = ((err.extra.bookings ?? []) as { title: string; startsAt: string; endsAt: string }[]).map((b) => ({ title: b.title, when: formatWhen(b.startsAt, b.endsAt, hub.timezone, { now: clock.now() }) }));
          return renderHours(reply, which, values, { onBookings: `${plural(affected.length, 'booking')} would fall outside the new hours. Choose what happens to them` }, { affected, notice, onBookings }, 409);
        }
        if (err instanceof DomainError && err.kind === 'validation') return renderHours(reply, which, values, { monday: err.message }, {}, 400);
        throw err;
      }
    });
  }

  // --- Closures -----------------------------------------------------------------------------------
  interface ClosureValues {
    room: string;
    from: { day: string; month: string; year: string };
    fromTime: string;
    to: { day: string; month: string; year: string };
    toTime: string;
    reason: string;
    notice: string;
  }
  async function renderClosure(reply: FastifyReply, values: ClosureValues, errors: FieldErrors, affected?: { title: string; when: string }[], status = 200) {
    const { hub } = staffOf(reply.request);
    const rooms = (await venues.listRooms(hub.id, true, { limit: 100 })).items;
    const cls = (e: boolean, w: number) => `govuk-input--width-${w}${e ? ' govuk-input--error' : ''}`;
    const items = (v: ClosureValues['from'], e: boolean) => [
      { name: 'day', label: 'Day', value: v.day, classes: cls(e, 2), inputmode: 'numeric' },
      { name: 'month', label: 'Month', value: v.month, classes: cls(e, 2), inputmode: 'numeric' },
      { name: 'year', label: 'Year', value: v.year, classes: cls(e, 4), inputmode: 'numeric' },
    ];
    return reply.status(status).view('staff/views/closure.njk', {
      title: 'Close the hub or a room',
      navKey: 'rooms',
      values,
      roomItems: [{ value: '', text: 'The whole hub', selected: !values.room }, ...rooms.map((r) => ({ value: r.id, text: r.name, selected: r.id === values.room }))],
      fromItems: items(values.from, Boolean(errors.from)),
      toItems: items(values.to, Boolean(errors.to)),
      fromTimeItems: hourItems(values.fromTime, 'Choose a time'),
      toTimeItems: hourItems(values.toTime, 'Choose a time'),
      affected,
      fieldErrors: errors,
      errors: errorList(errors, { from: 'from-day', to: 'to-day', onBookings: 'onBookings-choice' }),
      backLink: '/staff/rooms',
    });
  }

  app.get('/staff/rooms/closures/new', STAFF_PAGE, async (_request, reply) =>
    renderClosure(reply, { room: '', from: { day: '', month: '', year: '' }, fromTime: '00:00', to: { day: '', month: '', year: '' }, toTime: '24:00', reason: '', notice: '' }, {}),
  );

  app.post<{ Body: Record<string, unknown> }>('/staff/rooms/closures/new', STAFF_PAGE, async (request, reply) => {
    const { actor, hub } = staffOf(request);
    const body = request.body;
    const from = readDate(body, 'from');
    const to = readDate(body, 'to');
    const values: ClosureValues = {
      room: text(body, 'room'),
      from: from.value,
      fromTime: text(body, 'fromTime'),
      to: to.value,
      toTime: text(body, 'toTime'),
      reason: text(body, 'reason'),
      notice: text(body, 'notice'),
    };
    const decision = text(body, 'onBookings');
    const errors: FieldErrors = {};
    if (from.error) errors.from = from.error === 'missing' ? 'Enter the date the closure starts' : 'The start date must be a real date, for example 24 12 2026';
    if (!HALF_HOURS.includes(values.fromTime)) errors.fromTime = 'Choose the time the closure starts';
    if (to.error) errors.to = to.error === 'missing' ? 'Enter the date the closure ends' : 'The end date must be a real date, for example 26 12 2026';
    if (!HALF_HOURS.includes(values.toTime)) errors.toTime = 'Choose the time the closure ends';
    if (!values.reason) errors.reason = 'Enter why it is closed, for example "Christmas" or "Boiler repair"';
    else if (values.reason.length > 200) errors.reason = 'The reason must be 200 characters or fewer';
    if (values.room && !UUID.test(values.room)) errors.room = 'Choose a room of this hub, or the whole hub';
    // A closure "to 24:00" ends at the next midnight.
    const wall = (iso: string, t: string) => (t === '24:00' ? `${DateTime.fromISO(iso).plus({ days: 1 }).toISODate()}T00:00` : `${iso}T${t}`);
    if (!Object.keys(errors).length && wall(to.iso!, values.toTime) <= wall(from.iso!, values.fromTime)) errors.to = 'The closure must end after it starts';
    if (decision === 'cancel' && !values.notice) errors.notice = 'Enter the message texted to each hirer whose booking is cancelled';
    if (Object.keys(errors).length) return renderClosure(reply, values, errors, undefined, 400);
    try {
      const done = await venues.createClosure(actor, hub.id, {
        startsAt: wall(from.iso!, values.fromTime),
        endsAt: wall(to.iso!, values.toTime),
        roomId: values.room || undefined,
        reason: values.reason,
        onBookings: decision === 'cancel' ? 'cancel' : 'refuse',
        notice: decision === 'cancel' ? values.notice : undefined,
      });
      flash(
        request,
        'Closure added',
        done.cancelledBookingIds.length ? `${plural(done.cancelledBookingIds.length, 'booking')} inside it ${done.cancelledBookingIds.length === 1 ? 'was' : 'were'} cancelled with a full refund, and the hirers texted.` : 'No booking was inside it.',
      );
      return reply.redirect('/staff/rooms', 303);
    } catch (err) {
      if (err instanceof DomainError && err.code === 'bookings_affected') {
        const affected = ((err.extra.bookings ?? []) as { title: string; startsAt: string; endsAt: string }[]).map((b) => ({ title: b.title, when: formatWhen(b.startsAt, b.endsAt, hub.timezone, { now: clock.now() }) }));
        return renderClosure(reply, values, { onBookings: `${plural(affected.length, 'booking')} ${affected.length === 1 ? 'is' : 'are'} inside this closure. Cancel them, or change the dates` }, affected, 409);
      }
      if (err instanceof DomainError && (err.kind === 'validation' || err.kind === 'unprocessable')) return renderClosure(reply, values, { to: err.message }, undefined, 422);
      throw err;
    }
  });

  app.post<{ Params: { id: string } }>('/staff/rooms/closures/:id/delete', STAFF_PAGE, async (request, reply) => {
    const { actor } = staffOf(request);
    if (!UUID.test(request.params.id)) throw new DomainError('not_found', 'not_found', 'Closure not found');
    await venues.deleteClosure(actor, request.params.id);
    flash(request, 'Closure removed', 'The rooms can be booked at that time again.');
    return reply.redirect('/staff/rooms', 303);
  });

  // --- Settings ---------------------------------------------------------------------------------------
  const EDITABLE = [
    { key: 'minNoticeMinutes', label: 'Notice hirers must give, in minutes', hint: 'Hirers cannot book to start sooner than this. 60 is an hour; 1440 a day.' },
    { key: 'maxAdvanceDays', label: 'How far ahead hirers may book, in days', hint: 'For example 365 for a year.' },
    { key: 'holdMinutes', label: 'How long an unpaid booking holds the room, in minutes', hint: 'Then the room is released for others.' },
    { key: 'codeLeadMinutes', label: 'When the door code is texted, in minutes before the start', hint: '1440 sends it a day before.' },
    { key: 'earlyEntryMinutes', label: 'Minutes the code works before the start', hint: 'Time to set up. At most 240.' },
    { key: 'lateExitMinutes', label: 'Minutes the code works after the end', hint: 'Time to clear away. At most 240.' },
    { key: 'requestExpiryHours', label: 'Hours before an undecided request lapses', hint: 'The room is freed again then.' },
  ] as const;
  type Editable = (typeof EDITABLE)[number]['key'];

  function renderSettings(reply: FastifyReply, values: Record<string, string>, errors: FieldErrors, status = 200) {
    return reply.status(status).view('staff/views/settings.njk', {
      title: 'Change the hub’s rules',
      navKey: 'rooms',
      fields: EDITABLE.map((f) => ({ ...f, value: values[f.key] ?? '', error: errors[f.key] })),
      approvalItems: [
        { value: 'none', text: 'Only groups whose community rate is not checked yet', checked: values.approval === 'none' },
        { value: 'first_time', text: "Also a group's first booking here", checked: values.approval === 'first_time' },
        { value: 'all', text: 'Every booking', checked: values.approval === 'all' },
      ],
      fieldErrors: errors,
      errors: errorList(errors),
      backLink: '/staff/rooms',
    });
  }

  app.get('/staff/rooms/settings', STAFF_PAGE, async (request, reply) => {
    const { hub } = staffOf(request);
    const values: Record<string, string> = Object.fromEntries(EDITABLE.map((f) => [f.key, String(hub.settings[f.key])]));
    values.approval = hub.settings.approval;
    return renderSettings(reply, values, {});
  });

  app.post<{ Body: Record<string, unknown> }>('/staff/rooms/settings', STAFF_PAGE, async (request, reply) => {
    const { actor, hub } = staffOf(request);
    const values: Record<string, string> = Object.fromEntries(EDITABLE.map((f) => [f.key, text(request.body, f.key)]));
    values.approval = text(request.body, 'approval');
    const errors: FieldErrors = {};
    const patch: Partial<Record<Editable, number>> = {};
    for (const f of EDITABLE) {
      const v = values[f.key];
      const { min, max } = SETTING_LIMITS[f.key];
      if (!/^\d+$/.test(v)) errors[f.key] = `Enter a whole number for: ${f.label.toLowerCase()}`;
      else if (Number(v) < min || Number(v) > max) errors[f.key] = `${f.label} must be between ${min} and ${max}`;
      else patch[f.key] = Number(v);
    }
    if (!['none', 'first_time', 'all'].includes(values.approval)) errors.approval = 'Select which bookings wait for approval';
    if (Object.keys(errors).length) return renderSettings(reply, values, errors, 400);
    await venues.updateHub(actor, hub.id, { settings: { ...patch, approval: values.approval as 'none' | 'first_time' | 'all' } });
    flash(request, 'Rules saved', 'They apply to new bookings from now on; bookings already made keep their times.');
    return reply.redirect('/staff/rooms', 303);
  });
}
