import { DateTime } from 'luxon';
import {
  CSV_COLUMNS,
  bookableByMonth,
  checkPeriod,
  earnedPence,
  hoursOf,
  monthWindows,
  wholeMonth,
  msWithin,
  occupancyOf,
  periodInstants,
  reportCsv,
  reportCsvRecords,
  reportFileName,
  volunteerValuePence,
} from '../../src/modules/reports/reports.fns';
import { DomainError } from '../../src/lib/errors';

const H = 3_600_000;
const at = (iso: string, zone = 'Europe/London') => DateTime.fromISO(iso, { zone }).toMillis();

describe('earnedPence: a booking\'s money shared by time in whole pence', () => {
  it('is 0 at the start and the whole price at the end', () => {
    for (const amount of [0, 1, 99, 1234, 987654]) {
      expect(earnedPence(amount, 0, 7 * H)).toBe(0);
      expect(earnedPence(amount, 7 * H, 7 * H)).toBe(amount);
    }
  });

  it('rounds halves up, exactly', () => {
    expect(earnedPence(1, H, 2 * H)).toBe(1); // 0.5 → 1
    expect(earnedPence(3, H, 2 * H)).toBe(2); // 1.5 → 2
    expect(earnedPence(100, H, 3 * H)).toBe(33); // 33.33…
    expect(earnedPence(100, 2 * H, 3 * H)).toBe(67); // 66.67
    expect(earnedPence(5, H, 4 * H)).toBe(1); // 1.25
  });

  it('makes any cuts of a booking add up to its price, with no piece negative (many random cases)', () => {
    let seed = 7;
    const rand = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
    for (let i = 0; i < 2000; i++) {
      const length = (1 + Math.floor(rand() * 48 * 4)) * 15 * 60_000;
      const amount = Math.floor(rand() * 100_000);
      const cuts = [0, ...Array.from({ length: 1 + Math.floor(rand() * 5) }, () => Math.floor(rand() * length)).sort((a, b) => a - b), length];
      let sum = 0;
      for (let k = 1; k < cuts.length; k++) {
        const piece = earnedPence(amount, cuts[k], length) - earnedPence(amount, cuts[k - 1], length);
        expect(piece).toBeGreaterThanOrEqual(0);
        sum += piece;
      }
      expect(sum).toBe(amount);
    }
  });

  it('clamps elapsed time outside the booking', () => {
    expect(earnedPence(500, -H, 2 * H)).toBe(0);
    expect(earnedPence(500, 5 * H, 2 * H)).toBe(500);
  });
});

describe('checkPeriod', () => {
  it.each([
    ['2026-01-01', '2026-01-01', 1],
    ['2026-01-01', '2026-12-31', 365],
    ['2028-01-01', '2028-12-31', 366],
    ['2026-03-28', '2026-03-30', 3],
  ])('%s..%s is %i days', (from, to, days) => expect(checkPeriod({ from, to })).toEqual({ days }));

  it.each([
    ['2026-01-02', '2026-01-01', 'before from'],
    ['2026-01-01', '2027-01-02', 'period too long'],
    ['2026-02-30', '2026-03-01', 'not a calendar date'],
    ['2026-01-01', '2026-13-01', 'not a calendar date'],
  ])('refuses %s..%s (%s)', (from, to, message) => {
    try {
      checkPeriod({ from, to });
      throw new Error('accepted');
    } catch (e) {
      expect(e).toBeInstanceOf(DomainError);
      expect((e as DomainError).fields?.[0].message).toBe(message);
    }
  });
});

describe('periods and months in a zone', () => {
  it('reads local dates in the zone, across the clock changes', () => {
    expect(periodInstants({ from: '2026-03-29', to: '2026-03-29' }, 'Europe/London')).toEqual({ start: Date.parse('2026-03-29T00:00:00Z'), end: Date.parse('2026-03-29T23:00:00Z') });
    const autumn = periodInstants({ from: '2026-10-25', to: '2026-10-25' }, 'Europe/London');
    expect((autumn.end - autumn.start) / H).toBe(25);
    const ny = periodInstants({ from: '2026-03-08', to: '2026-03-08' }, 'America/New_York');
    expect((ny.end - ny.start) / H).toBe(23);
  });

  it('cuts the period into local months that tile it', () => {
    const months = monthWindows({ from: '2026-01-15', to: '2026-04-10' }, 'Europe/London');
    expect(months.map((m) => m.month)).toEqual(['2026-01', '2026-02', '2026-03', '2026-04']);
    expect(months[0].start).toBe(at('2026-01-15T00:00'));
    expect(months[2]).toEqual({ month: '2026-03', start: at('2026-03-01T00:00'), end: at('2026-04-01T00:00'), whole: true });
    // Only the months the period covers entirely can come from the roll-up.
    expect(months.map((m) => m.whole)).toEqual([false, true, true, false]);
    expect(wholeMonth('2026-03', 'Europe/London')).toEqual({ start: months[2].start, end: months[2].end });
    expect(months[3].end).toBe(at('2026-04-11T00:00'));
    for (let i = 1; i < months.length; i++) expect(months[i].start).toBe(months[i - 1].end);
    // March in London has an hour fewer than 31 days.
    expect((months[2].end - months[2].start) / H).toBe(31 * 24 - 1);
  });

  it('gives one month for a single day, and a year of twelve', () => {
    expect(monthWindows({ from: '2026-02-28', to: '2026-02-28' }, 'UTC').map((m) => m.month)).toEqual(['2026-02']);
    expect(monthWindows({ from: '2026-01-01', to: '2026-12-31' }, 'Europe/London')).toHaveLength(12);
    expect(monthWindows({ from: '2026-02-15', to: '2027-02-14' }, 'Europe/London')).toHaveLength(13);
  });
});

describe('bookable time', () => {
  it('is opening time minus closures, split by month', () => {
    const months = monthWindows({ from: '2026-01-31', to: '2026-02-01' }, 'UTC');
    const open = [
      { start: at('2026-01-31T09:00', 'UTC'), end: at('2026-01-31T17:00', 'UTC') },
      { start: at('2026-02-01T09:00', 'UTC'), end: at('2026-02-01T17:00', 'UTC') },
    ];
    const closed = [
      { start: at('2026-01-31T12:00', 'UTC'), end: at('2026-01-31T13:00', 'UTC') },
      { start: at('2026-01-31T12:30', 'UTC'), end: at('2026-01-31T14:00', 'UTC') },
      { start: at('2026-02-01T00:00', 'UTC'), end: at('2026-02-02T00:00', 'UTC') },
    ];
    expect(Object.fromEntries(bookableByMonth(open, closed, months))).toEqual({ '2026-01': 6 * H, '2026-02': 0 });
  });

  it('counts only the time inside a window', () => {
    expect(msWithin([{ start: 0, end: 10 }, { start: 20, end: 30 }], 5, 25)).toBe(10);
    expect(msWithin([], 0, 100)).toBe(0);
  });
});

describe('small figures', () => {
  it.each([
    [0, 0],
    [H, 1],
    [H / 3, 0.33],
    [(2 * H) / 3, 0.67],
    [90 * 60_000, 1.5],
  ])('hoursOf(%i) = %d', (ms, hours) => expect(hoursOf(ms)).toBe(hours));

  it('keeps occupancy in 0..1', () => {
    expect(occupancyOf(0, 0)).toBe(0);
    expect(occupancyOf(5, 0)).toBe(0);
    expect(occupancyOf(1, 3)).toBe(0.3333);
    expect(occupancyOf(4, 3)).toBe(1);
  });

  it.each([
    [0, 1271, 0],
    [60, 1271, 1271],
    [30, 1271, 636], // 635.5 → 636
    [151, 1271, 3199],
    [1, 1000, 17], // 16.67
    [600_000, 1271, 12_710_000],
  ])('values %i volunteer minutes at %i pence an hour as %i', (minutes, rate, pence) => expect(volunteerValuePence(minutes, rate)).toBe(pence));
});

describe('file names', () => {
  it.each([
    ['Riverside Community Hub', 'usage-riverside-community-hub-2026-01-01-to-2026-03-31.csv'],
    ['Café "Les Amis", Room/2', 'usage-cafe-les-amis-room2-2026-01-01-to-2026-03-31.csv'],
    ['network', 'usage-network-2026-01-01-to-2026-03-31.csv'],
    ['***', 'usage-hub-2026-01-01-to-2026-03-31.csv'],
  ])('%s → %s', (name, file) => expect(reportFileName(name, { from: '2026-01-01', to: '2026-03-31' })).toBe(file));
});

describe('CSV', () => {
  const m = { bookings: 2, hours: 3.5, minutes: 210, incomePence: 1000, privateRatePence: 4000, subsidyPence: 3000, organisations: 1, cancellations: 1, noShows: 0 };
  const report = {
    scope: 'network' as const,
    totals: { ...m, bookableHours: 10, occupancy: 0.35 },
    byTier: [{ tier: 'community', ...m }],
    byMonth: [{ month: '2026-01', ...m, bookableHours: 10, occupancy: 0.35, byTier: [{ tier: 'community', ...m }] }],
    byRoom: [{ hubName: 'A, "quoted"', roomName: '+Room', bookableHours: 10, bookedHours: 3.5, occupancy: 0.35 }],
    byHub: [{ hubName: 'A, "quoted"', ...m, bookableHours: 10, occupancy: 0.35 }],
    volunteers: { hours: 1, minutes: 60, volunteers: 1, valuePence: 1271, byRole: [{ role: 'opener', hours: 1, minutes: 60, volunteers: 1, valuePence: 1271 }], byHub: [{ hubName: 'A, "quoted"', hours: 1, minutes: 60, volunteers: 1, valuePence: 1271, hourValuePence: 1271, valuationNote: 'NLW' }], note: null },
  };

  it('has one row per figure, each naming its section and hub', () => {
    expect(reportCsvRecords(report).map((r) => [r.section, r.hub])).toEqual([
      ['total', 'All hubs'],
      ['tier', 'All hubs'],
      ['month', 'All hubs'],
      ['month_tier', 'All hubs'],
      ['hub', 'A, "quoted"'],
      ['room', 'A, "quoted"'],
      ['volunteers', 'All hubs'],
      ['volunteer_role', 'All hubs'],
      ['volunteer_hub', 'A, "quoted"'],
    ]);
  });

  it('quotes, escapes formulas and keeps numbers plain', () => {
    const lines = reportCsv(report).replace(/^\uFEFF/, '').split('\r\n');
    expect(lines[0]).toBe(CSV_COLUMNS.join(','));
    expect(lines[1]).toBe('total,All hubs,,,,,2,3.5,210,1000,4000,3000,1,1,0,10,0.35,,,,');
    expect(lines[6]).toBe(`room,"A, ""quoted""",,,'+Room,,,3.5,,,,,,,,10,0.35,,,,`);
  });
});
