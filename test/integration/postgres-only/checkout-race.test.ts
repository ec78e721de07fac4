import { createTestApp, type TestApp } from '../../helpers/app';
import { makeWorld } from '../../helpers/factories';
import { seedCard } from '../../helpers/pricing';
import { type FakeStripe, startFakeStripe } from '../../fakes/fake-stripe';

/** Simultaneous checkouts of one booking must never open two Stripe sessions (a double charge waiting to happen). */
let fake: FakeStripe;
let t: TestApp;
let w: Awaited<ReturnType<typeof makeWorld>>;
beforeAll(async () => {
  fake = await startFakeStripe({ now: () => (t ? t.clock.now() : new Date('2026-03-02T09:00:00Z')) });
  t = await createTestApp({ env: { STRIPE_SECRET_KEY: 'sk_test_hubkey', STRIPE_WEBHOOK_SECRET: 'whsec_test', STRIPE_API_BASE: fake.url } });
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  w = await makeWorld(t);
  await seedCard(t, w.hub.id);
});
afterAll(async () => {
  await t.close();
  await fake.close();
});

describe('checkout under concurrency (PostgreSQL)', () => {
  it('opens one session for 20 simultaneous checkouts of the same booking', async () => {
    const b = await t.http
      .post('/bookings')
      .set(w.hirer.auth)
      .send({ roomId: w.room.id, organisationId: w.org.id, title: 'Workshop', attendees: 8, startsAt: '2026-03-20T10:00', endsAt: '2026-03-20T12:00' });
    expect(b.body.status).toBe('awaiting_payment');
    const results = await Promise.all(Array.from({ length: 20 }, () => t.http.post(`/bookings/${b.body.id}/checkout`).set(w.hirer.auth).send({})));
    const ok = results.filter((r) => r.status === 200);
    const busy = results.filter((r) => r.status === 409);
    expect(ok.length + busy.length).toBe(20);
    expect(ok.length).toBeGreaterThanOrEqual(1);
    for (const r of busy) expect(r.body.code).toBe('checkout_in_progress');
    expect(new Set(ok.map((r) => r.body.checkoutUrl)).size).toBe(1);
    const created = fake.requests.filter((r) => r.method === 'POST' && r.path === '/v1/checkout/sessions');
    expect(created).toHaveLength(1);
    // Once it is open, asking again returns the same session.
    const again = await t.http.post(`/bookings/${b.body.id}/checkout`).set(w.hirer.auth).send({});
    expect(again.body.checkoutUrl).toBe(ok[0].body.checkoutUrl);
  });
});
