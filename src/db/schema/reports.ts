import { bigint, bigserial, boolean, index, integer, pgTable, primaryKey, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { sql } from 'drizzle-orm';
import { rooms, hubs } from './venues';

/**
 * The usage report's roll-up: each hub's whole local months, worked out by the worker
 * (`reports.roll-up`) with the same SQL as the live report, so a report reads about a hundred
 * rows per hub-month instead of every booking. Only whole months that are clean (no mark in
 * report_dirty_months) and settled (see report_months) are read; every other month is computed
 * live, so a report is always exactly what the live computation gives.
 */
export const reportUsageMonths = pgTable(
  'report_usage_months',
  {
    hubId: uuid('hub_id')
      .notNull()
      .references(() => hubs.id, { onDelete: 'cascade' }),
    /** The hub's local month, `YYYY-MM`. */
    month: text('month').notNull(),
    tier: text('tier').notNull(),
    /** The organisation is kept, so different organisations can still be counted over any months. */
    organisationId: uuid('organisation_id').notNull(),
    bookings: integer('bookings').notNull(),
    usedMs: bigint('used_ms', { mode: 'number' }).notNull(),
    incomePence: bigint('income_pence', { mode: 'number' }).notNull(),
    subsidyPence: bigint('subsidy_pence', { mode: 'number' }).notNull(),
    cancellations: integer('cancellations').notNull(),
    noShows: integer('no_shows').notNull(),
  },
  (t) => [primaryKey({ columns: [t.hubId, t.month, t.tier, t.organisationId] })],
);

/** Booked time of each room in a hub's whole local month (for occupancy). */
export const reportRoomMonths = pgTable(
  'report_room_months',
  {
    hubId: uuid('hub_id')
      .notNull()
      .references(() => hubs.id, { onDelete: 'cascade' }),
    month: text('month').notNull(),
    roomId: uuid('room_id')
      .notNull()
      .references(() => rooms.id, { onDelete: 'cascade' }),
    bookings: integer('bookings').notNull(),
    usedMs: bigint('used_ms', { mode: 'number' }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.hubId, t.month, t.roomId] }), index('report_room_months_room_idx').on(t.roomId)],
);

/** Which hub-months are rolled up, when, and until when their no-shows can still change. */
export const reportMonths = pgTable(
  'report_months',
  {
    hubId: uuid('hub_id')
      .notNull()
      .references(() => hubs.id, { onDelete: 'cascade' }),
    month: text('month').notNull(),
    /** The clock's time the rows were worked out at (the no-show cut-off they used). */
    computedAt: timestamp('computed_at', { withTimezone: true }).notNull(),
    /** Whether the hub had a keypad door then (no-shows are only counted where it has one). */
    hasKeypad: boolean('has_keypad').notNull(),
    /**
     * Set while the month's no-shows can still change with time (a keypad hub, computed before
     * every booking starting in the month had ended and its code expired): the job works it out
     * again once this has passed. Null when settled.
     */
    settleAt: timestamp('settle_at', { withTimezone: true }),
  },
  (t) => [primaryKey({ columns: [t.hubId, t.month] }), index('report_months_settle_idx').on(t.settleAt).where(sql`${t.settleAt} IS NOT NULL`)],
);

/**
 * Hub-months whose roll-up is out of date: written by triggers on bookings (any change to a
 * counted booking's time, place, status, price or organisation), doors, hubs' zones and
 * organisations' tiers, in the writing transaction. Plain appends (no unique key), so a write
 * never waits for the job, and a mark made by a transaction the job cannot see yet survives it.
 */
export const reportDirtyMonths = pgTable(
  'report_dirty_months',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    hubId: uuid('hub_id').notNull(),
    month: text('month').notNull(),
  },
  (t) => [index('report_dirty_months_hub_month_idx').on(t.hubId, t.month)],
);
