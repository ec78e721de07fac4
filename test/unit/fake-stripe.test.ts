import Stripe from 'stripe';
import { createStripeClient, parseStripeApiBase } from '../../src/adapters/payments/stripe';
import { parseStripeForm, startFakeStripe, type FakeStripe } from '../fakes/fake-stripe';

let fake: FakeStripe;
let stripe: Stripe;

beforeAll(async () => {
  fake = await startFakeStripe();
  stripe = createStripeClient({ secretKey: 'sk_test_hubkey', apiBase: fake.url });
});
afterAll(async () => {
  await fake.close();
});
beforeEach(() => fake.reset());

async function rejection(promise: Promise<unknown>): Promise<Stripe.errors.StripeError> {
  try {
    await promise;
  } catch (err) {
    expect(err).toBeInstanceOf(Stripe.errors.StripeError);
    return err as Stripe.errors.StripeError;
  }
  throw new Error('expected the Stripe call to fail');
}

const inAnHour = () => Math.floor(Date.now() / 1000) + 3600;

function createSession(bookingId = 'b-123', unitAmount = 4500) {
  return stripe.checkout.sessions.create({
    mode: 'payment',
    line_items: [
      {
        quantity: 1,
        price_data: { currency: 'gbp', unit_amount: unitAmount, product_data: { name: 'Main hall, Tue 31 Mar 10:00-12:00' } },
      },
    ],
    metadata: { bookingId },
    payment_intent_data: { metadata: { bookingId } },
    client_reference_id: bookingId,
    expires_at: inAnHour(),
    success_url: 'https://hubkey.example/bookings/b-123?paid=1',
    cancel_url: 'https://hubkey.example/bookings/b-123',
  });
}

describe('parseStripeApiBase / createStripeClient', () => {
  test.each<[string | undefined, ReturnType<typeof parseStripeApiBase>]>([
    [undefined, { protocol: 'https', host: 'api.stripe.com', port: 443 }],
    ['https://api.stripe.com', { protocol: 'https', host: 'api.stripe.com', port: 443 }],
    ['http://127.0.0.1:12111', { protocol: 'http', host: '127.0.0.1', port: 12111 }],
    ['http://localhost', { protocol: 'http', host: 'localhost', port: 80 }],
    ['http://[::1]:8080/', { protocol: 'http', host: '::1', port: 8080 }],
  ])('%s', (base, expected) => {
    expect(parseStripeApiBase(base)).toEqual(expected);
  });

  test.each(['not a url', 'ftp://example.org', 'https://api.stripe.com/v1'])('refuses %s', (base) => {
    expect(() => parseStripeApiBase(base)).toThrow();
  });

  test('returns a working Stripe client', () => {
    const client = createStripeClient({ secretKey: 'sk_test_x' });
    expect(typeof client.checkout.sessions.create).toBe('function');
    expect(typeof client.webhooks.constructEvent).toBe('function');
  });
});

describe('checkout sessions', () => {
  test('create: the real client posts a form body the fake parses, and gets a session back', async () => {
    const session = await createSession();
    expect(session.id).toMatch(/^cs_test_/);
    expect(session).toMatchObject({
      object: 'checkout.session',
      status: 'open',
      payment_status: 'unpaid',
      amount_total: 4500,
      currency: 'gbp',
      metadata: { bookingId: 'b-123' },
      payment_intent: null,
      client_reference_id: 'b-123',
    });
    expect(session.url).toBe(`${fake.url}/c/pay/${session.id}`);
    expect(session.expires_at).toBeGreaterThan(Date.now() / 1000);

    const request = fake.requests.find((r) => r.method === 'POST' && r.path === '/v1/checkout/sessions');
    expect(request?.body).toMatchObject({
      mode: 'payment',
      metadata: { bookingId: 'b-123' },
      line_items: [{ quantity: '1', price_data: { currency: 'gbp', unit_amount: '4500' } }],
    });
    expect(fake.state.checkoutSessions.get(session.id)?.amount_total).toBe(4500);
    expect(fake.state.checkoutLineItems.get(session.id)?.[0].description).toBe('Main hall, Tue 31 Mar 10:00-12:00');
  });

  test('retrieve, complete (as the customer), and retrieve again', async () => {
    const created = await createSession();
    expect((await stripe.checkout.sessions.retrieve(created.id)).status).toBe('open');
    fake.completeCheckoutSession(created.id);
    const paid = await stripe.checkout.sessions.retrieve(created.id);
    expect(paid).toMatchObject({ status: 'complete', payment_status: 'paid' });
    expect(paid.payment_intent).toMatch(/^pi_/);
    expect(fake.state.paymentIntents.get(paid.payment_intent as string)).toMatchObject({ amount: 4500, metadata: { bookingId: 'b-123' } });
  });

  test('expire an open session; expiring it again is an invalid request', async () => {
    const created = await createSession();
    const expired = await stripe.checkout.sessions.expire(created.id);
    expect(expired.status).toBe('expired');
    const err = await rejection(stripe.checkout.sessions.expire(created.id));
    expect(err).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect(err.statusCode).toBe(400);
  });

  test('an unknown session is a 404 resource_missing', async () => {
    const err = await rejection(stripe.checkout.sessions.retrieve('cs_test_nope'));
    expect(err).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect(err.statusCode).toBe(404);
    expect(err.code).toBe('resource_missing');
  });

  test('a session without mode is refused with the param named', async () => {
    const err = await rejection(
      stripe.checkout.sessions.create({ line_items: [{ quantity: 1, price_data: { currency: 'gbp', unit_amount: 1, product_data: { name: 'x' } } }] }),
    );
    expect(err.statusCode).toBe(400);
    expect(err.param).toBe('mode');
  });
});

describe('customers and invoices', () => {
  test('customer + invoice (send_invoice, 14 days) + invoice item, finalize and send', async () => {
    const customer = await stripe.customers.create({ email: 'treasurer@parish.example', name: 'Parish Council', metadata: { organisationId: 'org-1' } });
    expect(customer.id).toMatch(/^cus_/);

    const invoice = await stripe.invoices.create({
      customer: customer.id,
      collection_method: 'send_invoice',
      days_until_due: 14,
      metadata: { bookingId: 'b-9' },
    });
    expect(invoice).toMatchObject({ status: 'draft', collection_method: 'send_invoice', days_until_due: 14, metadata: { bookingId: 'b-9' } });

    const item = await stripe.invoiceItems.create({
      customer: customer.id,
      invoice: invoice.id,
      amount: 4800,
      currency: 'gbp',
      description: 'Main hall, statutory rate',
    });
    expect(item.id).toMatch(/^ii_/);

    const finalized = await stripe.invoices.finalizeInvoice(invoice.id as string);
    expect(finalized).toMatchObject({ status: 'open', amount_due: 4800, total: 4800 });
    expect(finalized.number).toMatch(/^FAKE-/);
    expect(finalized.due_date).toBe((finalized.status_transitions.finalized_at as number) + 14 * 86_400);

    const sent = await stripe.invoices.sendInvoice(invoice.id as string);
    expect(sent.status).toBe('open');
    expect(fake.state.sentInvoices).toEqual([invoice.id]);

    fake.payInvoice(invoice.id as string);
    expect((await stripe.invoices.retrieve(invoice.id as string)).status).toBe('paid');
  });

  test('pending items join a new invoice only with pending_invoice_items_behavior=include', async () => {
    const customer = await stripe.customers.create({ name: 'NHS Trust' });
    await stripe.invoiceItems.create({ customer: customer.id, amount: 1200, currency: 'gbp' });
    const without = await stripe.invoices.create({ customer: customer.id, collection_method: 'send_invoice', days_until_due: 30 });
    expect(without.amount_due).toBe(0);
    const withItems = await stripe.invoices.create({
      customer: customer.id,
      collection_method: 'send_invoice',
      days_until_due: 30,
      pending_invoice_items_behavior: 'include',
    });
    expect(withItems.amount_due).toBe(1200);
    expect(withItems.lines.data).toHaveLength(1);
  });

  test('send_invoice without days_until_due, and sending a draft, are refused', async () => {
    const customer = await stripe.customers.create({ name: 'x' });
    const err = await rejection(stripe.invoices.create({ customer: customer.id, collection_method: 'send_invoice' }));
    expect(err.statusCode).toBe(400);
    const draft = await stripe.invoices.create({ customer: customer.id, collection_method: 'send_invoice', days_until_due: 7 });
    expect((await rejection(stripe.invoices.sendInvoice(draft.id as string))).statusCode).toBe(400);
  });

  test('void: an open invoice becomes void (replayed under its key), a paid or draft one is refused with a Stripe error', async () => {
    const customer = await stripe.customers.create({ name: 'County Council' });
    const open = async () => {
      const inv = await stripe.invoices.create({ customer: customer.id, collection_method: 'send_invoice', days_until_due: 30 });
      await stripe.invoiceItems.create({ customer: customer.id, invoice: inv.id, amount: 6000, currency: 'gbp' });
      return stripe.invoices.finalizeInvoice(inv.id as string);
    };
    const inv = await open();
    const voided = await stripe.invoices.voidInvoice(inv.id as string, {}, { idempotencyKey: 'void-1' });
    expect(voided).toMatchObject({ id: inv.id, object: 'invoice', status: 'void', amount_remaining: 0 });
    expect(voided.status_transitions.voided_at).toEqual(expect.any(Number));
    expect(fake.state.invoices.get(inv.id as string)!.status).toBe('void');
    // The same key replays the first answer rather than failing on the now-void invoice.
    const again = await stripe.invoices.voidInvoice(inv.id as string, {}, { idempotencyKey: 'void-1' });
    expect(again.status).toBe('void');
    expect(fake.requests.filter((r) => r.path === `/v1/invoices/${inv.id}/void`)).toHaveLength(2);
    // Without the key, a second void is refused, and a void invoice cannot be sent.
    expect((await rejection(stripe.invoices.voidInvoice(inv.id as string))).statusCode).toBe(400);
    expect((await rejection(stripe.invoices.sendInvoice(inv.id as string))).statusCode).toBe(400);

    const paid = await open();
    fake.payInvoice(paid.id as string);
    const err = await rejection(stripe.invoices.voidInvoice(paid.id as string, {}, { idempotencyKey: 'void-2' }));
    expect(err).toMatchObject({ statusCode: 400, type: 'StripeInvalidRequestError', code: 'invoice_not_editable' });
    expect(err.message).toMatch(/already paid/);
    expect(fake.state.invoices.get(paid.id as string)!.status).toBe('paid');

    const draft = await stripe.invoices.create({ customer: customer.id, collection_method: 'send_invoice', days_until_due: 7 });
    expect((await rejection(stripe.invoices.voidInvoice(draft.id as string))).statusCode).toBe(400);
    expect((await rejection(stripe.invoices.voidInvoice('in_nope'))).statusCode).toBe(404);
  });

  test('void answers with Stripe\'s error object on the wire', async () => {
    const customer = await stripe.customers.create({ name: 'x' });
    const inv = await stripe.invoices.create({ customer: customer.id, collection_method: 'send_invoice', days_until_due: 7 });
    await stripe.invoiceItems.create({ customer: customer.id, invoice: inv.id, amount: 100, currency: 'gbp' });
    await stripe.invoices.finalizeInvoice(inv.id as string);
    fake.payInvoice(inv.id as string);
    const res = await fetch(`${fake.url}/v1/invoices/${inv.id}/void`, { method: 'POST', headers: { Authorization: 'Bearer sk_test_x' } });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ error: { type: 'invalid_request_error', message: expect.stringContaining('already paid'), code: 'invoice_not_editable' } });
  });

  test('an invoice item for an unknown customer is a 404', async () => {
    const err = await rejection(stripe.invoiceItems.create({ customer: 'cus_nope', amount: 100, currency: 'gbp' }));
    expect(err.statusCode).toBe(404);
  });
});

describe('refunds', () => {
  async function paidSession(amount = 4500) {
    const session = await createSession('b-r', amount);
    return fake.completeCheckoutSession(session.id).payment_intent as string;
  }

  test('partial then full refund, then nothing left to refund', async () => {
    const pi = await paidSession();
    const first = await stripe.refunds.create({ payment_intent: pi, amount: 1000 });
    expect(first.id).toMatch(/^re_/);
    expect(first).toMatchObject({ status: 'succeeded', amount: 1000, payment_intent: pi });

    const tooMuch = await rejection(stripe.refunds.create({ payment_intent: pi, amount: 4000 }));
    expect(tooMuch.code).toBe('amount_too_large');

    const rest = await stripe.refunds.create({ payment_intent: pi });
    expect(rest.amount).toBe(3500);
    expect((await rejection(stripe.refunds.create({ payment_intent: pi }))).code).toBe('charge_already_refunded');

    expect((await stripe.refunds.retrieve(first.id)).amount).toBe(1000);
  });

  test('a pending refund settles later', async () => {
    const pi = fake.createPaymentIntent({ amount: 2000 }).id;
    fake.state.refundStatus = 'pending';
    const refund = await stripe.refunds.create({ payment_intent: pi, amount: 2000 });
    expect(refund.status).toBe('pending');
    fake.settleRefund(refund.id);
    expect((await stripe.refunds.retrieve(refund.id)).status).toBe('succeeded');
  });

  test('a refund for an unknown payment intent is a 404', async () => {
    expect((await rejection(stripe.refunds.create({ payment_intent: 'pi_nope' }))).statusCode).toBe(404);
  });
});

describe('protocol details', () => {
  test('an injected 500 reaches the client as a StripeAPIError', async () => {
    fake.failNext({ status: 500, match: /^POST \/v1\/refunds$/ });
    const pi = fake.createPaymentIntent({ amount: 100 }).id;
    expect(await rejection(stripe.refunds.create({ payment_intent: pi }))).toBeInstanceOf(Stripe.errors.StripeAPIError);
    expect((await stripe.refunds.create({ payment_intent: pi })).status).toBe('succeeded');
  });

  test('stripe-node retries one dropped connection itself, with the same idempotency key', async () => {
    fake.failNext({ drop: true });
    const customer = await stripe.customers.create({ name: 'x' });
    expect(customer.id).toMatch(/^cus_/);
    const posts = fake.requests.filter((r) => r.path === '/v1/customers');
    expect(posts).toHaveLength(2);
    expect(posts[0].idempotencyKey).toMatch(/^stripe-node-retry-/);
    expect(posts[1].idempotencyKey).toBe(posts[0].idempotencyKey);
  });

  test('two dropped connections reach the client as a StripeConnectionError', async () => {
    fake.failNext({ drop: true });
    fake.failNext({ drop: true });
    expect(await rejection(stripe.customers.create({ name: 'x' }))).toBeInstanceOf(Stripe.errors.StripeConnectionError);
  });

  test('a response lost after the work was done: the retry replays it, nothing is done twice', async () => {
    const pi = fake.createPaymentIntent({ amount: 3000 }).id;
    fake.failNext({ drop: 'after', match: /^POST \/v1\/refunds$/ });
    const refund = await stripe.refunds.create({ payment_intent: pi, amount: 3000 });
    expect(refund.amount).toBe(3000);
    expect(fake.state.refunds.size).toBe(1);
  });

  test('an idempotency key replays the first answer, and refuses other parameters', async () => {
    const a = await stripe.customers.create({ name: 'Same' }, { idempotencyKey: 'k-1' });
    const b = await stripe.customers.create({ name: 'Same' }, { idempotencyKey: 'k-1' });
    expect(b.id).toBe(a.id);
    expect(fake.state.customers.size).toBe(1);
    const err = await rejection(stripe.customers.create({ name: 'Other' }, { idempotencyKey: 'k-1' }));
    expect(err).toBeInstanceOf(Stripe.errors.StripeIdempotencyError);
  });

  test('a request without an API key is a 401; an unknown path is a 404', async () => {
    const res = await fetch(`${fake.url}/v1/customers`, { method: 'POST' });
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ error: expect.objectContaining({ type: 'invalid_request_error' }) });
    const err = await rejection(stripe.products.create({ name: 'x' }));
    expect(err.statusCode).toBe(404);
  });

  test('parseStripeForm reads bracket notation into objects and arrays', () => {
    expect(
      parseStripeForm('line_items[0][price_data][unit_amount]=4500&line_items[0][quantity]=1&line_items[1][quantity]=2&metadata[bookingId]=b1&expand[]=x&expand[]=y&__proto__[polluted]=1'),
    ).toEqual({
      line_items: [{ price_data: { unit_amount: '4500' }, quantity: '1' }, { quantity: '2' }],
      metadata: { bookingId: 'b1' },
      expand: ['x', 'y'],
    });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('webhook signatures, offline', () => {
  const secret = 'whsec_test_secret';

  test('a signed event verifies and parses', async () => {
    const session = fake.completeCheckoutSession((await createSession()).id);
    const payload = JSON.stringify(fake.makeEvent('checkout.session.completed', session));
    const header = stripe.webhooks.generateTestHeaderString({ payload, secret });
    const event = stripe.webhooks.constructEvent(payload, header, secret);
    expect(event.type).toBe('checkout.session.completed');
    expect((event.data.object as Stripe.Checkout.Session).metadata).toEqual({ bookingId: 'b-123' });
    expect(stripe.webhooks.constructEvent(Buffer.from(payload), header, secret).id).toBe(event.id);
  });

  test.each<[string, (payload: string, header: string) => [string, string, string]]>([
    ['a tampered payload', (p, h) => [p.replace('"paid"', '"unpaid"'), h, secret]],
    ['a different secret', (p, h) => [p, h, 'whsec_other']],
    ['a mangled header', (p, h) => [p, h.replace(/v1=[0-9a-f]{4}/, 'v1=0000'), secret]],
  ])('%s is rejected', (_name, tamper) => {
    const payload = JSON.stringify(fake.makeEvent('checkout.session.completed', { id: 'cs_test_1', payment_status: 'paid' }));
    const header = stripe.webhooks.generateTestHeaderString({ payload, secret });
    const [p, h, s] = tamper(payload, header);
    expect(() => stripe.webhooks.constructEvent(p, h, s)).toThrow(Stripe.errors.StripeSignatureVerificationError);
  });

  test('a signature older than the tolerance is rejected', () => {
    const payload = JSON.stringify(fake.makeEvent('refund.updated', { id: 're_1' }));
    const header = stripe.webhooks.generateTestHeaderString({ payload, secret, timestamp: Math.floor(Date.now() / 1000) - 600 });
    expect(() => stripe.webhooks.constructEvent(payload, header, secret, 300)).toThrow(Stripe.errors.StripeSignatureVerificationError);
  });
});
