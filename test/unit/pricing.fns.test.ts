import { DomainError } from '../../src/lib/errors';
import {
  TIERS,
  localDateOf,
  priceBooking,
  quote,
  rateCardSchema,
  selectEffectiveCard,
  type RateCardInput,
  type Tier,
  type TierRates,
} from '../../src/modules/pricing/pricing.fns';

const rates = (community: number, national_charity: number, statutory: number, priv: number): TierRates => ({
  community: { hourlyPence: community },
  national_charity: { hourlyPence: national_charity },
  statutory: { hourlyPence: statutory },
  private: { hourlyPence: priv },
});
const flat = (p: number) => rates(p, p, p, p);

const LONDON = 'Europe/London';
const NEW_YORK = 'America/New_York';

/** Base £10/£18/£24/£30 an hour; weekends all day and weekday evenings dearer. */
const card: RateCardInput = {
  effectiveFrom: '2026-01-01',
  tiers: rates(1000, 1800, 2400, 3000),
  bands: [
    { name: 'Weekend', weekdays: [6, 7], from: '00:00', to: '24:00', tiers: rates(1200, 2100, 2800, 3600) },
    { name: 'Evening', weekdays: [1, 2, 3, 4, 5], from: '18:00', to: '24:00', tiers: rates(1250, 2250, 3000, 3750) },
  ],
};
const baseOnly: RateCardInput = { effectiveFrom: '2026-01-01', tiers: rates(1000, 1800, 2400, 3000) };

const price = (startsAt: string, endsAt: string, tier: Tier = 'private', c: RateCardInput = card, timezone = LONDON) =>
  priceBooking({ card: c, tier, startsAt: new Date(startsAt), endsAt: new Date(endsAt), timezone });

const total = (startsAt: string, endsAt: string, tier: Tier = 'private', c: RateCardInput = card, timezone = LONDON) =>
  price(startsAt, endsAt, tier, c, timezone).amountPence;

function domainError(fn: () => unknown): DomainError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(DomainError);
    return err as DomainError;
  }
  throw new Error('expected a DomainError');
}

describe('priceBooking: every tier', () => {
  // 2026-03-24 is a Tuesday; London is on GMT (= UTC) until 2026-03-29.
  test.each<[Tier, number]>([
    ['community', 2000],
    ['national_charity', 3600],
    ['statutory', 4800],
    ['private', 6000],
  ])('weekday daytime Tue 10:00-12:00, %s = %i', (tier, pence) => {
    expect(total('2026-03-24T10:00:00Z', '2026-03-24T12:00:00Z', tier)).toBe(pence);
  });

  test.each<[Tier, number]>([
    ['community', 2500],
    ['national_charity', 4500],
    ['statutory', 6000],
    ['private', 7500],
  ])('evening band Tue 18:00-20:00, %s = %i', (tier, pence) => {
    expect(total('2026-03-24T18:00:00Z', '2026-03-24T20:00:00Z', tier)).toBe(pence);
  });

  test.each<[Tier, number]>([
    ['community', 3600],
    ['national_charity', 6300],
    ['statutory', 8400],
    ['private', 10800],
  ])('weekend band Sat 10:00-13:00, %s = %i', (tier, pence) => {
    expect(total('2026-03-28T10:00:00Z', '2026-03-28T13:00:00Z', tier)).toBe(pence);
  });

  test.each<[Tier, number]>([
    ['community', 2875],
    ['national_charity', 5175],
    ['statutory', 6900],
    ['private', 8625],
  ])('across the evening edge Tue 17:00-19:30 (60 base + 90 evening), %s = %i', (tier, pence) => {
    expect(total('2026-03-24T17:00:00Z', '2026-03-24T19:30:00Z', tier)).toBe(pence);
  });

  test('TIERS lists the four tiers', () => {
    expect(TIERS).toEqual(['community', 'national_charity', 'statutory', 'private']);
  });
});

describe('priceBooking: lines and boundaries', () => {
  test('a line per band, with local ISO times, minutes, rate and band', () => {
    const p = price('2026-03-24T17:00:00Z', '2026-03-24T19:30:00Z');
    expect(p).toEqual({
      amountPence: 8625,
      tier: 'private',
      lines: [
        {
          description: 'Standard: Tue 24 Mar 2026, 17:00–18:00',
          startsAt: '2026-03-24T17:00:00+00:00',
          endsAt: '2026-03-24T18:00:00+00:00',
          minutes: 60,
          hourlyPence: 3000,
          amountPence: 3000,
          band: null,
        },
        {
          description: 'Evening: Tue 24 Mar 2026, 18:00–19:30',
          startsAt: '2026-03-24T18:00:00+00:00',
          endsAt: '2026-03-24T19:30:00+00:00',
          minutes: 90,
          hourlyPence: 3750,
          amountPence: 5625,
          band: 'Evening',
        },
      ],
    });
  });

  test('lines carry the hub offset in summer time', () => {
    const [line] = price('2026-03-31T09:00:00Z', '2026-03-31T11:00:00Z').lines;
    expect(line.startsAt).toBe('2026-03-31T10:00:00+01:00');
    expect(line.endsAt).toBe('2026-03-31T12:00:00+01:00');
    expect(line.minutes).toBe(120);
  });

  test('a booking inside one band is one line', () => {
    expect(price('2026-03-24T10:00:00Z', '2026-03-24T12:00:00Z').lines).toHaveLength(1);
  });

  test('across midnight Tue 22:00 - Wed 01:00: evening to 24:00 then the base rate', () => {
    const p = price('2026-03-24T22:00:00Z', '2026-03-25T01:00:00Z');
    expect(p.lines.map((l) => [l.band, l.minutes, l.amountPence])).toEqual([
      ['Evening', 120, 7500],
      [null, 60, 3000],
    ]);
    expect(p.amountPence).toBe(10500);
    expect(p.lines[0].description).toBe('Evening: Tue 24 Mar 2026, 22:00–24:00');
    expect(p.lines[1].startsAt).toBe('2026-03-25T00:00:00+00:00');
  });

  test('across midnight inside one band is still split at midnight (Sat 23:00 - Sun 01:00)', () => {
    const p = price('2026-03-21T23:00:00Z', '2026-03-22T01:00:00Z');
    expect(p.lines.map((l) => [l.band, l.minutes, l.amountPence])).toEqual([
      ['Weekend', 60, 3600],
      ['Weekend', 60, 3600],
    ]);
    expect(p.amountPence).toBe(7200);
  });

  test.each<[string, string, string, Tier, number, number]>([
    ['into the weekend, Fri 17:00 - Sat 02:00', '2026-03-27T17:00:00Z', '2026-03-28T02:00:00Z', 'private', 32700, 3],
    ['into the weekend, community', '2026-03-27T17:00:00Z', '2026-03-28T02:00:00Z', 'community', 10900, 3],
    ['out of the weekend, Sun 22:00 - Mon 02:00', '2026-03-22T22:00:00Z', '2026-03-23T02:00:00Z', 'private', 13200, 2],
    ['out of the weekend, statutory', '2026-03-22T22:00:00Z', '2026-03-23T02:00:00Z', 'statutory', 10400, 2],
  ])('%s', (_name, s, e, tier, pence, lineCount) => {
    const p = price(s, e, tier);
    expect(p.amountPence).toBe(pence);
    expect(p.lines).toHaveLength(lineCount);
  });

  test('a card with no bands charges the base rate on a weekend evening', () => {
    expect(total('2026-03-28T18:00:00Z', '2026-03-28T20:00:00Z', 'private', baseOnly)).toBe(6000);
  });

  test('total is the sum of the lines', () => {
    const p = price('2026-03-27T10:00:00Z', '2026-03-30T09:00:00Z');
    expect(p.amountPence).toBe(p.lines.reduce((s, l) => s + l.amountPence, 0));
  });
});

describe('priceBooking: overlapping bands, the first listed wins', () => {
  const evening = { name: 'Evening', weekdays: [1, 2, 3, 4, 5], from: '18:00', to: '24:00', tiers: flat(2000) };
  const late = { name: 'Late', weekdays: [1, 2, 3, 4, 5, 6, 7], from: '20:00', to: '24:00', tiers: flat(3000) };
  const eveningFirst: RateCardInput = { effectiveFrom: '2026-01-01', tiers: flat(1000), bands: [evening, late] };
  const lateFirst: RateCardInput = { effectiveFrom: '2026-01-01', tiers: flat(1000), bands: [late, evening] };

  test.each<[string, RateCardInput, string, string, number, (string | null)[]]>([
    ['Tue 19-21, evening first: all evening', eveningFirst, '2026-03-24T19:00:00Z', '2026-03-24T21:00:00Z', 4000, ['Evening']],
    ['Tue 19-21, late first: evening then late', lateFirst, '2026-03-24T19:00:00Z', '2026-03-24T21:00:00Z', 5000, ['Evening', 'Late']],
    ['Sat 19-21: base then late', eveningFirst, '2026-03-28T19:00:00Z', '2026-03-28T21:00:00Z', 4000, [null, 'Late']],
  ])('%s', (_name, c, s, e, pence, bands) => {
    const p = price(s, e, 'community', c);
    expect(p.amountPence).toBe(pence);
    expect(p.lines.map((l) => l.band)).toEqual(bands);
  });
});

describe('priceBooking: rounding', () => {
  const odd: RateCardInput = {
    effectiveFrom: '2026-01-01',
    tiers: flat(1001),
    bands: [{ name: 'Evening', weekdays: [1, 2, 3, 4, 5], from: '18:00', to: '24:00', tiers: flat(1003) }],
  };
  test.each<[string, RateCardInput, string, string, number]>([
    ['30 min at 1001p/h = 500.5 rounds up to 501', odd, '2026-03-24T10:00:00Z', '2026-03-24T10:30:00Z', 501],
    ['7 min at 1001p/h = 116.78 -> 117', odd, '2026-03-24T10:00:00Z', '2026-03-24T10:07:00Z', 117],
    ['each line rounds on its own: 501 + 502 (30 min at 1001, 30 min at 1003)', odd, '2026-03-24T17:30:00Z', '2026-03-24T18:30:00Z', 1003],
    ['20 min at 1000p/h = 333.3 -> 333', baseOnly, '2026-03-24T10:00:00Z', '2026-03-24T10:20:00Z', 333],
    ['40 min at 1000p/h = 666.7 -> 667', baseOnly, '2026-03-24T10:00:00Z', '2026-03-24T10:40:00Z', 667],
    ['1 min at 29p/h = 0.48 -> 0', { effectiveFrom: '2026-01-01', tiers: flat(29) }, '2026-03-24T10:00:00Z', '2026-03-24T10:01:00Z', 0],
    ['1 min at 30p/h = 0.5 -> 1', { effectiveFrom: '2026-01-01', tiers: flat(30) }, '2026-03-24T10:00:00Z', '2026-03-24T10:01:00Z', 1],
    ['the top rate for a day does not lose precision', { effectiveFrom: '2026-01-01', tiers: flat(10_000_000) }, '2026-03-24T00:00:00Z', '2026-03-25T00:00:00Z', 240_000_000],
  ])('%s', (_name, c, s, e, pence) => {
    expect(total(s, e, 'community', c)).toBe(pence);
  });
});

describe('priceBooking: minimum charge and zero rates', () => {
  const withMinimum: RateCardInput = { ...card, minimumChargePence: 2500 };
  const freeForCommunity: RateCardInput = { ...card, tiers: rates(0, 1800, 2400, 3000), minimumChargePence: 2500 };

  test('below the minimum: a "Minimum charge" line makes up the difference', () => {
    const p = price('2026-03-24T10:00:00Z', '2026-03-24T10:30:00Z', 'community', withMinimum);
    expect(p.amountPence).toBe(2500);
    expect(p.lines).toHaveLength(2);
    expect(p.lines[0].amountPence).toBe(500);
    expect(p.lines[1]).toEqual({
      description: 'Minimum charge',
      startsAt: '2026-03-24T10:00:00+00:00',
      endsAt: '2026-03-24T10:30:00+00:00',
      minutes: 0,
      hourlyPence: 0,
      amountPence: 2000,
      band: null,
    });
  });

  test.each<[string, Tier, string, string, number, number]>([
    ['exactly the minimum adds no line (community 150 min)', 'community', '2026-03-24T10:00:00Z', '2026-03-24T12:30:00Z', 2500, 1],
    ['above the minimum adds no line (private 60 min)', 'private', '2026-03-24T10:00:00Z', '2026-03-24T11:00:00Z', 3000, 1],
    ['1 p below the minimum (statutory 62 min = 2480)', 'statutory', '2026-03-24T10:00:00Z', '2026-03-24T11:02:00Z', 2500, 2],
  ])('%s', (_name, tier, s, e, pence, lineCount) => {
    const p = price(s, e, tier, withMinimum);
    expect(p.amountPence).toBe(pence);
    expect(p.lines).toHaveLength(lineCount);
  });

  test('a zero rate prices at 0 with one zero line', () => {
    const p = price('2026-03-24T10:00:00Z', '2026-03-24T12:00:00Z', 'community', { ...baseOnly, tiers: rates(0, 1800, 2400, 3000) });
    expect(p.amountPence).toBe(0);
    expect(p.lines).toEqual([expect.objectContaining({ minutes: 120, hourlyPence: 0, amountPence: 0 })]);
  });

  test('a free tier stays free under a minimum charge', () => {
    const p = price('2026-03-24T10:00:00Z', '2026-03-24T10:30:00Z', 'community', freeForCommunity);
    expect(p.amountPence).toBe(0);
    expect(p.lines).toHaveLength(1);
  });

  test('the other tiers of that card still pay the minimum', () => {
    expect(total('2026-03-24T10:00:00Z', '2026-03-24T10:30:00Z', 'national_charity', freeForCommunity)).toBe(2500);
  });
});

describe('priceBooking: clock changes in Europe/London', () => {
  test.each<[string, string, string, RateCardInput, number, number]>([
    // 2026-03-29 00:00 GMT = 00:00Z; 04:00 BST = 03:00Z: three real hours.
    ['spring forward Sun 00:00-04:00 is 3 hours (weekend)', '2026-03-29T00:00:00Z', '2026-03-29T03:00:00Z', card, 180, 10800],
    ['spring forward Sun 00:00-04:00 is 3 hours (base only)', '2026-03-29T00:00:00Z', '2026-03-29T03:00:00Z', baseOnly, 180, 9000],
    // 2026-10-25 00:00 BST = 2026-10-24T23:00Z; 04:00 GMT = 04:00Z: five real hours.
    ['fall back Sun 00:00-04:00 is 5 hours (weekend)', '2026-10-24T23:00:00Z', '2026-10-25T04:00:00Z', card, 300, 18000],
    ['fall back Sun 00:00-04:00 is 5 hours (base only)', '2026-10-24T23:00:00Z', '2026-10-25T04:00:00Z', baseOnly, 300, 15000],
    ['an ordinary Sunday 00:00-04:00 is 4 hours', '2026-03-22T00:00:00Z', '2026-03-22T04:00:00Z', card, 240, 14400],
  ])('%s', (_name, s, e, c, minutes, pence) => {
    const p = price(s, e, 'private', c);
    expect(p.lines).toHaveLength(1);
    expect(p.lines[0].minutes).toBe(minutes);
    expect(p.amountPence).toBe(pence);
  });

  test('spring forward: the line shows both offsets', () => {
    const [line] = price('2026-03-29T00:00:00Z', '2026-03-29T03:00:00Z').lines;
    expect(line.startsAt).toBe('2026-03-29T00:00:00+00:00');
    expect(line.endsAt).toBe('2026-03-29T04:00:00+01:00');
  });

  test('fall back: the line shows both offsets', () => {
    const [line] = price('2026-10-24T23:00:00Z', '2026-10-25T04:00:00Z').lines;
    expect(line.startsAt).toBe('2026-10-25T00:00:00+01:00');
    expect(line.endsAt).toBe('2026-10-25T04:00:00+00:00');
  });

  test('Sat 22:00 - Sun 03:00 across spring forward: 2 h + 2 real h', () => {
    const p = price('2026-03-28T22:00:00Z', '2026-03-29T02:00:00Z', 'private', baseOnly);
    expect(p.lines.map((l) => l.minutes)).toEqual([120, 120]);
    expect(p.amountPence).toBe(12000);
  });

  test('Fri 10:00 GMT - Mon 10:00 BST: five lines, the Sunday 23 hours long', () => {
    const p = price('2026-03-27T10:00:00Z', '2026-03-30T09:00:00Z');
    expect(p.lines.map((l) => [l.band, l.minutes, l.amountPence])).toEqual([
      [null, 480, 24000],
      ['Evening', 360, 22500],
      ['Weekend', 1440, 86400],
      ['Weekend', 1380, 82800],
      [null, 600, 30000],
    ]);
    expect(p.amountPence).toBe(245700);
  });

  test('Sat 12:00 BST - Sun 12:00 GMT across fall back: 12 h + 13 h', () => {
    const p = price('2026-10-24T11:00:00Z', '2026-10-25T12:00:00Z');
    expect(p.lines.map((l) => l.minutes)).toEqual([720, 780]);
    expect(p.amountPence).toBe(90000);
  });

  test('an evening in summer time starts at 18:00 BST (17:00Z)', () => {
    expect(total('2026-03-31T16:00:00Z', '2026-03-31T18:00:00Z')).toBe(3000 + 3750);
  });

  test('a band edge inside the repeated hour is crossed twice (wall-clock bands)', () => {
    const night: RateCardInput = {
      effectiveFrom: '2026-01-01',
      tiers: flat(3000),
      bands: [{ name: 'Night', weekdays: [7], from: '01:30', to: '03:00', tiers: flat(600) }],
    };
    // 00:00 BST - 04:00 GMT: 00:00-01:30 BST, 01:30 BST-01:00 GMT (night), 01:00-01:30 GMT, 01:30-03:00 GMT (night), 03:00-04:00.
    const p = price('2026-10-24T23:00:00Z', '2026-10-25T04:00:00Z', 'private', night);
    expect(p.lines.map((l) => [l.band, l.minutes, l.amountPence])).toEqual([
      [null, 90, 4500],
      ['Night', 30, 300],
      [null, 30, 1500],
      ['Night', 90, 900],
      [null, 60, 3000],
    ]);
    expect(p.amountPence).toBe(10200);
  });

  test('a band edge inside the skipped hour starts at the jump', () => {
    const night: RateCardInput = {
      effectiveFrom: '2026-01-01',
      tiers: flat(3000),
      bands: [{ name: 'Night', weekdays: [7], from: '01:30', to: '03:00', tiers: flat(600) }],
    };
    // 00:00 GMT - 04:00 BST: 00:00-01:00 GMT, then the clock reads 02:00 BST (past 01:30) until 03:00.
    const p = price('2026-03-29T00:00:00Z', '2026-03-29T03:00:00Z', 'private', night);
    expect(p.lines.map((l) => [l.band, l.minutes, l.amountPence])).toEqual([
      [null, 60, 3000],
      ['Night', 60, 600],
      [null, 60, 3000],
    ]);
  });
});

describe('priceBooking: America/New_York', () => {
  test.each<[string, string, string, number]>([
    // EDT (UTC-4) from 2026-03-08. Tue 24 Mar 18:00-20:00 EDT = 22:00Z-00:00Z: all evening.
    ['Tue 18:00-20:00 EDT is all evening, though it crosses UTC midnight', '2026-03-24T22:00:00Z', '2026-03-25T00:00:00Z', 7500],
    ['Tue 17:00-19:00 EDT: 60 base + 60 evening', '2026-03-24T21:00:00Z', '2026-03-24T23:00:00Z', 6750],
    ['Fri 23:00 - Sat 01:00 EDT: evening then weekend', '2026-03-28T03:00:00Z', '2026-03-28T05:00:00Z', 7350],
    // 2026-03-08 00:00 EST = 05:00Z; 04:00 EDT = 08:00Z.
    ['spring forward Sun 8 Mar 00:00-04:00 is 3 hours', '2026-03-08T05:00:00Z', '2026-03-08T08:00:00Z', 10800],
    // 2026-11-01 00:00 EDT = 04:00Z; 04:00 EST = 09:00Z.
    ['fall back Sun 1 Nov 00:00-04:00 is 5 hours', '2026-11-01T04:00:00Z', '2026-11-01T09:00:00Z', 18000],
  ])('%s', (_name, s, e, pence) => {
    expect(total(s, e, 'private', card, NEW_YORK)).toBe(pence);
  });

  test('the same instants priced for a London hub follow London time', () => {
    expect(total('2026-03-24T21:00:00Z', '2026-03-24T23:00:00Z', 'private', card, LONDON)).toBe(7500);
    expect(total('2026-03-28T03:00:00Z', '2026-03-28T05:00:00Z', 'private', card, LONDON)).toBe(7200);
  });

  test('lines carry the New York offset', () => {
    const p = price('2026-03-24T21:00:00Z', '2026-03-24T23:00:00Z', 'private', card, NEW_YORK);
    expect(p.lines.map((l) => [l.startsAt, l.endsAt])).toEqual([
      ['2026-03-24T17:00:00-04:00', '2026-03-24T18:00:00-04:00'],
      ['2026-03-24T18:00:00-04:00', '2026-03-24T19:00:00-04:00'],
    ]);
  });
});

describe('priceBooking: bad input', () => {
  test.each<[string, () => unknown, string]>([
    ['ends before it starts', () => price('2026-03-24T12:00:00Z', '2026-03-24T10:00:00Z'), 'endsAt'],
    ['ends as it starts', () => price('2026-03-24T10:00:00Z', '2026-03-24T10:00:00Z'), 'endsAt'],
    ['unknown tier', () => price('2026-03-24T10:00:00Z', '2026-03-24T12:00:00Z', 'gold' as Tier), 'tier'],
    ['unknown time zone', () => price('2026-03-24T10:00:00Z', '2026-03-24T12:00:00Z', 'private', card, 'Mars/Olympus'), 'timezone'],
    ['not a whole minute', () => price('2026-03-24T10:00:30Z', '2026-03-24T12:00:00Z'), 'startsAt'],
    ['an invalid date', () => price('nonsense', '2026-03-24T12:00:00Z'), 'startsAt'],
    ['longer than 8 days (no room takes a booking that long)', () => price('2026-01-01T00:00:00Z', '2026-01-09T00:01:00Z'), 'endsAt'],
  ])('%s is a validation error', (_name, fn, path) => {
    const err = domainError(fn);
    expect(err.kind).toBe('validation');
    expect(err.fields?.[0]?.path).toBe(path);
  });
});

describe('quote', () => {
  test.each<[Tier, number, number]>([
    ['community', 2000, 4000],
    ['national_charity', 3600, 2400],
    ['statutory', 4800, 1200],
    ['private', 6000, 0],
  ])('Tue 10:00-12:00 for %s: %i, subsidy %i', (tier, pence, subsidy) => {
    const q = quote({ card, tier, startsAt: new Date('2026-03-24T10:00:00Z'), endsAt: new Date('2026-03-24T12:00:00Z'), timezone: LONDON });
    expect(q).toMatchObject({ amountPence: pence, currency: 'GBP', tier, subsidyPence: subsidy });
    expect(q.lines).toHaveLength(1);
  });

  test('subsidy across bands: community Fri 17:00 - Sat 02:00 is 32700 - 10900', () => {
    const q = quote({ card, tier: 'community', startsAt: new Date('2026-03-27T17:00:00Z'), endsAt: new Date('2026-03-28T02:00:00Z'), timezone: LONDON });
    expect(q.amountPence).toBe(10900);
    expect(q.subsidyPence).toBe(21800);
  });

  test('a free community booking is subsidised by the full private price', () => {
    const q = quote({ card: { ...baseOnly, tiers: rates(0, 1800, 2400, 3000) }, tier: 'community', startsAt: new Date('2026-03-24T10:00:00Z'), endsAt: new Date('2026-03-24T12:00:00Z'), timezone: LONDON });
    expect([q.amountPence, q.subsidyPence]).toEqual([0, 6000]);
  });

  test('the private price includes its own minimum charge', () => {
    // community 30 min = 500 -> 1000 minimum; private 30 min = 1500.
    const q = quote({ card: { ...card, minimumChargePence: 1000 }, tier: 'community', startsAt: new Date('2026-03-24T10:00:00Z'), endsAt: new Date('2026-03-24T10:30:00Z'), timezone: LONDON });
    expect([q.amountPence, q.subsidyPence]).toEqual([1000, 500]);
    const q2 = quote({ card: { ...card, minimumChargePence: 2500 }, tier: 'community', startsAt: new Date('2026-03-24T10:00:00Z'), endsAt: new Date('2026-03-24T10:30:00Z'), timezone: LONDON });
    expect([q2.amountPence, q2.subsidyPence]).toEqual([2500, 0]);
  });

  test('subsidy is never negative', () => {
    const q = quote({ card: { ...baseOnly, tiers: rates(4000, 1800, 2400, 3000) }, tier: 'community', startsAt: new Date('2026-03-24T10:00:00Z'), endsAt: new Date('2026-03-24T11:00:00Z'), timezone: LONDON });
    expect([q.amountPence, q.subsidyPence]).toEqual([4000, 0]);
  });
});

describe('selectEffectiveCard', () => {
  const cards = [
    { id: 'a', ...baseOnly, effectiveFrom: '2025-01-01' },
    { id: 'c', ...baseOnly, effectiveFrom: '2026-04-01' },
    { id: 'b', ...baseOnly, effectiveFrom: '2026-01-01' },
  ];
  test.each<[string, string | undefined]>([
    ['2024-12-31', undefined],
    ['2025-01-01', 'a'],
    ['2025-12-31', 'a'],
    ['2026-01-01', 'b'],
    ['2026-03-31', 'b'],
    ['2026-04-01', 'c'],
    ['2030-01-01', 'c'],
  ])('on %s the card in force is %s', (date, id) => {
    expect(selectEffectiveCard(cards, date)?.id).toBe(id);
  });

  test('no cards: undefined', () => {
    expect(selectEffectiveCard([], '2026-01-01')).toBeUndefined();
  });

  test('two cards from the same date: the later in the list wins', () => {
    const twins = [
      { id: 'first', ...baseOnly, effectiveFrom: '2026-01-01' },
      { id: 'second', ...baseOnly, effectiveFrom: '2026-01-01' },
    ];
    expect(selectEffectiveCard(twins, '2026-02-01')?.id).toBe('second');
  });

  test('the local start date decides: 23:30Z on 31 March is 1 April in London', () => {
    const date = localDateOf(new Date('2026-03-31T23:30:00Z'), LONDON);
    expect(date).toBe('2026-04-01');
    expect(selectEffectiveCard(cards, date)?.id).toBe('c');
    expect(selectEffectiveCard(cards, localDateOf(new Date('2026-03-31T23:30:00Z'), NEW_YORK))?.id).toBe('b');
  });

  test('a date that is not YYYY-MM-DD is refused', () => {
    expect(domainError(() => selectEffectiveCard(cards, '31/03/2026')).kind).toBe('validation');
  });
});

describe('rateCardSchema', () => {
  const body = () => ({
    effectiveFrom: '2026-04-01',
    tiers: rates(1000, 1800, 2400, 3000),
    bands: [
      { name: 'Evening', weekdays: [1, 2, 3, 4, 5], from: '18:00', to: '24:00', tiers: rates(1250, 2250, 3000, 3750) },
      { name: 'Weekend', weekdays: [6, 7], from: '00:00', to: '24:00', tiers: rates(1200, 2100, 2800, 3600) },
    ],
    minimumChargePence: 2000,
  });

  test('accepts a full card', () => {
    expect(rateCardSchema.safeParse(body()).success).toBe(true);
  });

  test('accepts a card without bands or minimum, and zero and top rates', () => {
    const r = rateCardSchema.safeParse({ effectiveFrom: '2026-04-01', tiers: rates(0, 1, 9_999_999, 10_000_000) });
    expect(r.success).toBe(true);
  });

  test('the parsed card can be priced', () => {
    const parsed = rateCardSchema.parse(body());
    expect(priceBooking({ card: parsed, tier: 'private', startsAt: new Date('2026-04-07T17:00:00Z'), endsAt: new Date('2026-04-07T19:00:00Z'), timezone: LONDON }).amountPence).toBe(7500);
  });

  type Body = ReturnType<typeof body>;
  test.each<[string, (b: Body) => unknown]>([
    ['a fractional rate', (b) => ({ ...b, tiers: { ...b.tiers, private: { hourlyPence: 1.5 } } })],
    ['a negative rate', (b) => ({ ...b, tiers: { ...b.tiers, community: { hourlyPence: -1 } } })],
    ['a rate above 10,000,000', (b) => ({ ...b, tiers: { ...b.tiers, statutory: { hourlyPence: 10_000_001 } } })],
    ['a rate as a string', (b) => ({ ...b, tiers: { ...b.tiers, private: { hourlyPence: '3000' } } })],
    ['a missing tier', (b) => ({ ...b, tiers: { community: { hourlyPence: 1 }, statutory: { hourlyPence: 1 }, private: { hourlyPence: 1 } } })],
    ['a band missing a tier', (b) => ({ ...b, bands: [{ ...b.bands[0], tiers: { community: { hourlyPence: 1 } } }] })],
    ['hour 25', (b) => ({ ...b, bands: [{ ...b.bands[0], from: '25:00' }] })],
    ['a one-digit hour', (b) => ({ ...b, bands: [{ ...b.bands[0], from: '9:00' }] })],
    ['minute 60', (b) => ({ ...b, bands: [{ ...b.bands[0], from: '18:60' }] })],
    ['from 24:00', (b) => ({ ...b, bands: [{ ...b.bands[0], from: '24:00', to: '24:00' }] })],
    ['to 24:30', (b) => ({ ...b, bands: [{ ...b.bands[0], to: '24:30' }] })],
    ['from after to', (b) => ({ ...b, bands: [{ ...b.bands[0], from: '20:00', to: '18:00' }] })],
    ['from equal to to', (b) => ({ ...b, bands: [{ ...b.bands[0], from: '18:00', to: '18:00' }] })],
    ['no weekdays', (b) => ({ ...b, bands: [{ ...b.bands[0], weekdays: [] }] })],
    ['weekday 0', (b) => ({ ...b, bands: [{ ...b.bands[0], weekdays: [0, 1] }] })],
    ['weekday 8', (b) => ({ ...b, bands: [{ ...b.bands[0], weekdays: [8] }] })],
    ['a repeated weekday', (b) => ({ ...b, bands: [{ ...b.bands[0], weekdays: [1, 1] }] })],
    ['a fractional weekday', (b) => ({ ...b, bands: [{ ...b.bands[0], weekdays: [1.5] }] })],
    ['an empty band name', (b) => ({ ...b, bands: [{ ...b.bands[0], name: '  ' }] })],
    ['two bands with one name', (b) => ({ ...b, bands: [b.bands[0], { ...b.bands[1], name: 'Evening' }] })],
    ['30 February', (b) => ({ ...b, effectiveFrom: '2026-02-30' })],
    ['an unpadded date', (b) => ({ ...b, effectiveFrom: '2026-4-1' })],
    ['a date-time for a date', (b) => ({ ...b, effectiveFrom: '2026-04-01T00:00:00Z' })],
    ['a word for a date', (b) => ({ ...b, effectiveFrom: 'tomorrow' })],
    ['a negative minimum', (b) => ({ ...b, minimumChargePence: -5 })],
    ['a fractional minimum', (b) => ({ ...b, minimumChargePence: 99.5 })],
  ])('rejects %s', (_name, mutate) => {
    expect(rateCardSchema.safeParse(mutate(body())).success).toBe(false);
  });

  test('a rejection names the field at fault', () => {
    const r = rateCardSchema.safeParse({ ...body(), bands: [{ ...body().bands[0], from: '20:00', to: '18:00' }] });
    expect(r.success).toBe(false);
    expect(r.error?.issues[0].path).toEqual(['bands', 0, 'to']);
  });
});
