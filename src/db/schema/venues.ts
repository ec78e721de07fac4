import { sql } from 'drizzle-orm';
import { check, index, integer, jsonb, pgEnum, pgTable, text, timestamp, uuid, boolean } from 'drizzle-orm/pg-core';
import type { HubSettings, OpeningHours } from '../../modules/venues/venues.types';

/** Which bookings wait for staff: none, a hirer's first at the hub, or all. */
export const approvalMode = pgEnum('approval_mode', ['none', 'first_time', 'all']);

export const hubs = pgTable('hubs', {
  id: uuid('id').primaryKey().defaultRandom(),
  name: text('name').notNull(),
  address: text('address').notNull(),
  timezone: text('timezone').notNull().default('Europe/London'),
  openingHours: jsonb('opening_hours').$type<OpeningHours>().notNull(),
  settings: jsonb('settings').$type<HubSettings>().notNull(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
});

export const rooms = pgTable(
  'rooms',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    hubId: uuid('hub_id')
      .notNull()
      .references(() => hubs.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    description: text('description'),
    capacity: integer('capacity').notNull(),
    features: text('features').array().notNull().default(sql`'{}'::text[]`),
    bufferMinutes: integer('buffer_minutes').notNull().default(0),
    minBookingMinutes: integer('min_booking_minutes').notNull().default(30),
    maxBookingMinutes: integer('max_booking_minutes').notNull().default(720),
    active: boolean('active').notNull().default(true),
    /** Overrides the hub's `settings.approval` for this room; null follows the hub. */
    approval: approvalMode('approval'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index('rooms_hub_idx').on(t.hubId),
    index('rooms_capacity_idx').on(t.capacity),
    index('rooms_features_gin').using('gin', t.features),
    check('rooms_capacity_positive', sql`${t.capacity} > 0`),
    check('rooms_lengths', sql`${t.minBookingMinutes} > 0 AND ${t.maxBookingMinutes} >= ${t.minBookingMinutes}`),
    check('rooms_buffer', sql`${t.bufferMinutes} >= 0`),
  ],
);

export const closures = pgTable(
  'closures',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    hubId: uuid('hub_id')
      .notNull()
      .references(() => hubs.id, { onDelete: 'cascade' }),
    /** Null closes the whole hub. */
    roomId: uuid('room_id').references(() => rooms.id, { onDelete: 'cascade' }),
    startsAt: timestamp('starts_at', { withTimezone: true }).notNull(),
    endsAt: timestamp('ends_at', { withTimezone: true }).notNull(),
    reason: text('reason').notNull(),
    createdBy: uuid('created_by'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index('closures_hub_time_idx').on(t.hubId, t.startsAt, t.endsAt),
    index('closures_room_idx').on(t.roomId),
    check('closures_interval', sql`${t.endsAt} > ${t.startsAt}`),
  ],
);
