import type { Browser, BrowserContext, Page } from 'playwright-core';
import { DomainError } from '../../src/lib/errors';
import { check, launch, newContext, screenshot, startServer, type Server, writeReport } from './harness';
import { ownPage as sharedOwnPage, signIn as sharedSignIn } from './volweb-helpers';
import { toPaymentEvent } from '../../src/adapters/payments/stripe';

/**
 * The hirer's journey in a real browser, through the real server on an embedded database seeded
 * with the demo network. The server's clock stands at Monday 30 November 2026, 9am.
 */
const NOW = '2026-11-30T09:00:00Z';
let server: Server;
let browser: Browser;
const weights: Record<string, { totalKB: number; jsKB: number; requests: number }> = {};

beforeAll(async () => {
  [server, browser] = await Promise.all([startServer({ now: NOW, stripe: true }), launch()]);
});
afterAll(async () => {
  writeReport({ weights });
  await browser?.close();
  await server?.close();
});

async function fillWhen(page: Page, date: [string, string, string], start: string, end: string) {
  await page.fill('#date-day', date[0]);
  await page.fill('#date-month', date[1]);
  await page.fill('#date-year', date[2]);
  await page.selectOption('#start', start);
  await page.selectOption('#end', end);
}

// Signing in and a signed-in page of its own per describe block: the shared helpers (volweb-helpers.ts).
const signIn = (page: Page, email: string) => sharedSignIn(server, page, email);
const ownPage = (signInAs?: string) => sharedOwnPage(() => ({ server, browser }), signInAs);

async function errorSummary(page: Page): Promise<string> {
  return (await page.locator('.govuk-error-summary').innerText()).replace(/\s+/g, ' ');
}

describe('find a room', () => {
  const s = ownPage();

  it('asks when, how many and what for, without a JavaScript date picker', async () => {
    await s.page.goto(server.url);
    expect(await s.page.locator('h1').innerText()).toBe('Find a room');
    expect(await s.page.locator('input[type=date]').count()).toBe(0);
    await check(s.page, 'Find a room');
    await screenshot(s.page, '1-find-a-room');
  });

  it('an empty form says what to enter', async () => {
    await s.page.click('button:has-text("Find rooms")');
    const summary = await errorSummary(s.page);
    expect(summary).toContain('Enter the date you need the room');
    expect(summary).toContain('Choose a start time');
    expect(summary).toContain('Enter how many people will come');
    expect(await s.page.title()).toMatch(/^Error: /);
    await check(s.page, 'Find a room: empty form');
  });

  it('a past date is refused', async () => {
    await fillWhen(s.page, ['29', '11', '2026'], '10:00', '12:00');
    await s.page.fill('#people', '5');
    await s.page.click('button:has-text("Find rooms")');
    expect(await errorSummary(s.page)).toContain('The date must be today or in the future');
    await check(s.page, 'Find a room: past date');
  });

  it('lists the rooms free then, and asks people to sign in for their price', async () => {
    await fillWhen(s.page, ['15', '12', '2026'], '10:00', '12:00');
    await s.page.fill('#people', '10');
    await s.page.check('input[name=features][value=step_free_access]');
    await s.page.click('button:has-text("Find rooms")');
    expect(await s.page.locator('#results').innerText()).toMatch(/\d+ rooms? free/);
    const names = await s.page.locator('.hk-result h3').allInnerTexts();
    expect(names).toEqual(expect.arrayContaining(['Main Hall', 'Meeting Room', 'Community Kitchen', 'Studio']));
    expect(names).not.toContain('Garden Room'); // no step-free access
    expect(await s.page.getByText('Sign in to see the price for your group').count()).toBeGreaterThan(0);
    await check(s.page, 'Search results (signed out)');
  });

  it('too many people for any room finds none, and says what to try', async () => {
    await s.page.fill('#people', '500');
    await s.page.click('button:has-text("Find rooms")');
    expect(await s.page.locator('#results').innerText()).toBe('0 rooms free');
    expect(await s.page.getByText('No room is free for that many people').count()).toBe(1);
    await check(s.page, 'Search results: over capacity');
  });
});

describe('an account and a group', () => {
  const s = ownPage();

  it('registering says what is missing, then signs the person in', async () => {
    await s.page.goto(`${server.url}/register`);
    await check(s.page, 'Create an account');
    await s.page.click('button:has-text("Create account")');
    const summary = await errorSummary(s.page);
    expect(summary).toContain('Enter your name');
    expect(summary).toContain('Enter your email address');
    expect(summary).toContain('Enter a password');
    await check(s.page, 'Create an account: empty form');
    await s.page.fill('#name', 'Rosa Refugee Drop-in');
    await s.page.fill('#email', 'rosa@example.org');
    await s.page.fill('#phone', '07700 900555');
    await s.page.fill('#password', 'a long enough password');
    await s.page.click('button:has-text("Create account")');
    await s.page.waitForURL(`${server.url}/account`);
    expect(await s.page.locator('.govuk-notification-banner').innerText()).toContain('Your account is ready');
    await check(s.page, 'Your account (no group yet)');
  });

  it('adding a group that claims the community rate says plainly that staff will check it', async () => {
    await s.page.click('a:has-text("Add a group")');
    await s.page.click('button:has-text("Add group")');
    const summary = await errorSummary(s.page);
    expect(summary).toContain('Enter the name of your group');
    expect(summary).toContain('Select what kind of group it is');
    expect(summary).toContain('Enter a phone number for your group');
    await check(s.page, 'Add your group: empty form');
    await s.page.fill('#name', 'Riverside Refugee Drop-in');
    await s.page.check('input[name=claimedTier][value=community]');
    await s.page.fill('#contactPhone', '07700 900556');
    await s.page.click('button:has-text("Add group")');
    await s.page.waitForURL(`${server.url}/account`);
    expect(await s.page.locator('.govuk-notification-banner').innerText()).toContain('Staff will check that your group qualifies for the community rate');
    expect(await s.page.locator('main').innerText()).toContain('Waiting for staff to check');
    await check(s.page, 'Your account (group waiting for a check)');
    await screenshot(s.page, '7-account', 1024);
  });

  it('signing out ends the session on the server', async () => {
    const before = await s.context.cookies();
    const token = before.find((c) => c.name === 'hubkey_session');
    expect(token).toMatchObject({ httpOnly: true, sameSite: 'Lax' });
    await s.page.click('button:has-text("Sign out")');
    await s.page.waitForURL(`${server.url}/`);
    expect(await s.page.locator('a:has-text("Sign in")').count()).toBeGreaterThan(0);
    // The old cookie no longer signs anyone in, even if a copy of it was kept.
    const again = await newContext(browser);
    await again.addCookies([{ name: 'hubkey_session', value: token!.value, url: server.url }]);
    const p2 = await again.newPage();
    await p2.goto(`${server.url}/account`);
    expect(new URL(p2.url()).pathname).toBe('/sign-in');
    await check(p2, 'Sign in');
    await again.close();
  });
});

describe('a verified community group books, pays by card, and cancels with its refund shown first', () => {
  let context: BrowserContext;
  let page: Page;
  let bookingUrl: string;
  beforeAll(async () => {
    context = await newContext(browser);
    page = await context.newPage();
    await signIn(page, 'community@example.org');
  });
  afterAll(() => context.close());

  it('search results show the price for my group and what it saves', async () => {
    await page.goto(`${server.url}/?date-day=15&date-month=12&date-year=2026&start=10:00&end=12:00&people=8`);
    const kitchen = page.locator('.hk-result', { hasText: 'Community Kitchen' });
    // Riverside's card: community £12.00 an hour against £48.00 private, for two hours.
    expect(await kitchen.innerText()).toContain('£24.00 for Tuesday Memory Café');
    expect(await kitchen.innerText()).toContain('your group saves £72.00');
    await check(page, 'Search results (priced for my group)');
    await screenshot(page, '2-search-results');
  });

  it("a room's page has its features in words, a week of free and busy times as a table, and the price", async () => {
    await page.click('.hk-result h3 a:has-text("Community Kitchen")');
    expect(await page.locator('h1').innerText()).toBe('Community Kitchen');
    expect(await page.locator('main').innerText()).toContain('Kitchen, sink and step-free access');
    const table = page.locator('table.hk-week');
    expect(await table.locator('caption').innerText()).toContain('Free and booked times, Tuesday 15 December to Monday 21 December');
    expect(await table.locator('tbody tr').count()).toBe(7);
    expect(await table.locator('tbody tr').first().locator('th').innerText()).toBe('Tuesday 15 December');
    expect(await table.locator('tbody tr', { hasText: 'Sunday 20 December' }).innerText()).toContain('Closed');
    expect(await page.locator('.hk-price').innerText()).toBe('£24.00');
    await check(page, 'Room page');
    await screenshot(page, '3-room');
  });

  it('book: one question a page, errors that say what to do, check answers', async () => {
    await page.click('a:has-text("Book this room")');
    await page.waitForURL(`${server.url}/book/when`);
    expect(await page.inputValue('#date-day')).toBe('15');
    expect(await page.inputValue('#start')).toBe('10:00');
    await check(page, 'Book: when');
    await page.click('button:has-text("Continue")');
    await page.waitForURL(`${server.url}/book/repeat`);
    await page.click('button:has-text("Continue")');
    expect(await errorSummary(page)).toContain('Choose whether it is a one-off or every week');
    await check(page, 'Book: one-off or weekly (nothing chosen)');
    await page.check('#repeat');
    await page.click('button:has-text("Continue")');
    await page.waitForURL(`${server.url}/book/details`);
    await check(page, 'Book: about your booking');
    await page.fill('#title', 'Memory café');
    await page.fill('#people', '25');
    await page.click('button:has-text("Continue")');
    expect(await errorSummary(page)).toContain('Community Kitchen holds up to 10 people. Enter 10 or fewer, or find a bigger room');
    await check(page, 'Book: over capacity');
    await page.fill('#people', '8');
    await page.click('button:has-text("Continue")');
    await page.waitForURL(`${server.url}/book/check`);
    const summary = await page.locator('.govuk-summary-list').innerText();
    expect(summary).toContain('Tuesday 15 December, 10am to midday');
    expect(summary).toContain('Just this date');
    expect(summary).toContain('+447700900005');
    expect(await page.locator('.hk-price').innerText()).toBe('£24.00');
    await check(page, 'Book: check your booking');
    await screenshot(page, '4-check-answers');
  });

  it('confirming says what happens next and offers card payment', async () => {
    await page.click('button:has-text("Book Community Kitchen")');
    await page.waitForURL(/\/bookings\/[0-9a-f-]{36}$/);
    bookingUrl = page.url();
    const main = await page.locator('main').innerText();
    expect(main).toContain('Booking made');
    expect(main).toContain('Waiting for payment');
    expect(main).toMatch(/Pay £24\.00 by Monday 30 November, 9:30am to keep the room/);
    await check(page, 'Booking: waiting for payment');
    await screenshot(page, '5-booking-made');
  });

  it('pays through Stripe Checkout and comes back to a confirmation', async () => {
    const stripe = server.stripe!;
    // Stripe's hosted page is not ours to test: the fake's checkout URL answers a stand-in page.
    await page.route(`${stripe.url}/c/pay/**`, (route) => route.fulfill({ contentType: 'text/html', body: '<!doctype html><title>Stripe Checkout</title><h1>Pay</h1>' }));
    await page.click('button:has-text("Pay £24.00 by card")');
    await page.waitForURL(`${stripe.url}/c/pay/**`);
    const sessionId = new URL(page.url()).pathname.split('/').pop()!;
    const session = stripe.completeCheckoutSession(sessionId);
    await server.container.services.paymentEvents.handleEvent(toPaymentEvent(stripe.makeEvent('checkout.session.completed', session) as never));
    await page.goto(session.success_url!);
    expect(new URL(page.url()).searchParams.get('checkout')).toBe('success');
    const main = await page.locator('main').innerText();
    expect(main).toContain('Confirmed');
    expect(main).toContain('Your booking is confirmed');
    expect(main).toMatch(/Paid by card\s+£24\.00/);
    await check(page, 'Booking: paid and confirmed');
    await screenshot(page, '6-booking-confirmed');
  });

  it('cancelling shows the refund before confirming, then refunds it', async () => {
    await page.click('a:has-text("Cancel this booking")');
    // Fifteen days ahead: the default policy refunds in full from 7 days' notice.
    expect(await page.locator('#refund').innerText()).toContain('You will get £24.00 back (100% of the £24.00 you paid)');
    await check(page, 'Cancel: refund shown first');
    await screenshot(page, '8-cancel');
    await page.click('button:has-text("Cancel booking")');
    await page.waitForURL(bookingUrl);
    const main = await page.locator('main').innerText();
    expect(main).toContain('Booking cancelled');
    expect(main).toContain('£24.00 is on its way back to your card');
    expect(main).toContain('This booking is cancelled');
    await check(page, 'Booking: cancelled');
  });
});

/** Books through the service, as another group would at the same moment. */
async function bookAsStatutory(roomName: string, startsAt: string, endsAt: string, title = 'Council drop-in') {
  const actor = (await server.container.repos.users.loadActor(server.seed.users.statutory.id))!;
  return server.container.services.bookings.create(actor, {
    roomId: server.seed.rooms[roomName].id,
    organisationId: server.seed.organisations.statutory.id,
    startsAt,
    endsAt,
    title,
    attendees: 6,
    contactPhone: '+447700900107',
  });
}

async function throughQuestions(page: Page, opts: { weeklyUntil?: [string, string, string]; title: string }) {
  await page.waitForURL(`${server.url}/book/when`);
  await page.click('button:has-text("Continue")');
  await page.waitForURL(`${server.url}/book/repeat`);
  await page.check(opts.weeklyUntil ? 'input[name=repeat][value=weekly]' : 'input[name=repeat][value=once]');
  await page.click('button:has-text("Continue")');
  if (opts.weeklyUntil) {
    await page.waitForURL(`${server.url}/book/until`);
    await page.fill('#until-day', opts.weeklyUntil[0]);
    await page.fill('#until-month', opts.weeklyUntil[1]);
    await page.fill('#until-year', opts.weeklyUntil[2]);
    await page.click('button:has-text("Continue")');
  }
  await page.waitForURL(`${server.url}/book/details`);
  await page.fill('#title', opts.title);
  await page.click('button:has-text("Continue")');
  await page.waitForURL(`${server.url}/book/check`);
}

describe('clashes: a time taken meanwhile, and a weekly series with dates already booked', () => {
  const s = ownPage('community@example.org');

  it('a time booked by someone else before I confirm is refused with what to do next', async () => {
    await s.page.goto(`${server.url}/book/start?room=${server.seed.rooms['Main Hall'].id}&date-day=16&date-month=12&date-year=2026&start=14:00&end=16:00&people=20`);
    await throughQuestions(s.page, { title: 'Tea dance' });
    await bookAsStatutory('Main Hall', '2026-12-16T14:00', '2026-12-16T16:00');
    await s.page.click('button:has-text("Book Main Hall")');
    expect(await errorSummary(s.page)).toContain('The room is already booked at that time. Choose another time or find another room');
    await check(s.page, 'Book: clash');
    await screenshot(s.page, '10-clash', 640);
  });

  it('a weekly series lists the dates that are not free and offers to book the rest', async () => {
    await bookAsStatutory('Meeting Room', '2026-12-22T18:00', '2026-12-22T20:00');
    await s.page.goto(`${server.url}/book/start?room=${server.seed.rooms['Meeting Room'].id}&date-day=8&date-month=12&date-year=2026&start=18:00&end=20:00&people=8`);
    await s.page.waitForURL(`${server.url}/book/when`);
    await s.page.click('button:has-text("Continue")');
    await s.page.check('input[name=repeat][value=weekly]');
    await s.page.click('button:has-text("Continue")');
    await s.page.waitForURL(`${server.url}/book/until`);
    await s.page.click('button:has-text("Continue")');
    expect(await errorSummary(s.page)).toContain('Enter the date of the last week');
    await check(s.page, 'Book: until when (empty)');
    await s.page.fill('#until-day', '29');
    await s.page.fill('#until-month', '12');
    await s.page.fill('#until-year', '2026');
    await s.page.click('button:has-text("Continue")');
    await s.page.fill('#title', 'Carers evening');
    await s.page.click('button:has-text("Continue")');
    await s.page.waitForURL(`${server.url}/book/check`);
    expect(await s.page.locator('.govuk-summary-list').innerText()).toContain('Every Tuesday until 29 December 2026 (4 dates)');
    await s.page.click('button:has-text("Book Meeting Room")');
    await s.page.waitForURL(`${server.url}/book/conflicts`);
    const table = await s.page.locator('table').innerText();
    expect(table).toContain('22 December 2026');
    expect(table).toContain('The room is already booked at that time');
    await check(s.page, 'Book: series conflicts');
    await screenshot(s.page, '11-series-conflicts', 640);
    await s.page.click('button:has-text("Book the other 3 dates")');
    await s.page.waitForURL(/\/bookings\/[0-9a-f-]{36}$/);
    const main = await s.page.locator('main').innerText();
    expect(main).toContain('3 bookings made');
    expect(main).toContain('1 date was not booked');
    expect(main).toContain('Tuesday 8 December, 6pm to 8pm');
  });

  it('my bookings lists them, soonest first', async () => {
    await s.page.goto(`${server.url}/bookings`);
    const rows = await s.page.locator('tbody tr').allInnerTexts();
    const mine = rows.filter((r) => r.includes('Carers evening'));
    expect(mine).toHaveLength(3);
    // Soonest first (the demo seed's own bookings of the group are listed among them).
    expect(mine[0]).toContain('Tuesday 8 December');
    await check(s.page, 'My bookings');
    await screenshot(s.page, '9-my-bookings');
  });
});

describe('getting in, and moving a booking', () => {
  let context: BrowserContext;
  let page: Page;
  let bookingId: string;
  beforeAll(async () => {
    context = await newContext(browser);
    page = await context.newPage();
    await signIn(page, 'statutory@example.org');
    // The council pays by invoice: its bookings are confirmed at once.
    bookingId = ((await bookAsStatutory('Community Kitchen', '2026-12-01T10:00', '2026-12-01T12:00', 'Benefits advice')) as { id: string }).id;
  });
  afterAll(async () => {
    server.clock.set(NOW);
    await context.close();
  });

  it('before its window the page says when the code will be texted and which doors it opens', async () => {
    await page.goto(`${server.url}/bookings/${bookingId}`);
    const main = await page.locator('main').innerText();
    expect(main).toContain('Confirmed');
    expect(main).toContain('The hub sends your group an invoice');
    expect(main).toContain('We text your door code to +447700900107 on Monday 30 November, 10am');
    expect(main).toContain('Front door');
    expect(await page.locator('.hk-code').count()).toBe(0);
    await check(page, 'Booking: confirmed, code to come');
  });

  it('inside its window the page shows the door code and its doors', async () => {
    server.clock.set('2026-12-01T09:50:00Z');
    try {
      await server.container.services.accessCodes.issueDue();
      // A session lasts 12 hours; the clock has moved a day, so sign in again.
      await signIn(page, 'statutory@example.org');
      await page.goto(`${server.url}/bookings/${bookingId}`);
      expect(await page.locator('.hk-code').innerText()).toMatch(/^\d{4,8}$/);
      expect(await page.locator('main').innerText()).toContain('It works Tuesday 1 December, 9:45am to 12:15pm, on: Front door');
      await check(page, 'Booking: door code');
      await screenshot(page, '12-door-code', 390);
    } finally {
      server.clock.set(NOW);
    }
  });

  it('moving checks the new time and says what changed', async () => {
    const moving = ((await bookAsStatutory('Meeting Room', '2026-12-02T10:00', '2026-12-02T12:00', 'Housing surgery')) as { id: string }).id;
    await page.goto(`${server.url}/bookings/${moving}`);
    await page.click('a:has-text("Move to another time")');
    expect(await page.inputValue('#start')).toBe('10:00');
    await check(page, 'Move');
    await page.selectOption('#start', '13:00');
    await page.selectOption('#end', '12:00');
    await page.click('button:has-text("Move booking")');
    expect(await errorSummary(page)).toContain('The end time must be after the start time');
    await check(page, 'Move: end before start');
    await page.selectOption('#end', '15:00');
    await page.click('button:has-text("Move booking")');
    await page.waitForURL(`${server.url}/bookings/${moving}`);
    expect(await page.locator('main').innerText()).toContain('It is now Wednesday 2 December, 1pm to 3pm');
  });
});

describe('error pages are pages; the API keeps problem+json', () => {
  const s = ownPage();

  it('404 for a s.page that does not exist, and for a booking that is not mine', async () => {
    const res = await s.page.goto(`${server.url}/no-such-s.page`);
    expect(res!.status()).toBe(404);
    expect(await s.page.locator('h1').innerText()).toBe('Page not found');
    await check(s.page, 'Error 404');
    await screenshot(s.page, '13-not-found', 640);
    const api = await s.page.request.get(`${server.url}/no-such-s.page`, { headers: { accept: 'application/json' } });
    expect(api.headers()['content-type']).toContain('application/problem+json');
    await signIn(s.page, 'private@example.org');
    const theirs = await bookAsStatutory('Studio', '2026-12-03T10:00', '2026-12-03T12:00');
    expect((await s.page.goto(`${server.url}/bookings/${(theirs as { id: string }).id}`))!.status()).toBe(404);
  });

  it('403 when a form comes back without its CSRF token', async () => {
    await s.page.goto(`${server.url}/account/organisations/new`);
    await s.page.locator('main input[name=_csrf]').evaluate((el, v) => el.setAttribute('value', v), 'forged');
    await s.page.fill('#name', 'Forged group');
    await s.page.click('button:has-text("Add group")');
    expect(await s.page.locator('h1').innerText()).toBe('This form has expired');
    await check(s.page, 'Error 403 (CSRF)');
    expect((await server.container.services.auth.me(server.seed.users.private.id)).organisations.map((o) => o.name)).not.toContain('Forged group');
  });

  it('500 and 503 are pages that say what to do', async () => {
    const venues = server.container.services.venues;
    const listHubs = venues.listHubs;
    try {
      venues.listHubs = async () => {
        throw new Error('boom');
      };
      expect((await s.page.goto(server.url))!.status()).toBe(500);
      expect(await s.page.locator('h1').innerText()).toBe('Sorry, there is a problem with the service');
      expect(await s.page.locator('main').innerText()).not.toContain('boom');
      await check(s.page, 'Error 500');
      venues.listHubs = async () => {
        throw new DomainError('unavailable', 'not_ready', 'The database is not reachable');
      };
      expect((await s.page.goto(server.url))!.status()).toBe(503);
      expect(await s.page.locator('h1').innerText()).toBe('Sorry, the service is unavailable');
      await check(s.page, 'Error 503');
    } finally {
      venues.listHubs = listHubs;
    }
  });
});

/** Runs in the s.page: '' when the focused element shows a visible focus indicator, else what lacks one. */
const FOCUS_VISIBLE = `(() => {
  const el = document.activeElement;
  if (!el || el === document.body) return 'nothing is focused';
  const shown = (s) => (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0 && s.outlineColor !== 'rgba(0, 0, 0, 0)') || (s.boxShadow && s.boxShadow !== 'none') || s.backgroundColor === 'rgb(255, 191, 71)';
  // govuk-frontend draws a radio's or checkbox's focus ring on its label.
  const target = (el.type === 'radio' || el.type === 'checkbox') && el.nextElementSibling ? getComputedStyle(el.nextElementSibling, '::before') : getComputedStyle(el);
  return shown(target) ? '' : el.outerHTML.slice(0, 100);
})()`;

describe('keyboard only', () => {
  let context: BrowserContext;
  let page: Page;
  const unseen: string[] = [];
  beforeAll(async () => {
    context = await newContext(browser);
    page = await context.newPage();
  });
  afterAll(() => context.close());

  /** Tabs (or Shift+Tabs) until the focused element matches, checking the focus is visible at every stop. */
  async function tabTo(selector: string, back = false) {
    for (let i = 0; i < 60; i++) {
      await page.keyboard.press(back ? 'Shift+Tab' : 'Tab');
      const missing = (await page.evaluate(FOCUS_VISIBLE)) as string;
      if (missing) unseen.push(`${new URL(page.url()).pathname}: ${missing}`);
      if (await page.evaluate((s) => Boolean((globalThis as unknown as { document: { activeElement: { matches(s: string): boolean } } }).document.activeElement?.matches(s)), selector)) return;
    }
    throw new Error(`Tab never reached ${selector} on ${page.url()}`);
  }

  it('signs in, finds a room and books it with Tab, Shift+Tab, Enter and Space, the focus always visible', async () => {
    await page.goto(`${server.url}/sign-in`);
    await tabTo('#email');
    await page.keyboard.type('charity@example.org');
    await tabTo('#password');
    await page.keyboard.type('hubkey-demo');
    await page.keyboard.press('Enter');
    await page.waitForURL(`${server.url}/`);

    await tabTo('#date-day');
    await page.keyboard.type('17');
    await tabTo('#date-month');
    await page.keyboard.type('12');
    await tabTo('#date-year');
    await page.keyboard.type('2026');
    await tabTo('#start');
    await page.keyboard.type('2p'); // "2pm"
    await tabTo('#end');
    await page.keyboard.type('4p'); // "4pm"
    await tabTo('#people');
    await page.keyboard.type('6');
    await tabTo('#features'); // Space ticks a checkbox
    await page.keyboard.press('Space');
    await tabTo('#people', true);
    await page.keyboard.press('Enter');
    await page.waitForURL(/people=6/);
    expect(await page.inputValue('#start')).toBe('14:00');
    expect(await page.locator('#features').isChecked()).toBe(true);

    await tabTo('a.govuk-button[href*="/book/start"]');
    await page.keyboard.press('Enter');
    await page.waitForURL(`${server.url}/book/when`);
    await tabTo('button.govuk-button');
    await page.keyboard.press('Enter');
    await page.waitForURL(`${server.url}/book/repeat`);
    await tabTo('#repeat');
    await page.keyboard.press('Space');
    await tabTo('button.govuk-button');
    await page.keyboard.press('Enter');
    await page.waitForURL(`${server.url}/book/details`);
    await tabTo('#title');
    await page.keyboard.type('Carers coffee morning');
    await tabTo('button.govuk-button');
    await page.keyboard.press('Space');
    await page.waitForURL(`${server.url}/book/check`);
    await tabTo('main button.govuk-button');
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/bookings\/[0-9a-f-]{36}$/);
    expect(await page.locator('main').innerText()).toContain('Carers coffee morning');
    expect(unseen).toEqual([]);
  });
});

describe('page weight on first load', () => {
  async function weigh(name: string, url: string, signInAs?: string) {
    // A fresh context has an empty cache: every resource is fetched as on a first visit. Signing
    // in happens in another context, whose session cookie this one is given.
    const context = await newContext(browser);
    if (signInAs) {
      const other = await newContext(browser);
      await signIn(await other.newPage(), signInAs);
      await context.addCookies(await other.cookies());
      await other.close();
    }
    const page = await context.newPage();
    const sizes: Promise<{ type: string; bytes: number }>[] = [];
    page.on('requestfinished', (req) => sizes.push(req.sizes().then((s) => ({ type: req.resourceType(), bytes: s.responseBodySize + s.responseHeadersSize }))));
    await page.goto(url, { waitUntil: 'networkidle' });
    const all = await Promise.all(sizes);
    const total = all.reduce((n, s) => n + s.bytes, 0);
    const js = all.filter((s) => s.type === 'script').reduce((n, s) => n + s.bytes, 0);
    weights[name] = { totalKB: Math.round(total / 102.4) / 10, jsKB: Math.round(js / 102.4) / 10, requests: all.length };
    await context.close();
    return { total, js };
  }

  it('find a room: under 150 KB in all, under 50 KB of JavaScript', async () => {
    const w = await weigh('Find a room', `${server.url}/?date-day=15&date-month=12&date-year=2026&start=10:00&end=12:00&people=8`);
    expect(w.total).toBeLessThan(150 * 1024);
    expect(w.js).toBeLessThan(50 * 1024);
    expect(w.js).toBeGreaterThan(0);
  });

  it('a booking page and a room page: the same budget', async () => {
    const booking = (await bookAsStatutory('Garden Room', '2026-12-04T10:00', '2026-12-04T12:00', 'Allotment club')) as { id: string };
    const b = await weigh('Booking page', `${server.url}/bookings/${booking.id}`, 'statutory@example.org');
    expect(b.total).toBeLessThan(150 * 1024);
    expect(b.js).toBeLessThan(50 * 1024);
    const r = await weigh('Room page', `${server.url}/rooms/${server.seed.rooms['Main Hall'].id}`);
    expect(r.total).toBeLessThan(150 * 1024);
  });
});

describe('without JavaScript, on a hub that takes no card payments online', () => {
  let plain: Server;
  let context: BrowserContext;
  let page: Page;
  beforeAll(async () => {
    plain = await startServer({ now: NOW });
    context = await newContext(browser, { javaScriptEnabled: false });
    page = await context.newPage();
  });
  afterAll(async () => {
    await context.close();
    await plain?.close();
  });

  it('books a weekly series from search to confirmation and says how the hub takes payment', async () => {
    await page.goto(`${plain.url}/sign-in`);
    await page.fill('#email', 'private@example.org');
    await page.fill('#password', 'hubkey-demo');
    await page.click('button:has-text("Sign in")');
    await page.waitForURL(`${plain.url}/`);
    expect(await page.locator('body').getAttribute('class')).not.toContain('js-enabled');
    await fillWhen(page, ['7', '12', '2026'], '09:00', '11:00');
    await page.fill('#people', '15');
    await page.selectOption('#hub', { label: 'Riverside Community Hub' });
    await page.click('button:has-text("Find rooms")');
    expect(await page.locator('.hk-result h3').allInnerTexts()).toEqual(['Main Hall']);
    await page.click('.hk-result:has-text("Main Hall") a:has-text("Book this room")');
    await page.waitForURL(`${plain.url}/book/when`);
    await page.click('button:has-text("Continue")');
    await page.check('input[name=repeat][value=weekly]');
    await page.click('button:has-text("Continue")');
    await page.fill('#until-day', '21');
    await page.fill('#until-month', '12');
    await page.fill('#until-year', '2026');
    await page.click('button:has-text("Continue")');
    await page.fill('#title', 'Team training');
    await page.click('button:has-text("Continue")');
    await page.waitForURL(`${plain.url}/book/check`);
    expect(await page.locator('.govuk-summary-list').innerText()).toContain('Every Monday until 21 December 2026 (3 dates)');
    await page.click('button:has-text("Book Main Hall")');
    await page.waitForURL(/\/bookings\/[0-9a-f-]{36}$/);
    const main = await page.locator('main').innerText();
    expect(main).toContain('3 bookings made');
    expect(main).toContain('This hub does not take card payments online');
    expect(main).toContain('contact the hub to pay in person or by bank transfer');
    expect(await page.locator('button:has-text("by card")').count()).toBe(0);
    // axe and the measurements run scripts in the page: check the same page with JavaScript on.
    const withJs = await newContext(browser);
    await withJs.addCookies(await context.cookies());
    const checked = await withJs.newPage();
    await checked.goto(page.url());
    await check(checked, 'Booking: pay at the hub');
    await screenshot(checked, '14-pay-at-the-hub', 390);
    await withJs.close();
  });
});
