import type { FastifyInstance } from 'fastify';
import { DateTime } from 'luxon';
import type { Container } from '../../container';
import { flash } from '../forms';
import { volunteerOnly } from './guard';
import { roleName } from './words';

const PAGE = { schema: { hide: true } };

/** "November 2026" from "2026-11". */
export const monthName = (ym: string) => DateTime.fromFormat(ym, 'yyyy-MM', { zone: 'UTC' }).toFormat('LLLL yyyy', { locale: 'en-GB' });
const hoursText = (h: number) => `${h.toLocaleString('en-GB', { maximumFractionDigits: 2 })} ${h === 1 ? 'hour' : 'hours'}`;

/** My hours by month (the last year) and my private calendar link. */
export async function volunteerHoursPages(app: FastifyInstance, { container }: { container: Container }) {
  const { people, calendar } = container.services.rota;

  app.get('/volunteer/hours', PAGE, async (request, reply) => {
    const actor = volunteerOnly(request, reply);
    if (!actor) return reply;
    const hours = await people.myHours(actor, {});
    // Months newest first, each with its roles (and hubs, when I volunteer at more than one).
    const byMonth = new Map<string, { month: string; label: string; minutes: number; parts: { text: string; hours: string }[] }>();
    const manyHubs = new Set(hours.items.map((i) => i.hubId)).size > 1;
    for (const i of hours.items) {
      const m = byMonth.get(i.month) ?? { month: i.month, label: monthName(i.month), minutes: 0, parts: [] };
      m.minutes += i.minutes;
      m.parts.push({ text: `${roleName(i.role)}${manyHubs ? ` at ${i.hubName}` : ''}`, hours: hoursText(i.hours) });
      byMonth.set(i.month, m);
    }
    const months = [...byMonth.values()].sort((a, b) => b.month.localeCompare(a.month)).map((m) => ({ ...m, hours: hoursText(Math.round((m.minutes / 60) * 100) / 100) }));
    return reply.view('volunteer/views/hours.njk', { title: 'My hours', months, total: hoursText(hours.totalHours) });
  });

  app.get('/volunteer/calendar', PAGE, async (request, reply) => {
    const actor = volunteerOnly(request, reply);
    if (!actor) return reply;
    const { url } = await calendar.url(actor);
    return reply.view('volunteer/views/calendar.njk', { title: 'My calendar link', url, webcal: url.replace(/^https?:/, 'webcal:') });
  });

  app.post('/volunteer/calendar/rotate', PAGE, async (request, reply) => {
    const actor = volunteerOnly(request, reply);
    if (!actor) return reply;
    await calendar.rotate(actor);
    flash(request, 'You have a new calendar link', 'The old link has stopped working. Add the new one to your calendar, and remove the old calendar there.');
    return reply.redirect('/volunteer/calendar', 303);
  });
}
