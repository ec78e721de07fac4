import { and, count, eq, isNull } from 'drizzle-orm';
import { bookings, hubMembers, invitations, organisationMembers, webSessions } from '../../src/db/schema';
import { createTestApp, type TestApp } from '../helpers/app';
import { HTML, cookieOf, csrfOf, webSignIn } from '../helpers/web';
import { PASSWORD, makeHub, makeOrg, makeRoom, makeUser } from '../helpers/factories';

/**
 * The group page, "Invite someone to the group" and the invitation's own page over HTTP: who may
 * reach them (members only; 404 for anyone else, sign-in for nobody), CSRF, and the refusals that
 * change nothing. test/browser/groups.browser.ts walks the same pages as a person would.
 */
let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

const db = () => t.container.database.db;
const invitationsOf = async (orgId: string) => (await db().select({ n: count() }).from(invitations).where(eq(invitations.organisationId, orgId)))[0].n;
const membersOf = async (orgId: string) => (await db().select({ n: count() }).from(organisationMembers).where(eq(organisationMembers.organisationId, orgId)))[0].n;

const signIn = async (email: string, password?: string) => (await webSignIn(t, email, password)).cookie;

/** A group of two members, and a stranger with a group of their own. */
async function twoGroups() {
  const me = await makeUser(t, { name: 'Gita Group' });
  const mate = await makeUser(t, { name: 'Mo Member', phone: '+447700900321' });
  const org = await makeOrg(t, [me.id, mate.id], { name: `Gita's choir ${me.id.slice(0, 4)}` });
  const stranger = await makeUser(t, { name: 'Sid Stranger' });
  const theirs = await makeOrg(t, [stranger.id], { name: `Sid's club ${stranger.id.slice(0, 4)}` });
  return { me, mate, org, stranger, theirs };
}

/** Posts the invite form as the signed-in person (a fresh CSRF token from the form). */
async function invite(cookie: string, orgId: string, body: Record<string, string>) {
  const form = await t.http.get(`/account/organisations/${orgId}/invite`).set(HTML).set('cookie', cookie);
  expect(form.status).toBe(200);
  return t.http.post(`/account/organisations/${orgId}/invite`).set(HTML).set('cookie', cookie).type('form').send({ ...body, _csrf: csrfOf(form.text) });
}

describe('signed out', () => {
  it.each(['', '/invite', '/invited'])('/account/organisations/:id%s sends the visitor to sign in', async (tail) => {
    const { org } = await twoGroups();
    const path = `/account/organisations/${org.id}${tail}`;
    const res = await t.http.get(path).set(HTML);
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe(`/sign-in?next=${encodeURIComponent(path)}`);
  });
});

describe('the group page', () => {
  it('shows a member the group, its members’ names and emails (as GET /organisations/:id does) but not their phones, and the link to invite', async () => {
    const { me, mate, org } = await twoGroups();
    const cookie = await signIn(me.email);
    const account = await t.http.get('/account').set(HTML).set('cookie', cookie);
    expect(account.text).toContain(`href="/account/organisations/${org.id}"`);
    const page = await t.http.get(`/account/organisations/${org.id}`).set(HTML).set('cookie', cookie);
    expect(page.status).toBe(200);
    expect(page.text).toContain('Gita Group (you)');
    expect(page.text).toContain('Mo Member');
    expect(page.text).toContain(mate.email);
    expect(page.text).not.toContain('7700900321');
    expect(page.text).toContain(`href="/account/organisations/${org.id}/invite"`);
    expect(page.text).toContain('No invitations are waiting');
  });

  it('is 404 for another group’s page, its invite form and a made-up id, and its name is nowhere in the answer', async () => {
    const { stranger, org } = await twoGroups();
    const cookie = await signIn(stranger.email);
    for (const path of [`/account/organisations/${org.id}`, `/account/organisations/${org.id}/invite`, `/account/organisations/${org.id}/invited`, '/account/organisations/not-a-uuid']) {
      const res = await t.http.get(path).set(HTML).set('cookie', cookie);
      expect({ path, status: res.status }).toEqual({ path, status: 404 });
      expect(res.text).not.toContain(org.name);
    }
  });
});

describe('inviting', () => {
  it('a non-member’s post is 404 and makes no invitation, even with a good CSRF token', async () => {
    const { stranger, theirs, org } = await twoGroups();
    const cookie = await signIn(stranger.email);
    const own = await t.http.get(`/account/organisations/${theirs.id}/invite`).set(HTML).set('cookie', cookie);
    const res = await t.http.post(`/account/organisations/${org.id}/invite`).set(HTML).set('cookie', cookie).type('form').send({ email: 'new@test.example', _csrf: csrfOf(own.text) });
    expect(res.status).toBe(404);
    expect(await invitationsOf(org.id)).toBe(0);
  });

  it('without the form’s CSRF token nothing is made', async () => {
    const { me, org } = await twoGroups();
    const cookie = await signIn(me.email);
    await t.http.get(`/account/organisations/${org.id}/invite`).set(HTML).set('cookie', cookie);
    const forged = await t.http.post(`/account/organisations/${org.id}/invite`).set(HTML).set('cookie', cookie).type('form').send({ email: 'new@test.example', _csrf: 'forged' });
    expect(forged.status).toBe(403);
    expect(await invitationsOf(org.id)).toBe(0);
  });

  it.each([
    [{ email: '' }, 'Enter their email address', 'email'],
    [{ email: 'not-an-email' }, 'Enter an email address in the right format', 'email'],
    [{ email: 'ok@test.example', phone: '12' }, 'Enter a mobile number', 'phone'],
  ])('%j is refused in the error summary, the form keeps what was typed, nothing is made', async (body, words, field) => {
    const { me, org } = await twoGroups();
    const cookie = await signIn(me.email);
    const res = await invite(cookie, org.id, body);
    expect(res.status).toBe(400);
    expect(res.text).toContain('<title>Error: Invite someone to the group');
    expect(res.text).toContain('There is a problem');
    expect(res.text).toContain(`href="#${field}">${words}`);
    if (body.email) expect(res.text).toContain(`value="${body.email}"`);
    expect(await invitationsOf(org.id)).toBe(0);
  });

  it('someone already a member is refused (any case of their email), nothing is made', async () => {
    const { me, mate, org } = await twoGroups();
    const cookie = await signIn(me.email);
    const res = await invite(cookie, org.id, { email: mate.email.toUpperCase() });
    expect(res.status).toBe(400);
    expect(res.text).toContain(`is already a member of ${org.name.replace("'", '&#39;')}`);
    expect(await invitationsOf(org.id)).toBe(0);
  });

  it('past the texting limit for a phone, the page says so in words and makes nothing', async () => {
    const { me, org } = await twoGroups();
    const actor = (await t.container.repos.users.loadActor(me.id))!;
    for (let i = 0; i < 10; i++) await t.container.services.invitations.inviteToOrganisation(actor, org.id, { email: `n${i}@test.example`, phone: '+447700900888' });
    const before = await invitationsOf(org.id);
    const cookie = await signIn(me.email);
    const res = await invite(cookie, org.id, { email: 'eleven@test.example', phone: '07700 900888' });
    expect(res.status).toBe(400);
    expect(res.text).toContain('href="#phone">Hubkey has sent as many texts to this number as it may for today');
    expect(await invitationsOf(org.id)).toBe(before);
  });

  it('a good invitation shows its link once, lists it as waiting, and the invitee accepts it and joins', async () => {
    const { me, org } = await twoGroups();
    const cookie = await signIn(me.email);
    const res = await invite(cookie, org.id, { email: 'newcomer@test.example' });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe(`/account/organisations/${org.id}/invited`);
    // Until shown, the link waits in the session row sealed under the cookie's token (which the database never holds).
    const rowsBefore = JSON.stringify(await t.container.database.db.select({ data: webSessions.data }).from(webSessions));
    const done = await t.http.get(res.headers.location).set(HTML).set('cookie', cookie);
    expect(done.status).toBe(200);
    const link = /<strong id="link">([^<]+)<\/strong>/.exec(done.text)![1];
    expect(link).toMatch(/\/invitations\/[A-Za-z0-9_-]{43}$/);
    expect(rowsBefore).toContain('"invited":{"$sealed":"');
    expect(rowsBefore).not.toContain(link.split('/invitations/')[1]);
    expect(rowsBefore).not.toContain('newcomer@test.example');
    const again = await t.http.get(res.headers.location).set(HTML).set('cookie', cookie);
    expect(again.status).toBe(303);
    const page = await t.http.get(`/account/organisations/${org.id}`).set(HTML).set('cookie', cookie);
    expect(page.text).toContain('newcomer@test.example: the link works until');

    // The invitee, signed out: a short password is refused and changes nothing; then the account is made and joins.
    const path = new URL(link).pathname;
    const open = await t.http.get(path).set(HTML);
    expect(open.status).toBe(200);
    expect(open.text).toContain(`You are invited to join ${org.name.replace("'", '&#39;')}`);
    const short = await t.http.post(path).set(HTML).set('cookie', cookieOf(open)).type('form').send({ name: 'Nell Newcomer', password: 'short', _csrf: csrfOf(open.text) });
    expect(short.status).toBe(400);
    expect(short.text).toContain('<title>Error: ');
    expect(await membersOf(org.id)).toBe(2);
    const ok = await t.http.post(path).set(HTML).set('cookie', cookieOf(open)).type('form').send({ name: 'Nell Newcomer', password: 'a long enough password 42', _csrf: csrfOf(short.text) });
    expect(ok.status).toBe(303);
    expect(ok.headers.location).toBe(`/account/organisations/${org.id}`);
    expect(await membersOf(org.id)).toBe(3);
    const theirs = await t.http.get(ok.headers.location).set(HTML).set('cookie', cookieOf(ok) || cookieOf(open));
    expect(theirs.status).toBe(200);
    expect(theirs.text).toContain('Nell Newcomer (you)');
    expect((await db().select({ n: count() }).from(invitations).where(and(eq(invitations.organisationId, org.id), isNull(invitations.acceptedAt))))[0].n).toBe(0);
    // The link works once.
    const used = await t.http.get(path).set(HTML);
    expect(used.status).toBe(409);
    expect(used.text).toContain('This invitation has already been accepted');
  });

  it('signed in as the invited account, one button accepts; signed in as someone else, the page says so and accepting is refused', async () => {
    const { me, org, stranger } = await twoGroups();
    const joiner = await makeUser(t, { name: 'Jo Joiner' });
    const actor = (await t.container.repos.users.loadActor(me.id))!;
    const inv = await t.container.services.invitations.inviteToOrganisation(actor, org.id, { email: joiner.email });
    const path = new URL(inv.link).pathname;

    const other = await signIn(stranger.email);
    const wrong = await t.http.get(path).set(HTML).set('cookie', other);
    expect(wrong.text).toContain(`You are signed in as ${stranger.email}, not ${joiner.email}`);
    expect(wrong.text).not.toContain(`action="${path}"`);
    const forced = await t.http.post(path).set(HTML).set('cookie', other).type('form').send({ _csrf: csrfOf(wrong.text) });
    expect(forced.status).toBe(403);
    expect(await membersOf(org.id)).toBe(2);

    const cookie = await signIn(joiner.email);
    const page = await t.http.get(path).set(HTML).set('cookie', cookie);
    expect(page.text).not.toContain('name="password"');
    const ok = await t.http.post(path).set(HTML).set('cookie', cookie).type('form').send({ _csrf: csrfOf(page.text) });
    expect(ok.status).toBe(303);
    expect(ok.headers.location).toBe(`/account/organisations/${org.id}`);
    expect(await membersOf(org.id)).toBe(3);
  });

  it('signed out with an existing account: a wrong password is refused in words; its password accepts', async () => {
    const { me, org } = await twoGroups();
    const joiner = await makeUser(t, { name: 'Jo Joiner' });
    const inv = await t.container.services.invitations.inviteToOrganisation((await t.container.repos.users.loadActor(me.id))!, org.id, { email: joiner.email });
    const path = new URL(inv.link).pathname;
    const open = await t.http.get(path).set(HTML);
    const bad = await t.http.post(path).set(HTML).set('cookie', cookieOf(open)).type('form').send({ password: 'not the password', _csrf: csrfOf(open.text) });
    expect(bad.status).toBe(400);
    expect(bad.text).toContain(`There is already a Hubkey account for ${joiner.email}, and that is not its password`);
    expect(await membersOf(org.id)).toBe(2);
    const ok = await t.http.post(path).set(HTML).set('cookie', cookieOf(open)).type('form').send({ password: PASSWORD, _csrf: csrfOf(bad.text) });
    expect(ok.status).toBe(303);
    expect(await membersOf(org.id)).toBe(3);
  });

  it('the same page accepts a volunteer role at a hub, and goes to the volunteer pages', async () => {
    const hub = await makeHub(t);
    const staff = await makeUser(t, { name: 'Stan Staff' });
    await db().insert(hubMembers).values({ hubId: hub.id, userId: staff.id, role: 'staff' });
    const inv = await t.container.services.invitations.inviteToHub((await t.container.repos.users.loadActor(staff.id))!, hub.id, { email: 'vol-new@test.example', role: 'volunteer' });
    const path = new URL(inv.link).pathname;
    const open = await t.http.get(path).set(HTML);
    expect(open.text).toContain(`You are invited to volunteer at ${hub.name}`);
    const ok = await t.http.post(path).set(HTML).set('cookie', cookieOf(open)).type('form').send({ name: 'Val New', password: 'a long enough password 42', _csrf: csrfOf(open.text) });
    expect(ok.status).toBe(303);
    expect(ok.headers.location).toBe('/volunteer');
  });

  it('an invitation’s page for a made-up token is 404', async () => {
    const res = await t.http.get(`/invitations/${'x'.repeat(43)}`).set(HTML);
    expect(res.status).toBe(404);
  });
});

describe('the delete refusal', () => {
  it('links each blocking group to its invite page', async () => {
    const { stranger, theirs } = await twoGroups();
    const hub = await makeHub(t);
    const room = await makeRoom(t, hub.id);
    const startsAt = new Date(t.clock.now().getTime() + 7 * 24 * 3600_000);
    const endsAt = new Date(startsAt.getTime() + 3600_000);
    await db().insert(bookings).values({ roomId: room.id, hubId: hub.id, attendees: 5, startsAt, endsAt, blockedUntil: endsAt, status: 'confirmed', organisationId: theirs.id, createdBy: stranger.id, title: 'Ahead' });
    const cookie = await signIn(stranger.email);
    const res = await t.http.get('/account/delete').set(HTML).set('cookie', cookie);
    expect(res.text).toContain(`href="/account/organisations/${theirs.id}/invite"`);
  });
});

describe('removing a member, and leaving', () => {
  const removePath = (orgId: string, userId: string) => `/account/organisations/${orgId}/members/${userId}/remove`;
  const isMember = async (orgId: string, userId: string) =>
    (await db().select({ n: count() }).from(organisationMembers).where(and(eq(organisationMembers.organisationId, orgId), eq(organisationMembers.userId, userId))))[0].n === 1;

  it('the group page links each member’s removal, and yours as leaving', async () => {
    const { me, mate, org } = await twoGroups();
    const page = await t.http.get(`/account/organisations/${org.id}`).set(HTML).set('cookie', await signIn(me.email));
    expect(page.text).toContain(`<a class="govuk-link" href="${removePath(org.id, mate.id)}">Remove<span class="govuk-visually-hidden"> Mo Member</span></a>`);
    expect(page.text).toContain(`<a class="govuk-link" href="${removePath(org.id, me.id)}">Leave this group</a>`);
    expect(page.text).not.toContain('id="only-member"');
  });

  it('asks first, with a warning and a red button; the POST removes them and says so on the group page', async () => {
    const { me, mate, org } = await twoGroups();
    const cookie = await signIn(me.email);
    const ask = await t.http.get(removePath(org.id, mate.id)).set(HTML).set('cookie', cookie);
    expect(ask.status).toBe(200);
    const orgName = org.name.replace("'", '&#39;');
    expect(ask.text).toContain(`<h1 class="govuk-heading-l">Remove Mo Member from ${orgName}?</h1>`);
    expect(ask.text).toContain('govuk-warning-text');
    expect(ask.text).toMatch(/<button[^>]*class="govuk-button govuk-button--warning"[^>]*>\s*Remove Mo Member\s*<\/button>/);
    expect(ask.text).toContain(`<a class="govuk-link" href="/account/organisations/${org.id}">Cancel</a>`);
    expect(await isMember(org.id, mate.id)).toBe(true);

    const done = await t.http.post(removePath(org.id, mate.id)).set(HTML).set('cookie', cookie).type('form').send({ _csrf: csrfOf(ask.text) });
    expect(done.status).toBe(303);
    expect(done.headers.location).toBe(`/account/organisations/${org.id}`);
    expect(await isMember(org.id, mate.id)).toBe(false);
    const page = await t.http.get(done.headers.location).set(HTML).set('cookie', cookie);
    expect(page.text).toContain(`Mo Member has been removed from ${orgName}`);
    expect(page.text).not.toContain(mate.email);
    // Now the only member: no way to leave, and the page says why.
    expect(page.text).not.toContain(removePath(org.id, me.id));
    expect(page.text).toContain('You are the group’s only member, so you cannot leave it');
  });

  it('the removed member loses the group at once: its page is 404 on their next request', async () => {
    const { me, mate, org } = await twoGroups();
    const theirs = await signIn(mate.email);
    expect((await t.http.get(`/account/organisations/${org.id}`).set(HTML).set('cookie', theirs)).status).toBe(200);
    const cookie = await signIn(me.email);
    const ask = await t.http.get(removePath(org.id, mate.id)).set(HTML).set('cookie', cookie);
    expect((await t.http.post(removePath(org.id, mate.id)).set(HTML).set('cookie', cookie).type('form').send({ _csrf: csrfOf(ask.text) })).status).toBe(303);
    expect((await t.http.get(`/account/organisations/${org.id}`).set(HTML).set('cookie', theirs)).status).toBe(404);
  });

  it('leaving goes to your account with a message, and the group is gone from it', async () => {
    const { me, mate, org } = await twoGroups();
    const cookie = await signIn(mate.email);
    const ask = await t.http.get(removePath(org.id, mate.id)).set(HTML).set('cookie', cookie);
    expect(ask.text).toContain(`<h1 class="govuk-heading-l">Leave ${org.name.replace("'", '&#39;')}?</h1>`);
    expect(ask.text).toMatch(/<button[^>]*govuk-button--warning[^>]*>\s*Leave the group\s*<\/button>/);
    const done = await t.http.post(removePath(org.id, mate.id)).set(HTML).set('cookie', cookie).type('form').send({ _csrf: csrfOf(ask.text) });
    expect(done.status).toBe(303);
    expect(done.headers.location).toBe('/account');
    const account = await t.http.get('/account').set(HTML).set('cookie', cookie);
    expect(account.text).toContain(`You have left ${org.name.replace("'", '&#39;')}`);
    expect(account.text).not.toContain(`href="/account/organisations/${org.id}"`);
    expect(await isMember(org.id, mate.id)).toBe(false);
    expect(await isMember(org.id, me.id)).toBe(true);
  });

  it('the last member is told why they cannot leave, and a forced POST is refused with the same words', async () => {
    const { stranger, theirs } = await twoGroups();
    const cookie = await signIn(stranger.email);
    const ask = await t.http.get(removePath(theirs.id, stranger.id)).set(HTML).set('cookie', cookie);
    expect(ask.status).toBe(200);
    expect(ask.text).toContain('You cannot leave the group yet');
    expect(ask.text).toContain('You are the group’s only member');
    expect(ask.text).not.toContain('govuk-button--warning');
    const own = await t.http.get(`/account/organisations/${theirs.id}/invite`).set(HTML).set('cookie', cookie);
    const forced = await t.http.post(removePath(theirs.id, stranger.id)).set(HTML).set('cookie', cookie).type('form').send({ _csrf: csrfOf(own.text) });
    expect(forced.status).toBe(409);
    expect(forced.text).toContain('You are the group’s only member');
    expect(await isMember(theirs.id, stranger.id)).toBe(true);
  });

  it('without the CSRF token nothing happens', async () => {
    const { me, mate, org } = await twoGroups();
    const cookie = await signIn(me.email);
    await t.http.get(removePath(org.id, mate.id)).set(HTML).set('cookie', cookie);
    const forged = await t.http.post(removePath(org.id, mate.id)).set(HTML).set('cookie', cookie).type('form').send({ _csrf: 'forged' });
    expect(forged.status).toBe(403);
    expect(await isMember(org.id, mate.id)).toBe(true);
  });

  it('is 404 for a non-member (page and POST), for someone not in the group and for ids that are not ids', async () => {
    const { me, mate, org, stranger, theirs } = await twoGroups();
    const cookie = await signIn(stranger.email);
    for (const path of [removePath(org.id, mate.id), removePath(org.id, stranger.id), removePath(theirs.id, me.id), removePath(theirs.id, 'nope'), removePath('nope', stranger.id)]) {
      const res = await t.http.get(path).set(HTML).set('cookie', cookie);
      expect({ path, status: res.status }).toEqual({ path, status: 404 });
      expect(res.text).not.toContain(org.name);
    }
    const own = await t.http.get(`/account/organisations/${theirs.id}/invite`).set(HTML).set('cookie', cookie);
    const res = await t.http.post(removePath(org.id, mate.id)).set(HTML).set('cookie', cookie).type('form').send({ _csrf: csrfOf(own.text) });
    expect(res.status).toBe(404);
    expect(await isMember(org.id, mate.id)).toBe(true);
  });

  it('signed out, the question page sends the visitor to sign in', async () => {
    const { mate, org } = await twoGroups();
    const res = await t.http.get(removePath(org.id, mate.id)).set(HTML);
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe(`/sign-in?next=${encodeURIComponent(removePath(org.id, mate.id))}`);
  });
});

describe('cancelling an invitation', () => {
  const cancelPath = (orgId: string, invId: string) => `/account/organisations/${orgId}/invitations/${invId}/cancel`;
  async function waitingInvitation() {
    const g = await twoGroups();
    const actor = (await t.container.repos.users.loadActor(g.me.id))!;
    const inv = await t.container.services.invitations.inviteToOrganisation(actor, g.org.id, { email: 'maybe@test.example' });
    return { ...g, inv };
  }

  it('each waiting invitation has a button naming its email; pressing it cancels, says so, and the link then says it has lapsed', async () => {
    const { me, org, inv } = await waitingInvitation();
    const cookie = await signIn(me.email);
    const page = await t.http.get(`/account/organisations/${org.id}`).set(HTML).set('cookie', cookie);
    expect(page.text).toContain(`action="${cancelPath(org.id, inv.id)}"`);
    expect(page.text).toMatch(/Cancel invitation<span class="govuk-visually-hidden"> for maybe@test.example<\/span>/);
    const done = await t.http.post(cancelPath(org.id, inv.id)).set(HTML).set('cookie', cookie).type('form').send({ _csrf: csrfOf(page.text) });
    expect(done.status).toBe(303);
    expect(done.headers.location).toBe(`/account/organisations/${org.id}`);
    const after = await t.http.get(done.headers.location).set(HTML).set('cookie', cookie);
    expect(after.text).toContain('The invitation for maybe@test.example has been cancelled');
    expect(after.text).toContain('No invitations are waiting');
    const link = await t.http.get(new URL(inv.link).pathname).set(HTML);
    expect(link.status).toBe(410);
    expect(link.text).toContain('This invitation has lapsed');
  });

  it('without the CSRF token, or from a non-member, nothing is cancelled', async () => {
    const { me, org, inv, stranger, theirs } = await waitingInvitation();
    const cookie = await signIn(me.email);
    await t.http.get(`/account/organisations/${org.id}`).set(HTML).set('cookie', cookie);
    expect((await t.http.post(cancelPath(org.id, inv.id)).set(HTML).set('cookie', cookie).type('form').send({ _csrf: 'forged' })).status).toBe(403);
    const theirCookie = await signIn(stranger.email);
    const own = await t.http.get(`/account/organisations/${theirs.id}`).set(HTML).set('cookie', theirCookie);
    expect((await t.http.post(cancelPath(org.id, inv.id)).set(HTML).set('cookie', theirCookie).type('form').send({ _csrf: csrfOf(own.text) })).status).toBe(404);
    expect((await t.http.post(cancelPath(theirs.id, inv.id)).set(HTML).set('cookie', theirCookie).type('form').send({ _csrf: csrfOf(own.text) })).status).toBe(404);
    expect((await t.http.get(new URL(inv.link).pathname).set(HTML)).status).toBe(200);
  });
});
