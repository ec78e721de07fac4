import type { Clock } from '../../lib/clock';
import { forbidden, notFound } from '../../lib/errors';
import { type Interval, toZonedIso } from '../../lib/time';
import { type Actor, isStaffOf } from '../auth/actor';
import { openingIntervals } from '../venues/availability.fns';
import type { HubRow } from '../venues/venues.repository';
import { reportSettingsSchema } from '../venues/venues.types';
import { TIERS } from '../../db/schema/organisations.types';
import {
  type LocalPeriod,
  type Measures,
  bookableByMonth,
  checkPeriod,
  hoursOf,
  minutesOf,
  monthLabels,
  monthWindows,
  occupancyOf,
  periodInstants,
  tierOrder,
  volunteerValuePence,
  wholeMonth,
} from './reports.fns';
import { ROLL_UP_BATCH, type ReportsRepository, type UsageRow } from './reports.repository';

/** One hub's period as instants: its local dates read in its own zone. */
export interface VolunteerHoursWindow {
  hubId: string;
  timezone: string;
  fromUtc: Date;
  toUtc: Date;
}
export interface VolunteerHours {
  /** Attended minutes inside the hub's window (a shift across an edge counts only its minutes inside), by hub, shift role and local month `YYYY-MM`, with the number of different volunteers in that row. */
  rows: { hubId: string; role: string; month: string; minutes: number; volunteers: number }[];
  /** Different volunteers over the whole period: per hub and role, and per hub (`role: null`). */
  totals: { hubId: string; role: string | null; volunteers: number }[];
}
/**
 * Where attended volunteer hours come from: the rota module's SQL once it exists. Wired in one
 * place, the container (`ContainerOverrides.volunteerHours` for tests).
 */
export type VolunteerHoursSource = (windows: VolunteerHoursWindow[]) => Promise<VolunteerHours>;
/** Until the rota records attendance there is nothing to count. */
export const noVolunteerHours: VolunteerHoursSource = async () => ({ rows: [], totals: [] });

export const NO_SHIFTS_NOTE = 'No attended volunteer shifts are recorded for this period.';

const zero: UsageRow = { kind: 'tier', hubId: null, month: null, tier: null, roomId: null, bookings: 0, usedMs: 0, incomePence: 0, subsidyPence: 0, organisations: 0, cancellations: 0, noShows: 0 };

const measures = (r: UsageRow | undefined): Measures => {
  const x = r ?? zero;
  return {
    bookings: x.bookings,
    hours: hoursOf(x.usedMs),
    minutes: minutesOf(x.usedMs),
    incomePence: x.incomePence,
    privateRatePence: x.incomePence + x.subsidyPence,
    subsidyPence: x.subsidyPence,
    organisations: x.organisations,
    cancellations: x.cancellations,
    noShows: x.noShows,
  };
};

/** How many (zone, opening hours, period) results are kept: a year of luxon day-walking costs 40-150 ms. */
const OPENING_MEMO_SIZE = 64;
/**
 * Report statements run at once per process; more wait their turn. A network's year reads every
 * booking of the year, so without a cap a few of them could take every pooled connection and
 * starve bookings, keypads and the worker.
 */
export const CONCURRENT_REPORTS = 2;

/** A small counting semaphore: at most `size` calls of `run` at a time, the rest queued in order. */
function limiter(size: number) {
  let running = 0;
  const waiting: (() => void)[] = [];
  return async <T>(run: () => Promise<T>): Promise<T> => {
    if (running >= size) await new Promise<void>((resolve) => waiting.push(resolve));
    else running++;
    try {
      return await run();
    } finally {
      const next = waiting.shift();
      if (next) next();
      else running--;
    }
  };
}

export function createReportsService(deps: { reports: ReportsRepository; clock: Clock; volunteerHours: VolunteerHoursSource }) {
  const { reports } = deps;
  const oneAtATime = limiter(CONCURRENT_REPORTS);
  // Opening intervals depend only on the zone, the hours and the period: reports of the same
  // period (this month, last quarter, the year) reuse them. Oldest first out.
  const openingMemo = new Map<string, Interval[]>();
  function openingFor(hub: HubRow, span: Interval): Interval[] {
    const key = `${hub.timezone}|${JSON.stringify(hub.openingHours)}|${span.start}|${span.end}`;
    let open = openingMemo.get(key);
    if (!open) {
      open = openingIntervals(hub.openingHours, hub.timezone, new Date(span.start), new Date(span.end));
      if (openingMemo.size >= OPENING_MEMO_SIZE) openingMemo.delete(openingMemo.keys().next().value!);
      openingMemo.set(key, open);
    }
    return open;
  }

  async function hubOr404(hubId: string) {
    const [hub] = await reports.hubsByIds([hubId]);
    if (!hub) throw notFound('Hub');
    return hub;
  }

  /** Opening hours minus closures, per room and month, in each hub's zone. Bounded: one period of at most a year. */
  async function bookable(hubs: HubRow[], period: LocalPeriod) {
    if (hubs.length === 0) return { rooms: [], byRoom: new Map<string, Map<string, number>>() };
    const hubIds = hubs.map((h) => h.id);
    const spans = new Map(hubs.map((h) => [h.id, periodInstants(period, h.timezone)]));
    const earliest = Math.min(...[...spans.values()].map((s) => s.start));
    const latest = Math.max(...[...spans.values()].map((s) => s.end));
    const [rooms, closures] = await Promise.all([reports.roomsOf(hubIds), reports.closuresOf(hubIds, new Date(earliest), new Date(latest))]);
    const byRoom = new Map<string, Map<string, number>>();
    for (const hub of hubs) {
      // Hubs usually share their hours and zone: each distinct rule is worked out once.
      const open = openingFor(hub, spans.get(hub.id)!);
      const months = monthWindows(period, hub.timezone);
      const hubClosures = closures.filter((c) => c.hubId === hub.id);
      // Rooms with the same closures (most have none of their own) share one result.
      const byShut = new Map<string, Map<string, number>>();
      for (const room of rooms.filter((r) => r.hubId === hub.id)) {
        const shut = hubClosures.filter((c) => c.roomId === null || c.roomId === room.id).map((c) => ({ start: c.startsAt.getTime(), end: c.endsAt.getTime() }));
        const key = JSON.stringify(shut);
        let result = byShut.get(key);
        if (!result) byShut.set(key, (result = bookableByMonth(open, shut, months)));
        byRoom.set(room.id, result);
      }
    }
    return { rooms, byRoom };
  }

  async function build(actorHubs: HubRow[], period: LocalPeriod, scope: 'hub' | 'network') {
    const windows = actorHubs.map((h) => {
      const span = periodInstants(period, h.timezone);
      return { hubId: h.id, timezone: h.timezone, fromUtc: new Date(span.start), toUtc: new Date(span.end) };
    });
    const [rows, space, volunteers] = await Promise.all([
      oneAtATime(() =>
        reports.usage({
          months: actorHubs.flatMap((h) =>
            monthWindows(period, h.timezone).map((m) => ({ hubId: h.id, month: m.month, start: new Date(m.start), end: new Date(m.end), whole: m.whole })),
          ),
          now: deps.clock.now(),
        }),
      ),
      bookable(actorHubs, period),
      deps.volunteerHours(windows),
    ]);

    // Grouping sets of the usage statement, found by which keys they keep.
    const key = (hubId: string | null, month: string | null, tier: string | null) => `${hubId ?? '*'}|${month ?? '*'}|${tier ?? '*'}`;
    const grouped = new Map<string, UsageRow>();
    const roomRows = new Map<string, UsageRow>();
    for (const r of rows) {
      if (r.kind === 'room') roomRows.set(r.roomId!, r);
      else grouped.set(key(r.hubId, r.month, r.tier), r);
    }
    // The tiers: the four, plus any other found on old bookings.
    const tiers = [...new Set([...TIERS, ...rows.filter((r) => r.tier).map((r) => r.tier!)])].sort((a, b) => tierOrder(a) - tierOrder(b) || a.localeCompare(b));
    const months = monthLabels(period);

    const bookableOf = (roomIds: string[], month?: string) =>
      roomIds.reduce((sum, id) => {
        const m = space.byRoom.get(id);
        if (!m) return sum;
        return sum + (month ? (m.get(month) ?? 0) : [...m.values()].reduce((a, b) => a + b, 0));
      }, 0);
    // Rooms in the report: active ones, and retired ones that were used in the period.
    const rooms = space.rooms.filter((r) => r.active || roomRows.has(r.id));
    const allRoomIds = rooms.map((r) => r.id);
    const hubName = new Map(actorHubs.map((h) => [h.id, h.name]));
    const withSpace = (m: Measures, bookableMs: number, usedMs: number) => ({ ...m, bookableHours: hoursOf(bookableMs), occupancy: occupancyOf(usedMs, bookableMs) });

    const totalRow = grouped.get(key(null, null, null));
    const totals = withSpace(measures(totalRow), bookableOf(allRoomIds), totalRow?.usedMs ?? 0);
    const byTier = tiers.map((tier) => ({ tier, ...measures(grouped.get(key(null, null, tier))) }));
    const byMonth = months.map((month) => {
      const row = grouped.get(key(null, month, null));
      return {
        month,
        ...withSpace(measures(row), bookableOf(allRoomIds, month), row?.usedMs ?? 0),
        byTier: tiers.map((tier) => ({ tier, ...measures(grouped.get(key(null, month, tier))) })),
      };
    });
    const byRoom = rooms.map((r) => {
      const used = roomRows.get(r.id)?.usedMs ?? 0;
      const bookableMs = bookableOf([r.id]);
      return {
        hubId: r.hubId,
        hubName: hubName.get(r.hubId)!,
        roomId: r.id,
        roomName: r.name,
        bookableHours: hoursOf(bookableMs),
        bookedHours: hoursOf(used),
        occupancy: occupancyOf(used, bookableMs),
      };
    });
    const byHub = actorHubs.map((h) => {
      const row = grouped.get(key(h.id, null, null));
      const span = windows.find((w) => w.hubId === h.id)!;
      return {
        hubId: h.id,
        hubName: h.name,
        timezone: h.timezone,
        startsAt: toZonedIso(span.fromUtc, h.timezone),
        endsAt: toZonedIso(span.toUtc, h.timezone),
        ...withSpace(measures(row), bookableOf(rooms.filter((r) => r.hubId === h.id).map((r) => r.id)), row?.usedMs ?? 0),
      };
    });

    return {
      scope,
      from: period.from,
      to: period.to,
      currency: 'GBP' as const,
      generatedAt: deps.clock.now().toISOString(),
      totals,
      byTier,
      byMonth,
      byRoom,
      byHub,
      volunteers: volunteerSection(actorHubs, volunteers, months),
    };
  }

  return {
    /** How the last report split its hub-months between the roll-up and the live computation. */
    lastSources: () => reports.lastSources(),

    /**
     * The worker's `reports.roll-up`: works out again every marked hub-month, and every keypad
     * hub's month whose no-shows have settled since it was worked out, in batches of
     * ROLL_UP_BATCH, until none is due or `budgetMs` has passed (the next run goes on). Costs what
     * is due: both lists are read by index.
     */
    async rollUp(opts: { budgetMs?: number } = {}): Promise<number> {
      const started = Date.now();
      let done = 0;
      for (;;) {
        const now = deps.clock.now();
        const due = await reports.dueMonths(now, ROLL_UP_BATCH);
        if (due.length === 0) break;
        done += await reports.rollUp(
          due.map((d) => {
            const m = wholeMonth(d.month, d.timezone);
            return { hubId: d.hubId, month: d.month, start: new Date(m.start), end: new Date(m.end) };
          }),
          now,
        );
        if (opts.budgetMs !== undefined && Date.now() - started > opts.budgetMs) break;
      }
      return done;
    },

    /** A hub's usage report (staff of the hub, or an admin). */
    async hubUsage(actor: Actor, hubId: string, period: LocalPeriod) {
      const hub = await hubOr404(hubId);
      if (!isStaffOf(actor, hubId)) throw forbidden('Only staff of this hub may see its reports');
      checkPeriod(period);
      return build([hub], period, 'hub');
    },
    /** The network's usage report, or one hub's (network admin). */
    async networkUsage(actor: Actor, period: LocalPeriod & { hubId?: string }) {
      if (!actor.isAdmin) throw forbidden('Only a network admin may see network reports');
      checkPeriod(period);
      const hubs = period.hubId ? [await hubOr404(period.hubId)] : await reports.listHubs();
      return build(hubs, { from: period.from, to: period.to }, 'network');
    },
  };
}
export type ReportsService = ReturnType<typeof createReportsService>;
export type UsageReport = Awaited<ReturnType<ReportsService['hubUsage']>>;

/** Volunteer hours by role and hub, valued at each hub's stated hourly value; kept apart from money charged. */
function volunteerSection(hubs: HubRow[], v: VolunteerHours, months: string[]) {
  const settings = new Map(hubs.map((h) => [h.id, reportSettingsSchema.parse(h.settings.reports ?? {})]));
  const minutes = new Map<string, number>(); // hubId|role
  for (const r of v.rows) minutes.set(`${r.hubId}|${r.role}`, (minutes.get(`${r.hubId}|${r.role}`) ?? 0) + r.minutes);
  const people = (hubId: string, role: string | null) => v.totals.find((t) => t.hubId === hubId && t.role === role)?.volunteers ?? 0;
  const roles = [...new Set(v.rows.map((r) => r.role))].sort();
  const perHubRole = (hubId: string, role: string) => {
    const m = minutes.get(`${hubId}|${role}`) ?? 0;
    return { minutes: m, valuePence: volunteerValuePence(m, settings.get(hubId)!.volunteerHourValuePence), volunteers: people(hubId, role) };
  };
  const byRole = roles.map((role) => {
    const parts = hubs.map((h) => perHubRole(h.id, role));
    const m = parts.reduce((a, p) => a + p.minutes, 0);
    return { role, hours: Math.round((m / 60) * 100) / 100, minutes: m, volunteers: parts.reduce((a, p) => a + p.volunteers, 0), valuePence: parts.reduce((a, p) => a + p.valuePence, 0) };
  });
  const byHub = hubs.map((h) => {
    const parts = roles.map((role) => perHubRole(h.id, role));
    const m = parts.reduce((a, p) => a + p.minutes, 0);
    const s = settings.get(h.id)!;
    return {
      hubId: h.id,
      hubName: h.name,
      hourValuePence: s.volunteerHourValuePence,
      valuationNote: s.valuationNote,
      hours: Math.round((m / 60) * 100) / 100,
      minutes: m,
      volunteers: people(h.id, null),
      valuePence: parts.reduce((a, p) => a + p.valuePence, 0),
    };
  });
  const total = byHub.reduce((a, h) => a + h.minutes, 0);
  const only = hubs.length === 1 ? settings.get(hubs[0].id)! : undefined;
  return {
    hours: Math.round((total / 60) * 100) / 100,
    minutes: total,
    volunteers: byHub.reduce((a, h) => a + h.volunteers, 0),
    valuePence: byHub.reduce((a, h) => a + h.valuePence, 0),
    /** A hub report's own value and method; a network report gives them per hub. */
    hourValuePence: only?.volunteerHourValuePence ?? null,
    valuationNote: only?.valuationNote ?? null,
    byRole,
    byHub,
    /** Every month of the period (none left out), for the chart of hours by month. */
    byMonth: months.map((month) => {
      const m = v.rows.filter((r) => r.month === month).reduce((a, r) => a + r.minutes, 0);
      return { month, hours: Math.round((m / 60) * 100) / 100, minutes: m };
    }),
    note: v.rows.length === 0 ? NO_SHIFTS_NOTE : null,
  };
}
