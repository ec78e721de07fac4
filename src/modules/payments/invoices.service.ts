import { createHash } from 'node:crypto';
import type { PaymentProvider } from '../../adapters/payments/provider';
import type { DbOrTx } from '../../db/client';
import { pageOf, type PageArgs } from '../../db/keyset';
import type { Clock } from '../../lib/clock';
import { forbidden } from '../../lib/errors';
import { MINUTE, toZonedIso } from '../../lib/time';
import { type Actor, isStaffOf } from '../auth/actor';
import type { BookingRow } from '../bookings/bookings.repository';
import { priceOf } from '../bookings/bookings.fns';
import type { OrganisationsRepository } from '../organisations/organisations.repository';
import type { VenuesRepository } from '../venues/venues.repository';
import type { PaymentRow, PaymentStatus, PaymentsRepository } from './payments.repository';
import { errText } from './refunds.service';

/** Booking statuses that no longer owe anything on an invoice. */
const ENDED = new Set<BookingRow['status']>(['cancelled', 'declined', 'expired']);
const gbp = (pence: number) => `£${(pence / 100).toFixed(2)}`;
type Items = Awaited<ReturnType<PaymentsRepository['itemsOf']>>;

export function presentPayment(p: PaymentRow, extra: { organisationName?: string; hubName?: string; bookingIds?: string[] } = {}) {
  return {
    id: p.id,
    hubId: p.hubId,
    organisationId: p.organisationId,
    organisationName: extra.organisationName,
    hubName: extra.hubName,
    seriesId: p.seriesId,
    bookingIds: extra.bookingIds ?? [],
    method: p.method,
    offlineMethod: p.offlineMethod,
    reference: p.reference,
    status: p.status,
    amountPence: p.amountPence,
    currency: p.currency,
    checkoutUrl: p.status === 'open' ? p.checkoutUrl : null,
    stripeInvoiceId: p.stripeInvoiceId,
    hostedInvoiceUrl: p.hostedInvoiceUrl,
    dueAt: p.dueAt?.toISOString() ?? null,
    paidAt: p.paidAt?.toISOString() ?? null,
    lastError: p.lastError,
    createdAt: p.createdAt.toISOString(),
  };
}

/**
 * Invoices for organisations that pay by invoice. The invoice is recorded as a `pending` payment
 * in the transaction that confirmed its bookings; the job issues it in the provider (customer,
 * invoice, items, finalise, send, each keyed), so the request never waits on the provider and a
 * crash loses nothing. Cancelled bookings void the invoice or tell staff what to credit.
 */
export function createInvoicesService(deps: {
  payments: Pick<PaymentsRepository, 'insertPayment' | 'updatePayment' | 'updatePaymentIf' | 'getPayment' | 'itemsOf' | 'paymentsOfBookings' | 'customerOf' | 'saveCustomer' | 'pendingInvoices' | 'invoicesToVoid' | 'markOverdue' | 'listForHub' | 'listForOrganisations' | 'paymentForUpdate' | 'setItem'>;
  venues: Pick<VenuesRepository, 'getHub'>;
  organisations: Pick<OrganisationsRepository, 'get'>;
  clock: Clock;
  provider?: Pick<PaymentProvider, 'createCustomer' | 'createInvoice' | 'addInvoiceItem' | 'finaliseInvoice' | 'sendInvoice' | 'voidInvoice' | 'getInvoice'>;
  /** Texts the hub's staff (the outbox), in the caller's transaction when given; idempotent per dedupeKey. */
  alertStaff?: (hubId: string, body: string, dedupeKey: string, tx?: DbOrTx) => Promise<number>;
  onError?: (err: unknown, context: string) => void;
}) {
  const { payments: repo, venues, organisations, clock, provider } = deps;
  const onError = deps.onError ?? (() => undefined);

  /** Issues a pending invoice payment in the provider. Every call is keyed, so a retry repeats nothing. */
  async function issue(p: PaymentRow): Promise<PaymentRow> {
    if (!provider) return repo.updatePayment(p.id, { lastError: 'Stripe is not configured (STRIPE_SECRET_KEY); the invoice is issued once it is' });
    const hub = await venues.getHub(p.hubId);
    const org = await organisations.get(p.organisationId);
    if (!hub || !org) return p;
    const days = hub.settings.invoiceDueDays;
    // Bookings cancelled before the invoice went out are left off it; if none is left there is nothing to send.
    const items = (await repo.itemsOf(p.id)).filter((i) => !ENDED.has(i.booking.status));
    if (!items.length) {
      if (!p.stripeInvoiceId) return (await repo.updatePaymentIf(p.id, ['pending'], { status: 'void', lastError: null })) ?? p;
      return p; // a draft exists in the provider: settle deals with it
    }
    const amountPence = items.reduce((n, i) => n + i.amountPence, 0);
    if (amountPence !== p.amountPence) p = await repo.updatePayment(p.id, { amountPence });
    try {
      let customer = await repo.customerOf(org.id);
      if (!customer) {
        const id = await provider.createCustomer({ name: org.name, phone: org.contactPhone, organisationId: org.id }, `hubkey-customer-${org.id}`);
        await repo.saveCustomer(org.id, id);
        customer = (await repo.customerOf(org.id)) ?? id;
      }
      const invoiceId = await provider.createInvoice({ customerId: customer, daysUntilDue: days, description: `Room hire at ${hub.name}`, paymentId: p.id, hubId: hub.id }, `hubkey-invoice-${p.id}`);
      await repo.updatePayment(p.id, { stripeInvoiceId: invoiceId, stripeCustomerId: customer });
      for (const item of items) {
        const b = item.booking;
        await provider.addInvoiceItem(
          { customerId: customer, invoiceId, amountPence: item.amountPence, description: `${b.title}: ${toZonedIso(b.startsAt, hub.timezone)} to ${toZonedIso(b.endsAt, hub.timezone)}`, paymentId: p.id, bookingId: b.id },
          `hubkey-invoiceitem-${p.id}-${b.id}`,
        );
      }
      const finalised = await provider.finaliseInvoice(invoiceId, `hubkey-finalize-${p.id}`);
      await provider.sendInvoice(invoiceId, `hubkey-send-${p.id}`);
      return await repo.updatePayment(p.id, {
        status: 'open',
        dueAt: finalised.dueAt ?? new Date(clock.now().getTime() + days * 24 * 60 * MINUTE),
        hostedInvoiceUrl: finalised.hostedUrl,
        lastError: null,
      });
    } catch (err) {
      onError(err, `issue invoice ${p.id}`);
      return repo.updatePayment(p.id, { lastError: errText(err) });
    }
  }

  /**
   * Staff are told (once per payment and set of bookings) that an issued or paid invoice covers
   * cancelled bookings, and the payment's lastError says so: amounts owed back are their call.
   */
  async function needsCredit(p: PaymentRow, items: Items, cancelledIds: string[], paid: boolean, tx?: DbOrTx) {
    const ended = items.filter((i) => ENDED.has(i.booking.status));
    const action = paid ? 'a refund or credit note' : 'a credit note';
    const invoice = p.stripeInvoiceId ?? p.id;
    const note = `${paid ? 'Paid invoice' : 'Invoice'} ${invoice}: ${ended.length} of ${items.length} booking(s) cancelled (${gbp(ended.reduce((n, i) => n + i.amountPence, 0))} invoiced for them); issue ${action} in Stripe if due`;
    if (p.lastError !== note) await repo.updatePayment(p.id, { lastError: note }, tx);
    const fresh = ended.filter((i) => cancelledIds.includes(i.bookingId));
    const told = (fresh.length ? fresh : ended).map((i) => i.bookingId).sort();
    const key = told.length === 1 ? told[0] : createHash('sha256').update(told.join(',')).digest('hex').slice(0, 32);
    const org = await organisations.get(p.organisationId, tx);
    const amount = gbp((fresh.length ? fresh : ended).reduce((n, i) => n + i.amountPence, 0));
    await deps.alertStaff?.(
      p.hubId,
      `Hubkey: ${org?.name ?? 'An organisation'} cancelled ${told.length} booking(s) (${amount}) on ${paid ? 'paid ' : ''}Stripe invoice ${invoice}. Nothing was changed in Stripe: issue ${action} there if due.`,
      `invoice-credit:${p.id}:${key}`,
      tx,
    );
  }

  /** Voids an issued invoice whose bookings have all ended; one the provider has already seen paid is treated as paid instead. */
  async function voidIssued(p: PaymentRow, items: Items) {
    const id = p.stripeInvoiceId!;
    if (!provider) {
      await repo.updatePayment(p.id, { lastError: `Stripe is not configured; void invoice ${id} in Stripe` });
      return;
    }
    try {
      await provider.voidInvoice(id, `hubkey-void-${p.id}`);
    } catch (err) {
      // Stripe only voids open invoices: see what this one is.
      const inv = await provider.getInvoice(id);
      if (inv.status === 'paid') {
        const row = (await repo.updatePaymentIf(p.id, ['pending', 'open', 'overdue'], { status: 'paid', paidAt: inv.paidAt ?? clock.now() })) ?? p;
        await needsCredit(row, items, [], true);
        return;
      }
      if (inv.status === 'draft') {
        // Never sent to the customer; left for staff to delete, and never finalised by us now.
        await repo.updatePaymentIf(p.id, ['pending'], { status: 'void', lastError: `Draft invoice ${id} left in Stripe (all its bookings were cancelled); delete it there` });
        return;
      }
      if (inv.status !== 'void') throw err;
    }
    await repo.updatePaymentIf(p.id, ['pending', 'open', 'overdue'], { status: 'void', lastError: null });
  }

  /** Whether the payment's bookings have all ended while an issued invoice is still live: it needs voiding in the provider. */
  const toVoid = (p: PaymentRow, items: Items) =>
    p.method === 'invoice' && p.stripeInvoiceId !== null && ['pending', 'open', 'overdue'].includes(p.status) && items.length > 0 && items.every((i) => ENDED.has(i.booking.status));

  return {
    /** In the confirming transaction: records one pending invoice payment for these bookings; the job issues it. */
    async record(rows: BookingRow[], actorId: string | null, tx: DbOrTx): Promise<PaymentRow | undefined> {
      const priced = rows.filter((b) => priceOf(b) > 0);
      if (!priced.length) return undefined;
      const first = priced[0];
      return repo.insertPayment(
        { hubId: first.hubId, organisationId: first.organisationId, seriesId: first.seriesId, method: 'invoice', status: 'pending', amountPence: priced.reduce((n, b) => n + priceOf(b), 0), createdBy: actorId },
        priced.map((b) => ({ bookingId: b.id, amountPence: priceOf(b) })),
        tx,
      );
    },

    /**
     * In the moving transaction: each invoice payment recorded for the booking but not yet issued
     * (pending, nothing in Stripe) follows its new price: the item is re-priced, or dropped when the
     * booking no longer owes on it (waiting for approval again, or free), and the total follows; an
     * invoice left with nothing is voided. The job then issues it at the new amount.
     */
    async moved(booking: BookingRow, tx: DbOrTx) {
      for (const x of await repo.paymentsOfBookings([booking.id], tx)) {
        if (x.payment.method !== 'invoice') continue;
        const p = await repo.paymentForUpdate({ id: x.payment.id }, tx);
        if (!p || p.status !== 'pending' || p.stripeInvoiceId) continue;
        const owes = booking.status === 'confirmed' && priceOf(booking) > 0;
        await repo.setItem(p.id, booking.id, owes ? priceOf(booking) : null, tx);
        const items = await repo.itemsOf(p.id, tx);
        const amountPence = items.reduce((n, i) => n + i.amountPence, 0);
        await repo.updatePayment(p.id, items.length ? { amountPence } : { amountPence: 0, status: 'void', lastError: null }, tx);
      }
    },

    /**
     * In the cancelling transaction: brings each invoice payment touching these bookings as far as
     * the database alone can (a never-issued one is voided, staff are told what to credit, in the
     * same transaction). Returns the payments whose issued invoice must now be voided in the provider.
     */
    async cancelled(bookings: BookingRow[], tx: DbOrTx): Promise<string[]> {
      const touched = new Map<string, string[]>();
      for (const x of await repo.paymentsOfBookings(bookings.map((b) => b.id), tx)) {
        if (x.payment.method !== 'invoice') continue;
        touched.set(x.payment.id, [...(touched.get(x.payment.id) ?? []), x.bookingId]);
      }
      const voids: string[] = [];
      for (const [paymentId, cancelledIds] of touched) {
        const p = (await repo.getPayment(paymentId, tx))!;
        const items = await repo.itemsOf(p.id, tx);
        const ended = items.filter((i) => ENDED.has(i.booking.status));
        if (!ended.length) continue;
        const allEnded = ended.length === items.length;
        if (p.status === 'pending' && !p.stripeInvoiceId) {
          // Not issued: void it when nothing is left; otherwise it is issued later without the cancelled bookings.
          if (allEnded) await repo.updatePaymentIf(p.id, ['pending'], { status: 'void', lastError: null }, tx);
        } else if (p.status === 'paid') {
          await needsCredit(p, items, cancelledIds, true, tx);
        } else if (['pending', 'open', 'overdue'].includes(p.status)) {
          if (allEnded) voids.push(p.id);
          else await needsCredit(p, items, cancelledIds, false, tx);
        }
      }
      return voids;
    },

    /** After commit (and from the job): voids these payments' issued invoices in the provider. Never throws. */
    async voidNow(paymentIds: string[]) {
      for (const id of paymentIds) {
        const p = await repo.getPayment(id);
        if (!p) continue;
        const items = await repo.itemsOf(p.id);
        if (!toVoid(p, items)) continue;
        try {
          await voidIssued(p, items);
        } catch (err) {
          onError(err, `void invoice ${p.id}`);
          await repo.updatePayment(p.id, { lastError: errText(err) });
        }
      }
    },

    /** Job: issues invoices recorded but not issued (every new one, and those the provider refused or missed). */
    async issuePending(): Promise<number> {
      if (!provider) return 0;
      let n = 0;
      for (const p of await repo.pendingInvoices(50)) if ((await issue(p)).status === 'open') n++;
      return n;
    },

    /** Job: voids issued invoices every one of whose bookings has ended (a crash or the provider down left them). */
    async voidEnded(): Promise<number> {
      if (!provider) return 0;
      const rows = await repo.invoicesToVoid(50);
      await this.voidNow(rows.map((p) => p.id));
      let n = 0;
      for (const p of rows) if ((await repo.getPayment(p.id))?.status === 'void') n++;
      return n;
    },

    /** Job: open invoices past their due date show as overdue. */
    markOverdue: async () => (await repo.markOverdue(clock.now())).length,

    /** A page of the hub's payments, newest first. */
    async listPayments(actor: Actor, hubId: string, status: PaymentStatus[] | undefined, p: PageArgs) {
      if (!isStaffOf(actor, hubId)) throw forbidden('Only staff of this hub may see its payments');
      const { rows, next } = pageOf(await repo.listForHub(hubId, status, { ...p, limit: p.limit + 1 }), p.limit, (r) => [r.cursorAt, r.payment.id]);
      return { items: rows.map((r) => presentPayment(r.payment, { organisationName: r.organisationName, bookingIds: r.bookingIds })), next };
    },

    /**
     * A page of the caller's organisations' payments and invoices at every hub, newest first, with
     * the hosted invoice link once issued. Staff notes (`lastError`) are the hub's, not shown here.
     */
    async listMine(actor: Actor, status: PaymentStatus[] | undefined, p: PageArgs) {
      const orgs = [...actor.organisations];
      const { rows, next } = pageOf(await repo.listForOrganisations(orgs, status, { ...p, limit: p.limit + 1 }), p.limit, (r) => [r.cursorAt, r.payment.id]);
      return {
        items: rows.map((r) => ({ ...presentPayment(r.payment, { organisationName: r.organisationName, hubName: r.hubName, bookingIds: r.bookingIds }), lastError: null })),
        next,
      };
    },
  };
}
export type InvoicesService = ReturnType<typeof createInvoicesService>;
