import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import { eq } from 'drizzle-orm';
import { hubMembers, shiftSignups } from '../../src/db/schema';
import { createTestApp, type TestApp } from '../helpers/app';
import { makeOrg, makeUser, type TestUser } from '../helpers/factories';
import { createShift, makeRotaWorld, type RotaWorld } from '../helpers/rota';
import { HTML, cookieOf, csrfOf, webSignIn } from '../helpers/web';

/**
 * "No input makes a web page answer 5xx": every GET and POST route of the pages (src/web/hirer,
 * staff, volunteer), found as the app registers them, is sent junk by staff, an admin, a hirer, a
 * volunteer and nobody: empty and partial forms, the page's own form with one field at a time
 * replaced by over-long text, impossible dates and times, negative and huge numbers, unknown
 * choices, repeated fields and JSON of the wrong types; path ids that exist, do not exist and are
 * not ids. A refusal is a 4xx HTML page. A page that showed a refusal it did not handle itself
 * (the error handler's net, logged as a warning) is listed, so it can be given its own words.
 */

// Every route the app registers, with the place in the source that registered it.
const mockRoutes: { method: string; url: string; site: string }[] = [];
jest.mock('fastify', () => {
  const real = jest.requireActual('fastify');
  const wrapped = (...args: unknown[]) => {
    const app = real(...args);
    app.addHook('onRoute', (r: { method: string | string[]; url: string }) => {
      const frame = (new Error().stack ?? '').split('\n').find((l) => /src[/\\]web[/\\](hirer|staff|volunteer)[/\\]/.test(l));
      const site = frame ? /(src[/\\]web[/\\][^:]+):(\d+)/.exec(frame) : null;
      for (const method of [r.method].flat()) mockRoutes.push({ method, url: r.url, site: site ? `${site[1].replace(/\\/g, '/')}:${site[2]}` : '' });
    });
    return app;
  };
  return Object.assign(wrapped, real, { default: wrapped, fastify: wrapped });
});

/** The log's warnings and errors, as parsed lines. */
const logLines: { level: number; msg: string; code?: string; path?: string; err?: { message?: string; stack?: string }; req?: { url?: string } }[] = [];
const logStream = new Writable({
  write(chunk, _enc, done) {
    for (const line of String(chunk).split('\n')) if (line.trim()) logLines.push(JSON.parse(line));
    done();
  },
});

let t: TestApp;
let w: RotaWorld;
let ids: Record<string, string>;
beforeAll(async () => {
  t = await createTestApp({ log: true, overrides: { logger: pino({ level: 'warn' }, logStream) } });
  w = await makeRotaWorld(t);
  const claimer = await makeOrg(t, [w.hirer.id], { claimedTier: 'community', name: 'Claiming Club' });
  const hirerActor = (await t.container.repos.users.loadActor(w.hirer.id))!;
  const staffActor = (await t.container.repos.users.loadActor(w.staff.id))!;
  const book = (orgId: string, day: number) =>
    t.container.services.bookings.create(hirerActor, {
      roomId: w.room.id,
      organisationId: orgId,
      startsAt: `2026-03-${day}T18:00`,
      endsAt: `2026-03-${day}T20:00`,
      title: 'Club night',
      attendees: 10,
      contactPhone: '+447700900555',
    }) as Promise<{ id: string; status: string }>;
  const booking = await book(w.org.id, 10);
  const request = await book(claimer.id, 11);
  const shift = (await createShift(t, w.staff, w.hub.id)).body as { id: string };
  const open = (await createShift(t, w.staff, w.hub.id, { startsAt: '2026-03-12T18:00:00', endsAt: '2026-03-12T20:00:00', volunteersNeeded: 2 })).body as { id: string };
  expect((await t.http.post(`/shifts/${shift.id}/assign`).set(w.staff.auth).send({ userId: w.ann.id })).status).toBeLessThan(300);
  const closure = await t.container.services.venues.createClosure(staffActor, w.hub.id, { startsAt: '2026-04-01T00:00', endsAt: '2026-04-02T00:00', reason: 'Works' });
  const door = await t.container.services.doors.createDoor(staffActor, w.hub.id, { name: 'Front door', provider: 'none', roomIds: [w.room.id] });
  ids = { booking: booking.id, request: request.id, shift: shift.id, open: open.id, closure: closure.id, door: door.id, org: w.org.id, claimer: claimer.id, hub: w.hub.id, room: w.room.id, ann: w.ann.id };
}, 60_000);
afterAll(() => t.close());

/** The page routes as registered (HEAD is Fastify's copy of each GET). */
const pageRoutes = () => mockRoutes.filter((r) => r.site && r.method !== 'HEAD');

/** The lines of src/web/{hirer,staff,volunteer} that register a GET or POST route. */
function registrationSites(): string[] {
  const root = join(__dirname, '..', '..');
  const sites: string[] = [];
  for (const dir of ['hirer', 'staff', 'volunteer']) {
    const abs = join(root, 'src', 'web', dir);
    for (const f of readdirSync(abs).filter((n) => n.endsWith('.ts'))) {
      readFileSync(join(abs, f), 'utf8')
        .split('\n')
        .forEach((line, i) => /\bapp\.(get|post)\s*(<.*>)?\(/.test(line) && sites.push(`${relative(root, join(abs, f)).replace(/\\/g, '/')}:${i + 1}`));
    }
  }
  return sites.sort();
}

/** The real id a route's parameter stands for. */
function realId(url: string, param: string): string | undefined {
  if (param === 'roomId') return ids.room;
  if (param === 'hubId') return ids.hub;
  if (param === 'orgId') return ids.claimer;
  if (param === 'userId') return ids.ann;
  if (param === 'token') return undefined;
  if (/^\/staff\/approvals\//.test(url)) return ids.request;
  if (/^\/(staff\/)?bookings\//.test(url)) return ids.booking;
  if (/^\/staff\/rota\/shifts\/|^\/volunteer\/shifts\//.test(url)) return ids.shift;
  if (/^\/volunteer\/open\//.test(url)) return ids.open;
  if (/closures/.test(url)) return ids.closure;
  if (/doors/.test(url)) return ids.door;
  if (/organisations/.test(url)) return ids.org;
  return undefined;
}
// Longer than Fastify's 100 characters of a path parameter is a 414 before any page runs (tested once below).
const JUNK_IDS = [randomUUID(), 'not-a-uuid', 'x'.repeat(90)];

/** A URL of a route with its parameters filled: the real ids first, then junk. */
function urlsOf(url: string): string[] {
  const params = [...url.matchAll(/:(\w+)/g)].map((m) => m[1]);
  if (!params.length) return [url];
  const fill = (f: (p: string) => string | undefined) => url.replace(/:(\w+)/g, (_, p: string) => encodeURIComponent(f(p) ?? JUNK_IDS[0]));
  return [...new Set([fill((p) => realId(url, p)), ...JUNK_IDS.map((j) => fill(() => j))])];
}

/** The forms of a page: their action and fields, as a browser would send them. */
type Form = { action: string; fields: [string, string][] };
const unescape = (s: string) => s.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
function formsOf(html: string): Form[] {
  const forms: Form[] = [];
  for (const m of html.matchAll(/<form\b([^>]*)>([\s\S]*?)<\/form>/g)) {
    if (!/method="post"/i.test(m[1])) continue;
    const action = unescape(/action="([^"]*)"/.exec(m[1])?.[1] ?? '');
    const fields: [string, string][] = [];
    const attr = (tag: string, a: string) => new RegExp(`\\b${a}="([^"]*)"`).exec(tag)?.[1];
    for (const el of m[2].matchAll(/<(input|select|textarea)\b([^>]*)>([\s\S]*?(?=<\/select>|<\/textarea>))?/g)) {
      const name = attr(el[2], 'name');
      if (!name || name === '_csrf') continue;
      if (el[1] === 'input') {
        const type = attr(el[2], 'type') ?? 'text';
        if ((type === 'radio' || type === 'checkbox') && !/\bchecked\b/.test(el[2]) && fields.some(([n]) => n === name)) continue;
        if (type === 'submit' && fields.some(([n]) => n === name)) continue;
        fields.push([name, unescape(attr(el[2], 'value') ?? '')]);
      } else if (el[1] === 'select') {
        const options = [...(el[3] ?? '').matchAll(/<option\b([^>]*)>/g)].map((o) => ({ value: unescape(attr(o[1], 'value') ?? ''), selected: /\bselected\b/.test(o[1]) }));
        fields.push([name, (options.find((o) => o.selected && o.value) ?? options.find((o) => o.value))?.value ?? '']);
      } else fields.push([name, unescape((el[3] ?? '').replace(/^[\s\S]*?>/, ''))]);
    }
    forms.push({ action, fields });
  }
  return forms;
}

/** Every field name the pages read (text(), many(), readDate()) and the query names they look at. */
function fieldNames(): string[] {
  const names = new Set<string>();
  for (const dir of ['hirer', 'staff', 'volunteer']) {
    const abs = join(__dirname, '..', '..', 'src', 'web', dir);
    for (const f of readdirSync(abs).filter((n) => n.endsWith('.ts'))) {
      const src = readFileSync(join(abs, f), 'utf8');
      for (const m of src.matchAll(/\b(text|many|readDate)\([^,()]+, '([\w-]+)'\)/g)) {
        if (m[1] === 'readDate') for (const p of ['day', 'month', 'year']) names.add(`${m[2]}-${p}`);
        else names.add(m[2]);
      }
      for (const m of src.matchAll(/request\.query\.(\w+)/g)) names.add(m[1]);
    }
  }
  return [...names].sort();
}

const LONG = 'x'.repeat(10_000);
/** Impossible dates for a date input (day, month, year). */
const JUNK_DATES = [
  ['30', '2', '2026'],
  ['31', '4', '2026'],
  ['1', '1', '99999'],
  ['1', '1', '0000'],
  ['-1', '-1', '-1'],
];

type Who = { name: string; cookie: string; csrf: string; user?: TestUser };
type Failure = string;

describe('no input makes a web page answer 5xx', () => {
  it('finds every page route the source registers', () => {
    const sites = [...new Set(pageRoutes().map((r) => r.site))].sort();
    expect(sites).toEqual(registrationSites());
    // Two registrations are in loops (opening/staffed hours; signup/waitlist/cover): more routes than lines.
    expect(pageRoutes().length).toBeGreaterThan(registrationSites().length);
  });

  it('holds for every GET and POST page, for everyone', async () => {
    const routes = pageRoutes();
    const failures: Failure[] = [];
    const refusedByNet = new Set<string>();
    let calls = 0;

    async function session(name: string, user?: TestUser): Promise<Who> {
      if (!user) {
        const page = await t.http.get('/sign-in').set(HTML);
        return { name, cookie: cookieOf(page), csrf: csrfOf(page.text) };
      }
      const { res, cookie } = await webSignIn(t, user.email);
      expect(res.status).toBe(303);
      const page = await t.http.get('/account').set(HTML).set('cookie', cookie);
      return { name, cookie, csrf: csrfOf(page.text), user };
    }
    const check = (who: Who, what: string, res: { status: number; headers: Record<string, string>; text: string }) => {
      calls++;
      if (res.status >= 500) failures.push(`${who.name} ${what} → ${res.status}`);
      else if (res.status >= 400 && !/text\/html/.test(res.headers['content-type'] ?? '')) failures.push(`${who.name} ${what} → ${res.status} as ${res.headers['content-type']}`);
    };
    const send = (who: Who, method: string, url: string) => (method === 'GET' ? t.http.get(url) : t.http.post(url)).set(HTML).set('cookie', who.cookie).set('x-csrf-token', who.csrf);
    const short = (v: unknown) => JSON.stringify(v).replace(/x{20,}/g, (m) => `x*${m.length}`).slice(0, 200);

    /** The booking questions keep a draft in the session: start one, and answer up to the step asked. */
    async function primeDraft(who: Who, path: string) {
      if (!path.startsWith('/book/')) return;
      await send(who, 'GET', `/book/start?room=${ids.room}&date-day=20&date-month=3&date-year=2026&start=18:00&end=20:00&people=10&org=${ids.org}`);
      if (path === '/book/when' || path === '/book/start') return;
      const repeat = path === '/book/until' ? 'weekly' : 'once';
      await send(who, 'POST', '/book/repeat').type('form').send({ repeat });
      if (path === '/book/until' || path === '/book/repeat') return;
      if (repeat === 'once') await send(who, 'POST', '/book/details').type('form').send({ title: 'Fuzz', people: '10', organisationId: ids.org, phone: '07700900123' });
    }

    const names = fieldNames();
    /** Every field (or query name) the pages read, all set to one junk value. */
    const allJunk = (v: string | string[]) => Object.fromEntries(names.map((n) => [n, v]));
    const impossibleDates = Object.fromEntries(names.map((n) => [n, n.endsWith('-day') ? '30' : n.endsWith('-month') ? '2' : n.endsWith('-year') ? '2026' : '2026-02-30']));
    const junkQueries: Record<string, string | string[]>[] = [
      {},
      // Node refuses a request line of more than 16 KB (431): 10,000 characters in one name at a time.
      allJunk('x'.repeat(150)),
      { next: LONG },
      { hub: LONG },
      impossibleDates,
      allJunk('25:99'),
      allJunk('-99999999999999999999'),
      allJunk('not-a-uuid'),
      allJunk(['a', 'b']),
      { week: '2026-W99', status: 'gold', cursor: 'eyJ4IjoxfQ', hub: ids.hub, room: ids.room, from: '0000-01-01', to: '9999-12-31', people: '1e308' },
      { 'from-day': '1', 'from-month': '1', 'from-year': '1900', 'to-day': '31', 'to-month': '12', 'to-year': '2999', hub: 'all', features: 'gold' },
    ];

    /** Forms seen on the GET pages, by the action they post to (the first two of each). */
    const formsByAction = new Map<string, Form[]>();
    const noteForms = (html: string) => {
      for (const f of formsOf(html)) {
        const action = f.action.split('?')[0];
        const list = formsByAction.get(action) ?? [];
        if (list.length < 2 && !list.some((g) => short(g.fields) === short(f.fields))) list.push(f);
        formsByAction.set(action, list);
      }
    };

    const gets = routes.filter((r) => r.method === 'GET');
    const posts = routes.filter((r) => r.method === 'POST');
    const owners = (url: string) => (url.startsWith('/staff') ? ['staff', 'admin'] : url.startsWith('/volunteer') ? ['volunteer'] : ['hirer']);
    /** The one who fills a page's form with junk: an admin for the admin pages, staff for the rest of the staff area. */
    const filler = (url: string) => (/^\/staff\/(admin|organisations|rate-cards)/.test(url) ? 'admin' : owners(url)[0]);

    const who: Record<string, Who> = {
      nobody: await session('nobody'),
      hirer: await session('hirer', w.hirer),
      volunteer: await session('volunteer', w.ann),
      staff: await session('staff', w.staff),
      admin: await session('admin', w.admin),
    };
    const roles = Object.keys(who);

    // GET: every page for everyone; junk queries and ids that do not exist or are not ids for the page's owner.
    // Each role's calls run in turn; the roles run side by side (their sessions are their own).
    await Promise.all(
      roles.map(async (role) => {
        for (const r of gets) {
          const p = who[role];
          await primeDraft(p, r.url);
          const urls = urlsOf(r.url);
          const mine = role === filler(r.url);
          for (const url of mine ? urls : urls.slice(0, 1)) {
            for (const q of mine && url === urls[0] ? junkQueries : [{}]) {
              const res = await send(p, 'GET', url).query(q);
              check(p, `GET ${url.slice(0, 120)} ${short(q)}`, res);
              if (res.status < 300 && url === urls[0] && !Object.keys(q).length) noteForms(res.text);
            }
          }
        }
      }),
    );

    // POST: junk for everyone; for the page's owner, its own form, then each field in turn made junk,
    // and every field at once made an impossible date, a time that is none, a negative or huge number.
    const destructive = (url: string) => url === '/sign-out' || url === '/account/delete';
    const obj = (fields: [string, string | string[]][]) => {
      const o: Record<string, string | string[]> = {};
      for (const [n, v] of fields) o[n] = n in o ? [o[n], v].flat() : v;
      return o;
    };
    const postAll = (list: typeof posts) => Promise.all(
      roles.map(async (role) => {
        for (const r of list) {
          const urls = urlsOf(r.url);
          const mine = role === filler(r.url);
          for (const url of mine ? urls : urls.slice(0, 1)) {
            const bodies: [string, string | object][] = [['empty', {}]];
            if (mine && url === urls[0]) {
              bodies.push(['every field junk', allJunk(LONG)], ['json of wrong types', Object.fromEntries(names.map((n, i) => [n, [42, null, { a: 1 }, [1, 2], true, -1e308][i % 6]]))], ['json array', [1, 2, 3]]);
              for (const base of (formsByAction.get(url) ?? []).map((f) => f.fields)) {
                const form = obj(base);
                bodies.push(['the form', form]);
                for (const n of Object.keys(form)) {
                  bodies.push([`without ${n}`, obj(base.filter(([m]) => m !== n))]);
                  for (const v of [LONG, 'not-a-uuid', ['a', 'b']]) bodies.push([`${n}=${short(v)}`, { ...form, [n]: v }]);
                }
                for (const v of ['', '2026-02-30', '25:99', '-1', '-99999999999999999999', '1e308', randomUUID()]) {
                  bodies.push([`every field ${v}`, Object.fromEntries(Object.keys(form).map((n) => [n, v]))]);
                }
                for (const prefix of [...new Set(Object.keys(form).filter((n) => n.endsWith('-day')).map((n) => n.slice(0, -4)))]) {
                  for (const [d, m, y] of JUNK_DATES) bodies.push([`${prefix}=${y}-${m}-${d}`, { ...form, [`${prefix}-day`]: d, [`${prefix}-month`]: m, [`${prefix}-year`]: y }]);
                }
              }
            }
            for (const [label, body] of bodies) {
              let p = who[role];
              if (destructive(r.url) && role !== 'nobody') p = await session(role, await makeUser(t));
              else await primeDraft(p, r.url);
              const req = send(p, 'POST', url);
              const res = await (label.startsWith('json') ? req.type('json').send(body) : req.type('form').send({ _csrf: p.csrf, ...(body as object) }));
              check(p, `POST ${url.slice(0, 120)} ${label} ${label.startsWith('json') || label === 'the form' ? short(body) : ''}`, res);
            }
          }
        }
      }),
    );
    // Removing people from a hub last: the form names real members (staff among them).
    await postAll(posts.filter((r) => !r.url.endsWith('/remove')));
    await postAll(posts.filter((r) => r.url.endsWith('/remove')));

    for (const l of logLines) if (l.msg === 'page showed a refusal it did not handle itself') refusedByNet.add(`${l.path} (${l.code})`);
    const errors = logLines.filter((l) => l.level >= 50).map((l) => `${l.req?.url ?? ''} ${l.err?.message ?? l.msg}`.slice(0, 300));
    console.log(`${calls} calls, ${routes.length} routes (${gets.length} GET, ${posts.length} POST)`);
    if (refusedByNet.size) console.log(`refusals shown by the error page's net, not by the page:\n${[...refusedByNet].join('\n')}`);
    if (errors.length) console.log(`errors logged:\n${[...new Set(errors)].join('\n')}`);
    expect(calls).toBeGreaterThan(1000);
    expect(failures).toEqual([]);
    // Every page says itself what is wrong with these inputs: none needed the error handler's net.
    expect([...refusedByNet]).toEqual([]);
    expect([...new Set(errors)]).toEqual([]);
  }, 600_000);
});

/** The pages the search above found answering 500, each with what it now says and that nothing changed. */
describe('pages that answered 500 to bad input', () => {
  const signIn = async (u: TestUser) => {
    const { cookie } = await webSignIn(t, u.email);
    const page = await t.http.get('/account').set(HTML).set('cookie', cookie);
    return { cookie, csrf: csrfOf(page.text) };
  };
  const summary = (html: string) => /govuk-error-summary__list">([\s\S]*?)<\/ul>/.exec(html)?.[1] ?? '';

  it('sign-in, register and add-your-group take a repeated ?next= (was: next.startsWith is not a function)', async () => {
    for (const path of ['/sign-in', '/register']) {
      const res = await t.http.get(`${path}?next=/a&next=/b`).set(HTML);
      expect({ path, status: res.status }).toEqual({ path, status: 200 });
      expect(res.text).not.toContain('name="next" value="/a');
    }
  });

  it('a shift id that is not one is no shift (404) on the staff and volunteer pages, and nothing changes', async () => {
    const rw = await makeRotaWorld(t);
    const shift = (await createShift(t, rw.staff, rw.hub.id)).body as { id: string };
    const staff = await signIn(rw.staff);
    const vol = await signIn(rw.ann);
    const before = await t.container.database.db.select().from(shiftSignups);
    for (const path of ['/staff/rota/shifts/not-a-uuid', '/staff/rota/shifts/-1']) {
      expect((await t.http.get(path).set(HTML).set('cookie', staff.cookie)).status).toBe(404);
    }
    for (const action of ['assign', 'unassign', 'attendance', 'edit', 'cancel']) {
      const res = await t.http.post(`/staff/rota/shifts/not-a-uuid/${action}`).set(HTML).set('cookie', staff.cookie).type('form').send({ _csrf: staff.csrf, userId: rw.ann.id, reason: 'x' });
      expect({ action, status: res.status }).toEqual({ action, status: 404 });
    }
    for (const path of ['/volunteer/shifts/not-a-uuid/withdraw', '/volunteer/shifts/not-a-uuid/cover', '/volunteer/open/not-a-uuid/signup', '/volunteer/open/not-a-uuid/waitlist', '/volunteer/open/not-a-uuid/cover']) {
      const res = await t.http.post(path).set(HTML).set('cookie', vol.cookie).type('form').send({ _csrf: vol.csrf });
      expect({ path, status: res.status }).toEqual({ path, status: 404 });
      expect(res.text).toContain('Page not found');
    }
    // A real shift still takes a real volunteer.
    expect((await t.http.post(`/staff/rota/shifts/${shift.id}/assign`).set(HTML).set('cookie', staff.cookie).type('form').send({ _csrf: staff.csrf, userId: rw.ann.id })).status).toBe(303);
    expect((await t.container.database.db.select().from(shiftSignups)).length).toBe(before.length + 1);
  });

  it('taking a volunteer on or off a shift with a userId that is not one says to choose a volunteer (422, as the shift page answers its other errors), and nothing changes', async () => {
    const rw = await makeRotaWorld(t);
    const shift = (await createShift(t, rw.staff, rw.hub.id)).body as { id: string };
    expect((await t.http.post(`/shifts/${shift.id}/assign`).set(rw.staff.auth).send({ userId: rw.ann.id })).status).toBe(201);
    const staff = await signIn(rw.staff);
    const places = async () => (await t.container.database.db.select().from(shiftSignups).where(eq(shiftSignups.shiftId, shift.id))).map((p) => `${p.userId} ${p.status}`);
    const before = await places();
    for (const [action, userId, words] of [
      ['assign', 'not-a-uuid', 'Choose the volunteer to put on the shift'],
      ['unassign', 'not-a-uuid', 'Choose a volunteer on the shift to take off it'],
      ['unassign', '', 'Choose a volunteer on the shift to take off it'],
    ]) {
      const res = await t.http.post(`/staff/rota/shifts/${shift.id}/${action}`).set(HTML).set('cookie', staff.cookie).type('form').send({ _csrf: staff.csrf, userId });
      expect({ action, userId, status: res.status }).toEqual({ action, userId, status: 422 });
      expect(summary(res.text)).toContain(words);
    }
    expect(await places()).toEqual(before);
  });

  it('removing someone from a hub with a userId that is not one says to choose them from the list (400), and nobody is removed', async () => {
    const rw = await makeRotaWorld(t);
    const admin = await signIn(rw.admin);
    const members = async () => (await t.container.database.db.select().from(hubMembers).where(eq(hubMembers.hubId, rw.hub.id))).length;
    const before = await members();
    for (const userId of ['not-a-uuid', '', '-1']) {
      const res = await t.http.post(`/staff/admin/hubs/${rw.hub.id}/remove`).set(HTML).set('cookie', admin.cookie).type('form').send({ _csrf: admin.csrf, userId, role: 'volunteer' });
      expect({ userId, status: res.status }).toEqual({ userId, status: 400 });
      expect(summary(res.text)).toContain('Choose the person to remove from the list of staff and volunteers');
    }
    expect(await members()).toBe(before);
    // Nor is a hub or an organisation whose id is not one: 404, never a query.
    for (const path of ['/staff/organisations/not-a-uuid', '/staff/admin/hubs/not-a-uuid']) {
      expect({ path, status: (await t.http.get(path).set(HTML).set('cookie', admin.cookie)).status }).toEqual({ path, status: 404 });
    }
    const org = await t.http.post('/staff/organisations/not-a-uuid').set(HTML).set('cookie', admin.cookie).type('form').send({ _csrf: admin.csrf, tier: 'community' });
    expect(org.status).toBe(404);
    const res = await t.http.post(`/staff/admin/hubs/not-a-uuid/remove`).set(HTML).set('cookie', admin.cookie).type('form').send({ _csrf: admin.csrf, userId: rw.ann.id, role: 'volunteer' });
    expect(res.status).toBe(404);
    expect(await members()).toBe(before);
  });
});
