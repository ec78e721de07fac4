import { sql } from 'drizzle-orm';
import { check, date, index, integer, jsonb, pgTable, timestamp, uuid } from 'drizzle-orm/pg-core';
import type { Band, TierRates } from '../../modules/pricing/pricing.fns';
import { users } from './people';
import { hubs, rooms } from './venues';

/**
 * Rate cards, append-only: every change is a new row with who made it and when. The card in
 * force on a date is the row with the latest `effectiveFrom` on or before it (the newest row
 * wins a tie). A row with a room is that room's override; without one it is the hub's card.
 */
export const rateCards = pgTable(
  'rate_cards',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    hubId: uuid('hub_id')
      .notNull()
      .references(() => hubs.id, { onDelete: 'cascade' }),
    roomId: uuid('room_id').references(() => rooms.id, { onDelete: 'cascade' }),
    /** The hub-local date (YYYY-MM-DD) from which the card applies. */
    effectiveFrom: date('effective_from', { mode: 'string' }).notNull(),
    /** {community, national_charity, statutory, private: {hourlyPence}} */
    tiers: jsonb('tiers').$type<TierRates>().notNull(),
    bands: jsonb('bands').$type<Band[]>().notNull().default(sql`'[]'::jsonb`),
    minimumChargePence: integer('minimum_charge_pence').notNull().default(0),
    createdBy: uuid('created_by').references(() => users.id, { onDelete: 'set null' }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index('rate_cards_hub_idx').on(t.hubId, t.effectiveFrom),
    index('rate_cards_room_idx').on(t.roomId, t.effectiveFrom),
    index('rate_cards_created_by_idx').on(t.createdBy),
    check('rate_cards_minimum', sql`${t.minimumChargePence} >= 0`),
  ],
);
