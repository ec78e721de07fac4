import type { FastifyInstance } from 'fastify';
import type { Container } from '../../container';
import { formatMoney, formatWhen } from '../format';
import { staffOf } from './context';
import { STAFF_PAGE } from './page';
import { paymentTag } from './words';

const PAYMENT_ORDER: Record<string, number> = { failed: 0, overdue: 1, expired: 2, pending: 3, open: 4, paid: 5, void: 6 };
const REFUND_ORDER: Record<string, number> = { failed: 0, pending: 1, canceled: 2, succeeded: 3 };
const REFUND_WORDS: Record<string, { text: string; classes: string }> = {
  failed: { text: 'Failed', classes: 'govuk-tag--red' },
  pending: { text: 'Not sent yet', classes: 'govuk-tag--yellow' },
  canceled: { text: 'Cancelled', classes: 'govuk-tag--grey' },
  succeeded: { text: 'Refunded', classes: 'govuk-tag--green' },
};
const OFFLINE_HOW: Record<string, string> = { cash: 'cash', bank_transfer: 'bank transfer', cheque: 'cheque' };
const PAYMENT_WORDS: Record<string, { text: string; classes: string }> = {
  overdue: { text: 'Overdue', classes: 'govuk-tag--red' },
  expired: { text: 'Not paid in time', classes: 'govuk-tag--grey' },
  pending: { text: 'Being set up', classes: 'govuk-tag--yellow' },
  open: { text: 'Waiting to be paid', classes: 'govuk-tag--blue' },
};

/** The hub's card payments and invoices, then its refunds: failed ones first in each, then newest. */
export async function paymentsPages(app: FastifyInstance, { container }: { container: Container }) {
  const { invoices, refunds } = container.services;
  const { clock } = container;

  app.get('/staff/payments', STAFF_PAGE, async (request, reply) => {
    const { actor, hub } = staffOf(request);
    const now = clock.now();
    const at = (iso: string) => formatWhen(iso, iso, hub.timezone, { now }).replace(/ to .*$/, '');
    const [payments, refundList] = await Promise.all([invoices.listPayments(actor, hub.id, undefined, { limit: 100 }), refunds.listRefunds(actor, hub.id, undefined, { limit: 100 })]);
    const byOrder = <T extends { status: string; createdAt: string }>(order: Record<string, number>) => (a: T, b: T) => (order[a.status] ?? 9) - (order[b.status] ?? 9) || b.createdAt.localeCompare(a.createdAt);
    const pays = [...payments.items].sort(byOrder(PAYMENT_ORDER));
    const refs = [...refundList.items].sort(byOrder(REFUND_ORDER));
    return reply.view('staff/views/payments.njk', {
      title: 'Payments and refunds',
      navKey: 'payments',
      payments: pays.map((p) => ({
        ...p,
        amount: formatMoney(p.amountPence),
        how: p.method === 'card' ? 'Card' : p.method === 'invoice' ? 'Invoice' : `Taken at the hub: ${OFFLINE_HOW[p.offlineMethod ?? ''] ?? 'other'}${p.reference ? ` (${p.reference})` : ''}`,
        tag: PAYMENT_WORDS[p.status] ?? paymentTag(p.status),
        made: at(p.createdAt),
        due: p.dueAt ? at(p.dueAt) : undefined,
      })),
      refunds: refs.map((r) => ({ ...r, amount: formatMoney(r.amountPence), tag: REFUND_WORDS[r.status] ?? paymentTag(r.status), made: at(r.createdAt) })),
      failedPayments: pays.filter((p) => p.status === 'failed' || p.status === 'overdue').length,
      failedRefunds: refs.filter((r) => r.status === 'failed' || (r.status === 'pending' && r.lastError)).length,
      more: Boolean(payments.next || refundList.next),
    });
  });
}
