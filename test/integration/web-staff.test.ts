import { eq } from 'drizzle-orm';
import { doorEntries, invitations, outbox, webSessions } from '../../src/db/schema';
import { createTestApp, type TestApp } from '../helpers/app';
import { HTML, csrfOf, signedInCookie } from '../helpers/web';
import { makeOrg, makeWorld } from '../helpers/factories';

/**
 * The staff pages over HTTP (the browser suite walks them in Chromium): the guard, CSRF on every
 * form, and that a refused or wrong request changes nothing.
 */
let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());


const signIn = (email: string) => signedInCookie(t, email);

async function world() {
  const w = await makeWorld(t);
  const claimer = await makeOrg(t, [w.hirer.id], { claimedTier: 'community', name: 'Claiming Club' });
  const hirer = (await t.container.repos.users.loadActor(w.hirer.id))!;
  const request = (await t.container.services.bookings.create(hirer, {
    roomId: w.room.id,
    organisationId: claimer.id,
    startsAt: '2026-03-10T18:00',
    endsAt: '2026-03-10T20:00',
    title: 'Club night',
    attendees: 10,
    contactPhone: '+447700900555',
  })) as { id: string; status: string };
  expect(request.status).toBe('requested');
  return { ...w, claimer, request };
}
const statusOf = async (id: string) => (await t.container.repos.bookings.get(id))?.status;

describe('the staff area guard', () => {
  it('sends a signed-out browser to sign in, refuses a hirer (403), and shows staff their hub', async () => {
    const w = await world();
    const out = await t.http.get('/staff/today').set(HTML);
    expect(out.status).toBe(303);
    expect(out.headers.location).toBe('/sign-in?next=%2Fstaff%2Ftoday');
    const hirer = await signIn(w.hirer.email);
    for (const path of ['/staff', '/staff/today', '/staff/approvals', '/staff/bookings', '/staff/rooms', '/staff/doors', '/staff/payments', `/staff/bookings/${w.request.id}`]) {
      const res = await t.http.get(path).set(HTML).set('cookie', hirer);
      expect({ path, status: res.status }).toEqual({ path, status: 403 });
      expect(res.text).toContain('You cannot do that');
    }
    const staff = await signIn(w.staff.email);
    const today = await t.http.get('/staff/today').set(HTML).set('cookie', staff);
    expect(today.status).toBe(200);
    expect(today.text).toContain(`Today at ${w.hub.name}`);
    expect(today.text).not.toContain('id="hub-switch"');
  });

  it('staff of another hub get 404 for this hub’s booking and request, and their posts change nothing', async () => {
    const w = await world();
    const other = await signIn(w.otherStaff.email);
    for (const path of [`/staff/bookings/${w.request.id}`, `/staff/bookings/${w.request.id}/move`, `/staff/bookings/${w.request.id}/cancel`, `/staff/approvals/${w.request.id}/decline`]) {
      expect({ path, status: (await t.http.get(path).set(HTML).set('cookie', other)).status }).toEqual({ path, status: 404 });
    }
    const page = await t.http.get('/staff/approvals').set(HTML).set('cookie', other);
    expect(page.text).not.toContain('Club night');
    const token = csrfOf(page.text);
    const approve = await t.http.post(`/staff/approvals/${w.request.id}/approve`).set(HTML).set('cookie', other).type('form').send({ _csrf: token });
    expect(approve.status).toBe(404);
    const decline = await t.http.post(`/staff/approvals/${w.request.id}/decline`).set(HTML).set('cookie', other).type('form').send({ _csrf: token, scope: 'this', reason: 'No' });
    expect(decline.status).toBe(404);
    expect(await statusOf(w.request.id)).toBe('requested');
    // Switching to a hub one does not run does not switch.
    const sw = await t.http.post('/staff/hub').set(HTML).set('cookie', other).type('form').send({ _csrf: token, hubId: w.hub.id, next: '/staff/approvals' });
    expect(sw.status).toBe(303);
    const after = await t.http.get('/staff/approvals').set(HTML).set('cookie', other);
    expect(after.text).toContain(w.otherHub.name);
    expect(after.text).not.toContain('Club night');
  });

  it('every staff form needs its CSRF token; without it nothing changes', async () => {
    const w = await world();
    const staff = await signIn(w.staff.email);
    for (const [path, body] of [
      [`/staff/approvals/${w.request.id}/approve`, {}],
      [`/staff/approvals/${w.request.id}/decline`, { scope: 'this', reason: 'Full' }],
      ['/staff/rooms/settings', { holdMinutes: '45' }],
    ] as const) {
      const res = await t.http.post(path).set(HTML).set('cookie', staff).type('form').send(body);
      expect({ path, status: res.status }).toEqual({ path, status: 403 });
      expect(res.text).toContain('This form has expired');
    }
    expect(await statusOf(w.request.id)).toBe('requested');
  });

  it('a decline without a reason is answered 400 with the error summary and changes nothing; with one it declines', async () => {
    const w = await world();
    const staff = await signIn(w.staff.email);
    const form = await t.http.get(`/staff/approvals/${w.request.id}/decline`).set(HTML).set('cookie', staff);
    expect(form.status).toBe(200);
    const token = csrfOf(form.text);
    const bad = await t.http.post(`/staff/approvals/${w.request.id}/decline`).set(HTML).set('cookie', staff).type('form').send({ _csrf: token, scope: 'series', reason: '' });
    expect(bad.status).toBe(400);
    expect(bad.text).toContain('There is a problem');
    expect(bad.text).toContain('Select which requests to decline'); // not part of a series
    expect(bad.text).toContain('Enter why you are declining');
    expect(await statusOf(w.request.id)).toBe('requested');
    const ok = await t.http.post(`/staff/approvals/${w.request.id}/decline`).set(HTML).set('cookie', staff).type('form').send({ _csrf: token, scope: 'organisation', reason: 'The hall is closed for works' });
    expect(ok.status).toBe(303);
    expect(ok.headers.location).toBe('/staff/approvals');
    expect(await statusOf(w.request.id)).toBe('declined');
  });

  it('re-issuing a door code: 404 for another hub’s staff, and a booking without a code is told so', async () => {
    const w = await world();
    await expect(t.container.services.accessCodes.reissueForBooking((await t.container.repos.users.loadActor(w.otherStaff.id))!, w.request.id)).rejects.toMatchObject({ kind: 'not_found' });
    await expect(t.container.services.accessCodes.reissueForBooking((await t.container.repos.users.loadActor(w.staff.id))!, w.request.id)).rejects.toMatchObject({ kind: 'unprocessable', code: 'not_confirmed' });
    const staff = await signIn(w.staff.email);
    const page = await t.http.get(`/staff/bookings/${w.request.id}`).set(HTML).set('cookie', staff);
    expect(page.status).toBe(200);
    const res = await t.http.post(`/staff/bookings/${w.request.id}/code/reissue`).set(HTML).set('cookie', staff).type('form').send({ _csrf: csrfOf(page.text) });
    expect(res.status).toBe(303);
    const after = await t.http.get(`/staff/bookings/${w.request.id}`).set(HTML).set('cookie', staff);
    expect(after.text).toContain('No door code to re-issue');
    const other = await signIn(w.otherStaff.email);
    const otherPage = await t.http.get('/staff/today').set(HTML).set('cookie', other);
    const refused = await t.http.post(`/staff/bookings/${w.request.id}/code/reissue`).set(HTML).set('cookie', other).type('form').send({ _csrf: csrfOf(otherPage.text) });
    expect(refused.status).toBe(404);
  });

  it('an admin runs every hub and switches between them', async () => {
    const w = await world();
    const admin = await signIn(w.admin.email);
    const page = await t.http.get('/staff/today').set(HTML).set('cookie', admin);
    expect(page.text).toContain('id="hub-switch"');
    const sw = await t.http.post('/staff/hub').set(HTML).set('cookie', admin).type('form').send({ _csrf: csrfOf(page.text), hubId: w.otherHub.id, next: '/staff/bookings/anything' });
    expect(sw.status).toBe(303);
    expect(sw.headers.location).toBe('/staff/bookings');
    const after = await t.http.get('/staff/today').set(HTML).set('cookie', admin);
    expect(after.text).toContain(`Today at ${w.otherHub.name}`);
  });
});

describe('long lists on the staff pages: a page at a time, newest first', () => {
  const rowsOf = (html: string, prefix: string) => [...html.matchAll(new RegExp(`id="${prefix}-([0-9a-f-]{36})"`, 'g'))].map((m) => m[1]);
  const hrefOf = (html: string, text: string) => {
    const m = new RegExp(`<a[^>]*href="([^"]+)"[^>]*>(?:(?!</a>)[\\s\\S])*?${text}\\s*</span>`).exec(html);
    return m?.[1].replace(/&amp;/g, '&');
  };

  it('pages the hub’s texts by “Older texts”, keeping the filter, every text once; a made-up link says so and shows the newest', async () => {
    const w = await makeWorld(t);
    const base = Date.parse('2026-03-01T08:00:00Z');
    const made = await t.container.database.db
      .insert(outbox)
      .values(
        Array.from({ length: 230 }, (_, i) => ({
          kind: 'staff_alert',
          to: '+447700900111',
          body: `text ${i}`,
          hubId: w.hub.id,
          status: (i % 2 ? 'sent' : 'failed') as 'sent' | 'failed',
          nextAttemptAt: new Date(base + i * 60_000),
          createdAt: new Date(base + i * 60_000),
        })),
      )
      .returning({ id: outbox.id, status: outbox.status });
    const staff = await signIn(w.staff.email);
    /** Every page from `path` on by its “Older texts” links: the ids on each page, and each page's links. */
    const walk = async (path: string) => {
      const pages: { ids: string[]; newest?: string; older?: string }[] = [];
      for (let href: string | undefined = path; href; href = pages[pages.length - 1].older) {
        const res = await t.http.get(href).set(HTML).set('cookie', staff);
        expect(res.status).toBe(200);
        pages.push({ ids: rowsOf(res.text, 'message'), newest: hrefOf(res.text, 'Newest texts'), older: hrefOf(res.text, 'Older texts') });
      }
      return pages;
    };
    const all = await walk('/staff/messages');
    expect(all.map((p) => p.ids.length)).toEqual([100, 100, 30]);
    expect(all.flatMap((p) => p.ids)).toEqual([...made].reverse().map((m) => m.id)); // newest first, each once
    expect(all.map((p) => p.newest)).toEqual([undefined, '/staff/messages', '/staff/messages']);

    // The filter is kept on the next pages: only the 115 failed texts.
    const failed = await walk('/staff/messages?status=failed');
    expect(failed.map((p) => p.ids.length)).toEqual([100, 15]);
    expect(failed[0].older).toContain('status=failed');
    expect(failed.flatMap((p) => p.ids)).toEqual([...made].reverse().filter((m) => m.status === 'failed').map((m) => m.id));

    const bad = await t.http.get('/staff/messages?cursor=not-a-cursor').set(HTML).set('cookie', staff);
    expect(bad.status).toBe(400);
    expect(bad.text).toContain('That link to older texts has expired');
    expect(rowsOf(bad.text, 'message')[0]).toBe(made[229].id);

    // Another hub's staff see none of them.
    const other = await signIn(w.otherStaff.email);
    expect(rowsOf((await t.http.get('/staff/messages').set(HTML).set('cookie', other)).text, 'message')).toEqual([]);
  });

  it('lists door entries newest first, filters them in the database (not among the newest few), and pages by “Older entries”; Today shows the newest', async () => {
    const w = await makeWorld(t);
    const staffActor = (await t.container.repos.users.loadActor(w.staff.id))!;
    const front = await t.container.services.doors.createDoor(staffActor, w.hub.id, { name: 'Front door', provider: 'none', roomIds: [w.room.id] });
    const side = await t.container.services.doors.createDoor(staffActor, w.hub.id, { name: 'Side door', provider: 'none', roomIds: [w.smallRoom.id] });
    const base = Date.parse('2026-03-01T08:00:00Z');
    // 250 entries: the 3 refused ones are the oldest, at the side door; the rest let in at the front.
    const made = await t.container.database.db
      .insert(doorEntries)
      .values(
        Array.from({ length: 250 }, (_, i) => ({
          hubId: w.hub.id,
          doorId: i < 3 ? side.id : front.id,
          at: new Date(base + i * 60_000),
          granted: i >= 3,
          result: (i < 3 ? 'unknown_code' : 'granted') as 'unknown_code' | 'granted',
        })),
      )
      .returning({ id: doorEntries.id });
    const staff = await signIn(w.staff.email);
    const first = await t.http.get('/staff/doors').set(HTML).set('cookie', staff);
    expect(first.status).toBe(200);
    const page1 = rowsOf(first.text, 'entry');
    expect(page1).toHaveLength(100);
    expect(page1[0]).toBe(made[249].id);
    let all = page1;
    let href = hrefOf(first.text, 'Older entries');
    while (href) {
      const res = await t.http.get(href).set(HTML).set('cookie', staff);
      all = [...all, ...rowsOf(res.text, 'entry')];
      href = hrefOf(res.text, 'Older entries');
    }
    expect(all).toEqual([...made].reverse().map((m) => m.id));

    // The three refused entries are older than the newest 200, and still found.
    const refused = await t.http.get('/staff/doors?result=refused').set(HTML).set('cookie', staff);
    expect(rowsOf(refused.text, 'entry')).toEqual([made[2].id, made[1].id, made[0].id]);
    expect(rowsOf((await t.http.get(`/staff/doors?door=${side.id}`).set(HTML).set('cookie', staff)).text, 'entry')).toHaveLength(3);

    const bad = await t.http.get(`/staff/doors?cursor=${Buffer.from(JSON.stringify(['yesterday', 'x'])).toString('base64url')}`).set(HTML).set('cookie', staff);
    expect(bad.status).toBe(400);
    expect(bad.text).toContain('That link to older entries has expired');

    const today = await t.http.get('/staff/today').set(HTML).set('cookie', staff);
    expect(today.status).toBe(200);
    // The last entries are the newest (12:09 down to 12:00 on 1 March, London is on GMT), not the first ever (08:00).
    const lastEntries = today.text.slice(today.text.indexOf('id="entries-caption"'));
    expect(lastEntries).toContain('12:09');
    expect(lastEntries).not.toContain('08:00');
  });
});

describe('People: inviting someone when the texting limits are reached', () => {
  it('says on the page to send the link by hand (429), makes no invitation, and the next invitation without a phone works', async () => {
    const w = await makeWorld(t);
    const staff = await signIn(w.staff.email);
    const path = `/staff/admin/hubs/${w.hub.id}`;
    const page = await t.http.get(path).set(HTML).set('cookie', staff);
    expect(page.status).toBe(200);
    const token = csrfOf(page.text);
    const invite = (email: string, phone: string) =>
      t.http.post(`${path}/invite`).set(HTML).set('cookie', staff).type('form').send({ _csrf: token, email, role: 'volunteer', name: 'Vol Unteer', phone });
    const invitationsTo = async (email: string) => (await t.container.database.db.select().from(invitations).where(eq(invitations.email, email))).length;

    // Ten invitations texted to one number are the day's limit for that number.
    for (let i = 0; i < 10; i++) expect((await invite(`vol-${i}@test.example`, '07700 900777')).status).toBe(303);
    const refused = await invite('vol-10@test.example', '07700 900777');
    expect(refused.status).toBe(429);
    expect(refused.text).toContain('Hubkey has sent as many texts to this number as it may for today. Leave the mobile number empty and send them the link yourself');
    expect(refused.text).toContain('value="vol-10@test.example"'); // what was typed is kept
    expect(await invitationsTo('vol-10@test.example')).toBe(0);

    const byHand = await invite('vol-10@test.example', '');
    expect(byHand.status).toBe(303);
    expect(await invitationsTo('vol-10@test.example')).toBe(1);
    // The one-time link is shown once on the next page; meanwhile the session row holds it sealed.
    const rowsBefore = JSON.stringify(await t.container.database.db.select({ data: webSessions.data }).from(webSessions));
    const shown = await t.http.get(path).set(HTML).set('cookie', staff);
    const link = /one-time link \(it is shown only now, and works for a limited time\): (\S+\/invitations\/[A-Za-z0-9_-]{43})/.exec(shown.text)?.[1];
    expect(link).toBeDefined();
    expect(rowsBefore).toContain('"flash":{"$sealed":"');
    expect(rowsBefore).not.toContain(link!.split('/invitations/')[1]);
    expect((await t.http.get(path).set(HTML).set('cookie', staff)).text).not.toContain(link!);
  });
});
