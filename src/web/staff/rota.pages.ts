import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { DateTime } from 'luxon';
import type { Container } from '../../container';
import type { Actor } from '../../modules/auth/actor';
import type { ShiftRole } from '../../modules/rota/rota.fns';
import { rotaRules } from '../../modules/rota/rota.fns';
import { notFound } from '../../lib/errors';
import { type FieldErrors, type Fields, dateParts, errorList, flash, isTime, many, readDate, text, timeItems } from '../forms';
import { formatDate, formatWhen, listInWords } from '../format';
import { hubOfPage, staffOf, useHub } from './context';
import { STAFF_PAGE as PAGE, UUID } from './page';
import { ROLE_HINTS, ROLES, reasonText, refusal, roleName } from '../volunteer/words';

const WEEKDAYS = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];
type HubQ = { Querystring: { hub?: string; week?: string } };
type ShiftP = { Params: { id: string }; Body: Fields };

/**
 * The rota for a hub's staff: the shifts of a week (role, needed, filled, looking for cover;
 * generated ones with the bookings they cover), a shift to create (once or weekly), edit, cancel,
 * assign and mark attendance on, and the hub's volunteers with their trained roles, hours and
 * no-shows. Staff of one hub never see another's: the rota's services answer 404.
 */
export async function rotaPages(app: FastifyInstance, { container }: { container: Container }) {
  const { shifts, signups, people } = container.services.rota;
  const { venues, bookings } = container.services;
  const { clock } = container;

  // A shift's pages: an id that is not one is no shift (and is never put to the database).
  app.addHook('preHandler', async (request) => {
    const { id } = request.params as { id?: string };
    if (id !== undefined && !UUID.test(id)) throw notFound('Shift');
  });

  function weekOf(zone: string, week?: string) {
    const asked = week && /^\d{4}-\d{2}-\d{2}$/.test(week) ? DateTime.fromISO(week, { zone }) : undefined;
    const start = (asked?.isValid ? asked : DateTime.fromJSDate(clock.now(), { zone })).startOf('week');
    return { start, end: start.plus({ weeks: 1 }) };
  }

  app.get<HubQ>('/staff/rota', PAGE, async (request, reply) => {
    const { actor } = staffOf(request);
    const hub = await hubOfPage(container, request, reply, request.query.hub);
    const { start, end } = weekOf(hub.timezone, request.query.week);
    const local = (d: DateTime) => d.toFormat("yyyy-MM-dd'T'HH:mm:ss");
    const [{ items }, booked] = await Promise.all([
      shifts.list(actor, hub.id, { from: local(start), to: local(end), limit: 500 }),
      bookings.list(actor, { hubId: hub.id, from: start.minus({ days: 1 }).toISODate()!, to: end.plus({ days: 1 }).toISODate()!, limit: 500 }),
    ]);
    const titles = new Map(booked.items.map((b) => [b.id, `${b.title} (${b.roomName})`]));
    const now = clock.now();
    const days = Array.from({ length: 7 }, (_, i) => {
      const day = start.plus({ days: i });
      const rows = items
        .filter((s) => DateTime.fromISO(s.startsAt, { zone: hub.timezone }).hasSame(day, 'day'))
        .map((s) => ({
          id: s.id,
          when: formatWhen(s.startsAt, s.endsAt, hub.timezone, { now }),
          role: roleName(s.role),
          title: s.title,
          needed: s.volunteersNeeded,
          filled: s.filled,
          short: s.status === 'open',
          cancelled: s.status === 'cancelled',
          cover: s.lookingForCover,
          waiting: s.waitlistLength,
          names: s.volunteers.map((v) => ('name' in v ? v.name : '')).filter(Boolean),
          generated: s.source === 'booking',
          covers: s.bookingIds.map((id) => titles.get(id) ?? 'a booking'),
        }));
      return { label: formatDate(day.toJSDate(), hub.timezone, { now, withYear: false }), rows };
    });
    const q = (week: DateTime) => `/staff/rota?hub=${hub.id}&week=${week.toISODate()}`;
    return reply.view('staff/views/rota/week.njk', {
      title: `Rota, week of ${formatDate(start.toJSDate(), hub.timezone, { now })}`,
      hub,
      days,
      count: items.filter((s) => s.status !== 'cancelled').length,
      short: items.filter((s) => s.status === 'open').length,
      previous: q(start.minus({ weeks: 1 })),
      next: q(start.plus({ weeks: 1 })),
      weekLabel: `${formatDate(start.toJSDate(), hub.timezone, { now })} to ${formatDate(end.minus({ days: 1 }).toJSDate(), hub.timezone, { now })}`,
    });
  });

  // ---- a new shift, once or weekly

  function shiftForm(values: Record<string, string | string[]>) {
    return {
      roleItems: ROLES.map((r) => ({ value: r, text: roleName(r), hint: { text: ROLE_HINTS[r] }, checked: values.role === r })),
      startItems: timeItems(values.start as string),
      endItems: timeItems(values.end as string),
      weekdayItems: WEEKDAYS.map((d, i) => ({ value: String(i + 1), text: d, checked: (values.weekdays as string[] | undefined)?.includes(String(i + 1)) })),
    };
  }

  app.get<HubQ>('/staff/rota/new', PAGE, async (request, reply) => {
    const hub = await hubOfPage(container, request, reply, request.query.hub);
    const values = { volunteersNeeded: '1' };
    return reply.view('staff/views/rota/new.njk', { title: 'Add a shift', hub, values, date: dateParts(undefined), until: dateParts(undefined), ...shiftForm(values), fieldErrors: {} });
  });

  app.post<{ Querystring: { hub?: string }; Body: Fields }>('/staff/rota/new', PAGE, async (request, reply) => {
    const { actor } = staffOf(request);
    const hub = await hubOfPage(container, request, reply, request.query.hub);
    const b = request.body;
    const values = { role: text(b, 'role'), start: text(b, 'start'), end: text(b, 'end'), volunteersNeeded: text(b, 'volunteersNeeded'), title: text(b, 'title'), notes: text(b, 'notes'), repeat: text(b, 'repeat'), weekdays: many(b, 'weekdays') };
    const errors: FieldErrors = {};
    if (!ROLES.includes(values.role)) errors.role = 'Select the role';
    const date = readDate(b, 'date');
    if (date.error === 'missing') errors.date = 'Enter the date of the shift';
    else if (date.error) errors.date = 'The date of the shift must be a real date, like 14 12 2026';
    else if (date.iso! < DateTime.fromJSDate(clock.now(), { zone: hub.timezone }).toISODate()!) errors.date = 'The date of the shift must be today or in the future';
    if (!isTime(values.start)) errors.start = 'Choose a start time';
    if (!isTime(values.end)) errors.end = 'Choose an end time';
    else if (isTime(values.start) && values.end <= values.start) errors.end = 'The end time must be after the start time';
    const needed = Number(values.volunteersNeeded);
    if (!/^\d+$/.test(values.volunteersNeeded) || needed < 1 || needed > 20) errors.volunteersNeeded = 'Enter how many volunteers the shift needs, from 1 to 20';
    if (values.title.length > 200) errors.title = 'The title must be 200 characters or fewer';
    if (values.notes.length > 2000) errors.notes = 'The notes must be 2,000 characters or fewer';
    const until = values.repeat === 'weekly' ? readDate(b, 'until') : undefined;
    if (values.repeat === 'weekly') {
      if (!values.weekdays.length) errors.weekdays = 'Select the days of the week it repeats on';
      if (until!.error === 'missing') errors.until = 'Enter the date of the last shift';
      else if (until!.error) errors.until = 'The date of the last shift must be a real date, like 31 3 2027';
      else if (date.iso && until!.iso! < date.iso) errors.until = 'The last shift must be on or after the first';
      else if (date.iso && DateTime.fromISO(until!.iso!).diff(DateTime.fromISO(date.iso), 'days').days > 366) errors.until = 'A weekly shift repeats for at most a year';
    }
    if (!Object.keys(errors).length) {
      try {
        const created = await shifts.create(actor, hub.id, {
          role: values.role as ShiftRole,
          startsAt: `${date.iso}T${values.start}:00`,
          endsAt: `${date.iso}T${values.end}:00`,
          volunteersNeeded: needed,
          title: values.title || undefined,
          notes: values.notes || undefined,
          recurrence: values.repeat === 'weekly' ? { weekdays: values.weekdays.map(Number), until: until!.iso } : undefined,
        });
        if ('series' in created) {
          flash(request, `${created.shifts.length} ${roleName(values.role).toLowerCase()} shifts added`, `Every ${listInWords(values.weekdays.map((d) => WEEKDAYS[Number(d) - 1]))} until ${formatDate(`${until!.iso}T12:00:00Z`, hub.timezone, { withYear: true })}.`);
          return reply.redirect(`/staff/rota?hub=${hub.id}&week=${date.iso}`, 303);
        }
        flash(request, 'Shift added', `${roleName(created.role)}, ${formatWhen(created.startsAt, created.endsAt, hub.timezone, { now: clock.now() })}.`);
        return reply.redirect(`/staff/rota/shifts/${created.id}`, 303);
      } catch (err) {
        const r = refusal(err);
        if (!r) throw err;
        errors.date = r.code === 'nonexistent_local_time' ? 'That time does not exist on that day (the clocks change): choose another' : `The shift could not be added: ${r.detail}`;
      }
    }
    return reply
      .status(400)
      .view('staff/views/rota/new.njk', { title: 'Add a shift', hub, values, date: date.value, until: until?.value ?? dateParts(undefined), ...shiftForm(values), errors: errorList(errors, { role: 'role', date: 'date-day', until: 'until-day', weekdays: 'weekdays' }), fieldErrors: errors });
  });

  // ---- one shift

  async function renderShift(request: FastifyRequest, reply: FastifyReply, actor: Actor, id: string, extra: { errors?: FieldErrors; values?: Record<string, string>; status?: number } = {}) {
    const s = await shifts.get(actor, id);
    const { hub } = await useHub(container, request, reply, s.hubId);
    const now = clock.now();
    const started = new Date(s.startsAt) <= now;
    const over = new Date(s.endsAt) <= now;
    const vols = (await people.volunteers(actor, s.hubId)).items;
    const onIt = new Set([...s.volunteers.map((v) => ('userId' in v ? v.userId : '')), ...(s.waitlist ?? []).map((w) => w.userId)]);
    const covers = s.bookingIds.length ? (await Promise.all(s.bookingIds.map((b) => bookings.get(actor, b).catch(() => undefined)))).filter((b) => b !== undefined) : [];
    const errors = extra.errors ?? {};
    return reply.status(extra.status ?? (Object.keys(errors).length ? 422 : 200)).view('staff/views/rota/shift.njk', {
      title: `${roleName(s.role)} shift, ${formatDate(s.startsAt, hub.timezone, { now })}`,
      hub,
      s,
      role: roleName(s.role),
      when: formatWhen(s.startsAt, s.endsAt, hub.timezone, { now }),
      started,
      over,
      covers: covers.map((b) => ({ id: b.id, text: `${b.title}, ${b.roomName}, ${formatWhen(b.startsAt, b.endsAt, hub.timezone, { now })}` })),
      volunteers: s.volunteers.map((v) => {
        const x = v as { userId: string; name: string; attendance: string | null; overrideRules: string[] | null; coverRequested: boolean };
        return { ...x, overrides: (x.overrideRules ?? []).map((c) => reasonText(c, rotaRules(hub.settings), s.role)) };
      }),
      assignItems: [{ value: '', text: 'Choose a volunteer' }, ...vols.filter((v) => !onIt.has(v.userId)).map((v) => ({ value: v.userId, text: `${v.name}${(v.trainedRoles as string[]).includes(s.role) ? '' : ' (not trained for this role)'}`, selected: extra.values?.userId === v.userId }))],
      values: extra.values ?? { volunteersNeeded: String(s.volunteersNeeded), title: s.title ?? '', notes: s.notes ?? '' },
      errors: Object.keys(errors).length ? errorList(errors, { userId: 'userId', status: 'status' }) : undefined,
      fieldErrors: errors,
    });
  }

  app.get<{ Params: { id: string } }>('/staff/rota/shifts/:id', PAGE, async (request, reply) => {
    const { actor } = staffOf(request);
    return renderShift(request, reply, actor, request.params.id);
  });

  /** Runs a change; a refusal goes back to the shift page as an error on the field it concerns. */
  async function act(request: FastifyRequest<ShiftP>, reply: FastifyReply, actor: Actor, field: string, run: () => Promise<string>, values?: Record<string, string>) {
    const { id } = request.params;
    try {
      const message = await run();
      flash(request, message);
      return reply.redirect(`/staff/rota/shifts/${id}`, 303);
    } catch (err) {
      const r = refusal(err);
      if (!r) throw err;
      const s = await shifts.get(actor, id);
      const hub = await venues.getHub(s.hubId);
      return renderShift(request, reply, actor, id, { errors: { [field]: reasonText(r.code, rotaRules(hub.settings), s.role) === 'That could not be done. Reload the page and try again' ? r.detail : reasonText(r.code, rotaRules(hub.settings), s.role) }, values });
    }
  }

  app.post<ShiftP>('/staff/rota/shifts/:id/assign', PAGE, async (request, reply) => {
    const { actor } = staffOf(request);
    const userId = text(request.body, 'userId');
    if (!UUID.test(userId)) return renderShift(request, reply, actor, request.params.id, { errors: { userId: 'Choose the volunteer to put on the shift' } });
    return act(request, reply, actor, 'userId', async () => {
      const place = await signups.assign(actor, request.params.id, userId);
      return place.overrideRules.length ? 'Volunteer added, past the hub\'s rules (recorded on their place)' : 'Volunteer added to the shift';
    });
  });

  app.post<ShiftP>('/staff/rota/shifts/:id/unassign', PAGE, async (request, reply) => {
    const { actor } = staffOf(request);
    const userId = text(request.body, 'userId');
    if (!UUID.test(userId)) return renderShift(request, reply, actor, request.params.id, { errors: { userId: 'Choose a volunteer on the shift to take off it' } });
    return act(request, reply, actor, 'userId', async () => {
      await signups.unassign(actor, request.params.id, userId);
      return 'Volunteer taken off the shift; they get a text';
    });
  });

  app.post<ShiftP>('/staff/rota/shifts/:id/attendance', PAGE, async (request, reply) => {
    const { actor } = staffOf(request);
    const userId = text(request.body, 'userId');
    const status = text(request.body, 'status');
    const minutesRaw = text(request.body, 'minutes');
    const field = `status-${userId}`;
    if (!['attended', 'no_show', 'excused'].includes(status)) return renderShift(request, reply, actor, request.params.id, { errors: { [field]: 'Select whether they came' } });
    if (minutesRaw && (status !== 'attended' || !/^\d+$/.test(minutesRaw) || Number(minutesRaw) > 1440)) {
      return renderShift(request, reply, actor, request.params.id, { errors: { [field]: status !== 'attended' ? 'Give minutes only for someone who came' : 'Enter the minutes they stayed as a whole number, up to 1,440' } });
    }
    return act(request, reply, actor, field, async () => {
      await signups.attendance(actor, request.params.id, { userId, status: status as 'attended', minutes: minutesRaw ? Number(minutesRaw) : undefined });
      return 'Attendance recorded';
    });
  });

  app.post<ShiftP>('/staff/rota/shifts/:id/edit', PAGE, async (request, reply) => {
    const { actor } = staffOf(request);
    const values = { volunteersNeeded: text(request.body, 'volunteersNeeded'), title: text(request.body, 'title'), notes: text(request.body, 'notes') };
    const needed = Number(values.volunteersNeeded);
    if (!/^\d+$/.test(values.volunteersNeeded) || needed < 1 || needed > 20) return renderShift(request, reply, actor, request.params.id, { errors: { volunteersNeeded: 'Enter how many volunteers the shift needs, from 1 to 20' }, values });
    if (values.title.length > 200) return renderShift(request, reply, actor, request.params.id, { errors: { title: 'The title must be 200 characters or fewer' }, values });
    return act(
      request,
      reply,
      actor,
      'volunteersNeeded',
      async () => {
        await shifts.update(actor, request.params.id, { volunteersNeeded: needed, title: values.title || undefined, notes: values.notes || undefined });
        return 'Shift changed';
      },
      values,
    );
  });

  app.post<ShiftP>('/staff/rota/shifts/:id/cancel', PAGE, async (request, reply) => {
    const { actor } = staffOf(request);
    const reason = text(request.body, 'reason');
    if (!reason) return renderShift(request, reply, actor, request.params.id, { errors: { reason: 'Enter why the shift is cancelled: the volunteers on it are told' } });
    if (reason.length > 300) return renderShift(request, reply, actor, request.params.id, { errors: { reason: 'The reason must be 300 characters or fewer' } });
    return act(request, reply, actor, 'reason', async () => {
      await shifts.cancel(actor, request.params.id, reason);
      return 'Shift cancelled; everyone on it and waiting for it gets a text';
    });
  });

  // ---- volunteers

  app.get<HubQ>('/staff/rota/volunteers', PAGE, async (request, reply) => {
    const { actor } = staffOf(request);
    const hub = await hubOfPage(container, request, reply, request.query.hub);
    const { items } = await people.volunteers(actor, hub.id);
    return reply.view('staff/views/rota/volunteers.njk', {
      title: `Volunteers at ${hub.name}`,
      hub,
      volunteers: items.map((v) => ({ ...v, roles: v.trainedRoles.length ? listInWords(v.trainedRoles.map((r) => roleName(r).toLowerCase())) : 'None yet' })),
      maxNoShows: rotaRules(hub.settings).maxNoShows,
    });
  });

  app.get<{ Params: { userId: string }; Querystring: { hub?: string } }>('/staff/rota/volunteers/:userId', PAGE, async (request, reply) => {
    const { actor } = staffOf(request);
    const hub = await hubOfPage(container, request, reply, request.query.hub);
    const v = (await people.volunteers(actor, hub.id)).items.find((x) => x.userId === request.params.userId);
    if (!v) throw notFound('Volunteer');
    return reply.view('staff/views/rota/volunteer.njk', { title: `${v.name}: training`, hub, v, roleItems: ROLES.map((r) => ({ value: r, text: roleName(r), checked: (v.trainedRoles as string[]).includes(r) })), notes: v.notes ?? '' });
  });

  app.post<{ Params: { userId: string }; Querystring: { hub?: string }; Body: Fields }>('/staff/rota/volunteers/:userId', PAGE, async (request, reply) => {
    const { actor } = staffOf(request);
    const hub = await hubOfPage(container, request, reply, request.query.hub);
    const v = (await people.volunteers(actor, hub.id)).items.find((x) => x.userId === request.params.userId);
    if (!v) throw notFound('Volunteer');
    const roles = many(request.body, 'trainedRoles');
    const notes = text(request.body, 'notes');
    const errors: FieldErrors = {};
    if (roles.some((r) => !ROLES.includes(r))) errors.trainedRoles = 'Select only the roles listed';
    if (notes.length > 1000) errors.notes = 'The notes must be 1,000 characters or fewer';
    if (Object.keys(errors).length) {
      return reply.status(400).view('staff/views/rota/volunteer.njk', { title: `${v.name}: training`, hub, v, roleItems: ROLES.map((r) => ({ value: r, text: roleName(r), checked: roles.includes(r) })), notes, errors: errorList(errors, { trainedRoles: 'trainedRoles' }), fieldErrors: errors });
    }
    await people.setVolunteer(actor, hub.id, v.userId, { trainedRoles: roles as ShiftRole[], notes: notes || null, clearNoShows: text(request.body, 'clearNoShows') === 'yes' });
    flash(request, `${v.name}'s training is saved`);
    return reply.redirect(`/staff/rota/volunteers?hub=${hub.id}`, 303);
  });
}
