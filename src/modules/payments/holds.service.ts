import type { PaymentProvider } from '../../adapters/payments/provider';
import type { Db, DbOrTx } from '../../db/client';
import type { Clock } from '../../lib/clock';
import type { BookingStatusChanges } from '../bookings/bookings.service';
import type { PaymentEventsService } from './payment-events.service';
import type { PaymentsRepository } from './payments.repository';

/**
 * Payment holds: a booking awaiting payment is held until its hold lapses; the job then asks the
 * provider whether its checkout was paid after all (confirming it) or expires the checkout, and
 * asks the bookings module to release what is still waiting.
 */
export function createHoldsService(deps: {
  db: Pick<Db, 'transaction'>;
  payments: Pick<PaymentsRepository, 'hold' | 'lapsedHolds' | 'paymentsOfBookings' | 'paymentForUpdate' | 'updatePayment' | 'dropHolds'>;
  bookingStatus: Pick<BookingStatusChanges, 'releaseHold'>;
  events: Pick<PaymentEventsService, 'settlePaid' | 'afterSettle'>;
  clock: Clock;
  provider?: Pick<PaymentProvider, 'getCheckout' | 'expireCheckout'>;
  bookingChanged?: (bookingId: string) => Promise<void>;
  /** Tells the hirers of released bookings (hold-notices.ts), in the release's transaction. */
  tellLapsed?: (bookingIds: string[], tx: DbOrTx) => Promise<void>;
  onError?: (err: unknown, context: string) => void;
}) {
  const { db, payments: repo, bookingStatus, events, clock, provider } = deps;
  const onError = deps.onError ?? (() => undefined);

  return {
    /** In the transaction that put bookings into awaiting_payment: hold them until `until`. */
    hold: (bookingIds: string[], until: Date, tx: DbOrTx) => repo.hold(bookingIds, until, tx),

    /** Job: holds past their time are released; their open checkouts are expired in the provider first (a paid one confirms instead). */
    async releaseLapsedHolds(): Promise<number> {
      const lapsed = await repo.lapsedHolds(clock.now(), 200);
      if (!lapsed.length) return 0;
      const ids = lapsed.map((l) => l.id);
      const open = (await repo.paymentsOfBookings(ids)).filter((x) => x.payment.method === 'card' && x.payment.status === 'open');
      const seen = new Set<string>();
      for (const { payment } of open) {
        if (seen.has(payment.id) || !payment.stripeCheckoutSessionId || !provider) continue;
        seen.add(payment.id);
        try {
          const s = await provider.getCheckout(payment.stripeCheckoutSessionId);
          if (s.status === 'complete' && s.paid) {
            const settled = await db.transaction(async (tx) => {
              const p = await repo.paymentForUpdate({ id: payment.id }, tx);
              return p ? events.settlePaid(p, s.paymentIntentId, tx) : { confirmed: [], released: [], refundIds: [] };
            });
            await events.afterSettle(settled);
            continue;
          }
          if (s.status === 'open') await provider.expireCheckout(payment.stripeCheckoutSessionId, `hubkey-expire-${payment.id}`);
        } catch (err) {
          onError(err, `expire checkout ${payment.id}`);
        }
      }
      const released = await db.transaction(async (tx) => {
        const out = await bookingStatus.releaseHold(ids, 'payment_hold_lapsed', tx);
        await repo.dropHolds(out, tx);
        await deps.tellLapsed?.(out, tx);
        for (const { payment } of open) {
          const p = await repo.paymentForUpdate({ id: payment.id }, tx);
          if (p?.status === 'open') await repo.updatePayment(p.id, { status: 'expired' }, tx);
        }
        return out;
      });
      for (const id of released) {
        try {
          await deps.bookingChanged?.(id);
        } catch (err) {
          onError(err, `bookingChanged ${id}`);
        }
      }
      return released.length;
    },
  };
}
export type HoldsService = ReturnType<typeof createHoldsService>;
