import type { PaymentEvent } from '../../adapters/payments/provider';
import type { Db, DbOrTx } from '../../db/client';
import type { Clock } from '../../lib/clock';
import type { BookingStatusChanges } from '../bookings/bookings.service';
import type { PaymentRow, PaymentsRepository } from './payments.repository';
import type { RefundsService } from './refunds.service';
import type { VenuesRepository } from '../venues/venues.repository';

/** What settling a payment changed, for the work after commit. */
export interface Settled {
  confirmed: string[];
  released: string[];
  refundIds: string[];
}
const NOTHING: Settled = { confirmed: [], released: [], refundIds: [] };

/**
 * Provider events (the signed webhook) and the settling of a checkout they report: a paid checkout
 * asks the bookings module to confirm its bookings (refunding any it cannot), a lapsed one asks it
 * to release them. Each event is handled at most once however often it is delivered.
 */
export function createPaymentEventsService(deps: {
  db: Pick<Db, 'transaction'>;
  payments: Pick<PaymentsRepository, 'recordEvent' | 'paymentForUpdate' | 'updatePayment' | 'itemsOf' | 'dropHolds' | 'refundBy' | 'updateRefund'>;
  /** The bookings module, which owns a booking's status. */
  bookingStatus: BookingStatusChanges;
  refunds: Pick<RefundsService, 'record' | 'send'>;
  /** A hub whose unpaid holds wait for staff (`settings.unpaidHolds`) keeps bookings whose checkout lapsed. */
  venues?: Pick<VenuesRepository, 'getHub'>;
  clock: Clock;
  /** Told after bookings are confirmed or released (door codes). */
  bookingChanged?: (bookingId: string) => Promise<void>;
  onError?: (err: unknown, context: string) => void;
}) {
  const { db, payments: repo, bookingStatus, refunds, clock } = deps;
  const onError = deps.onError ?? (() => undefined);

  /** In tx: a paid payment confirms its bookings; those the bookings module cannot confirm (the room was taken meanwhile) are refunded in full. */
  async function settlePaid(p: PaymentRow, paymentIntent: string | null, tx: DbOrTx): Promise<Settled> {
    if (p.status === 'paid') return NOTHING;
    await repo.updatePayment(p.id, { status: 'paid', paidAt: clock.now(), stripePaymentIntentId: paymentIntent ?? p.stripePaymentIntentId, lastError: null }, tx);
    const items = await repo.itemsOf(p.id, tx);
    const { confirmed, refused } = await bookingStatus.confirmPaid(
      items.map((i) => i.bookingId),
      tx,
    );
    await repo.dropHolds(confirmed, tx);
    const recorded = await refunds.record(refused, { byStaff: true, actorId: null, reason: 'paid_after_release' }, tx);
    return { confirmed, released: [], refundIds: recorded.map((r) => r.id) };
  }

  /**
   * In tx: a checkout that expired or failed releases its bookings still waiting for it, unless
   * their hub's unpaid holds wait for staff (they stay held: staff record payment or cancel).
   */
  async function settleLapsed(p: PaymentRow, status: 'expired' | 'failed', tx: DbOrTx): Promise<Settled> {
    if (p.status !== 'open' && p.status !== 'pending') return NOTHING;
    await repo.updatePayment(p.id, { status }, tx);
    const hub = await deps.venues?.getHub(p.hubId, tx);
    if (hub?.settings.unpaidHolds === 'wait_for_staff') return NOTHING;
    const released = await bookingStatus.releaseHold(
      (await repo.itemsOf(p.id, tx)).map((i) => i.bookingId),
      status === 'expired' ? 'payment_session_expired' : 'payment_failed',
      tx,
    );
    await repo.dropHolds(released, tx);
    return { ...NOTHING, released };
  }

  /** After commit: door codes for what changed, and the refunds recorded. Never throws; the jobs catch up. */
  async function afterSettle(s: Settled) {
    for (const id of [...s.confirmed, ...s.released]) {
      try {
        await deps.bookingChanged?.(id);
      } catch (err) {
        onError(err, `bookingChanged ${id}`);
      }
    }
    if (s.refundIds.length) await refunds.send(s.refundIds);
  }

  return {
    settlePaid,
    afterSettle,

    /** Handles one verified event, at most once however often it is delivered. */
    async handleEvent(event: PaymentEvent): Promise<'processed' | 'duplicate' | 'ignored'> {
      let settled = NOTHING;
      const outcome = await db.transaction(async (tx): Promise<'processed' | 'duplicate' | 'ignored'> => {
        if (!(await repo.recordEvent(event.id, event.type, tx))) return 'duplicate';
        switch (event.kind) {
          case 'checkout_paid': {
            const p = (await repo.paymentForUpdate({ sessionId: event.sessionId }, tx)) ?? (event.paymentId ? await repo.paymentForUpdate({ id: event.paymentId }, tx) : undefined);
            if (!p) return 'ignored';
            settled = await settlePaid(p, event.paymentIntentId, tx);
            return 'processed';
          }
          case 'checkout_lapsed': {
            const p = await repo.paymentForUpdate({ sessionId: event.sessionId }, tx);
            if (!p) return 'ignored';
            settled = await settleLapsed(p, event.outcome, tx);
            return 'processed';
          }
          case 'invoice_paid': {
            const p = (event.invoiceId ? await repo.paymentForUpdate({ invoiceId: event.invoiceId }, tx) : undefined) ?? (event.paymentId ? await repo.paymentForUpdate({ id: event.paymentId }, tx) : undefined);
            if (!p || p.status === 'paid') return 'ignored';
            await repo.updatePayment(p.id, { status: 'paid', paidAt: clock.now(), stripeInvoiceId: event.invoiceId ?? p.stripeInvoiceId }, tx);
            return 'processed';
          }
          case 'refund_update': {
            const row = (event.refundId ? await repo.refundBy({ id: event.refundId }, tx) : undefined) ?? (await repo.refundBy({ stripeId: event.providerRefundId }, tx));
            if (!row) return 'ignored';
            // A final status is never undone by an older event delivered late; failed and canceled are final.
            if ((row.status !== 'pending' && event.status === 'pending') || row.status === 'failed' || row.status === 'canceled') return 'ignored';
            await repo.updateRefund(row.id, { status: event.status, stripeRefundId: event.providerRefundId, lastError: event.status === 'failed' ? (event.failureReason ?? 'refund failed') : row.lastError }, tx);
            return 'processed';
          }
          default:
            return 'ignored';
        }
      });
      await afterSettle(settled);
      return outcome;
    },
  };
}
export type PaymentEventsService = ReturnType<typeof createPaymentEventsService>;
