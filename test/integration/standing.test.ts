import { createTestApp, type TestApp } from '../helpers/app';
import { addRole, expectProblem, makeHub, makeOrg, makeRoom, makeUser, makeWorld } from '../helpers/factories';
import { seedCard } from '../helpers/pricing';

// The clock reads Monday 2026-03-02 09:00Z.
let t: TestApp;
let w: Awaited<ReturnType<typeof makeWorld>>;
beforeAll(async () => {
  t = await createTestApp();
  w = await makeWorld(t);
  await seedCard(t, w.hub.id);
});
afterAll(() => t.close());

const book = (auth: Record<string, string>, organisationId: string, startsAt: string, endsAt: string, roomId = w.smallRoom.id) =>
  t.http.post('/bookings').set(auth).send({ roomId, organisationId, title: 'Clinic', attendees: 3, startsAt, endsAt });
const verify = (auth: Record<string, string>, id: string, over: Record<string, unknown> = {}) =>
  t.http.post(`/organisations/${id}/verify`).set(auth).send({ tier: 'statutory', evidence: 'Council purchase order seen', recheckOn: '2027-01-01', ...over });

describe('claims cheaper than the private rate', () => {
  it.each([
    ['national_charity', '2026-03-10'],
    ['statutory', '2026-03-11'],
    ['community', '2026-03-12'],
  ] as const)('an unverified %s claim waits for review, and is priced at the claim once verified', async (tier, day) => {
    const org = await makeOrg(t, [w.hirer.id], { claimedTier: tier, verificationStatus: 'unverified' });
    const read = await t.http.get(`/organisations/${org.id}`).set(w.hirer.auth);
    expect(read.body).toMatchObject({ tier, needsReview: true, verified: false });
    const made = await book(w.hirer.auth, org.id, `${day}T10:00:00`, `${day}T11:00:00`);
    expect(made.body).toMatchObject({ status: 'requested', statusReason: 'tier_review', price: { tier } });
    expect((await verify(w.staff.auth, org.id, { tier })).status).toBe(200);
    const next = await book(w.hirer.auth, org.id, `${day}T12:00:00`, `${day}T13:00:00`);
    expect(next.body.status).not.toBe('requested');
    expect(next.body.price.tier).toBe(tier);
  });

  it('a private claim needs no review', async () => {
    const org = await makeOrg(t, [w.hirer.id], { claimedTier: 'private' });
    const made = await book(w.hirer.auth, org.id, '2026-03-17T10:00:00', '2026-03-17T11:00:00');
    expect(made.body).toMatchObject({ status: 'awaiting_payment', statusReason: null, price: { tier: 'private' } });
  });
});

describe('who may change a network-wide standing', () => {
  it('refuses staff of a hub the organisation has never booked at, and changes nothing', async () => {
    const org = await makeOrg(t, [w.hirer.id], { claimedTier: 'statutory', verificationStatus: 'unverified' });
    await book(w.hirer.auth, org.id, '2026-03-18T10:00:00', '2026-03-18T11:00:00');
    const res = await verify(w.otherStaff.auth, org.id, { paysByInvoice: true });
    expectProblem(res, 403, 'forbidden');
    const read = await t.http.get(`/organisations/${org.id}`).set(w.otherStaff.auth);
    expect(read.body).toMatchObject({ verificationStatus: 'unverified', paysByInvoice: false, verifications: [] });
  });

  it('lets staff of a hub it hires at, and an admin, change it; every hub sees the history', async () => {
    const org = await makeOrg(t, [w.hirer.id], { claimedTier: 'statutory', verificationStatus: 'unverified' });
    expectProblem(await verify(w.staff.auth, org.id), 403, 'forbidden');
    await book(w.hirer.auth, org.id, '2026-03-19T10:00:00', '2026-03-19T11:00:00');
    const byStaff = await verify(w.staff.auth, org.id, { paysByInvoice: true });
    expect(byStaff.body).toMatchObject({ tier: 'statutory', verified: true, paysByInvoice: true });
    const byAdmin = await verify(w.admin.auth, org.id, { tier: 'private', evidence: 'Turned out to be a contractor', paysByInvoice: false });
    expect(byAdmin.body).toMatchObject({ tier: 'private', paysByInvoice: false });

    // Staff of a hub where it never booked see the whole history.
    const elsewhere = await makeUser(t);
    const hub = await makeHub(t);
    await addRole(t, hub.id, elsewhere.id, 'staff');
    await makeRoom(t, hub.id);
    const read = await t.http.get(`/organisations/${org.id}`).set(elsewhere.auth);
    expect(read.body.verifications).toEqual([
      expect.objectContaining({ tier: 'statutory', paysByInvoice: true, verifiedBy: w.staff.id, verifiedByName: 'Staff' }),
      expect.objectContaining({ tier: 'private', paysByInvoice: false, verifiedBy: w.admin.id }),
    ]);
    expect(read.body.verifications[0].createdAt).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}[+-]\d{2}:\d{2}$/);
    expectProblem(await verify(w.hirer.auth, org.id), 403, 'forbidden');
  });
});
