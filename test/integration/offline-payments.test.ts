import { and, eq } from 'drizzle-orm';
import Stripe from 'stripe';
import { bookingHolds, outbox, paymentItems, payments } from '../../src/db/schema';
import { JOBS, runJob } from '../../src/worker/jobs';
import { createTestApp, type TestApp } from '../helpers/app';
import { PASSWORD, addRole, expectProblem, makeHub, makeOrg, makeRoom, makeUser, makeWorld } from '../helpers/factories';
import { seedCard } from '../helpers/pricing';
import { type FakeStripe, startFakeStripe } from '../fakes/fake-stripe';

// No STRIPE_SECRET_KEY: the demo's case, where a hub takes cash, transfers and cheques at its desk.
// The clock reads Monday 2026-03-02 09:00Z; hubs hold unpaid bookings for 30 minutes. Private: 40.00 an hour.
let t: TestApp;
let w: Awaited<ReturnType<typeof makeWorld>>;
let volunteer: Awaited<ReturnType<typeof makeUser>>;
beforeAll(async () => {
  t = await createTestApp();
  w = await makeWorld(t);
  await seedCard(t, w.hub.id);
  await seedCard(t, w.otherHub.id);
  volunteer = await makeUser(t, { name: 'Volunteer' });
  await addRole(t, w.hub.id, volunteer.id, 'volunteer');
}, 90_000);
afterAll(async () => {
  await t.close();
});

let day = 0;
/** A fresh weekday each time, from 2026-03-10. */
const nextDay = () => {
  const d = new Date(Date.UTC(2026, 2, 10 + day++));
  if (d.getUTCDay() === 0 || d.getUTCDay() === 6) return nextDay();
  return d.toISOString().slice(0, 10);
};
const book = async (roomId = w.room.id, auth = w.hirer.auth, organisationId = w.org.id) => {
  const date = nextDay();
  const res = await t.http.post('/bookings').set(auth).send({ roomId, organisationId, title: 'Workshop', attendees: 8, startsAt: `${date}T10:00:00`, endsAt: `${date}T12:00:00` });
  expect(res.status).toBe(201);
  return res.body as { id: string; status: string; price: { amountPence: number } };
};
const record = (id: string, body: Record<string, unknown> | undefined, auth: Record<string, string> = w.staff.auth) => {
  const req = t.http.post(`/bookings/${id}/payments/offline`).set(auth);
  return body === undefined ? req : req.send(body);
};
const statusOf = async (id: string) => (await t.http.get(`/bookings/${id}`).set(w.staff.auth)).body.status as string;
const job = (name: string) => runJob(t.container, JOBS.find((j) => j.name === name)!);
const paymentsOf = async (bookingId: string) =>
  (await t.http.get(`/hubs/${w.hub.id}/payments`).set(w.staff.auth).query({ limit: 200 })).body.items.filter((p: { bookingIds: string[] }) => p.bookingIds.includes(bookingId));

describe('POST /bookings/:id/payments/offline', () => {
  it('records cash taken at the hub as a paid payment and confirms the booking', async () => {
    const b = await book();
    expect(b).toMatchObject({ status: 'awaiting_payment', price: { amountPence: 8000 } });
    const res = await record(b.id, { amountPence: 8000, method: 'cash', reference: 'Receipt 0042' });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      created: true,
      payment: { method: 'offline', offlineMethod: 'cash', reference: 'Receipt 0042', status: 'paid', amountPence: 8000, bookingIds: [b.id], hubId: w.hub.id, organisationId: w.org.id },
    });
    expect(res.body.payment.paidAt).toEqual(expect.any(String));
    expect(await statusOf(b.id)).toBe('confirmed');
    expect(await t.container.database.db.select().from(bookingHolds).where(eq(bookingHolds.bookingId, b.id))).toEqual([]);
    expect(await paymentsOf(b.id)).toEqual([expect.objectContaining({ id: res.body.payment.id, method: 'offline', status: 'paid' })]);
    // The hirer is told once, as the booking page promised.
    const texts = await t.container.database.db.select().from(outbox).where(and(eq(outbox.bookingId, b.id), eq(outbox.kind, 'payment_recorded')));
    expect(texts).toHaveLength(1);
    expect(texts[0]).toMatchObject({ to: '+447700900999', body: expect.stringMatching(/has your payment of £80\.00\. Your booking "Workshop" on .* is confirmed\.$/) });
    expect(await record(b.id, { amountPence: 8000, method: 'cash', reference: 'Receipt 0042' })).toHaveProperty('status', 200);
    expect(await t.container.database.db.select().from(outbox).where(and(eq(outbox.bookingId, b.id), eq(outbox.kind, 'payment_recorded')))).toHaveLength(1);
  });

  it('answers the same record again (a retried request) and refuses a second, different payment', async () => {
    const b = await book();
    const body = { amountPence: 8000, method: 'bank_transfer', reference: 'BACS 7781' };
    const first = await record(b.id, body);
    expect(first.status).toBe(201);
    const again = await record(b.id, body);
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ created: false, payment: { id: first.body.payment.id, bookingIds: [b.id] } });
    expectProblem(await record(b.id, { ...body, reference: 'BACS 7782' }), 409, 'already_paid');
    expectProblem(await record(b.id, { amountPence: 8000, method: 'cash' }), 409, 'already_paid');
    expect(await paymentsOf(b.id)).toHaveLength(1);
  });

  it('refuses an amount other than the whole price, and bad bodies, changing nothing', async () => {
    const b = await book();
    const less = await record(b.id, { amountPence: 4000, method: 'cash' });
    expectProblem(less, 400, 'wrong_amount');
    expect(less.body).toMatchObject({ amountDuePence: 8000, errors: [{ path: 'amountPence', message: 'must be 8000' }] });
    expectProblem(await record(b.id, { amountPence: 8001, method: 'cash' }), 400, 'wrong_amount');
    expectProblem(await record(b.id, { amountPence: 8000, method: 'card' }), 400, 'validation_failed');
    expectProblem(await record(b.id, { amountPence: 80.5, method: 'cash' }), 400, 'validation_failed');
    expectProblem(await record(b.id, { amountPence: -8000, method: 'cash' }), 400, 'validation_failed');
    expectProblem(await record(b.id, { method: 'cash' }), 400, 'validation_failed');
    expectProblem(await record(b.id, { amountPence: 8000, method: 'cash', reference: 'x'.repeat(201) }), 400, 'validation_failed');
    expectProblem(await record(b.id, undefined), 400, 'validation_failed');
    expectProblem(await record('not-a-uuid', { amountPence: 8000, method: 'cash' }), 400, 'validation_failed');
    expect(await statusOf(b.id)).toBe('awaiting_payment');
    expect(await paymentsOf(b.id)).toEqual([]);
  });

  it('is for staff of the booking\'s hub and admins: hirers, volunteers, other hubs\' staff and strangers are refused', async () => {
    const b = await book();
    const body = { amountPence: 8000, method: 'cash' };
    expectProblem(await t.http.post(`/bookings/${b.id}/payments/offline`).send(body), 401, 'unauthenticated');
    expectProblem(await record(b.id, body, w.hirer.auth), 403, 'forbidden');
    expectProblem(await record(b.id, body, volunteer.auth), 404, 'not_found');
    expectProblem(await record(b.id, body, w.otherStaff.auth), 404, 'not_found');
    expectProblem(await record(b.id, body, w.stranger.auth), 404, 'not_found');
    expectProblem(await record('00000000-0000-4000-8000-000000000000', body), 404, 'not_found');
    expect(await statusOf(b.id)).toBe('awaiting_payment');
    expect(await paymentsOf(b.id)).toEqual([]);
    const byAdmin = await record(b.id, body, w.admin.auth);
    expect(byAdmin.status).toBe(201);
    expect(await statusOf(b.id)).toBe('confirmed');
  });

  it('refuses a booking that is not awaiting payment', async () => {
    const b = await book();
    expect((await t.http.post(`/bookings/${b.id}/cancel`).set(w.hirer.auth).send({})).status).toBe(200);
    expectProblem(await record(b.id, { amountPence: 8000, method: 'cash' }), 422, 'not_awaiting_payment');
    const lapsed = await book();
    t.clock.advance(31 * 60_000);
    try {
      await job('payments.release-lapsed-holds');
      expect(await statusOf(lapsed.id)).toBe('expired');
      expectProblem(await record(lapsed.id, { amountPence: 8000, method: 'cash' }), 422, 'not_awaiting_payment');
    } finally {
      t.clock.set('2026-03-02T09:00:00Z');
    }
  });

  it('refunds an offline payment on cancellation by the hub\'s policy, as owed by staff (never through Stripe)', async () => {
    const b = await book(); // more than a week ahead: the policy gives 100 % back
    expect((await record(b.id, { amountPence: 8000, method: 'cheque', reference: 'Cheque 100231' })).status).toBe(201);
    const cancelled = await t.http.post(`/bookings/${b.id}/cancel`).set(w.hirer.auth).send({ reason: 'Moved our meeting' });
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.refunds).toEqual([expect.objectContaining({ bookingId: b.id, amountPence: 8000, percent: 100, status: 'owed' })]);
    await job('payments.retry-pending');
    const owed = await t.http.get(`/hubs/${w.hub.id}/refunds`).set(w.staff.auth).query({ status: 'owed' });
    expect(owed.status).toBe(200);
    expect(owed.body.items).toEqual(expect.arrayContaining([expect.objectContaining({ bookingId: b.id, status: 'owed', stripeRefundId: null, amountPence: 8000 })]));
  });

  it('counts the payment in the hub report\'s income', async () => {
    const hub = await makeHub(t);
    await addRole(t, hub.id, w.staff.id, 'staff');
    await seedCard(t, hub.id);
    const room = await makeRoom(t, hub.id);
    const b = await book(room.id);
    const before = await t.http.get(`/hubs/${hub.id}/reports/usage`).query({ from: '2026-03-01', to: '2026-03-31' }).set(w.staff.auth);
    expect(before.body.totals.incomePence).toBe(0);
    expect((await record(b.id, { amountPence: 8000, method: 'cash' })).status).toBe(201);
    const after = await t.http.get(`/hubs/${hub.id}/reports/usage`).query({ from: '2026-03-01', to: '2026-03-31' }).set(w.staff.auth);
    expect(after.body.totals.incomePence).toBe(8000);
  });
});

describe('a verified community group\'s ten-week series, without Stripe', () => {
  it('is told how to pay, and staff confirm every date with one record of the whole amount', async () => {
    const org = await makeOrg(t, [w.hirer.id], { claimedTier: 'community', verificationStatus: 'verified', verifiedTier: 'community', recheckOn: '2099-01-01' });
    const made = await t.http
      .post('/bookings')
      .set(w.hirer.auth)
      .send({ roomId: w.smallRoom.id, organisationId: org.id, title: 'Memory café', attendees: 5, startsAt: '2026-03-17T14:00:00', endsAt: '2026-03-17T16:00:00', recurrence: { weekdays: [2], count: 10 } });
    expect(made.status).toBe(201);
    const dates = made.body.bookings as { id: string; status: string; price: { amountPence: number } }[];
    expect(dates).toHaveLength(10);
    expect(dates.every((d) => d.status === 'awaiting_payment' && d.price.amountPence === 2000)).toBe(true);

    const co = await t.http.post(`/bookings/${dates[0].id}/checkout`).set(w.hirer.auth);
    expectProblem(co, 503, 'payments_unavailable');
    expect(co.body.detail).toMatch(/the hold lapses at 2026-03-02T09:30:00\+00:00 unless staff record the payment and confirm the booking/);
    expect(co.body).toMatchObject({ unpaidHolds: 'lapse', holdExpiresAt: '2026-03-02T09:30:00+00:00' });

    expectProblem(await record(dates[0].id, { amountPence: 2000, method: 'bank_transfer', scope: 'series' }), 400, 'wrong_amount');
    const res = await record(dates[0].id, { amountPence: 20000, method: 'bank_transfer', reference: 'MEMORY CAFE SPRING', scope: 'series' });
    expect(res.status).toBe(201);
    expect(res.body.payment).toMatchObject({ amountPence: 20000, method: 'offline', status: 'paid' });
    expect([...res.body.payment.bookingIds].sort()).toEqual(dates.map((d) => d.id).sort());
    for (const d of dates) expect(await statusOf(d.id)).toBe('confirmed');
    // Safe to send again.
    const again = await record(dates[3].id, { amountPence: 20000, method: 'bank_transfer', reference: 'MEMORY CAFE SPRING', scope: 'series' });
    expect(again.status).toBe(200);
    expect(again.body.payment.id).toBe(res.body.payment.id);
  });
});

describe('hub setting unpaidHolds', () => {
  it('is lapse by default; wait_for_staff keeps unpaid card bookings past their hold until staff record payment', async () => {
    const hub = await makeHub(t);
    await addRole(t, hub.id, w.staff.id, 'staff');
    await seedCard(t, hub.id);
    const room = await makeRoom(t, hub.id);
    const before = (await t.http.get(`/hubs/${hub.id}`).set(w.staff.auth)).body.settings;
    expect(before.unpaidHolds).toBe('lapse');

    expectProblem(await t.http.patch(`/hubs/${hub.id}`).set(w.staff.auth).send({ settings: { unpaidHolds: 'forever' } }), 400, 'validation_failed');
    expectProblem(await t.http.patch(`/hubs/${hub.id}`).set(w.hirer.auth).send({ settings: { unpaidHolds: 'wait_for_staff' } }), 403, 'forbidden');
    const patched = await t.http.patch(`/hubs/${hub.id}`).set(w.staff.auth).send({ settings: { unpaidHolds: 'wait_for_staff' } });
    expect(patched.status).toBe(200);
    // Only the setting named changed.
    expect(patched.body.settings).toEqual({ ...before, unpaidHolds: 'wait_for_staff' });

    const waiting = await book(room.id);
    const lapsing = await book(w.room.id);
    const co = await t.http.post(`/bookings/${waiting.id}/checkout`).set(w.hirer.auth);
    expectProblem(co, 503, 'payments_unavailable');
    expect(co.body.detail).toMatch(/the booking is held until staff record the payment and confirm it/);
    expect(co.body).toMatchObject({ unpaidHolds: 'wait_for_staff', holdExpiresAt: null });

    t.clock.advance(3 * 60 * 60_000);
    try {
      await job('payments.release-lapsed-holds');
      expect(await statusOf(lapsing.id)).toBe('expired');
      expect(await statusOf(waiting.id)).toBe('awaiting_payment');
      expect((await record(waiting.id, { amountPence: 8000, method: 'cash' })).status).toBe(201);
      expect(await statusOf(waiting.id)).toBe('confirmed');
    } finally {
      t.clock.set('2026-03-02T09:00:00Z');
    }
  });
});

describe('GET /me/payments', () => {
  it("lists my organisations' payments and invoices, newest first and paged, with the hosted invoice link; never another group's", async () => {
    const me = await makeUser(t, { name: 'Treasurer' });
    const mine = await makeOrg(t, [me.id], { claimedTier: 'private' });
    const invoiced = await makeOrg(t, [me.id], { claimedTier: 'statutory', paysByInvoice: true });
    const hub = await makeHub(t);
    await addRole(t, hub.id, w.staff.id, 'staff');
    await seedCard(t, hub.id);
    const room = await makeRoom(t, hub.id);
    const paid = await book(room.id, me.auth, mine.id);
    expect((await record(paid.id, { amountPence: 8000, method: 'cash' })).status).toBe(201);
    t.clock.advance(60_000);
    const inv = await book(room.id, me.auth, invoiced.id);
    t.clock.set('2026-03-02T09:00:00Z');
    expect(inv.status).toBe('confirmed');
    // The invoice as the retry job leaves it once Stripe has issued it.
    const [invoiceRow] = await t.container.database.db.select().from(payments).where(eq(payments.organisationId, invoiced.id));
    await t.container.database.db
      .update(payments)
      .set({ status: 'open', stripeInvoiceId: `in_${invoiceRow.id.slice(0, 8)}`, hostedInvoiceUrl: 'https://invoice.stripe.com/i/acct_x/test_1', lastError: 'a staff note', createdAt: new Date('2026-03-02T09:01:00Z') })
      .where(eq(payments.id, invoiceRow.id));
    // Someone else's payment at the same hub.
    const theirs = await book(room.id, w.hirer.auth, w.org.id);
    expect((await record(theirs.id, { amountPence: 8000, method: 'cash' })).status).toBe(201);

    const all = await t.http.get('/me/payments').set(me.auth);
    expect(all.status).toBe(200);
    expect(all.body.items).toHaveLength(2);
    expect(all.body.items[0]).toMatchObject({
      method: 'invoice',
      status: 'open',
      organisationId: invoiced.id,
      organisationName: invoiced.name,
      hubName: hub.name,
      hostedInvoiceUrl: 'https://invoice.stripe.com/i/acct_x/test_1',
      bookingIds: [inv.id],
      lastError: null,
    });
    expect(all.body.items[1]).toMatchObject({ method: 'offline', offlineMethod: 'cash', status: 'paid', organisationId: mine.id, bookingIds: [paid.id] });
    expect(all.body.nextCursor).toBeNull();

    const first = await t.http.get('/me/payments').set(me.auth).query({ limit: 1 });
    expect(first.body.items.map((p: { id: string }) => p.id)).toEqual([all.body.items[0].id]);
    const second = await t.http.get('/me/payments').set(me.auth).query({ limit: 1, cursor: first.body.nextCursor });
    expect(second.body.items.map((p: { id: string }) => p.id)).toEqual([all.body.items[1].id]);
    expect(second.body.nextCursor).toBeNull();
    expect((await t.http.get('/me/payments').set(me.auth).query({ status: 'paid' })).body.items).toHaveLength(1);

    expectProblem(await t.http.get('/me/payments').set(me.auth).query({ status: 'owing' }), 400, 'validation_failed');
    expectProblem(await t.http.get('/me/payments').set(me.auth).query({ cursor: 'nonsense' }), 400, 'validation_failed');
    expectProblem(await t.http.get('/me/payments'), 401, 'unauthenticated');
    // Staff with no organisation of their own see none.
    expect((await t.http.get('/me/payments').set(volunteer.auth)).body).toEqual({ items: [], nextCursor: null });
  });
});

describe('with Stripe set up', () => {
  const SECRET = 'whsec_test_offline';
  const signer = new Stripe('sk_test_signer');
  let fake: FakeStripe;
  let s: TestApp;
  let sw: Awaited<ReturnType<typeof makeWorld>>;
  beforeAll(async () => {
    fake = await startFakeStripe({ now: () => (s ? s.clock.now() : new Date('2026-03-02T09:00:00Z')) });
    s = await createTestApp({ env: { STRIPE_SECRET_KEY: 'sk_test_hubkey', STRIPE_WEBHOOK_SECRET: SECRET, STRIPE_API_BASE: fake.url } });
    sw = await makeWorld(s);
    await seedCard(s, sw.hub.id);
  }, 90_000);
  afterAll(async () => {
    await s.close();
    await fake.close();
  });
  const bookThere = async (date: string) => {
    const res = await s.http.post('/bookings').set(sw.hirer.auth).send({ roomId: sw.room.id, organisationId: sw.org.id, title: 'Workshop', attendees: 8, startsAt: `${date}T10:00:00`, endsAt: `${date}T12:00:00` });
    expect(res.status).toBe(201);
    return res.body as { id: string };
  };
  const sessionOf = (url: string) => fake.state.checkoutSessions.get(url.split('/').pop()!)!;
  const status = async (id: string) => (await s.http.get(`/bookings/${id}`).set(sw.staff.auth)).body.status as string;

  it('expires a card checkout left open before recording, so the hirer cannot pay twice', async () => {
    const b = await bookThere('2026-03-16');
    const co = await s.http.post(`/bookings/${b.id}/checkout`).set(sw.hirer.auth);
    expect(co.status).toBe(200);
    const res = await s.http.post(`/bookings/${b.id}/payments/offline`).set(sw.staff.auth).send({ amountPence: 8000, method: 'cash' });
    expect(res.status).toBe(201);
    expect(sessionOf(co.body.checkoutUrl).status).toBe('expired');
    expect(await status(b.id)).toBe('confirmed');
    const list = (await s.http.get(`/hubs/${sw.hub.id}/payments`).set(sw.staff.auth)).body.items.filter((p: { bookingIds: string[] }) => p.bookingIds.includes(b.id));
    expect(list.map((p: { method: string; status: string }) => `${p.method}:${p.status}`).sort()).toEqual(['card:expired', 'offline:paid']);
  });

  it('refuses to record while the hirer has just paid by card (the webhook confirms it)', async () => {
    const b = await bookThere('2026-03-17');
    const co = await s.http.post(`/bookings/${b.id}/checkout`).set(sw.hirer.auth);
    fake.completeCheckoutSession(sessionOf(co.body.checkoutUrl).id);
    expectProblem(await s.http.post(`/bookings/${b.id}/payments/offline`).set(sw.staff.auth).send({ amountPence: 8000, method: 'cash' }), 409, 'already_paid');
    expect(await status(b.id)).toBe('awaiting_payment');
  });

  it('keeps a booking held when its Stripe session expires at a hub whose unpaid holds wait for staff', async () => {
    expect((await s.http.patch(`/hubs/${sw.hub.id}`).set(sw.staff.auth).send({ settings: { unpaidHolds: 'wait_for_staff' } })).status).toBe(200);
    const b = await bookThere('2026-03-18');
    const co = await s.http.post(`/bookings/${b.id}/checkout`).set(sw.hirer.auth);
    const payload = JSON.stringify(fake.makeEvent('checkout.session.expired', { ...sessionOf(co.body.checkoutUrl), status: 'expired', url: null }));
    const res = await s.http.post('/webhooks/stripe').set('content-type', 'application/json').set('stripe-signature', signer.webhooks.generateTestHeaderString({ payload, secret: SECRET })).send(payload);
    expect(res.body.result).toBe('processed');
    expect(await status(b.id)).toBe('awaiting_payment');
    // Past its hold, the hirer may still pay by card.
    s.clock.advance(2 * 60 * 60_000);
    try {
      const again = await s.http.post(`/bookings/${b.id}/checkout`).set(sw.hirer.auth);
      expect(again.status).toBe(200);
      expect(again.body.checkoutUrl).not.toBe(co.body.checkoutUrl);
    } finally {
      s.clock.set('2026-03-02T09:00:00Z');
    }
  });
});

describe('moving a booking whose invoice is recorded but not yet issued', () => {
  const WEEKEND = {
    name: 'Weekend',
    weekdays: [6, 7],
    from: '00:00',
    to: '24:00',
    tiers: { community: { hourlyPence: 1500 }, national_charity: { hourlyPence: 3000 }, statutory: { hourlyPence: 5000 }, private: { hourlyPence: 6000 } },
  };
  it('re-quotes it and re-issues the invoice at the new price, for staff and the hirer alike; once sent, the price is fixed', async () => {
    const hub = await makeHub(t);
    await addRole(t, hub.id, w.staff.id, 'staff');
    await seedCard(t, hub.id, { bands: [WEEKEND] });
    const room = await makeRoom(t, hub.id);
    const council = await makeOrg(t, [w.hirer.id], { claimedTier: 'statutory', paysByInvoice: true });
    const made = await t.http.post('/bookings').set(w.hirer.auth).send({ roomId: room.id, organisationId: council.id, title: 'Drop-in', attendees: 5, startsAt: '2026-03-15T10:00:00', endsAt: '2026-03-15T12:00:00' });
    expect(made.body).toMatchObject({ status: 'confirmed', price: { amountPence: 10000, lines: [expect.objectContaining({ band: 'Weekend' })] } });
    const invoiceOf = async () => {
      const [p] = await t.container.database.db.select().from(payments).where(eq(payments.organisationId, council.id));
      const items = await t.container.database.db.select().from(paymentItems).where(eq(paymentItems.paymentId, p.id));
      return { status: p.status, amountPence: p.amountPence, items: items.map((i) => i.amountPence) };
    };
    expect(await invoiceOf()).toEqual({ status: 'pending', amountPence: 10000, items: [10000] });

    // Staff move it to the Monday: the Sunday's Weekend line goes, and the invoice follows.
    const byStaff = await t.http.post(`/bookings/${made.body.id}/move`).set(w.staff.auth).send({ startsAt: '2026-03-16T10:00:00', endsAt: '2026-03-16T12:00:00' });
    expect(byStaff.status).toBe(200);
    expect(byStaff.body).toMatchObject({ status: 'confirmed', price: { amountPence: 6000 } });
    expect(byStaff.body.price.lines.map((l: { band: string | null }) => l.band)).not.toContain('Weekend');
    expect(await invoiceOf()).toEqual({ status: 'pending', amountPence: 6000, items: [6000] });

    // The hirer may move it too while the invoice has not gone out: it is not "already invoiced".
    const byHirer = await t.http.post(`/bookings/${made.body.id}/move`).set(w.hirer.auth).send({ startsAt: '2026-03-21T10:00:00', endsAt: '2026-03-21T12:00:00' });
    expect(byHirer.status).toBe(200);
    expect(byHirer.body).toMatchObject({ status: 'confirmed', price: { amountPence: 10000 } });
    expect(await invoiceOf()).toEqual({ status: 'pending', amountPence: 10000, items: [10000] });

    // Once Stripe has issued it (the retry job), the amount is fixed: the hirer's dearer or cheaper move is refused.
    await t.container.database.db.update(payments).set({ status: 'open', stripeInvoiceId: `in_${made.body.id.slice(0, 8)}` }).where(eq(payments.organisationId, council.id));
    const refused = await t.http.post(`/bookings/${made.body.id}/move`).set(w.hirer.auth).send({ startsAt: '2026-03-23T10:00:00', endsAt: '2026-03-23T12:00:00' });
    expectProblem(refused, 422, 'price_changes');
    expect(refused.body).toMatchObject({ currentAmountPence: 10000, newAmountPence: 6000 });
    expect(await invoiceOf()).toEqual({ status: 'open', amountPence: 10000, items: [10000] });
  });

  it('leaves a booking off its unissued invoice when a move sends it back to approval, and voids an invoice left with nothing', async () => {
    const hub = await makeHub(t);
    await addRole(t, hub.id, w.staff.id, 'staff');
    await seedCard(t, hub.id);
    const room = await makeRoom(t, hub.id);
    const careful = await makeHub(t, { settings: { approval: 'all' } });
    await seedCard(t, careful.id);
    const carefulRoom = await makeRoom(t, careful.id);
    const council = await makeOrg(t, [w.hirer.id], { claimedTier: 'statutory', paysByInvoice: true });
    const made = await t.http.post('/bookings').set(w.hirer.auth).send({ roomId: room.id, organisationId: council.id, title: 'Drop-in', attendees: 5, startsAt: '2026-03-17T10:00:00', endsAt: '2026-03-17T12:00:00' });
    expect(made.body.status).toBe('confirmed');
    const moved = await t.http.post(`/bookings/${made.body.id}/move`).set(w.hirer.auth).send({ roomId: carefulRoom.id, startsAt: '2026-03-17T10:00:00', endsAt: '2026-03-17T12:00:00' });
    expect(moved.status).toBe(200);
    expect(moved.body).toMatchObject({ status: 'requested', statusReason: 'approval_required' });
    const [p] = await t.container.database.db.select().from(payments).where(eq(payments.organisationId, council.id));
    expect(p).toMatchObject({ status: 'void', amountPence: 0 });
    expect(await t.container.database.db.select().from(paymentItems).where(eq(paymentItems.paymentId, p.id))).toEqual([]);
  });
});

describe("the hirer's pages for a booking paid at the hub", () => {
  it('show it as paid at the hub, and say a refund comes back the way it was paid', async () => {
    const HTML = { accept: 'text/html,application/xhtml+xml' };
    const b = await book();
    expect((await record(b.id, { amountPence: 8000, method: 'cash' })).status).toBe(201);
    const form = await t.http.get('/sign-in').set(HTML);
    const cookie = ((form.headers['set-cookie'] as unknown as string[] | undefined) ?? []).map((c) => c.split(';')[0]).join('; ');
    const csrf = /name="_csrf" value="([^"]+)"/.exec(form.text)![1];
    const signedIn = await t.http.post('/sign-in').set(HTML).set('cookie', cookie).type('form').send({ email: w.hirer.email, password: PASSWORD, _csrf: csrf });
    expect(signedIn.status).toBe(303);
    const session = ((signedIn.headers['set-cookie'] as unknown as string[] | undefined) ?? []).map((c) => c.split(';')[0]).join('; ') || cookie;
    const page = await t.http.get(`/bookings/${b.id}`).set(HTML).set('cookie', session);
    expect(page.status).toBe(200);
    expect(page.text).toContain('Paid at the hub');
    const cancel = await t.http.get(`/bookings/${b.id}/cancel`).set(HTML).set('cookie', session);
    expect(cancel.status).toBe(200);
    expect(cancel.text).toContain('The hub gives it back the way you paid (cash, bank transfer or cheque).');
    expect(cancel.text).not.toContain('You have not paid for this booking');
  });
});
