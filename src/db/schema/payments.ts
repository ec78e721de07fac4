import { sql } from 'drizzle-orm';
import { check, index, integer, pgEnum, pgTable, primaryKey, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { bookingSeries, bookings } from './bookings';
import { organisations } from './organisations';
import { users } from './people';
import { hubs } from './venues';

export const paymentMethod = pgEnum('payment_method', ['card', 'invoice', 'offline']);
/** How money taken outside Stripe came in (an `offline` payment). */
export const offlinePaymentMethod = pgEnum('offline_payment_method', ['cash', 'bank_transfer', 'cheque']);
/**
 * card: open (checkout session live) → paid | expired | failed.
 * invoice: pending (not yet issued in Stripe) → open (sent) → paid, or overdue once past due.
 * offline: paid when staff record it (money already taken at the hub).
 */
export const paymentStatus = pgEnum('payment_status', ['pending', 'open', 'paid', 'overdue', 'expired', 'failed', 'void']);
/** `owed`: the refund of an offline payment, which staff hand back outside Stripe (never sent to Stripe). */
export const refundStatus = pgEnum('refund_status', ['pending', 'succeeded', 'failed', 'canceled', 'owed']);

/** One card checkout or one invoice, covering one booking or several (a series). */
export const payments = pgTable(
  'payments',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    hubId: uuid('hub_id')
      .notNull()
      .references(() => hubs.id, { onDelete: 'cascade' }),
    organisationId: uuid('organisation_id')
      .notNull()
      .references(() => organisations.id, { onDelete: 'cascade' }),
    seriesId: uuid('series_id').references(() => bookingSeries.id, { onDelete: 'set null' }),
    method: paymentMethod('method').notNull(),
    status: paymentStatus('status').notNull(),
    amountPence: integer('amount_pence').notNull(),
    currency: text('currency').notNull().default('GBP'),
    stripeCheckoutSessionId: text('stripe_checkout_session_id'),
    checkoutUrl: text('checkout_url'),
    stripePaymentIntentId: text('stripe_payment_intent_id'),
    stripeCustomerId: text('stripe_customer_id'),
    stripeInvoiceId: text('stripe_invoice_id'),
    hostedInvoiceUrl: text('hosted_invoice_url'),
    expiresAt: timestamp('expires_at', { withTimezone: true }),
    dueAt: timestamp('due_at', { withTimezone: true }),
    paidAt: timestamp('paid_at', { withTimezone: true }),
    lastError: text('last_error'),
    /** An offline payment's means (cash, bank transfer, cheque) and the staff's reference (receipt, transfer or cheque number). */
    offlineMethod: offlinePaymentMethod('offline_method'),
    reference: text('reference'),
    createdBy: uuid('created_by').references(() => users.id, { onDelete: 'set null' }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('payments_checkout_session_key').on(t.stripeCheckoutSessionId),
    uniqueIndex('payments_invoice_key').on(t.stripeInvoiceId),
    index('payments_hub_status_idx').on(t.hubId, t.status),
    index('payments_org_idx').on(t.organisationId),
    index('payments_series_idx').on(t.seriesId),
    index('payments_created_by_idx').on(t.createdBy),
    index('payments_payment_intent_idx').on(t.stripePaymentIntentId),
    check('payments_amount', sql`${t.amountPence} >= 0`),
  ],
);

/** Which bookings a payment covers, and for how much each (its price snapshot). */
export const paymentItems = pgTable(
  'payment_items',
  {
    paymentId: uuid('payment_id')
      .notNull()
      .references(() => payments.id, { onDelete: 'cascade' }),
    bookingId: uuid('booking_id')
      .notNull()
      .references(() => bookings.id, { onDelete: 'cascade' }),
    amountPence: integer('amount_pence').notNull(),
  },
  (t) => [primaryKey({ columns: [t.paymentId, t.bookingId] }), index('payment_items_booking_idx').on(t.bookingId)],
);

/** An unpaid hold: the booking waits in awaiting_payment until `expiresAt`, then the job releases it. */
export const bookingHolds = pgTable(
  'booking_holds',
  {
    bookingId: uuid('booking_id')
      .primaryKey()
      .references(() => bookings.id, { onDelete: 'cascade' }),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
  },
  (t) => [index('booking_holds_expires_idx').on(t.expiresAt)],
);

export const refunds = pgTable(
  'refunds',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    paymentId: uuid('payment_id')
      .notNull()
      .references(() => payments.id, { onDelete: 'cascade' }),
    bookingId: uuid('booking_id')
      .notNull()
      .references(() => bookings.id, { onDelete: 'cascade' }),
    hubId: uuid('hub_id')
      .notNull()
      .references(() => hubs.id, { onDelete: 'cascade' }),
    amountPence: integer('amount_pence').notNull(),
    /** The share of the booking's price refunded, from the hub's cancellation policy (100 when staff cancel). */
    percent: integer('percent').notNull(),
    status: refundStatus('status').notNull().default('pending'),
    stripeRefundId: text('stripe_refund_id'),
    reason: text('reason'),
    lastError: text('last_error'),
    createdBy: uuid('created_by').references(() => users.id, { onDelete: 'set null' }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('refunds_stripe_key').on(t.stripeRefundId),
    uniqueIndex('refunds_booking_payment_key').on(t.paymentId, t.bookingId),
    index('refunds_booking_idx').on(t.bookingId),
    index('refunds_hub_status_idx').on(t.hubId, t.status),
    index('refunds_created_by_idx').on(t.createdBy),
    check('refunds_amount', sql`${t.amountPence} > 0`),
  ],
);

/** The Stripe customer of each organisation that has been invoiced. */
export const stripeCustomers = pgTable('stripe_customers', {
  organisationId: uuid('organisation_id')
    .primaryKey()
    .references(() => organisations.id, { onDelete: 'cascade' }),
  stripeCustomerId: text('stripe_customer_id').notNull(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
});

/** Every Stripe event handled, keyed by its id: a redelivered event is recognised and skipped. */
export const stripeEvents = pgTable('stripe_events', {
  id: text('id').primaryKey(),
  type: text('type').notNull(),
  receivedAt: timestamp('received_at', { withTimezone: true }).notNull().defaultNow(),
});
