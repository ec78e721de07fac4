/** Small in-memory stand-ins for the payments services' unit tests. */
import type { PaymentProvider } from '../../../src/adapters/payments/provider';
import type { PaymentRow, RefundRow } from '../../../src/modules/payments/payments.repository';

export const db = { transaction: <T>(fn: (tx: never) => Promise<T>) => fn({} as never) };

/** A payment provider that remembers what it was asked, honours idempotency keys, and fails on demand. */
export function fakeProvider() {
  const calls: { op: string; key?: string }[] = [];
  const byKey = new Map<string, unknown>();
  const failing = new Set<string>();
  let n = 0;
  const call = async <T>(op: string, key: string | undefined, make: () => T): Promise<T> => {
    calls.push({ op, key });
    if (failing.has(op)) {
      failing.delete(op);
      throw new Error(`${op} is down`);
    }
    if (key && byKey.has(key)) return byKey.get(key) as T;
    const out = make();
    if (key) byKey.set(key, out);
    return out;
  };
  const provider: PaymentProvider = {
    createCheckout: (i, key) => call('createCheckout', key, () => ({ id: `cs_${++n}`, url: `https://pay.example/cs_${n}`, expiresAt: i.expiresAt })),
    getCheckout: (id) => call('getCheckout', undefined, () => ({ status: 'open' as const, paid: false, paymentIntentId: null, id })),
    expireCheckout: (_id, key) => call('expireCheckout', key, () => undefined),
    createCustomer: (_i, key) => call('createCustomer', key, () => `cus_${++n}`),
    createInvoice: (_i, key) => call('createInvoice', key, () => `in_${++n}`),
    addInvoiceItem: (_i, key) => call('addInvoiceItem', key, () => undefined),
    finaliseInvoice: (_id, key) => call('finaliseInvoice', key, () => ({ dueAt: new Date('2026-04-01T00:00:00Z'), hostedUrl: 'https://pay.example/in' })),
    sendInvoice: (_id, key) => call('sendInvoice', key, () => undefined),
    voidInvoice: (_id, key) => call('voidInvoice', key, () => undefined),
    getInvoice: () => call('getInvoice', undefined, () => ({ status: 'open', paidAt: null })),
    createRefund: (_i, key) => call('createRefund', key, () => ({ id: `re_${++n}`, status: 'succeeded' as const })),
  };
  return { provider, calls, failNext: (op: string) => failing.add(op), done: (op: string) => calls.filter((c) => c.op === op) };
}

export function payment(over: Partial<PaymentRow> = {}): PaymentRow {
  return {
    id: 'pay-1',
    hubId: 'hub-1',
    organisationId: 'org-1',
    seriesId: null,
    method: 'invoice',
    status: 'pending',
    amountPence: 6000,
    currency: 'GBP',
    stripeCheckoutSessionId: null,
    checkoutUrl: null,
    stripePaymentIntentId: null,
    stripeCustomerId: null,
    stripeInvoiceId: null,
    hostedInvoiceUrl: null,
    expiresAt: null,
    dueAt: null,
    paidAt: null,
    lastError: null,
    offlineMethod: null,
    reference: null,
    createdBy: null,
    createdAt: new Date('2026-03-02T09:00:00Z'),
    updatedAt: new Date('2026-03-02T09:00:00Z'),
    ...over,
  };
}

export function refund(over: Partial<RefundRow> = {}): RefundRow {
  return {
    id: 'ref-1',
    paymentId: 'pay-1',
    bookingId: 'b-1',
    hubId: 'hub-1',
    amountPence: 4000,
    percent: 50,
    status: 'pending',
    stripeRefundId: null,
    reason: 'cancelled_by_hirer',
    lastError: null,
    createdBy: null,
    createdAt: new Date('2026-03-02T09:00:00Z'),
    updatedAt: new Date('2026-03-02T09:00:00Z'),
    ...over,
  };
}

export const booking = (over: Record<string, unknown> = {}) =>
  ({
    id: 'b-1',
    hubId: 'hub-1',
    roomId: 'room-1',
    organisationId: 'org-1',
    seriesId: null,
    title: 'Workshop',
    status: 'confirmed',
    startsAt: new Date('2026-03-12T10:00:00Z'),
    endsAt: new Date('2026-03-12T12:00:00Z'),
    price: { amountPence: 6000 },
    ...over,
  }) as never;
