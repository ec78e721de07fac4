import type { Browser, BrowserContext, Page } from 'playwright-core';
import { check, launch, newContext, screenshot, startServer, type Server, writeReport } from './harness';

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

async function signIn(page: Page, email: string) {
  await page.goto(`${server.url}/sign-in`);
  await page.fill('#email', email);
  await page.fill('#password', 'hubkey-demo');
  await page.click('button:has-text("Sign in")');
  await page.waitForURL((u) => !u.pathname.startsWith('/sign-in'));
}

async function errorSummary(page: Page): Promise<string> {
  return (await page.locator('.govuk-error-summary').innerText()).replace(/\s+/g, ' ');
}

describe('find a room', () => {
  let context: BrowserContext;
  let page: Page;
  beforeAll(async () => {
    context = await newContext(browser);
    page = await context.newPage();
  });
  afterAll(() => context.close());

  it('asks when, how many and what for, without a JavaScript date picker', async () => {
    await page.goto(server.url);
    expect(await page.locator('h1').innerText()).toBe('Find a room');
    expect(await page.locator('input[type=date]').count()).toBe(0);
    await check(page, 'Find a room');
    await screenshot(page, '1-find-a-room');
  });

  it('an empty form says what to enter', async () => {
    await page.click('button:has-text("Find rooms")');
    const summary = await errorSummary(page);
    expect(summary).toContain('Enter the date you need the room');
    expect(summary).toContain('Choose a start time');
    expect(summary).toContain('Enter how many people will come');
    expect(await page.title()).toMatch(/^Error: /);
    await check(page, 'Find a room: empty form');
  });

  it('a past date is refused', async () => {
    await fillWhen(page, ['29', '11', '2026'], '10:00', '12:00');
    await page.fill('#people', '5');
    await page.click('button:has-text("Find rooms")');
    expect(await errorSummary(page)).toContain('The date must be today or in the future');
    await check(page, 'Find a room: past date');
  });

  it('lists the rooms free then, and asks people to sign in for their price', async () => {
    await fillWhen(page, ['15', '12', '2026'], '10:00', '12:00');
    await page.fill('#people', '10');
    await page.check('input[name=features][value=step_free_access]');
    await page.click('button:has-text("Find rooms")');
    expect(await page.locator('#results').innerText()).toMatch(/\d+ rooms? free/);
    const names = await page.locator('.hk-result h3').allInnerTexts();
    expect(names).toEqual(expect.arrayContaining(['Main Hall', 'Meeting Room', 'Community Kitchen', 'Studio']));
    expect(names).not.toContain('Garden Room'); // no step-free access
    expect(await page.getByText('Sign in to see the price for your group').count()).toBeGreaterThan(0);
    await check(page, 'Search results (signed out)');
  });

  it('too many people for any room finds none, and says what to try', async () => {
    await page.fill('#people', '500');
    await page.click('button:has-text("Find rooms")');
    expect(await page.locator('#results').innerText()).toBe('0 rooms free');
    expect(await page.getByText('No room is free for that many people').count()).toBe(1);
    await check(page, 'Search results: over capacity');
  });
});

describe('an account and a group', () => {
  let context: BrowserContext;
  let page: Page;
  beforeAll(async () => {
    context = await newContext(browser);
    page = await context.newPage();
  });
  afterAll(() => context.close());

  it('registering says what is missing, then signs the person in', async () => {
    await page.goto(`${server.url}/register`);
    await check(page, 'Create an account');
    await page.click('button:has-text("Create account")');
    const summary = await errorSummary(page);
    expect(summary).toContain('Enter your name');
    expect(summary).toContain('Enter your email address');
    expect(summary).toContain('at least 10 characters');
    await check(page, 'Create an account: empty form');
    await page.fill('#name', 'Rosa Refugee Drop-in');
    await page.fill('#email', 'rosa@example.org');
    await page.fill('#phone', '07700 900555');
    await page.fill('#password', 'a long enough password');
    await page.click('button:has-text("Create account")');
    await page.waitForURL(`${server.url}/account`);
    expect(await page.locator('.govuk-notification-banner').innerText()).toContain('Your account is ready');
    await check(page, 'Your account (no group yet)');
  });

  it('adding a group that claims the community rate says plainly that staff will check it', async () => {
    await page.click('a:has-text("Add a group")');
    await page.click('button:has-text("Add group")');
    const summary = await errorSummary(page);
    expect(summary).toContain('Enter the name of your group');
    expect(summary).toContain('Select what kind of group it is');
    expect(summary).toContain('Enter a phone number for your group');
    await check(page, 'Add your group: empty form');
    await page.fill('#name', 'Riverside Refugee Drop-in');
    await page.check('input[name=claimedTier][value=community]');
    await page.fill('#contactPhone', '07700 900556');
    await page.click('button:has-text("Add group")');
    await page.waitForURL(`${server.url}/account`);
    expect(await page.locator('.govuk-notification-banner').innerText()).toContain('Staff will check that your group qualifies for the community rate');
    expect(await page.locator('main').innerText()).toContain('Waiting for staff to check');
    await check(page, 'Your account (group waiting for a check)');
    await screenshot(page, '7-account', 1024);
  });

  it('signing out ends the session on the server', async () => {
    const before = await context.cookies();
    const token = before.find((c) => c.name === 'hubkey_session');
    expect(token).toMatchObject({ httpOnly: true, sameSite: 'Lax' });
    await page.click('button:has-text("Sign out")');
    await page.waitForURL(`${server.url}/`);
    expect(await page.locator('a:has-text("Sign in")').count()).toBeGreaterThan(0);
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
    await server.container.services.payments.handleEvent(stripe.makeEvent('checkout.session.completed', session) as never);
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
