import { DateTime } from 'luxon';
import { invalid } from '../../lib/errors';
import { DAY_MS, type Interval, mergeIntervals, MINUTE, offsetMinutes, subtractIntervals } from '../../lib/time';

/** The longest range any caller may walk (the longest legitimate one, a closure, is LIMITS.closureDays). */
export const MAX_WALK_DAYS = 400;
import { WEEKDAYS, type HubSettings, type OpeningHours } from './venues.types';

/**
 * The hub's opening hours as instants between `from` and `to`. Spans are local wall times, so a
 * 09:00 opening is 09:00 on both sides of a clock change; a span that closes at 24:00 runs to the
 * next local midnight and joins a span opening at 00:00 the next day.
 */
export function openingIntervals(hours: OpeningHours, zone: string, from: Date, to: Date): Interval[] {
  // The walk is per day: a caller that forgot to cap its range is refused here, not run for minutes.
  if (to.getTime() - from.getTime() > MAX_WALK_DAYS * DAY_MS) throw invalid(`A range of opening hours may span at most ${MAX_WALK_DAYS} days`, [{ path: 'to', message: 'range too long' }]);
  if (!Number.isFinite(offsetMinutes(from.getTime(), zone)) || !Number.isFinite(offsetMinutes(to.getTime(), zone))) return openingIntervalsByLuxon(hours, zone, from, to);
  // luxon's own arithmetic (DateTime#startOf, #plus, #set: a local wall time and a guessed offset,
  // settled by fixOffset), done on plain numbers with the zone's offsets cached per hour
  // (src/lib/time.ts): the same instants as openingIntervalsByLuxon, several times faster.
  const off = (ms: number) => offsetMinutes(ms, zone);
  const settle = (wall: number, guess: number): Moment => {
    let ts = wall - guess * MINUTE;
    const o2 = off(ts);
    if (o2 === guess) return { ts, o: guess, wall };
    ts -= (o2 - guess) * MINUTE;
    const o3 = off(ts);
    if (o2 === o3) return { ts, o: o2, wall: ts + o2 * MINUTE };
    const o = Math.max(o2, o3);
    ts = wall - Math.min(o2, o3) * MINUTE;
    return { ts, o, wall: ts + o * MINUTE };
  };
  const at = (ts: number): Moment => {
    const o = off(ts);
    return { ts, o, wall: ts + o * MINUTE };
  };
  const startOfDay = (m: Moment) => settle(floorDay(m.wall), m.o);
  const plusDays = (m: Moment, n: number) => settle(m.wall + n * DAY_MS, m.o);
  const out: Interval[] = [];
  let day = plusDays(startOfDay(at(from.getTime())), -1);
  const last = startOfDay(at(to.getTime()));
  while (day.ts <= last.ts) {
    const spans = hours[WEEKDAYS[(new Date(floorDay(day.wall)).getUTCDay() + 6) % 7]] ?? [];
    for (const span of spans) {
      const start = wallTime(day, span.opens);
      const end = wallTime(day, span.closes);
      out.push({ start: start.ts, end: end.ts });
    }
    day = startOfDay(plusDays(day, 1));
  }
  function wallTime(d: Moment, hhmm: string): Moment {
    if (hhmm === '24:00') return startOfDay(plusDays(d, 1));
    const [h, m] = hhmm.split(':').map(Number);
    return settle(floorDay(d.wall) + h * 3_600_000 + m * MINUTE, d.o);
  }
  const window = { start: from.getTime(), end: to.getTime() };
  return mergeIntervals(out)
    .map((i) => ({ start: Math.max(i.start, window.start), end: Math.min(i.end, window.end) }))
    .filter((i) => i.end > i.start);
}

/** An instant, the zone's offset luxon would give it, and its local wall time as UTC epoch ms. */
interface Moment {
  ts: number;
  o: number;
  wall: number;
}
const floorDay = (wall: number) => Math.floor(wall / DAY_MS) * DAY_MS;

/** openingIntervals through luxon's DateTime: the reference the fast walk is tested against, and what an unknown zone gets. */
export function openingIntervalsByLuxon(hours: OpeningHours, zone: string, from: Date, to: Date): Interval[] {
  const out: Interval[] = [];
  let day = DateTime.fromJSDate(from, { zone }).startOf('day').minus({ days: 1 });
  const last = DateTime.fromJSDate(to, { zone }).startOf('day');
  while (day <= last) {
    const spans = hours[WEEKDAYS[day.weekday - 1]] ?? [];
    for (const span of spans) {
      const start = atLocal(day, span.opens);
      const end = atLocal(day, span.closes);
      out.push({ start: start.toMillis(), end: end.toMillis() });
    }
    day = day.plus({ days: 1 }).startOf('day');
  }
  const window = { start: from.getTime(), end: to.getTime() };
  return mergeIntervals(out)
    .map((i) => ({ start: Math.max(i.start, window.start), end: Math.min(i.end, window.end) }))
    .filter((i) => i.end > i.start);
}

/** The instant of local wall time `hhmm` on `day` ("24:00" is the next midnight). */
export function atLocal(day: DateTime, hhmm: string): DateTime {
  if (hhmm === '24:00') return day.plus({ days: 1 }).startOf('day');
  const [h, m] = hhmm.split(':').map(Number);
  // A wall time the clocks skip moves forward by the gap, as luxon does: 01:30 becomes 02:30.
  return day.set({ hour: h, minute: m, second: 0, millisecond: 0 });
}

/** True when [start, end) lies wholly inside the opening hours. */
export function withinOpeningHours(hours: OpeningHours, zone: string, start: Date, end: Date): boolean {
  const open = openingIntervals(hours, zone, start, end);
  return open.length === 1 && open[0].start === start.getTime() && open[0].end === end.getTime();
}

export interface RoomAvailabilityInput {
  hours: OpeningHours;
  zone: string;
  from: Date;
  to: Date;
  /** Blocking bookings: [startsAt, blockedUntil). */
  bookings: { startsAt: Date; blockedUntil: Date }[];
  closures: { startsAt: Date; endsAt: Date }[];
  bufferMinutes: number;
  minBookingMinutes: number;
}

/**
 * Busy and free time for one room. A new booking also holds its buffer after its end, so a
 * booking may not end within `bufferMinutes` of the next one's start: busy time is shown from
 * (start − buffer) to (end + that booking's buffer). Free gaps shorter than the room's minimum
 * booking length are dropped; free time lies inside opening hours and outside closures.
 */
export function roomAvailability(input: RoomAvailabilityInput): { busy: Interval[]; free: Interval[] } {
  const window = { start: input.from.getTime(), end: input.to.getTime() };
  const clip = (i: Interval) => ({ start: Math.max(i.start, window.start), end: Math.min(i.end, window.end) });
  const busy = mergeIntervals([
    ...input.bookings.map((b) => ({ start: b.startsAt.getTime() - input.bufferMinutes * MINUTE, end: b.blockedUntil.getTime() })),
    ...input.closures.map((c) => ({ start: c.startsAt.getTime(), end: c.endsAt.getTime() })),
  ])
    .map(clip)
    .filter((i) => i.end > i.start);
  const open = openingIntervals(input.hours, input.zone, input.from, input.to);
  const free = subtractIntervals(open, busy).filter((i) => i.end - i.start >= input.minBookingMinutes * MINUTE);
  return { busy, free };
}

/**
 * When a booking made `now` may start at a hub: from now (staff of the hub) or after the hub's
 * minimum notice (everyone else), up to its maximum advance. Used by the booking rules and by
 * search, so search lists only what could be booked.
 */
export function bookingHorizon(settings: Pick<HubSettings, 'minNoticeMinutes' | 'maxAdvanceDays'>, now: Date, byStaff: boolean): { earliest: Date; latest: Date } {
  const notice = byStaff ? 0 : settings.minNoticeMinutes;
  return {
    earliest: new Date(now.getTime() + notice * MINUTE),
    latest: new Date(now.getTime() + settings.maxAdvanceDays * 24 * 60 * MINUTE),
  };
}
