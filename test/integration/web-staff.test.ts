import { createTestApp, type TestApp } from '../helpers/app';
import { PASSWORD, makeOrg, makeWorld } from '../helpers/factories';

/**
 * The staff pages over HTTP (the browser suite walks them in Chromium): the guard, CSRF on every
 * form, and that a refused or wrong request changes nothing.
 */
let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

const HTML = { accept: 'text/html,application/xhtml+xml' };
const csrfOf = (html: string) => /name="_csrf" value="([^"]+)"/.exec(html)![1];
const cookieOf = (res: { headers: Record<string, unknown> }) => ((res.headers['set-cookie'] as string[] | undefined) ?? []).map((c) => c.split(';')[0]).join('; ');

/** Signs a person in through the sign-in form; answers their session cookie. */
async function signIn(email: string): Promise<string> {
  const form = await t.http.get('/sign-in').set(HTML);
  const res = await t.http.post('/sign-in').set(HTML).set('cookie', cookieOf(form)).type('form').send({ email, password: PASSWORD, _csrf: csrfOf(form.text) });
  expect(res.status).toBe(303);
  return cookieOf(res);
}

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
