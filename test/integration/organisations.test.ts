import { randomUUID } from 'node:crypto';
import { createTestApp, type TestApp } from '../helpers/app';
import { expectProblem, makeRoom, makeUser, makeWorld } from '../helpers/factories';

let t: TestApp;
let w: Awaited<ReturnType<typeof makeWorld>>;
beforeAll(async () => {
  t = await createTestApp();
  w = await makeWorld(t);
});
afterAll(() => t.close());

let slot = 0;
/** The organisation books at the room's hub (a community claim's booking waits as requested): it now hires there. */
const hireAt = async (orgId: string, roomId: string) => {
  slot += 1;
  const day = `2026-05-${String(slot).padStart(2, '0')}`;
  const res = await t.http.post('/bookings').set(w.hirer.auth).send({ roomId, organisationId: orgId, title: 'Club', attendees: 3, startsAt: `${day}T10:00`, endsAt: `${day}T11:00` });
  expect(res.status).toBe(201);
};

const orgBody = (over: Record<string, unknown> = {}) => ({ name: `Youth Club ${randomUUID().slice(0, 4)}`, claimedTier: 'community', charityNumber: '1234567', contactPhone: '+447700900111', ...over });

describe('organisations', () => {
  it('registers a group with its creator as member; a community claim starts unverified and needs review', async () => {
    const res = await t.http.post('/organisations').set(w.hirer.auth).send(orgBody());
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ claimedTier: 'community', tier: 'community', verified: false, needsReview: true, verificationStatus: 'unverified' });
    const got = await t.http.get(`/organisations/${res.body.id}`).set(w.hirer.auth);
    expect(got.body.members.map((m: { userId: string }) => m.userId)).toEqual([w.hirer.id]);
    const mine = await t.http.get('/organisations').set(w.hirer.auth);
    expect(mine.body.items.map((o: { id: string }) => o.id)).toContain(res.body.id);
  });

  it('needs review for every claim cheaper than the private rate, and none for private', async () => {
    const res = await t.http.post('/organisations').set(w.hirer.auth).send(orgBody({ claimedTier: 'statutory' }));
    expect(res.body).toMatchObject({ tier: 'statutory', needsReview: true });
    const priv = await t.http.post('/organisations').set(w.hirer.auth).send(orgBody({ claimedTier: 'private' }));
    expect(priv.body).toMatchObject({ tier: 'private', needsReview: false });
  });

  it.each([
    [{ claimedTier: 'charity' }, 'body.claimedTier'],
    [{ name: '' }, 'body.name'],
    [{ contactPhone: '020 7946 0000' }, 'body.contactPhone'],
    [{ contactPhone: 'call me' }, 'body.contactPhone'],
  ])('refuses bad input %#', async (over, path) => {
    const res = await t.http.post('/organisations').set(w.hirer.auth).send(orgBody(over));
    expectProblem(res, 400, 'validation_failed');
    expect(res.body.errors.map((e: { path: string }) => e.path)).toContain(path);
  });

  it('lets staff verify with evidence and a re-check date, keeping every decision', async () => {
    const org = (await t.http.post('/organisations').set(w.hirer.auth).send(orgBody())).body;
    await hireAt(org.id, w.smallRoom.id);
    await hireAt(org.id, (await makeRoom(t, w.otherHub.id)).id);
    const res = await t.http
      .post(`/organisations/${org.id}/verify`)
      .set(w.staff.auth)
      .send({ tier: 'community', evidence: 'Charity 1234567 checked; income under £25k', recheckOn: '2027-03-01' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ tier: 'community', verified: true, needsReview: false, recheckOn: '2027-03-01' });
    await t.http.post(`/organisations/${org.id}/verify`).set(w.otherStaff.auth).send({ tier: 'national_charity', evidence: 'Turns out national', recheckOn: '2027-06-01' });
    const got = await t.http.get(`/organisations/${org.id}`).set(w.hirer.auth);
    expect(got.body.tier).toBe('national_charity');
    expect(got.body.verifications.map((v: { tier: string }) => v.tier)).toEqual(['community', 'national_charity']);
    expect(got.body.verifications[0].verifiedByName).toBe('Staff');
  });

  it('sends a verification past its re-check date back to staff', async () => {
    const org = (await t.http.post('/organisations').set(w.hirer.auth).send(orgBody())).body;
    await hireAt(org.id, w.smallRoom.id);
    const verified = await t.http.post(`/organisations/${org.id}/verify`).set(w.staff.auth).send({ tier: 'community', evidence: 'Income checked', recheckOn: '2026-04-01' });
    expect(verified.status).toBe(200);
    expect((await t.http.get(`/organisations/${org.id}`).set(w.hirer.auth)).body).toMatchObject({ verified: true, needsReview: false });
    t.clock.set('2026-04-02T09:00:00Z');
    try {
      expect((await t.http.get(`/organisations/${org.id}`).set(w.hirer.auth)).body).toMatchObject({ tier: 'community', verified: false, needsReview: true });
      const b = await t.http
        .post('/bookings')
        .set(w.hirer.auth)
        .send({ roomId: w.room.id, organisationId: org.id, title: 'Club', attendees: 5, startsAt: '2026-04-20T10:00', endsAt: '2026-04-20T11:00' });
      expect(b.body.status).toBe('requested');
    } finally {
      t.clock.set('2026-03-02T09:00:00Z');
    }
  });

  it('refuses verification by hirers (403 for members, 404 for strangers) and bad evidence', async () => {
    const org = (await t.http.post('/organisations').set(w.hirer.auth).send(orgBody())).body;
    await hireAt(org.id, w.smallRoom.id);
    const v = { tier: 'community', evidence: 'trust me', recheckOn: '2027-01-01' };
    expectProblem(await t.http.post(`/organisations/${org.id}/verify`).set(w.hirer.auth).send(v), 403, 'forbidden');
    expectProblem(await t.http.post(`/organisations/${org.id}/verify`).set(w.stranger.auth).send(v), 404, 'not_found');
    expectProblem(await t.http.post(`/organisations/${org.id}/verify`).set(w.staff.auth).send({ ...v, recheckOn: '2026-01-01' }), 422, 'recheck_in_past');
    expectProblem(await t.http.post(`/organisations/${org.id}/verify`).set(w.staff.auth).send({ ...v, recheckOn: '2027-02-30' }), 400, 'validation_failed');
    expectProblem(await t.http.post(`/organisations/${org.id}/verify`).set(w.staff.auth).send({ ...v, evidence: '' }), 400, 'validation_failed');
    expect((await t.http.get(`/organisations/${org.id}`).set(w.hirer.auth)).body.verified).toBe(false);
  });

  it("hides an organisation from people who are neither its members nor staff", async () => {
    const org = (await t.http.post('/organisations').set(w.hirer.auth).send(orgBody())).body;
    expectProblem(await t.http.get(`/organisations/${org.id}`).set(w.stranger.auth), 404, 'not_found');
    expect((await t.http.get(`/organisations/${org.id}`).set(w.otherStaff.auth)).status).toBe(200);
    expectProblem(await t.http.get('/organisations?all=true').set(w.hirer.auth), 403, 'forbidden');
    expect((await t.http.get('/organisations?all=true').set(w.staff.auth)).body.items.map((o: { id: string }) => o.id)).toContain(org.id);
    expectProblem(await t.http.get(`/organisations/${org.id}`), 401, 'unauthenticated');
  });

  it('lets a member invite another registered user, who can book for the group once they accept', async () => {
    const org = (await t.http.post('/organisations').set(w.hirer.auth).send(orgBody({ claimedTier: 'private' }))).body;
    const friend = await makeUser(t);
    expectProblem(await t.http.post(`/organisations/${org.id}/members`).set(w.stranger.auth).send({ email: friend.email }), 404, 'not_found');
    expectProblem(await t.http.post(`/organisations/${org.id}/members`).set(w.staff.auth).send({ email: friend.email }), 403, 'forbidden');
    const res = await t.http.post(`/organisations/${org.id}/members`).set(w.hirer.auth).send({ email: friend.email });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ email: friend.email, role: 'member', organisationId: org.id });
    const book = () =>
      t.http
        .post('/bookings')
        .set(friend.auth)
        .send({ roomId: w.room.id, organisationId: org.id, title: 'Workshop', attendees: 5, startsAt: '2026-04-21T10:00', endsAt: '2026-04-21T11:00' });
    expect((await book()).status).toBe(404);
    expect((await t.http.post(`/invitations/${res.body.link.split('/').pop()}/accept`).set(friend.auth).send({})).status).toBe(200);
    expect((await book()).status).toBe(201);
  });
});
