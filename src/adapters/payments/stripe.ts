/**
 * The real Stripe client, pointed at `apiBase` so tests can aim it at a local fake
 * (test/fakes/fake-stripe.ts) that speaks the same REST protocol.
 */
import Stripe from 'stripe';
import { refundStatusOf, type PaymentEvent, type PaymentProvider } from './provider';

export const DEFAULT_STRIPE_API_BASE = 'https://api.stripe.com';

export interface StripeClientOptions {
  secretKey: string;
  /** `https://api.stripe.com` (default) or e.g. `http://127.0.0.1:12111` for a local fake. */
  apiBase?: string;
  /** Request timeout in ms; Stripe's default is 80 s. */
  timeoutMs?: number;
  /** Automatic retries of failed requests (with idempotency keys); default 0. */
  maxNetworkRetries?: number;
}

export interface StripeEndpoint {
  protocol: 'http' | 'https';
  host: string;
  port: number;
}

/** Splits an API base URL into the host, port and protocol the Stripe client takes. */
export function parseStripeApiBase(apiBase: string = DEFAULT_STRIPE_API_BASE): StripeEndpoint {
  let url: URL;
  try {
    url = new URL(apiBase);
  } catch {
    throw new Error(`Invalid Stripe API base URL: ${apiBase}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new Error(`Stripe API base must be http or https: ${apiBase}`);
  }
  if (url.pathname !== '/' && url.pathname !== '') {
    throw new Error(`Stripe API base must not have a path: ${apiBase}`);
  }
  const protocol = url.protocol === 'https:' ? 'https' : 'http';
  const port = url.port ? Number(url.port) : protocol === 'https' ? 443 : 80;
  return { protocol, host: url.hostname.replace(/^\[(.*)\]$/, '$1'), port };
}

export function createStripeClient(options: StripeClientOptions): Stripe {
  const { protocol, host, port } = parseStripeApiBase(options.apiBase);
  return new Stripe(options.secretKey, {
    host,
    port,
    protocol,
    maxNetworkRetries: options.maxNetworkRetries ?? 0,
    timeout: options.timeoutMs,
    telemetry: false,
    appInfo: { name: 'Hubkey' },
  });
}

const at = (unix: number | null | undefined) => (unix ? new Date(unix * 1000) : null);
const idOf = (v: string | { id: string } | null | undefined) => (typeof v === 'string' ? v : (v?.id ?? null));

/** The payment provider over the real Stripe client (see provider.ts). */
export function createStripeProvider(stripe: Stripe): PaymentProvider {
  return {
    async createCheckout(input, idempotencyKey) {
      const s = await stripe.checkout.sessions.create(
        {
          mode: 'payment',
          client_reference_id: input.paymentId,
          metadata: { paymentId: input.paymentId, hubId: input.hubId },
          payment_intent_data: { metadata: { paymentId: input.paymentId } },
          expires_at: Math.floor(input.expiresAt.getTime() / 1000),
          success_url: input.successUrl,
          cancel_url: input.cancelUrl,
          line_items: input.lines.map((l) => ({ quantity: 1, price_data: { currency: 'gbp', unit_amount: l.amountPence, product_data: { name: l.name } } })),
        },
        { idempotencyKey },
      );
      return { id: s.id, url: s.url, expiresAt: at(s.expires_at) };
    },
    async getCheckout(sessionId) {
      const s = await stripe.checkout.sessions.retrieve(sessionId);
      const status = (['open', 'complete', 'expired'] as const).find((x) => x === s.status) ?? null;
      return { status, paid: s.payment_status === 'paid' || s.payment_status === 'no_payment_required', paymentIntentId: idOf(s.payment_intent) };
    },
    async expireCheckout(sessionId, idempotencyKey) {
      await stripe.checkout.sessions.expire(sessionId, {}, { idempotencyKey });
    },
    async createCustomer(input, idempotencyKey) {
      return (await stripe.customers.create({ name: input.name, phone: input.phone ?? undefined, metadata: { organisationId: input.organisationId } }, { idempotencyKey })).id;
    },
    async createInvoice(input, idempotencyKey) {
      const inv = await stripe.invoices.create(
        {
          customer: input.customerId,
          collection_method: 'send_invoice',
          days_until_due: input.daysUntilDue,
          auto_advance: false,
          currency: 'gbp',
          description: input.description,
          metadata: { paymentId: input.paymentId, hubId: input.hubId },
        },
        { idempotencyKey },
      );
      return inv.id!;
    },
    async addInvoiceItem(input, idempotencyKey) {
      await stripe.invoiceItems.create(
        {
          customer: input.customerId,
          invoice: input.invoiceId,
          amount: input.amountPence,
          currency: 'gbp',
          description: input.description,
          metadata: { paymentId: input.paymentId, bookingId: input.bookingId },
        },
        { idempotencyKey },
      );
    },
    async finaliseInvoice(invoiceId, idempotencyKey) {
      const inv = await stripe.invoices.finalizeInvoice(invoiceId, {}, { idempotencyKey });
      return { dueAt: at(inv.due_date), hostedUrl: inv.hosted_invoice_url ?? null };
    },
    async sendInvoice(invoiceId, idempotencyKey) {
      await stripe.invoices.sendInvoice(invoiceId, {}, { idempotencyKey });
    },
    async voidInvoice(invoiceId, idempotencyKey) {
      await stripe.invoices.voidInvoice(invoiceId, {}, { idempotencyKey });
    },
    async getInvoice(invoiceId) {
      const inv = await stripe.invoices.retrieve(invoiceId);
      return { status: inv.status ?? null, paidAt: at(inv.status_transitions?.paid_at) };
    },
    async createRefund(input, idempotencyKey) {
      const r = await stripe.refunds.create({ payment_intent: input.paymentIntentId, amount: input.amountPence, metadata: { refundId: input.refundId, bookingId: input.bookingId } }, { idempotencyKey });
      return { id: r.id, status: refundStatusOf(r.status) };
    },
  };
}

/** Reduces a verified Stripe event to what Hubkey acts on. */
export function toPaymentEvent(event: Stripe.Event): PaymentEvent {
  const base = { id: event.id, type: event.type };
  switch (event.type) {
    case 'checkout.session.completed':
    case 'checkout.session.async_payment_succeeded': {
      const s = event.data.object;
      if (s.payment_status !== 'paid' && s.payment_status !== 'no_payment_required') return { ...base, kind: 'ignored' };
      return { ...base, kind: 'checkout_paid', sessionId: s.id, paymentId: s.metadata?.paymentId ?? null, paymentIntentId: idOf(s.payment_intent) };
    }
    case 'checkout.session.expired':
    case 'checkout.session.async_payment_failed':
      return { ...base, kind: 'checkout_lapsed', sessionId: event.data.object.id, outcome: event.type === 'checkout.session.expired' ? 'expired' : 'failed' };
    case 'invoice.paid': {
      const inv = event.data.object;
      return { ...base, kind: 'invoice_paid', invoiceId: inv.id ?? null, paymentId: inv.metadata?.paymentId ?? null };
    }
    case 'refund.created':
    case 'refund.updated':
    case 'refund.failed': {
      const r = event.data.object;
      return {
        ...base,
        kind: 'refund_update',
        providerRefundId: r.id,
        refundId: r.metadata?.refundId ?? null,
        status: event.type === 'refund.failed' ? 'failed' : refundStatusOf(r.status),
        failureReason: r.failure_reason ?? null,
      };
    }
    default:
      return { ...base, kind: 'ignored' };
  }
}

/** Verifies a webhook's signature over its raw bytes and reduces the event; throws when the signature does not match. */
export function createStripeEventVerifier(stripe: Stripe, webhookSecret: string) {
  return (raw: Buffer, signature: string): PaymentEvent => toPaymentEvent(stripe.webhooks.constructEvent(raw, signature, webhookSecret));
}
