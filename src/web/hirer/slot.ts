import { DateTime } from 'luxon';
import { type FieldErrors, type Fields, dateParts, isTime, readDate, text, timeItems } from '../forms';
import { localTimeExists } from '../../lib/time';

/** A date and a start and end time as asked on a page, read in a hub's zone. */
export interface Slot {
  date: string;
  start: string;
  end: string;
}

/**
 * Reads "when" from a form: a GOV.UK date input (`date-day`, `date-month`, `date-year`) and two
 * time selects (`start`, `end`). Errors say what to do, per field; a time already passed or a
 * local time the clocks skip is refused here, before any service is asked.
 */
export function readSlot(fields: Fields | undefined, zone: string, now: Date): { slot?: Slot; values: ReturnType<typeof slotValues>; errors: FieldErrors } {
  const date = readDate(fields, 'date');
  const start = text(fields, 'start');
  const end = text(fields, 'end');
  const values = { date: date.value, start, end };
  const errors: FieldErrors = {};
  const today = DateTime.fromJSDate(now, { zone }).toISODate()!;
  if (date.error === 'missing') errors.date = 'Enter the date you need the room, for example 1 12 2026';
  else if (date.error) errors.date = 'The date must be a real date, for example 1 12 2026';
  else if (date.iso! < today) errors.date = 'The date must be today or in the future';
  if (!isTime(start)) errors.start = 'Choose a start time';
  if (!isTime(end)) errors.end = 'Choose an end time';
  else if (isTime(start) && end <= start) errors.end = 'The end time must be after the start time';
  if (!Object.keys(errors).length) {
    const starts = DateTime.fromISO(`${date.iso}T${start}`, { zone });
    if (!localTimeExists(DateTime.fromISO(`${date.iso}T${start}`, { zone: 'utc' }), zone) || !localTimeExists(DateTime.fromISO(`${date.iso}T${end}`, { zone: 'utc' }), zone)) {
      errors.start = 'The clocks change at that time on that day. Choose another time';
    } else if (starts.toMillis() <= now.getTime()) {
      errors.start = 'That time has already passed. Choose a later time or another day';
    }
  }
  return Object.keys(errors).length ? { values, errors } : { slot: { date: date.iso!, start, end }, values, errors };
}

export function slotValues(slot: Partial<Slot>) {
  return { date: dateParts(slot.date), start: slot.start ?? '', end: slot.end ?? '' };
}

/** The govukDateInput items for a date input named "date". */
export function dateItems(v: { day: string; month: string; year: string }, error: boolean) {
  const cls = (w: number) => `govuk-input--width-${w}${error ? ' govuk-input--error' : ''}`;
  return [
    { name: 'day', label: 'Day', value: v.day, classes: cls(2), inputmode: 'numeric' },
    { name: 'month', label: 'Month', value: v.month, classes: cls(2), inputmode: 'numeric' },
    { name: 'year', label: 'Year', value: v.year, classes: cls(4), inputmode: 'numeric' },
  ];
}

/** Everything the "when" fields of a page need. */
export function whenFields(values: { date: { day: string; month: string; year: string }; start: string; end: string }, errors: FieldErrors) {
  return { dateItems: dateItems(values.date, Boolean(errors.date)), startItems: timeItems(values.start), endItems: timeItems(values.end) };
}

/** Local wall times for the services ("2026-12-01T18:00"): read in the hub's zone. */
export const slotTimes = (s: Slot) => ({ startsAt: `${s.date}T${s.start}`, endsAt: `${s.date}T${s.end}` });

/** The slot as query parameters, to carry a search into a room's page and the booking questions. */
export function slotQuery(s: Slot, extra: Record<string, string | number | undefined> = {}): string {
  const p = dateParts(s.date);
  const q = new URLSearchParams({ 'date-day': p.day, 'date-month': p.month, 'date-year': p.year, start: s.start, end: s.end });
  for (const [k, v] of Object.entries(extra)) if (v !== undefined && v !== '') q.set(k, String(v));
  return q.toString();
}

/** The instant of a local wall time ("2026-12-01T18:00") in a zone. */
export const localInstant = (wall: string, zone: string): Date => DateTime.fromISO(wall, { zone }).toJSDate();
