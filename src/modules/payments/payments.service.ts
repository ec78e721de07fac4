import type { DbOrTx } from '../../db/client';
import type { BookingRow } from '../bookings/bookings.repository';
import type { PaymentHooks, PendingMoney, RefundSummary } from '../bookings/bookings.service';
import type { HoldsService } from './holds.service';
import type { InvoicesService } from './invoices.service';
import type { PaymentsRepository } from './payments.repository';
import type { RefundsService } from './refunds.service';

/**
 * What the bookings module asks of payments when bookings change (its PaymentHooks), and the job
 * that carries out recorded money work. Money work is recorded in the booking's own transaction
 * (a pending invoice payment, pending refund rows) and carried out after commit or by the job, so
 * a crash between the two loses nothing.
 */
export function createPaymentsService(deps: {
  payments: Pick<PaymentsRepository, 'paymentsOfBookings' | 'lapsingHoldsOf'>;
  holds: Pick<HoldsService, 'hold'>;
  invoices: Pick<InvoicesService, 'record' | 'cancelled' | 'voidNow' | 'issuePending' | 'voidEnded' | 'moved'>;
  refunds: Pick<RefundsService, 'record' | 'send' | 'sendUnsent'>;
  onError?: (err: unknown, context: string) => void;
}) {
  const { payments: repo, holds, invoices, refunds } = deps;
  const onError = deps.onError ?? (() => undefined);

  const hooks: PaymentHooks = {
    hold: holds.hold,
    holdsOf: (bookingIds: string[]) => repo.lapsingHoldsOf(bookingIds),
    async hasPayment(bookingId: string, tx: DbOrTx) {
      const rows = await repo.paymentsOfBookings([bookingId], tx);
      return rows.some(
        (x) =>
          x.payment.status !== 'expired' &&
          x.payment.status !== 'failed' &&
          x.payment.status !== 'void' &&
          // An invoice recorded but not yet issued has charged and sent nothing: the move re-quotes it.
          !(x.payment.method === 'invoice' && x.payment.status === 'pending' && !x.payment.stripeInvoiceId),
      );
    },
    moved: (booking: BookingRow, tx: DbOrTx) => invoices.moved(booking, tx),
    async invoice(rows: BookingRow[], actorId: string | null, tx: DbOrTx) {
      await invoices.record(rows, actorId, tx);
    },
    async cancelled(rows: BookingRow[], opts: { byStaff: boolean; actorId: string }, tx: DbOrTx): Promise<PendingMoney> {
      const recorded = await refunds.record(rows, { ...opts, reason: opts.byStaff ? 'cancelled_by_staff' : 'cancelled_by_hirer' }, tx);
      const voids = await invoices.cancelled(rows, tx);
      return { refundIds: recorded.map((r) => r.id), voidPaymentIds: voids };
    },
    async carryOut(work: PendingMoney): Promise<RefundSummary[]> {
      try {
        await invoices.voidNow(work.voidPaymentIds);
      } catch (err) {
        onError(err, 'void invoices of cancelled bookings');
      }
      try {
        return await refunds.send(work.refundIds);
      } catch (err) {
        onError(err, 'refund');
        return [];
      }
    },
  };

  return {
    hooks,

    /** Job: issues recorded invoices, voids those whose bookings all ended, and sends unsent refunds. */
    async retryPending(): Promise<number> {
      return (await invoices.voidEnded()) + (await invoices.issuePending()) + (await refunds.sendUnsent());
    },
  };
}
export type PaymentsService = ReturnType<typeof createPaymentsService>;
