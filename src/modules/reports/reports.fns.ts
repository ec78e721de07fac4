/**
 * The report's pure parts: the period in a hub's zone, its local months, bookable time (opening
 * hours minus closures), the whole-pence share of a booking's money, and the CSV rows.
 */
import { stringify } from 'csv-stringify/sync';
import { DateTime } from 'luxon';
import { TIERS, type Tier } from '../../db/schema/organisations.types';
import { invalid } from '../../lib/errors';
import { LIMITS } from '../../lib/limits';
import { type Interval, subtractIntervals } from '../../lib/time';

/** The longest period one report covers: a year, leap day included. Keeps one request's work bounded. */
export const MAX_REPORT_DAYS = LIMITS.reportDays;

export interface LocalPeriod {
  /** Local dates `YYYY-MM-DD`, inclusive. */
  from: string;
  to: string;
}

/** Checks a period of local dates: `to` not before `from`, at most MAX_REPORT_DAYS days. */
export function checkPeriod(p: LocalPeriod): { days: number } {
  const from = DateTime.fromISO(p.from, { zone: 'UTC' });
  const to = DateTime.fromISO(p.to, { zone: 'UTC' });
  if (!from.isValid) throw invalid('from is not a date', [{ path: 'querystring.from', message: 'not a calendar date' }]);
  if (!to.isValid) throw invalid('to is not a date', [{ path: 'querystring.to', message: 'not a calendar date' }]);
  const days = Math.round(to.diff(from, 'days').days) + 1;
  if (days < 1) throw invalid('to must not be before from', [{ path: 'querystring.to', message: 'before from' }]);
  if (days > MAX_REPORT_DAYS) {
    throw invalid(`A report covers at most ${MAX_REPORT_DAYS} days; ask for a shorter period`, [{ path: 'querystring.to', message: 'period too long' }]);
  }
  return { days };
}

/** The period as instants in `zone`: from the start of `from` to the start of the day after `to`. */
export function periodInstants(p: LocalPeriod, zone: string): Interval {
  return {
    start: DateTime.fromISO(p.from, { zone }).startOf('day').toMillis(),
    end: DateTime.fromISO(p.to, { zone }).plus({ days: 1 }).startOf('day').toMillis(),
  };
}

export interface MonthWindow {
  /** `YYYY-MM`. */
  month: string;
  start: number;
  end: number;
  /** The period covers the whole month (the roll-up can answer it). */
  whole: boolean;
}

/** The local months the period touches, each cut to the period, as instants in `zone`. */
export function monthWindows(p: LocalPeriod, zone: string): MonthWindow[] {
  const period = periodInstants(p, zone);
  const out: MonthWindow[] = [];
  let m = DateTime.fromISO(p.from, { zone }).startOf('month');
  while (m.toMillis() < period.end) {
    const next = m.plus({ months: 1 }).startOf('month');
    out.push({
      month: m.toFormat('yyyy-MM'),
      start: Math.max(m.toMillis(), period.start),
      end: Math.min(next.toMillis(), period.end),
      whole: m.toMillis() >= period.start && next.toMillis() <= period.end,
    });
    m = next;
  }
  return out;
}

/** A whole local month `YYYY-MM` of `zone` as instants. */
export function wholeMonth(month: string, zone: string): { start: number; end: number } {
  const m = DateTime.fromISO(`${month}-01`, { zone }).startOf('month');
  return { start: m.toMillis(), end: m.plus({ months: 1 }).startOf('month').toMillis() };
}

/** Every `YYYY-MM` label from `from`'s month to `to`'s. */
export function monthLabels(p: LocalPeriod): string[] {
  return monthWindows(p, 'UTC').map((m) => m.month);
}

/** Milliseconds of `intervals` (sorted, not overlapping) inside [start, end). */
export function msWithin(intervals: Interval[], start: number, end: number): number {
  let total = 0;
  for (const i of intervals) {
    if (i.end <= start || i.start >= end) continue;
    total += Math.min(i.end, end) - Math.max(i.start, start);
  }
  return total;
}

/**
 * Bookable time of one room by month: the hub's opening intervals over the period minus the
 * closures of the room or the whole hub.
 */
export function bookableByMonth(open: Interval[], closures: Interval[], months: MonthWindow[]): Map<string, number> {
  const bookable = subtractIntervals(open, closures);
  return new Map(months.map((m) => [m.month, msWithin(bookable, m.start, m.end)]));
}

/**
 * The pence of `amountPence` earned by `elapsedMs` into a booking `lengthMs` long:
 * round(amount × elapsed / length), halves up, in exact integer arithmetic. A piece [s, e) of the
 * booking gets earned(e) − earned(s): pieces that meet add up to the whole price exactly, and no
 * piece is negative. The SQL in reports.repository.ts applies the same rule.
 */
export function earnedPence(amountPence: number, elapsedMs: number, lengthMs: number): number {
  const a = BigInt(amountPence);
  const x = BigInt(Math.max(0, Math.min(elapsedMs, lengthMs)));
  const l = BigInt(lengthMs);
  return Number((2n * a * x + l) / (2n * l));
}

export const hoursOf = (ms: number) => Math.round(ms / 36_000) / 100;
export const minutesOf = (ms: number) => Math.round(ms / 60_000);
export const occupancyOf = (bookedMs: number, bookableMs: number) => (bookableMs > 0 ? Math.round(Math.min(1, bookedMs / bookableMs) * 10_000) / 10_000 : 0);

/** Value of volunteered minutes at an hourly value in pence: round(minutes × value / 60), halves up. */
export const volunteerValuePence = (minutes: number, hourValuePence: number) => Number((2n * BigInt(Math.round(minutes)) * BigInt(hourValuePence) + 60n) / 120n);

/** A file name for the report: the hub (or "network") and the period, safe on every system. */
export function reportFileName(scope: string, p: LocalPeriod): string {
  const slug = scope
    .normalize('NFKD')
    .replace(/[^\w\s-]/g, '')
    .trim()
    .toLowerCase()
    .replace(/[\s_-]+/g, '-')
    .slice(0, 60);
  return `usage-${slug || 'hub'}-${p.from}-to-${p.to}.csv`;
}

export const tierOrder = (t: string) => {
  const i = TIERS.indexOf(t as Tier);
  return i < 0 ? TIERS.length : i;
};

export const CSV_COLUMNS = [
  'section',
  'hub',
  'month',
  'tier',
  'room',
  'role',
  'bookings',
  'hours',
  'minutes',
  'income_pence',
  'private_rate_pence',
  'subsidy_pence',
  'organisations',
  'cancellations',
  'no_shows',
  'bookable_hours',
  'occupancy',
  'volunteers',
  'value_pence',
  'hour_value_pence',
  'note',
] as const;
type CsvRecord = Partial<Record<(typeof CSV_COLUMNS)[number], string | number | null>>;

/** The booking figures of a report row (by tier, month, hub or the whole). */
export interface Measures {
  bookings: number;
  hours: number;
  minutes: number;
  incomePence: number;
  privateRatePence: number;
  subsidyPence: number;
  organisations: number;
  cancellations: number;
  noShows: number;
}
type CsvMeasures = Measures & { bookableHours?: number; occupancy?: number };
export interface CsvReport {
  scope: 'hub' | 'network';
  totals: CsvMeasures;
  byTier: (CsvMeasures & { tier: string })[];
  byMonth: (CsvMeasures & { month: string; byTier: (CsvMeasures & { tier: string })[] })[];
  byRoom: { hubName: string; roomName: string; bookableHours: number; bookedHours: number; occupancy: number }[];
  byHub: (CsvMeasures & { hubName: string })[];
  volunteers: {
    hours: number;
    minutes: number;
    volunteers: number;
    valuePence: number;
    byRole: { role: string; hours: number; minutes: number; volunteers: number; valuePence: number }[];
    byHub: { hubName: string; hours: number; minutes: number; volunteers: number; valuePence: number; hourValuePence: number; valuationNote: string }[];
    note: string | null;
  };
}

const csvMeasures = (m: CsvMeasures): CsvRecord => ({
  bookings: m.bookings,
  hours: m.hours,
  minutes: m.minutes,
  income_pence: m.incomePence,
  private_rate_pence: m.privateRatePence,
  subsidy_pence: m.subsidyPence,
  organisations: m.organisations,
  cancellations: m.cancellations,
  no_shows: m.noShows,
  bookable_hours: m.bookableHours ?? null,
  occupancy: m.occupancy ?? null,
});

/**
 * The report as one table: a `section` column says what each row is (total, tier, month,
 * month_tier, hub, room, volunteers, volunteer_role, volunteer_hub); pence and hours are plain
 * numbers in their own columns. Every row names its hub (or "All hubs" for a network's totals).
 */
export function reportCsvRecords(r: CsvReport): CsvRecord[] {
  const whole = r.scope === 'hub' ? r.byHub[0]?.hubName ?? '' : 'All hubs';
  const out: CsvRecord[] = [{ section: 'total', hub: whole, ...csvMeasures(r.totals) }];
  for (const t of r.byTier) out.push({ section: 'tier', hub: whole, tier: t.tier, ...csvMeasures(t) });
  for (const m of r.byMonth) {
    out.push({ section: 'month', hub: whole, month: m.month, ...csvMeasures(m) });
    for (const t of m.byTier) out.push({ section: 'month_tier', hub: whole, month: m.month, tier: t.tier, ...csvMeasures(t) });
  }
  if (r.scope === 'network') for (const h of r.byHub) out.push({ section: 'hub', hub: h.hubName, ...csvMeasures(h) });
  for (const room of r.byRoom) {
    out.push({ section: 'room', hub: room.hubName, room: room.roomName, hours: room.bookedHours, bookable_hours: room.bookableHours, occupancy: room.occupancy });
  }
  const v = r.volunteers;
  out.push({ section: 'volunteers', hub: whole, hours: v.hours, minutes: v.minutes, volunteers: v.volunteers, value_pence: v.valuePence, note: v.note });
  for (const role of v.byRole) {
    out.push({ section: 'volunteer_role', hub: whole, role: role.role, hours: role.hours, minutes: role.minutes, volunteers: role.volunteers, value_pence: role.valuePence });
  }
  for (const h of v.byHub) {
    out.push({
      section: 'volunteer_hub',
      hub: h.hubName,
      hours: h.hours,
      minutes: h.minutes,
      volunteers: h.volunteers,
      value_pence: h.valuePence,
      hour_value_pence: h.hourValuePence,
      note: h.valuationNote,
    });
  }
  return out;
}

/** The CSV text: a header row, quoting where needed, a BOM so spreadsheets read UTF-8, and cells that would start a formula escaped. */
export function reportCsv(r: CsvReport): string {
  return stringify(reportCsvRecords(r), { header: true, columns: [...CSV_COLUMNS], bom: true, escape_formulas: true, record_delimiter: 'windows' });
}
