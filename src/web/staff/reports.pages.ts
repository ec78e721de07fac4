import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { DateTime } from 'luxon';
import type { Container } from '../../container';
import type { Actor } from '../../modules/auth/actor';
import { MAX_REPORT_DAYS, reportCsv, reportFileName } from '../../modules/reports/reports.fns';
import type { UsageReport } from '../../modules/reports/reports.service';
import { DomainError, notFound } from '../../lib/errors';
import { type FieldErrors, type Fields, dateParts, errorList, readDate } from '../forms';
import { formatLocalDate, formatMoney, tierName } from '../format';
import { monthName } from '../volunteer/hours.pages';
import { hubOfPage, staffOf } from './context';
import { STAFF_PAGE as PAGE } from './page';
import { roleName } from '../volunteer/words';
import { type Bar, barChart } from './charts';

type Q = { Querystring: Fields & { hub?: string } };

const hoursText = (h: number) => `${h.toLocaleString('en-GB', { maximumFractionDigits: 2 })} ${h === 1 ? 'hour' : 'hours'}`;
const percent = (x: number) => `${Math.round(x * 1000) / 10}%`;

/**
 * The usage report for a chosen period: tables and SVG charts (hours, income and subsidy by tier;
 * occupancy by room; volunteer hours by month), each chart also a table, and the CSV. Staff see
 * their hub's; a network admin can also choose the whole network. Numbers come from the reports
 * service, the same as GET /hubs/:hubId/reports/usage.
 */
export async function reportPages(app: FastifyInstance, { container }: { container: Container }) {
  const { reports } = container.services;
  const { clock } = container;

  /** The report's scope: the whole network (`?hub=network`, admins only), else the hub of the page. */
  async function scopeOf(request: FastifyRequest, reply: FastifyReply, wanted?: string) {
    const { actor, hubs } = staffOf(request);
    if (wanted === 'network') {
      if (!actor.isAdmin) throw notFound('Hub');
      return { hubs, hub: undefined };
    }
    return { hubs, hub: await hubOfPage(container, request, reply, wanted) };
  }

  /** The period asked for (date inputs `from` and `to`), or the last three months to today. */
  function period(q: Fields, zone: string) {
    const asked = Boolean(q['from-day'] || q['from-month'] || q['from-year'] || q['to-day'] || q['to-month'] || q['to-year']);
    const today = DateTime.fromJSDate(clock.now(), { zone });
    if (!asked) {
      const from = today.minus({ months: 2 }).startOf('month').toISODate()!;
      const to = today.endOf('month').toISODate()!;
      return { from, to, values: { from: dateParts(from), to: dateParts(to) }, errors: {} as FieldErrors };
    }
    const f = readDate(q, 'from');
    const t = readDate(q, 'to');
    const errors: FieldErrors = {};
    if (f.error) errors.from = f.error === 'missing' ? 'Enter the first day of the period' : 'The first day must be a real date, like 1 9 2026';
    if (t.error) errors.to = t.error === 'missing' ? 'Enter the last day of the period' : 'The last day must be a real date, like 30 11 2026';
    if (f.iso && t.iso) {
      const days = DateTime.fromISO(t.iso).diff(DateTime.fromISO(f.iso), 'days').days + 1;
      if (days < 1) errors.to = 'The last day must be the same as or after the first day';
      else if (days > MAX_REPORT_DAYS) errors.to = `A report covers at most ${MAX_REPORT_DAYS} days: choose a shorter period`;
    }
    return { from: f.iso ?? '', to: t.iso ?? '', values: { from: f.value, to: t.value }, errors };
  }

  async function build(actor: Actor, hubId: string | undefined, from: string, to: string): Promise<UsageReport> {
    return hubId ? reports.hubUsage(actor, hubId, { from, to }) : reports.networkUsage(actor, { from, to });
  }

  app.get<Q>('/staff/reports', PAGE, async (request, reply) => {
    const { actor } = staffOf(request);
    const { hubs, hub } = await scopeOf(request, reply, request.query.hub);
    const zone = hub?.timezone ?? 'Europe/London';
    const p = period(request.query, zone);
    const scopeItems = [
      ...(actor.isAdmin ? [{ value: 'network', text: 'The whole network', selected: !hub }] : []),
      ...hubs.map((h) => ({ value: h.id, text: h.name, selected: h.id === hub?.id })),
    ];
    const base = { title: 'Usage report', hub, scopeItems, scopeName: hub?.name ?? 'The whole network', values: p.values, fieldErrors: p.errors };
    if (Object.keys(p.errors).length) {
      return reply.status(400).view('staff/views/reports/usage.njk', { ...base, errors: errorList(p.errors, { from: 'from-day', to: 'to-day' }) });
    }
    const r = await build(actor, hub?.id, p.from, p.to);
    const span = `${formatLocalDate(r.from)} to ${formatLocalDate(r.to)}`;
    const tiers = r.byTier.map((t) => ({ ...t, name: tierName(t.tier) }));
    const chart = (id: string, title: string, description: string, bars: Bar[]) => ({ id, title, svg: barChart({ id, title, description, bars }) });
    const charts = {
      hours: chart('chart-hours', `Hours booked by tier, ${span}`, `${hoursText(r.totals.hours)} in all. The table below gives each tier's hours.`, tiers.map((t) => ({ label: t.name, value: t.hours, text: hoursText(t.hours) }))),
      income: chart('chart-income', `Income by tier, ${span}`, `${formatMoney(r.totals.incomePence)} in all. The table below gives each tier's income.`, tiers.map((t) => ({ label: t.name, value: t.incomePence, text: formatMoney(t.incomePence) }))),
      subsidy: chart('chart-subsidy', `Subsidy by tier, ${span}`, `${formatMoney(r.totals.subsidyPence)} in all: what the same hours would have cost at the private rate, less what was charged.`, tiers.map((t) => ({ label: t.name, value: t.subsidyPence, text: formatMoney(t.subsidyPence) }))),
      occupancy: chart('chart-occupancy', `Occupancy by room, ${span}`, `Hours booked as a share of the hours each room was open. ${percent(r.totals.occupancy)} across all rooms.`, r.byRoom.map((x) => ({ label: hub ? x.roomName : `${x.roomName}, ${x.hubName}`, value: x.occupancy, text: percent(x.occupancy) }))),
      volunteers: chart('chart-volunteers', `Volunteer hours by month, ${span}`, `${hoursText(r.volunteers.hours)} given by ${r.volunteers.volunteers} ${r.volunteers.volunteers === 1 ? 'volunteer' : 'volunteers'}.`, r.volunteers.byMonth.map((m) => ({ label: monthName(m.month), value: m.hours, text: hoursText(m.hours) }))),
    };
    const csvHref = `/staff/reports/usage.csv?hub=${hub?.id ?? 'network'}&from=${r.from}&to=${r.to}`;
    return reply.view('staff/views/reports/usage.njk', {
      ...base,
      r,
      span,
      tiers,
      charts,
      csvHref,
      rooms: r.byRoom.map((x) => ({ ...x, occupancyText: percent(x.occupancy), bookedText: hoursText(x.bookedHours), bookableText: hoursText(x.bookableHours) })),
      months: r.volunteers.byMonth.map((m) => ({ label: monthName(m.month), hours: hoursText(m.hours) })),
      roles: r.volunteers.byRole.map((x) => ({ role: roleName(x.role), hours: hoursText(x.hours), volunteers: x.volunteers, value: formatMoney(x.valuePence) })),
      occupancy: percent(r.totals.occupancy),
    });
  });

  app.get<{ Querystring: { hub?: string; from?: string; to?: string } }>('/staff/reports/usage.csv', PAGE, async (request, reply) => {
    const { actor } = staffOf(request);
    const { hub } = await scopeOf(request, reply, request.query.hub);
    const iso = /^\d{4}-\d{2}-\d{2}$/;
    const { from = '', to = '' } = request.query;
    if (!iso.test(from) || !iso.test(to)) throw notFound('Report');
    let r: UsageReport;
    try {
      r = await build(actor, hub?.id, from, to);
    } catch (err) {
      // A period the service refuses (over a year, backwards): there is no such file.
      if (err instanceof DomainError && err.kind === 'validation') throw notFound('Report');
      throw err;
    }
    return reply
      .type('text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="${reportFileName(hub?.name ?? 'network', r)}"`)
      .header('cache-control', 'private, no-store')
      .send(reportCsv(r));
  });
}
