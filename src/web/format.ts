import { DateTime } from 'luxon';

/**
 * How the pages write dates, times, money and counts: as people say them, in the hub's zone
 * ("Tuesday 1 December, 6pm to 8pm", "£30.00", "1 person", "12 people"). Pure functions, shared
 * by every audience's pages.
 */

type Instant = Date | string;

function local(at: Instant, zone: string): DateTime {
  const dt = typeof at === 'string' ? DateTime.fromISO(at, { setZone: true }) : DateTime.fromJSDate(at);
  return dt.setZone(zone);
}

/** "6pm", "6:30pm", "midday", "midnight": GOV.UK style. */
export function formatTime(at: Instant, zone: string): string {
  const t = local(at, zone);
  if (t.hour === 0 && t.minute === 0) return 'midnight';
  if (t.hour === 12 && t.minute === 0) return 'midday';
  const hour = t.hour % 12 === 0 ? 12 : t.hour % 12;
  const suffix = t.hour < 12 ? 'am' : 'pm';
  return t.minute === 0 ? `${hour}${suffix}` : `${hour}:${String(t.minute).padStart(2, '0')}${suffix}`;
}

/** "Tuesday 1 December"; with the year when it is not the year of `now` (or when asked). */
export function formatDate(at: Instant, zone: string, opts: { now?: Date; withYear?: boolean } = {}): string {
  const t = local(at, zone);
  const showYear = opts.withYear ?? (opts.now ? local(opts.now, zone).year !== t.year : false);
  return `${t.toFormat('cccc d LLLL', { locale: 'en-GB' })}${showYear ? ` ${t.year}` : ''}`;
}

/** "1 December 2026" (a date without its weekday, for deadlines and "until" dates given as YYYY-MM-DD). */
export function formatLocalDate(isoDate: string): string {
  const d = DateTime.fromISO(isoDate, { zone: 'UTC' });
  return d.isValid ? d.toFormat('d LLLL yyyy', { locale: 'en-GB' }) : isoDate;
}

/**
 * "Tuesday 1 December, 6pm to 8pm"; across midnight "Tuesday 1 December, 10pm to Wednesday 2 December, 1am".
 * A booking that ends at midnight reads "… 6pm to midnight" on its own day.
 */
export function formatWhen(start: Instant, end: Instant, zone: string, opts: { now?: Date } = {}): string {
  const s = local(start, zone);
  const e = local(end, zone);
  const endsAtItsMidnight = e.hour === 0 && e.minute === 0 && e.minus({ days: 1 }).hasSame(s, 'day');
  if (s.hasSame(e, 'day') || endsAtItsMidnight) {
    return `${formatDate(start, zone, opts)}, ${formatTime(start, zone)} to ${formatTime(end, zone)}`;
  }
  return `${formatDate(start, zone, opts)}, ${formatTime(start, zone)} to ${formatDate(end, zone, opts)}, ${formatTime(end, zone)}`;
}

/** "£30.00", "£1,234.50"; integer pence in. */
export function formatMoney(pence: number): string {
  const sign = pence < 0 ? '-' : '';
  const abs = Math.abs(Math.round(pence));
  const pounds = Math.floor(abs / 100).toLocaleString('en-GB');
  return `${sign}£${pounds}.${String(abs % 100).padStart(2, '0')}`;
}

/** "1 person", "12 people", "0 rooms". */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n.toLocaleString('en-GB')} ${n === 1 ? one : many}`;
}

/** "2 hours", "1 hour 30 minutes", "45 minutes". */
export function formatDuration(minutes: number): string {
  const h = Math.floor(minutes / 60);
  const m = Math.round(minutes % 60);
  const parts = [h ? plural(h, 'hour') : '', m ? plural(m, 'minute') : ''].filter(Boolean);
  return parts.length ? parts.join(' ') : '0 minutes';
}

/** Words for the rooms' feature codes; an unknown code is written out from its own words. */
export const FEATURE_NAMES: Record<string, string> = {
  step_free_access: 'Step-free access',
  hearing_loop: 'Hearing loop',
  accessible_toilet: 'Accessible toilet',
  kitchen: 'Kitchen',
  sink: 'Sink',
  projector: 'Projector',
  garden: 'Garden',
};

export function featureName(code: string): string {
  const known = FEATURE_NAMES[code];
  if (known) return known;
  const words = code.replace(/[_-]+/g, ' ').trim();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** A list in words: "a, b and c". */
export function listInWords(items: string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

export const TIER_NAMES: Record<string, string> = {
  community: 'Community group',
  national_charity: 'National charity',
  statutory: 'Statutory body (council, NHS)',
  private: 'Private or business',
};

export const tierName = (tier: string) => TIER_NAMES[tier] ?? featureName(tier);
