import { count, eq } from 'drizzle-orm';
import { webSessions } from '../../src/db/schema';
import { JOBS, runJob } from '../../src/worker/jobs';
import { createTestApp, type TestApp } from '../helpers/app';
import { HTML, csrfOf, cookieOf, webSignIn } from '../helpers/web';
import { PASSWORD, addRole, expectProblem, makeHub, makeRoom, makeUser } from '../helpers/factories';
import { conflict, invalid, unprocessable } from '../../src/lib/errors';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

const sessionsOf = async (userId: string) => (await t.container.database.db.select({ n: count() }).from(webSessions).where(eq(webSessions.userId, userId)))[0].n;

describe('pages and the API share paths by what the client accepts', () => {
  it('a browser gets the page; an API client gets JSON or problem+json as before', async () => {
    const hub = await makeHub(t);
    const room = await makeRoom(t, hub.id, { name: 'Blue Room' });
    const page = await t.http.get(`/rooms/${room.id}`).set(HTML);
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toContain('text/html');
    expect(page.text).toContain('Blue Room');
    const api = await t.http.get(`/rooms/${room.id}`).set('accept', 'application/json');
    expect(api.status).toBe(200);
    expect(api.body).toMatchObject({ id: room.id, name: 'Blue Room' });
    expectProblem(await t.http.get('/nothing-here').set('accept', 'application/json'), 404, 'route_not_found');
    const missing = await t.http.get('/nothing-here').set(HTML);
    expect(missing.status).toBe(404);
    expect(missing.text).toContain('Page not found');
  });

  it('my bookings: an API call without a token is 401, a browser without a session is sent to sign in', async () => {
    expectProblem(await t.http.get('/bookings'), 401, 'unauthenticated');
    const page = await t.http.get('/bookings').set(HTML);
    expect(page.status).toBe(303);
    expect(page.headers.location).toBe('/sign-in?next=%2Fbookings');
  });

  it('a page for something that does not exist is the 404 page, never a 500', async () => {
    for (const path of ['/rooms/not-a-uuid', '/rooms/00000000-0000-4000-8000-000000000000']) {
      const res = await t.http.get(path).set(HTML);
      expect(res.status).toBe(404);
      expect(res.text).toContain('Page not found');
    }
  });
});

describe('sessions and CSRF', () => {
  it('signing in needs the form’s CSRF token, and makes an HttpOnly SameSite=Lax session that signing out deletes', async () => {
    const user = await makeUser(t);
    const form = await t.http.get('/sign-in').set(HTML);
    const cookie = cookieOf(form);
    const token = csrfOf(form.text);
    const body = { email: user.email, password: PASSWORD, _csrf: token };

    // No token, a forged one, or no session: refused, nobody signed in.
    for (const [c, b] of [
      [cookie, { ...body, _csrf: undefined }],
      [cookie, { ...body, _csrf: 'forged' }],
      ['', body],
    ] as const) {
      const res = await t.http.post('/sign-in').set(HTML).set('cookie', c).type('form').send(b);
      expect(res.status).toBe(403);
      expect(res.text).toContain('This form has expired');
    }
    expect(await sessionsOf(user.id)).toBe(0);

    const wrong = await t.http.post('/sign-in').set(HTML).set('cookie', cookie).type('form').send({ ...body, password: 'not it' });
    expect(wrong.status).toBe(400);
    expect(wrong.text).toContain('The email address or password is not right');
    expect(await sessionsOf(user.id)).toBe(0);

    const ok = await t.http.post('/sign-in').set(HTML).set('cookie', cookie).type('form').send({ ...body, next: '//evil.example' });
    expect(ok.status).toBe(303);
    expect(ok.headers.location).toBe('/');
    const setCookie = (ok.headers['set-cookie'] as unknown as string[]).find((c) => c.startsWith('hubkey_session='))!;
    expect(setCookie).toMatch(/HttpOnly/);
    expect(setCookie).toMatch(/SameSite=Lax/);
    expect(setCookie).not.toMatch(/Secure/); // only in production
    const signedIn = cookieOf(ok);
    expect(signedIn).not.toBe(cookie); // a new token at sign-in
    expect(await sessionsOf(user.id)).toBe(1);
    const account = await t.http.get('/account').set(HTML).set('cookie', signedIn);
    expect(account.status).toBe(200);
    expect(account.text).toContain(user.email);

    const out = await t.http.post('/sign-out').set(HTML).set('cookie', signedIn).type('form').send({ _csrf: csrfOf(account.text) });
    expect(out.status).toBe(303);
    expect(await sessionsOf(user.id)).toBe(0);
    const after = await t.http.get('/account').set(HTML).set('cookie', signedIn);
    expect(after.status).toBe(303);
  });

  it('a visitor who only looks gets no session row; expired sessions are purged by the worker', async () => {
    const before = (await t.container.database.db.select({ n: count() }).from(webSessions))[0].n;
    const res = await t.http.get('/').set(HTML);
    expect(res.headers['set-cookie']).toBeUndefined();
    expect((await t.container.database.db.select({ n: count() }).from(webSessions))[0].n).toBe(before);

    const user = await makeUser(t);
    await t.container.database.db.insert(webSessions).values([
      { idHash: `old-${user.id}`, userId: user.id, expiresAt: new Date(t.clock.now().getTime() - 1000) },
      { idHash: `live-${user.id}`, userId: user.id, expiresAt: new Date(t.clock.now().getTime() + 60_000) },
    ]);
    expect(await runJob(t.container, JOBS.find((j) => j.name === 'web.purge-expired-sessions')!)).toBeGreaterThanOrEqual(1);
    const left = await t.container.database.db.select({ idHash: webSessions.idHash }).from(webSessions).where(eq(webSessions.userId, user.id));
    expect(left.map((r) => r.idHash)).toEqual([`live-${user.id}`]);
  });
});

describe('the main menu says where the person is', () => {
  /** The main menu's links and their aria-current, in order. */
  const menu = (html: string) =>
    [...(/<ul class="govuk-service-navigation__list"[\s\S]*?<\/ul>/.exec(html)?.[0] ?? '').matchAll(/<a class="govuk-service-navigation__link" href="([^"]+)"( aria-current="(\w+)")?/g)].map(
      (m) => `${m[1]}${m[3] ? ` (${m[3]})` : ''}`,
    );

  it('marks the page itself as the page, and a page inside My bookings or Your account as in that section', async () => {
    const user = await makeUser(t);
    const { cookie } = await webSignIn(t, user.email);
    const on = async (path: string) => {
      const res = await t.http.get(path).set(HTML).set('cookie', cookie);
      expect(res.status).toBe(200);
      return menu(res.text);
    };
    expect(await on('/account')).toEqual(['/', '/bookings', '/account (page)']);
    expect(await on('/account/data')).toEqual(['/', '/bookings', '/account (true)']);
    expect(await on('/bookings')).toEqual(['/', '/bookings (page)', '/account']);
    expect(await on('/')).toEqual(['/ (page)', '/bookings', '/account']);
  });
});

describe('the pages’ error handler', () => {
  it('shows a refusal a page did not handle itself as a 4xx page in the rule’s own words, never the 500 page', async () => {
    // A refusal no page expects (here injected into the invitations service the People page calls).
    const hub = await makeHub(t);
    const staff = await makeUser(t);
    await addRole(t, hub.id, staff.id, 'staff');
    const { cookie } = await webSignIn(t, staff.email);
    const page = await t.http.get(`/staff/admin/hubs/${hub.id}`).set(HTML).set('cookie', cookie);
    expect(page.status).toBe(200);
    const service = t.container.services.invitations;
    const real = service.inviteToHub;
    const post = () =>
      t.http.post(`/staff/admin/hubs/${hub.id}/invite`).set(HTML).set('cookie', cookie).type('form').send({ _csrf: csrfOf(page.text), email: 'new@test.example', role: 'volunteer' });
    try {
      for (const [err, status] of [
        [unprocessable('closed_to_newcomers', 'the hub takes no new volunteers this month'), 422],
        [conflict('invited_already', 'An invitation is already waiting'), 409],
        [invalid('email is not allowed'), 400],
      ] as const) {
        service.inviteToHub = async () => {
          throw err;
        };
        const res = await post();
        expect(res.status).toBe(status);
        expect(res.headers['content-type']).toContain('text/html');
        expect(res.text).toContain('<h1 class="govuk-heading-l">There is a problem</h1>');
        expect(res.text).toContain(`${err.message[0].toUpperCase()}${err.message.slice(1)}${err.message.endsWith('.') ? '' : '.'} Go back, check what you entered and try again.`);
      }
      // Anything else is still the 500 page.
      service.inviteToHub = async () => {
        throw new Error('boom');
      };
      const broken = await post();
      expect(broken.status).toBe(500);
      expect(broken.text).toContain('Sorry, there is a problem with the service');
    } finally {
      service.inviteToHub = real;
    }
  });
});
