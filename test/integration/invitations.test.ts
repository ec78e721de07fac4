import { eq } from 'drizzle-orm';
import { randomUUID } from 'node:crypto';
import { bookings, hubMembers, invitations, organisationMembers, outbox, users } from '../../src/db/schema';
import { createTestApp, type TestApp } from '../helpers/app';
import { expectProblem, makeOrg, makeRoom, makeUser, makeWorld, PASSWORD } from '../helpers/factories';

/** Membership is an invitation the person accepts (docs/security.md, "Who can join what"). */
let t: TestApp;
let w: Awaited<ReturnType<typeof makeWorld>>;
beforeAll(async () => {
  t = await createTestApp();
  w = await makeWorld(t);
});
afterAll(() => t.close());

const newEmail = () => `inv-${randomUUID().slice(0, 8)}@test.example`;
const tokenOf = (link: string) => link.split('/').pop()!;
const invite = (auth: Record<string, string>, body: Record<string, unknown>, hubId = w.hub.id) => t.http.post(`/hubs/${hubId}/invitations`).set(auth).send(body);
const accept = (token: string, body: Record<string, unknown> = {}, auth: Record<string, string> = {}) => t.http.post(`/invitations/${token}/accept`).set(auth).send(body);
const rolesOf = async (userId: string) =>
  (await t.container.database.db.select().from(hubMembers).where(eq(hubMembers.userId, userId))).map((r) => `${r.hubId === w.hub.id ? 'hub' : r.hubId}:${r.role}`).sort();
const countInvitations = async () => (await t.container.database.db.select().from(invitations)).length;

describe('POST /hubs/:hubId/invitations', () => {
  it('answers a one-time link, texted when a phone is given, storing only a hash of its token', async () => {
    const email = newEmail();
    const res = await invite(w.staff.auth, { email, role: 'volunteer', name: 'Vee', phone: '+447700900901' });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ email, role: 'volunteer', hubId: w.hub.id, organisationId: null, texted: true });
    expect(res.body.link).toMatch(/^http:\/\/hubkey\.test\/invitations\/[A-Za-z0-9_-]{43}$/);
    expect(new Date(res.body.expiresAt).getTime() - t.clock.now().getTime()).toBe(7 * 86_400_000);
    const token = tokenOf(res.body.link);
    const [row] = await t.container.database.db.select().from(invitations).where(eq(invitations.id, res.body.id));
    expect(JSON.stringify(row)).not.toContain(token);
    expect(row.tokenHash).toMatch(/^[0-9a-f]{64}$/);
    const texts = await t.container.database.db.select().from(outbox).where(eq(outbox.to, '+447700900901'));
    expect(texts).toHaveLength(1);
    expect(texts[0]).toMatchObject({ kind: 'invitation', hubId: w.hub.id });
    // The outbox never holds the token in clear: the body has a placeholder, the token is encrypted beside it.
    expect(JSON.stringify(texts[0])).not.toContain(token);
    expect(texts[0].body).toContain('http://hubkey.test/invitations/{{secret}}');
    expect(texts[0].body).toContain('Staff');
    expect(texts[0].secretCipher).toMatch(/^v1\./);
    // Rendered only when sent; once sent, the encrypted copy is dropped and the body stays masked.
    expect(await t.container.services.outbox.render(texts[0])).toContain(res.body.link);
    await t.container.services.outbox.sendDue();
    const [sent] = await t.container.database.db.select().from(outbox).where(eq(outbox.id, texts[0].id));
    expect(sent).toMatchObject({ status: 'sent', secretCipher: null });
    expect(JSON.stringify(sent)).not.toContain(token);
  });

  it('answers alike whether or not the email has an account (nothing about accounts the caller cannot see)', async () => {
    const existing = await invite(w.staff.auth, { email: w.stranger.email, role: 'staff' });
    const fresh = await invite(w.staff.auth, { email: newEmail(), role: 'staff' });
    expect(existing.status).toBe(201);
    expect(fresh.status).toBe(201);
    expect(Object.keys(existing.body).sort()).toEqual(Object.keys(fresh.body).sort());
    expect(JSON.stringify(existing.body)).not.toContain(w.stranger.id);
    expect(JSON.stringify(existing.body)).not.toContain('Stranger');
    expect(existing.body.texted).toBe(false);
    expect(await rolesOf(w.stranger.id)).toEqual([]);
  });

  it('is for admins and staff of that hub; others are refused and nothing is created', async () => {
    const before = await countInvitations();
    expectProblem(await invite(w.otherStaff.auth, { email: newEmail(), role: 'staff' }), 403, 'forbidden');
    expectProblem(await invite(w.hirer.auth, { email: newEmail(), role: 'volunteer' }), 403, 'forbidden');
    expectProblem(await invite({}, { email: newEmail(), role: 'volunteer' }), 401, 'unauthenticated');
    expectProblem(await invite(w.staff.auth, { email: newEmail(), role: 'volunteer' }, randomUUID()), 404, 'not_found');
    expectProblem(await invite(w.staff.auth, { email: 'not-an-email', role: 'volunteer' }), 400, 'validation_failed');
    expectProblem(await invite(w.staff.auth, { email: newEmail(), role: 'admin' }), 400, 'validation_failed');
    expectProblem(await invite(w.staff.auth, { email: newEmail(), role: 'staff', phone: '07700' }), 400, 'validation_failed');
    expect(await countInvitations()).toBe(before);
    expect((await invite(w.admin.auth, { email: newEmail(), role: 'staff' })).status).toBe(201);
  });
});

describe('POST /invitations/:token/accept', () => {
  it('creates the account with a password that meets the rules, grants the role, and works once', async () => {
    const email = newEmail();
    const token = tokenOf((await invite(w.staff.auth, { email, role: 'volunteer', phone: '+447700900902' })).body.link);
    expectProblem(await accept(token, {}), 400, 'validation_failed');
    expectProblem(await accept(token, { password: 'a fine long phrase' }), 400, 'validation_failed'); // no name given anywhere
    expectProblem(await accept(token, { password: ' '.repeat(12), name: 'Vic' }), 400, 'validation_failed');
    expectProblem(await accept(token, { password: 'password123', name: 'Vic' }), 400, 'validation_failed');
    expect((await t.container.database.db.select().from(users).where(eq(users.email, email))).length).toBe(0);

    const ok = await accept(token, { password: 'a fine long phrase', name: 'Vic' });
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ role: 'volunteer', hubId: w.hub.id, user: { email, name: 'Vic', phone: '+447700900902' } });
    const me = await t.http.get('/me').set('Authorization', `Bearer ${ok.body.token}`);
    expect(me.body.roles).toEqual([{ hubId: w.hub.id, role: 'volunteer' }]);
    expect((await t.http.post('/auth/login').send({ email, password: 'a fine long phrase' })).status).toBe(200);

    expectProblem(await accept(token, { password: 'a fine long phrase', name: 'Vic' }), 409, 'invitation_used');
  });

  it('for an existing account needs that account: signed in as it, or its password', async () => {
    const invitee = await makeUser(t, { name: 'Ines' });
    const token = tokenOf((await invite(w.staff.auth, { email: invitee.email.toUpperCase(), role: 'staff' })).body.link);
    expectProblem(await accept(token, { password: 'not her password' }), 401, 'invalid_credentials');
    expectProblem(await accept(token, {}, w.hirer.auth), 403, 'forbidden');
    expectProblem(await accept(token, {}, w.staff.auth), 403, 'forbidden');
    expect(await rolesOf(invitee.id)).toEqual([]);
    const ok = await accept(token, { password: PASSWORD });
    expect(ok.status).toBe(200);
    expect(ok.body.user.id).toBe(invitee.id);
    expect(typeof ok.body.token).toBe('string');
    expect(await rolesOf(invitee.id)).toEqual(['hub:staff']);

    const second = tokenOf((await invite(w.staff.auth, { email: invitee.email, role: 'volunteer' })).body.link);
    const signedIn = await accept(second, {}, invitee.auth);
    expect(signedIn.status).toBe(200);
    expect(signedIn.body.token).toBeNull();
    expect(await rolesOf(invitee.id)).toEqual(['hub:staff', 'hub:volunteer']);
  });

  it('works once even when two people accept at the same moment', async () => {
    const token = tokenOf((await invite(w.staff.auth, { email: newEmail(), role: 'volunteer' })).body.link);
    const both = await Promise.all([accept(token, { password: 'first of two phrases', name: 'A' }), accept(token, { password: 'second of two phrases', name: 'B' })]);
    expect(both.map((r) => r.status).sort()).toEqual([200, 409]);
  });

  it('refuses unknown, malformed and expired links', async () => {
    expectProblem(await accept('A'.repeat(43), { password: 'whatever phrase' }), 404, 'not_found');
    expectProblem(await accept('short', { password: 'whatever phrase' }), 400, 'validation_failed');
    const email = newEmail();
    const token = tokenOf((await invite(w.staff.auth, { email, role: 'volunteer' })).body.link);
    const issued = t.clock.now();
    t.clock.advance(7 * 86_400_000);
    try {
      expectProblem(await accept(token, { password: 'a fine long phrase', name: 'Late' }), 422, 'invitation_expired');
    } finally {
      t.clock.set(issued);
    }
    expect((await t.container.database.db.select().from(users).where(eq(users.email, email))).length).toBe(0);
  });

  it('describes a link for the page that asks the person, without saying whether they have an account', async () => {
    const token = tokenOf((await invite(w.staff.auth, { email: w.stranger.email, role: 'volunteer', name: 'S' })).body.link);
    const d = await t.container.services.invitations.describe(token);
    expect(d).toEqual({ email: w.stranger.email, role: 'volunteer', name: 'S', hub: { id: w.hub.id, name: w.hub.name }, organisation: null, expiresAt: expect.any(String) });
  });
});

describe('organisations invite the same way', () => {
  it('a member invites; the person joins when they accept', async () => {
    const email = newEmail();
    const res = await t.http.post(`/organisations/${w.org.id}/members`).set(w.hirer.auth).send({ email, phone: '+447700900903' });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ role: 'member', organisationId: w.org.id, hubId: null, texted: true });
    const ok = await accept(tokenOf(res.body.link), { password: 'our choir sings on', name: 'Noor' });
    expect(ok.status).toBe(200);
    const org = await t.http.get(`/organisations/${w.org.id}`).set(w.hirer.auth);
    expect(org.body.members.map((m: { email: string }) => m.email)).toContain(email);
  });

  it('inviting someone already a member is 409 already_member (any case of the email) and makes nothing', async () => {
    const before = await countInvitations();
    expectProblem(await t.http.post(`/organisations/${w.org.id}/members`).set(w.hirer.auth).send({ email: w.hirer.email.toUpperCase() }), 409, 'already_member');
    expect(await countInvitations()).toBe(before);
  });
});

describe('DELETE /hubs/:hubId/members/:userId', () => {
  it('lets staff take a role away (one named, or all), and refuses others', async () => {
    const person = await makeUser(t, { name: 'Pat' });
    await t.container.database.db.insert(hubMembers).values([
      { hubId: w.hub.id, userId: person.id, role: 'staff' },
      { hubId: w.hub.id, userId: person.id, role: 'volunteer' },
    ]);
    const del = (auth: Record<string, string>, q = '') => t.http.delete(`/hubs/${w.hub.id}/members/${person.id}${q}`).set(auth);
    expectProblem(await del(w.otherStaff.auth), 403, 'forbidden');
    expectProblem(await del(w.hirer.auth), 403, 'forbidden');
    expectProblem(await del({}), 401, 'unauthenticated');
    expectProblem(await del(w.staff.auth, '?role=boss'), 400, 'validation_failed');
    expect(await rolesOf(person.id)).toEqual(['hub:staff', 'hub:volunteer']);
    expect((await del(w.staff.auth, '?role=staff')).status).toBe(204);
    expect(await rolesOf(person.id)).toEqual(['hub:volunteer']);
    expect((await del(w.admin.auth)).status).toBe(204);
    expect(await rolesOf(person.id)).toEqual([]);
    expectProblem(await del(w.staff.auth), 404, 'not_found');
    expectProblem(await t.http.delete(`/hubs/${randomUUID()}/members/${person.id}`).set(w.staff.auth), 404, 'not_found');
  });
});

describe('DELETE /organisations/:id/members/:userId', () => {
  /** A group of two, with a booking ahead at the world's hub. */
  async function groupOfTwo() {
    const ann = await makeUser(t, { name: 'Ann' });
    const bo = await makeUser(t, { name: 'Bo' });
    const org = await makeOrg(t, [ann.id, bo.id]);
    const room = await makeRoom(t, w.hub.id);
    const startsAt = new Date(t.clock.now().getTime() + 7 * 86_400_000);
    const endsAt = new Date(startsAt.getTime() + 3_600_000);
    const [booking] = await t.container.database.db
      .insert(bookings)
      .values({ roomId: room.id, hubId: w.hub.id, attendees: 5, startsAt, endsAt, blockedUntil: endsAt, status: 'confirmed', organisationId: org.id, createdBy: ann.id, title: 'Choir' })
      .returning();
    return { ann, bo, org, booking, room };
  }
  const remove = (auth: Record<string, string>, orgId: string, userId: string) => t.http.delete(`/organisations/${orgId}/members/${userId}`).set(auth);
  const membersOf = async (orgId: string) =>
    (await t.container.database.db.select().from(organisationMembers).where(eq(organisationMembers.organisationId, orgId))).map((m) => m.userId).sort();

  it('a member leaves (204); from the next request they cannot see the group, its bookings or its codes, nor book for it', async () => {
    const { ann, bo, org, booking, room } = await groupOfTwo();
    expect((await t.http.get(`/bookings/${booking.id}`).set(bo.auth)).status).toBe(200);
    expect((await t.http.get(`/bookings/${booking.id}/access`).set(bo.auth)).status).not.toBe(404);
    const res = await remove(bo.auth, org.id, bo.id);
    expect(res.status).toBe(204);
    expect(await membersOf(org.id)).toEqual([ann.id]);
    expectProblem(await t.http.get(`/bookings/${booking.id}`).set(bo.auth), 404, 'not_found');
    expectProblem(await t.http.get(`/bookings/${booking.id}/access`).set(bo.auth), 404, 'not_found');
    expectProblem(await t.http.get(`/organisations/${org.id}`).set(bo.auth), 404, 'not_found');
    expect((await t.http.get('/bookings').set(bo.auth)).body.items).toEqual([]);
    expect((await t.http.get('/me').set(bo.auth)).body.organisations).toEqual([]);
    const startsAt = new Date(t.clock.now().getTime() + 8 * 86_400_000).toISOString();
    const endsAt = new Date(t.clock.now().getTime() + 8 * 86_400_000 + 3_600_000).toISOString();
    const book = await t.http.post('/bookings').set(bo.auth).send({ roomId: room.id, organisationId: org.id, startsAt, endsAt, title: 'Sneaky', attendees: 3 });
    expect([403, 404]).toContain(book.status);
    // Ann still sees it all.
    expect((await t.http.get(`/bookings/${booking.id}`).set(ann.auth)).status).toBe(200);
  });

  it('a member removes another member; the last member cannot leave (409 last_member) and stays', async () => {
    const { ann, bo, org } = await groupOfTwo();
    expect((await remove(ann.auth, org.id, bo.id)).status).toBe(204);
    expectProblem(await remove(ann.auth, org.id, ann.id), 409, 'last_member');
    expect(await membersOf(org.id)).toEqual([ann.id]);
    expect((await t.http.get(`/organisations/${org.id}`).set(ann.auth)).status).toBe(200);
  });

  it('two members leaving at the same moment: one goes, the other stays as the last member', async () => {
    const { ann, bo, org } = await groupOfTwo();
    const both = await Promise.all([remove(ann.auth, org.id, ann.id), remove(bo.auth, org.id, bo.id)]);
    expect(both.map((r) => r.status).sort()).toEqual([204, 409]);
    expect(await membersOf(org.id)).toHaveLength(1);
  });

  it('an admin, or staff of a hub it has booked at, may remove even the last member; other staff get 403', async () => {
    const { ann, bo, org } = await groupOfTwo();
    expectProblem(await remove(w.otherStaff.auth, org.id, bo.id), 403, 'forbidden');
    expect(await membersOf(org.id)).toEqual([ann.id, bo.id].sort());
    expect((await remove(w.staff.auth, org.id, bo.id)).status).toBe(204);
    expect((await remove(w.admin.auth, org.id, ann.id)).status).toBe(204);
    expect(await membersOf(org.id)).toEqual([]);
  });

  it('is 404 for a non-member, an unknown group or someone not in it; 401 signed out; 400 for ids that are not uuids', async () => {
    const { ann, bo, org } = await groupOfTwo();
    expectProblem(await remove(w.hirer.auth, org.id, bo.id), 404, 'not_found');
    expectProblem(await remove(w.hirer.auth, org.id, w.hirer.id), 404, 'not_found');
    expectProblem(await remove(ann.auth, randomUUID(), ann.id), 404, 'not_found');
    expectProblem(await remove(ann.auth, org.id, w.hirer.id), 404, 'not_found');
    expectProblem(await remove(ann.auth, org.id, randomUUID()), 404, 'not_found');
    expectProblem(await remove({}, org.id, bo.id), 401, 'unauthenticated');
    expectProblem(await remove(ann.auth, 'not-a-uuid', bo.id), 400, 'validation_failed');
    expectProblem(await remove(ann.auth, org.id, 'not-a-uuid'), 400, 'validation_failed');
    expect(await membersOf(org.id)).toEqual([ann.id, bo.id].sort());
  });
});

describe('DELETE /organisations/:id/invitations/:invitationId', () => {
  const cancel = (auth: Record<string, string>, orgId: string, id: string) => t.http.delete(`/organisations/${orgId}/invitations/${id}`).set(auth);
  const inviteToOrg = async (auth: Record<string, string> = w.hirer.auth) => (await t.http.post(`/organisations/${w.org.id}/members`).set(auth).send({ email: newEmail() })).body;
  const waitingIds = async () => (await t.container.services.invitations.waitingForOrganisation((await t.container.repos.users.loadActor(w.hirer.id))!, w.org.id)).map((i) => i.id);

  it('a member cancels a waiting invitation: it is no longer waiting and its link is refused as a lapsed one', async () => {
    const inv = await inviteToOrg();
    expect(await waitingIds()).toContain(inv.id);
    expect((await cancel(w.hirer.auth, w.org.id, inv.id)).status).toBe(204);
    expect(await waitingIds()).not.toContain(inv.id);
    expectProblem(await accept(tokenOf(inv.link), { password: 'a fine long phrase', name: 'Late' }), 422, 'invitation_expired');
    await expect(t.container.services.invitations.describe(tokenOf(inv.link))).rejects.toMatchObject({ code: 'invitation_expired' });
    // Again: it stays cancelled, and nothing else changes.
    expect((await cancel(w.hirer.auth, w.org.id, inv.id)).status).toBe(204);
  });

  it('a cancelled invitation’s text that had not gone yet never goes: its link would not work', async () => {
    const res = await t.http.post(`/organisations/${w.org.id}/members`).set(w.hirer.auth).send({ email: newEmail(), phone: '+447700900642' });
    expect(res.status).toBe(201);
    const textOf = async () => (await t.container.database.db.select().from(outbox).where(eq(outbox.dedupeKey, `invitation:${res.body.id}`)))[0];
    expect(await textOf()).toMatchObject({ status: 'pending', to: '+447700900642' });
    expect((await textOf()).secretCipher).not.toBeNull();
    expect((await cancel(w.hirer.auth, w.org.id, res.body.id)).status).toBe(204);
    expect(await textOf()).toMatchObject({ status: 'failed', lastError: 'not sent: the invitation was cancelled first', secretCipher: null });
    await t.container.services.outbox.sendDue();
    expect(await textOf()).toMatchObject({ status: 'failed', sentAt: null, providerId: null });
  });

  it('one already accepted is 409 invitation_used', async () => {
    const inv = await inviteToOrg();
    expect((await accept(tokenOf(inv.link), { password: 'a fine long phrase', name: 'Quick' })).status).toBe(200);
    expectProblem(await cancel(w.hirer.auth, w.org.id, inv.id), 409, 'invitation_used');
  });

  it('is 404 for a non-member, another group’s or a hub’s invitation; 403 for staff of a hub it has not booked at; 401 signed out; 400 for bad ids', async () => {
    const inv = await inviteToOrg();
    const hubInv = (await invite(w.staff.auth, { email: newEmail(), role: 'volunteer' })).body;
    expectProblem(await cancel(w.stranger.auth, w.org.id, inv.id), 404, 'not_found');
    expectProblem(await cancel(w.stranger.auth, w.strangerOrg.id, inv.id), 404, 'not_found');
    expectProblem(await cancel(w.hirer.auth, w.org.id, hubInv.id), 404, 'not_found');
    expectProblem(await cancel(w.hirer.auth, w.org.id, randomUUID()), 404, 'not_found');
    expectProblem(await cancel(w.otherStaff.auth, w.org.id, inv.id), 403, 'forbidden');
    expectProblem(await cancel({}, w.org.id, inv.id), 401, 'unauthenticated');
    expectProblem(await cancel(w.hirer.auth, w.org.id, 'nope'), 400, 'validation_failed');
    expectProblem(await cancel(w.hirer.auth, 'nope', inv.id), 400, 'validation_failed');
    expect(await waitingIds()).toContain(inv.id);
    expect((await cancel(w.admin.auth, w.org.id, inv.id)).status).toBe(204);
    expect(await waitingIds()).not.toContain(inv.id);
  });
});
