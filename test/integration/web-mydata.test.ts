import { count, eq } from 'drizzle-orm';
import { strFromU8, unzipSync } from 'fflate';
import { bookings, erasures, users, webSessions } from '../../src/db/schema';
import { sectionWords } from '../../src/modules/privacy/privacy.service';
import { createTestApp, type TestApp } from '../helpers/app';
import { HTML, csrfOf, cookieOf, webSignIn } from '../helpers/web';
import { makeHub, makeOrg, makeRoom, makeUser, type TestUser } from '../helpers/factories';

/**
 * The "Your data" and "Delete your account" pages over HTTP: who may reach them, the downloads'
 * headers and contents, and the rules of the delete form (CSRF, the confirmation, the service's
 * refusal) that change nothing when they refuse. The browser file (test/browser/mydata.browser.ts)
 * walks the same pages as a person would.
 */
let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

const db = () => t.container.database.db;
const sessionsOf = async (userId: string) => (await db().select({ n: count() }).from(webSessions).where(eq(webSessions.userId, userId)))[0].n;

const signIn = (email: string, password?: string) => webSignIn(t, email, password);

/** A hirer with a group and a booking of their own (ahead, or already past), and a stranger with theirs. */
async function hirerWithBooking(opts: { ahead: boolean; title: string }) {
  const hub = await makeHub(t);
  const room = await makeRoom(t, hub.id);
  const me = await makeUser(t, { name: 'Harriet Hirer', phone: '+447700900555' });
  const org = await makeOrg(t, [me.id], { name: `Harriet's group ${me.id.slice(0, 4)}` });
  const startsAt = new Date(t.clock.now().getTime() + (opts.ahead ? 1 : -1) * 7 * 24 * 3600_000);
  const endsAt = new Date(startsAt.getTime() + 3600_000);
  const row = { roomId: room.id, hubId: hub.id, attendees: 5, startsAt, endsAt, blockedUntil: endsAt, status: 'confirmed' as const };
  await db().insert(bookings).values({ ...row, organisationId: org.id, createdBy: me.id, title: opts.title });
  const stranger = await makeUser(t, { name: 'Sid Stranger' });
  const theirs = await makeOrg(t, [stranger.id]);
  const later = { startsAt: new Date(startsAt.getTime() + 7200_000), endsAt: new Date(endsAt.getTime() + 7200_000), blockedUntil: new Date(endsAt.getTime() + 7200_000) };
  await db().insert(bookings).values({ ...row, ...later, organisationId: theirs.id, createdBy: stranger.id, title: 'Stranger’s secret meeting' });
  return { me, org, stranger };
}

const stillThere = async (me: TestUser) => {
  const [u] = await db().select().from(users).where(eq(users.id, me.id));
  return { email: u.email, erasedAt: u.erasedAt, erasures: (await db().select({ n: count() }).from(erasures).where(eq(erasures.userId, me.id)))[0].n };
};

describe('signed out', () => {
  it.each(['/account/data', '/account/data.zip', '/account/data.json', '/account/delete'])('%s sends the visitor to sign in, coming back after', async (path) => {
    const res = await t.http.get(path).set(HTML);
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe(`/sign-in?next=${encodeURIComponent(path)}`);
  });

  it('the confirmation page without an erasure behind it goes home', async () => {
    const res = await t.http.get('/account/deleted').set(HTML);
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/');
  });
});

describe('your data', () => {
  it('every section the export can hold has words for the page', async () => {
    const { me } = await hirerWithBooking({ ahead: false, title: 'Words check' });
    const data = await t.container.services.privacy.myData((await t.container.repos.users.loadActor(me.id))!);
    expect(Object.keys(data.sections).filter((name) => !(name in sectionWords(t.container.config.privacy.retention)))).toEqual([]);
  });

  it('the page counts my records and says how long each is kept; the downloads hold mine and nobody else’s', async () => {
    const { me, stranger } = await hirerWithBooking({ ahead: false, title: 'Harriet’s yoga class' });
    const { cookie } = await signIn(me.email);
    const page = await t.http.get('/account/data').set(HTML).set('cookie', cookie);
    expect(page.status).toBe(200);
    expect(page.text).toContain('Bookings you made or are the contact for');
    expect(page.text).toContain(`Six years, for the hub’s accounts. The contact phone is cleared ${t.container.config.privacy.retention.contactPhoneDays} days after the booking ends`);
    expect(page.text).toContain('href="/account/data.zip"');

    const json = await t.http.get('/account/data.json').set(HTML).set('cookie', cookie);
    expect(json.status).toBe(200);
    expect(json.headers['content-type']).toMatch(/^application\/json/);
    expect(json.headers['content-disposition']).toMatch(/^attachment; filename="hubkey-my-data-2026-03-02\.json"$/);
    expect(json.headers['cache-control']).toContain('no-store');
    const body = JSON.parse(json.text);
    expect(body.userId).toBe(me.id);
    expect(body.sections.users.map((u: { email: string }) => u.email)).toEqual([me.email]);
    expect(body.sections.bookings.map((b: { title: string }) => b.title)).toEqual(['Harriet’s yoga class']);
    expect(json.text).not.toContain(stranger.email);
    expect(json.text).not.toContain('Stranger’s secret meeting');
    expect(json.text).not.toContain('passwordHash');

    const zip = await t.http.get('/account/data.zip').set(HTML).set('cookie', cookie).buffer(true).parse((res, done) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => done(null, Buffer.concat(chunks)));
    });
    expect(zip.status).toBe(200);
    expect(zip.headers['content-type']).toBe('application/zip');
    expect(zip.headers['content-disposition']).toBe('attachment; filename="hubkey-my-data-2026-03-02.zip"');
    const files = unzipSync(new Uint8Array(zip.body as Buffer));
    expect(strFromU8(files['users.csv'])).toContain(me.email);
    expect(strFromU8(files['bookings.csv'])).toContain('Harriet’s yoga class');
    const everything = Object.values(files).map((f) => strFromU8(f)).join('\n');
    expect(everything).not.toContain(stranger.email);
    expect(everything).not.toContain('Stranger’s secret meeting');
  });
});

describe('deleting my account', () => {
  it('without the form’s CSRF token, or without the confirmation, nothing is erased', async () => {
    const { me } = await hirerWithBooking({ ahead: false, title: 'Kept class' });
    const { cookie } = await signIn(me.email);
    const form = await t.http.get('/account/delete').set(HTML).set('cookie', cookie);
    expect(form.status).toBe(200);
    expect(form.text).toContain('What is kept, and why');
    const forged = await t.http.post('/account/delete').set(HTML).set('cookie', cookie).type('form').send({ confirm: 'yes', _csrf: 'forged' });
    expect(forged.status).toBe(403);
    const unconfirmed = await t.http.post('/account/delete').set(HTML).set('cookie', cookie).type('form').send({ _csrf: csrfOf(form.text) });
    expect(unconfirmed.status).toBe(400);
    expect(unconfirmed.text).toContain('<title>Error: Delete your account – Hubkey</title>');
    expect(unconfirmed.text).toContain('href="#confirm"');
    expect(await stillThere(me)).toEqual({ email: me.email, erasedAt: null, erasures: 0 });
    expect(await sessionsOf(me.id)).toBe(1);
  });

  it('the last member of a group with bookings ahead is told what to do first, and nothing is erased', async () => {
    const { me, org } = await hirerWithBooking({ ahead: true, title: 'Next week’s class' });
    const { cookie } = await signIn(me.email);
    const page = await t.http.get('/account/delete').set(HTML).set('cookie', cookie);
    expect(page.status).toBe(200);
    expect(page.text).toContain('You cannot delete your account yet');
    expect(page.text).toContain(`${org.name.replace("'", '&#39;')}: 1 booking ahead`);
    expect(page.text).not.toContain('name="confirm"');
    // A form from before the booking was made (or a crafted post) gets the same page, as a 409.
    const res = await t.http.post('/account/delete').set(HTML).set('cookie', cookie).type('form').send({ confirm: 'yes', _csrf: csrfOf(page.text) });
    expect(res.status).toBe(409);
    expect(res.text).toContain('You cannot delete your account yet');
    expect(await stillThere(me)).toEqual({ email: me.email, erasedAt: null, erasures: 0 });
  });

  it('confirmed: erased, signed out everywhere, the confirmation says what was kept, and the password no longer works', async () => {
    const { me } = await hirerWithBooking({ ahead: false, title: 'Last term’s class' });
    const elsewhere = await signIn(me.email);
    const { cookie } = await signIn(me.email);
    expect(await sessionsOf(me.id)).toBe(2);
    const form = await t.http.get('/account/delete').set(HTML).set('cookie', cookie);
    const res = await t.http.post('/account/delete').set(HTML).set('cookie', cookie).type('form').send({ confirm: 'yes', _csrf: csrfOf(form.text) });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/account/deleted');
    const after = await stillThere(me);
    expect(after.erasedAt).not.toBeNull();
    expect(after.email).not.toBe(me.email);
    expect(after.erasures).toBe(1);
    expect(await sessionsOf(me.id)).toBe(0);
    // The browser leaves with a new, signed-out session holding only the confirmation.
    const fresh = cookieOf(res);
    expect(fresh).not.toBe(cookie);
    const [row] = await db().select().from(webSessions).where(eq(webSessions.userId, me.id));
    expect(row).toBeUndefined();
    const done = await t.http.get('/account/deleted').set(HTML).set('cookie', fresh);
    expect(done.status).toBe(200);
    expect(done.text).toContain('Your account has been deleted');
    expect(done.text).toContain('Bookings (1)');
    expect(done.text).toContain('Erasure record');
    expect(done.text).not.toContain('Sign out');
    for (const c of [cookie, elsewhere.cookie]) {
      const account = await t.http.get('/account').set(HTML).set('cookie', c);
      expect(account.status).toBe(303);
    }
    const again = await signIn(me.email);
    expect(again.res.status).toBe(400);
    expect(again.res.text).toContain('The email address or password is not right');
  });
});
