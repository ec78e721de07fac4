import { sql } from 'drizzle-orm';
import { check, index, integer, jsonb, pgEnum, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import type { SeriesRule } from '../../modules/bookings/recurrence.fns';
import type { PriceSnapshot } from '../../modules/pricing/pricing.fns';
import { organisations } from './organisations';
import { users } from './people';
import { hubs, rooms } from './venues';

export const bookingStatus = pgEnum('booking_status', [
  'requested',
  'awaiting_payment',
  'confirmed',
  'completed',
  'cancelled',
  'declined',
  'expired',
]);

/** Statuses that hold the room. The exclusion constraint in migrations/ uses the same list. */
export const BLOCKING_STATUSES = ['requested', 'awaiting_payment', 'confirmed'] as const;

export const bookingSeries = pgTable(
  'booking_series',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    roomId: uuid('room_id')
      .notNull()
      .references(() => rooms.id, { onDelete: 'cascade' }),
    organisationId: uuid('organisation_id')
      .notNull()
      .references(() => organisations.id, { onDelete: 'cascade' }),
    rule: jsonb('rule').$type<SeriesRule>().notNull(),
    createdBy: uuid('created_by').references(() => users.id, { onDelete: 'set null' }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index('booking_series_room_idx').on(t.roomId),
    index('booking_series_org_idx').on(t.organisationId),
    index('booking_series_created_by_idx').on(t.createdBy),
  ],
);

export const bookings = pgTable(
  'bookings',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    roomId: uuid('room_id')
      .notNull()
      .references(() => rooms.id, { onDelete: 'cascade' }),
    hubId: uuid('hub_id')
      .notNull()
      .references(() => hubs.id, { onDelete: 'cascade' }),
    organisationId: uuid('organisation_id')
      .notNull()
      .references(() => organisations.id, { onDelete: 'cascade' }),
    seriesId: uuid('series_id').references(() => bookingSeries.id, { onDelete: 'set null' }),
    createdBy: uuid('created_by').references(() => users.id, { onDelete: 'set null' }),
    title: text('title').notNull(),
    attendees: integer('attendees').notNull(),
    contactPhone: text('contact_phone'),
    startsAt: timestamp('starts_at', { withTimezone: true }).notNull(),
    endsAt: timestamp('ends_at', { withTimezone: true }).notNull(),
    /** endsAt plus the room's buffer at booking time: the room is held over [startsAt, blockedUntil). */
    blockedUntil: timestamp('blocked_until', { withTimezone: true }).notNull(),
    status: bookingStatus('status').notNull(),
    /** A stable code for why the booking is in its status (tier_review, cancelled_by_hirer, hub_closed, ...). */
    statusReason: text('status_reason'),
    /** Free text a person gave with the status change (a cancellation's or decline's reason, a closure's notice). */
    reason: text('reason'),
    /** A requested booking lapses (status expired) if staff have not decided by then; never after its start. */
    requestExpiresAt: timestamp('request_expires_at', { withTimezone: true }),
    /**
     * The start the cancellation policy measures notice from: the original start, kept through
     * moves, so that moving a booking later never makes it more refundable than it was.
     */
    refundBasisAt: timestamp('refund_basis_at', { withTimezone: true }),
    /** The quote the booking was priced at (null: unpriced); the one price-snapshot type. */
    price: jsonb('price').$type<PriceSnapshot>(),
    /**
     * The hirer needs no reminder for the booking at its current start: it was sent, or the hirer
     * was texted (or booked) inside the reminder lead. Cleared by a trigger when the start moves.
     */
    remindedAt: timestamp('reminded_at', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    // The reminder job reads, hub by hub, only confirmed bookings not yet reminded whose start is within the hub's lead.
    index('bookings_to_remind_idx').on(t.hubId, t.startsAt).where(sql`${t.status} = 'confirmed' AND ${t.remindedAt} IS NULL`),
    index('bookings_room_starts_idx').on(t.roomId, t.startsAt),
    index('bookings_hub_starts_idx').on(t.hubId, t.startsAt),
    index('bookings_org_starts_idx').on(t.organisationId, t.startsAt),
    index('bookings_series_idx').on(t.seriesId),
    index('bookings_created_by_idx').on(t.createdBy),
    index('bookings_status_idx').on(t.status),
    index('bookings_request_expires_idx').on(t.requestExpiresAt),
    // An erasure and a person's export find the bookings that give their number.
    index('bookings_contact_phone_idx').on(t.contactPhone),
    // Retention finds ended bookings that still hold a contact phone.
    index('bookings_contact_phone_ends_idx').on(t.endsAt).where(sql`${t.contactPhone} IS NOT NULL`),
    // Network search reads every held booking overlapping its window in one range scan (not one
    // probe of the exclusion index per candidate room); see docs/performance.md.
    index('bookings_held_range_idx')
      .using('gist', sql`tstzrange(${t.startsAt}, ${t.blockedUntil}, '[)')`)
      .where(sql`${t.status} IN ('requested', 'awaiting_payment', 'confirmed')`),
    check('bookings_interval', sql`${t.endsAt} > ${t.startsAt} AND ${t.blockedUntil} >= ${t.endsAt}`),
    check('bookings_attendees', sql`${t.attendees} > 0`),
  ],
);
