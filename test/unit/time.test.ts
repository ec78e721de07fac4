import { DateTime, IANAZone, Settings } from 'luxon';
import { DomainError } from '../../src/lib/errors';
import { ianaZone, localDateIn, mergeIntervals, parseHubTime, parseHubTimeByLuxon, subtractIntervals, toZonedIso } from '../../src/lib/time';

const LONDON = 'Europe/London';

describe('parseHubTime', () => {
  it.each([
    ['an instant with Z', '2026-03-31T09:00:00Z', '2026-03-31T09:00:00.000Z'],
    ['an instant with the hub offset', '2026-03-31T10:00:00+01:00', '2026-03-31T09:00:00.000Z'],
    ['an instant from another zone', '2026-03-31T05:00:00-04:00', '2026-03-31T09:00:00.000Z'],
    ['local time in winter', '2026-01-12T10:00', '2026-01-12T10:00:00.000Z'],
    ['local time in summer', '2026-07-12T10:00', '2026-07-12T09:00:00.000Z'],
    ['local 10:00 on the spring-forward day', '2026-03-29T10:00:00', '2026-03-29T09:00:00.000Z'],
    ['local 10:00 on the fall-back day', '2026-10-25T10:00:00', '2026-10-25T10:00:00.000Z'],
    ['the repeated autumn hour takes its first occurrence', '2026-10-25T01:30', '2026-10-25T00:30:00.000Z'],
    ['the second occurrence, by its GMT offset', '2026-10-25T01:30:00+00:00', '2026-10-25T01:30:00.000Z'],
    ['an instant inside the spring gap written in UTC', '2026-03-29T01:30:00Z', '2026-03-29T01:30:00.000Z'],
    ['fractions of a second', '2026-01-12T10:00:00.500Z', '2026-01-12T10:00:00.500Z'],
  ])('reads %s', (_l, input, expected) => {
    expect(parseHubTime(input, LONDON, 'startsAt').toISOString()).toBe(expected);
  });

  it.each([
    ['01:30 local on the spring-forward day', '2026-03-29T01:30'],
    ['01:30 +01:00 on that day (a BST time that never happened)', '2026-03-29T01:30:00+01:00'],
    ['01:00 local exactly when the clocks jump', '2026-03-29T01:00:00'],
  ])('refuses %s as nonexistent_local_time', (_l, input) => {
    try {
      parseHubTime(input, LONDON, 'startsAt');
      throw new Error('accepted');
    } catch (err) {
      expect(err).toBeInstanceOf(DomainError);
      expect((err as DomainError).code).toBe('nonexistent_local_time');
    }
  });

  it.each(['2026-02-30T10:00', '2026-13-01T10:00', 'yesterday', '2026-01-12T25:00'])('refuses %s as validation_failed', (input) => {
    expect(() => parseHubTime(input, LONDON, 'startsAt')).toThrow(expect.objectContaining({ code: 'validation_failed' }));
  });
});

describe('parseHubTime read by hand', () => {
  // The plain ISO forms are read without luxon; luxon's reading (parseHubTimeByLuxon) is the reference.
  const outcome = (f: () => Date) => {
    try {
      return f().toISOString();
    } catch (err) {
      return `error ${(err as DomainError).code}: ${(err as Error).message}`;
    }
  };
  const zones = [LONDON, 'UTC', 'America/St_Johns', 'Australia/Lord_Howe', 'Asia/Kathmandu', 'Pacific/Chatham', 'America/Sao_Paulo', 'Europe/Dublin', 'Africa/Casablanca', 'Pacific/Apia'];
  const wallOf = (ms: number, zone: string) => DateTime.fromMillis(ms, { zone }).toFormat("yyyy-MM-dd'T'HH:mm");
  it.each(zones)('agrees with luxon in %s around every clock change of 2024-2027, in every form, and at random times', (zone) => {
    const walls = new Set<string>();
    const z = IANAZone.create(zone);
    for (let ms = Date.UTC(2024, 0, 1); ms < Date.UTC(2028, 0, 1); ms += 3_600_000) {
      if (z.offset(ms) === z.offset(ms + 3_600_000)) continue;
      // Every 15 minutes from two hours before the change to three after, and the same readings in UTC (some fall in the gap).
      for (let t = ms - 2 * 3_600_000; t <= ms + 3 * 3_600_000; t += 15 * 60_000) {
        walls.add(wallOf(t, zone));
        walls.add(wallOf(t, 'UTC'));
      }
    }
    for (let i = 0; i < 200; i++) walls.add(wallOf(Date.UTC(2000, 0, 1) + Math.floor(Math.random() * 199 * 365.25 * 86_400_000), zone));
    const offsets = ['', 'Z', '-00:00', '+01:00', '-03:30', '+05:45', '+13:45', '+10:30'];
    let compared = 0;
    for (const wall of walls) {
      for (const tail of ['', ':59', ':07.25']) {
        for (const offset of offsets) {
          const input = `${wall}${tail}${offset}`;
          expect([input, outcome(() => parseHubTime(input, zone, 'startsAt'))]).toEqual([input, outcome(() => parseHubTimeByLuxon(input, zone, 'startsAt'))]);
          compared++;
        }
      }
    }
    expect(compared).toBeGreaterThan(2_000);
  });

  it.each([
    '2026-02-29T10:00', '2028-02-29T10:00', '2026-04-31T10:00', '2026-01-12T24:00', '2026-01-12T23:60', '2026-01-12T10:00:60', '1999-12-31T23:59',
    '2200-01-01T00:00', '2199-12-31T23:59:59.999', '2026-01-12T10:00:00.1234', '2026-01-12T10:00+15:00', '2026-01-12T10:00+01:60', '2026-01-12T10:00z',
    '2026-01-12 10:00', '20260112T1000', '2026-01-12T10', ' 2026-01-12T10:00 ', '2026-W03-1T10:00', '2026-012T10:00', '2026-01-12T10:00+0100',
  ])('agrees with luxon on %s', (input) => {
    for (const zone of [LONDON, 'Pacific/Apia', 'Mars/Olympus']) {
      expect(outcome(() => parseHubTime(input, zone, 'startsAt'))).toEqual(outcome(() => parseHubTimeByLuxon(input, zone, 'startsAt')));
    }
  });
});

describe('toZonedIso', () => {
  it.each([
    ['2026-03-31T09:00:00Z', LONDON, '2026-03-31T10:00:00+01:00'],
    ['2026-01-12T10:00:00Z', LONDON, '2026-01-12T10:00:00+00:00'],
    ['2026-01-12T10:00:00Z', 'America/New_York', '2026-01-12T05:00:00-05:00'],
    ['2026-01-12T10:00:00Z', 'Asia/Kolkata', '2026-01-12T15:30:00+05:30'],
  ])('%s in %s', (input, zone, expected) => expect(toZonedIso(new Date(input), zone)).toBe(expected));

  // The formatter works offsets out per UTC hour; luxon, asked for every instant, is the reference.
  const viaLuxon = (d: Date, zone: string) => DateTime.fromJSDate(d, { zone }).toFormat("yyyy-MM-dd'T'HH:mm:ssZZ");
  const zones = [LONDON, 'UTC', 'America/St_Johns', 'Australia/Lord_Howe', 'Asia/Kathmandu', 'Pacific/Chatham', 'America/Sao_Paulo', 'Europe/Dublin', 'Africa/Casablanca', 'Pacific/Apia'];
  it.each(zones)('agrees with luxon in %s around every clock change of 2024-2027 and at random instants', (zone) => {
    const instants: number[] = [];
    for (let ms = Date.UTC(2024, 0, 1); ms < Date.UTC(2028, 0, 1); ms += 6 * 3_600_000) instants.push(ms);
    // Around each change: every minute from two hours before to two hours after, and the milliseconds either side.
    const z = IANAZone.create(zone);
    for (let ms = Date.UTC(2024, 0, 1); ms < Date.UTC(2028, 0, 1); ms += 3_600_000) {
      if (z.offset(ms) === z.offset(ms + 3_600_000)) continue;
      for (let m = -120; m <= 180; m++) instants.push(ms + m * 60_000);
      for (let t = ms; t <= ms + 3_600_000; t += 60_000) instants.push(t - 1, t, t + 1);
    }
    let seed = 7;
    for (let i = 0; i < 2000; i++) {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      instants.push(Date.UTC(1990, 0, 1) + (seed / 2 ** 31) * 60 * 365 * 86_400_000 + (i % 1000));
    }
    for (const ms of instants) expect([ms, toZonedIso(new Date(ms), zone)]).toEqual([ms, viaLuxon(new Date(ms), zone)]);
  });

  it('falls back to luxon for local mean time, far years and unknown zones', () => {
    for (const [iso, zone] of [
      ['1840-06-01T12:00:00Z', LONDON],
      ['1890-06-01T12:00:00Z', 'Asia/Kathmandu'],
      ['0999-12-31T23:59:59Z', 'UTC'],
      ['2026-06-01T12:00:00Z', 'Not/AZone'],
    ] as const) {
      expect(toZonedIso(new Date(iso), zone)).toBe(viaLuxon(new Date(iso), zone));
    }
    expect(toZonedIso(new Date(NaN), LONDON)).toBe(viaLuxon(new Date(NaN), LONDON));
  });
});

describe('parseHubTime without luxon (plain local wall times)', () => {
  // The fast path follows luxon's own steps on cached offsets; parseHubTimeByLuxon is the reference.
  const outcome = (f: () => Date) => {
    try {
      return f().toISOString();
    } catch (err) {
      return err instanceof DomainError ? `${err.code}: ${err.message}` : String(err);
    }
  };
  const zones = [LONDON, 'UTC', 'Australia/Lord_Howe', 'Pacific/Chatham', 'America/St_Johns', 'America/Havana', 'America/Santiago', 'Pacific/Apia', 'Asia/Kathmandu', 'Africa/Casablanca'];
  const pad = (n: number) => String(n).padStart(2, '0');
  const wallText = (ms: number, seconds: boolean) => {
    const d = new Date(ms);
    return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}T${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}${seconds ? `:${pad(d.getUTCSeconds())}` : ''}`;
  };
  afterEach(() => {
    Settings.now = () => Date.now();
  });
  it.each(zones)('agrees with luxon in %s at wall times around every clock change of 2025-2027, whatever the time now', (zone) => {
    const z = IANAZone.create(zone);
    const walls: string[] = ['2026-02-30T10:00', '2026-13-01T10:00', '2026-03-31T24:00', '1999-12-31T23:00', '2200-01-01T00:00', '2026-03-31T10:00:60', '2026-03-31T10'];
    for (let ms = Date.UTC(2025, 0, 1); ms < Date.UTC(2028, 0, 1); ms += 3_600_000) {
      if (z.offset(ms) === z.offset(ms + 3_600_000)) continue;
      const localAtChange = ms + z.offset(ms) * 60_000;
      for (let m = -240; m <= 240; m += 5) walls.push(wallText(localAtChange + m * 60_000, m % 2 === 0));
    }
    for (const wall of ['2026-01-15T09:00', '2026-07-15T23:59:59', '2027-12-31T23:30']) walls.push(wall);
    for (const now of [Date.UTC(2026, 0, 15), Date.UTC(2026, 6, 15)]) {
      Settings.now = () => now;
      for (const w of walls) expect([w, outcome(() => parseHubTime(w, zone, 'startsAt'))]).toEqual([w, outcome(() => parseHubTimeByLuxon(w, zone, 'startsAt'))]);
    }
  });

  it('leaves unknown zones and fixed offsets to luxon', () => {
    for (const zone of ['Not/AZone', 'UTC+3', 'system']) {
      expect(outcome(() => parseHubTime('2026-03-31T10:00', zone, 'startsAt'))).toBe(outcome(() => parseHubTimeByLuxon('2026-03-31T10:00', zone, 'startsAt')));
    }
  });
});

describe('localDateIn and ianaZone', () => {
  // localDateIn reads the local date from the offsets toZonedIso caches; luxon asked per instant is the reference.
  it.each([LONDON, 'UTC', 'Pacific/Apia', 'Pacific/Chatham', 'America/St_Johns', 'America/Santiago'])('agrees with luxon in %s around every clock change of 2025-2027 and near midnights', (zone) => {
    const z = IANAZone.create(zone);
    const instants: number[] = [];
    for (let ms = Date.UTC(2025, 0, 1); ms < Date.UTC(2028, 0, 1); ms += 3_600_000) {
      if (z.offset(ms) !== z.offset(ms + 3_600_000)) for (let m = -180; m <= 240; m += 7) instants.push(ms + m * 60_000, ms + m * 60_000 - 1);
      // Each local midnight and the millisecond before it.
      const local = ms + z.offset(ms) * 60_000;
      if (local % 86_400_000 === 0) instants.push(ms - 1, ms, ms + 1);
    }
    for (const ms of instants) expect([ms, localDateIn(new Date(ms), zone)]).toEqual([ms, DateTime.fromMillis(ms, { zone }).toISODate()]);
  });

  it('falls back to luxon for far years and local mean time; ianaZone still refuses an unknown zone after a known one', () => {
    for (const [iso, zone] of [
      ['0999-12-31T23:59:59Z', 'UTC'],
      ['1840-06-01T23:59:00Z', 'Asia/Kathmandu'],
    ] as const) {
      expect(localDateIn(new Date(iso), zone)).toBe(DateTime.fromISO(iso, { zone }).toISODate());
    }
    expect(ianaZone(LONDON).name).toBe(LONDON);
    expect(ianaZone(LONDON).name).toBe(LONDON);
    expect(() => ianaZone('Not/AZone')).toThrow('Unknown time zone');
    expect(() => ianaZone('Not/AZone')).toThrow('Unknown time zone');
  });
});

describe('interval arithmetic', () => {
  const iv = (a: number, b: number) => ({ start: a, end: b });
  it.each([
    [[iv(1, 3), iv(2, 5)], [iv(1, 5)]],
    [[iv(1, 3), iv(3, 5)], [iv(1, 5)]],
    [[iv(5, 6), iv(1, 2)], [iv(1, 2), iv(5, 6)]],
    [[iv(1, 10), iv(2, 3)], [iv(1, 10)]],
    [[iv(4, 4)], []],
  ])('merges %j', (input, expected) => expect(mergeIntervals(input)).toEqual(expected));

  it.each([
    [[iv(0, 10)], [iv(2, 3)], [iv(0, 2), iv(3, 10)]],
    [[iv(0, 10)], [iv(0, 10)], []],
    [[iv(0, 10)], [iv(-5, 2), iv(8, 20)], [iv(2, 8)]],
    [[iv(0, 4), iv(6, 10)], [iv(3, 7)], [iv(0, 3), iv(7, 10)]],
    [[iv(0, 10)], [], [iv(0, 10)]],
    [[iv(0, 10)], [iv(10, 12)], [iv(0, 10)]],
  ])('subtracts %j minus %j', (from, minus, expected) => expect(subtractIntervals(from, minus)).toEqual(expected));
});
