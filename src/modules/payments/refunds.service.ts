import type { PaymentProvider } from '../../adapters/payments/provider';
import type { DbOrTx } from '../../db/client';
import { pageOf, type PageArgs } from '../../db/keyset';
import type { Clock } from '../../lib/clock';
import { forbidden } from '../../lib/errors';
import { MINUTE } from '../../lib/time';
import { type Actor, isStaffOf } from '../auth/actor';
import type { BookingRow } from '../bookings/bookings.repository';
import type { RefundSummary } from '../bookings/bookings.service';
import type { VenuesRepository } from '../venues/venues.repository';
import { refundAmount, refundPercent } from './payments.fns';
import type { PaymentsRepository, RefundRow, RefundStatus } from './payments.repository';

export const errText = (err: unknown) => String((err as Error)?.message ?? err).slice(0, 500);

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

/**
 * Refunds of card and offline payments. A card refund is recorded as a pending row in the
 * transaction that cancelled (or could not confirm) the booking; sending it to the provider comes
 * after, keyed by the row's id, so a crash in between loses nothing and a retry never refunds
 * twice. An offline payment's refund is recorded as `owed`: staff hand it back the way it came
 * (cash, transfer), and it is never sent to the provider.
 */
export function createRefundsService(deps: {
  payments: Pick<PaymentsRepository, 'paymentsOfBookings' | 'insertRefund' | 'updateRefund' | 'refundBy' | 'unsentRefunds' | 'getPayment' | 'listRefunds'>;
  venues: Pick<VenuesRepository, 'getHub'>;
  clock: Clock;
  /** Undefined when no provider is configured: refunds wait as pending rows. */
  provider?: Pick<PaymentProvider, 'createRefund'>;
  onError?: (err: unknown, context: string) => void;
}) {
  const { payments: repo, venues, clock, provider } = deps;
  const onError = deps.onError ?? (() => undefined);

  async function send(r: RefundRow): Promise<RefundRow> {
    if (r.stripeRefundId || r.status !== 'pending') return r;
    if (!provider) return repo.updateRefund(r.id, { lastError: 'Stripe is not configured' });
    const p = await repo.getPayment(r.paymentId);
    if (!p?.stripePaymentIntentId) return r;
    try {
      const s = await provider.createRefund({ paymentIntentId: p.stripePaymentIntentId, amountPence: r.amountPence, refundId: r.id, bookingId: r.bookingId }, `hubkey-refund-${r.id}`);
      return await repo.updateRefund(r.id, { stripeRefundId: s.id, status: s.status, lastError: null });
    } catch (err) {
      onError(err, `refund ${r.id}`);
      return repo.updateRefund(r.id, { lastError: errText(err) });
    }
  }

  return {
    /**
     * In tx: records what the card payments of these bookings get back, by the hub's policy or
     * in full (byStaff). Bookings refunded before are skipped. Returns the new pending rows.
     */
    async record(bookings: BookingRow[], opts: { byStaff: boolean; actorId: string | null; reason: string }, tx: DbOrTx): Promise<RefundRow[]> {
      const out: RefundRow[] = [];
      const paid = (await repo.paymentsOfBookings(bookings.map((b) => b.id), tx)).filter(
        (x) => x.payment.status === 'paid' && ((x.payment.method === 'card' && x.payment.stripePaymentIntentId) || x.payment.method === 'offline'),
      );
      for (const b of bookings) {
        const item = paid.find((x) => x.bookingId === b.id);
        if (!item) continue;
        const hub = await venues.getHub(b.hubId, tx);
        // Notice is counted from the refund basis (the earliest start the booking had), so a move never makes it more refundable.
        const percent = refundPercent(hub?.settings.cancellationPolicy ?? [], (b.refundBasisAt ?? b.startsAt).getTime() - clock.now().getTime(), opts.byStaff);
        const amountPence = refundAmount(item.amountPence, percent);
        if (amountPence <= 0) continue;
        const owed = item.payment.method === 'offline';
        const row = await repo.insertRefund(
          { paymentId: item.payment.id, bookingId: b.id, hubId: b.hubId, amountPence, percent, status: owed ? 'owed' : 'pending', reason: opts.reason, createdBy: opts.actorId, createdAt: clock.now() },
          tx,
        );
        if (row) out.push(row);
      }
      return out;
    },

    /** After commit: sends the recorded refunds now; what fails stays pending for the job. */
    async send(ids: string[]): Promise<RefundSummary[]> {
      const out: RefundSummary[] = [];
      for (const id of ids) {
        const row = await repo.refundBy({ id });
        if (!row) continue;
        const sent = await send(row);
        out.push({ id: sent.id, bookingId: sent.bookingId, amountPence: sent.amountPence, percent: sent.percent, status: sent.status });
      }
      return out;
    },

    /** Job: sends refunds recorded but not sent (a crash, the provider down). A minute's grace lets the request send its own. */
    async sendUnsent(): Promise<number> {
      if (!provider) return 0;
      let n = 0;
      for (const r of await repo.unsentRefunds(new Date(clock.now().getTime() - MINUTE), 50)) {
        if ((await send(r)).stripeRefundId) n++;
      }
      return n;
    },

    /** A page of the hub's refunds, newest first. */
    async listRefunds(actor: Actor, hubId: string, status: RefundStatus[] | undefined, p: PageArgs) {
      if (!isStaffOf(actor, hubId)) throw forbidden('Only staff of this hub may see its refunds');
      const { rows, next } = pageOf(await repo.listRefunds(hubId, status, { ...p, limit: p.limit + 1 }), p.limit, (r) => [r.cursorAt, r.refund.id]);
      return { items: rows.map((r) => presentRefund(r.refund)), next };
    },
  };
}
export type RefundsService = ReturnType<typeof createRefundsService>;
