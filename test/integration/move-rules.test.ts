import Stripe from 'stripe';
import { createTestApp, type TestApp } from '../helpers/app';
import { addRole, expectProblem, makeHub, makeOrg, makeRoom, makeWorld } from '../helpers/factories';
import { seedCard } from '../helpers/pricing';
import { type FakeStripe, startFakeStripe } from '../fakes/fake-stripe';
import { JOBS, runJob } from '../../src/worker/jobs';

// The clock reads Monday 2026-03-02 09:00Z. The hub's policy: 100 % back with a week's notice, 50 % with 48 hours, else nothing.
const SECRET = 'whsec_test_move_rules';
let fake: FakeStripe;
let t: TestApp;
let w: Awaited<ReturnType<typeof makeWorld>>;
const signer = new Stripe('sk_test_signer');
beforeAll(async () => {
  fake = await startFakeStripe({ now: () => (t ? t.clock.now() : new Date('2026-03-02T09:00:00Z')) });
  t = await createTestApp({ env: { STRIPE_SECRET_KEY: 'sk_test_hubkey', STRIPE_WEBHOOK_SECRET: SECRET, STRIPE_API_BASE: fake.url } });
  w = await makeWorld(t);
  await seedCard(t, w.hub.id); // private 40.00 an hour
});
afterAll(async () => {
  await t.close();
  await fake.close();
});

const book = (auth: Record<string, string>, body: Record<string, unknown>) => t.http.post('/bookings').set(auth).send({ title: 'Workshop', attendees: 4, ...body });
const move = (auth: Record<string, string>, id: string, body: Record<string, unknown>) => t.http.post(`/bookings/${id}/move`).set(auth).send(body);

async function pay(id: string) {
  const co = await t.http.post(`/bookings/${id}/checkout`).set(w.hirer.auth).send({});
  expect(co.status).toBe(200);
  const session = fake.completeCheckoutSession(fake.state.checkoutSessions.get(co.body.checkoutUrl.split('/').pop()!)!.id);
  const payload = JSON.stringify(fake.makeEvent('checkout.session.completed', session));
  const res = await t.http.post('/webhooks/stripe').set('content-type', 'application/json').set('stripe-signature', signer.webhooks.generateTestHeaderString({ payload, secret: SECRET })).send(payload);
  expect(res.status).toBe(200);
}

describe('a move re-runs what a new booking runs', () => {
  it('prices a booking made in an unpriced room when it moves into a priced one', async () => {
    const bare = await makeHub(t);
    await addRole(t, bare.id, w.staff.id, 'staff');
    const unpriced = await makeRoom(t, bare.id);
    const org = await makeOrg(t, [w.hirer.id], { claimedTier: 'private' });
    const made = await book(w.hirer.auth, { roomId: unpriced.id, organisationId: org.id, startsAt: '2026-03-10T10:00:00', endsAt: '2026-03-10T11:00:00' });
    expect(made.body).toMatchObject({ status: 'confirmed', price: null });
    const moved = await move(w.hirer.auth, made.body.id, { roomId: w.smallRoom.id, startsAt: '2026-03-10T10:00:00', endsAt: '2026-03-10T11:00:00' });
    expect(moved.status).toBe(200);
    expect(moved.body).toMatchObject({ status: 'awaiting_payment', price: { tier: 'private', amountPence: 4000 } });
  });

  it('sends a first-time hirer moved into a hub that holds first-timers to approval', async () => {
    const careful = await makeHub(t, { settings: { approval: 'first_time' } });
    await seedCard(t, careful.id);
    const room = await makeRoom(t, careful.id);
    const org = await makeOrg(t, [w.hirer.id], { claimedTier: 'private' });
    const made = await book(w.hirer.auth, { roomId: w.smallRoom.id, organisationId: org.id, startsAt: '2026-03-11T10:00:00', endsAt: '2026-03-11T11:00:00' });
    expect(made.body.status).toBe('awaiting_payment');
    const moved = await move(w.hirer.auth, made.body.id, { roomId: room.id, startsAt: '2026-03-11T10:00:00', endsAt: '2026-03-11T11:00:00' });
    expect(moved.body).toMatchObject({ status: 'requested', statusReason: 'approval_required', hubId: careful.id });
    expect(moved.body.requestExpiresAt).toMatch(/^2026-03-\d{2}T\d{2}:\d{2}:\d{2}\+00:00$/);

    // An invoiced booking (money in flight: the invoice sent by Stripe) cannot be sent back to approval by its hirer: staff move it.
    const invoiced = await makeOrg(t, [w.hirer.id], { claimedTier: 'statutory', paysByInvoice: true });
    const billed = await book(w.hirer.auth, { roomId: w.smallRoom.id, organisationId: invoiced.id, startsAt: '2026-03-11T12:00:00', endsAt: '2026-03-11T13:00:00' });
    expect(billed.body.status).toBe('confirmed');
    await runJob(t.container, JOBS.find((j) => j.name === 'payments.retry-pending')!);
    const there = { roomId: room.id, startsAt: '2026-03-11T12:00:00', endsAt: '2026-03-11T13:00:00' };
    expectProblem(await move(w.hirer.auth, billed.body.id, there), 422, 'move_needs_approval');
    expect((await t.http.get(`/bookings/${billed.body.id}`).set(w.hirer.auth)).body.roomId).toBe(w.smallRoom.id);
  });

  it('sends a booking of an unverified claim back to tier review when the hirer moves it, priced at the standing tier', async () => {
    const org = await makeOrg(t, [w.hirer.id], { claimedTier: 'community' });
    // Staff booked it for the group (staff are not held for review) ...
    const made = await book(w.staff.auth, { roomId: w.smallRoom.id, organisationId: org.id, startsAt: '2026-03-12T10:00:00', endsAt: '2026-03-12T11:00:00' });
    expect(made.body.status).toBe('awaiting_payment');
    // ... the hirer's move is a new request: it waits for staff to check the claim.
    const moved = await move(w.hirer.auth, made.body.id, { startsAt: '2026-03-12T14:00:00', endsAt: '2026-03-12T15:00:00' });
    expect(moved.body).toMatchObject({ status: 'requested', statusReason: 'tier_review', price: { tier: 'community', amountPence: 1000 } });
  });

  it('keeps the price of a paid booking: a hirer may not move it to a dearer time, staff may and the price stays', async () => {
    const org = await makeOrg(t, [w.hirer.id], { claimedTier: 'private' });
    const made = await book(w.hirer.auth, { roomId: w.room.id, organisationId: org.id, startsAt: '2026-03-13T10:00:00', endsAt: '2026-03-13T11:00:00' });
    await pay(made.body.id);
    const dearer = { startsAt: '2026-03-13T10:00:00', endsAt: '2026-03-13T12:00:00' };
    expectProblem(await move(w.hirer.auth, made.body.id, dearer), 422, 'price_changes');
    const byStaff = await move(w.staff.auth, made.body.id, dearer);
    expect(byStaff.body).toMatchObject({ status: 'confirmed', price: { amountPence: 4000 } });
  });
});

describe('a move never makes a booking more refundable', () => {
  it('counts notice from the original start: paid the day before, moved a month ahead, cancelled, nothing back', async () => {
    const org = await makeOrg(t, [w.hirer.id], { claimedTier: 'private' });
    const made = await book(w.hirer.auth, { roomId: w.room.id, organisationId: org.id, startsAt: '2026-03-03T10:00:00', endsAt: '2026-03-03T11:00:00' });
    await pay(made.body.id);
    const moved = await move(w.hirer.auth, made.body.id, { startsAt: '2026-04-07T10:00:00', endsAt: '2026-04-07T11:00:00' });
    expect(moved.body).toMatchObject({ status: 'confirmed', startsAt: '2026-04-07T10:00:00+01:00', price: { amountPence: 4000 } });
    const cancelled = await t.http.post(`/bookings/${made.body.id}/cancel`).set(w.hirer.auth).send({});
    expect(cancelled.body.status).toBe('cancelled');
    expect(cancelled.body.refunds).toEqual([]);
  });

  it('still refunds by the policy a booking moved earlier, from its new start', async () => {
    const org = await makeOrg(t, [w.hirer.id], { claimedTier: 'private' });
    const made = await book(w.hirer.auth, { roomId: w.room.id, organisationId: org.id, startsAt: '2026-04-14T10:00:00', endsAt: '2026-04-14T11:00:00' });
    await pay(made.body.id);
    await move(w.hirer.auth, made.body.id, { startsAt: '2026-03-05T10:00:00', endsAt: '2026-03-05T11:00:00' });
    const cancelled = await t.http.post(`/bookings/${made.body.id}/cancel`).set(w.hirer.auth).send({});
    expect(cancelled.body.refunds).toEqual([expect.objectContaining({ percent: 50, amountPence: 2000 })]);
  });
});

describe('a request that touches several bookings', () => {
  it('checks each date of a series checkout against the caller: staff do not take payment for a date moved to a hub they do not staff', async () => {
    const org = await makeOrg(t, [w.hirer.id], { claimedTier: 'private' });
    const far = await makeRoom(t, w.otherHub.id);
    await seedCard(t, w.otherHub.id);
    const made = await book(w.hirer.auth, { roomId: w.smallRoom.id, organisationId: org.id, startsAt: '2026-03-17T10:00:00', endsAt: '2026-03-17T11:00:00', recurrence: { weekdays: [2], count: 2 } });
    const [first, second] = made.body.bookings as { id: string }[];
    const moved = await move(w.hirer.auth, second.id, { roomId: far.id, startsAt: '2026-03-24T10:00:00', endsAt: '2026-03-24T11:00:00' });
    expect(moved.body).toMatchObject({ hubId: w.otherHub.id, status: 'awaiting_payment' });
    const byStaff = await t.http.post(`/bookings/${first.id}/checkout`).set(w.staff.auth).send({ scope: 'series' });
    expect(byStaff.status).toBe(200);
    expect(byStaff.body.amountPence).toBe(4000);
    const byHirer = await t.http.post(`/bookings/${second.id}/checkout`).set(w.hirer.auth).send({ scope: 'series' });
    expect(byHirer.status).toBe(200);
  });
});
