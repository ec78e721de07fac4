/**
 * Weekly series expansion: pure functions, no I/O.
 *
 * A series is expanded in the hub's local wall time, so "every Tuesday 10:00 to 12:00" stays
 * 10:00 to 12:00 on the hub's clock across clock changes (its UTC instant moves by an hour).
 * A date whose local start or end does not exist (inside a spring-forward gap) is reported in
 * `skipped`, never silently moved. A local time that occurs twice (fall-back overlap) takes the
 * earlier instant.
 */
import { DateTime, type IANAZone, type Zone } from 'luxon';
import { invalid } from '../../lib/errors';
import { ianaZone as zoneOf, instantsAtWallTime, localTimeExists } from '../../lib/time';

/** Re-exported from src/lib/time.ts, where the hub-time helpers live. */
export { localTimeExists };

export const DEFAULT_MAX_OCCURRENCES = 104;

export interface ExpandWeeklyInput {
  /**
   * The first booking's start: a local ISO date-time without offset (`2026-03-24T10:00`, read
   * as the hub's wall time) or an instant (ISO with offset, or a Date), read on the hub's clock.
   */
  firstStart: string | Date;
  firstEnd: string | Date;
  /** ISO weekdays, 1 = Monday … 7 = Sunday. */
  weekdays: number[];
  /** The last local date (`YYYY-MM-DD`) a booking may start on, inclusive. */
  until?: string;
  /** How many dates, skipped ones included. */
  count?: number;
  /** The hub's IANA time zone. */
  timezone: string;
  /** The most dates (skipped ones included) the series may have; default 104. */
  max?: number;
}

export interface Occurrence {
  startsAt: Date;
  endsAt: Date;
  /** The local date of the start, `YYYY-MM-DD`. */
  localDate: string;
}

export interface SkippedDate {
  localDate: string;
  reason: 'nonexistent_local_time';
}

export interface Expansion {
  occurrences: Occurrence[];
  skipped: SkippedDate[];
}

const HAS_OFFSET = /(?:[zZ]|[+-]\d{2}(?::?\d{2})?)$/;

/** A wall-clock reading: fields as written, in a DateTime whose zone is UTC. */
type Wall = DateTime;

/** Every instant (epoch ms, ascending) at which the zone's clock shows this wall time. */
const instantsOf = (wall: Wall, zone: Zone): number[] => instantsAtWallTime(zone, wall.toMillis());

function wallOf(dt: DateTime): Wall {
  return DateTime.fromObject(
    { year: dt.year, month: dt.month, day: dt.day, hour: dt.hour, minute: dt.minute, second: dt.second, millisecond: dt.millisecond },
    { zone: 'utc' },
  );
}

/** The instant the zone's clock first shows this wall time, or null if it never does. */
function resolve(wall: Wall, zone: IANAZone): number | null {
  if (!localTimeExists(wall, zone)) return null;
  const instants = instantsOf(wall, zone);
  return instants.length > 0 ? instants[0] : null;
}

/** Reads a start or end as a wall time on the hub's clock. */
function readWall(value: string | Date, zone: IANAZone, path: string): Wall {
  let dt: DateTime;
  if (value instanceof Date) {
    dt = DateTime.fromJSDate(value, { zone });
  } else if (typeof value === 'string' && HAS_OFFSET.test(value.trim())) {
    dt = DateTime.fromISO(value.trim(), { zone });
  } else if (typeof value === 'string') {
    dt = DateTime.fromISO(value.trim(), { zone: 'utc' }); // fields as written
  } else {
    dt = DateTime.invalid('not a date-time');
  }
  if (!dt.isValid) throw invalid(`${path} is not a valid date-time`, [{ path, message: 'Not a valid ISO 8601 date-time' }]);
  return wallOf(dt);
}

function isIsoDate(value: unknown): value is string {
  return typeof value === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(value) && DateTime.fromISO(value, { zone: 'utc' }).isValid;
}

/**
 * Expands a weekly series from the first booking's date onwards: every date whose ISO weekday
 * is in `weekdays`, until `until` (inclusive) or `count` dates. The first booking's own date is
 * included only if its weekday is listed. Skipped dates count towards `count` and `max`.
 *
 * Throws a validation DomainError when: both or neither of until/count are given; weekdays is
 * empty or holds anything but integers 1..7; count is not a positive integer; until is not a
 * date or is before the first date; the end is not after the start; the zone is unknown; the
 * series would have more than `max` dates; or it would have no dates at all.
 */
export function expandWeekly(input: ExpandWeeklyInput): Expansion {
  const zone = zoneOf(input.timezone);
  const max = input.max ?? DEFAULT_MAX_OCCURRENCES;
  if (!Number.isInteger(max) || max < 1) throw invalid('max must be a positive integer');

  const { weekdays, until, count } = input;
  if (!Array.isArray(weekdays) || weekdays.length === 0) {
    throw invalid('Choose at least one weekday', [{ path: 'recurrence.weekdays', message: 'Must not be empty' }]);
  }
  if (!weekdays.every((d) => Number.isInteger(d) && d >= 1 && d <= 7)) {
    throw invalid('Weekdays are ISO numbers, 1 = Monday to 7 = Sunday', [
      { path: 'recurrence.weekdays', message: 'Each must be an integer from 1 to 7' },
    ]);
  }
  if ((until === undefined) === (count === undefined)) {
    throw invalid('Give exactly one of until and count', [
      { path: 'recurrence', message: 'Exactly one of until and count is required' },
    ]);
  }
  if (count !== undefined && (!Number.isInteger(count) || count < 1)) {
    throw invalid('count must be a positive integer', [{ path: 'recurrence.count', message: 'Must be a positive integer' }]);
  }
  if (count !== undefined && count > max) {
    throw invalid(`A series may have at most ${max} dates`, [
      { path: 'recurrence.count', message: `Must be at most ${max}` },
    ]);
  }
  if (until !== undefined && !isIsoDate(until)) {
    throw invalid('until must be a date, YYYY-MM-DD', [{ path: 'recurrence.until', message: 'Expected YYYY-MM-DD' }]);
  }

  const startWall = readWall(input.firstStart, zone, 'startsAt');
  const endWall = readWall(input.firstEnd, zone, 'endsAt');
  if (endWall <= startWall) {
    throw invalid('endsAt must be after startsAt', [{ path: 'endsAt', message: 'Must be after startsAt' }]);
  }
  const firstDate = startWall.startOf('day');
  const startTime = startWall.diff(firstDate).toMillis();
  const endOffset = endWall.diff(firstDate).toMillis(); // may reach into later days
  const lastDate = until === undefined ? undefined : DateTime.fromISO(until, { zone: 'utc' });
  if (lastDate && lastDate < firstDate) {
    throw invalid('until is before the first date', [{ path: 'recurrence.until', message: 'Must not be before the first date' }]);
  }

  const days = new Set(weekdays);
  const occurrences: Occurrence[] = [];
  const skipped: SkippedDate[] = [];
  for (let date = firstDate; ; date = date.plus({ days: 1 })) {
    if (lastDate && date > lastDate) break;
    if (count !== undefined && occurrences.length + skipped.length >= count) break;
    if (!days.has(date.weekday)) continue;
    if (occurrences.length + skipped.length >= max) {
      throw invalid(`A series may have at most ${max} dates`, [
        { path: 'recurrence.until', message: `Too many dates (more than ${max})` },
      ]);
    }
    const localDate = date.toISODate() as string;
    const starts = resolve(date.plus({ milliseconds: startTime }), zone);
    const ends = resolve(date.plus({ milliseconds: endOffset }), zone);
    if (starts === null || ends === null || ends <= starts) {
      skipped.push({ localDate, reason: 'nonexistent_local_time' });
    } else {
      occurrences.push({ startsAt: new Date(starts), endsAt: new Date(ends), localDate });
    }
  }
  if (occurrences.length + skipped.length === 0) {
    throw invalid('The series has no dates: no chosen weekday falls on or before until', [
      { path: 'recurrence', message: 'No dates' },
    ]);
  }
  return { occurrences, skipped };
}

/** A series' stored rule (booking_series.rule): how it repeats, and the dates it could not book. */
export interface SeriesRule {
  weekdays: number[];
  until: string | null;
  count: number | null;
  timezone: string;
  skipped: { date: string; startsAt: string | null; endsAt: string | null; reason: string; detail: string }[];
}
