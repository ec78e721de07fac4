import { and, eq } from 'drizzle-orm';
import Stripe from 'stripe';
import { outbox } from '../../src/db/schema';
import { createTestApp, type TestApp } from '../helpers/app';
import { addRole, expectProblem, makeOrg, makeRoom, makeUser, makeWorld } from '../helpers/factories';
import { RATES, seedCard } from '../helpers/pricing';
import { type FakeStripe, startFakeStripe } from '../fakes/fake-stripe';
import { JOBS, runJob } from '../../src/worker/jobs';
import type { PaymentHooks } from '../../src/modules/bookings/bookings.service';

// The clock reads Monday 2026-03-02 09:00Z; hubs hold unpaid bookings for 30 minutes and give invoices 30 days.
const SECRET = 'whsec_test_hubkey_secret';
/** The phone of a staff member of the hub, for staff alerts. */
const STAFF_PHONE = '+447700900614';
let fake: FakeStripe;
let t: TestApp;
let w: Awaited<ReturnType<typeof makeWorld>>;
const signer = new Stripe('sk_test_signer');
beforeAll(async () => {
  fake = await startFakeStripe({ now: () => (t ? t.clock.now() : new Date('2026-03-02T09:00:00Z')) });
  t = await createTestApp({ env: { STRIPE_SECRET_KEY: 'sk_test_hubkey', STRIPE_WEBHOOK_SECRET: SECRET, STRIPE_API_BASE: fake.url } });
  w = await makeWorld(t);
  await seedCard(t, w.hub.id); // private: 40.00 an hour
});
afterAll(async () => {
  // Leave no alerts of ours pending for another file's sender on a shared database.
  await t.container.database.db.update(outbox).set({ status: 'failed', lastError: 'test cleanup' }).where(and(eq(outbox.status, 'pending'), eq(outbox.to, STAFF_PHONE)));
  await t.close();
  await fake.close();
});

let day = 0;
/** A fresh weekday each time, 10 to 30 days ahead. */
const nextDay = () => new Date(Date.UTC(2026, 2, 12 + day++)).toISOString().slice(0, 10);
const book = async (organisationId = w.org.id, date = nextDay(), auth = w.hirer.auth) => {
  const res = await t.http.post('/bookings').set(auth).send({ roomId: w.room.id, organisationId, title: 'Workshop', attendees: 8, startsAt: `${date}T10:00:00`, endsAt: `${date}T12:00:00` });
  expect(res.status).toBe(201);
  return res.body as { id: string; status: string; price: { amountPence: number } };
};
const statusOf = async (id: string) => (await t.http.get(`/bookings/${id}`).set(w.hirer.auth)).body.status;
const checkout = (id: string, auth = w.hirer.auth, body: Record<string, unknown> = {}) => t.http.post(`/bookings/${id}/checkout`).set(auth).send(body);
const sessionOf = (url: string) => fake.state.checkoutSessions.get(url.split('/').pop()!)!;
function post(event: unknown, opts: { tamper?: (payload: string) => string; signature?: string } = {}) {
  const payload = JSON.stringify(event);
  const header = opts.signature ?? signer.webhooks.generateTestHeaderString({ payload, secret: SECRET });
  return t.http
    .post('/webhooks/stripe')
    .set('content-type', 'application/json')
    .set('stripe-signature', header)
    .send(opts.tamper ? opts.tamper(payload) : payload);
}
const job = (name: string) => runJob(t.container, JOBS.find((j) => j.name === name)!);

async function paidBooking(date = nextDay()) {
  const b = await book(w.org.id, date);
  const co = await checkout(b.id);
  const session = fake.completeCheckoutSession(sessionOf(co.body.checkoutUrl).id);
  expect((await post(fake.makeEvent('checkout.session.completed', session))).status).toBe(200);
  expect(await statusOf(b.id)).toBe('confirmed');
  return b;
}

describe('card payment through Stripe Checkout', () => {
  it('holds the booking, takes payment, confirms on the signed webhook, and handles a replay once', async () => {
    const b = await book();
    expect(b).toMatchObject({ status: 'awaiting_payment', price: { amountPence: 8000 } });
    const co = await checkout(b.id);
    expect(co.status).toBe(200);
    expect(co.body).toMatchObject({ amountPence: 8000, checkoutUrl: expect.stringContaining(fake.url) });
    const session = sessionOf(co.body.checkoutUrl);
    expect(session).toMatchObject({ mode: 'payment', amount_total: 8000, currency: 'gbp', metadata: { paymentId: co.body.paymentId } });
    // Asking again gives the same open session.
    expect((await checkout(b.id)).body.checkoutUrl).toBe(co.body.checkoutUrl);

    const event = fake.makeEvent('checkout.session.completed', fake.completeCheckoutSession(session.id));
    const first = await post(event);
    expect(first.status).toBe(200);
    expect(first.body).toEqual({ received: true, result: 'processed' });
    expect(await statusOf(b.id)).toBe('confirmed');
    const replay = await post(event);
    expect(replay.body).toEqual({ received: true, result: 'duplicate' });
    expect(await statusOf(b.id)).toBe('confirmed');

    const list = await t.http.get(`/hubs/${w.hub.id}/payments`).set(w.staff.auth).query({ status: 'paid' });
    expect(list.body.items).toEqual(expect.arrayContaining([expect.objectContaining({ id: co.body.paymentId, method: 'card', status: 'paid', amountPence: 8000, bookingIds: [b.id] })]));
  });

  it('refuses a webhook whose signature does not match the bytes, and changes nothing', async () => {
    const b = await book();
    const co = await checkout(b.id);
    const event = fake.makeEvent('checkout.session.completed', fake.completeCheckoutSession(sessionOf(co.body.checkoutUrl).id));
    expectProblem(await post(event, { tamper: (p) => p.replace('"paid"', '"paid" ') }), 400, 'invalid_signature');
    expectProblem(await post(event, { signature: 't=1,v1=deadbeef' }), 400, 'invalid_signature');
    expectProblem(await t.http.post('/webhooks/stripe').set('content-type', 'application/json').send(JSON.stringify(event)), 400, 'invalid_signature');
    expect(await statusOf(b.id)).toBe('awaiting_payment');
    // The genuine delivery still goes through: the refused ones were not recorded.
    expect((await post(event)).body.result).toBe('processed');
    expect(await statusOf(b.id)).toBe('confirmed');
  });

  it('acknowledges events it does not handle', async () => {
    expect((await post(fake.makeEvent('customer.created', { id: 'cus_x', object: 'customer' }))).body).toEqual({ received: true, result: 'ignored' });
  });

  it('releases the hold when it lapses: the job expires the booking and the Stripe session', async () => {
    const b = await book();
    const co = await checkout(b.id);
    t.clock.advance(31 * 60_000);
    try {
      expect(await job('payments.release-lapsed-holds')).toBeGreaterThanOrEqual(1);
      expect(await statusOf(b.id)).toBe('expired');
      expect(sessionOf(co.body.checkoutUrl).status).toBe('expired');
      expectProblem(await checkout(b.id), 422, 'not_awaiting_payment');
      // Safe to run again.
      expect(await job('payments.release-lapsed-holds')).toBe(0);
    } finally {
      t.clock.set('2026-03-02T09:00:00Z');
    }
  });

  it('confirms instead of releasing when the session was paid but the webhook has not come', async () => {
    const b = await book();
    const co = await checkout(b.id);
    fake.completeCheckoutSession(sessionOf(co.body.checkoutUrl).id);
    t.clock.advance(31 * 60_000);
    try {
      await job('payments.release-lapsed-holds');
      expect(await statusOf(b.id)).toBe('confirmed');
    } finally {
      t.clock.set('2026-03-02T09:00:00Z');
    }
  });

  it('releases the booking when Stripe says the session expired', async () => {
    const b = await book();
    const co = await checkout(b.id);
    const session = { ...sessionOf(co.body.checkoutUrl), status: 'expired', url: null };
    expect((await post(fake.makeEvent('checkout.session.expired', session))).body.result).toBe('processed');
    expect(await statusOf(b.id)).toBe('expired');
  });

  it('handles events in any order: a payment completed after the expiry event confirms the still-free slot', async () => {
    const b = await book();
    const co = await checkout(b.id);
    const s = sessionOf(co.body.checkoutUrl);
    await post(fake.makeEvent('checkout.session.expired', { ...s, status: 'expired' }));
    expect(await statusOf(b.id)).toBe('expired');
    await post(fake.makeEvent('checkout.session.completed', fake.completeCheckoutSession(s.id)));
    expect(await statusOf(b.id)).toBe('confirmed');
    // A late expiry of a paid session changes nothing.
    await post(fake.makeEvent('checkout.session.expired', { ...s, status: 'expired' }));
    expect(await statusOf(b.id)).toBe('confirmed');
  });

  it('pays for a whole series in one checkout', async () => {
    const res = await t.http
      .post('/bookings')
      .set(w.hirer.auth)
      .send({ roomId: w.smallRoom.id, organisationId: w.org.id, title: 'Weekly', attendees: 4, startsAt: '2026-04-06T14:00:00', endsAt: '2026-04-06T15:00:00', recurrence: { weekdays: [1], count: 3 } });
    expect(res.status).toBe(201);
    const ids = res.body.bookings.map((b: { id: string }) => b.id);
    const co = await checkout(ids[0], w.hirer.auth, { scope: 'series' });
    expect(co.body.amountPence).toBe(3 * 4000);
    await post(fake.makeEvent('checkout.session.completed', fake.completeCheckoutSession(sessionOf(co.body.checkoutUrl).id)));
    for (const id of ids) expect(await statusOf(id)).toBe('confirmed');
  });

  it('confirms a free booking without payment', async () => {
    const room = await makeRoom(t, w.hub.id);
    await seedCard(t, w.hub.id, { roomId: room.id, tiers: { ...RATES, private: { hourlyPence: 0 } } });
    const res = await t.http.post('/bookings').set(w.hirer.auth).send({ roomId: room.id, organisationId: w.org.id, title: 'Free', attendees: 2, startsAt: '2026-03-20T10:00:00', endsAt: '2026-03-20T11:00:00' });
    expect(res.body).toMatchObject({ status: 'confirmed', price: { amountPence: 0 } });
    expectProblem(await checkout(res.body.id), 422, 'not_awaiting_payment');
  });

  it('lets only the organisation or hub staff check out, and checks input', async () => {
    const b = await book();
    expectProblem(await checkout(b.id, w.stranger.auth), 404, 'not_found');
    expectProblem(await checkout(b.id, w.otherStaff.auth), 404, 'not_found');
    expectProblem(await t.http.post(`/bookings/${b.id}/checkout`).send({}), 401, 'unauthenticated');
    expectProblem(await checkout(b.id, w.hirer.auth, { scope: 'all' }), 400, 'validation_failed');
    expectProblem(await checkout('not-a-uuid'), 400, 'validation_failed');
    expect((await checkout(b.id, w.staff.auth)).status).toBe(200);
  });
});

describe('invoices', () => {
  it('confirms an invoice payer at once, sends a Stripe invoice due in the hub\'s terms, and marks it paid', async () => {
    const org = await makeOrg(t, [w.hirer.id], { claimedTier: 'statutory', paysByInvoice: true, name: 'County Council' });
    const calls = fake.requests.length;
    const b = await book(org.id);
    expect(b).toMatchObject({ status: 'confirmed', price: { amountPence: 6000 } });
    // The request only recorded the invoice (a pending payment); the job issues it in Stripe.
    expect(fake.requests.length).toBe(calls);
    expect(await job('payments.retry-pending')).toBe(1);
    const invoice = [...fake.state.invoices.values()].find((i) => i.metadata.paymentId && i.amount_due === 6000)!;
    expect(invoice).toMatchObject({ collection_method: 'send_invoice', days_until_due: 30, status: 'open' });
    expect(fake.state.sentInvoices).toContain(invoice.id);
    const open = await t.http.get(`/hubs/${w.hub.id}/payments`).set(w.staff.auth).query({ status: 'open' });
    const row = open.body.items.find((p: { stripeInvoiceId: string }) => p.stripeInvoiceId === invoice.id);
    expect(row).toMatchObject({ method: 'invoice', status: 'open', amountPence: 6000, organisationName: 'County Council', bookingIds: [b.id] });

    const paid = fake.payInvoice(invoice.id);
    expect((await post(fake.makeEvent('invoice.paid', paid))).body.result).toBe('processed');
    const after = await t.http.get(`/hubs/${w.hub.id}/payments`).set(w.staff.auth).query({ status: 'paid' });
    expect(after.body.items.map((p: { id: string }) => p.id)).toContain(row.id);
  });

  it('shows staff the invoices past due', async () => {
    const org = await makeOrg(t, [w.hirer.id], { claimedTier: 'statutory', paysByInvoice: true });
    await book(org.id);
    await job('payments.retry-pending');
    t.clock.advance(31 * 24 * 3600_000);
    try {
      expect(await job('payments.mark-overdue-invoices')).toBeGreaterThanOrEqual(1);
      const overdue = await t.http.get(`/hubs/${w.hub.id}/payments`).set(w.staff.auth).query({ status: 'overdue' });
      expect(overdue.body.items.some((p: { organisationId: string }) => p.organisationId === org.id)).toBe(true);
    } finally {
      t.clock.set('2026-03-02T09:00:00Z');
    }
    expectProblem(await t.http.get(`/hubs/${w.hub.id}/payments`).set(w.hirer.auth), 403, 'forbidden');
    expectProblem(await t.http.get(`/hubs/${w.hub.id}/payments`).set(w.otherStaff.auth), 403, 'forbidden');
    expectProblem(await t.http.get(`/hubs/${w.hub.id}/payments`).set(w.staff.auth).query({ status: 'late' }), 400, 'validation_failed');
  });
});

describe('cancelling bookings paid by invoice', () => {
  type PaymentView = { id: string; status: string; stripeInvoiceId: string | null; bookingIds: string[]; lastError: string | null; amountPence: number };
  const paymentOf = async (bookingId: string) =>
    ((await t.http.get(`/hubs/${w.hub.id}/payments`).set(w.staff.auth).query({ limit: 200 })).body.items as PaymentView[]).find((p) => p.bookingIds.includes(bookingId))!;
  const alertsAbout = async (invoiceId: string) => (await t.container.services.outbox.list({ to: STAFF_PHONE, kind: 'staff_alert' })).filter((m) => m.body.includes(invoiceId));
  const voidCalls = (invoiceId: string) => fake.requests.filter((r) => r.method === 'POST' && r.path === `/v1/invoices/${invoiceId}/void`);
  const cancel = (id: string, body: Record<string, unknown> = {}) => t.http.post(`/bookings/${id}/cancel`).set(w.hirer.auth).send(body);
  /** The payments hook a cancellation runs, run again for a booking already cancelled (a retry). */
  const cancelHookAgain = async (row: Parameters<PaymentHooks['cancelled']>[0][number]) => {
    const hooks = t.container.services.payments.hooks;
    await hooks.carryOut(await t.container.database.db.transaction((tx) => hooks.cancelled([row], { byStaff: false, actorId: w.hirer.id }, tx)));
  };
  const invoiceOrg = () => makeOrg(t, [w.hirer.id], { claimedTier: 'statutory', paysByInvoice: true, name: 'Borough Council' });
  beforeAll(async () => {
    const alerted = await makeUser(t, { name: 'Duty manager', phone: STAFF_PHONE });
    await addRole(t, w.hub.id, alerted.id, 'staff');
  });

  it('voids the Stripe invoice of a cancelled booking and marks the payment void, once', async () => {
    const org = await invoiceOrg();
    const b = await book(org.id);
    await job('payments.retry-pending');
    const before = await paymentOf(b.id);
    expect(before).toMatchObject({ status: 'open', stripeInvoiceId: expect.stringMatching(/^in_/) });
    const invoiceId = before.stripeInvoiceId!;

    const res = await cancel(b.id, { reason: 'Event moved online' });
    expect(res.status).toBe(200);
    expect(res.body.refunds).toEqual([]);
    expect(fake.state.invoices.get(invoiceId)!.status).toBe('void');
    expect(voidCalls(invoiceId)).toEqual([expect.objectContaining({ idempotencyKey: `hubkey-void-${before.id}` })]);
    expect(await paymentOf(b.id)).toMatchObject({ status: 'void', lastError: null });
    expect(await alertsAbout(invoiceId)).toEqual([]);

    // The hook again (a retry) and the retry job change nothing more.
    const row = (await t.container.repos.bookings.get(b.id))!;
    await cancelHookAgain(row);
    await job('payments.retry-pending');
    expect(voidCalls(invoiceId)).toHaveLength(1);
    expect(await paymentOf(b.id)).toMatchObject({ status: 'void' });
    expectProblem(await cancel(b.id), 422, 'invalid_status');
  });

  it('does not void an invoice covering a series when one date is cancelled: staff are told once per cancelled booking', async () => {
    const org = await invoiceOrg();
    const res = await t.http
      .post('/bookings')
      .set(w.hirer.auth)
      .send({ roomId: w.smallRoom.id, organisationId: org.id, title: 'Clinic', attendees: 4, startsAt: '2026-04-07T16:00:00', endsAt: '2026-04-07T17:00:00', recurrence: { weekdays: [2], count: 3 } });
    expect(res.status).toBe(201);
    const ids: string[] = res.body.bookings.map((b: { id: string }) => b.id);
    await job('payments.retry-pending');
    const p = await paymentOf(ids[0]);
    expect(p).toMatchObject({ status: 'open', amountPence: 3 * 3000 });
    expect([...p.bookingIds].sort()).toEqual([...ids].sort());
    const invoiceId = p.stripeInvoiceId!;

    expect((await cancel(ids[1])).status).toBe(200);
    expect(voidCalls(invoiceId)).toEqual([]);
    expect(fake.state.invoices.get(invoiceId)!.status).toBe('open');
    const first = await alertsAbout(invoiceId);
    expect(first).toHaveLength(1);
    expect(first[0].body).toMatch(/Borough Council cancelled 1 booking\(s\) \(£30\.00\) on Stripe invoice in_\w+\. Nothing was changed in Stripe: issue a credit note/);
    expect(first[0]).toMatchObject({ hubId: w.hub.id, kind: 'staff_alert' });
    const after = await paymentOf(ids[0]);
    expect(after).toMatchObject({ status: 'open', amountPence: 9000 });
    expect(after.lastError).toBe(`Invoice ${invoiceId}: 1 of 3 booking(s) cancelled (£30.00 invoiced for them); issue a credit note in Stripe if due`);

    // The hook run again for the same booking does not alert twice.
    const row = (await t.container.repos.bookings.get(ids[1]))!;
    await cancelHookAgain(row);
    expect(await alertsAbout(invoiceId)).toHaveLength(1);

    // Cancelling another date is news: one more alert, and the note counts both.
    expect((await cancel(ids[2])).status).toBe(200);
    expect(await alertsAbout(invoiceId)).toHaveLength(2);
    expect((await paymentOf(ids[0])).lastError).toMatch(/2 of 3 booking\(s\) cancelled \(£60\.00/);
    expect(voidCalls(invoiceId)).toEqual([]);

    // Once the last date goes too, nothing is owed: the invoice is voided.
    expect((await cancel(ids[0])).status).toBe(200);
    expect(fake.state.invoices.get(invoiceId)!.status).toBe('void');
    expect(await paymentOf(ids[0])).toMatchObject({ status: 'void', lastError: null });
    expect(await alertsAbout(invoiceId)).toHaveLength(2);
  });

  it('does not void an invoice already paid: staff are told to refund or credit it', async () => {
    const org = await invoiceOrg();
    const b = await book(org.id);
    await job('payments.retry-pending');
    const p = await paymentOf(b.id);
    const invoiceId = p.stripeInvoiceId!;
    expect((await post(fake.makeEvent('invoice.paid', fake.payInvoice(invoiceId)))).body.result).toBe('processed');

    expect((await cancel(b.id)).status).toBe(200);
    expect(voidCalls(invoiceId)).toEqual([]);
    expect(fake.state.invoices.get(invoiceId)!.status).toBe('paid');
    const alerts = await alertsAbout(invoiceId);
    expect(alerts).toHaveLength(1);
    expect(alerts[0].body).toMatch(/on paid Stripe invoice .*issue a refund or credit note/);
    const after = await paymentOf(b.id);
    expect(after).toMatchObject({ status: 'paid' });
    expect(after.lastError).toMatch(new RegExp(`^Paid invoice ${invoiceId}: 1 of 1 booking\\(s\\) cancelled \\(£60\\.00`));
    // Staff can find it among the paid payments.
    const paid = await t.http.get(`/hubs/${w.hub.id}/payments`).set(w.staff.auth).query({ status: 'paid' });
    expect(paid.body.items.find((x: PaymentView) => x.id === p.id).lastError).toBe(after.lastError);
  });

  it('treats an invoice paid in Stripe before its webhook came as paid: Stripe refuses the void, staff are told', async () => {
    const org = await invoiceOrg();
    const b = await book(org.id);
    await job('payments.retry-pending');
    const p = await paymentOf(b.id);
    const invoiceId = p.stripeInvoiceId!;
    fake.payInvoice(invoiceId); // the invoice.paid webhook is still on its way
    expect((await cancel(b.id)).status).toBe(200);
    expect(voidCalls(invoiceId)).toHaveLength(1);
    expect(fake.state.invoices.get(invoiceId)!.status).toBe('paid');
    expect(await paymentOf(b.id)).toMatchObject({ status: 'paid', lastError: expect.stringMatching(/^Paid invoice/) });
    expect(await alertsAbout(invoiceId)).toHaveLength(1);
    // The late webhook changes nothing.
    expect((await post(fake.makeEvent('invoice.paid', fake.state.invoices.get(invoiceId)))).body.result).toBe('ignored');
  });

  it('when Stripe is down the cancel still succeeds, and the retry job voids the invoice later', async () => {
    const org = await invoiceOrg();
    const b = await book(org.id);
    await job('payments.retry-pending');
    const p = await paymentOf(b.id);
    const invoiceId = p.stripeInvoiceId!;
    fake.failNext({ status: 500, match: /\/void$/ });
    fake.failNext({ status: 500, match: /^GET \/v1\/invoices\// });
    expect((await cancel(b.id)).status).toBe(200);
    expect(fake.state.invoices.get(invoiceId)!.status).toBe('open');
    expect(await paymentOf(b.id)).toMatchObject({ status: 'open', lastError: expect.any(String) });
    expect(await job('payments.retry-pending')).toBeGreaterThanOrEqual(1);
    expect(fake.state.invoices.get(invoiceId)!.status).toBe('void');
    expect(await paymentOf(b.id)).toMatchObject({ status: 'void', lastError: null });
  });

  it('voids an invoice not yet issued without telling Stripe, and never issues it', async () => {
    const org = await invoiceOrg();
    const b = await book(org.id);
    const p = await paymentOf(b.id);
    expect(p).toMatchObject({ status: 'pending', stripeInvoiceId: null });
    const calls = fake.requests.length;
    expect((await cancel(b.id)).status).toBe(200);
    expect(fake.requests.length).toBe(calls);
    expect(await paymentOf(b.id)).toMatchObject({ status: 'void', lastError: null });
    await job('payments.retry-pending');
    expect((await paymentOf(b.id)).status).toBe('void');
    expect([...fake.state.invoices.values()].some((i) => i.metadata.paymentId === p.id)).toBe(false);
  });

  it('issues an invoice delayed by Stripe being down without the dates cancelled meanwhile', async () => {
    const org = await invoiceOrg();
    const res = await t.http
      .post('/bookings')
      .set(w.hirer.auth)
      .send({ roomId: w.smallRoom.id, organisationId: org.id, title: 'Surgery', attendees: 4, startsAt: '2026-04-08T16:00:00', endsAt: '2026-04-08T17:00:00', recurrence: { weekdays: [3], count: 2 } });
    const ids: string[] = res.body.bookings.map((b: { id: string }) => b.id);
    fake.failNext({ status: 500, match: /^POST \/v1\/customers$/ });
    await job('payments.retry-pending');
    expect(await paymentOf(ids[0])).toMatchObject({ status: 'pending', amountPence: 6000 });
    expect((await cancel(ids[1])).status).toBe(200);
    expect((await paymentOf(ids[0])).status).toBe('pending');
    await job('payments.retry-pending');
    const p = await paymentOf(ids[0]);
    expect(p).toMatchObject({ status: 'open', amountPence: 3000 });
    const inv = fake.state.invoices.get(p.stripeInvoiceId!)!;
    expect(inv.amount_due).toBe(3000);
    expect(inv.lines.data.map((l) => (l.metadata as Record<string, string>).bookingId)).toEqual([ids[0]]);
    expect(await alertsAbout(inv.id)).toEqual([]);
  });
});

describe('moving a priced booking', () => {
  const move = (id: string, date: string, from: string, to: string, auth = w.hirer.auth) =>
    t.http.post(`/bookings/${id}/move`).set(auth).send({ startsAt: `${date}T${from}`, endsAt: `${date}T${to}` });

  it('quotes the new time while nothing is paid: two hours at 40.00 become three', async () => {
    const b = await book();
    expect(b.price.amountPence).toBe(8000);
    const date = nextDay();
    const moved = await move(b.id, date, '10:00:00', '13:00:00');
    expect(moved.status).toBe(200);
    expect(moved.body.price).toMatchObject({ amountPence: 12000, tier: 'private' });
    // The checkout then charges the new amount.
    const co = await checkout(b.id);
    expect(co.body.amountPence).toBe(12000);
  });

  it("refuses a hirer's move that changes the price once a checkout is open, and allows one that keeps it", async () => {
    const b = await book();
    await checkout(b.id);
    const date = nextDay();
    const refused = await move(b.id, date, '10:00:00', '11:00:00');
    expectProblem(refused, 422, 'price_changes');
    expect(refused.body).toMatchObject({ currentAmountPence: 8000, newAmountPence: 4000 });
    expect((await t.http.get(`/bookings/${b.id}`).set(w.hirer.auth)).body.price.amountPence).toBe(8000);
    const same = await move(b.id, date, '14:00:00', '16:00:00');
    expect(same.status).toBe(200);
    expect(same.body.price.amountPence).toBe(8000);
  });

  it('lets staff move a paid booking to a longer slot and keeps the price paid', async () => {
    const b = await paidBooking();
    const date = nextDay();
    expectProblem(await move(b.id, date, '10:00:00', '13:00:00'), 422, 'price_changes');
    const byStaff = await move(b.id, date, '10:00:00', '13:00:00', w.staff.auth);
    expect(byStaff.status).toBe(200);
    expect(byStaff.body).toMatchObject({ status: 'confirmed', price: { amountPence: 8000 } });
  });

  it("refuses a hirer's price-changing move of an invoiced booking", async () => {
    const org = await makeOrg(t, [w.hirer.id], { claimedTier: 'statutory', paysByInvoice: true, name: 'Parish Council' });
    const b = await book(org.id);
    expect(b.status).toBe('confirmed');
    // Recorded but not yet issued, the invoice follows a move; once Stripe has sent it, the price is fixed.
    await job('payments.retry-pending');
    expect((await t.http.get(`/hubs/${w.hub.id}/payments`).set(w.staff.auth).query({ status: 'open' })).body.items.map((p: { bookingIds: string[] }) => p.bookingIds[0])).toContain(b.id);
    expectProblem(await move(b.id, nextDay(), '10:00:00', '13:00:00'), 422, 'price_changes');
  });
});

describe('refunds', () => {
  it('refunds a hirer\'s cancellation by the hub\'s policy, and shows staff a refund that failed', async () => {
    // 2026-03-05 10:00 is 73 hours away: the default policy gives back 50% with 48 hours' notice.
    const b = await paidBooking('2026-03-05');
    const res = await t.http.post(`/bookings/${b.id}/cancel`).set(w.hirer.auth).send({ reason: 'Speaker ill' });
    expect(res.status).toBe(200);
    expect(res.body.refunds).toEqual([expect.objectContaining({ bookingId: b.id, percent: 50, amountPence: 4000, status: 'succeeded' })]);
    const stripeRefund = [...fake.state.refunds.values()].find((r) => r.metadata.bookingId === b.id)!;
    expect(stripeRefund.amount).toBe(4000);

    // The bank bounces it later.
    expect((await post(fake.makeEvent('refund.failed', { ...stripeRefund, status: 'failed', failure_reason: 'expired_or_canceled_card' }))).body.result).toBe('processed');
    const failed = await t.http.get(`/hubs/${w.hub.id}/refunds`).set(w.staff.auth).query({ status: 'failed' });
    expect(failed.body.items).toEqual(expect.arrayContaining([expect.objectContaining({ bookingId: b.id, status: 'failed', lastError: 'expired_or_canceled_card' })]));
    // An older "pending" update arriving late does not undo it.
    await post(fake.makeEvent('refund.updated', { ...stripeRefund, status: 'pending' }));
    expect((await t.http.get(`/hubs/${w.hub.id}/refunds`).set(w.staff.auth).query({ status: 'failed' })).body.items.map((r: { bookingId: string }) => r.bookingId)).toContain(b.id);
    expectProblem(await t.http.get(`/hubs/${w.hub.id}/refunds`).set(w.hirer.auth), 403, 'forbidden');
  });

  it('refunds in full when staff cancel, and nothing with too little notice', async () => {
    const b = await paidBooking();
    const res = await t.http.post(`/bookings/${b.id}/cancel`).set(w.staff.auth).send({ reason: 'Flood' });
    expect(res.body.refunds).toEqual([expect.objectContaining({ percent: 100, amountPence: 8000 })]);
    const late = await paidBooking('2026-03-03');
    const none = await t.http.post(`/bookings/${late.id}/cancel`).set(w.hirer.auth).send({});
    expect(none.body.refunds).toEqual([]);
  });
});

describe('without Stripe configured', () => {
  it('answers checkout and the webhook with 503 payments_unavailable, and the booking keeps its hold', async () => {
    const plain = await createTestApp();
    try {
      const pw = await makeWorld(plain);
      await seedCard(plain, pw.hub.id);
      const made = await plain.http.post('/bookings').set(pw.hirer.auth).send({ roomId: pw.room.id, organisationId: pw.org.id, title: 'x', attendees: 2, startsAt: '2026-03-20T10:00:00', endsAt: '2026-03-20T11:00:00' });
      expect(made.body.status).toBe('awaiting_payment');
      expectProblem(await plain.http.post(`/bookings/${made.body.id}/checkout`).set(pw.hirer.auth).send({}), 503, 'payments_unavailable');
      expectProblem(await plain.http.post('/webhooks/stripe').set('content-type', 'application/json').set('stripe-signature', 'x').send('{}'), 503, 'payments_unavailable');
      expect((await plain.http.get(`/bookings/${made.body.id}`).set(pw.hirer.auth)).body.status).toBe('awaiting_payment');
    } finally {
      await plain.close();
    }
  });
});

describe('money work started before a crash is finished after it', () => {
  const refundsOf = (bookingId: string) => [...fake.state.refunds.values()].filter((r) => r.metadata.bookingId === bookingId);
  const later = async <T>(ms: number, fn: () => Promise<T>) => {
    t.clock.advance(ms);
    try {
      return await fn();
    } finally {
      t.clock.set('2026-03-02T09:00:00Z');
    }
  };

  it('issues an invoice recorded with its booking once, though Stripe failed half-way through the first attempt', async () => {
    const org = await makeOrg(t, [w.hirer.id], { claimedTier: 'statutory', paysByInvoice: true, name: 'Town Council' });
    await job('payments.retry-pending'); // earlier tests' invoices are issued first, so the failure below is ours
    const b = await book(org.id);
    const rows = await t.container.repos.payments.paymentsOfBookings([b.id]);
    expect(rows.map((r) => r.payment)).toEqual([expect.objectContaining({ method: 'invoice', status: 'pending', stripeInvoiceId: null })]);
    const paymentId = rows[0].payment.id;

    // Stripe goes down between creating the invoice and finalising it.
    fake.failNext({ status: 500, match: /\/finalize$/ });
    await job('payments.retry-pending');
    const halfway = (await t.container.repos.payments.getPayment(paymentId))!;
    expect(halfway).toMatchObject({ status: 'pending', lastError: expect.any(String) });

    await job('payments.retry-pending');
    await job('payments.retry-pending');
    const invoices = [...fake.state.invoices.values()].filter((i) => i.metadata.paymentId === paymentId);
    expect(invoices).toHaveLength(1);
    expect(invoices[0]).toMatchObject({ status: 'open', amount_due: 6000 });
    expect(invoices[0].lines.data).toHaveLength(1);
    expect(fake.state.sentInvoices.filter((id) => id === invoices[0].id)).toHaveLength(1);
    expect(await t.container.repos.payments.getPayment(paymentId)).toMatchObject({ status: 'open', lastError: null });
  });

  it('sends a refund recorded with the cancellation once when Stripe was down during the request', async () => {
    const b = await paidBooking();
    fake.failNext({ status: 500, match: /^POST \/v1\/refunds$/ });
    const res = await t.http.post(`/bookings/${b.id}/cancel`).set(w.hirer.auth).send({});
    expect(res.status).toBe(200);
    expect(res.body.refunds).toEqual([expect.objectContaining({ bookingId: b.id, status: 'pending' })]);
    expect(refundsOf(b.id)).toHaveLength(0);

    await later(2 * 60_000, () => job('payments.retry-pending'));
    await later(3 * 60_000, () => job('payments.retry-pending'));
    expect(refundsOf(b.id)).toEqual([expect.objectContaining({ amount: 8000 })]);
  });

  it('sends a refund once when the process died right after the cancellation committed', async () => {
    const b = await paidBooking();
    const row = (await t.container.repos.bookings.get(b.id))!;
    // What POST /bookings/:id/cancel commits, without the step after commit (the process was killed there).
    await t.container.database.db.transaction(async (tx) => {
      const [cancelled] = await t.container.repos.bookings.setStatus([row.id], 'cancelled', 'cancelled_by_staff', tx);
      await t.container.services.payments.hooks.cancelled([cancelled], { byStaff: true, actorId: w.staff.id }, tx);
    });
    expect(refundsOf(b.id)).toHaveLength(0);
    const recorded = (await t.http.get(`/hubs/${w.hub.id}/refunds`).set(w.staff.auth).query({ status: 'pending' })).body.items.filter((r: { bookingId: string }) => r.bookingId === b.id);
    expect(recorded).toEqual([expect.objectContaining({ amountPence: 8000, percent: 100, stripeRefundId: null })]);

    await later(2 * 60_000, () => job('payments.retry-pending'));
    await later(3 * 60_000, () => job('payments.retry-pending'));
    expect(refundsOf(b.id)).toEqual([expect.objectContaining({ amount: 8000 })]);
  });
});
