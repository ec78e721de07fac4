import type { Browser, BrowserContext, Page } from 'playwright-core';
import { check, launch, newContext, screenshot, startServer, type Server, writeReport } from './harness';

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

async function signIn(page: Page, email: string) {
  await page.goto(`${server.url}/sign-in`);
  await page.fill('#email', email);
  await page.fill('#password', 'hubkey-demo');
  await page.click('button:has-text("Sign in")');
  await page.waitForURL((u) => !u.pathname.startsWith('/sign-in'));
}

/** A page in a browser context of its own for one describe block, signed in when asked. */
function ownPage(signInAs?: string) {
  const s = {} as { context: BrowserContext; page: Page };
  beforeAll(async () => {
    s.context = await newContext(browser);
    s.page = await s.context.newPage();
    if (signInAs) await signIn(s.page, signInAs);
  });
  afterAll(() => s.context.close());
  return s;
}

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
    for (const path of ['/staff/today', '/staff/approvals', '/staff/bookings', '/staff/rooms', '/staff/doors', '/staff/payments']) {
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

  it('sees the Admin link and a hub switcher, and the page follows the chosen hub', async () => {
    await s.page.goto(`${server.url}/staff/today`);
    expect(await s.page.locator('#hub-switch').count()).toBe(1);
    await s.page.selectOption('#hub-switch', { label: 'Northgate Hub' });
    await s.page.click('button:has-text("Switch hub")');
    await s.page.waitForURL(`${server.url}/staff/today`);
    expect(await s.page.locator('h1').innerText()).toBe('Today at Northgate Hub');
    await check(s.page, 'Staff: today, after switching hub');
  });
});
