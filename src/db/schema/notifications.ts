import { check, index, integer, pgEnum, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { sql } from 'drizzle-orm';
import { accessCodes } from './access';
import { bookings } from './bookings';
import { hubs } from './venues';

export const outboxStatus = pgEnum('outbox_status', ['pending', 'sending', 'sent', 'failed']);

/**
 * Every outgoing SMS is a row here first. The sender claims due rows with FOR UPDATE SKIP LOCKED,
 * marks them `sending` under a lease, and records the provider's id and status. A row whose lease
 * ran out (its worker died) is claimed again.
 */
export const outbox = pgTable(
  'outbox',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    channel: text('channel').notNull().default('sms'),
    /** What it is about: access_code, access_code_moved, reminder, reply, staff_alert... */
    kind: text('kind').notNull(),
    to: text('to').notNull(),
    body: text('body').notNull(),
    /** Makes queueing idempotent: a second row with the same key is not queued. */
    dedupeKey: text('dedupe_key'),
    hubId: uuid('hub_id').references(() => hubs.id, { onDelete: 'set null' }),
    bookingId: uuid('booking_id').references(() => bookings.id, { onDelete: 'set null' }),
    /** The door code this text carries. The body holds CODE_PLACEHOLDER instead of the digits, rendered from the encrypted code at send time. */
    accessCodeId: uuid('access_code_id').references(() => accessCodes.id, { onDelete: 'set null' }),
    /** A secret the text carries (an invitation's token), encrypted with the code cipher; the body holds SECRET_PLACEHOLDER. Cleared once the text is sent or failed. */
    secretCipher: text('secret_cipher'),
    status: outboxStatus('status').notNull().default('pending'),
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: timestamp('next_attempt_at', { withTimezone: true }).notNull(),
    leaseUntil: timestamp('lease_until', { withTimezone: true }),
    lastError: text('last_error'),
    providerId: text('provider_id'),
    providerStatus: text('provider_status'),
    sentAt: timestamp('sent_at', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
    /** When retention or an erasure replaced the body and number with a masked summary (docs/privacy.md). */
    redactedAt: timestamp('redacted_at', { withTimezone: true }),
  },
  (t) => [
    uniqueIndex('outbox_dedupe_key').on(t.dedupeKey),
    index('outbox_due_idx').on(t.status, t.nextAttemptAt),
    // The staff list (newest first) and the texting limits (per hub, booking and phone in the last day).
    index('outbox_hub_created_idx').on(t.hubId, t.createdAt),
    index('outbox_booking_created_idx').on(t.bookingId, t.createdAt),
    index('outbox_to_created_idx').on(t.to, t.createdAt),
    index('outbox_access_code_idx').on(t.accessCodeId),
    index('outbox_provider_idx').on(t.providerId),
    // An erasure and a person's export find the texts sent to their number.
    index('outbox_to_idx').on(t.to),
    // Retention finds texts not yet redacted by age.
    index('outbox_unredacted_idx').on(t.createdAt).where(sql`${t.redactedAt} IS NULL`),
    check('outbox_attempts', sql`${t.attempts} >= 0`),
  ],
);
