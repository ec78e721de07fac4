/**
 * The price of a booking: pure functions, no I/O.
 *
 * A rate card gives an hourly rate in pence per hirer tier, optional time bands (evening,
 * weekend) with their own rates, and an optional minimum charge. A booking is split, in the
 * hub's time zone, at every local midnight and every band edge; each piece is charged for the
 * minutes that really elapse (so a booking across a clock change is charged for the hours the
 * room was actually used).
 */
import { DateTime, type IANAZone } from 'luxon';
import { z } from 'zod';
import { TIERS, type Tier } from '../../db/schema/organisations.types';
import { invalid } from '../../lib/errors';
import { leadingYearInDomain, YEARS_MESSAGE } from '../../lib/limits';
import { DAY_MS, ianaZone as zoneOf, instantsAtWallTime as instantsAtWall, localDateIn, toZonedIso } from '../../lib/time';

export { TIERS, type Tier };

export interface TierRate {
  hourlyPence: number;
}

export type TierRates = Record<Tier, TierRate>;

export interface Band {
  name: string;
  /** ISO weekdays, 1 = Monday … 7 = Sunday, of the local date. */
  weekdays: number[];
  /** Local wall time `HH:mm`, inclusive. */
  from: string;
  /** Local wall time `HH:mm`, exclusive; `24:00` means the end of the day. */
  to: string;
  tiers: TierRates;
}

export interface RateCardInput {
  /** The local date (`YYYY-MM-DD`) from which the card applies. */
  effectiveFrom: string;
  tiers: TierRates;
  /** Where two bands overlap, the first listed wins; outside every band `tiers` applies. */
  bands?: Band[];
  minimumChargePence?: number;
}

export interface PriceLine {
  description: string;
  /** ISO 8601 with the hub's offset, e.g. `2026-03-31T10:00:00+01:00`. */
  startsAt: string;
  endsAt: string;
  /** Real elapsed minutes (0 for the minimum-charge line). */
  minutes: number;
  hourlyPence: number;
  amountPence: number;
  band: string | null;
}

export type Price = {
  amountPence: number;
  tier: Tier;
  lines: PriceLine[];
};

export type Quote = Price & {
  currency: 'GBP';
  /** What the private rate would have charged minus this price, never below 0. */
  subsidyPence: number;
};

/**
 * What a booking stores as its price (bookings.price): the quote it was made at, naming the card it
 * came from (the pricer always names it; generated history may not). The one price-snapshot type:
 * the schema, the pricer and payments all use it.
 */
export type PriceSnapshot = Quote & { rateCardId?: string; rateCardEffectiveFrom?: string; rateCardScope?: 'hub' | 'room' };

export interface PriceInput {
  card: RateCardInput;
  tier: Tier;
  startsAt: Date;
  endsAt: Date;
  /** The hub's IANA time zone. */
  timezone: string;
}

export const MINIMUM_CHARGE_DESCRIPTION = 'Minimum charge';
/**
 * The longest span priced at all: no room takes a booking longer than 7 days (venues.schemas.ts),
 * and pricing walks the span day by day and band by band (about 30 ms a day with 20 bands), so a
 * quote for a year would hold the event loop for seconds (docs/security.md).
 */
export const MAX_PRICED_DAYS = 8;

const MINUTE_MS = 60_000;

// ---------------------------------------------------------------------------------------------
// Time-zone helpers (the shared ones live in src/lib/time.ts)
// ---------------------------------------------------------------------------------------------

/** The instants at which the zone's clock reads `minuteOfDay` minutes past midnight of `isoDate`. */
function instantsAtWallTime(zone: IANAZone, isoDate: string, minuteOfDay: number): number[] {
  return instantsAtWall(zone, DateTime.fromISO(isoDate, { zone: 'utc' }).plus({ minutes: minuteOfDay }).toMillis());
}

/** The instants in (from, to) at which the zone's UTC offset changes. */
function offsetTransitions(zone: IANAZone, from: number, to: number): number[] {
  const found: number[] = [];
  const step = DAY_MS / 2;
  for (let a = from; a < to; a += step) {
    const b = Math.min(a + step, to);
    if (zone.offset(a) === zone.offset(b)) continue;
    // Binary search for the first millisecond at b's offset.
    let lo = a;
    let hi = b;
    const target = zone.offset(b);
    while (hi - lo > 1) {
      const mid = Math.floor((lo + hi) / 2);
      if (zone.offset(mid) === target) hi = mid;
      else lo = mid;
    }
    if (hi > from && hi < to) found.push(hi);
  }
  return found;
}

/** `HH:mm` (or `24:00`) to minutes after local midnight. */
export function minuteOfDay(hhmm: string): number {
  const m = /^(\d{2}):(\d{2})$/.exec(hhmm);
  if (!m) throw invalid(`Not a time of day: ${hhmm}`);
  return Number(m[1]) * 60 + Number(m[2]);
}

function isoInZone(ms: number, zone: IANAZone): string {
  return toZonedIso(new Date(ms), zone.name);
}

/** The local calendar date (`YYYY-MM-DD`) of an instant in a hub's time zone. */
export function localDateOf(instant: Date, timezone: string): string {
  zoneOf(timezone); // an unknown zone throws, as before
  return localDateIn(instant, timezone);
}

// ---------------------------------------------------------------------------------------------
// Pricing
// ---------------------------------------------------------------------------------------------

/** round(minutes × hourly / 60), half up, in integer arithmetic. */
function lineAmount(minutes: number, hourlyPence: number): number {
  return Math.floor((minutes * hourlyPence + 30) / 60);
}

function assertTier(tier: unknown): asserts tier is Tier {
  if (!TIERS.includes(tier as Tier)) {
    throw invalid(`Unknown tier: ${String(tier)}`, [{ path: 'tier', message: `Must be one of ${TIERS.join(', ')}` }]);
  }
}

function assertInstant(d: Date, path: string): number {
  const ms = d instanceof Date ? d.getTime() : NaN;
  if (!Number.isFinite(ms)) throw invalid(`${path} is not a valid time`, [{ path, message: 'Not a valid time' }]);
  if (ms % MINUTE_MS !== 0) {
    throw invalid(`${path} must be on a whole minute`, [{ path, message: 'Must be on a whole minute' }]);
  }
  return ms;
}

interface Segment {
  start: number;
  end: number;
  localDate: string;
  band: Band | null;
}

function bandAt(bands: readonly Band[], weekday: number, minute: number): Band | null {
  for (const band of bands) {
    if (band.weekdays.includes(weekday) && minuteOfDay(band.from) <= minute && minute < minuteOfDay(band.to)) {
      return band;
    }
  }
  return null;
}

/**
 * Splits [start, end) into pieces that each lie on one local date and in one band (or none).
 * Boundaries are local midnights, band edges and UTC-offset changes; pieces with the same
 * date and band that only an offset change separated are joined again.
 */
function segment(card: RateCardInput, zone: IANAZone, start: number, end: number): Segment[] {
  const bands = card.bands ?? [];
  const cuts = new Set<number>([start, end]);
  for (const t of offsetTransitions(zone, start, end)) cuts.add(t);

  const firstDate = DateTime.fromMillis(start, { zone }).toISODate() as string;
  const lastDate = DateTime.fromMillis(end, { zone }).toISODate() as string;
  let date = DateTime.fromISO(firstDate, { zone: 'utc' });
  const last = DateTime.fromISO(lastDate, { zone: 'utc' });
  while (date <= last) {
    const iso = date.toISODate() as string;
    const edges = new Set<number>([0]);
    for (const band of bands) {
      if (!band.weekdays.includes(date.weekday)) continue;
      edges.add(minuteOfDay(band.from));
      edges.add(minuteOfDay(band.to)); // 24:00 lands on the next local midnight
    }
    for (const edge of edges) {
      for (const t of instantsAtWallTime(zone, iso, edge)) if (t > start && t < end) cuts.add(t);
    }
    date = date.plus({ days: 1 });
  }

  const sorted = [...cuts].sort((a, b) => a - b);
  const pieces: Segment[] = [];
  for (let i = 0; i + 1 < sorted.length; i++) {
    const local = DateTime.fromMillis(sorted[i], { zone });
    const piece: Segment = {
      start: sorted[i],
      end: sorted[i + 1],
      localDate: local.toISODate() as string,
      band: bandAt(bands, local.weekday, local.hour * 60 + local.minute),
    };
    const prev = pieces[pieces.length - 1];
    if (prev && prev.localDate === piece.localDate && prev.band === piece.band && prev.end === piece.start) {
      prev.end = piece.end;
    } else {
      pieces.push(piece);
    }
  }
  return pieces;
}

function describe(piece: Segment, zone: IANAZone): string {
  const from = DateTime.fromMillis(piece.start, { zone }).setLocale('en-GB');
  const to = DateTime.fromMillis(piece.end, { zone });
  const toText = to.toISODate() !== piece.localDate && to.hour === 0 && to.minute === 0 ? '24:00' : to.toFormat('HH:mm');
  return `${piece.band?.name ?? 'Standard'}: ${from.toFormat('ccc d LLL yyyy')}, ${from.toFormat('HH:mm')}–${toText}`;
}

/**
 * The price of one booking for one tier under one rate card.
 *
 * Each line is charged round(minutes × hourlyPence / 60) for its real elapsed minutes; the total
 * is the sum of the lines. If the total is below the card's minimum charge a "Minimum charge"
 * line makes up the difference, except when every line's rate is 0 (a free tier stays free).
 * Throws a validation DomainError for an unknown tier or zone, times that are not whole minutes,
 * `endsAt <= startsAt`, or a booking longer than MAX_PRICED_DAYS.
 */
export function priceBooking(input: PriceInput): Price {
  const { card, tier, timezone } = input;
  assertTier(tier);
  const zone = zoneOf(timezone);
  const start = assertInstant(input.startsAt, 'startsAt');
  const end = assertInstant(input.endsAt, 'endsAt');
  if (end <= start) throw invalid('endsAt must be after startsAt', [{ path: 'endsAt', message: 'Must be after startsAt' }]);
  if (end - start > MAX_PRICED_DAYS * DAY_MS) {
    throw invalid(`A booking cannot be longer than ${MAX_PRICED_DAYS} days`, [{ path: 'endsAt', message: 'Too long' }]);
  }

  const lines: PriceLine[] = segment(card, zone, start, end).map((piece) => {
    const minutes = (piece.end - piece.start) / MINUTE_MS;
    const hourlyPence = (piece.band ? piece.band.tiers : card.tiers)[tier].hourlyPence;
    return {
      description: describe(piece, zone),
      startsAt: isoInZone(piece.start, zone),
      endsAt: isoInZone(piece.end, zone),
      minutes,
      hourlyPence,
      amountPence: lineAmount(minutes, hourlyPence),
      band: piece.band?.name ?? null,
    };
  });

  let amountPence = lines.reduce((sum, line) => sum + line.amountPence, 0);
  const minimum = card.minimumChargePence ?? 0;
  const chargeable = lines.some((line) => line.hourlyPence > 0);
  if (chargeable && amountPence < minimum) {
    lines.push({
      description: MINIMUM_CHARGE_DESCRIPTION,
      startsAt: isoInZone(start, zone),
      endsAt: isoInZone(end, zone),
      minutes: 0,
      hourlyPence: 0,
      amountPence: minimum - amountPence,
      band: null,
    });
    amountPence = minimum;
  }
  return { amountPence, tier, lines };
}

/** The price for `tier`, in GBP, with the subsidy against the private rate. */
export function quote(input: PriceInput): Quote {
  const price = priceBooking(input);
  const privatePrice = input.tier === 'private' ? price : priceBooking({ ...input, tier: 'private' });
  return {
    amountPence: price.amountPence,
    currency: 'GBP',
    tier: price.tier,
    lines: price.lines,
    subsidyPence: Math.max(0, privatePrice.amountPence - price.amountPence),
  };
}

/**
 * The card in force on a local date (`YYYY-MM-DD`, the booking's local start date): the one
 * with the latest `effectiveFrom` on or before it. Where two share that date, the later in the
 * list wins. Undefined when none has taken effect yet.
 */
export function selectEffectiveCard<T extends Pick<RateCardInput, 'effectiveFrom'>>(
  cards: readonly T[],
  localDate: string,
): T | undefined {
  if (!isIsoDate(localDate)) throw invalid(`Not a date: ${localDate}`, [{ path: 'date', message: 'Expected YYYY-MM-DD' }]);
  let best: T | undefined;
  for (const card of cards) {
    if (card.effectiveFrom > localDate) continue;
    if (!best || card.effectiveFrom >= best.effectiveFrom) best = card;
  }
  return best;
}

// ---------------------------------------------------------------------------------------------
// Validation of a rate card body
// ---------------------------------------------------------------------------------------------

function isIsoDate(value: string): boolean {
  return /^\d{4}-\d{2}-\d{2}$/.test(value) && DateTime.fromISO(value, { zone: 'utc' }).isValid;
}

const pence = z.number().int().min(0).max(10_000_000);
const tierRate = z.object({ hourlyPence: pence });
const tierRates = z.object({
  community: tierRate,
  national_charity: tierRate,
  statutory: tierRate,
  private: tierRate,
});
const timeOfDay = z.string().regex(/^(?:[01]\d|2[0-3]):[0-5]\d$/, 'Expected HH:mm');

export const bandSchema = z
  .object({
    name: z.string().trim().min(1).max(60),
    weekdays: z
      .array(z.number().int().min(1).max(7))
      .min(1)
      .refine((days) => new Set(days).size === days.length, 'Weekdays must not repeat'),
    from: timeOfDay,
    to: z.union([timeOfDay, z.literal('24:00')]),
    tiers: tierRates,
  })
  .refine((band) => band.from < band.to, { message: '`from` must be before `to`', path: ['to'] });

export const rateCardSchema = z
  .object({
    effectiveFrom: z.iso.date().refine(isIsoDate, 'Expected a real date, YYYY-MM-DD').refine(leadingYearInDomain, YEARS_MESSAGE),
    tiers: tierRates,
    bands: z.array(bandSchema).max(20).optional(),
    minimumChargePence: pence.optional(),
  })
  .refine((card) => new Set((card.bands ?? []).map((b) => b.name)).size === (card.bands ?? []).length, {
    message: 'Band names must be unique',
    path: ['bands'],
  });

export type RateCardBody = z.infer<typeof rateCardSchema>;
