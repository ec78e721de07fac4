import { and, asc, desc, eq, inArray, lt, lte, sql } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client';
import { exactTimestamp, keysetAfter, type PageArgs } from '../../db/keyset';
import { bookingHolds, bookings, hubs, organisations, paymentItems, payments, refunds, stripeCustomers, stripeEvents } from '../../db/schema';

/**
 * When an awaiting-payment booking's hold lapses: its hold row, else holdMinutes after its last
 * change. The one definition, read by the holds job (lapsedHolds) and the hold warning texts
 * (hold-notices.ts); the query must join hubs and left-join booking_holds.
 */
export const holdExpiresAtSql = sql<Date>`coalesce(${bookingHolds.expiresAt}, ${bookings.updatedAt} + make_interval(mins => coalesce((${hubs.settings}->>'holdMinutes')::int, 30)))`;

export type PaymentRow = typeof payments.$inferSelect;
export type RefundRow = typeof refunds.$inferSelect;
export type PaymentStatus = PaymentRow['status'];
export type RefundStatus = RefundRow['status'];

export function createPaymentsRepository(db: DbOrTx) {
  return {
    async hold(bookingIds: string[], expiresAt: Date, tx: DbOrTx = db) {
      if (!bookingIds.length) return;
      await tx
        .insert(bookingHolds)
        .values(bookingIds.map((bookingId) => ({ bookingId, expiresAt })))
        .onConflictDoUpdate({ target: bookingHolds.bookingId, set: { expiresAt } });
    },
    holdsOf: (bookingIds: string[], tx: DbOrTx = db) =>
      bookingIds.length ? tx.select().from(bookingHolds).where(inArray(bookingHolds.bookingId, bookingIds)) : Promise.resolve([]),
    /** The holds that will lapse: as holdsOf, but not at hubs whose unpaid holds wait for staff (they have no lapse time). */
    lapsingHoldsOf: (bookingIds: string[], tx: DbOrTx = db) =>
      bookingIds.length
        ? tx
            .select({ bookingId: bookingHolds.bookingId, expiresAt: bookingHolds.expiresAt })
            .from(bookingHolds)
            .innerJoin(bookings, eq(bookings.id, bookingHolds.bookingId))
            .innerJoin(hubs, eq(hubs.id, bookings.hubId))
            .where(and(inArray(bookingHolds.bookingId, bookingIds), sql`coalesce(${hubs.settings}->>'unpaidHolds', 'lapse') = 'lapse'`))
        : Promise.resolve([]),
    async dropHolds(bookingIds: string[], tx: DbOrTx = db) {
      if (bookingIds.length) await tx.delete(bookingHolds).where(inArray(bookingHolds.bookingId, bookingIds));
    },
    /**
     * Awaiting-payment bookings whose hold has run out (a booking without a hold row lapses
     * holdMinutes after its last change), at hubs whose unpaid holds lapse (not `wait_for_staff`).
     */
    lapsedHolds: (now: Date, limit: number, tx: DbOrTx = db) =>
      tx
        .select({ id: bookings.id })
        .from(bookings)
        .innerJoin(hubs, eq(hubs.id, bookings.hubId))
        .leftJoin(bookingHolds, eq(bookingHolds.bookingId, bookings.id))
        .where(
          and(
            eq(bookings.status, 'awaiting_payment'),
            sql`coalesce(${hubs.settings}->>'unpaidHolds', 'lapse') = 'lapse'`,
            sql`${holdExpiresAtSql} <= ${now.toISOString()}::timestamptz`,
          ),
        )
        .orderBy(asc(bookings.startsAt))
        .limit(limit),

    async insertPayment(values: typeof payments.$inferInsert, items: { bookingId: string; amountPence: number }[], tx: DbOrTx = db): Promise<PaymentRow> {
      const [row] = await tx.insert(payments).values(values).returning();
      if (items.length) await tx.insert(paymentItems).values(items.map((i) => ({ ...i, paymentId: row.id })));
      return row;
    },
    async updatePayment(id: string, values: Partial<typeof payments.$inferInsert>, tx: DbOrTx = db): Promise<PaymentRow> {
      const [row] = await tx
        .update(payments)
        .set({ ...values, updatedAt: sql`now()` })
        .where(eq(payments.id, id))
        .returning();
      return row;
    },
    /** Sets what a payment charges for one booking; null leaves the booking off it. */
    async setItem(paymentId: string, bookingId: string, amountPence: number | null, tx: DbOrTx = db) {
      const where = and(eq(paymentItems.paymentId, paymentId), eq(paymentItems.bookingId, bookingId));
      if (amountPence === null) await tx.delete(paymentItems).where(where);
      else await tx.update(paymentItems).set({ amountPence }).where(where);
    },
    async getPayment(id: string, tx: DbOrTx = db) {
      const [row] = await tx.select().from(payments).where(eq(payments.id, id));
      return row;
    },
    async paymentForUpdate(by: { id?: string; sessionId?: string; invoiceId?: string }, tx: DbOrTx) {
      const cond = by.id ? eq(payments.id, by.id) : by.sessionId ? eq(payments.stripeCheckoutSessionId, by.sessionId) : by.invoiceId ? eq(payments.stripeInvoiceId, by.invoiceId) : sql`false`;
      const [row] = await tx.select().from(payments).where(cond).for('update');
      return row;
    },
    itemsOf: (paymentId: string, tx: DbOrTx = db) =>
      tx
        .select({ bookingId: paymentItems.bookingId, amountPence: paymentItems.amountPence, booking: bookings })
        .from(paymentItems)
        .innerJoin(bookings, eq(bookings.id, paymentItems.bookingId))
        .where(eq(paymentItems.paymentId, paymentId))
        .orderBy(asc(bookings.startsAt)),
    /** Payments covering any of the bookings, with the item for each, newest first. */
    paymentsOfBookings: (bookingIds: string[], tx: DbOrTx = db) =>
      bookingIds.length
        ? tx
            .select({ payment: payments, bookingId: paymentItems.bookingId, amountPence: paymentItems.amountPence })
            .from(paymentItems)
            .innerJoin(payments, eq(payments.id, paymentItems.paymentId))
            .where(inArray(paymentItems.bookingId, bookingIds))
            .orderBy(desc(payments.createdAt))
        : Promise.resolve([]),
    /** The bookings of a series still awaiting payment, by start. */
    seriesAwaiting: (seriesId: string, tx: DbOrTx = db) =>
      tx
        .select()
        .from(bookings)
        .where(and(eq(bookings.seriesId, seriesId), eq(bookings.status, 'awaiting_payment')))
        .orderBy(asc(bookings.startsAt)),
    pendingInvoices: (limit: number, tx: DbOrTx = db) =>
      tx.select().from(payments).where(and(eq(payments.method, 'invoice'), eq(payments.status, 'pending'))).orderBy(asc(payments.createdAt)).limit(limit),
    /** Invoice payments not yet settled (pending, open, overdue) every one of whose bookings has ended (cancelled, declined, expired): to void. */
    invoicesToVoid: (limit: number, tx: DbOrTx = db) =>
      tx
        .select()
        .from(payments)
        .where(
          and(
            eq(payments.method, 'invoice'),
            inArray(payments.status, ['pending', 'open', 'overdue']),
            sql`exists (select 1 from ${paymentItems} pi where pi.payment_id = ${payments.id})`,
            sql`not exists (select 1 from ${paymentItems} pi join ${bookings} b on b.id = pi.booking_id where pi.payment_id = ${payments.id} and b.status not in ('cancelled', 'declined', 'expired'))`,
          ),
        )
        .orderBy(asc(payments.createdAt))
        .limit(limit),
    /** Updates the payment only while its status is one of `from`; undefined when it was not. */
    async updatePaymentIf(id: string, from: PaymentStatus[], values: Partial<typeof payments.$inferInsert>, tx: DbOrTx = db): Promise<PaymentRow | undefined> {
      const [row] = await tx
        .update(payments)
        .set({ ...values, updatedAt: sql`now()` })
        .where(and(eq(payments.id, id), inArray(payments.status, from)))
        .returning();
      return row;
    },
    async markOverdue(now: Date, tx: DbOrTx = db): Promise<PaymentRow[]> {
      return tx
        .update(payments)
        .set({ status: 'overdue', updatedAt: sql`now()` })
        .where(and(eq(payments.method, 'invoice'), eq(payments.status, 'open'), lt(payments.dueAt, now)))
        .returning();
    },
    /** A page of the hub's payments, newest first (then by id, descending); `cursorAt` is the exact createdAt. */
    listForHub: (hubId: string, status: PaymentStatus[] | undefined, p: PageArgs, tx: DbOrTx = db) =>
      tx
        .select({
          payment: payments,
          organisationName: organisations.name,
          bookingIds: sql<string[]>`coalesce((select array_agg(pi.booking_id::text order by pi.booking_id) from ${paymentItems} pi where pi.payment_id = ${payments.id}), '{}')`,
          cursorAt: exactTimestamp(payments.createdAt),
        })
        .from(payments)
        .innerJoin(organisations, eq(organisations.id, payments.organisationId))
        .where(
          and(
            eq(payments.hubId, hubId),
            status?.length ? inArray(payments.status, status) : undefined,
            p.after ? keysetAfter([payments.createdAt, payments.id], p.after, 'desc') : undefined,
          ),
        )
        .orderBy(desc(payments.createdAt), desc(payments.id))
        .limit(p.limit),
    /** A page of the payments of these organisations (at every hub), newest first (then by id, descending). */
    listForOrganisations: (organisationIds: string[], status: PaymentStatus[] | undefined, p: PageArgs, tx: DbOrTx = db) =>
      organisationIds.length
        ? tx
            .select({
              payment: payments,
              organisationName: organisations.name,
              hubName: hubs.name,
              bookingIds: sql<string[]>`coalesce((select array_agg(pi.booking_id::text order by pi.booking_id) from ${paymentItems} pi where pi.payment_id = ${payments.id}), '{}')`,
              cursorAt: exactTimestamp(payments.createdAt),
            })
            .from(payments)
            .innerJoin(organisations, eq(organisations.id, payments.organisationId))
            .innerJoin(hubs, eq(hubs.id, payments.hubId))
            .where(
              and(
                inArray(payments.organisationId, organisationIds),
                status?.length ? inArray(payments.status, status) : undefined,
                p.after ? keysetAfter([payments.createdAt, payments.id], p.after, 'desc') : undefined,
              ),
            )
            .orderBy(desc(payments.createdAt), desc(payments.id))
            .limit(p.limit)
        : Promise.resolve([]),

    async insertRefund(values: typeof refunds.$inferInsert, tx: DbOrTx = db): Promise<RefundRow | undefined> {
      const [row] = await tx.insert(refunds).values(values).onConflictDoNothing().returning();
      return row;
    },
    async updateRefund(id: string, values: Partial<typeof refunds.$inferInsert>, tx: DbOrTx = db): Promise<RefundRow> {
      const [row] = await tx
        .update(refunds)
        .set({ ...values, updatedAt: sql`now()` })
        .where(eq(refunds.id, id))
        .returning();
      return row;
    },
    async refundBy(by: { id?: string; stripeId?: string }, tx: DbOrTx = db) {
      const cond = by.id ? eq(refunds.id, by.id) : by.stripeId ? eq(refunds.stripeRefundId, by.stripeId) : sql`false`;
      const [row] = await tx.select().from(refunds).where(cond);
      return row;
    },
    unsentRefunds: (olderThan: Date, limit: number, tx: DbOrTx = db) =>
      tx
        .select()
        .from(refunds)
        .where(and(eq(refunds.status, 'pending'), sql`${refunds.stripeRefundId} IS NULL`, lte(refunds.createdAt, olderThan)))
        .orderBy(asc(refunds.createdAt))
        .limit(limit),
    /** A page of the hub's refunds, newest first (then by id, descending); `cursorAt` is the exact createdAt. */
    listRefunds: (hubId: string, status: RefundStatus[] | undefined, p: PageArgs, tx: DbOrTx = db) =>
      tx
        .select({ refund: refunds, cursorAt: exactTimestamp(refunds.createdAt) })
        .from(refunds)
        .where(
          and(
            eq(refunds.hubId, hubId),
            status?.length ? inArray(refunds.status, status) : undefined,
            p.after ? keysetAfter([refunds.createdAt, refunds.id], p.after, 'desc') : undefined,
          ),
        )
        .orderBy(desc(refunds.createdAt), desc(refunds.id))
        .limit(p.limit),

    async customerOf(organisationId: string, tx: DbOrTx = db) {
      const [row] = await tx.select().from(stripeCustomers).where(eq(stripeCustomers.organisationId, organisationId));
      return row?.stripeCustomerId;
    },
    async saveCustomer(organisationId: string, stripeCustomerId: string, tx: DbOrTx = db) {
      await tx.insert(stripeCustomers).values({ organisationId, stripeCustomerId }).onConflictDoNothing();
    },
    /** Records an event id; false when it was seen before. */
    async recordEvent(id: string, type: string, tx: DbOrTx): Promise<boolean> {
      const rows = await tx.insert(stripeEvents).values({ id, type }).onConflictDoNothing().returning({ id: stripeEvents.id });
      return rows.length > 0;
    },
  };
}
export type PaymentsRepository = ReturnType<typeof createPaymentsRepository>;
