import { DateTime, IANAZone, type Zone } from 'luxon';
import { DomainError } from './errors';

/**
 * The one formatter for times the API answers with: ISO 8601 in the given zone's offset, to the
 * second (`2026-03-31T10:00:00+01:00`; never `Z`, never milliseconds).
 */
export function toZonedIso(d: Date, zone: string): string {
  const ms = d.getTime();
  const offset = offsetMinutes(ms, zone);
  // Offsets of whole minutes in years 1000-9999 by hand (the hot path: every time in every
  // answer); anything else (seconds in a local-mean-time offset, an unknown zone) through luxon.
  if (Number.isInteger(offset)) {
    const w = new Date(ms + offset * MINUTE);
    const year = w.getUTCFullYear();
    if (year >= 1000 && year <= 9999) {
      const abs = Math.abs(offset);
      return (
        `${year}-${pad2(w.getUTCMonth() + 1)}-${pad2(w.getUTCDate())}T${pad2(w.getUTCHours())}:${pad2(w.getUTCMinutes())}:${pad2(w.getUTCSeconds())}` +
        `${offset < 0 ? '-' : '+'}${pad2(Math.floor(abs / 60))}:${pad2(abs % 60)}`
      );
    }
  }
  return DateTime.fromJSDate(d, { zone }).toFormat("yyyy-MM-dd'T'HH:mm:ssZZ");
}

const pad2 = (n: number) => (n < 10 ? `0${n}` : String(n));
const HOUR_MS = 3_600_000;
/** Per zone: UTC hour → the zone's offset all through that hour (NaN: it changes inside the hour). */
const offsetsByHour = new Map<string, Map<number, number>>();

/**
 * The zone's UTC offset in minutes at `ms` (NaN for an unknown zone or an invalid date). Worked
 * out once per zone and UTC hour: an hour whose first and last millisecond share an offset has
 * it throughout (no zone changes its offset twice within an hour); an hour with a change in it
 * asks luxon for each instant.
 */
export function offsetMinutes(ms: number, zone: string): number {
  if (!Number.isFinite(ms)) return NaN;
  let hours = offsetsByHour.get(zone);
  if (!hours) {
    if (offsetsByHour.size > 100) offsetsByHour.clear();
    offsetsByHour.set(zone, (hours = new Map()));
  }
  const hour = Math.floor(ms / HOUR_MS);
  let offset = hours.get(hour);
  if (offset === undefined) {
    const z = IANAZone.create(zone);
    const first = z.offset(hour * HOUR_MS);
    offset = first === z.offset(hour * HOUR_MS + HOUR_MS - 1) ? first : NaN;
    if (hours.size > 100_000) hours.clear();
    hours.set(hour, offset);
  }
  return Number.isNaN(offset) ? IANAZone.create(zone).offset(ms) : offset;
}

export function isValidZone(zone: string): boolean {
  return DateTime.local().setZone(zone).isValid;
}

const OFFSET_RE = /(Z|[+-]\d{2}(:?\d{2})?)$/i;

/**
 * Reads a time given to the API for a hub in `zone`.
 * - With an offset it is an instant, unless its wall-clock part is one the clocks skip and the
 *   offset is the one they skip to (e.g. `2026-03-29T01:30:00+01:00` for a London hub): that is
 *   someone asking for a local time that never happens, and it is refused.
 * - Without an offset it is the hub's local wall time; a skipped local time is refused and an
 *   ambiguous one (the repeated hour in autumn) takes its first occurrence (summer time).
 */
export function parseHubTime(value: string, zone: string, field: string): Date {
  const text = value.trim();
  const fast = parseHubTimeByHand(text, zone);
  return fast === undefined ? parseHubTimeByLuxon(text, value, zone, field) : new Date(fast);
}

/** `YYYY-MM-DDTHH:MM[:SS[.s-sss]]` with `Z`, an offset `±HH:MM`, or none: the forms read by hand. */
const PLAIN_ISO = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?(Z|([+-])(\d{2}):(\d{2}))?$/;

/**
 * parseHubTime's common cases without luxon (search and availability read two times a request):
 * the plain ISO form above, a real date and time in the years allowed, in a known zone, whose wall
 * time the zone's clock shows exactly once (or, with an offset, at least once), worked out from
 * the zone's offsets cached per hour (offsetMinutes). Anything else (other ISO forms, bad input,
 * a wall time in a gap or a repeated hour) is undefined, and goes through luxon as before;
 * test/unit/time.test.ts compares the two around every clock change in ten zones.
 */
function parseHubTimeByHand(text: string, zone: string): number | undefined {
  const m = PLAIN_ISO.exec(text);
  if (!m) return undefined;
  const year = +m[1], month = +m[2], day = +m[3], hour = +m[4], minute = +m[5];
  const second = m[6] ? +m[6] : 0;
  const milli = m[7] ? +m[7].padEnd(3, '0') : 0;
  if (year < MIN_YEAR || year > MAX_YEAR || month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59) return undefined;
  const wall = Date.UTC(year, month - 1, day, hour, minute, second, milli);
  if (new Date(wall).getUTCDate() !== day) return undefined;
  // The instants whose reading in the zone is this wall time (as instantsAtWallTime, from cached offsets).
  const found: number[] = [];
  for (const probe of [wall - DAY_MS, wall, wall + DAY_MS]) {
    const o = offsetMinutes(probe, zone);
    if (!Number.isInteger(o)) return undefined;
    const instant = wall - o * MINUTE;
    if (!found.includes(instant) && offsetMinutes(instant, zone) === o) found.push(instant);
  }
  if (m[8] === undefined) return found.length === 1 ? found[0] : undefined;
  if (found.length === 0) return undefined;
  if (m[8] === 'Z') return wall;
  const oh = +m[10], om = +m[11];
  if (oh > 14 || om > 59) return undefined;
  return wall - (m[9] === '-' ? -1 : 1) * (oh * 60 + om) * MINUTE;
}

/** parseHubTime through luxon (every form luxon reads as ISO 8601, and every error). */
export function parseHubTimeByLuxon(text: string, value: string, zone: string, field: string): Date {
  const hasOffset = OFFSET_RE.test(text);
  // The wall-clock reading as written, before any zone can shift it.
  const parts = DateTime.fromISO(hasOffset ? text.replace(OFFSET_RE, '') : text, { zone: 'UTC' });
  if (!parts.isValid) throw badTime(field, 'is not an ISO 8601 date-time');
  if (parts.year < MIN_YEAR || parts.year > MAX_YEAR) throw badTime(field, `is outside the years ${MIN_YEAR}–${MAX_YEAR}`);
  const wall = { year: parts.year, month: parts.month, day: parts.day, hour: parts.hour, minute: parts.minute, second: parts.second, millisecond: parts.millisecond };
  const local = DateTime.fromObject(wall, { zone });
  if (!local.isValid) throw badTime(field, 'is not a valid time in ' + zone);
  const wallExists = sameWall(local, wall);
  if (!hasOffset) {
    if (!wallExists) throw nonexistent(field, value, zone);
    // In the repeated autumn hour luxon picks the later reading; an hour earlier may read the same.
    const earlier = local.minus({ hours: 1 });
    return (sameWall(earlier, wall) ? earlier : local).toJSDate();
  }
  const instant = DateTime.fromISO(text, { setZone: true });
  if (!instant.isValid) throw badTime(field, 'is not an ISO 8601 date-time');
  // A skipped wall time written with the offset the zone moves to (01:30+01:00 in London on the
  // spring day) names a local time that never happened; the same wall time in UTC is a real instant.
  const offsetAfterGap = DateTime.fromMillis(instant.toMillis() + 3 * 3600_000, { zone }).offset;
  if (!wallExists && instant.offset === offsetAfterGap && instant.offset !== instant.setZone(zone).offset) throw nonexistent(field, value, zone);
  return instant.toJSDate();
}

/**
 * The bound of a range given to the API: a date-time as parseHubTime reads it, or a plain date
 * (`YYYY-MM-DD`) meaning that local day in `zone`: its first instant for a `from`, the first
 * instant of the next day for a `to` (so `from=to=2026-04-11` is the whole day).
 */
export function parseRangeBound(value: string, zone: string, field: string, bound: 'from' | 'to'): Date {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value.trim())) return parseHubTime(value, zone, field);
  const day = DateTime.fromISO(value.trim(), { zone });
  if (!day.isValid) throw badTime(field, 'is not a real date');
  return (bound === 'from' ? day.startOf('day') : day.startOf('day').plus({ days: 1 })).toJSDate();
}

function sameWall(dt: DateTime, wall: { year: number; month: number; day: number; hour: number; minute: number }): boolean {
  return dt.year === wall.year && dt.month === wall.month && dt.day === wall.day && dt.hour === wall.hour && dt.minute === wall.minute;
}

/**
 * Whether the wall time written in `dt` (its year … millisecond fields) exists on the clock of
 * `zone` (default: dt's own zone). False inside a spring-forward gap, where luxon would move the
 * time forward, and for an invalid DateTime. Fields parsed in UTC and checked against a hub's
 * zone say whether that local reading ever happens there:
 *
 *   localTimeExists(DateTime.fromISO('2026-03-29T01:30', { zone: 'utc' }), 'Europe/London') === false
 */
export function localTimeExists(dt: DateTime, zone: string | Zone = dt.zone): boolean {
  if (!dt.isValid) return false;
  const fields = { year: dt.year, month: dt.month, day: dt.day, hour: dt.hour, minute: dt.minute, second: dt.second, millisecond: dt.millisecond };
  const there = DateTime.fromObject(fields, { zone });
  return there.isValid && sameWall(there, fields) && there.second === fields.second && there.millisecond === fields.millisecond;
}

/** The IANA zone of that name; a validation error for an unknown one. */
export function ianaZone(timezone: string): IANAZone {
  if (typeof timezone !== 'string' || !IANAZone.isValidZone(timezone)) {
    throw new DomainError('validation', 'validation_failed', `Unknown time zone: ${String(timezone)}`, {}, [{ path: 'timezone', message: 'Unknown time zone' }]);
  }
  return IANAZone.create(timezone);
}

/**
 * Every instant (epoch ms, ascending) at which the zone's clock shows a wall time, given as the
 * epoch ms of that same reading in UTC: none inside a spring-forward gap, two in a fall-back overlap.
 */
export function instantsAtWallTime(zone: Zone, wallAsUtcMs: number): number[] {
  const offsets = new Set([zone.offset(wallAsUtcMs - DAY_MS), zone.offset(wallAsUtcMs), zone.offset(wallAsUtcMs + DAY_MS)]);
  const found = new Set<number>();
  for (const offset of offsets) {
    const instant = wallAsUtcMs - offset * MINUTE;
    if (zone.offset(instant) === offset) found.add(instant);
  }
  return [...found].sort((a, b) => a - b);
}

function badTime(field: string, message: string) {
  return new DomainError('validation', 'validation_failed', `${field} ${message}`, {}, [{ path: `body.${field}`, message }]);
}

function nonexistent(field: string, value: string, zone: string) {
  return new DomainError(
    'unprocessable',
    'nonexistent_local_time',
    `${field} ${value} does not exist in ${zone}: the clocks skip that hour`,
    {},
    [{ path: field, message: 'local time skipped by a clock change' }],
  );
}

/** Half-open interval of instants, in epoch milliseconds. */
export interface Interval {
  start: number;
  end: number;
}

/** Sorts and merges touching or overlapping intervals. */
export function mergeIntervals(list: Interval[]): Interval[] {
  const sorted = list.filter((i) => i.end > i.start).sort((a, b) => a.start - b.start);
  const out: Interval[] = [];
  for (const i of sorted) {
    const last = out[out.length - 1];
    if (last && i.start <= last.end) last.end = Math.max(last.end, i.end);
    else out.push({ ...i });
  }
  return out;
}

/** `from` minus every interval in `minus`; both lists may be unsorted. */
export function subtractIntervals(from: Interval[], minus: Interval[]): Interval[] {
  const cut = mergeIntervals(minus);
  const out: Interval[] = [];
  for (const f of mergeIntervals(from)) {
    let cursor = f.start;
    for (const c of cut) {
      if (c.end <= cursor || c.start >= f.end) continue;
      if (c.start > cursor) out.push({ start: cursor, end: c.start });
      cursor = Math.max(cursor, c.end);
      if (cursor >= f.end) break;
    }
    if (cursor < f.end) out.push({ start: cursor, end: f.end });
  }
  return out;
}

export const MINUTE = 60_000;
/** The years the API accepts (src/lib/limits.ts gathers them with the other limits). */
export const MIN_YEAR = 2000;
export const MAX_YEAR = 2199;
export const DAY_MS = 86_400_000;
