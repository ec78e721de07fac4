import { createHash } from 'node:crypto';
import type Stripe from 'stripe';
import type { Db, DbOrTx } from '../../db/client';
import { pageOf, type PageArgs } from '../../db/keyset';
import type { Clock } from '../../lib/clock';
import { DomainError, forbidden, notFound, unprocessable } from '../../lib/errors';
import { MINUTE, toZonedIso } from '../../lib/time';
import { type Actor, isMemberOfOrg, isStaffOf } from '../auth/actor';
import type { BookingRow, BookingsRepository } from '../bookings/bookings.repository';
import type { PaymentHooks, PriceSnapshot, RefundSummary } from '../bookings/bookings.service';
import type { OrganisationsRepository } from '../organisations/organisations.repository';
import type { VenuesRepository } from '../venues/venues.repository';
import { refundAmount, refundPercent } from './payments.fns';
import type { PaymentRow, PaymentStatus, PaymentsRepository, RefundRow, RefundStatus } from './payments.repository';

/** Stripe requires a checkout session to stay open at least 30 minutes. */
const MIN_SESSION_MS = 30 * MINUTE;

/** A checkout being opened blocks another for this long; after it, a crashed attempt no longer does. */
const PENDING_CHECKOUT_MS = 2 * 60_000;
const unavailable = (detail: string) => new DomainError('unavailable', 'payments_unavailable', detail);
const priceOf = (b: BookingRow) => (b.price as PriceSnapshot | null)?.amountPence ?? 0;
const errText = (err: unknown) => String((err as Error)?.message ?? err).slice(0, 500);
/** Booking statuses that no longer owe anything on an invoice. */
const ENDED = new Set<BookingRow['status']>(['cancelled', 'declined', 'expired']);
const gbp = (pence: number) => `£${(pence / 100).toFixed(2)}`;

export function presentPayment(p: PaymentRow, extra: { organisationName?: string; bookingIds?: string[] } = {}) {
  return {
    id: p.id,
    hubId: p.hubId,
    organisationId: p.organisationId,
    organisationName: extra.organisationName,
    seriesId: p.seriesId,
    bookingIds: extra.bookingIds ?? [],
    method: p.method,
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

export function presentRefund(r: RefundRow) {
  return {
    id: r.id,
    paymentId: r.paymentId,
    bookingId: r.bookingId,
    amountPence: r.amountPence,
    percent: r.percent,
    status: r.status,
    stripeRefundId: r.stripeRefundId,
    reason: r.reason,
    lastError: r.lastError,
    createdAt: r.createdAt.toISOString(),
  };
}

export interface PaymentsDeps {
  db: Db;
  payments: PaymentsRepository;
  bookings: Pick<BookingsRepository, 'get' | 'getForUpdate' | 'setStatus' | 'clashes'>;
  venues: Pick<VenuesRepository, 'getRoomWithHub' | 'getHub' | 'lockRoom'>;
  organisations: Pick<OrganisationsRepository, 'get'>;
  clock: Clock;
  /** The Stripe client; undefined when STRIPE_SECRET_KEY is not set (card checkout answers 503, invoices wait). */
  stripe?: Stripe;
  publicUrl: string;
  /** Told after bookings are confirmed or released by a payment (door codes). */
  bookingChanged?: (bookingId: string) => Promise<void>;
  /** Texts the hub's staff (the outbox); idempotent per dedupeKey. Used when an invoice needs a credit note or refund. */
  alertStaff?: (hubId: string, body: string, dedupeKey: string) => Promise<number>;
  onError?: (err: unknown, context: string) => void;
}

export function createPaymentsService(deps: PaymentsDeps) {
  const { db, payments: repo, bookings, venues, organisations, clock, stripe } = deps;
  const onError = deps.onError ?? (() => undefined);

  async function changed(ids: string[]) {
    for (const id of ids) {
      try {
        await deps.bookingChanged?.(id);
      } catch (err) {
        onError(err, `bookingChanged ${id}`);
      }
    }
  }

  // --------------------------------------------------------------------------------------------
  // Invoices
  // --------------------------------------------------------------------------------------------

  /** Issues a pending invoice payment in Stripe: customer, invoice, items, finalise, send. Every call is keyed, so a retry repeats nothing. */
  async function issueInvoice(p: PaymentRow): Promise<PaymentRow> {
    if (!stripe) return repo.updatePayment(p.id, { lastError: 'Stripe is not configured (STRIPE_SECRET_KEY); the invoice is issued once it is' });
    const hub = await venues.getHub(p.hubId);
    const org = await organisations.get(p.organisationId);
    if (!hub || !org) return p;
    const days = hub.settings.invoiceDueDays;
    // Bookings cancelled before the invoice went out are left off it; if none is left there is nothing to send.
    const items = (await repo.itemsOf(p.id)).filter((i) => !ENDED.has(i.booking.status));
    if (!items.length) {
      if (!p.stripeInvoiceId) return (await repo.updatePaymentIf(p.id, ['pending'], { status: 'void', lastError: null })) ?? p;
      return p; // a draft exists in Stripe: settleInvoice deals with it
    }
    const amountPence = items.reduce((n, i) => n + i.amountPence, 0);
    if (amountPence !== p.amountPence) p = await repo.updatePayment(p.id, { amountPence });
    try {
      let customer = await repo.customerOf(org.id);
      if (!customer) {
        const c = await stripe.customers.create({ name: org.name, phone: org.contactPhone, metadata: { organisationId: org.id } }, { idempotencyKey: `hubkey-customer-${org.id}` });
        await repo.saveCustomer(org.id, c.id);
        customer = (await repo.customerOf(org.id)) ?? c.id;
      }
      const invoice = await stripe.invoices.create(
        {
          customer,
          collection_method: 'send_invoice',
          days_until_due: days,
          auto_advance: false,
          currency: 'gbp',
          description: `Room hire at ${hub.name}`,
          metadata: { paymentId: p.id, hubId: hub.id },
        },
        { idempotencyKey: `hubkey-invoice-${p.id}` },
      );
      await repo.updatePayment(p.id, { stripeInvoiceId: invoice.id, stripeCustomerId: customer });
      for (const item of items) {
        const b = item.booking;
        await stripe.invoiceItems.create(
          {
            customer,
            invoice: invoice.id,
            amount: item.amountPence,
            currency: 'gbp',
            description: `${b.title}: ${toZonedIso(b.startsAt, hub.timezone)} to ${toZonedIso(b.endsAt, hub.timezone)}`,
            metadata: { paymentId: p.id, bookingId: b.id },
          },
          { idempotencyKey: `hubkey-invoiceitem-${p.id}-${b.id}` },
        );
      }
      const finalised = await stripe.invoices.finalizeInvoice(invoice.id, {}, { idempotencyKey: `hubkey-finalize-${p.id}` });
      await stripe.invoices.sendInvoice(invoice.id, {}, { idempotencyKey: `hubkey-send-${p.id}` });
      return repo.updatePayment(p.id, {
        status: 'open',
        dueAt: finalised.due_date ? new Date(finalised.due_date * 1000) : new Date(clock.now().getTime() + days * 24 * 60 * MINUTE),
        hostedInvoiceUrl: finalised.hosted_invoice_url ?? null,
        lastError: null,
      });
    } catch (err) {
      onError(err, `issue invoice ${p.id}`);
      return repo.updatePayment(p.id, { lastError: errText(err) });
    }
  }

  // --------------------------------------------------------------------------------------------
  // Refunds
  // --------------------------------------------------------------------------------------------

  async function sendRefund(r: RefundRow, paymentIntent: string): Promise<RefundRow> {
    if (!stripe) return repo.updateRefund(r.id, { lastError: 'Stripe is not configured' });
    try {
      const s = await stripe.refunds.create(
        { payment_intent: paymentIntent, amount: r.amountPence, metadata: { refundId: r.id, bookingId: r.bookingId } },
        { idempotencyKey: `hubkey-refund-${r.id}` },
      );
      return repo.updateRefund(r.id, { stripeRefundId: s.id, status: refundStatusOf(s.status), lastError: null });
    } catch (err) {
      onError(err, `refund ${r.id}`);
      return repo.updateRefund(r.id, { lastError: errText(err) });
    }
  }

  /** Refunds the card payments of cancelled bookings: by the hub's policy, or in full (byStaff). */
  async function refundBookings(cancelled: BookingRow[], opts: { byStaff: boolean; actorId: string | null; reason: string }): Promise<RefundSummary[]> {
    const out: RefundSummary[] = [];
    const paid = (await repo.paymentsOfBookings(cancelled.map((b) => b.id))).filter((x) => x.payment.method === 'card' && x.payment.status === 'paid' && x.payment.stripePaymentIntentId);
    for (const b of cancelled) {
      const item = paid.find((x) => x.bookingId === b.id);
      if (!item) continue;
      const hub = await venues.getHub(b.hubId);
      const percent = refundPercent(hub?.settings.cancellationPolicy ?? [], b.startsAt.getTime() - clock.now().getTime(), opts.byStaff);
      const amountPence = refundAmount(item.amountPence, percent);
      if (amountPence <= 0) continue;
      const row = await repo.insertRefund({ paymentId: item.payment.id, bookingId: b.id, hubId: b.hubId, amountPence, percent, reason: opts.reason, createdBy: opts.actorId });
      if (!row) continue; // refunded before
      const sent = await sendRefund(row, item.payment.stripePaymentIntentId!);
      out.push({ id: sent.id, bookingId: b.id, amountPence, percent, status: sent.status });
    }
    return out;
  }

  // --------------------------------------------------------------------------------------------
  // Invoices of cancelled bookings
  // --------------------------------------------------------------------------------------------

  /**
   * Staff are told (once per payment and set of bookings) that an issued or paid invoice covers
   * cancelled bookings, and the payment's lastError says so: amounts owed back are their call.
   */
  async function needsCredit(p: PaymentRow, items: Awaited<ReturnType<PaymentsRepository['itemsOf']>>, cancelledIds: string[], paid: boolean) {
    const ended = items.filter((i) => ENDED.has(i.booking.status));
    const action = paid ? 'a refund or credit note' : 'a credit note';
    const invoice = p.stripeInvoiceId ?? p.id;
    const note = `${paid ? 'Paid invoice' : 'Invoice'} ${invoice}: ${ended.length} of ${items.length} booking(s) cancelled (${gbp(ended.reduce((n, i) => n + i.amountPence, 0))} invoiced for them); issue ${action} in Stripe if due`;
    if (p.lastError !== note) await repo.updatePayment(p.id, { lastError: note });
    const fresh = ended.filter((i) => cancelledIds.includes(i.bookingId));
    const told = (fresh.length ? fresh : ended).map((i) => i.bookingId).sort();
    const key = told.length === 1 ? told[0] : createHash('sha256').update(told.join(',')).digest('hex').slice(0, 32);
    const org = await organisations.get(p.organisationId);
    const amount = gbp((fresh.length ? fresh : ended).reduce((n, i) => n + i.amountPence, 0));
    await deps.alertStaff?.(
      p.hubId,
      `Hubkey: ${org?.name ?? 'An organisation'} cancelled ${told.length} booking(s) (${amount}) on ${paid ? 'paid ' : ''}Stripe invoice ${invoice}. Nothing was changed in Stripe: issue ${action} there if due.`,
      `invoice-credit:${p.id}:${key}`,
    );
  }

  /** Voids an issued invoice whose bookings have all ended; one Stripe has already seen paid is treated as paid instead. */
  async function voidIssued(p: PaymentRow, items: Awaited<ReturnType<PaymentsRepository['itemsOf']>>, cancelledIds: string[]) {
    const id = p.stripeInvoiceId!;
    if (!stripe) {
      await repo.updatePayment(p.id, { lastError: `Stripe is not configured; void invoice ${id} in Stripe` });
      return;
    }
    try {
      await stripe.invoices.voidInvoice(id, {}, { idempotencyKey: `hubkey-void-${p.id}` });
    } catch (err) {
      // Stripe only voids open invoices: see what this one is.
      const inv = await stripe.invoices.retrieve(id);
      if (inv.status === 'paid') {
        const paidAt = inv.status_transitions?.paid_at ? new Date(inv.status_transitions.paid_at * 1000) : clock.now();
        const row = (await repo.updatePaymentIf(p.id, ['pending', 'open', 'overdue'], { status: 'paid', paidAt })) ?? p;
        await needsCredit(row, items, cancelledIds, true);
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

  /** Brings one invoice payment in line with its bookings after some were cancelled. Safe to repeat. */
  async function settleInvoice(paymentId: string, cancelledIds: string[]) {
    const p = await repo.getPayment(paymentId);
    if (!p || p.method !== 'invoice') return;
    const items = await repo.itemsOf(p.id);
    const ended = items.filter((i) => ENDED.has(i.booking.status));
    if (!ended.length) return;
    const allEnded = ended.length === items.length;
    try {
      switch (p.status) {
        case 'pending':
          // Not issued: void it when nothing is left; otherwise it is issued later without the cancelled bookings.
          if (!p.stripeInvoiceId) {
            if (allEnded) await repo.updatePaymentIf(p.id, ['pending'], { status: 'void', lastError: null });
            return;
          }
          return allEnded ? await voidIssued(p, items, cancelledIds) : await needsCredit(p, items, cancelledIds, false);
        case 'open':
        case 'overdue':
          return allEnded ? await voidIssued(p, items, cancelledIds) : await needsCredit(p, items, cancelledIds, false);
        case 'paid':
          return await needsCredit(p, items, cancelledIds, true);
        default:
          return; // void, expired, failed: nothing is owed
      }
    } catch (err) {
      onError(err, `settle invoice ${p.id}`);
      await repo.updatePayment(p.id, { lastError: errText(err) });
    }
  }

  /** The invoice payments touching cancelled bookings are voided, or staff are told what to credit. */
  async function settleInvoices(cancelled: BookingRow[]) {
    const ids = cancelled.map((b) => b.id);
    const touched = new Map<string, string[]>();
    for (const x of await repo.paymentsOfBookings(ids)) {
      if (x.payment.method !== 'invoice') continue;
      touched.set(x.payment.id, [...(touched.get(x.payment.id) ?? []), x.bookingId]);
    }
    for (const [paymentId, bookingIds] of touched) {
      try {
        await settleInvoice(paymentId, bookingIds);
      } catch (err) {
        onError(err, `settle invoice ${paymentId}`);
      }
    }
  }

  // --------------------------------------------------------------------------------------------
  // Settling a checkout (webhook or job)
  // --------------------------------------------------------------------------------------------

  /** In tx: a paid payment confirms its bookings still awaiting payment; one that lapsed meanwhile is confirmed if the room is still free, else refunded in full. */
  async function settlePaid(p: PaymentRow, paymentIntent: string | null, tx: DbOrTx) {
    if (p.status === 'paid') return { confirmed: [] as string[], refund: [] as BookingRow[] };
    await repo.updatePayment(p.id, { status: 'paid', paidAt: clock.now(), stripePaymentIntentId: paymentIntent ?? p.stripePaymentIntentId, lastError: null }, tx);
    const confirmed: string[] = [];
    const refund: BookingRow[] = [];
    for (const item of await repo.itemsOf(p.id, tx)) {
      const b = item.booking;
      if (b.status === 'awaiting_payment') {
        confirmed.push(b.id);
        continue;
      }
      if (b.status === 'expired') {
        await venues.lockRoom(b.roomId, tx);
        const clashes = await bookings.clashes(b.roomId, b.startsAt, b.blockedUntil, b.id, tx);
        if (!clashes.length && b.startsAt > clock.now()) {
          confirmed.push(b.id);
          continue;
        }
      }
      if (b.status !== 'confirmed' && b.status !== 'completed') refund.push(b);
    }
    await bookings.setStatus(confirmed, 'confirmed', null, tx);
    await repo.dropHolds(confirmed, tx);
    return { confirmed, refund };
  }

  /** In tx: a checkout that expired or failed releases its bookings still waiting for it. */
  async function settleLapsed(p: PaymentRow, status: 'expired' | 'failed', reason: string, tx: DbOrTx) {
    if (p.status !== 'open' && p.status !== 'pending') return [] as string[];
    await repo.updatePayment(p.id, { status }, tx);
    const waiting = (await repo.itemsOf(p.id, tx)).filter((i) => i.booking.status === 'awaiting_payment').map((i) => i.bookingId);
    await bookings.setStatus(waiting, 'expired', reason, tx);
    await repo.dropHolds(waiting, tx);
    return waiting;
  }

  async function afterSettle(result: { confirmed: string[]; refund: BookingRow[] }) {
    await changed(result.confirmed);
    if (result.refund.length) await refundBookings(result.refund, { byStaff: true, actorId: null, reason: 'paid_after_release' });
  }

  function refundStatusOf(s: string | null | undefined): RefundStatus {
    return s === 'succeeded' || s === 'failed' || s === 'canceled' ? s : 'pending';
  }

  // --------------------------------------------------------------------------------------------

  const hooks: PaymentHooks = {
    hold: (bookingIds, until, tx) => repo.hold(bookingIds, until, tx),
    async hasPayment(bookingId, tx) {
      const rows = await repo.paymentsOfBookings([bookingId], tx);
      return rows.some((x) => x.payment.status !== 'expired' && x.payment.status !== 'failed' && x.payment.status !== 'void');
    },
    async invoice(rows, actorId) {
      if (!rows.length) return;
      try {
        const first = rows[0];
        const p = await repo.insertPayment(
          {
            hubId: first.hubId,
            organisationId: first.organisationId,
            seriesId: first.seriesId,
            method: 'invoice',
            status: 'pending',
            amountPence: rows.reduce((n, b) => n + priceOf(b), 0),
            createdBy: actorId,
          },
          rows.map((b) => ({ bookingId: b.id, amountPence: priceOf(b) })),
        );
        await issueInvoice(p);
      } catch (err) {
        onError(err, 'invoice');
      }
    },
    async refund(cancelled, opts) {
      let out: RefundSummary[] = [];
      try {
        out = await refundBookings(cancelled, { ...opts, reason: opts.byStaff ? 'cancelled_by_staff' : 'cancelled_by_hirer' });
      } catch (err) {
        onError(err, 'refund');
      }
      try {
        await settleInvoices(cancelled);
      } catch (err) {
        onError(err, 'invoice of cancelled bookings');
      }
      return out;
    },
  };

  return {
    hooks,
    enabled: Boolean(stripe),

    /**
     * POST /bookings/:id/checkout: a Stripe Checkout session for the booking, or for every
     * booking of its series still awaiting payment. An open session for the same booking is
     * given again rather than a second one made.
     */
    async checkout(actor: Actor, bookingId: string, scope: 'booking' | 'series') {
      const b = await bookings.get(bookingId);
      if (!b || !(isStaffOf(actor, b.hubId) || isMemberOfOrg(actor, b.organisationId))) throw notFound('Booking');
      if (b.status !== 'awaiting_payment') throw unprocessable('not_awaiting_payment', `A ${b.status} booking has nothing to pay`);
      if (!stripe) throw unavailable('Card payments are not set up on this server (no STRIPE_SECRET_KEY); the hold lapses unless staff confirm the booking');
      const row = await venues.getRoomWithHub(b.roomId);
      if (!row) throw notFound('Room');
      const { room, hub } = row;
      let targets = [b];
      if (scope === 'series' && b.seriesId) {
        const waiting = await repo.seriesAwaiting(b.seriesId);
        targets = waiting.length ? waiting : [b];
      }
      const holds = await repo.holdsOf(targets.map((t) => t.id));
      const now = clock.now().getTime();
      const holdEnd = Math.min(...targets.map((t) => holds.find((h) => h.bookingId === t.id)?.expiresAt.getTime() ?? t.updatedAt.getTime() + hub.settings.holdMinutes * MINUTE));
      if (holdEnd <= now) throw unprocessable('hold_lapsed', 'The hold on this booking has lapsed; book again');
      const amountPence = targets.reduce((n, t) => n + priceOf(t), 0);
      // One checkout at a time per booking: with the bookings locked, either reuse the open session,
      // refuse while another request is opening one, or record ours before calling Stripe. Two
      // simultaneous requests can therefore never open two sessions (and charge twice).
      const claim = await db.transaction(async (tx) => {
        for (const id of targets.map((t) => t.id).sort()) await bookings.getForUpdate(id, tx);
        const live = (await repo.paymentsOfBookings(targets.map((t) => t.id), tx)).find(
          (x) =>
            x.payment.method === 'card' &&
            ((x.payment.status === 'open' && x.payment.checkoutUrl && (!x.payment.expiresAt || x.payment.expiresAt.getTime() > now)) ||
              (x.payment.status === 'pending' && x.payment.createdAt.getTime() > now - PENDING_CHECKOUT_MS)),
        );
        if (live?.payment.status === 'open') return { existing: live.payment };
        if (live) throw new DomainError('conflict', 'checkout_in_progress', 'A checkout for this booking is being opened; try again in a moment');
        const created = await repo.insertPayment(
          { hubId: b.hubId, organisationId: b.organisationId, seriesId: scope === 'series' ? b.seriesId : null, method: 'card', status: 'pending', amountPence, createdBy: actor.userId },
          targets.map((t) => ({ bookingId: t.id, amountPence: priceOf(t) })),
          tx,
        );
        return { created };
      });
      if ('existing' in claim && claim.existing) {
        const e = claim.existing;
        return { paymentId: e.id, checkoutUrl: e.checkoutUrl!, amountPence: e.amountPence, expiresAt: e.expiresAt?.toISOString() ?? null };
      }
      const p = claim.created!;
      const expiresAt = new Date(Math.max(holdEnd, now + MIN_SESSION_MS + MINUTE));
      try {
        const session = await stripe.checkout.sessions.create(
          {
            mode: 'payment',
            client_reference_id: p.id,
            metadata: { paymentId: p.id, hubId: hub.id },
            payment_intent_data: { metadata: { paymentId: p.id } },
            expires_at: Math.floor(expiresAt.getTime() / 1000),
            success_url: `${deps.publicUrl}/bookings/${b.id}?checkout=success`,
            cancel_url: `${deps.publicUrl}/bookings/${b.id}?checkout=cancelled`,
            line_items: targets.map((t) => ({
              quantity: 1,
              price_data: {
                currency: 'gbp',
                unit_amount: priceOf(t),
                product_data: { name: `${t.title}, ${room.name}, ${hub.name}: ${toZonedIso(t.startsAt, hub.timezone)}` },
              },
            })),
          },
          { idempotencyKey: `hubkey-checkout-${p.id}` },
        );
        const updated = await repo.updatePayment(p.id, { status: 'open', stripeCheckoutSessionId: session.id, checkoutUrl: session.url, expiresAt: new Date((session.expires_at ?? 0) * 1000) });
        return { paymentId: updated.id, checkoutUrl: session.url!, amountPence, expiresAt: updated.expiresAt?.toISOString() ?? null };
      } catch (err) {
        onError(err, `checkout ${p.id}`);
        await repo.updatePayment(p.id, { status: 'failed', lastError: errText(err) });
        throw unavailable('The card payment provider could not be reached; try again shortly');
      }
    },

    /** Handles one verified Stripe event, at most once however often it is delivered. */
    async handleEvent(event: Stripe.Event): Promise<'processed' | 'duplicate' | 'ignored'> {
      const after: (() => Promise<void>)[] = [];
      const outcome = await db.transaction(async (tx): Promise<'processed' | 'duplicate' | 'ignored'> => {
        if (!(await repo.recordEvent(event.id, event.type, tx))) return 'duplicate';
        switch (event.type) {
          case 'checkout.session.completed':
          case 'checkout.session.async_payment_succeeded': {
            const s = event.data.object;
            if (s.payment_status !== 'paid' && s.payment_status !== 'no_payment_required') return 'ignored';
            const p = await repo.paymentForUpdate({ sessionId: s.id }, tx) ?? (s.metadata?.paymentId ? await repo.paymentForUpdate({ id: s.metadata.paymentId }, tx) : undefined);
            if (!p) return 'ignored';
            const pi = typeof s.payment_intent === 'string' ? s.payment_intent : (s.payment_intent?.id ?? null);
            const result = await settlePaid(p, pi, tx);
            after.push(() => afterSettle(result));
            return 'processed';
          }
          case 'checkout.session.expired':
          case 'checkout.session.async_payment_failed': {
            const s = event.data.object;
            const p = await repo.paymentForUpdate({ sessionId: s.id }, tx);
            if (!p) return 'ignored';
            const released = await settleLapsed(p, event.type === 'checkout.session.expired' ? 'expired' : 'failed', event.type === 'checkout.session.expired' ? 'payment_session_expired' : 'payment_failed', tx);
            after.push(() => changed(released));
            return 'processed';
          }
          case 'invoice.paid': {
            const inv = event.data.object;
            const p = (inv.id ? await repo.paymentForUpdate({ invoiceId: inv.id }, tx) : undefined) ?? (inv.metadata?.paymentId ? await repo.paymentForUpdate({ id: inv.metadata.paymentId }, tx) : undefined);
            if (!p || p.status === 'paid') return 'ignored';
            await repo.updatePayment(p.id, { status: 'paid', paidAt: clock.now(), stripeInvoiceId: inv.id ?? p.stripeInvoiceId }, tx);
            return 'processed';
          }
          case 'refund.created':
          case 'refund.updated':
          case 'refund.failed': {
            const r = event.data.object;
            const row = (r.metadata?.refundId ? await repo.refundBy({ id: r.metadata.refundId }, tx) : undefined) ?? (await repo.refundBy({ stripeId: r.id }, tx));
            if (!row) return 'ignored';
            const status = event.type === 'refund.failed' ? 'failed' : refundStatusOf(r.status);
            // A final status is never undone by an older event delivered late; failed and canceled are final in Stripe.
            if ((row.status !== 'pending' && status === 'pending') || row.status === 'failed' || row.status === 'canceled') return 'ignored';
            await repo.updateRefund(row.id, { status, stripeRefundId: r.id, lastError: status === 'failed' ? (r.failure_reason ?? 'refund failed') : row.lastError }, tx);
            return 'processed';
          }
          default:
            return 'ignored';
        }
      });
      for (const fn of after) await fn();
      return outcome;
    },

    /** Job: holds past their time are released; their open checkouts are expired in Stripe first (a paid one confirms instead). */
    async releaseLapsedHolds(): Promise<number> {
      const lapsed = await repo.lapsedHolds(clock.now(), 200);
      if (!lapsed.length) return 0;
      const ids = lapsed.map((l) => l.id);
      const open = (await repo.paymentsOfBookings(ids)).filter((x) => x.payment.method === 'card' && x.payment.status === 'open');
      const seen = new Set<string>();
      for (const { payment } of open) {
        if (seen.has(payment.id) || !payment.stripeCheckoutSessionId || !stripe) continue;
        seen.add(payment.id);
        try {
          const s = await stripe.checkout.sessions.retrieve(payment.stripeCheckoutSessionId);
          if (s.status === 'complete' && (s.payment_status === 'paid' || s.payment_status === 'no_payment_required')) {
            const result = await db.transaction(async (tx) => {
              const p = await repo.paymentForUpdate({ id: payment.id }, tx);
              return p ? settlePaid(p, typeof s.payment_intent === 'string' ? s.payment_intent : (s.payment_intent?.id ?? null), tx) : { confirmed: [], refund: [] };
            });
            await afterSettle(result);
            continue;
          }
          if (s.status === 'open') await stripe.checkout.sessions.expire(s.id, {}, { idempotencyKey: `hubkey-expire-${payment.id}` });
        } catch (err) {
          onError(err, `expire checkout ${payment.id}`);
        }
      }
      const released = await db.transaction(async (tx) => {
        const out: string[] = [];
        for (const id of ids) {
          const b = await bookings.getForUpdate(id, tx);
          if (b?.status === 'awaiting_payment') out.push(id);
        }
        await bookings.setStatus(out, 'expired', 'payment_hold_lapsed', tx);
        await repo.dropHolds(out, tx);
        for (const { payment } of open) {
          const p = await repo.paymentForUpdate({ id: payment.id }, tx);
          if (p?.status === 'open') await repo.updatePayment(p.id, { status: 'expired' }, tx);
        }
        return out;
      });
      await changed(released);
      return released.length;
    },

    /** Job: open invoices past their due date show as overdue. */
    markOverdueInvoices: async () => (await repo.markOverdue(clock.now())).length,

    /**
     * Job: voids invoices whose bookings have all been cancelled but could not be voided then, issues
     * invoices that could not be issued (Stripe down or not configured) and sends refunds that were not sent.
     */
    async retryPending(): Promise<number> {
      if (!stripe) return 0;
      let n = 0;
      for (const p of await repo.invoicesToVoid(50)) {
        await settleInvoice(p.id, []);
        if ((await repo.getPayment(p.id))?.status === 'void') n++;
      }
      for (const p of await repo.pendingInvoices(50)) {
        if ((await issueInvoice(p)).status === 'open') n++;
      }
      for (const r of await repo.unsentRefunds(new Date(clock.now().getTime() - MINUTE), 50)) {
        const p = await repo.getPayment(r.paymentId);
        if (p?.stripePaymentIntentId && (await sendRefund(r, p.stripePaymentIntentId)).stripeRefundId) n++;
      }
      return n;
    },

    /** A page of the hub's payments, newest first. */
    async listPayments(actor: Actor, hubId: string, status: PaymentStatus[] | undefined, p: PageArgs) {
      if (!isStaffOf(actor, hubId)) throw forbidden('Only staff of this hub may see its payments');
      const { rows, next } = pageOf(await repo.listForHub(hubId, status, { ...p, limit: p.limit + 1 }), p.limit, (r) => [r.cursorAt, r.payment.id]);
      return { items: rows.map((r) => presentPayment(r.payment, { organisationName: r.organisationName, bookingIds: r.bookingIds })), next };
    },

    /**
     * What a booking's page shows about money: when its unpaid hold lapses, what was paid by card,
     * and what cancelling now would refund (the hub's policy; in full when staff cancel).
     */
    async forBooking(actor: Actor, bookingId: string) {
      const b = await bookings.get(bookingId);
      if (!b || !(isStaffOf(actor, b.hubId) || isMemberOfOrg(actor, b.organisationId))) throw notFound('Booking');
      const [holds, rows, hub, org] = await Promise.all([repo.holdsOf([b.id]), repo.paymentsOfBookings([b.id]), venues.getHub(b.hubId), organisations.get(b.organisationId)]);
      const paidPence = rows.filter((x) => x.payment.method === 'card' && x.payment.status === 'paid').reduce((n, x) => n + x.amountPence, 0);
      const percent = refundPercent(hub?.settings.cancellationPolicy ?? [], b.startsAt.getTime() - clock.now().getTime(), isStaffOf(actor, b.hubId));
      return {
        cardPayments: Boolean(stripe),
        paysByInvoice: Boolean(org?.paysByInvoice),
        holdExpiresAt: holds[0]?.expiresAt ?? null,
        paidPence,
        refundPercent: percent,
        refundPence: refundAmount(paidPence, percent),
      };
    },

    /** A page of the hub's refunds, newest first. */
    async listRefunds(actor: Actor, hubId: string, status: RefundStatus[] | undefined, p: PageArgs) {
      if (!isStaffOf(actor, hubId)) throw forbidden('Only staff of this hub may see its refunds');
      const { rows, next } = pageOf(await repo.listRefunds(hubId, status, { ...p, limit: p.limit + 1 }), p.limit, (r) => [r.cursorAt, r.refund.id]);
      return { items: rows.map((r) => presentRefund(r.refund)), next };
    },
  };
}
export type PaymentsService = ReturnType<typeof createPaymentsService>;
