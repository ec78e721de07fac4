import type { PaymentProvider } from '../../adapters/payments/provider';
import { DateTime } from 'luxon';
import type { Db, DbOrTx } from '../../db/client';
import type { Clock } from '../../lib/clock';
import { DomainError, conflict, forbidden, notFound, unprocessable } from '../../lib/errors';
import { type Actor, isMemberOfOrg, isStaffOf } from '../auth/actor';
import type { BookingRow, BookingsRepository } from '../bookings/bookings.repository';
import { priceOf } from '../bookings/bookings.fns';
import type { BookingStatusChanges, HirerNotice } from '../bookings/bookings.service';
import type { VenuesRepository } from '../venues/venues.repository';
import { paymentsUnavailable } from './checkout.service';
import { presentPayment } from './invoices.service';
import type { PaymentRow, PaymentsRepository } from './payments.repository';

export const OFFLINE_METHODS = ['cash', 'bank_transfer', 'cheque'] as const;
export type OfflineMethod = (typeof OFFLINE_METHODS)[number];
export interface OfflineInput {
  amountPence: number;
  method: OfflineMethod;
  reference?: string;
  scope: 'booking' | 'series';
}

/** A card checkout being opened blocks recording for as long as it blocks another checkout. */
const PENDING_CHECKOUT_MS = 2 * 60_000;
const gbp = (pence: number) => `£${(pence / 100).toFixed(2)}`;
const ENDED = new Set<PaymentRow['status']>(['expired', 'failed', 'void']);
const present = (r: { created: boolean; payment: PaymentRow; bookingIds: string[] }) => ({ created: r.created, payment: presentPayment(r.payment, { bookingIds: [...r.bookingIds].sort() }) });

/**
 * Money taken outside Stripe (POST /bookings/:id/payments/offline): staff of the booking's hub
 * record cash, a bank transfer or a cheque for the full amount due, which is a paid `offline`
 * payment and confirms the bookings it covers (one booking, or every unpaid date of its series).
 * Recording the same payment again answers it again; another payment for a booking already paid
 * is refused. A card checkout left open for the booking is expired in Stripe first, so the hirer
 * cannot pay twice.
 */
export function createOfflinePaymentsService(deps: {
  db: Pick<Db, 'transaction'>;
  payments: Pick<PaymentsRepository, 'seriesAwaiting' | 'paymentsOfBookings' | 'itemsOf' | 'insertPayment' | 'updatePaymentIf' | 'dropHolds'>;
  bookings: Pick<BookingsRepository, 'get' | 'getForUpdate'>;
  bookingStatus: Pick<BookingStatusChanges, 'confirmPaid'>;
  clock: Clock;
  provider?: Pick<PaymentProvider, 'getCheckout' | 'expireCheckout'>;
  bookingChanged?: (bookingId: string) => Promise<void>;
  /** Texts the hirer (the outbox), in the recording transaction. */
  notify?: (notice: HirerNotice, tx: DbOrTx) => Promise<unknown>;
  venues?: Pick<VenuesRepository, 'getHub'>;
  onError?: (err: unknown, context: string) => void;
}) {
  const { db, payments: repo, bookings, bookingStatus, clock, provider } = deps;
  const onError = deps.onError ?? (() => undefined);

  const sameRecord = (p: PaymentRow, input: OfflineInput) =>
    p.method === 'offline' && p.status === 'paid' && p.offlineMethod === input.method && p.amountPence === input.amountPence && (p.reference ?? null) === (input.reference ?? null);

  /** A card checkout that could still take the hirer's money for one of these bookings. */
  const liveCheckout = (rows: Awaited<ReturnType<PaymentsRepository['paymentsOfBookings']>>, now: number) =>
    rows.find(
      (x) =>
        x.payment.method === 'card' &&
        ((x.payment.status === 'open' && (!x.payment.expiresAt || x.payment.expiresAt.getTime() > now)) ||
          (x.payment.status === 'pending' && x.payment.createdAt.getTime() > now - PENDING_CHECKOUT_MS)),
    )?.payment;

  /** A booking no longer awaiting payment: the same record again answers it; anything else is refused. */
  async function replayOrRefuse(b: BookingRow, input: OfflineInput) {
    const rows = await repo.paymentsOfBookings([b.id]);
    const same = rows.find((x) => sameRecord(x.payment, input));
    if (same) return { created: false, payment: same.payment, bookingIds: (await repo.itemsOf(same.payment.id)).map((i) => i.bookingId) };
    const paid = rows.find((x) => x.payment.status === 'paid' || (x.payment.method === 'invoice' && !ENDED.has(x.payment.status)));
    if (paid) {
      throw conflict('already_paid', `This booking is already ${paid.payment.method === 'invoice' ? 'invoiced' : 'paid for'} (payment ${paid.payment.id}, ${paid.payment.method})`, {
        paymentId: paid.payment.id,
      });
    }
    throw unprocessable('not_awaiting_payment', `A ${b.status} booking has nothing to pay`);
  }

  return {
    async record(actor: Actor, bookingId: string, input: OfflineInput) {
      const b = await bookings.get(bookingId);
      if (!b || !(isStaffOf(actor, b.hubId) || isMemberOfOrg(actor, b.organisationId))) throw notFound('Booking');
      if (!isStaffOf(actor, b.hubId)) throw forbidden("Only staff of the booking's hub record payments taken at the hub");
      if (b.status !== 'awaiting_payment') return present(await replayOrRefuse(b, input));

      let targets = [b];
      if (input.scope === 'series' && b.seriesId) {
        // Only dates at hubs the caller staffs: staff never take money for another hub's booking.
        const waiting = (await repo.seriesAwaiting(b.seriesId)).filter((t) => isStaffOf(actor, t.hubId));
        targets = waiting.length ? waiting : [b];
      }
      const due = targets.reduce((n, t) => n + priceOf(t), 0);
      if (input.amountPence !== due) {
        throw new DomainError(
          'validation',
          'wrong_amount',
          `${gbp(due)} is due for ${targets.length === 1 ? 'this booking' : `these ${targets.length} bookings`}; ${gbp(input.amountPence)} was sent. Record a payment once the whole amount is taken (part payments are not recorded)`,
          { amountDuePence: due, bookingIds: targets.map((t) => t.id) },
          [{ path: 'amountPence', message: `must be ${due}` }],
        );
      }

      // An open card checkout is expired in Stripe first; one the hirer has just paid is left to confirm the booking.
      const now = clock.now().getTime();
      const live = liveCheckout(await repo.paymentsOfBookings(targets.map((t) => t.id)), now);
      if (live?.status === 'pending') throw conflict('checkout_in_progress', 'A card checkout for this booking is being opened; try again in a moment');
      if (live?.stripeCheckoutSessionId && provider) {
        try {
          const s = await provider.getCheckout(live.stripeCheckoutSessionId);
          if (s.status === 'complete' && s.paid) throw conflict('already_paid', 'The hirer has just paid this booking by card; it is confirmed as soon as Stripe reports it', { paymentId: live.id });
          if (s.status === 'open') await provider.expireCheckout(live.stripeCheckoutSessionId, `hubkey-expire-${live.id}`);
        } catch (err) {
          if (err instanceof DomainError) throw err;
          onError(err, `expire checkout ${live.id} before an offline payment`);
          throw paymentsUnavailable('A card checkout is open for this booking and Stripe could not be reached to close it; try again shortly');
        }
      }

      const result = await db.transaction(async (tx) => {
        const ids = targets.map((t) => t.id).sort();
        const current: BookingRow[] = [];
        for (const id of ids) {
          const row = await bookings.getForUpdate(id, tx);
          if (row) current.push(row);
        }
        const changed = current.find((c) => c.status !== 'awaiting_payment' || priceOf(c) !== priceOf(targets.find((t) => t.id === c.id)!));
        if (changed || current.length !== ids.length) throw conflict('booking_changed', 'The booking changed while the payment was being recorded; look at it again');
        const rows = await repo.paymentsOfBookings(ids, tx);
        const stillLive = liveCheckout(rows, now);
        if (stillLive?.status === 'pending') throw conflict('checkout_in_progress', 'A card checkout for this booking is being opened; try again in a moment');
        // The open checkout was expired in Stripe above (or Stripe is not set up): it can take nothing now.
        for (const x of rows) if (x.payment.method === 'card' && x.payment.status === 'open') await repo.updatePaymentIf(x.payment.id, ['open'], { status: 'expired' }, tx);
        const payment = await repo.insertPayment(
          {
            hubId: b.hubId,
            organisationId: b.organisationId,
            seriesId: targets.length > 1 ? b.seriesId : null,
            method: 'offline',
            status: 'paid',
            amountPence: due,
            offlineMethod: input.method,
            reference: input.reference ?? null,
            paidAt: clock.now(),
            createdBy: actor.userId,
            createdAt: clock.now(),
          },
          targets.map((t) => ({ bookingId: t.id, amountPence: priceOf(t) })),
          tx,
        );
        const { confirmed } = await bookingStatus.confirmPaid(ids, tx);
        await repo.dropHolds(confirmed, tx);
        // One text for the whole record (a series is one payment), saying what the booking page promised.
        const first = [...current].sort((x, y) => x.startsAt.getTime() - y.startsAt.getTime())[0];
        const hub = await deps.venues?.getHub(first.hubId, tx);
        if (deps.notify && hub && first.contactPhone) {
          const when = DateTime.fromJSDate(first.startsAt, { zone: hub.timezone }).setLocale('en-GB').toFormat('ccc d LLL HH:mm');
          const what = current.length === 1 ? `"${first.title}" on ${when}` : `${current.length} dates of "${first.title}" from ${when}`;
          await deps.notify(
            { kind: 'payment_recorded', to: first.contactPhone, body: `Hubkey: ${hub.name} has your payment of ${gbp(due)}. Your booking ${what} is confirmed.`, dedupeKey: `payment_recorded:${payment.id}`, hubId: hub.id, bookingId: first.id },
            tx,
          );
        }
        return { created: true, payment, bookingIds: confirmed };
      });
      // After commit: door codes and rota shifts for the confirmed bookings.
      for (const id of result.bookingIds) {
        try {
          await deps.bookingChanged?.(id);
        } catch (err) {
          onError(err, `bookingChanged ${id}`);
        }
      }
      return present(result);
    },
  };
}
export type OfflinePaymentsService = ReturnType<typeof createOfflinePaymentsService>;
