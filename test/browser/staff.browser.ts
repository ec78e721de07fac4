import type { Browser, Page } from 'playwright-core';
import { outbox, payments, refunds } from '../../src/db/schema';
import { check, launch, newContext, screenshot, startServer, type Server, writeReport } from './harness';
import { ownPage as sharedOwnPage, signIn as sharedSignIn } from './volweb-helpers';

/**
 * The staff pages in a real browser, through the real server on an embedded database seeded with
 * the demo network (Riverside: Sam Staff; Northgate: Nia Northgate; Ada Admin runs both). The
 * server's clock stands at Monday 30 November 2026, 9am.
 */
const NOW = '2026-11-30T09:00:00Z';
let server: Server;
let browser: Browser;

beforeAll(async () => {
  [server, browser] = await Promise.all([startServer({ now: NOW }), launch()]);
});
afterAll(async () => {
  writeReport({}, 'browser-report-staff.json');
  await browser?.close();
  await server?.close();
});

// Signing in and a signed-in page of its own per describe block: the shared helpers (volweb-helpers.ts).
const signIn = (page: Page, email: string) => sharedSignIn(server, page, email);
const ownPage = (signInAs?: string) => sharedOwnPage(() => ({ server, browser }), signInAs);

const main = async (page: Page) => (await page.locator('main').innerText()).replace(/\s+/g, ' ');
export const errorSummary = async (page: Page) => (await page.locator('.govuk-error-summary').innerText()).replace(/\s+/g, ' ');

describe('who may use the staff pages', () => {
  const hirer = ownPage('community@example.org');
  const volunteer = ownPage('volunteer@example.org');
  const anon = ownPage();

  it('a signed-out person is sent to sign in, and comes back', async () => {
    await anon.page.goto(`${server.url}/staff/today`);
    expect(new URL(anon.page.url()).pathname).toBe('/sign-in');
    expect(new URL(anon.page.url()).searchParams.get('next')).toBe('/staff/today');
  });

  it('a hirer is refused (403) with a page that says so', async () => {
    const res = await hirer.page.goto(`${server.url}/staff/today`);
    expect(res?.status()).toBe(403);
    expect(await hirer.page.locator('h1').innerText()).toBe('You cannot do that');
    await check(hirer.page, 'Staff page refused to a hirer');
  });

  it('a volunteer is refused (403) too', async () => {
    for (const path of ['/staff/today', '/staff/approvals', '/staff/bookings', '/staff/rooms', '/staff/doors', '/staff/payments', '/staff/messages', '/staff/rota', '/staff/reports', '/staff/rate-cards', '/staff/organisations', '/staff/admin']) {
      const res = await volunteer.page.goto(`${server.url}${path}`);
      expect({ path, status: res?.status() }).toEqual({ path, status: 403 });
    }
    await check(volunteer.page, 'Staff page refused to a volunteer');
  });
});

describe('today', () => {
  const s = ownPage('staff@example.org');

  it('shows the hub day: bookings, who is expected, doors and entries, short shifts', async () => {
    await s.page.goto(`${server.url}/staff`);
    expect(new URL(s.page.url()).pathname).toBe('/staff/today');
    expect(await s.page.locator('h1').innerText()).toBe('Today at Riverside Community Hub');
    const nav = await s.page.locator('nav[aria-label="Staff menu"]').innerText();
    for (const link of ['Today', 'Approvals', 'Bookings', 'Rooms', 'Doors', 'Payments']) expect(nav).toContain(link);
    expect(nav).not.toContain('Admin');
    expect(await s.page.locator('nav[aria-label="Staff menu"] [aria-current="page"]').innerText()).toBe('Today');
    const text = await main(s.page);
    expect(text).toContain('Who is expected on site');
    expect(text).toContain('Shifts still short in the next 7 days');
    expect(text).toContain('Doors and the last entries');
    // One hub only: no switcher.
    expect(await s.page.locator('#hub-switch').count()).toBe(0);
    await check(s.page, 'Staff: today');
    await screenshot(s.page, 'staff-1-today');
  });
});

describe('an admin switches hubs', () => {
  const s = ownPage('admin@example.org');

  it('sees the People link and a hub switcher, and the page follows the chosen hub', async () => {
    await s.page.goto(`${server.url}/staff/today`);
    expect(await s.page.locator('nav[aria-label="Staff menu"]').innerText()).toContain('People');
    expect(await s.page.locator('#hub-switch').count()).toBe(1);
    await s.page.selectOption('#hub-switch', { label: 'Northgate Hub' });
    await s.page.click('button:has-text("Switch hub")');
    await s.page.waitForURL(`${server.url}/staff/today`);
    expect(await s.page.locator('h1').innerText()).toBe('Today at Northgate Hub');
    await check(s.page, 'Staff: today, after switching hub');
  });

  it('the switcher chooses the hub of the rota, reports and rate cards too, each under the one staff navigation', async () => {
    for (const [path, caption, current] of [
      ['/staff/rota', 'Northgate Hub', 'Rota'],
      ['/staff/rate-cards', 'Northgate Hub', 'Rate cards'],
    ] as const) {
      await s.page.goto(`${server.url}${path}`);
      expect(await s.page.locator('.govuk-caption-l').first().innerText()).toBe(caption);
      expect(await s.page.locator('nav[aria-label="Staff menu"] [aria-current="page"]').innerText()).toBe(current);
      expect(await s.page.locator('.hk-subnav').count()).toBe(0);
    }
    await s.page.goto(`${server.url}/staff/rota`);
    await s.page.selectOption('#hub-switch', { label: 'Riverside Community Hub' });
    await s.page.click('button:has-text("Switch hub")');
    await s.page.waitForURL(`${server.url}/staff/rota`);
    expect(await s.page.locator('.govuk-caption-l').first().innerText()).toBe('Riverside Community Hub');
    expect(await s.page.locator(`#shift-${server.seed.rota.signedUp.id}`).count()).toBe(1);
    // A link naming a hub (?hub=) shows that hub and the switcher follows it.
    await s.page.goto(`${server.url}/staff/reports?hub=${server.seed.hubs.northgate.id}`);
    expect(await s.page.locator('.govuk-caption-l').first().innerText()).toBe('Northgate Hub');
    await s.page.goto(`${server.url}/staff/today`);
    expect(await s.page.locator('h1').innerText()).toBe('Today at Northgate Hub');
    await check(s.page, 'Staff: today, after a link to another hub\'s report');
  });
});

/** A new organisation claiming the community rate (not checked yet), whose bookings wait for approval. */
async function claimingGroup(name: string) {
  const hirer = (await server.container.repos.users.loadActor(server.seed.users.private.id))!;
  const org = await server.container.services.organisations.create(hirer, { name, claimedTier: 'community', contactPhone: '+447700900321' });
  const actor = (await server.container.repos.users.loadActor(server.seed.users.private.id))!;
  const book = (roomName: string, startsAt: string, endsAt: string, title: string, recurrence?: { weekdays: number[]; count: number }) =>
    server.container.services.bookings.create(actor, { roomId: server.seed.rooms[roomName].id, organisationId: org.id, startsAt, endsAt, title, attendees: 8, contactPhone: '+447700900321', recurrence });
  return { org, book };
}

describe('approvals', () => {
  const s = ownPage('staff@example.org');
  let group: Awaited<ReturnType<typeof claimingGroup>>;
  let single: { id: string };
  let other: { id: string };

  beforeAll(async () => {
    group = await claimingGroup('Riverside Youth Club');
    single = (await group.book('Meeting Room', '2026-12-08T18:00', '2026-12-08T20:00', 'Youth club planning')) as { id: string };
    await group.book('Main Hall', '2026-12-09T18:00', '2026-12-09T20:00', 'Youth club dance', { weekdays: [3], count: 3 });
    other = (await group.book('Community Kitchen', '2026-12-12T10:00', '2026-12-12T12:00', 'Youth club cook-off')) as { id: string };
  });

  it('lists each request with the organisation standing and history', async () => {
    await s.page.goto(`${server.url}/staff/approvals`);
    const text = await main(s.page);
    expect(text).toContain('Youth club planning');
    expect(text).toContain('Claims to be a community group; not checked yet');
    expect(text).toContain('First booking at this hub');
    expect(text).toContain('Rate to check');
    expect(await s.page.locator('.hk-request').count()).toBe(5);
    await check(s.page, 'Staff: approvals');
    await screenshot(s.page, 'staff-2-approvals');
  });

  it('declining needs a reason, and declines a whole series at once', async () => {
    await s.page.locator('.hk-request:has-text("Youth club dance") a:has-text("Decline")').first().click();
    await s.page.check('input[name=scope][value=series]');
    await s.page.click('button:has-text("Decline")');
    expect(await errorSummary(s.page)).toContain('Enter why you are declining');
    expect(await s.page.title()).toMatch(/^Error: /);
    await check(s.page, 'Staff: decline, no reason');
    await s.page.fill('#reason', 'The studio floor is being relaid in December; try the Main Hall.');
    await s.page.click('button:has-text("Decline")');
    await s.page.waitForURL(`${server.url}/staff/approvals`);
    expect(await s.page.locator('.govuk-notification-banner').innerText()).toContain('3 requests declined');
    expect(await main(s.page)).not.toContain('Youth club dance');
  });

  it('checking the rate says what is missing, refuses a past re-check date, then records it', async () => {
    await s.page.locator('.hk-request:has-text("Youth club planning") a:has-text("Check the rate")').click();
    await s.page.fill('#recheck-day', '');
    await s.page.fill('#recheck-month', '');
    await s.page.fill('#recheck-year', '');
    await s.page.click('button:has-text("Save the check")');
    let summary = await errorSummary(s.page);
    expect(summary).toContain('Enter what you checked');
    expect(summary).toContain('Enter the date to check this organisation again');
    await check(s.page, 'Staff: check a rate, empty form');
    await s.page.fill('#evidence', 'Constitution and last year accounts seen');
    await s.page.fill('#recheck-day', '1');
    await s.page.fill('#recheck-month', '11');
    await s.page.fill('#recheck-year', '2026');
    await s.page.click('button:has-text("Save the check")');
    summary = await errorSummary(s.page);
    expect(summary).toContain('The re-check date must be in the future');
    await s.page.fill('#recheck-year', '2027');
    await s.page.click('button:has-text("Save the check")');
    await s.page.waitForURL(`${server.url}/staff/approvals`);
    expect(await s.page.locator('.govuk-notification-banner').innerText()).toContain('Riverside Youth Club checked');
    expect(await main(s.page)).toContain('Checked: community group, until 1 November 2027');
  });

  it('approves a booking with the keyboard alone', async () => {
    await s.page.goto(`${server.url}/staff/approvals`);
    const target = `Approve Youth club planning`;
    let found = false;
    for (let i = 0; i < 80 && !found; i++) {
      await s.page.keyboard.press('Tab');
      const name = (await s.page.evaluate('document.activeElement && document.activeElement.textContent')) as string | null;
      found = (name ?? '').replace(/\s+/g, ' ').trim().startsWith(target);
    }
    expect(found).toBe(true);
    await s.page.keyboard.press('Enter');
    await s.page.waitForURL(`${server.url}/staff/approvals`);
    expect(await s.page.locator('.govuk-notification-banner').innerText()).toContain('Approved: Youth club planning');
    const b = await server.container.repos.bookings.get(single.id);
    expect(b?.status).not.toBe('requested');
  });

  it('staff of another hub cannot see or decide this hub’s requests', async () => {
    const context = await newContext(browser);
    const page = await context.newPage();
    await signIn(page, 'staff2@example.org');
    const res = await page.goto(`${server.url}/staff/approvals/${other.id}/decline`);
    expect(res?.status()).toBe(404);
    await check(page, 'Staff: another hub’s request (404)');
    await page.goto(`${server.url}/staff/approvals`);
    expect(await main(page)).not.toContain('Youth club cook-off');
    await context.close();
  });
});

async function bookAsStatutory(roomName: string, startsAt: string, endsAt: string, title: string) {
  const actor = (await server.container.repos.users.loadActor(server.seed.users.statutory.id))!;
  return (await server.container.services.bookings.create(actor, {
    roomId: server.seed.rooms[roomName].id,
    organisationId: server.seed.organisations.statutory.id,
    startsAt,
    endsAt,
    title,
    attendees: 6,
    contactPhone: '+447700900107',
  })) as { id: string; status: string };
}

describe('bookings', () => {
  const s = ownPage('staff@example.org');
  let today: { id: string };
  let later: { id: string };

  beforeAll(async () => {
    today = await bookAsStatutory('Meeting Room', '2026-11-30T10:00', '2026-11-30T12:00', 'Council housing surgery');
    later = await bookAsStatutory('Main Hall', '2026-12-03T10:00', '2026-12-03T12:00', 'Council consultation');
  });

  it('shows a week per room as a table, with the times in words, and filters it', async () => {
    await s.page.goto(`${server.url}/staff/bookings`);
    const table = s.page.locator('table.hk-staff-week');
    expect(await table.locator('caption').innerText()).toContain('Bookings by room and day, 30 November to 6 December 2026');
    expect(await table.locator('tbody th[scope=row]').allInnerTexts()).toEqual(expect.arrayContaining(['Main Hall', 'Meeting Room', 'Community Kitchen']));
    expect(await table.innerText()).toContain('10am to midday: Council housing surgery');
    expect(await s.page.locator('section.hk-scroll[tabindex="0"][aria-labelledby="week-caption"]').count()).toBe(1);
    await check(s.page, 'Staff: bookings week');
    await screenshot(s.page, 'staff-3-bookings-week');
    await s.page.selectOption('#room', { label: 'Main Hall' });
    await s.page.click('button:has-text("Show bookings")');
    expect(await table.locator('tbody th[scope=row]').allInnerTexts()).toEqual(['Main Hall']);
    expect(await table.innerText()).toContain('Council consultation');
    expect(await table.innerText()).not.toContain('Council housing surgery');
    await s.page.click('a:has-text("Next week")');
    expect(await table.locator('caption').innerText()).toContain('7 December to 13 December 2026');
  });

  it('a week that is not a date says what to enter', async () => {
    const res = await s.page.goto(`${server.url}/staff/bookings?week=next-tuesday`);
    expect(res?.status()).toBe(400);
    expect(await errorSummary(s.page)).toContain('The week must be a date');
    await check(s.page, 'Staff: bookings week, bad date');
  });

  it('a booking page shows the door code state; staff re-issue and stop the code', async () => {
    await s.page.goto(`${server.url}/staff/bookings/${today.id}`);
    expect(await s.page.locator('h1').innerText()).toBe('Council housing surgery');
    const text = await main(s.page);
    expect(text).toContain('City Council Adult Services');
    expect(text).toContain('Pays by invoice');
    expect(text).toMatch(/A code works .* on: Front door/);
    await check(s.page, 'Staff: a booking');
    await screenshot(s.page, 'staff-4-booking');
    // Each step a second later, so the newest code is the newest by time (the test clock stands still otherwise).
    server.clock.advance(1000);
    await s.page.click('button:has-text("Re-issue the door code")');
    expect(await s.page.locator('.govuk-notification-banner').innerText()).toContain('New door code sent');
    server.clock.advance(1000);
    await s.page.click('button:has-text("Stop the door code")');
    expect(await s.page.locator('.govuk-notification-banner').innerText()).toContain('Door code stopped');
    expect(await main(s.page)).toContain('The code was stopped');
    await check(s.page, 'Staff: a booking, code stopped');
    server.clock.advance(1000);
    await s.page.click('button:has-text("Re-issue the door code")');
    expect(await s.page.locator('.govuk-notification-banner').innerText()).toContain('New door code sent');
    expect(await main(s.page)).toMatch(/A code works/);
  });

  it('moving says what to fix, then moves the booking to another room', async () => {
    await s.page.goto(`${server.url}/staff/bookings/${later.id}/move`);
    await check(s.page, 'Staff: move a booking');
    await s.page.selectOption('#end', '09:00');
    await s.page.click('button:has-text("Move booking")');
    expect(await errorSummary(s.page)).toContain('The end time must be after the start time');
    await check(s.page, 'Staff: move a booking, end before start');
    await s.page.selectOption('#end', '13:00');
    await s.page.selectOption('#room', { label: 'Meeting Room (up to 12 people)' });
    await s.page.click('button:has-text("Move booking")');
    await s.page.waitForURL(`${server.url}/staff/bookings/${later.id}`);
    expect(await s.page.locator('.govuk-notification-banner').innerText()).toContain('Booking moved');
    expect(await main(s.page)).toContain('10am to 1pm');
  });

  it('cancelling shows the refund first, needs a reason, then cancels', async () => {
    await s.page.click('a:has-text("Cancel this booking")');
    expect(await s.page.locator('#refund').innerText()).toContain('pays by invoice: the booking comes off their invoice');
    await check(s.page, 'Staff: cancel a booking');
    await screenshot(s.page, 'staff-5-cancel');
    await s.page.click('button:has-text("Cancel booking")');
    expect(await errorSummary(s.page)).toContain('Enter why the hub is cancelling');
    await check(s.page, 'Staff: cancel a booking, no reason');
    await s.page.fill('#reason', 'The hall heating has failed.');
    await s.page.click('button:has-text("Cancel booking")');
    await s.page.waitForURL(`${server.url}/staff/bookings/${later.id}`);
    expect(await s.page.locator('.govuk-notification-banner').innerText()).toContain('Booking cancelled');
    expect(await s.page.locator('.govuk-tag').first().innerText()).toBe('Cancelled');
  });

  it('staff of the second hub cannot see this hub’s booking, nor find it in their week', async () => {
    const context = await newContext(browser);
    const page = await context.newPage();
    await signIn(page, 'staff2@example.org');
    const res = await page.goto(`${server.url}/staff/bookings/${today.id}`);
    expect(res?.status()).toBe(404);
    await check(page, 'Staff: another hub’s booking (404)');
    for (const path of [`/staff/bookings/${today.id}/move`, `/staff/bookings/${today.id}/cancel`]) {
      expect((await page.goto(`${server.url}${path}`))?.status()).toBe(404);
    }
    await page.goto(`${server.url}/staff/bookings?week=2026-11-30`);
    expect(await main(page)).not.toContain('Council housing surgery');
    expect(await main(page)).toContain('Studio');
    await context.close();
  });
});

describe('rooms, hours, closures and rules', () => {
  const s = ownPage('staff@example.org');

  it('shows the rooms, the hours in words and the rules with what they do', async () => {
    await s.page.goto(`${server.url}/staff/rooms`);
    const text = await main(s.page);
    expect(text).toContain('Main Hall');
    expect(text).toMatch(/Monday\s+8am to 10pm/);
    expect(text).toMatch(/Sunday\s+Closed/);
    expect(text).toContain('A booking waiting for a card payment keeps the room this long');
    await check(s.page, 'Staff: rooms and hours');
    await screenshot(s.page, 'staff-6-rooms');
  });

  it('a closure says what is missing, then lists the bookings inside it and cancels them when asked', async () => {
    const inside = await bookAsStatutory('Community Kitchen', '2026-12-10T10:00', '2026-12-10T12:00', 'Council cookery class');
    await s.page.goto(`${server.url}/staff/rooms/closures/new`);
    await s.page.click('button:has-text("Add closure")');
    const summary = await errorSummary(s.page);
    expect(summary).toContain('Enter the date the closure starts');
    expect(summary).toContain('Enter why it is closed');
    await check(s.page, 'Staff: closure, empty form');
    await s.page.selectOption('#room', { label: 'Community Kitchen' });
    for (const p of ['from', 'to']) {
      await s.page.fill(`#${p}-day`, '10');
      await s.page.fill(`#${p}-month`, '12');
      await s.page.fill(`#${p}-year`, '2026');
    }
    await s.page.fill('#reason', 'Oven replacement');
    await s.page.click('button:has-text("Add closure")');
    expect(await errorSummary(s.page)).toContain('1 booking is inside this closure');
    expect(await main(s.page)).toContain('Council cookery class: Thursday 10 December, 10am to midday');
    await check(s.page, 'Staff: closure over a booking');
    await screenshot(s.page, 'staff-7-closure-over-a-booking');
    await s.page.check('input[name=onBookings][value=cancel]');
    await s.page.click('button:has-text("Add closure")');
    await s.page.waitForURL(`${server.url}/staff/rooms`);
    expect(await s.page.locator('.govuk-notification-banner').innerText()).toContain('1 booking inside it was cancelled with a full refund');
    expect(await main(s.page)).toContain('Community Kitchen: Thursday 10 December, all day');
    expect((await server.container.repos.bookings.get(inside.id))?.status).toBe('cancelled');
  });

  it('new opening hours that leave a booking outside them ask what to do, and keep it when told', async () => {
    const saturday = await bookAsStatutory('Meeting Room', '2026-12-12T14:00', '2026-12-12T16:00', 'Council Saturday surgery');
    await s.page.goto(`${server.url}/staff/rooms/opening-hours`);
    await check(s.page, 'Staff: opening hours');
    await s.page.selectOption('#saturday-closes', '13:00');
    await s.page.selectOption('#sunday-opens', '10:00');
    await s.page.click('button:has-text("Save opening hours")');
    expect(await errorSummary(s.page)).toContain('Choose when it closes on Sunday');
    await check(s.page, 'Staff: opening hours, half a day');
    await s.page.selectOption('#sunday-opens', '');
    await s.page.click('button:has-text("Save opening hours")');
    expect(await errorSummary(s.page)).toContain('1 booking would fall outside the new hours');
    expect(await main(s.page)).toContain('Council Saturday surgery');
    await check(s.page, 'Staff: opening hours over a booking');
    await s.page.check('input[name=onBookings][value=keep]');
    await s.page.click('button:has-text("Save opening hours")');
    await s.page.waitForURL(`${server.url}/staff/rooms`);
    expect(await s.page.locator('.govuk-notification-banner').innerText()).toContain('1 booking outside them stays as booked');
    expect(await main(s.page)).toMatch(/Saturday\s+9am to 1pm/);
    expect((await server.container.repos.bookings.get(saturday.id))?.status).toBe('confirmed');
  });

  it('staffed hours are set per day and shown beside the opening hours', async () => {
    await s.page.goto(`${server.url}/staff/rooms/staffed-hours`);
    await check(s.page, 'Staff: staffed hours');
    await s.page.selectOption('#monday-closes', '16:00');
    await s.page.selectOption('#tuesday-opens', '18:00');
    await s.page.selectOption('#tuesday-closes', '10:00');
    await s.page.click('button:has-text("Save staffed hours")');
    expect(await errorSummary(s.page)).toContain('On Tuesday, it must close after it opens');
    await check(s.page, 'Staff: staffed hours, closes before it opens');
    await s.page.selectOption('#tuesday-opens', '08:00');
    await s.page.selectOption('#tuesday-closes', '22:00');
    await s.page.click('button:has-text("Save staffed hours")');
    await s.page.waitForURL(`${server.url}/staff/rooms`);
    expect(await s.page.locator('.govuk-notification-banner').innerText()).toContain('Staffed hours saved');
    expect(await main(s.page)).toMatch(/Monday\s+8am to 10pm\s+9am to 4pm/);
    expect(await main(s.page)).toMatch(/Tuesday\s+8am to 10pm\s+8am to 10pm/);
  });

  it('the rules say what is wrong with a number, then save', async () => {
    await s.page.goto(`${server.url}/staff/rooms/settings`);
    await s.page.fill('#holdMinutes', '2');
    await s.page.fill('#earlyEntryMinutes', 'soon');
    await s.page.click('button:has-text("Save rules")');
    const summary = await errorSummary(s.page);
    expect(summary).toContain('must be between 5 and 10080');
    expect(summary).toContain('Enter a whole number');
    await check(s.page, 'Staff: rules, bad numbers');
    await s.page.fill('#holdMinutes', '45');
    await s.page.fill('#earlyEntryMinutes', '20');
    await s.page.click('button:has-text("Save rules")');
    await s.page.waitForURL(`${server.url}/staff/rooms`);
    expect(await main(s.page)).toContain('45 minutes');
  });
});

describe('doors and the entry log', () => {
  const s = ownPage('staff@example.org');

  beforeAll(async () => {
    const { front } = server.seed.doors;
    await server.container.services.keypad.verify(front.id, front.deviceKey, '000000');
  });

  it('lists the doors with their rooms and locks, and the entries with filters', async () => {
    await s.page.goto(`${server.url}/staff/doors`);
    const doors = await s.page.locator('#doors-caption').locator('xpath=..').innerText();
    expect(doors).toContain('Front door');
    expect(doors).toContain('Hubkey keypad');
    expect(await s.page.locator('#entries-caption').locator('xpath=..').innerText()).toContain('Wrong code');
    await check(s.page, 'Staff: doors and entries');
    await screenshot(s.page, 'staff-8-doors');
    await s.page.selectOption('#result', 'granted');
    await s.page.click('button:has-text("Show entries")');
    expect(await main(s.page)).not.toContain('Wrong code');
    await s.page.selectOption('#result', 'refused');
    await s.page.fill('#from-day', '31');
    await s.page.fill('#from-month', '2');
    await s.page.fill('#from-year', '2026');
    await s.page.click('button:has-text("Show entries")');
    expect(await errorSummary(s.page)).toContain('The “from” date must be a real date');
    await check(s.page, 'Staff: entries, bad date');
    await s.page.fill('#from-day', '30');
    await s.page.fill('#from-month', '11');
    await s.page.click('button:has-text("Show entries")');
    expect(await main(s.page)).toContain('Wrong code');
  });

  it('a new device key is shown once, after a warning, and the old key stops working', async () => {
    const { front } = server.seed.doors;
    await s.page.goto(`${server.url}/staff/doors`);
    await s.page.click('a:has-text("New key")');
    expect(await main(s.page)).toContain('The old key stops working at once');
    await check(s.page, 'Staff: new device key, warning');
    await s.page.click('button:has-text("Make a new key")');
    const key = (await s.page.locator('#device-key').innerText()).trim();
    expect(key.length).toBeGreaterThan(20);
    await check(s.page, 'Staff: new device key, shown once');
    await screenshot(s.page, 'staff-9-device-key');
    await expect(server.container.services.keypad.verify(front.id, front.deviceKey, '000000')).rejects.toThrow();
    await s.page.goto(`${server.url}/staff/doors`);
    expect(await s.page.content()).not.toContain(key);
  });
});

describe('payments and refunds', () => {
  const s = ownPage('staff@example.org');

  beforeAll(async () => {
    const db = server.container.database.db;
    const hubId = server.seed.hubs.riverside.id;
    const organisationId = server.seed.organisations.private.id;
    const [ok] = await db.insert(payments).values({ hubId, organisationId, method: 'card', status: 'paid', amountPence: 4000, createdAt: new Date('2026-11-20T10:00:00Z') }).returning();
    await db.insert(payments).values({ hubId, organisationId, method: 'card', status: 'failed', amountPence: 2500, lastError: 'Your card was declined.', createdAt: new Date('2026-11-10T10:00:00Z') });
    const b = await bookAsStatutory('Meeting Room', '2026-12-14T10:00', '2026-12-14T11:00', 'Council refund check');
    await db.insert(refunds).values({ paymentId: ok.id, bookingId: b.id, hubId, amountPence: 2000, percent: 50, status: 'failed', lastError: 'charge_already_refunded', createdAt: new Date('2026-11-21T10:00:00Z') });
  });

  it('shows failed payments and refunds first, with the reason', async () => {
    await s.page.goto(`${server.url}/staff/payments`);
    const rows = await s.page.locator('#payments-caption').locator('xpath=..').locator('tbody tr').allInnerTexts();
    expect(rows[0]).toContain('Failed');
    expect(rows[0]).toContain('Your card was declined.');
    expect(rows[0]).toContain('£25.00');
    expect(await main(s.page)).toContain('1 payment failed or overdue');
    const refundRows = await s.page.locator('#refunds-caption').locator('xpath=..').locator('tbody tr').allInnerTexts();
    expect(refundRows[0]).toContain('charge_already_refunded');
    await check(s.page, 'Staff: payments and refunds');
    await screenshot(s.page, 'staff-10-payments');
  });

  it('staff of the second hub see none of it', async () => {
    const context = await newContext(browser);
    const page = await context.newPage();
    await signIn(page, 'staff2@example.org');
    await page.goto(`${server.url}/staff/payments`);
    expect(await main(page)).not.toContain('Your card was declined.');
    await context.close();
  });
});

describe('a payment taken at the hub', () => {
  const s = ownPage('staff@example.org');
  let booking: { id: string; status: string };

  beforeAll(async () => {
    const actor = (await server.container.repos.users.loadActor(server.seed.users.private.id))!;
    booking = (await server.container.services.bookings.create(actor, {
      roomId: server.seed.rooms['Meeting Room'].id,
      organisationId: server.seed.organisations.private.id,
      startsAt: '2026-12-16T14:00',
      endsAt: '2026-12-16T16:00',
      title: 'Brightside planning day',
      attendees: 4,
      contactPhone: '+447700900008',
    })) as { id: string; status: string };
  });

  it('a wrong amount is refused with the amount due, and nothing is recorded', async () => {
    expect(booking.status).toBe('awaiting_payment');
    await s.page.goto(`${server.url}/staff/bookings/${booking.id}`);
    expect(await main(s.page)).not.toContain('cannot be recorded');
    expect(await s.page.locator('#record-payment').innerText()).toBe('Record a payment taken at the hub');
    const due = await s.page.inputValue('#amount');
    expect(due).toMatch(/^\d+\.\d{2}$/);
    await check(s.page, 'Staff: a booking waiting for payment, with the offline payment form');
    await s.page.click('button:has-text("Record the payment")');
    expect(await errorSummary(s.page)).toContain('Select how the hirer paid');
    expect(await s.page.title()).toMatch(/^Error: /);
    await s.page.check('#method-2');
    await s.page.fill('#amount', '1.00');
    await s.page.click('button:has-text("Record the payment")');
    expect(await errorSummary(s.page)).toContain(`The amount must be the whole £${due} due`);
    expect(await s.page.inputValue('#amount')).toBe('1.00');
    await check(s.page, 'Staff: offline payment, wrong amount');
    const money = await server.container.services.checkout.forBooking((await server.container.repos.users.loadActor(server.seed.users.staff.id))!, booking.id);
    expect(money.paidPence).toBe(0);
  });

  it('records the whole amount by bank transfer: the booking is confirmed and shows on Payments; a second record is refused', async () => {
    await s.page.goto(`${server.url}/staff/bookings/${booking.id}`);
    const due = await s.page.inputValue('#amount');
    await s.page.check('input[name=method][value=bank_transfer]');
    await s.page.fill('#reference', 'BACS BRIGHTSIDE 16');
    await s.page.click('button:has-text("Record the payment")');
    await s.page.waitForURL(`${server.url}/staff/bookings/${booking.id}`);
    expect(await s.page.locator('.govuk-notification-banner').innerText()).toContain(`£${due} recorded, paid by bank transfer`);
    expect(await main(s.page)).toContain('Confirmed');
    expect(await main(s.page)).toContain(`Paid at the hub £${due}`);
    expect(await s.page.locator('#record-payment').count()).toBe(0);
    await check(s.page, 'Staff: offline payment recorded');
    await screenshot(s.page, 'staff-11-offline-payment');
    const staff = (await server.container.repos.users.loadActor(server.seed.users.staff.id))!;
    expect((await server.container.services.bookings.get(staff, booking.id)).status).toBe('confirmed');
    await s.page.goto(`${server.url}/staff/payments`);
    expect(await s.page.locator('#payments-caption').locator('xpath=..').innerText()).toContain('Taken at the hub: bank transfer (BACS BRIGHTSIDE 16)');
    // The form is gone; a stale post of another record is refused on the page.
    const token = await s.page.locator('form[action="/sign-out"] input[name=_csrf]').getAttribute('value');
    const res = await s.page.request.post(`${server.url}/staff/bookings/${booking.id}/payments/offline`, { form: { _csrf: token!, method: 'cash', amount: due }, headers: { accept: 'text/html' } });
    expect(res.status()).toBe(409);
    expect((await res.text()).replace(/\s+/g, ' ')).toContain('This booking is already paid for');
  });

  it('staff of another hub get 404 and record nothing', async () => {
    const context = await newContext(browser);
    const page = await context.newPage();
    await signIn(page, 'staff2@example.org');
    expect((await page.goto(`${server.url}/staff/bookings/${booking.id}`))!.status()).toBe(404);
    await context.close();
  });
});

describe('messages', () => {
  const s = ownPage('staff@example.org');
  const hirer = ownPage('community@example.org');
  const other = ownPage('staff2@example.org');
  const failedTo = '+447700900555';

  beforeAll(async () => {
    const { db } = server.container.database;
    const hubId = server.seed.hubs.riverside.id;
    const at = (iso: string) => new Date(iso);
    await db.insert(outbox).values([
      { kind: 'access_code', to: '+447700900111', body: 'Hubkey: your door code for Riverside is {{code}}#. It works from 6pm.', hubId, status: 'sent', attempts: 1, nextAttemptAt: at('2026-11-30T07:00:00Z'), sentAt: at('2026-11-30T07:00:05Z'), providerStatus: 'delivered', createdAt: at('2026-11-30T07:00:00Z') },
      { kind: 'access_code', to: failedTo, body: 'Hubkey: your door code for Riverside is {{code}}#.', hubId, status: 'failed', attempts: 5, nextAttemptAt: at('2026-11-30T06:00:00Z'), lastError: 'Twilio 21614: not a mobile number', createdAt: at('2026-11-30T06:00:00Z') },
      { kind: 'reminder', to: '+447700900222', body: 'Hubkey: a reminder of your booking tomorrow.', hubId, status: 'pending', attempts: 0, nextAttemptAt: at('2026-11-30T10:00:00Z'), createdAt: at('2026-11-30T08:30:00Z') },
      { kind: 'reminder', to: '+447700900333', body: 'Hubkey: an old failure.', hubId, status: 'failed', attempts: 5, nextAttemptAt: at('2026-11-20T06:00:00Z'), lastError: 'old', createdAt: at('2026-11-20T06:00:00Z') },
    ]);
  });

  it('lists sent, queued and failed texts with door codes masked, and filters by status', async () => {
    await s.page.goto(`${server.url}/staff/messages`);
    expect(await s.page.locator('nav[aria-label="Staff menu"] [aria-current="page"]').innerText()).toBe('Messages');
    const table = (await s.page.locator('#messages-caption').locator('xpath=..').innerText()).replace(/\s+/g, ' ');
    expect(table).toContain('your door code for Riverside is ••••#');
    expect(table).not.toContain('{{code}}');
    expect(table).toContain('Delivered');
    expect(table).toContain('Waiting to send');
    expect(table).toContain('Twilio 21614: not a mobile number');
    await check(s.page, 'Staff: messages');
    await screenshot(s.page, 'staff-12-messages');
    await s.page.selectOption('#status', 'failed');
    await s.page.click('button:has-text("Show texts")');
    const failed = (await s.page.locator('#messages-caption').locator('xpath=..').locator('tbody tr').allInnerTexts()).join('\n');
    expect(failed).toContain(failedTo);
    expect(failed).not.toContain('+447700900111');
    expect(failed).not.toContain('+447700900222');
    await check(s.page, 'Staff: messages, failed only');
    const res = await s.page.goto(`${server.url}/staff/messages?status=lost`);
    expect(res!.status()).toBe(400);
    expect(await errorSummary(s.page)).toContain('Choose which texts to show from the list');
    await check(s.page, 'Staff: messages, bad filter');
  });

  it('Today shows the texts that failed in the last 24 hours', async () => {
    await s.page.goto(`${server.url}/staff/today`);
    const text = await main(s.page);
    expect(text).toContain('Texts that failed');
    expect(text).toContain(`Door code to ${failedTo}`);
    expect(text).toContain('Twilio 21614: not a mobile number');
    expect(text).not.toContain('+447700900333');
  });

  it('a hirer is refused (403); staff of another hub see none of these texts', async () => {
    expect((await hirer.page.goto(`${server.url}/staff/messages`))!.status()).toBe(403);
    expect(await hirer.page.locator('h1').innerText()).toBe('You cannot do that');
    await check(hirer.page, 'Messages refused to a hirer');
    await other.page.goto(`${server.url}/staff/messages`);
    expect(await main(other.page)).not.toContain(failedTo);
    await other.page.goto(`${server.url}/staff/today`);
    expect(await main(other.page)).not.toContain(failedTo);
  });
});
