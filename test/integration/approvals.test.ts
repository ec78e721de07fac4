import { and, eq, inArray } from 'drizzle-orm';
import { outbox, organisations } from '../../src/db/schema';
import { createTestApp, type TestApp } from '../helpers/app';
import { addRole, expectProblem, makeHub, makeOrg, makeRoom, makeUser, makeWorld } from '../helpers/factories';
import { JOBS, runJob } from '../../src/worker/jobs';
import { seedCard } from '../helpers/pricing';

// The clock reads Wednesday 2031-03-05 09:00Z: far from the other files' clocks, so the texts this
// file queues are never due for their outbox senders on a shared PostgreSQL database.
const NOW = '2031-03-05T09:00:00Z';
let t: TestApp;
let w: Awaited<ReturnType<typeof makeWorld>>;
beforeAll(async () => {
  t = await createTestApp({ now: NOW });
  w = await makeWorld(t);
  await seedCard(t, w.hub.id, { effectiveFrom: '2031-01-01' });
});
afterAll(async () => {
  // Leave no texts of ours pending for another file's sender.
  await t.container.database.db.update(outbox).set({ status: 'failed', lastError: 'test cleanup' }).where(and(eq(outbox.status, 'pending'), inArray(outbox.to, ['+447700900777', '+447700900321'])));
  await t.close();
});

let day = 0;
const nextDay = () => new Date(Date.UTC(2031, 4, 4 + day++)).toISOString().slice(0, 10);
const book = (auth: Record<string, string>, roomId: string, organisationId: string, over: Record<string, unknown> = {}) => {
  const d = nextDay();
  return t.http
    .post('/bookings')
    .set(auth)
    .send({ roomId, organisationId, title: 'Group', attendees: 5, startsAt: `${d}T10:00:00`, endsAt: `${d}T12:00:00`, contactPhone: '+447700900777', ...over });
};
const texts = (bookingId: string) => t.container.database.db.select().from(outbox).where(eq(outbox.bookingId, bookingId));

describe('an unverified community claim waits for staff', () => {
  it('is requested, queued for staff with its standing, verified and approved, re-priced at the verified tier', async () => {
    const org = await makeOrg(t, [w.hirer.id], { claimedTier: 'community' });
    const made = await book(w.hirer.auth, w.room.id, org.id);
    expect(made.status).toBe(201);
    expect(made.body).toMatchObject({ status: 'requested', statusReason: 'tier_review', price: { tier: 'community', amountPence: 2000 } });

    const queue = await t.http.get(`/hubs/${w.hub.id}/approvals`).set(w.staff.auth);
    expect(queue.status).toBe(200);
    const item = queue.body.items.find((i: { id: string }) => i.id === made.body.id);
    expect(item).toMatchObject({ waitingFor: 'tier_review', organisation: { id: org.id, claimedTier: 'community', verificationStatus: 'unverified', needsReview: true } });

    // Staff find it is really a national charity.
    const verified = await t.http.post(`/organisations/${org.id}/verify`).set(w.staff.auth).send({ tier: 'national_charity', evidence: 'Registered charity 1234567, national', recheckOn: '2032-03-01' });
    expect(verified.status).toBe(200);
    const approved = await t.http.post(`/bookings/${made.body.id}/approve`).set(w.staff.auth);
    expect(approved.status).toBe(200);
    expect(approved.body).toMatchObject({ status: 'awaiting_payment', price: { tier: 'national_charity', amountPence: 4000, subsidyPence: 4000 } });
    const sent = await texts(made.body.id);
    expect(sent.map((m) => m.kind)).toContain('booking_approved');
    expect(sent.find((m) => m.kind === 'booking_approved')).toMatchObject({ to: '+447700900777' });
    expect((await t.http.get(`/hubs/${w.hub.id}/approvals`).set(w.staff.auth)).body.items.map((i: { id: string }) => i.id)).not.toContain(made.body.id);
  });

  it('keeps the quoted community price when staff approve without changing the tier', async () => {
    const org = await makeOrg(t, [w.hirer.id], { claimedTier: 'community' });
    const made = await book(w.hirer.auth, w.room.id, org.id);
    const approved = await t.http.post(`/bookings/${made.body.id}/approve`).set(w.staff.auth);
    expect(approved.body).toMatchObject({ status: 'awaiting_payment', price: { tier: 'community', amountPence: 2000 } });
  });

  it('prices a verified community group at the community rate without waiting', async () => {
    const org = await makeOrg(t, [w.hirer.id], { claimedTier: 'community', verifiedTier: 'community', verificationStatus: 'verified', recheckOn: '2032-01-01' });
    const made = await book(w.hirer.auth, w.room.id, org.id);
    expect(made.body).toMatchObject({ status: 'awaiting_payment', price: { tier: 'community', amountPence: 2000 } });
  });

  it('sends a group whose verification is past its re-check date back to staff', async () => {
    const org = await makeOrg(t, [w.hirer.id], { claimedTier: 'community', verifiedTier: 'community', verificationStatus: 'verified', recheckOn: '2031-03-01' });
    const made = await book(w.hirer.auth, w.room.id, org.id);
    expect(made.body).toMatchObject({ status: 'requested', statusReason: 'tier_review' });
    // Staff re-check it, and the booking can go ahead at the community rate.
    await t.container.database.db.update(organisations).set({ recheckOn: '2032-03-01' }).where(eq(organisations.id, org.id));
    const approved = await t.http.post(`/bookings/${made.body.id}/approve`).set(w.staff.auth);
    expect(approved.body).toMatchObject({ status: 'awaiting_payment', price: { tier: 'community', amountPence: 2000 } });
  });
});

describe('hubs that approve bookings', () => {
  it('holds every booking for approval at a hub that approves all, and tells the hirer when staff decline', async () => {
    const hub = await makeHub(t, { settings: { approval: 'all' } });
    const room = await makeRoom(t, hub.id);
    await seedCard(t, hub.id, { effectiveFrom: '2031-01-01' });
    await addRole(t, hub.id, w.staff.id, 'staff');
    const made = await book(w.hirer.auth, room.id, w.org.id);
    expect(made.body).toMatchObject({ status: 'requested', statusReason: 'approval_required' });
    const queue = await t.http.get(`/hubs/${hub.id}/approvals`).set(w.staff.auth);
    expect(queue.body.items).toEqual([expect.objectContaining({ id: made.body.id, waitingFor: 'approval' })]);

    expectProblem(await t.http.post(`/bookings/${made.body.id}/decline`).set(w.staff.auth).send({ reason: '' }), 400, 'validation_failed');
    const declined = await t.http.post(`/bookings/${made.body.id}/decline`).set(w.staff.auth).send({ reason: 'The hall is being painted that week' });
    expect(declined.body).toMatchObject({ status: 'declined', statusReason: 'declined_by_staff', reason: 'The hall is being painted that week' });
    const sent = await texts(made.body.id);
    expect(sent).toEqual([expect.objectContaining({ kind: 'booking_declined', to: '+447700900777' })]);
    expect(sent[0].body).toMatch(/painted/);
    expectProblem(await t.http.post(`/bookings/${made.body.id}/approve`).set(w.staff.auth), 422, 'invalid_status');
    // Staff booking for a group are the approvers: theirs go straight through.
    const byStaff = await book(w.staff.auth, room.id, w.org.id);
    expect(byStaff.body.status).toBe('awaiting_payment');
  });

  it('asks first-time hirers only, at a first_time hub', async () => {
    const hub = await makeHub(t, { settings: { approval: 'first_time' } });
    const room = await makeRoom(t, hub.id);
    await seedCard(t, hub.id, { effectiveFrom: '2031-01-01' });
    await addRole(t, hub.id, w.staff.id, 'staff');
    const org = await makeOrg(t, [w.hirer.id], { claimedTier: 'statutory', paysByInvoice: true });
    const first = await book(w.hirer.auth, room.id, org.id);
    expect(first.body.status).toBe('requested');
    const approved = await t.http.post(`/bookings/${first.body.id}/approve`).set(w.staff.auth);
    expect(approved.body.status).toBe('confirmed'); // pays by invoice
    const second = await book(w.hirer.auth, room.id, org.id);
    expect(second.body.status).toBe('confirmed');
  });

  it('lets only staff of the hub see the queue and decide', async () => {
    const org = await makeOrg(t, [w.hirer.id], { claimedTier: 'community' });
    const made = await book(w.hirer.auth, w.room.id, org.id);
    expectProblem(await t.http.get(`/hubs/${w.hub.id}/approvals`), 401, 'unauthenticated');
    expectProblem(await t.http.get(`/hubs/${w.hub.id}/approvals`).set(w.hirer.auth), 403, 'forbidden');
    expectProblem(await t.http.get(`/hubs/${w.hub.id}/approvals`).set(w.otherStaff.auth), 403, 'forbidden');
    expectProblem(await t.http.get(`/hubs/nope/approvals`).set(w.staff.auth), 400, 'validation_failed');
    expectProblem(await t.http.post(`/bookings/${made.body.id}/approve`).set(w.hirer.auth), 403, 'forbidden');
    expectProblem(await t.http.post(`/bookings/${made.body.id}/approve`).set(w.otherStaff.auth), 404, 'not_found');
    expectProblem(await t.http.post(`/bookings/${made.body.id}/decline`).set(w.stranger.auth).send({ reason: 'no' }), 404, 'not_found');
    expect((await t.http.get(`/bookings/${made.body.id}`).set(w.hirer.auth)).body.status).toBe('requested');
  });
});

describe('tier re-check lapses', () => {
  it('alerts the staff of hubs where a lapsed organisation has bookings ahead, once', async () => {
    const hub = await makeHub(t);
    const room = await makeRoom(t, hub.id);
    const staff = await makeUser(t, { phone: '+447700900321' });
    await addRole(t, hub.id, staff.id, 'staff');
    const org = await makeOrg(t, [w.hirer.id], { claimedTier: 'community', verifiedTier: 'community', verificationStatus: 'verified', recheckOn: '2031-12-01' });
    const made = await book(w.hirer.auth, room.id, org.id);
    expect(made.status).toBe(201);
    const job = JOBS.find((j) => j.name === 'organisations.alert-lapsed-rechecks')!;
    expect(await runJob(t.container, job)).toBe(0); // not lapsed yet
    await t.container.database.db.update(organisations).set({ recheckOn: '2031-03-01' }).where(eq(organisations.id, org.id));
    expect(await runJob(t.container, job)).toBe(1);
    expect(await runJob(t.container, job)).toBe(0);
    const alerts = await t.container.database.db.select().from(outbox).where(eq(outbox.kind, 'tier_recheck_due'));
    expect(alerts.filter((a) => a.hubId === hub.id)).toEqual([expect.objectContaining({ to: '+447700900321' })]);
  });
});
