import { sql } from 'drizzle-orm';
import { bigserial, check, index, integer, pgEnum, pgTable, primaryKey, text, timestamp, uniqueIndex, uuid, jsonb } from 'drizzle-orm/pg-core';
import { users } from './people';
import { hubs } from './venues';

export const SHIFT_ROLES = ['opener', 'closer', 'caretaker', 'welcome', 'events'] as const;
export const shiftRole = pgEnum('shift_role', SHIFT_ROLES);
export const shiftSource = pgEnum('shift_source', ['staff', 'booking']);
/** Stored state; the API's `open`/`full` is worked out from the places taken. */
export const shiftState = pgEnum('shift_state', ['active', 'cancelled']);
/** confirmed: has the place; waitlisted: queues for one; withdrawn, removed (by staff), replaced (cover taken): left. */
export const signupStatus = pgEnum('signup_status', ['confirmed', 'waitlisted', 'withdrawn', 'removed', 'replaced']);
export const attendanceStatus = pgEnum('attendance_status', ['attended', 'no_show', 'excused']);

export const shiftSeries = pgTable(
  'shift_series',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    hubId: uuid('hub_id')
      .notNull()
      .references(() => hubs.id, { onDelete: 'cascade' }),
    rule: jsonb('rule').notNull(),
    createdBy: uuid('created_by').references(() => users.id, { onDelete: 'set null' }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('shift_series_hub_idx').on(t.hubId), index('shift_series_created_by_idx').on(t.createdBy)],
);

export const shifts = pgTable(
  'shifts',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    hubId: uuid('hub_id')
      .notNull()
      .references(() => hubs.id, { onDelete: 'cascade' }),
    seriesId: uuid('series_id').references(() => shiftSeries.id, { onDelete: 'set null' }),
    role: shiftRole('role').notNull(),
    startsAt: timestamp('starts_at', { withTimezone: true }).notNull(),
    endsAt: timestamp('ends_at', { withTimezone: true }).notNull(),
    volunteersNeeded: integer('volunteers_needed').notNull(),
    title: text('title'),
    notes: text('notes'),
    source: shiftSource('source').notNull(),
    /** For generated shifts: the bookings it covers. */
    bookingIds: uuid('booking_ids').array().notNull().default(sql`'{}'::uuid[]`),
    state: shiftState('state').notNull().default('active'),
    cancelReason: text('cancel_reason'),
    /** Rises on every change (the calendar feed's SEQUENCE). */
    sequence: integer('sequence').notNull().default(0),
    unfilledAlertAt: timestamp('unfilled_alert_at', { withTimezone: true }),
    createdBy: uuid('created_by').references(() => users.id, { onDelete: 'set null' }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index('shifts_hub_starts_idx').on(t.hubId, t.startsAt),
    index('shifts_series_idx').on(t.seriesId),
    index('shifts_created_by_idx').on(t.createdBy),
    index('shifts_booking_ids_gin').using('gin', t.bookingIds),
    check('shifts_interval', sql`${t.endsAt} > ${t.startsAt}`),
    check('shifts_needed', sql`${t.volunteersNeeded} >= 1`),
  ],
);

export const shiftSignups = pgTable(
  'shift_signups',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    shiftId: uuid('shift_id')
      .notNull()
      .references(() => shifts.id, { onDelete: 'cascade' }),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    status: signupStatus('status').notNull(),
    /** When the volunteer put their place up for cover (they keep it until someone takes it). */
    coverRequestedAt: timestamp('cover_requested_at', { withTimezone: true }),
    attendance: attendanceStatus('attendance'),
    attendedMinutes: integer('attended_minutes'),
    attendanceAt: timestamp('attendance_at', { withTimezone: true }),
    /** Staff assigned despite these rules (codes), recorded. */
    overrideRules: text('override_rules').array(),
    assignedBy: uuid('assigned_by').references(() => users.id, { onDelete: 'set null' }),
    /** The access module's code for this place (revoked when the volunteer leaves). */
    accessCodeId: uuid('access_code_id'),
    /** issued, or no_doors when the hub has no locked door. */
    codeState: text('code_state'),
    reminderSentAt: timestamp('reminder_sent_at', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('shift_signups_one_live').on(t.shiftId, t.userId).where(sql`${t.status} IN ('confirmed', 'waitlisted')`),
    index('shift_signups_shift_idx').on(t.shiftId, t.status, t.createdAt),
    index('shift_signups_user_idx').on(t.userId, t.status),
    index('shift_signups_assigned_by_idx').on(t.assignedBy),
    check('shift_signups_minutes', sql`${t.attendedMinutes} IS NULL OR ${t.attendedMinutes} >= 0`),
  ],
);

/** What staff record of a hub's volunteer: trained roles, notes, when no-shows were last cleared. */
export const volunteerProfiles = pgTable(
  'volunteer_profiles',
  {
    hubId: uuid('hub_id')
      .notNull()
      .references(() => hubs.id, { onDelete: 'cascade' }),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    trainedRoles: shiftRole('trained_roles').array().notNull().default(sql`'{}'::shift_role[]`),
    notes: text('notes'),
    noShowsClearedAt: timestamp('no_shows_cleared_at', { withTimezone: true }),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.hubId, t.userId] }), index('volunteer_profiles_user_idx').on(t.userId)],
);

/** A person's secret calendar feed: the token's hash for look-up, and its ciphertext to show it again. */
export const calendarTokens = pgTable(
  'calendar_tokens',
  {
    userId: uuid('user_id')
      .primaryKey()
      .references(() => users.id, { onDelete: 'cascade' }),
    tokenHash: text('token_hash').notNull(),
    tokenCipher: text('token_cipher').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex('calendar_tokens_hash_key').on(t.tokenHash)],
);

/**
 * Spans of a hub's calendar whose generated shifts must be worked out again. Triggers on bookings
 * and hubs write them in the same transaction as the change (migrations/*_rota_triggers.sql), so
 * a crash before the rota catches up loses nothing; the rota drains them.
 */
export const rotaPending = pgTable(
  'rota_pending',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    hubId: uuid('hub_id')
      .notNull()
      .references(() => hubs.id, { onDelete: 'cascade' }),
    fromAt: timestamp('from_at', { withTimezone: true }).notNull(),
    toAt: timestamp('to_at', { withTimezone: true }).notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('rota_pending_hub_idx').on(t.hubId, t.id)],
);
