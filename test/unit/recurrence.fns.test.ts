import { DateTime } from 'luxon';
import { DomainError } from '../../src/lib/errors';
import { expandWeekly, localTimeExists, type ExpandWeeklyInput } from '../../src/modules/bookings/recurrence.fns';

const LONDON = 'Europe/London';
const NEW_YORK = 'America/New_York';

const iso = (d: Date) => d.toISOString().replace('.000Z', 'Z');
const pairs = (input: ExpandWeeklyInput) =>
  expandWeekly(input).occurrences.map((o) => [o.localDate, iso(o.startsAt), iso(o.endsAt)]);

function validationError(fn: () => unknown): DomainError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(DomainError);
    expect((err as DomainError).kind).toBe('validation');
    return err as DomainError;
  }
  throw new Error('expected a validation DomainError');
}

// 2026-03-24 is a Tuesday. UK clocks go forward on Sun 2026-03-29, back on Sun 2026-10-25.
const tuesdays = { firstStart: '2026-03-17T10:00', firstEnd: '2026-03-17T12:00', weekdays: [2], timezone: LONDON };

describe('expandWeekly across UK clock changes', () => {
  test('Tue 10:00-12:00 stays 10:00 local: 10:00Z in GMT, 09:00Z in BST', () => {
    expect(pairs({ ...tuesdays, count: 3 })).toEqual([
      ['2026-03-17', '2026-03-17T10:00:00Z', '2026-03-17T12:00:00Z'],
      ['2026-03-24', '2026-03-24T10:00:00Z', '2026-03-24T12:00:00Z'],
      ['2026-03-31', '2026-03-31T09:00:00Z', '2026-03-31T11:00:00Z'],
    ]);
  });

  test('across the autumn change: 09:00Z in BST, then 10:00Z in GMT', () => {
    expect(pairs({ firstStart: '2026-10-20T10:00', firstEnd: '2026-10-20T12:00', weekdays: [2], count: 2, timezone: LONDON })).toEqual([
      ['2026-10-20', '2026-10-20T09:00:00Z', '2026-10-20T11:00:00Z'],
      ['2026-10-27', '2026-10-27T10:00:00Z', '2026-10-27T12:00:00Z'],
    ]);
  });

  test('every day across the spring change keeps 10:00 local', () => {
    const r = expandWeekly({ firstStart: '2026-03-27T10:00', firstEnd: '2026-03-27T11:00', weekdays: [1, 2, 3, 4, 5, 6, 7], count: 4, timezone: LONDON });
    expect(r.occurrences.map((o) => iso(o.startsAt))).toEqual([
      '2026-03-27T10:00:00Z',
      '2026-03-28T10:00:00Z',
      '2026-03-29T09:00:00Z',
      '2026-03-30T09:00:00Z',
    ]);
    expect(r.skipped).toEqual([]);
  });

  test('an overnight series Fri 22:00 - Sat 01:00 keeps its local times', () => {
    expect(pairs({ firstStart: '2026-03-27T22:00', firstEnd: '2026-03-28T01:00', weekdays: [5], count: 2, timezone: LONDON })).toEqual([
      ['2026-03-27', '2026-03-27T22:00:00Z', '2026-03-28T01:00:00Z'],
      ['2026-04-03', '2026-04-03T21:00:00Z', '2026-04-04T00:00:00Z'],
    ]);
  });

  test('a series in New York follows New York clocks (EST then EDT from 8 March)', () => {
    expect(pairs({ firstStart: '2026-03-03T10:00', firstEnd: '2026-03-03T11:30', weekdays: [2], count: 2, timezone: NEW_YORK })).toEqual([
      ['2026-03-03', '2026-03-03T15:00:00Z', '2026-03-03T16:30:00Z'],
      ['2026-03-10', '2026-03-10T14:00:00Z', '2026-03-10T15:30:00Z'],
    ]);
  });
});

describe('expandWeekly: nonexistent and repeated local times', () => {
  test('Sun 01:30-02:30: the 29 March date does not exist and is skipped, not shifted', () => {
    const r = expandWeekly({ firstStart: '2026-03-22T01:30', firstEnd: '2026-03-22T02:30', weekdays: [7], count: 3, timezone: LONDON });
    expect(r.occurrences.map((o) => [o.localDate, iso(o.startsAt), iso(o.endsAt)])).toEqual([
      ['2026-03-22', '2026-03-22T01:30:00Z', '2026-03-22T02:30:00Z'],
      ['2026-04-05', '2026-04-05T00:30:00Z', '2026-04-05T01:30:00Z'],
    ]);
    expect(r.skipped).toEqual([{ localDate: '2026-03-29', reason: 'nonexistent_local_time' }]);
  });

  test('an end inside the gap (Sun 00:30-01:30) also skips the date', () => {
    const r = expandWeekly({ firstStart: '2026-03-22T00:30', firstEnd: '2026-03-22T01:30', weekdays: [7], until: '2026-04-05', timezone: LONDON });
    expect(r.occurrences.map((o) => o.localDate)).toEqual(['2026-03-22', '2026-04-05']);
    expect(r.skipped).toEqual([{ localDate: '2026-03-29', reason: 'nonexistent_local_time' }]);
  });

  test('a first start inside the gap is itself skipped', () => {
    const r = expandWeekly({ firstStart: '2026-03-29T01:30', firstEnd: '2026-03-29T03:00', weekdays: [7], count: 2, timezone: LONDON });
    expect(r.skipped).toEqual([{ localDate: '2026-03-29', reason: 'nonexistent_local_time' }]);
    expect(r.occurrences.map((o) => [o.localDate, iso(o.startsAt)])).toEqual([['2026-04-05', '2026-04-05T00:30:00Z']]);
  });

  test('a gap in New York (Sun 8 March 02:30) is skipped', () => {
    const r = expandWeekly({ firstStart: '2026-03-01T02:30', firstEnd: '2026-03-01T03:30', weekdays: [7], count: 3, timezone: NEW_YORK });
    expect(r.skipped.map((s) => s.localDate)).toEqual(['2026-03-08']);
    expect(r.occurrences.map((o) => iso(o.startsAt))).toEqual(['2026-03-01T07:30:00Z', '2026-03-15T06:30:00Z']);
  });

  test('a repeated local time (Sun 25 Oct 01:30) takes its first, BST, instant', () => {
    const r = expandWeekly({ firstStart: '2026-10-18T01:30', firstEnd: '2026-10-18T01:45', weekdays: [7], count: 3, timezone: LONDON });
    expect(r.occurrences.map((o) => [iso(o.startsAt), iso(o.endsAt)])).toEqual([
      ['2026-10-18T00:30:00Z', '2026-10-18T00:45:00Z'],
      ['2026-10-25T00:30:00Z', '2026-10-25T00:45:00Z'],
      ['2026-11-01T01:30:00Z', '2026-11-01T01:45:00Z'],
    ]);
    expect(r.skipped).toEqual([]);
  });

  test('Sun 00:00-04:00 local is 3 real hours on 29 March and 5 on 25 October', () => {
    const spring = expandWeekly({ firstStart: '2026-03-29T00:00', firstEnd: '2026-03-29T04:00', weekdays: [7], count: 1, timezone: LONDON });
    const autumn = expandWeekly({ firstStart: '2026-10-25T00:00', firstEnd: '2026-10-25T04:00', weekdays: [7], count: 1, timezone: LONDON });
    const hours = (o: { startsAt: Date; endsAt: Date }) => (o.endsAt.getTime() - o.startsAt.getTime()) / 3_600_000;
    expect(hours(spring.occurrences[0])).toBe(3);
    expect(hours(autumn.occurrences[0])).toBe(5);
  });
});

describe('expandWeekly: weekdays, count and until', () => {
  test('two weekdays (Tue, Thu), count 4', () => {
    expect(pairs({ firstStart: '2026-03-24T10:00', firstEnd: '2026-03-24T12:00', weekdays: [2, 4], count: 4, timezone: LONDON })).toEqual([
      ['2026-03-24', '2026-03-24T10:00:00Z', '2026-03-24T12:00:00Z'],
      ['2026-03-26', '2026-03-26T10:00:00Z', '2026-03-26T12:00:00Z'],
      ['2026-03-31', '2026-03-31T09:00:00Z', '2026-03-31T11:00:00Z'],
      ['2026-04-02', '2026-04-02T09:00:00Z', '2026-04-02T11:00:00Z'],
    ]);
  });

  test('weekdays in any order, repeated, give the same dates', () => {
    const a = pairs({ ...tuesdays, weekdays: [4, 2, 2], count: 4 });
    const b = pairs({ ...tuesdays, weekdays: [2, 4], count: 4 });
    expect(a).toEqual(b);
  });

  test('the first date is left out when its weekday is not chosen (Mon start, Wednesdays)', () => {
    const r = expandWeekly({ firstStart: '2026-03-23T18:00', firstEnd: '2026-03-23T19:00', weekdays: [3], count: 2, timezone: LONDON });
    expect(r.occurrences.map((o) => o.localDate)).toEqual(['2026-03-25', '2026-04-01']);
  });

  test.each<[string, number]>([
    ['2026-04-07', 4],
    ['2026-04-06', 3],
    ['2026-03-17', 1],
  ])('until %s (inclusive) gives %i Tuesdays', (until, n) => {
    expect(expandWeekly({ ...tuesdays, until }).occurrences).toHaveLength(n);
  });

  test.each([1, 2, 10, 52])('count %i gives that many dates', (count) => {
    expect(expandWeekly({ ...tuesdays, count }).occurrences).toHaveLength(count);
  });

  test('a skipped date counts towards count', () => {
    const r = expandWeekly({ firstStart: '2026-03-22T01:30', firstEnd: '2026-03-22T02:00', weekdays: [7], count: 2, timezone: LONDON });
    expect(r.occurrences).toHaveLength(1);
    expect(r.skipped).toHaveLength(1);
  });

  test('exactly max (104) weekly dates by count and by until are allowed', () => {
    const byCount = expandWeekly({ ...tuesdays, firstStart: '2026-01-06T10:00', firstEnd: '2026-01-06T12:00', count: 104 });
    expect(byCount.occurrences).toHaveLength(104);
    expect(byCount.occurrences[103].localDate).toBe('2027-12-28');
    const byUntil = expandWeekly({ ...tuesdays, firstStart: '2026-01-06T10:00', firstEnd: '2026-01-06T12:00', until: '2027-12-28' });
    expect(byUntil.occurrences).toHaveLength(104);
  });

  test('a custom max', () => {
    expect(expandWeekly({ ...tuesdays, until: '2026-03-31', max: 3 }).occurrences).toHaveLength(3);
    validationError(() => expandWeekly({ ...tuesdays, until: '2026-04-07', max: 3 }));
  });
});

describe('expandWeekly: first start given as an instant', () => {
  test('ISO with offset is read on the hub clock', () => {
    expect(pairs({ firstStart: '2026-03-31T10:00:00+01:00', firstEnd: '2026-03-31T12:00:00+01:00', weekdays: [2], count: 2, timezone: LONDON })).toEqual([
      ['2026-03-31', '2026-03-31T09:00:00Z', '2026-03-31T11:00:00Z'],
      ['2026-04-07', '2026-04-07T09:00:00Z', '2026-04-07T11:00:00Z'],
    ]);
  });

  test('an offset from another zone is converted to the hub wall time (06:00-04:00 = 10:00 London)', () => {
    expect(pairs({ firstStart: '2026-03-24T06:00:00-04:00', firstEnd: '2026-03-24T08:00:00-04:00', weekdays: [2], count: 2, timezone: LONDON })).toEqual([
      ['2026-03-24', '2026-03-24T10:00:00Z', '2026-03-24T12:00:00Z'],
      ['2026-03-31', '2026-03-31T09:00:00Z', '2026-03-31T11:00:00Z'],
    ]);
  });

  test('Z suffix and Date objects', () => {
    const expected = [
      ['2026-03-24', '2026-03-24T10:00:00Z', '2026-03-24T12:00:00Z'],
      ['2026-03-31', '2026-03-31T09:00:00Z', '2026-03-31T11:00:00Z'],
    ];
    expect(pairs({ firstStart: '2026-03-24T10:00:00Z', firstEnd: '2026-03-24T12:00:00Z', weekdays: [2], count: 2, timezone: LONDON })).toEqual(expected);
    expect(
      pairs({ firstStart: new Date('2026-03-24T10:00:00Z'), firstEnd: new Date('2026-03-24T12:00:00Z'), weekdays: [2], count: 2, timezone: LONDON }),
    ).toEqual(expected);
  });

  test('the local date of an instant is the hub date (23:30Z on 30 March is Tue 31 March in London)', () => {
    const r = expandWeekly({ firstStart: '2026-03-30T23:30:00Z', firstEnd: '2026-03-31T00:30:00Z', weekdays: [2], count: 1, timezone: LONDON });
    expect(r.occurrences[0].localDate).toBe('2026-03-31');
  });
});

describe('expandWeekly: refusals', () => {
  test.each<[string, Partial<ExpandWeeklyInput>, string]>([
    ['both until and count', { until: '2026-04-07', count: 2 }, 'recurrence'],
    ['neither until nor count', {}, 'recurrence'],
    ['no weekdays', { weekdays: [], count: 2 }, 'recurrence.weekdays'],
    ['weekday 0', { weekdays: [0], count: 2 }, 'recurrence.weekdays'],
    ['weekday 8', { weekdays: [2, 8], count: 2 }, 'recurrence.weekdays'],
    ['a fractional weekday', { weekdays: [2.5], count: 2 }, 'recurrence.weekdays'],
    ['count 0', { count: 0 }, 'recurrence.count'],
    ['a fractional count', { count: 1.5 }, 'recurrence.count'],
    ['count above max', { count: 105 }, 'recurrence.count'],
    ['until beyond max (weekly for four years)', { until: '2030-03-17' }, 'recurrence.until'],
    ['until before the first date', { until: '2026-03-16' }, 'recurrence.until'],
    ['until 30 February', { until: '2026-02-30' }, 'recurrence.until'],
    ['until as a date-time', { until: '2026-04-07T00:00' }, 'recurrence.until'],
    ['end before start', { firstEnd: '2026-03-17T09:00', count: 2 }, 'endsAt'],
    ['end equal to start', { firstEnd: '2026-03-17T10:00', count: 2 }, 'endsAt'],
    ['a start that is not a date-time', { firstStart: 'next tuesday', count: 2 }, 'startsAt'],
    ['an unknown time zone', { timezone: 'Europe/Atlantis', count: 2 }, 'timezone'],
    ['no dates at all (Monday until the first Tuesday)', { weekdays: [1], until: '2026-03-17' }, 'recurrence'],
  ])('%s', (_name, patch, path) => {
    const err = validationError(() => expandWeekly({ ...tuesdays, ...patch }));
    expect(err.fields?.[0]?.path).toBe(path);
  });

  test('max must be a positive integer', () => {
    validationError(() => expandWeekly({ ...tuesdays, count: 1, max: 0 }));
  });

  test('a far-off until stops at max instead of walking every day', () => {
    const t = Date.now();
    validationError(() => expandWeekly({ ...tuesdays, weekdays: [1, 2, 3, 4, 5, 6, 7], until: '9999-12-31' }));
    expect(Date.now() - t).toBeLessThan(1000);
  });
});

describe('localTimeExists', () => {
  const utcWall = (s: string) => DateTime.fromISO(s, { zone: 'utc' });
  test.each<[string, string, boolean]>([
    ['2026-03-29T00:59', LONDON, true],
    ['2026-03-29T01:00', LONDON, false],
    ['2026-03-29T01:30', LONDON, false],
    ['2026-03-29T01:59', LONDON, false],
    ['2026-03-29T02:00', LONDON, true],
    ['2026-10-25T01:30', LONDON, true],
    ['2026-03-08T02:30', NEW_YORK, false],
    ['2026-03-08T03:00', NEW_YORK, true],
    ['2026-03-29T01:30', NEW_YORK, true],
  ])('%s in %s: %s', (wall, zone, exists) => {
    expect(localTimeExists(utcWall(wall), zone)).toBe(exists);
  });

  test('a DateTime built in its own zone always exists there', () => {
    expect(localTimeExists(DateTime.fromISO('2026-03-29T01:30', { zone: LONDON }))).toBe(true);
  });

  test('an invalid DateTime does not exist', () => {
    expect(localTimeExists(DateTime.fromISO('2026-02-30T10:00', { zone: 'utc' }), LONDON)).toBe(false);
  });
});
