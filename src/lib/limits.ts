import { invalid } from './errors';
import { DAY_MS, MAX_YEAR, MIN_YEAR } from './time';

/**
 * How much work one request may ask for. Every range a request can name is checked against one of
 * these before anything walks it day by day (opening hours, prices, series, reports), so no
 * request can hold the event loop for long. docs/security.md states them for trustees.
 */
export const LIMITS = {
  /** Dates the API accepts at all: PostgreSQL holds far more, Hubkey's domain does not. */
  minYear: MIN_YEAR,
  maxYear: MAX_YEAR,
  /** The longest span a closure may cover (its affected bookings are listed in the answer). */
  closureDays: 366,
  /** The longest span a report or export may cover. */
  reportDays: 366,
  /** A room's availability per request. */
  availabilityDays: 62,
  /** A network search window. */
  searchDays: 7,
} as const;

/** Whether a year is one the API accepts (LIMITS.minYear … LIMITS.maxYear). */
export const inDomainYears = (year: number) => Number.isInteger(year) && year >= LIMITS.minYear && year <= LIMITS.maxYear;

/** For zod refinements on `YYYY-…` strings: the leading year is within the domain's years. */
export const leadingYearInDomain = (s: string) => inDomainYears(Number(s.slice(0, 4)));
export const YEARS_MESSAGE = `a date in the years ${LIMITS.minYear}–${LIMITS.maxYear}`;

/**
 * Refuses a range that ends before it starts or spans more than `maxDays` (400 validation_failed,
 * naming `toField`). Call it before any per-day work on the range.
 */
export function capRange(from: Date, to: Date, maxDays: number, toField = 'to', what = 'range'): void {
  if (!(to.getTime() > from.getTime())) throw invalid(`${toField} must be after the start`, [{ path: toField, message: 'not after the start' }]);
  if (to.getTime() - from.getTime() > maxDays * DAY_MS) {
    throw invalid(`A ${what} may span at most ${maxDays} days`, [{ path: toField, message: `more than ${maxDays} days` }]);
  }
}
