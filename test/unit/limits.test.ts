import { DomainError } from '../../src/lib/errors';
import { capRange, inDomainYears, LIMITS, leadingYearInDomain } from '../../src/lib/limits';
import { parseHubTime } from '../../src/lib/time';
import { checkBookingRules } from '../../src/modules/bookings/bookings.fns';
import { MAX_WALK_DAYS, openingIntervals } from '../../src/modules/venues/availability.fns';
import { openOn } from '../../src/modules/venues/venues.types';

const d = (s: string) => new Date(s);
const code = (fn: () => unknown) => {
  try {
    fn();
  } catch (err) {
    return err instanceof DomainError ? `${err.kind}:${err.code}` : 'other';
  }
  return 'none';
};

describe('capRange', () => {
  it.each([
    ['2026-01-01T00:00Z', '2026-01-02T00:00Z', 1, 'none'],
    ['2026-01-01T00:00Z', '2026-01-02T00:00:00.001Z', 1, 'validation:validation_failed'],
    ['2026-01-01T00:00Z', '2026-01-01T00:00Z', 1, 'validation:validation_failed'],
    ['2026-01-02T00:00Z', '2026-01-01T00:00Z', 5, 'validation:validation_failed'],
    ['2026-01-01T00:00Z', '2027-01-02T00:00Z', LIMITS.reportDays, 'none'],
    ['2026-01-01T00:00Z', '2027-01-03T00:00Z', LIMITS.reportDays, 'validation:validation_failed'],
  ])('%s → %s within %d days: %s', (from, to, days, want) => expect(code(() => capRange(d(from), d(to), days))).toBe(want));

  it('names the field and the limit', () => {
    try {
      capRange(d('2026-01-01T00:00Z'), d('2026-03-01T00:00Z'), 7, 'querystring.to', 'report');
      throw new Error('no error');
    } catch (err) {
      expect((err as DomainError).message).toBe('A report may span at most 7 days');
      expect((err as DomainError).fields).toEqual([{ path: 'querystring.to', message: 'more than 7 days' }]);
    }
  });
});

describe('the years the API accepts', () => {
  it.each([
    [1999, false],
    [2000, true],
    [2026, true],
    [2199, true],
    [2200, false],
    [0, false],
    [9999, false],
    [2026.5, false],
  ])('%d: %s', (year, ok) => expect(inDomainYears(year)).toBe(ok));

  it.each([
    ['0000-01-01', false],
    ['9999-12-31T10:00Z', false],
    ['2026-05-01', true],
    ['abcd-01-01', false],
  ])('leading year of %s: %s', (s, ok) => expect(leadingYearInDomain(s)).toBe(ok));

  it('parseHubTime refuses years outside them as validation errors', () => {
    expect(code(() => parseHubTime('0000-01-01T10:00:00Z', 'Europe/London', 'startsAt'))).toBe('validation:validation_failed');
    expect(code(() => parseHubTime('9999-12-31T10:00:00', 'Europe/London', 'endsAt'))).toBe('validation:validation_failed');
    expect(code(() => parseHubTime('2199-12-31T10:00:00', 'Europe/London', 'endsAt'))).toBe('none');
  });
});

describe('per-day walks are bounded', () => {
  const hours = openOn('09:00', '17:00');
  it('openingIntervals refuses a range longer than its walk limit', () => {
    expect(code(() => openingIntervals(hours, 'Europe/London', d('2026-01-01T00:00Z'), d('2199-01-01T00:00Z')))).toBe('validation:validation_failed');
    expect(MAX_WALK_DAYS).toBeGreaterThanOrEqual(LIMITS.closureDays);
    expect(openingIntervals(hours, 'Europe/London', d('2026-01-01T00:00Z'), d('2026-12-31T00:00Z')).length).toBeGreaterThan(300);
  });

  const base = {
    startsAt: d('2026-05-12T10:00Z'),
    endsAt: d('2026-05-12T11:00Z'),
    now: d('2026-03-02T09:00Z'),
    attendees: 5,
    capacity: 10,
    minBookingMinutes: 30,
    maxBookingMinutes: 480,
    settings: { minNoticeMinutes: 60, maxAdvanceDays: 365 },
    byStaff: false,
  };
  it.each([
    ['in the past', { startsAt: d('2026-03-01T10:00Z') }, 'in_the_past'],
    ['over capacity', { attendees: 11 }, 'over_capacity'],
    ['too short', { endsAt: d('2026-05-12T10:10Z') }, 'too_short'],
    ['centuries long', { endsAt: d('2199-05-12T10:00Z') }, 'too_long'],
    ['too little notice', { startsAt: d('2026-03-02T09:30Z'), endsAt: d('2026-03-02T10:30Z') }, 'too_little_notice'],
    ['too far ahead', { startsAt: d('2199-05-12T10:00Z'), endsAt: d('2199-05-12T11:00Z') }, 'too_far_ahead'],
  ])('a booking %s is refused without asking for opening hours', (_label, over, want) => {
    const walk = jest.fn(() => true);
    expect(checkBookingRules({ ...base, ...over, withinOpeningHours: walk })?.code).toBe(want);
    expect(walk).not.toHaveBeenCalled();
  });
  it('asks for opening hours last, once', () => {
    const walk = jest.fn(() => false);
    expect(checkBookingRules({ ...base, withinOpeningHours: walk })?.code).toBe('outside_opening_hours');
    expect(walk).toHaveBeenCalledTimes(1);
  });
});
