import { rateCards } from '../../src/db/schema';
import type { TestApp } from './app';
import type { Band } from '../../src/modules/pricing/pricing.fns';

/** Rates in pence per hour: community 10.00, national charity 20.00, statutory 30.00, private 40.00. */
export const RATES = { community: { hourlyPence: 1000 }, national_charity: { hourlyPence: 2000 }, statutory: { hourlyPence: 3000 }, private: { hourlyPence: 4000 } };
/** Weekday evenings 18:00 to 24:00 at one and a half times the day rate. */
export const EVENING = {
  name: 'Evening',
  weekdays: [1, 2, 3, 4, 5],
  from: '18:00',
  to: '24:00',
  tiers: { community: { hourlyPence: 1500 }, national_charity: { hourlyPence: 3000 }, statutory: { hourlyPence: 4500 }, private: { hourlyPence: 6000 } },
};

export const cardBody = (over: Record<string, unknown> = {}) => ({ effectiveFrom: '2026-03-02', tiers: RATES, bands: [EVENING], minimumChargePence: 0, ...over });

/** Writes a rate card straight into the database (tests of other things than the rate-card routes). */
export async function seedCard(t: TestApp, hubId: string, opts: { roomId?: string; effectiveFrom?: string; tiers?: typeof RATES; bands?: Band[]; minimumChargePence?: number } = {}) {
  const [row] = await t.container.database.db
    .insert(rateCards)
    .values({
      hubId,
      roomId: opts.roomId ?? null,
      effectiveFrom: opts.effectiveFrom ?? '2026-01-01',
      tiers: opts.tiers ?? RATES,
      bands: opts.bands ?? [],
      minimumChargePence: opts.minimumChargePence ?? 0,
    })
    .returning();
  return row;
}
