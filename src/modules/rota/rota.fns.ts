/**
 * The rota's pure parts: the shifts a hub's bookings need, how existing generated shifts follow
 * them, and the rules that protect volunteers. No I/O; unit tested in test/unit/rota.fns.test.ts.
 */
import { DateTime } from 'luxon';
import { type Interval, MINUTE, mergeIntervals, subtractIntervals } from '../../lib/time';
import { openingIntervals } from '../venues/availability.fns';
import { type HubSettings, type OpeningHours, type RotaSettings, rotaSettingsSchema } from '../venues/venues.types';

export const HOUR_MS = 3_600_000;

export type ShiftRole = 'opener' | 'closer' | 'caretaker' | 'welcome' | 'events';

/** A hub's rota rules, defaults filled in (hubs saved before the rota existed have none). */
export const rotaRules = (settings: Pick<HubSettings, 'rota'> | Record<string, unknown>): RotaSettings =>
  rotaSettingsSchema.parse((settings as { rota?: unknown }).rota ?? {});

export interface CoverBooking {
  id: string;
  startsAt: Date;
  endsAt: Date;
}

export interface NeededShift {
  role: ShiftRole;
  startsAt: Date;
  endsAt: Date;
  /** The bookings it covers (every booking of its chain), sorted. */
  bookingIds: string[];
}

export interface CoverInput {
  bookings: CoverBooking[];
  /** The hub's staffed hours (local); undefined: the hub has none, so nothing is generated. */
  staffedHours: OpeningHours | undefined;
  zone: string;
  rules: Pick<RotaSettings, 'coverBeforeMinutes' | 'coverAfterMinutes' | 'coverRole'>;
}

interface Cluster extends Interval {
  bookings: { id: string; start: number; end: number }[];
}

/** Bookings widened by the cover margins, grouped where they overlap or touch. */
export function coverClusters(bookings: CoverBooking[], rules: CoverInput['rules']): Cluster[] {
  const widened = bookings
    .map((b) => ({ id: b.id, start: b.startsAt.getTime() - rules.coverBeforeMinutes * MINUTE, end: b.endsAt.getTime() + rules.coverAfterMinutes * MINUTE }))
    .sort((a, b) => a.start - b.start || a.end - b.end || a.id.localeCompare(b.id));
  const out: Cluster[] = [];
  for (const w of widened) {
    const last = out[out.length - 1];
    if (last && w.start <= last.end) {
      last.end = Math.max(last.end, w.end);
      last.bookings.push(w);
    } else out.push({ start: w.start, end: w.end, bookings: [w] });
  }
  return out;
}

const overlaps = (a: Interval, b: Interval) => a.start < b.end && b.start < a.end;

/**
 * The shifts a hub needs for these bookings. Each booking is widened by coverBeforeMinutes and
 * coverAfterMinutes; overlapping or touching ones form a chain. The parts of a chain outside
 * staffed hours need a volunteer, and each shift lists every booking of its chain: with coverRole `caretaker`, one caretaker shift for each such
 * part; with `opener_closer`, an opener from the chain's start until its first booking begins
 * (when nobody is on site then) and a closer from its last booking's end to the chain's end
 * (likewise). A chain wholly inside staffed hours needs none.
 */
export function neededShifts(input: CoverInput): NeededShift[] {
  if (!input.staffedHours) return [];
  const out: NeededShift[] = [];
  for (const c of coverClusters(input.bookings, input.rules)) {
    const bookingIds = c.bookings.map((b) => b.id).sort();
    const staffed = openingIntervals(input.staffedHours, input.zone, new Date(c.start), new Date(c.end));
    const uncovered = subtractIntervals([{ start: c.start, end: c.end }], staffed);
    if (!uncovered.length) continue;
    if (input.rules.coverRole === 'caretaker') {
      for (const u of uncovered) out.push({ role: 'caretaker', startsAt: new Date(u.start), endsAt: new Date(u.end), bookingIds });
      continue;
    }
    const first = uncovered[0];
    const last = uncovered[uncovered.length - 1];
    if (first.start === c.start) {
      const part = { start: c.start, end: Math.min(first.end, c.start + input.rules.coverBeforeMinutes * MINUTE) };
      out.push({ role: 'opener', startsAt: new Date(part.start), endsAt: new Date(part.end), bookingIds });
    }
    if (last.end === c.end) {
      const part = { start: Math.max(last.start, c.end - input.rules.coverAfterMinutes * MINUTE), end: c.end };
      out.push({ role: 'closer', startsAt: new Date(part.start), endsAt: new Date(part.end), bookingIds });
    }
  }
  return out.sort((a, b) => a.startsAt.getTime() - b.startsAt.getTime() || a.role.localeCompare(b.role));
}

export interface ExistingGenerated {
  id: string;
  role: ShiftRole;
  startsAt: Date;
  endsAt: Date;
  bookingIds: string[];
  /** Volunteers on it: a shift with people keeps its identity in preference to an empty one. */
  filled: number;
}

export interface Reconciliation {
  create: NeededShift[];
  update: (NeededShift & { id: string })[];
  cancel: string[];
  unchanged: string[];
}

const sameSet = (a: string[], b: string[]) => a.length === b.length && [...a].sort().every((x, i) => x === [...b].sort()[i]);

/**
 * How existing generated shifts follow what is needed: each needed shift takes over an existing
 * one of its role that covers a booking of its chain or overlaps it (the fullest first), which is
 * stretched or shrunk to fit; needed shifts left over are
 * created (a split), existing ones left over are cancelled (a merge, or cover no longer needed).
 */
export function reconcileShifts(existing: ExistingGenerated[], needed: NeededShift[]): Reconciliation {
  const used = new Set<string>();
  const out: Reconciliation = { create: [], update: [], cancel: [], unchanged: [] };
  for (const n of needed) {
    const span = { start: n.startsAt.getTime(), end: n.endsAt.getTime() };
    const candidates = existing
      .filter((e) => !used.has(e.id) && e.role === n.role && (e.bookingIds.some((id) => n.bookingIds.includes(id)) || overlaps(span, { start: e.startsAt.getTime(), end: e.endsAt.getTime() })))
      .sort((a, b) => b.filled - a.filled || a.startsAt.getTime() - b.startsAt.getTime() || a.id.localeCompare(b.id));
    const match = candidates[0];
    if (!match) {
      out.create.push(n);
      continue;
    }
    used.add(match.id);
    if (match.startsAt.getTime() === span.start && match.endsAt.getTime() === span.end && sameSet(match.bookingIds, n.bookingIds)) out.unchanged.push(match.id);
    else out.update.push({ ...n, id: match.id });
  }
  for (const e of existing) if (!used.has(e.id)) out.cancel.push(e.id);
  return out;
}

/** A shift of the volunteer's, for the rules below. */
export interface MyShift {
  id: string;
  startsAt: Date;
  endsAt: Date;
}

export type SignupBreach = 'shift_collides' | 'rest_too_short' | 'too_many_hours';

/**
 * The volunteer-protecting rules for taking `shift` alongside `mine` (their other live places):
 * no overlap; at least minRestHours between two shifts unless they run back to back; at most
 * maxHoursPerDay of shifts on any local day the new shift touches.
 */
export function signupBreach(shift: MyShift, mine: MyShift[], rules: Pick<RotaSettings, 'minRestHours' | 'maxHoursPerDay'>, zone: string): SignupBreach | undefined {
  const span = { start: shift.startsAt.getTime(), end: shift.endsAt.getTime() };
  const others = mine.filter((m) => m.id !== shift.id).map((m) => ({ start: m.startsAt.getTime(), end: m.endsAt.getTime() }));
  if (others.some((o) => overlaps(o, span))) return 'shift_collides';
  const rest = rules.minRestHours * 60 * MINUTE;
  for (const o of others) {
    const gap = o.end <= span.start ? span.start - o.end : o.start - span.end;
    if (gap > 0 && gap < rest) return 'rest_too_short';
  }
  // Every local day the shift touches: the hours of shifts on it, each clipped to the day.
  let day = DateTime.fromMillis(span.start, { zone }).startOf('day');
  while (day.toMillis() < span.end) {
    const next = day.plus({ days: 1 }).startOf('day');
    const d = { start: day.toMillis(), end: next.toMillis() };
    const onDay = mergeIntervals([span, ...others])
      .map((i) => Math.max(0, Math.min(i.end, d.end) - Math.max(i.start, d.start)))
      .reduce((a, b) => a + b, 0);
    if (onDay > rules.maxHoursPerDay * 60 * MINUTE) return 'too_many_hours';
    day = next;
  }
  return undefined;
}

export type ShiftStatus = 'open' | 'full' | 'cancelled';
export const shiftStatus = (s: { state: 'active' | 'cancelled'; volunteersNeeded: number }, filled: number): ShiftStatus =>
  s.state === 'cancelled' ? 'cancelled' : filled >= s.volunteersNeeded ? 'full' : 'open';

/**
 * The calendar feed's SEQUENCE for an event made of rows last changed at `changedAt`: the sum of
 * their whole seconds since 2025, so it rises whenever any of them changes (the rota bumps its own
 * rows' updated_at by at least a second on every change).
 */
export const sequenceOf = (...changedAt: Date[]) => changedAt.reduce((sum, d) => sum + Math.max(0, Math.floor((d.getTime() - Date.UTC(2025, 0, 1)) / 1000)), 0);

/** Minutes of [startsAt, endsAt). */
export const minutesOf = (s: { startsAt: Date; endsAt: Date }) => Math.round((s.endsAt.getTime() - s.startsAt.getTime()) / MINUTE);
