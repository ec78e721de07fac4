import { FixedClock } from '../../../src/lib/clock';
import { createInvoicesService } from '../../../src/modules/payments/invoices.service';
import { createRefundsService } from '../../../src/modules/payments/refunds.service';
import type { PaymentRow, RefundRow } from '../../../src/modules/payments/payments.repository';
import { booking, fakeProvider, payment, refund } from './fakes';

const clock = new FixedClock('2026-03-02T09:00:00Z');
const hub = { id: 'hub-1', name: 'Elm Hub', timezone: 'Europe/London', settings: { invoiceDueDays: 30, cancellationPolicy: [{ minNoticeHours: 48, refundPercent: 50 }] } };

/** A payments repository over one payment and its refunds. */
function memoryRepo(p: PaymentRow, items: { bookingId: string; amountPence: number; booking: ReturnType<typeof booking> }[]) {
  const refunds: RefundRow[] = [];
  let customer: string | undefined;
  const update = async (_id: string, values: Partial<PaymentRow>) => Object.assign(p, values);
  return {
    p,
    refunds,
    insertPayment: async () => p,
    updatePayment: update,
    updatePaymentIf: async (_id: string, from: string[], values: Partial<PaymentRow>) => (from.includes(p.status) ? update(p.id, values) : undefined),
    getPayment: async () => p,
    itemsOf: async () => items,
    paymentsOfBookings: async () => items.map((i) => ({ payment: p, bookingId: i.bookingId, amountPence: i.amountPence })),
    customerOf: async () => customer,
    saveCustomer: async (_org: string, id: string) => {
      customer = id;
    },
    pendingInvoices: async () => (p.status === 'pending' ? [p] : []),
    invoicesToVoid: async () => [],
    markOverdue: async () => [],
    listForHub: async () => [],
    insertRefund: async (values: Partial<RefundRow>) => {
      if (refunds.some((r) => r.bookingId === values.bookingId)) return undefined;
      const row = refund({ ...values, id: `ref-${refunds.length + 1}` });
      refunds.push(row);
      return row;
    },
    updateRefund: async (id: string, values: Partial<RefundRow>) => Object.assign(refunds.find((r) => r.id === id)!, values),
    refundBy: async (by: { id?: string }) => refunds.find((r) => r.id === by.id),
    unsentRefunds: async () => refunds.filter((r) => r.status === 'pending' && !r.stripeRefundId),
    listRefunds: async () => [],
  };
}

describe('invoices service', () => {
  const org = { id: 'org-1', name: 'County Council', contactPhone: null };

  function wire(p = payment()) {
    const repo = memoryRepo(p, [{ bookingId: 'b-1', amountPence: 6000, booking: booking() }]);
    const fake = fakeProvider();
    const svc = createInvoicesService({ payments: repo as never, venues: { getHub: async () => hub as never }, organisations: { get: async () => org as never }, clock, provider: fake.provider });
    return { repo, fake, svc };
  }

  it('records only priced bookings, as one pending payment', async () => {
    const { svc } = wire();
    expect(await svc.record([booking({ price: null })], null, {} as never)).toBeUndefined();
    expect(await svc.record([booking()], null, {} as never)).toMatchObject({ status: 'pending' });
  });

  it('issues a pending invoice: customer, invoice, item, finalise, send, each with its own key', async () => {
    const { svc, fake, repo } = wire();
    expect(await svc.issuePending()).toBe(1);
    expect(fake.calls.map((c) => c.op)).toEqual(['createCustomer', 'createInvoice', 'addInvoiceItem', 'finaliseInvoice', 'sendInvoice']);
    expect(fake.calls.map((c) => c.key)).toEqual(['hubkey-customer-org-1', 'hubkey-invoice-pay-1', 'hubkey-invoiceitem-pay-1-b-1', 'hubkey-finalize-pay-1', 'hubkey-send-pay-1']);
    expect(repo.p).toMatchObject({ status: 'open', hostedInvoiceUrl: 'https://pay.example/in', lastError: null });
  });

  it('a failure half-way leaves the payment pending with the error; the next run finishes with the same keys', async () => {
    const { svc, fake, repo } = wire();
    fake.failNext('finaliseInvoice');
    expect(await svc.issuePending()).toBe(0);
    expect(repo.p).toMatchObject({ status: 'pending', lastError: 'finaliseInvoice is down' });
    expect(await svc.issuePending()).toBe(1);
    expect(new Set(fake.done('createInvoice').map((c) => c.key)).size).toBe(1);
    expect(fake.done('sendInvoice')).toHaveLength(1);
  });

  it('voids a never-issued invoice in the cancelling transaction without asking the provider', async () => {
    const p = payment();
    const repo = memoryRepo(p, [{ bookingId: 'b-1', amountPence: 6000, booking: booking({ status: 'cancelled' }) }]);
    const fake = fakeProvider();
    const svc = createInvoicesService({ payments: repo as never, venues: { getHub: async () => hub as never }, organisations: { get: async () => org as never }, clock, provider: fake.provider });
    expect(await svc.cancelled([booking({ status: 'cancelled' })], {} as never)).toEqual([]);
    expect(p.status).toBe('void');
    expect(fake.calls).toEqual([]);
  });
});

describe('refunds service', () => {
  function wire() {
    const repo = memoryRepo(payment({ method: 'card', status: 'paid', stripePaymentIntentId: 'pi_1' }), [{ bookingId: 'b-1', amountPence: 8000, booking: booking() }]);
    const fake = fakeProvider();
    const svc = createRefundsService({ payments: repo as never, venues: { getHub: async () => hub as never }, clock, provider: fake.provider });
    return { repo, fake, svc };
  }

  it('records a refund by the hub policy once, and sends it once with its own key', async () => {
    const { svc, fake, repo } = wire();
    const rows = await svc.record([booking()], { byStaff: false, actorId: null, reason: 'cancelled_by_hirer' }, {} as never);
    expect(rows).toEqual([expect.objectContaining({ amountPence: 4000, percent: 50, status: 'pending' })]);
    expect(await svc.record([booking()], { byStaff: false, actorId: null, reason: 'again' }, {} as never)).toEqual([]);
    expect(await svc.send([rows[0].id])).toEqual([expect.objectContaining({ status: 'succeeded' })]);
    await svc.send([rows[0].id]);
    expect(fake.done('createRefund')).toEqual([{ op: 'createRefund', key: `hubkey-refund-${rows[0].id}` }]);
    expect(repo.refunds[0].stripeRefundId).toMatch(/^re_/);
  });

  it('leaves a refund the provider refused pending for the job, which sends it', async () => {
    const { svc, fake, repo } = wire();
    const [row] = await svc.record([booking()], { byStaff: true, actorId: null, reason: 'cancelled_by_staff' }, {} as never);
    fake.failNext('createRefund');
    expect(await svc.send([row.id])).toEqual([expect.objectContaining({ status: 'pending', amountPence: 8000 })]);
    expect(repo.refunds[0].lastError).toBe('createRefund is down');
    expect(await svc.sendUnsent()).toBe(1);
    expect(await svc.sendUnsent()).toBe(0);
  });
});
