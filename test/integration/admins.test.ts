import { eq } from 'drizzle-orm';
import { users } from '../../src/db/schema';
import { listAdmins, setAdmin } from '../../src/modules/auth/admins';
import { createTestApp, type TestApp } from '../helpers/app';
import { expectProblem, makeUser } from '../helpers/factories';
import { HTML, csrfOf, webSignIn } from '../helpers/web';

/**
 * The network always has an admin: the only one cannot erase themselves (API and page) or be
 * revoked; `npm run admin` (src/modules/auth/admins.ts) makes another. One database per test:
 * who else is admin is the point.
 */
let t: TestApp;
beforeEach(async () => {
  t = await createTestApp({ now: '2026-03-02T09:00:00Z' });
});
afterEach(() => t.close());

const db = () => t.container.database.db;
const userRow = async (id: string) => (await db().select().from(users).where(eq(users.id, id)))[0];

describe('the last network admin', () => {
  it('may not erase themselves (409 last_admin, nothing changed); once another is granted, may', async () => {
    const ada = await makeUser(t, { isAdmin: true, name: 'Ada' });
    const bea = await makeUser(t, { name: 'Bea' });
    const refused = await t.http.delete('/me').set(ada.auth);
    expectProblem(refused, 409, 'last_admin');
    expect(refused.body.detail).toContain('npm run admin -- grant');
    expect(await userRow(ada.id)).toMatchObject({ isAdmin: true, erasedAt: null, name: 'Ada' });
    expect((await t.http.get('/me').set(ada.auth)).status).toBe(200);

    expect(await setAdmin(db(), bea.email.toUpperCase(), true)).toEqual({ ok: true, email: bea.email, name: 'Bea', changed: true });
    const erased = await t.http.delete('/me').set(ada.auth);
    expect(erased.status).toBe(200);
    expect((await userRow(ada.id)).erasedAt).not.toBeNull();
    expect(await listAdmins(db())).toEqual([{ email: bea.email, name: 'Bea' }]);
    // Bea is now the only one.
    expectProblem(await t.http.delete('/me').set(bea.auth), 409, 'last_admin');
  });

  it('the delete-account page says what to do instead of offering the form; a post changes nothing', async () => {
    const ada = await makeUser(t, { isAdmin: true, name: 'Ada' });
    const { cookie } = await webSignIn(t, ada.email);
    const page = await t.http.get('/account/delete').set(HTML).set('cookie', cookie);
    expect(page.status).toBe(200);
    expect(page.text).toContain('You are the network’s only admin');
    expect(page.text).not.toContain('name="confirm"');
    const account = await t.http.get('/account').set(HTML).set('cookie', cookie);
    const posted = await t.http.post('/account/delete').set(HTML).set('cookie', cookie).type('form').send({ confirm: 'yes', _csrf: csrfOf(account.text) });
    expect(posted.status).toBe(409);
    expect(posted.text).toContain('You are the network’s only admin');
    expect(await userRow(ada.id)).toMatchObject({ isAdmin: true, erasedAt: null });
  });

  it('an admin may still erase another admin, with a reason', async () => {
    const ada = await makeUser(t, { isAdmin: true, name: 'Ada' });
    const cy = await makeUser(t, { isAdmin: true, name: 'Cy' });
    expect((await t.http.post(`/people/${cy.id}/erase`).set(ada.auth).send({ reason: 'Left the network' })).status).toBe(200);
    expect(await listAdmins(db())).toEqual([{ email: ada.email, name: 'Ada' }]);
  });
});

describe('setAdmin (npm run admin)', () => {
  it('grants and revokes by email, says when nothing changed, refuses an unknown or erased person, never revokes the last', async () => {
    const ada = await makeUser(t, { isAdmin: true, name: 'Ada' });
    const bea = await makeUser(t, { name: 'Bea' });
    expect(await setAdmin(db(), ada.email, true)).toMatchObject({ ok: true, changed: false });
    expect(await setAdmin(db(), 'nobody@example.org', true)).toEqual({ ok: false, reason: expect.stringContaining('nobody@example.org') });
    expect(await setAdmin(db(), ada.email, false)).toEqual({ ok: false, reason: expect.stringContaining('only admin') });
    expect((await userRow(ada.id)).isAdmin).toBe(true);
    expect(await setAdmin(db(), bea.email, true)).toMatchObject({ ok: true, changed: true });
    expect(await setAdmin(db(), ada.email, false)).toMatchObject({ ok: true, changed: true });
    expect(await setAdmin(db(), ada.email, false)).toMatchObject({ ok: true, changed: false });
    expect(await listAdmins(db())).toEqual([{ email: bea.email, name: 'Bea' }]);
    // An erased person is nobody: the erasure cleared their email anyway, and their id cannot sign in.
    const gone = await makeUser(t, { name: 'Gone' });
    await db().update(users).set({ erasedAt: new Date() }).where(eq(users.id, gone.id));
    expect(await setAdmin(db(), gone.email, true)).toMatchObject({ ok: false });
  });
});
