/**
 * What Hubkey asks of a card and invoice payment provider: the narrow interface the payments
 * services depend on. The real implementation is Stripe's (stripe.ts); tests run it against the
 * local fake (test/fakes/fake-stripe.ts), and unit tests hand the services a small in-memory one.
 * Every call that creates or changes something takes an idempotency key, so a retry (a job after a
 * crash) repeats nothing.
 */

export type ProviderRefundStatus = 'pending' | 'succeeded' | 'failed' | 'canceled';

export interface CheckoutInput {
  /** Our payment id: the session's client reference and metadata. */
  paymentId: string;
  hubId: string;
  expiresAt: Date;
  successUrl: string;
  cancelUrl: string;
  lines: { name: string; amountPence: number }[];
}

export interface CheckoutSession {
  id: string;
  url: string | null;
  expiresAt: Date | null;
}

export interface CheckoutState {
  status: 'open' | 'complete' | 'expired' | null;
  /** Paid (or nothing to pay): the booking may be confirmed. */
  paid: boolean;
  paymentIntentId: string | null;
}

/** A verified provider event, reduced to what Hubkey acts on. */
export type PaymentEvent = { id: string; type: string } & (
  | { kind: 'checkout_paid'; sessionId: string; paymentId: string | null; paymentIntentId: string | null }
  | { kind: 'checkout_lapsed'; sessionId: string; outcome: 'expired' | 'failed' }
  | { kind: 'invoice_paid'; invoiceId: string | null; paymentId: string | null }
  | { kind: 'refund_update'; providerRefundId: string; refundId: string | null; status: ProviderRefundStatus; failureReason: string | null }
  | { kind: 'ignored' }
);

export interface PaymentProvider {
  createCheckout(input: CheckoutInput, idempotencyKey: string): Promise<CheckoutSession>;
  getCheckout(sessionId: string): Promise<CheckoutState>;
  expireCheckout(sessionId: string, idempotencyKey: string): Promise<void>;

  createCustomer(input: { name: string; phone: string | null; organisationId: string }, idempotencyKey: string): Promise<string>;
  /** A draft invoice to be sent to the customer, due `daysUntilDue` after it is finalised. */
  createInvoice(input: { customerId: string; daysUntilDue: number; description: string; paymentId: string; hubId: string }, idempotencyKey: string): Promise<string>;
  addInvoiceItem(
    input: { customerId: string; invoiceId: string; amountPence: number; description: string; paymentId: string; bookingId: string },
    idempotencyKey: string,
  ): Promise<void>;
  finaliseInvoice(invoiceId: string, idempotencyKey: string): Promise<{ dueAt: Date | null; hostedUrl: string | null }>;
  sendInvoice(invoiceId: string, idempotencyKey: string): Promise<void>;
  voidInvoice(invoiceId: string, idempotencyKey: string): Promise<void>;
  getInvoice(invoiceId: string): Promise<{ status: string | null; paidAt: Date | null }>;

  createRefund(input: { paymentIntentId: string; amountPence: number; refundId: string; bookingId: string }, idempotencyKey: string): Promise<{ id: string; status: ProviderRefundStatus }>;
}

export function refundStatusOf(s: string | null | undefined): ProviderRefundStatus {
  return s === 'succeeded' || s === 'failed' || s === 'canceled' ? s : 'pending';
}
