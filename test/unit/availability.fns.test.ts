import { DateTime } from 'luxon';
import { openingIntervals, openingIntervalsByLuxon, roomAvailability, withinOpeningHours } from '../../src/modules/venues/availability.fns';
import { openOn, type OpeningHours } from '../../src/modules/venues/venues.types';

const LONDON = 'Europe/London';
const d = (s: string) => new Date(s);
const iso = (ms: number) => new Date(ms).toISOString();
const asIso = (list: { start: number; end: number }[]) => list.map((i) => [iso(i.start), iso(i.end)]);

const days = (spans: { opens: string; closes: string }[], only?: (keyof OpeningHours)[]): OpeningHours => {
  const all: (keyof OpeningHours)[] = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'];
  return Object.fromEntries(all.map((k) => [k, !only || only.includes(k) ? spans : []])) as OpeningHours;
};

describe('openingIntervals', () => {
  it.each([
    // [label, hours, zone, from, to, expected]
    ['a winter weekday, GMT', days([{ opens: '09:00', closes: '17:00' }]), LONDON, '2026-01-12T00:00:00Z', '2026-01-13T00:00:00Z', [['2026-01-12T09:00:00.000Z', '2026-01-12T17:00:00.000Z']]],
    ['a summer weekday, BST', days([{ opens: '09:00', closes: '17:00' }]), LONDON, '2026-07-13T00:00:00Z', '2026-07-14T00:00:00Z', [['2026-07-13T08:00:00.000Z', '2026-07-13T16:00:00.000Z']]],
    [
      'spring-forward Sunday keeps 09:00 local',
      days([{ opens: '09:00', closes: '17:00' }]),
      LONDON,
      '2026-03-28T00:00:00Z',
      '2026-03-30T00:00:00Z',
      [
        ['2026-03-28T09:00:00.000Z', '2026-03-28T17:00:00.000Z'],
        ['2026-03-29T08:00:00.000Z', '2026-03-29T16:00:00.000Z'],
      ],
    ],
    [
      'fall-back Sunday keeps 09:00 local',
      days([{ opens: '09:00', closes: '17:00' }]),
      LONDON,
      '2026-10-24T00:00:00Z',
      '2026-10-26T00:00:00Z',
      [
        ['2026-10-24T08:00:00.000Z', '2026-10-24T16:00:00.000Z'],
        ['2026-10-25T09:00:00.000Z', '2026-10-25T17:00:00.000Z'],
      ],
    ],
    ['closed days give nothing', days([{ opens: '09:00', closes: '17:00' }], ['monday']), LONDON, '2026-01-13T00:00:00Z', '2026-01-18T00:00:00Z', []],
    [
      'two spans in a day stay apart',
      days([
        { opens: '09:00', closes: '12:00' },
        { opens: '13:00', closes: '17:00' },
      ]),
      LONDON,
      '2026-01-12T00:00:00Z',
      '2026-01-13T00:00:00Z',
      [
        ['2026-01-12T09:00:00.000Z', '2026-01-12T12:00:00.000Z'],
        ['2026-01-12T13:00:00.000Z', '2026-01-12T17:00:00.000Z'],
      ],
    ],
    [
      '24:00 joins the next day opening at 00:00',
      days([
        { opens: '00:00', closes: '02:00' },
        { opens: '18:00', closes: '24:00' },
      ]),
      LONDON,
      '2026-01-12T12:00:00Z',
      '2026-01-13T12:00:00Z',
      [['2026-01-12T18:00:00.000Z', '2026-01-13T02:00:00.000Z']],
    ],
    ['clipped to the window', days([{ opens: '09:00', closes: '17:00' }]), LONDON, '2026-01-12T10:30:00Z', '2026-01-12T12:00:00Z', [['2026-01-12T10:30:00.000Z', '2026-01-12T12:00:00.000Z']]],
    ['New York, EST', days([{ opens: '09:00', closes: '17:00' }]), 'America/New_York', '2026-01-12T00:00:00Z', '2026-01-13T05:00:00Z', [['2026-01-12T14:00:00.000Z', '2026-01-12T22:00:00.000Z']]],
    ['Auckland across the date line', days([{ opens: '09:00', closes: '17:00' }], ['monday']), 'Pacific/Auckland', '2026-01-11T00:00:00Z', '2026-01-12T12:00:00Z', [['2026-01-11T20:00:00.000Z', '2026-01-12T04:00:00.000Z']]],
    [
      'a span around the spring gap is an hour shorter',
      days([{ opens: '00:00', closes: '04:00' }], ['sunday']),
      LONDON,
      '2026-03-29T00:00:00Z',
      '2026-03-29T12:00:00Z',
      [['2026-03-29T00:00:00.000Z', '2026-03-29T03:00:00.000Z']],
    ],
    [
      'a span around the autumn repeat is an hour longer',
      days([{ opens: '00:00', closes: '04:00' }], ['sunday']),
      LONDON,
      '2026-10-24T12:00:00Z',
      '2026-10-25T12:00:00Z',
      [['2026-10-24T23:00:00.000Z', '2026-10-25T04:00:00.000Z']],
    ],
  ])('%s', (_label, hours, zone, from, to, expected) => {
    expect(asIso(openingIntervals(hours, zone, d(from), d(to)))).toEqual(expected);
  });
});

describe('openingIntervals agrees with the luxon walk it replaces', () => {
  // Zones with clock changes at 01:00/02:00 (London), at midnight (Havana, Santiago, Asuncion: the
  // local midnight is skipped or repeated), by 30 minutes (Lord Howe), and odd offsets (Chatham, Kathmandu).
  const zones = ['Europe/London', 'America/Havana', 'America/Santiago', 'America/Asuncion', 'Australia/Lord_Howe', 'Pacific/Chatham', 'Asia/Kathmandu', 'America/St_Johns', 'UTC'];
  const rules: [string, OpeningHours][] = [
    ['every day 07:00-23:00', openOn('07:00', '23:00')],
    ['all day every day', openOn('00:00', '24:00')],
    ['the small hours', openOn('00:30', '03:00')],
    ['weekdays 09:00-17:30', openOn('09:00', '17:30', ['monday', 'tuesday', 'wednesday', 'thursday', 'friday'])],
    [
      'two spans and a late close on Saturday',
      { ...openOn('09:00', '12:00'), monday: [{ opens: '00:00', closes: '01:30' }, { opens: '13:00', closes: '24:00' }], saturday: [{ opens: '18:00', closes: '24:00' }], sunday: [] },
    ],
  ];
  const HOUR = 3_600_000;
  it.each(zones)('in %s for every rule over windows around each clock change of 2025-2027 and random windows', (zone) => {
    const windows: [number, number][] = [];
    let seed = 11;
    const rnd = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const base = Date.UTC(2025, 0, 1);
    for (let i = 0; i < 150; i++) {
      const start = base + Math.floor(rnd() * 3 * 365 * 24 * 4) * 15 * 60_000;
      windows.push([start, start + Math.ceil(rnd() * 9 * 24 * 4) * 15 * 60_000]);
    }
    const probe = DateTime.fromMillis(base, { zone });
    for (let t = base; t < base + 3 * 365 * 24 * HOUR; t += HOUR) {
      if (probe.zone.offset(t) === probe.zone.offset(t + HOUR)) continue;
      for (const back of [0, 3, 23, 25, 49]) for (const len of [1, 2, 24, 48, 7 * 24]) windows.push([t - back * HOUR, t - back * HOUR + len * HOUR]);
    }
    for (const [, hours] of rules) {
      for (const [a, b] of windows) {
        expect([a, b, openingIntervals(hours, zone, new Date(a), new Date(b))]).toEqual([a, b, openingIntervalsByLuxon(hours, zone, new Date(a), new Date(b))]);
      }
    }
  });
  it('an unknown zone gets what luxon gives it', () => {
    expect(openingIntervals(openOn('09:00', '17:00'), 'Not/AZone', new Date('2026-01-01T00:00Z'), new Date('2026-01-08T00:00Z'))).toEqual(
      openingIntervalsByLuxon(openOn('09:00', '17:00'), 'Not/AZone', new Date('2026-01-01T00:00Z'), new Date('2026-01-08T00:00Z')),
    );
  });
});

describe('withinOpeningHours', () => {
  const hours = days([{ opens: '09:00', closes: '17:00' }], ['monday', 'tuesday', 'wednesday', 'thursday', 'friday']);
  it.each([
    ['inside, winter', '2026-01-12T10:00:00Z', '2026-01-12T12:00:00Z', true],
    ['exactly the opening hours', '2026-01-12T09:00:00Z', '2026-01-12T17:00:00Z', true],
    ['starts before opening', '2026-01-12T08:59:00Z', '2026-01-12T10:00:00Z', false],
    ['ends after closing', '2026-01-12T16:00:00Z', '2026-01-12T17:01:00Z', false],
    ['on a closed Saturday', '2026-01-17T10:00:00Z', '2026-01-17T12:00:00Z', false],
    ['10:00 BST is 09:00Z, inside', '2026-07-13T09:00:00Z', '2026-07-13T11:00:00Z', true],
    ['08:30Z in summer is 09:30 BST, inside', '2026-07-13T08:30:00Z', '2026-07-13T09:30:00Z', true],
    ['16:30Z in summer is 17:30 BST, outside', '2026-07-13T15:30:00Z', '2026-07-13T16:30:00Z', false],
    ['overnight across two days', '2026-01-12T16:00:00Z', '2026-01-13T10:00:00Z', false],
  ])('%s', (_l, s, e, ok) => expect(withinOpeningHours(hours, LONDON, d(s), d(e))).toBe(ok));

  it('accepts an overnight booking when 24:00 meets 00:00', () => {
    const late = days([
      { opens: '00:00', closes: '03:00' },
      { opens: '18:00', closes: '24:00' },
    ]);
    expect(withinOpeningHours(late, LONDON, d('2026-01-12T22:00:00Z'), d('2026-01-13T02:00:00Z'))).toBe(true);
  });
});

describe('roomAvailability', () => {
  const hours = days([{ opens: '09:00', closes: '17:00' }]);
  const base = { hours, zone: LONDON, from: d('2026-01-12T00:00:00Z'), to: d('2026-01-13T00:00:00Z'), closures: [], bufferMinutes: 0, minBookingMinutes: 30 };

  it('is all free with no bookings', () => {
    const r = roomAvailability({ ...base, bookings: [] });
    expect(asIso(r.busy)).toEqual([]);
    expect(asIso(r.free)).toEqual([['2026-01-12T09:00:00.000Z', '2026-01-12T17:00:00.000Z']]);
  });

  it('cuts a booking out, its held buffer included', () => {
    const r = roomAvailability({ ...base, bookings: [{ startsAt: d('2026-01-12T10:00:00Z'), blockedUntil: d('2026-01-12T12:15:00Z') }] });
    expect(asIso(r.busy)).toEqual([['2026-01-12T10:00:00.000Z', '2026-01-12T12:15:00.000Z']]);
    expect(asIso(r.free)).toEqual([
      ['2026-01-12T09:00:00.000Z', '2026-01-12T10:00:00.000Z'],
      ['2026-01-12T12:15:00.000Z', '2026-01-12T17:00:00.000Z'],
    ]);
  });

  it("holds this room's buffer before the next booking, so a new one cannot end on its start", () => {
    const r = roomAvailability({ ...base, bufferMinutes: 30, bookings: [{ startsAt: d('2026-01-12T12:00:00Z'), blockedUntil: d('2026-01-12T13:30:00Z') }] });
    expect(asIso(r.free)).toEqual([
      ['2026-01-12T09:00:00.000Z', '2026-01-12T11:30:00.000Z'],
      ['2026-01-12T13:30:00.000Z', '2026-01-12T17:00:00.000Z'],
    ]);
  });

  it('drops gaps shorter than the minimum booking', () => {
    const r = roomAvailability({
      ...base,
      minBookingMinutes: 60,
      bookings: [
        { startsAt: d('2026-01-12T09:00:00Z'), blockedUntil: d('2026-01-12T11:00:00Z') },
        { startsAt: d('2026-01-12T11:45:00Z'), blockedUntil: d('2026-01-12T17:00:00Z') },
      ],
    });
    expect(asIso(r.free)).toEqual([]);
    expect(asIso(r.busy)).toEqual([
      ['2026-01-12T09:00:00.000Z', '2026-01-12T11:00:00.000Z'],
      ['2026-01-12T11:45:00.000Z', '2026-01-12T17:00:00.000Z'],
    ]);
  });

  it('merges touching bookings and closures into one busy stretch', () => {
    const r = roomAvailability({
      ...base,
      bookings: [{ startsAt: d('2026-01-12T10:00:00Z'), blockedUntil: d('2026-01-12T11:00:00Z') }],
      closures: [{ startsAt: d('2026-01-12T11:00:00Z'), endsAt: d('2026-01-12T13:00:00Z') }],
    });
    expect(asIso(r.busy)).toEqual([['2026-01-12T10:00:00.000Z', '2026-01-12T13:00:00.000Z']]);
  });

  it('a hub-wide closure over the day leaves nothing free', () => {
    const r = roomAvailability({ ...base, bookings: [], closures: [{ startsAt: d('2026-01-11T00:00:00Z'), endsAt: d('2026-01-14T00:00:00Z') }] });
    expect(asIso(r.free)).toEqual([]);
    expect(asIso(r.busy)).toEqual([['2026-01-12T00:00:00.000Z', '2026-01-13T00:00:00.000Z']]);
  });

  it('on the spring-forward day free time is 09:00 to 17:00 local, 8 real hours', () => {
    const r = roomAvailability({ ...base, from: d('2026-03-29T00:00:00Z'), to: d('2026-03-30T00:00:00Z'), bookings: [] });
    expect(asIso(r.free)).toEqual([['2026-03-29T08:00:00.000Z', '2026-03-29T16:00:00.000Z']]);
  });

  it('ignores bookings outside the window', () => {
    const r = roomAvailability({ ...base, bookings: [{ startsAt: d('2026-01-13T10:00:00Z'), blockedUntil: d('2026-01-13T12:00:00Z') }] });
    expect(asIso(r.busy)).toEqual([]);
  });
});

describe('openOn', () => {
  it('opens the given days and closes the rest', () => {
    expect(openOn('09:00', '17:00', ['monday', 'saturday'])).toEqual({
      monday: [{ opens: '09:00', closes: '17:00' }],
      tuesday: [],
      wednesday: [],
      thursday: [],
      friday: [],
      saturday: [{ opens: '09:00', closes: '17:00' }],
      sunday: [],
    });
  });
  it('opens every day by default', () => {
    expect(Object.values(openOn('00:00', '24:00')).every((d) => d.length === 1 && d[0].closes === '24:00')).toBe(true);
  });
});
