import type { Browser } from 'playwright-core';
import { hubMembers } from '../../src/db/schema';
import { check, launch, screenshot, startServer, type Server } from './harness';
import { banner, errorSummary, ownPage, signIn, tabTo, writeOwnReport } from './volweb-helpers';

/**
 * The volunteer's pages in a real browser, through the real server on an embedded database seeded
 * with the demo network. The clock stands at Monday 30 November 2026, 9am: the demo volunteer
 * (Val) is on the closer shift of Tuesday 1 December (too late to withdraw) and has three past
 * caretaker shifts attended. Chris (charity@) is made a second volunteer of Riverside here.
 */
const NOW = '2026-11-30T09:00:00Z';
let server: Server;
let browser: Browser;
const env = () => ({ server, browser });

beforeAll(async () => {
  [server, browser] = await Promise.all([startServer({ now: NOW }), launch()]);
  await server.container.database.db.insert(hubMembers).values({ hubId: server.seed.hubs.riverside.id, userId: server.seed.users.charity.id, role: 'volunteer' });
  const staff = (await server.container.repos.users.loadActor(server.seed.users.staff.id))!;
  await server.container.services.rota.people.setVolunteer(staff, server.seed.hubs.riverside.id, server.seed.users.charity.id, { trainedRoles: ['opener', 'closer'] });
});
afterAll(async () => {
  writeOwnReport('volunteer-browser-report.json');
  await browser?.close();
  await server?.close();
});

const actorOf = async (key: 'volunteer' | 'charity' | 'staff') => (await server.container.repos.users.loadActor(server.seed.users[key].id))!;

describe('who may see the volunteer pages', () => {
  const s = ownPage(env);

  it('signed out: the sign-in page, coming back after', async () => {
    await s.page.goto(`${server.url}/volunteer/shifts`);
    expect(new URL(s.page.url()).pathname).toBe('/sign-in');
    expect(new URL(s.page.url()).searchParams.get('next')).toBe('/volunteer/shifts');
  });
});

describe('a hirer is refused', () => {
  const s = ownPage(env, 'community@example.org');
  it.each(['/volunteer/shifts', '/volunteer/open', '/volunteer/hours', '/volunteer/calendar'])('%s answers 403', async (path) => {
    const res = await s.page.goto(`${server.url}${path}`);
    expect(res!.status()).toBe(403);
    expect(await s.page.locator('h1').innerText()).toBe('You cannot do that');
    if (path === '/volunteer/shifts') await check(s.page, 'Volunteer page refused to a hirer (403)');
  });
  it('a sign-up posted by a hirer is refused and takes no place', async () => {
    const welcome = (await server.container.services.rota.shifts.list(await actorOf('staff'), server.seed.hubs.riverside.id, { limit: 200 })).items.find((x) => x.role === 'welcome')!;
    await s.page.goto(`${server.url}/account`);
    const token = await s.page.locator('form[action="/sign-out"] input[name=_csrf]').getAttribute('value');
    const res = await s.page.request.post(`${server.url}/volunteer/open/${welcome.id}/signup`, { form: { _csrf: token! }, headers: { accept: 'text/html' } });
    expect(res.status()).toBe(403);
    const after = await server.container.services.rota.shifts.get(await actorOf('staff'), welcome.id);
    expect(after.filled).toBe(0);
  });
});

describe('my shifts', () => {
  const s = ownPage(env, 'volunteer@example.org');

  it('lists my next shift first with when, where, role, who else is on and how to get in', async () => {
    await s.page.goto(`${server.url}/volunteer`);
    expect(new URL(s.page.url()).pathname).toBe('/volunteer/shifts');
    expect(await s.page.locator('h1').innerText()).toBe('My shifts');
    const first = s.page.locator('section.hk-card').first();
    const text = (await first.innerText()).replace(/\s+/g, ' ');
    expect(text).toContain('Closer');
    expect(text).toContain('Tuesday 1 December, 9:30pm to 10pm');
    expect(text).toContain('Riverside Community Hub');
    expect(text).toContain('Nobody else yet');
    expect(text).toContain('Your own door code shows here');
    // Inside 48 hours: no withdrawing, only asking for cover.
    expect(await first.getByRole('button', { name: 'Withdraw from this shift' }).count()).toBe(0);
    expect(text).toContain('It is too late to withdraw');
    await check(s.page, 'My shifts');
  });

  it('withdrawing once it is too late says so in an error summary and keeps the place', async () => {
    const closer = server.seed.rota.signedUp;
    // The button is not offered; a stale page (or a crafted post) gets the refusal in words.
    const token = await s.page.locator('main input[name=_csrf]').first().getAttribute('value');
    const res = await s.page.request.post(`${server.url}/volunteer/shifts/${closer.id}/withdraw`, { form: { _csrf: token! }, headers: { accept: 'text/html' } });
    expect(res.status()).toBe(422);
    const html = await res.text();
    expect(html).toContain('It is too late to withdraw: that closes 48 hours before the shift. Ask for cover instead');
    expect(html).toContain(`href="#shift-${closer.id}"`);
    const mine = await server.container.services.rota.people.myShifts(await actorOf('volunteer'), {});
    expect(mine.items.find((i) => i.shift.id === closer.id)!.place.status).toBe('confirmed');
  });

  it('asks for cover, and the page says the place stays mine until someone takes it', async () => {
    await s.page.click('button:has-text("Ask for cover")');
    await s.page.waitForURL(`${server.url}/volunteer/shifts`);
    expect(await banner(s.page)).toContain('Your shift is offered for cover');
    const first = (await s.page.locator('section.hk-card').first().innerText()).replace(/\s+/g, ' ');
    expect(first).toContain('Looking for cover');
    expect(first).toContain('You asked for cover. The place stays yours');
    await check(s.page, 'My shifts: looking for cover');
  });
});

describe('open shifts', () => {
  const s = ownPage(env, 'volunteer@example.org');

  it('lists shifts I am not on, with the reason in words where I cannot take one', async () => {
    const staff = await actorOf('staff');
    const hubId = server.seed.hubs.riverside.id;
    // Half an hour after my Tuesday closer ends: too little rest (the hub asks for an hour).
    await server.container.services.rota.shifts.create(staff, hubId, { role: 'caretaker', startsAt: '2026-12-01T22:30:00', endsAt: '2026-12-01T23:00:00', volunteersNeeded: 1, title: 'Late lock check' });
    // An events shift once the hub takes only trained people (I am not trained for events).
    await server.container.services.venues.updateHub(staff, hubId, { settings: { rota: { trainedRolesOnly: true } } } as never);
    await server.container.services.rota.shifts.create(staff, hubId, { role: 'events', startsAt: '2026-12-10T14:00:00', endsAt: '2026-12-10T16:00:00', volunteersNeeded: 1, title: 'Winter fair' });

    await s.page.goto(`${server.url}/volunteer/open`);
    expect(await s.page.locator('h1').innerText()).toBe('Open shifts');
    const late = (await s.page.locator('li.hk-card', { hasText: 'Late lock check' }).innerText()).replace(/\s+/g, ' ');
    expect(late).toContain('You cannot take this shift');
    expect(late).toContain('It is too close to another of your shifts: the hub asks for at least 1 hour between shifts');
    const fair = (await s.page.locator('li.hk-card', { hasText: 'Winter fair' }).innerText()).replace(/\s+/g, ' ');
    expect(fair).toContain('You are not trained for the events helper role yet');
    expect(await s.page.locator('li.hk-card', { hasText: 'Winter fair' }).getByRole('button').count()).toBe(0);
    // My own Tuesday closer is not listed here.
    expect(await s.page.locator(`#shift-${server.seed.rota.signedUp.id}`).count()).toBe(0);
    await check(s.page, 'Open shifts');
    await screenshot(s.page, 'volunteer-2-open-shifts', 1024);
  });

  it('a shift that filled while the page was open: the error summary says so, and offers the waiting list', async () => {
    const opener = server.seed.rota.shifts.find((x) => x.role === 'opener' && x.startsAt.toISOString().startsWith('2026-12-03'))!;
    const card = s.page.locator(`#shift-${opener.id}`);
    expect(await card.getByRole('button', { name: 'Sign up' }).count()).toBe(1);
    // Chris takes the last place meanwhile.
    await server.container.services.rota.signups.signup(await actorOf('charity'), opener.id);
    await card.getByRole('button', { name: 'Sign up' }).click();
    expect(await errorSummary(s.page)).toContain('Every place on this shift is taken. You can join its waiting list');
    expect(await s.page.title()).toMatch(/^Error: /);
    await check(s.page, 'Open shifts: the shift filled meanwhile');
    await s.page.locator(`#shift-${opener.id}`).getByRole('button', { name: 'Join the waiting list' }).click();
    await s.page.waitForURL(`${server.url}/volunteer/shifts`);
    expect(await banner(s.page)).toContain('You are on the waiting list');
    expect(await s.page.locator(`#shift-${opener.id}`).innerText()).toContain('Waiting list, number 1');
  });

  it('leaves the waiting list', async () => {
    const opener = server.seed.rota.shifts.find((x) => x.role === 'opener' && x.startsAt.toISOString().startsWith('2026-12-03'))!;
    await s.page.locator(`#shift-${opener.id}`).getByRole('button', { name: 'Leave the waiting list' }).click();
    await s.page.waitForURL(`${server.url}/volunteer/shifts`);
    expect(await banner(s.page)).toContain('You have left the waiting list');
    expect(await s.page.locator(`#shift-${opener.id}`).count()).toBe(0);
  });
});

describe('taking a shift looking for cover', () => {
  const s = ownPage(env, 'charity@example.org');

  it('Chris sees Val\'s closer looking for cover, takes it over; Val is off it', async () => {
    const closer = server.seed.rota.signedUp;
    await s.page.goto(`${server.url}/volunteer/open`);
    const card = s.page.locator(`#shift-${closer.id}`);
    expect(await card.innerText()).toContain('Looking for cover');
    await check(s.page, 'Open shifts: a shift looking for cover');
    await card.getByRole('button', { name: 'Take over this shift' }).click();
    await s.page.waitForURL(`${server.url}/volunteer/shifts`);
    expect(await banner(s.page)).toContain('You have taken over the shift');
    expect(await s.page.locator(`#shift-${closer.id}`).innerText()).toContain('Closer');
    const val = await server.container.services.rota.people.myShifts(await actorOf('volunteer'), {});
    expect(val.items.find((i) => i.shift.id === closer.id)).toBeUndefined();
  });
});

describe('keyboard only', () => {
  const s = ownPage(env, 'volunteer@example.org');
  const unseen: string[] = [];

  it('signs up for the Saturday open morning with Tab and Enter, the focus always visible', async () => {
    const welcome = (await server.container.services.rota.shifts.list(await actorOf('staff'), server.seed.hubs.riverside.id, { limit: 200 })).items.find((x) => x.role === 'welcome')!;
    await s.page.goto(`${server.url}/volunteer/open`);
    await tabTo(s.page, `#shift-${welcome.id} button`, unseen);
    await s.page.keyboard.press('Enter');
    await s.page.waitForURL(`${server.url}/volunteer/shifts`);
    expect(await banner(s.page)).toContain('You are on the shift');
    expect(await s.page.locator(`#shift-${welcome.id}`).innerText()).toContain('Saturday open morning');
    expect(unseen).toEqual([]);
    const after = await server.container.services.rota.shifts.get(await actorOf('staff'), welcome.id);
    expect(after.volunteers.map((v) => v.name)).toContain('Val Volunteer');
  });

  it('a shift more than 48 hours away can be withdrawn from', async () => {
    const welcome = (await server.container.services.rota.shifts.list(await actorOf('staff'), server.seed.hubs.riverside.id, { limit: 200 })).items.find((x) => x.role === 'welcome')!;
    const card = s.page.locator(`#shift-${welcome.id}`);
    expect(await card.innerText()).toContain('You can withdraw until');
    await check(s.page, 'My shifts: one to withdraw from');
    await screenshot(s.page, 'volunteer-1-my-shifts', 1024);
    await card.getByRole('button', { name: 'Withdraw from this shift' }).click();
    await s.page.waitForURL(`${server.url}/volunteer/shifts`);
    expect(await banner(s.page)).toContain('You are off the shift');
    expect(await s.page.locator(`#shift-${welcome.id}`).count()).toBe(0);
  });
});

describe('hours and the calendar link', () => {
  const s = ownPage(env, 'volunteer@example.org');

  it('my hours by month', async () => {
    await s.page.goto(`${server.url}/volunteer/hours`);
    const text = (await s.page.locator('main').innerText()).replace(/\s+/g, ' ');
    // Three attended caretaker shifts of 3½ hours in the three weeks before 30 November.
    expect(text).toContain('10.5 hours in all');
    expect(text).toContain('November 2026');
    expect(text).toContain('Caretaker: 10.5 hours');
    await check(s.page, 'My hours');
    await screenshot(s.page, 'volunteer-3-hours', 1024);
  });

  it('my calendar link, its instructions, and a new link that stops the old one', async () => {
    await s.page.goto(`${server.url}/volunteer/calendar`);
    const url = await s.page.locator('#calendar-url').inputValue();
    expect(url).toMatch(new RegExp(`^${server.url}/calendar/[A-Za-z0-9_-]{43}\\.ics$`));
    expect(await s.page.getByRole('link', { name: 'Open the link in your calendar app' }).getAttribute('href')).toBe(url.replace(/^http:/, 'webcal:'));
    expect((await s.page.request.get(url)).status()).toBe(200);
    await check(s.page, 'My calendar link');
    await screenshot(s.page, 'volunteer-4-calendar', 1024);
    await s.page.click('button:has-text("Make a new link")');
    await s.page.waitForURL(`${server.url}/volunteer/calendar`);
    expect(await banner(s.page)).toContain('You have a new calendar link');
    const fresh = await s.page.locator('#calendar-url').inputValue();
    expect(fresh).not.toBe(url);
    expect((await s.page.request.get(url)).status()).toBe(404);
    expect((await s.page.request.get(fresh)).status()).toBe(200);
  });
});

describe('the door code, inside its window', () => {
  const s = ownPage(env);

  it('shows on my shift once the window opens (the closer Chris took over)', async () => {
    const closer = server.seed.rota.signedUp;
    // Tuesday 1 December, 8pm: the code's window to be sent (a day before) is open; the job issues it.
    server.clock.set('2026-12-01T20:00:00Z');
    await server.container.services.rota.notices.issueDueCodes();
    // (A day and a half on, yesterday's sessions have expired: sign in again.)
    await signIn(server, s.page, 'charity@example.org');
    await s.page.goto(`${server.url}/volunteer/shifts`);
    const card = s.page.locator(`#shift-${closer.id}`);
    expect((await card.innerText()).replace(/\s+/g, ' ')).toContain('Your own door code has been texted to you. It works, and shows here, from 9:15pm on Tuesday 1 December');
    expect(await card.locator('.hk-code').count()).toBe(0);
    // From 15 minutes before the shift, the code itself.
    server.clock.set('2026-12-01T21:20:00Z');
    await s.page.reload();
    expect(await card.locator('.hk-code').innerText()).toMatch(/^\d{4,8}$/);
    expect((await card.innerText()).replace(/\s+/g, ' ')).toContain('Works Tuesday 1 December, 9:15pm to');
    await check(s.page, 'My shifts: door code');
  });
});
