import type { Browser } from 'playwright-core';
import { reportCsv } from '../../src/modules/reports/reports.fns';
import { check, launch, screenshot, startServer, type Server } from './harness';
import { banner, errorSummary, ownPage, writeOwnReport } from './volweb-helpers';

/**
 * The staff's rota (and, below, reports) pages in a real browser on the demo network. The clock
 * stands at Monday 30 November 2026, 9am; Riverside's evening bookings have made opener and
 * closer shifts this week and next; Val volunteers there, with three past caretaker shifts.
 */
const NOW = '2026-11-30T09:00:00Z';
let server: Server;
let browser: Browser;
const env = () => ({ server, browser });

beforeAll(async () => {
  [server, browser] = await Promise.all([startServer({ now: NOW }), launch()]);
});
afterAll(async () => {
  writeOwnReport('staff-rota-browser-report.json');
  await browser?.close();
  await server?.close();
});

const actorOf = async (key: 'volunteer' | 'staff' | 'staff2' | 'admin') => (await server.container.repos.users.loadActor(server.seed.users[key].id))!;
const clean = (s: string) => s.replace(/\s+/g, ' ');

describe('who may see the rota', () => {
  const vol = ownPage(env, 'volunteer@example.org');
  const hirer = ownPage(env, 'charity@example.org');
  const other = ownPage(env, 'staff2@example.org');

  it.each(['/staff/rota', '/staff/rota/new', '/staff/rota/volunteers'])('a volunteer is refused %s', async (path) => {
    const res = await vol.page.goto(`${server.url}${path}`);
    expect(res!.status()).toBe(403);
    expect(await vol.page.locator('h1').innerText()).toBe('You cannot do that');
  });

  it('a hirer is refused', async () => {
    const res = await hirer.page.goto(`${server.url}/staff/rota`);
    expect(res!.status()).toBe(403);
    await check(hirer.page, 'Rota refused to a hirer (403)');
  });

  it('staff of Northgate never see Riverside\'s rota, shifts or volunteers', async () => {
    const riverside = server.seed.hubs.riverside.id;
    expect((await other.page.goto(`${server.url}/staff/rota?hub=${riverside}`))!.status()).toBe(404);
    expect((await other.page.goto(`${server.url}/staff/rota/volunteers?hub=${riverside}`))!.status()).toBe(404);
    expect((await other.page.goto(`${server.url}/staff/rota/shifts/${server.seed.rota.signedUp.id}`))!.status()).toBe(404);
    // Their own rota is Northgate's, with none of Riverside's shifts.
    await other.page.goto(`${server.url}/staff/rota`);
    expect(await other.page.locator('.govuk-caption-l').innerText()).toBe('Northgate Hub');
    expect(await other.page.locator(`#shift-${server.seed.rota.signedUp.id}`).count()).toBe(0);
    // A post to Riverside's shift changes nothing.
    const token = await other.page.locator('form[action="/sign-out"] input[name=_csrf]').getAttribute('value');
    const res = await other.page.request.post(`${server.url}/staff/rota/shifts/${server.seed.rota.signedUp.id}/cancel`, { form: { _csrf: token!, reason: 'not mine' }, headers: { accept: 'text/html' } });
    expect(res.status()).toBe(404);
    expect((await server.container.services.rota.shifts.get(await actorOf('staff'), server.seed.rota.signedUp.id)).status).not.toBe('cancelled');
  });
});

describe('the week', () => {
  const s = ownPage(env, 'staff@example.org');

  it('shows each day\'s shifts with role, needed, filled, short, and the bookings generated ones cover', async () => {
    await s.page.goto(`${server.url}/staff/rota`);
    expect(await s.page.locator('h1').innerText()).toBe('Rota: Monday 30 November to Sunday 6 December');
    const closer = clean(await s.page.locator(`#shift-${server.seed.rota.signedUp.id}`).innerText());
    expect(closer).toContain('Closer');
    expect(closer).toContain('1 of 1 needed: Val Volunteer');
    expect(closer).toContain('Carers drop-in (Meeting Room)');
    expect(closer).toContain('Evening memory café (Main Hall)');
    const opener = server.seed.rota.shifts.find((x) => x.role === 'opener')!;
    expect(clean(await s.page.locator(`#shift-${opener.id}`).innerText())).toContain('0 of 1 needed Short');
    await check(s.page, 'Rota: the week');
    await screenshot(s.page, 'staff-rota-1-week', 1024);
    await s.page.click('a:has-text("Next week")');
    expect(await s.page.locator('h1').innerText()).toBe('Rota: Monday 7 December to Sunday 13 December');
  });
});

describe('adding shifts', () => {
  const s = ownPage(env, 'staff@example.org');

  it('an empty form says what to fill in', async () => {
    await s.page.goto(`${server.url}/staff/rota/new`);
    await check(s.page, 'Add a shift');
    await s.page.fill('#volunteersNeeded', '');
    await s.page.click('button:has-text("Add shift")');
    const summary = await errorSummary(s.page);
    for (const m of ['Select the role', 'Enter the date of the shift', 'Choose a start time', 'Choose an end time', 'Enter how many volunteers the shift needs, from 1 to 20']) expect(summary).toContain(m);
    expect(await s.page.title()).toMatch(/^Error: /);
    await check(s.page, 'Add a shift: empty form');
  });

  it('a weekly one without days or an end date, or ending before it starts, is refused', async () => {
    await s.page.check('input[name=role][value=welcome]');
    await s.page.fill('#date-day', '5');
    await s.page.fill('#date-month', '12');
    await s.page.fill('#date-year', '2026');
    await s.page.selectOption('#start', '12:00');
    await s.page.selectOption('#end', '10:00');
    await s.page.fill('#volunteersNeeded', '2');
    await s.page.check('input[name=repeat][value=weekly]');
    await s.page.click('button:has-text("Add shift")');
    const summary = await errorSummary(s.page);
    expect(summary).toContain('The end time must be after the start time');
    expect(summary).toContain('Select the days of the week it repeats on');
    expect(summary).toContain('Enter the date of the last shift');
    await check(s.page, 'Add a shift: weekly, incomplete');
  });

  it('adds a weekly series and shows it in the weeks', async () => {
    await s.page.selectOption('#start', '10:00');
    await s.page.selectOption('#end', '12:00');
    await s.page.check('input[name=weekdays][value="6"]');
    await s.page.fill('#until-day', '19');
    await s.page.fill('#until-month', '12');
    await s.page.fill('#until-year', '2026');
    await s.page.fill('#title', 'Winter open morning');
    await s.page.click('button:has-text("Add shift")');
    await s.page.waitForURL((u) => u.pathname === '/staff/rota');
    expect(await banner(s.page)).toContain('3 welcome shifts added');
    expect(await s.page.getByText('Welcome: Winter open morning').count()).toBe(1);
  });
});

describe('one shift', () => {
  const s = ownPage(env, 'staff@example.org');
  const opener = () => server.seed.rota.shifts.find((x) => x.role === 'opener')!;

  it('assigning nobody says who to choose; assigning Val puts her on it', async () => {
    await s.page.goto(`${server.url}/staff/rota/shifts/${opener().id}`);
    expect(clean(await s.page.locator('main').innerText())).toContain('Evening memory café, Main Hall');
    await check(s.page, 'Rota: a shift');
    await s.page.click('button:has-text("Put them on the shift")');
    expect(await errorSummary(s.page)).toContain('Choose the volunteer to put on the shift');
    await check(s.page, 'Rota: a shift, nobody chosen');
    await s.page.selectOption('#userId', server.seed.users.volunteer.id);
    await s.page.click('button:has-text("Put them on the shift")');
    await s.page.waitForURL(`${server.url}/staff/rota/shifts/${opener().id}`);
    expect(await banner(s.page)).toContain('Volunteer added to the shift');
    expect(await s.page.locator(`#volunteer-${server.seed.users.volunteer.id}`).count()).toBe(1);
    await screenshot(s.page, 'staff-rota-2-shift', 1024);
  });

  it('needing fewer than are on it, or cancelling without a reason, is refused in words', async () => {
    await s.page.fill('#volunteersNeeded', '0');
    await s.page.click('button:has-text("Save changes")');
    expect(await errorSummary(s.page)).toContain('Enter how many volunteers the shift needs, from 1 to 20');
    await s.page.click('button:has-text("Cancel this shift")');
    expect(await errorSummary(s.page)).toContain('Enter why the shift is cancelled');
    await check(s.page, 'Rota: a shift, cancel without a reason');
  });

  it('takes Val off again, and changes the places needed', async () => {
    await s.page.click(`button:has-text("Take Val Volunteer off this shift")`);
    await s.page.waitForURL(`${server.url}/staff/rota/shifts/${opener().id}`);
    expect(await banner(s.page)).toContain('Volunteer taken off the shift');
    await s.page.fill('#volunteersNeeded', '2');
    await s.page.click('button:has-text("Save changes")');
    expect(await banner(s.page)).toContain('Shift changed');
    expect((await server.container.services.rota.shifts.get(await actorOf('staff'), opener().id)).volunteersNeeded).toBe(2);
  });

  it('cancels a shift with a reason', async () => {
    const created = await server.container.services.rota.shifts.create(await actorOf('staff'), server.seed.hubs.riverside.id, { role: 'events', startsAt: '2026-12-12T14:00:00', endsAt: '2026-12-12T16:00:00', volunteersNeeded: 1, title: 'Carol singing' });
    const id = (created as { id: string }).id;
    await s.page.goto(`${server.url}/staff/rota/shifts/${id}`);
    await s.page.fill('#reason', 'The choir cannot come');
    await s.page.click('button:has-text("Cancel this shift")');
    expect(await banner(s.page)).toContain('Shift cancelled');
    expect(clean(await s.page.locator('main').innerText())).toContain('Cancelled: The choir cannot come');
  });

  it('marks attendance on a past shift; minutes with a no-show are refused', async () => {
    const past = server.seed.rota.past[2];
    await s.page.goto(`${server.url}/staff/rota/shifts/${past.id}`);
    const vid = server.seed.users.volunteer.id;
    await s.page.check(`#status-${vid}-2`);
    await s.page.fill(`#minutes-${vid}`, '30');
    await s.page.click(`button:has-text("Save attendance for Val Volunteer")`);
    expect(await errorSummary(s.page)).toContain('Give minutes only for someone who came');
    await check(s.page, 'Rota: attendance error');
    await s.page.check(`#status-${vid}`);
    await s.page.fill(`#minutes-${vid}`, '180');
    await s.page.click(`button:has-text("Save attendance for Val Volunteer")`);
    expect(await banner(s.page)).toContain('Attendance recorded');
    const mine = await server.container.services.rota.people.myHours(await actorOf('volunteer'), {});
    expect(mine.totalMinutes).toBe(210 + 210 + 180);
  });
});

describe('volunteers', () => {
  const s = ownPage(env, 'staff@example.org');

  it('lists volunteers with trained roles, hours and no-shows, and saves their training', async () => {
    await s.page.goto(`${server.url}/staff/rota/volunteers`);
    const row = clean(await s.page.locator('tr', { hasText: 'Val Volunteer' }).innerText());
    expect(row).toContain('opener, closer, caretaker and welcome');
    expect(row).toContain('10');
    await check(s.page, 'Rota: volunteers');
    await screenshot(s.page, 'staff-rota-3-volunteers', 1024);
    await s.page.click('a:has-text("Val Volunteer")');
    await check(s.page, 'Rota: a volunteer');
    await s.page.check('input[name=trainedRoles][value=events]');
    await s.page.click('button:has-text("Save")');
    expect(await banner(s.page)).toContain('Val Volunteer\'s training is saved');
    expect(clean(await s.page.locator('tr', { hasText: 'Val Volunteer' }).innerText())).toContain('events helper');
  });
});

describe('reports', () => {
  const s = ownPage(env, 'staff@example.org');
  const vol = ownPage(env, 'volunteer@example.org');
  const other = ownPage(env, 'staff2@example.org');
  const admin = ownPage(env, 'admin@example.org');

  it('a volunteer is refused; Northgate\'s staff cannot ask for Riverside\'s or the network\'s', async () => {
    expect((await vol.page.goto(`${server.url}/staff/reports`))!.status()).toBe(403);
    expect((await other.page.goto(`${server.url}/staff/reports?hub=${server.seed.hubs.riverside.id}`))!.status()).toBe(404);
    expect((await other.page.goto(`${server.url}/staff/reports?hub=network`))!.status()).toBe(404);
    expect((await other.page.goto(`${server.url}/staff/reports/usage.csv?hub=${server.seed.hubs.riverside.id}&from=2026-09-01&to=2026-11-30`))!.status()).toBe(404);
  });

  it('each chart is an SVG image named by its title, and its table gives the report\'s own numbers', async () => {
    await s.page.goto(`${server.url}/staff/reports`);
    expect(await s.page.locator('.govuk-caption-l').innerText()).toBe('Riverside Community Hub');
    const report = await server.container.services.reports.hubUsage(await actorOf('staff'), server.seed.hubs.riverside.id, { from: '2026-09-01', to: '2026-11-30' });
    const span = '1 September 2026 to 30 November 2026';
    // No JavaScript chart library: the charts are in the HTML the server sent.
    const served = await (await s.page.request.get(`${server.url}/staff/reports`, { headers: { accept: 'text/html' } })).text();
    expect(served.match(/<svg [^>]*role="img"/g)).toHaveLength(5);
    for (const [id, name] of [
      ['chart-hours', `Hours booked by tier, ${span}`],
      ['chart-income', `Income by tier, ${span}`],
      ['chart-subsidy', `Subsidy by tier, ${span}`],
      ['chart-occupancy', `Occupancy by room, ${span}`],
      ['chart-volunteers', `Volunteer hours by month, ${span}`],
    ]) {
      expect(await s.page.getByRole('img', { name, exact: true }).getAttribute('id')).toBe(id);
    }
    // By tier: the table's numbers and the bars' values, against the JSON.
    const money = (p: number) => `£${(p / 100).toLocaleString('en-GB', { minimumFractionDigits: 2 })}`;
    for (const t of report.byTier) {
      const cells = await s.page.locator(`#table-tier tr[data-tier="${t.tier}"] td`).allInnerTexts();
      expect(cells).toEqual([String(t.bookings), String(t.hours), money(t.incomePence), money(t.subsidyPence)]);
    }
    const barValues = async (id: string) => s.page.locator(`#${id} .hk-chart__value`).allTextContents();
    expect(await barValues('chart-income')).toEqual(report.byTier.map((t) => money(t.incomePence)));
    expect(await barValues('chart-subsidy')).toEqual(report.byTier.map((t) => money(t.subsidyPence)));
    expect((await barValues('chart-hours')).map((x) => Number(x.split(' ')[0]))).toEqual(report.byTier.map((t) => t.hours));
    // Some hours were booked in the period, so the charts are not empty.
    expect(report.totals.hours).toBeGreaterThan(0);
    for (const room of report.byRoom) {
      const cells = await s.page.locator(`#table-room tr[data-room="${room.roomId}"] td`).allInnerTexts();
      expect(cells.slice(0, 2).map(Number)).toEqual([room.bookedHours, room.bookableHours]);
      expect(cells[2]).toBe(`${Math.round(room.occupancy * 1000) / 10}%`);
    }
    expect(await s.page.locator('#table-room tbody tr').count()).toBe(report.byRoom.length);
    // Volunteer hours by month: Val's three caretaker evenings in November (3½ + 3½ hours, and the 3 hours marked above).
    const months = await s.page.locator('#table-volunteer-month tbody tr').evaluateAll((rows) => rows.map((r) => [r.getAttribute('data-month'), Number(r.querySelector('td')!.textContent)]));
    expect(months).toEqual(report.volunteers.byMonth.map((m) => [m.month, m.hours]));
    expect(report.volunteers.byMonth.find((m) => m.month === '2026-11')!.hours).toBe(10);
    await check(s.page, 'Usage report');
    await screenshot(s.page, 'staff-reports-1-usage', 1024);
  });

  it('the CSV download gives the same figures as the API', async () => {
    const href = await s.page.getByRole('link', { name: /Download these figures/ }).getAttribute('href');
    const res = await s.page.request.get(`${server.url}${href}`);
    expect(res.status()).toBe(200);
    expect(res.headers()['content-type']).toContain('text/csv');
    expect(res.headers()['content-disposition']).toContain('usage-riverside-community-hub-2026-09-01-to-2026-11-30.csv');
    const report = await server.container.services.reports.hubUsage(await actorOf('staff'), server.seed.hubs.riverside.id, { from: '2026-09-01', to: '2026-11-30' });
    expect((await res.text()).replace(/^\uFEFF/, '')).toBe(reportCsv({ ...report }).replace(/^\uFEFF/, ''));
  });

  it('a period that ends before it starts, or runs over a year, says what to fix', async () => {
    await s.page.fill('#from-day', '1');
    await s.page.fill('#from-month', '12');
    await s.page.fill('#from-year', '2026');
    await s.page.fill('#to-day', '1');
    await s.page.fill('#to-month', '11');
    await s.page.fill('#to-year', '2026');
    await s.page.click('button:has-text("Show the report")');
    expect(await errorSummary(s.page)).toContain('The last day must be the same as or after the first day');
    await check(s.page, 'Usage report: period ends before it starts');
    await s.page.fill('#from-year', '2024');
    await s.page.fill('#to-day', '');
    await s.page.click('button:has-text("Show the report")');
    expect(await errorSummary(s.page)).toContain('The last day must be a real date, like 30 11 2026');
    for (const part of ['day', 'month', 'year']) await s.page.fill(`#to-${part}`, '');
    await s.page.click('button:has-text("Show the report")');
    expect(await errorSummary(s.page)).toContain('Enter the last day of the period');
    await s.page.fill('#to-day', '1');
    await s.page.fill('#to-month', '11');
    await s.page.fill('#to-year', '2026');
    await s.page.click('button:has-text("Show the report")');
    expect(await errorSummary(s.page)).toContain('A report covers at most 366 days');
  });

  it('a network admin can see the whole network', async () => {
    await admin.page.goto(`${server.url}/staff/reports?hub=network`);
    expect(await admin.page.locator('.govuk-caption-l').innerText()).toBe('The whole network');
    const report = await server.container.services.reports.networkUsage(await actorOf('admin'), { from: '2026-09-01', to: '2026-11-30' });
    expect(await admin.page.locator('#table-room tbody tr').count()).toBe(report.byRoom.length);
    await check(admin.page, 'Usage report: network');
  });
});

describe('rate cards', () => {
  const s = ownPage(env, 'staff@example.org');
  const vol = ownPage(env, 'volunteer@example.org');
  const other = ownPage(env, 'staff2@example.org');

  it('a volunteer is refused; Northgate\'s staff cannot see Riverside\'s cards', async () => {
    expect((await vol.page.goto(`${server.url}/staff/rate-cards`))!.status()).toBe(403);
    expect((await other.page.goto(`${server.url}/staff/rate-cards?hub=${server.seed.hubs.riverside.id}`))!.status()).toBe(404);
    expect((await other.page.goto(`${server.url}/staff/rate-cards/new?hub=${server.seed.hubs.riverside.id}`))!.status()).toBe(404);
  });

  it('shows the card in force per tier with its bands and minimum charge, and the history', async () => {
    await s.page.goto(`${server.url}/staff/rate-cards`);
    const rows = await s.page.locator('#card-current tbody tr').allInnerTexts();
    expect(rows.map(clean)).toEqual(['Community group £12.00 £15.00 £15.00', 'National charity £24.00 £30.00 £30.00', 'Statutory body (council, NHS) £36.00 £45.00 £45.00', 'Private or business £48.00 £60.00 £60.00']);
    const main = clean(await s.page.locator('main').innerText());
    expect(main).toContain('Evening: Mon, Tue, Wed, Thu, Fri, 18:00 to 24:00');
    expect(main).toContain('Minimum charge for a booking: £10.00');
    expect(main).toContain('Sam Staff');
    await check(s.page, 'Rate cards');
    await screenshot(s.page, 'staff-rates-1-cards', 1024);
  });

  it('a new card with rates missing or a start in the past says what to fix', async () => {
    await s.page.click('a:has-text("Set new rates")');
    expect(await s.page.inputValue('#community')).toBe('12.00');
    await check(s.page, 'New rate card');
    await s.page.fill('#community', '');
    await s.page.fill('#private', 'lots');
    await s.page.fill('#from-day', '1');
    await s.page.fill('#from-month', '11');
    await s.page.fill('#from-year', '2026');
    await s.page.click('button:has-text("Preview the prices")');
    const summary = await errorSummary(s.page);
    expect(summary).toContain('Enter the hourly rate for community group, like 12.50');
    expect(summary).toContain('Enter the hourly rate for private or business, like 12.50');
    expect(summary).toContain('The start date must be today or later');
    await check(s.page, 'New rate card: errors');
  });

  it('previews typical bookings at each tier, now and under the new card, then saves it as upcoming', async () => {
    await s.page.fill('#community', '5');
    await s.page.fill('#national_charity', '10.00');
    await s.page.fill('#statutory', '£15');
    await s.page.fill('#private', '30');
    await s.page.fill('#minimum', '20');
    await s.page.fill('#from-month', '1');
    await s.page.fill('#from-year', '2027');
    await s.page.click('button:has-text("Preview the prices")');
    expect(await s.page.locator('#preview').innerText()).toBe('What typical bookings would cost from 1 January 2027');
    const first = s.page.locator('table', { has: s.page.locator('caption', { hasText: 'Tuesday 5 January 2027, 10am to midday' }) });
    // Two hours: community 2 × £5 = £10, raised to the £20 minimum; private 2 × £30 (now 2 × £48).
    expect(clean(await first.locator('tr', { hasText: 'Community group' }).innerText())).toBe('Community group £24.00 £20.00 £40.00');
    expect(clean(await first.locator('tr', { hasText: 'Private or business' }).innerText())).toBe('Private or business £96.00 £60.00 None');
    await check(s.page, 'New rate card: preview');
    await screenshot(s.page, 'staff-rates-2-preview', 1024);
    expect((await server.container.services.pricing.getHubCard(await actorOf('staff'), server.seed.hubs.riverside.id)).upcoming).toHaveLength(0);
    await s.page.click('button:has-text("Save the new rate card")');
    await s.page.waitForURL((u) => u.pathname === '/staff/rate-cards');
    expect(await banner(s.page)).toContain('New rate card saved');
    expect(clean(await s.page.locator('#card-upcoming-1-caption').innerText())).toBe('Hourly rates from 1 January 2027');
    const card = await server.container.services.pricing.getHubCard(await actorOf('staff'), server.seed.hubs.riverside.id);
    expect(card.upcoming[0]).toMatchObject({ effectiveFrom: '2027-01-01', minimumChargePence: 2000, tiers: { community: { hourlyPence: 500 }, private: { hourlyPence: 3000 } } });
    expect(card.upcoming[0].bands.map((b) => b.name)).toEqual(['Evening', 'Weekend']);
  });

  it('lists the rooms with their own rates, and sets a room\'s own card through the same form', async () => {
    const hall = server.seed.rooms['Main Hall'];
    const kitchen = server.seed.rooms['Community Kitchen'];
    await s.page.goto(`${server.url}/staff/rate-cards`);
    const rows = await s.page.locator(`#room-${hall.id}-current tbody tr`).allInnerTexts();
    expect(rows.map(clean)).toEqual(['Community group £20.00 £25.00', 'National charity £40.00 £50.00', 'Statutory body (council, NHS) £60.00 £75.00', 'Private or business £80.00 £100.00']);
    expect(clean(await s.page.locator(`#room-${kitchen.id}`).innerText())).toMatch(/^Community Kitchen uses the hub’s card\. Set this room’s own rates ?: Community Kitchen$/);
    expect(await s.page.locator(`#room-${server.seed.rooms.Studio.id}`).count()).toBe(0);
    await check(s.page, 'Rate cards: rooms with their own rates');

    await s.page.locator(`#room-${kitchen.id} a`).click();
    expect(await s.page.locator('h1').innerText()).toBe('New rate card for Community Kitchen');
    expect(await s.page.inputValue('#community')).toBe('12.00'); // the hub's card, which prices it now
    await check(s.page, 'New rate card for a room');
    await s.page.fill('#statutory', 'free');
    await s.page.fill('#from-day', '1');
    await s.page.fill('#from-month', '2');
    await s.page.fill('#from-year', '2027');
    await s.page.click('button:has-text("Preview the prices")');
    expect(await errorSummary(s.page)).toContain('Enter the hourly rate for statutory body (council, nhs), like 12.50');
    await check(s.page, 'New rate card for a room: errors');
    await s.page.fill('#statutory', '30');
    await s.page.click('button:has-text("Preview the prices")');
    expect(await s.page.locator('#preview').innerText()).toBe('What typical bookings would cost from 1 February 2027');
    await check(s.page, 'New rate card for a room: preview');
    await s.page.click('button:has-text("Save the new rate card")');
    await s.page.waitForURL((u) => u.pathname === '/staff/rate-cards');
    expect(await banner(s.page)).toContain('New rate card saved for Community Kitchen');
    expect(clean(await s.page.locator(`#room-${kitchen.id}-upcoming-1-caption`).innerText())).toBe('Community Kitchen, coming up: hourly rates from 1 February 2027');
    const own = await server.container.services.pricing.getRoomCard(await actorOf('staff'), kitchen.id);
    expect(own.upcoming.map((c) => [c.effectiveFrom, c.tiers.statutory.hourlyPence])).toEqual([['2027-02-01', 3000]]);
  });
});

describe('organisations', () => {
  const s = ownPage(env, 'staff@example.org');
  const admin = ownPage(env, 'admin@example.org');
  const vol = ownPage(env, 'volunteer@example.org');
  const s2 = ownPage(env, 'staff2@example.org');
  let orgId: string;

  beforeAll(async () => {
    const priya = (await server.container.repos.users.loadActor(server.seed.users.private.id))!;
    orgId = (await server.container.services.organisations.create(priya, { name: 'Riverside Refugee Drop-in', claimedTier: 'community', contactPhone: '+447700900123' })).id;
  });

  it('a volunteer is refused', async () => {
    expect((await vol.page.goto(`${server.url}/staff/organisations`))!.status()).toBe(403);
  });

  it('lists claims waiting and verified organisations with their re-check dates', async () => {
    await s.page.goto(`${server.url}/staff/organisations`);
    expect(clean(await s.page.locator(`#org-${orgId}`).innerText())).toBe('Riverside Refugee Drop-in Community group Never checked');
    expect(clean(await s.page.locator(`#org-${server.seed.organisations.community.id}`).innerText())).toContain('Community group');
    await check(s.page, 'Organisations');
    await screenshot(s.page, 'staff-organisations-1-list', 1024);
  });

  it("lists the hub's invoices, the ones still owed first, as the payments service has them", async () => {
    const hubId = server.seed.hubs.riverside.id;
    // The council pays by invoice: a confirmed booking of theirs records an invoice (not issued yet: no Stripe here).
    const council = (await server.container.repos.users.loadActor(server.seed.users.statutory.id))!;
    const booked = await server.container.services.bookings.create(council, { roomId: server.seed.rooms['Meeting Room'].id, organisationId: server.seed.organisations.statutory.id, startsAt: '2026-12-15T10:00:00', endsAt: '2026-12-15T12:00:00', title: 'Adult services drop-in', attendees: 6, contactPhone: '+447700900007' });
    expect('status' in booked && booked.status).toBe('confirmed');
    const all = (await server.container.services.invoices.listPayments(await actorOf('staff'), hubId, undefined, { limit: 200 })).items.filter((p) => p.method === 'invoice');
    expect(all.length).toBeGreaterThan(0);
    await s.page.goto(`${server.url}/staff/organisations`);
    const rows = s.page.locator('#invoices-caption ~ tbody tr');
    expect(await rows.count()).toBe(all.length);
    for (const inv of all) {
      const text = clean(await s.page.locator(`#invoice-${inv.id}`).innerText());
      expect(text).toContain(inv.organisationName!);
      expect(text).toContain(`£${(inv.amountPence / 100).toFixed(2)}`);
    }
    await check(s.page, 'Organisations with invoices');
    // Northgate's staff see none of Riverside's invoices on their page.
    await s2.page.goto(`${server.url}/staff/organisations`);
    for (const inv of all) expect(await s2.page.locator(`#invoice-${inv.id}`).count()).toBe(0);
  });

  it('a check without evidence says what to add; staff of a hub it never booked at may not verify it', async () => {
    await s.page.click(`a:has-text("Riverside Refugee Drop-in")`);
    await check(s.page, 'Check an organisation');
    await s.page.click('button:has-text("Save the check")');
    expect(await errorSummary(s.page)).toContain('Enter the evidence you checked');
    await check(s.page, 'Check an organisation: no evidence');
    await s.page.fill('#evidence', 'Registered charity 1199999');
    await s.page.click('button:has-text("Save the check")');
    expect(await errorSummary(s.page)).toContain('Only a network admin, or staff of a hub this organisation has booked at');
    expect((await server.container.services.organisations.get(await actorOf('admin'), orgId)).verified).toBe(false);
  });

  it('a network admin verifies it with a re-check date', async () => {
    await admin.page.goto(`${server.url}/staff/organisations/${orgId}`);
    await admin.page.fill('#evidence', 'Registered charity 1199999; income under £10,000');
    await admin.page.click('button:has-text("Save the check")');
    await admin.page.waitForURL(`${server.url}/staff/organisations`);
    expect(await banner(admin.page)).toContain('Riverside Refugee Drop-in is verified as community group');
    const org = await server.container.services.organisations.get(await actorOf('admin'), orgId);
    expect(org).toMatchObject({ verified: true, tier: 'community' });
    expect(clean(await admin.page.locator(`#verified #org-${orgId}, #org-${orgId}`).first().innerText())).toContain('Community group');
  });
});

describe('hubs and people', () => {
  const s = ownPage(env, 'staff@example.org');
  const other = ownPage(env, 'staff2@example.org');
  const admin = ownPage(env, 'admin@example.org');

  it('Northgate\'s staff cannot see or change Riverside\'s people', async () => {
    expect((await other.page.goto(`${server.url}/staff/admin/hubs/${server.seed.hubs.riverside.id}`))!.status()).toBe(404);
    await other.page.goto(`${server.url}/staff/admin`);
    expect(await other.page.locator('main h2').allInnerTexts()).toEqual(['Northgate Hub']);
  });

  it('lists a hub\'s staff and volunteers; an invitation needs an email and a role, then shows its link once', async () => {
    await s.page.goto(`${server.url}/staff/admin/hubs/${server.seed.hubs.riverside.id}`);
    const main = clean(await s.page.locator('main').innerText());
    expect(main).toContain('Sam Staff');
    expect(main).toContain('Val Volunteer');
    await check(s.page, 'Hub people');
    await s.page.click('button:has-text("Send the invitation")');
    const summary = await errorSummary(s.page);
    expect(summary).toContain('Enter their email address');
    expect(summary).toContain('Select whether they join as a volunteer or as staff');
    await check(s.page, 'Hub people: empty invitation');
    await s.page.fill('#email', 'newvol@example.org');
    await s.page.check('#role'); // "Volunteer" (the remove buttons' forms carry hidden role fields)
    await s.page.fill('#phone', '07700 900777');
    await s.page.click('button:has-text("Send the invitation")');
    expect(await banner(s.page)).toMatch(new RegExp(`newvol@example.org is invited as volunteer.*${server.url}/invitations/[A-Za-z0-9_-]{43}`));
    await screenshot(s.page, 'staff-admin-1-people', 1024);
  });

  it('removes a role', async () => {
    await s.page.locator(`#member-${server.seed.users.volunteer.id}-volunteer`).getByRole('button').click();
    expect(await banner(s.page)).toContain('Val Volunteer no longer volunteers here');
    expect(await s.page.locator(`#member-${server.seed.users.volunteer.id}-volunteer`).count()).toBe(0);
  });

  it('an admin sees every hub and the network report', async () => {
    await admin.page.goto(`${server.url}/staff/admin`);
    expect(await admin.page.locator('main h2').allInnerTexts()).toEqual(['Northgate Hub', 'Riverside Community Hub', 'The whole network']);
    await check(admin.page, 'Hubs (admin)');
  });
});
