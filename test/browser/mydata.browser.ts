import { readFile } from 'node:fs/promises';
import { strFromU8, unzipSync } from 'fflate';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { check, newContext, screenshot, type Server } from './harness';
import { errorSummary, ownPage, serverWithCarasBooking, signIn, tabTo } from './volweb-helpers';

/**
 * "Your data" and "Delete your account" in a real browser, through the real server on an embedded
 * database seeded with the demo network, the clock at Monday 30 November 2026, 9am. Cara
 * (community@) books a morning of her own first; her group has bookings ahead, so she is told to
 * hand it over before she can go. Val (the volunteer) deletes her account with the keyboard alone;
 * Priya (private@) does it with JavaScript off.
 */
const NOW = '2026-11-30T09:00:00Z';
const SEEDED = ['admin', 'staff', 'staff2', 'volunteer', 'community', 'charity', 'statutory', 'private'].map((k) => `${k}@example.org`);
let server: Server;
let browser: Browser;
const env = () => ({ server, browser });

const shared = serverWithCarasBooking(NOW, 'mydata-browser-report.json');
beforeAll(() => {
  ({ server, browser } = shared);
});

const mainText = async (page: Page) => (await page.locator('main').innerText()).replace(/\s+/g, ' ');
/** Clicks a download link and reads the file the browser saved. */
async function download(page: Page, href: string): Promise<Buffer> {
  const [file] = await Promise.all([page.waitForEvent('download'), page.click(`a[href="${href}"]`)]);
  expect(file.suggestedFilename()).toBe(`hubkey-my-data-2026-11-30.${href.split('.').pop()}`);
  return readFile((await file.path())!);
}
const userRow = async (key: 'volunteer' | 'private' | 'community') => (await server.container.repos.users.findById(server.seed.users[key].id))!;

describe('signed out', () => {
  const s = ownPage(env);
  it.each(['/account/data', '/account/delete', '/account/data.zip'])('%s sends the visitor to sign in, and back after', async (path) => {
    await s.page.goto(`${server.url}${path}`);
    expect(new URL(s.page.url()).pathname).toBe('/sign-in');
    expect(new URL(s.page.url()).searchParams.get('next')).toBe(path);
  });
});

describe('a hirer’s data', () => {
  const s = ownPage(env, 'community@example.org');

  it('from the account page: what is held, how many and for how long', async () => {
    await s.page.goto(`${server.url}/account`);
    await s.page.getByRole('link', { name: 'Your data' }).last().click();
    await s.page.waitForURL(`${server.url}/account/data`);
    expect(await s.page.title()).toBe('Your data – Hubkey');
    const rows = await s.page.locator('#holdings .govuk-summary-list__row').allInnerTexts();
    const row = (what: string) => rows.find((r) => r.startsWith(what))?.replace(/\s+/g, ' ');
    expect(row('Your account: name, email address and phone number')).toContain('1 record');
    expect(row('Bookings you made or are the contact for')).toContain('1 record Kept: Six years, for the hub’s accounts. The contact phone is cleared 30 days after the booking ends.');
    expect(row('The groups you belong to')).toContain('1 record');
    expect(row('Your volunteer places, attendance and hours')).toBeUndefined();
    await check(s.page, 'Your data (hirer)');
    await screenshot(s.page, 'mydata-1-your-data', 1024);
  });

  it('the zip of CSV files holds my account and my booking, and nobody else’s', async () => {
    const files = unzipSync(new Uint8Array(await download(s.page, '/account/data.zip')));
    expect(Object.keys(files)).toEqual(expect.arrayContaining(['README.txt', 'users.csv', 'bookings.csv', 'organisations.csv']));
    expect(strFromU8(files['users.csv'])).toContain('community@example.org');
    expect(strFromU8(files['bookings.csv'])).toContain('Cara’s craft morning');
    expect(strFromU8(files['organisations.csv'])).toContain('Tuesday Memory Café');
    const all = Object.values(files).map((f) => strFromU8(f)).join('\n');
    for (const other of SEEDED.filter((e) => e !== 'community@example.org')) expect(all).not.toContain(other);
    expect(all).not.toContain('Carers Together');
  });

  it('the JSON holds the same', async () => {
    const data = JSON.parse((await download(s.page, '/account/data.json')).toString('utf8'));
    expect(data.userId).toBe(server.seed.users.community.id);
    expect(data.sections.users.map((u: { email: string }) => u.email)).toEqual(['community@example.org']);
    expect(data.sections.bookings.map((b: { title: string }) => b.title)).toEqual(['Cara’s craft morning']);
    const all = JSON.stringify(data);
    for (const other of SEEDED.filter((e) => e !== 'community@example.org')) expect(all).not.toContain(other);
  });

  it('deleting: refused while her group has bookings ahead, with what to do; nothing erased', async () => {
    await s.page.goto(`${server.url}/account/data`);
    await s.page.getByRole('link', { name: 'Delete your account' }).click();
    await s.page.waitForURL(`${server.url}/account/delete`);
    expect(await s.page.locator('h1').innerText()).toBe('You cannot delete your account yet');
    const text = await mainText(s.page);
    expect(text).toMatch(/Tuesday Memory Café: \d+ bookings ahead/);
    expect(text).toContain('invite another person to join the group');
    expect(text).toContain('Nothing has been deleted');
    expect(await s.page.getByRole('link', { name: 'cancel those bookings' }).getAttribute('href')).toBe('/bookings');
    await check(s.page, 'Delete your account: refused (last member of a group with bookings ahead)');
    await screenshot(s.page, 'mydata-4-refused', 1024);
    expect((await userRow('community')).erasedAt).toBeNull();
  });
});

describe('a staff member reaches their data from the staff pages', () => {
  const s = ownPage(env, 'staff@example.org');
  it('Your account, then Your data: what they recorded as staff', async () => {
    await s.page.goto(`${server.url}/staff/today`);
    await s.page.getByRole('link', { name: 'Your account' }).click();
    await s.page.waitForURL(`${server.url}/account`);
    await s.page.getByRole('link', { name: 'Your data' }).last().click();
    const text = await mainText(s.page);
    expect(text).toContain('Your roles at hubs (staff, volunteer)');
    expect(text).toContain('Prices you set as staff');
    expect(text).toContain('Decisions you made as staff about a group’s rate, and the evidence');
  });
});

describe('a volunteer’s data, and deleting her account with the keyboard alone', () => {
  const s = ownPage(env, 'volunteer@example.org');
  const unseen: string[] = [];

  it('her shifts and hours are listed and in the download', async () => {
    await s.page.goto(`${server.url}/account/data`);
    const rows = await s.page.locator('#holdings .govuk-summary-list__row').allInnerTexts();
    const places = rows.find((r) => r.startsWith('Your volunteer places, attendance and hours'))!.replace(/\s+/g, ' ');
    expect(places).toMatch(/\d+ records Kept: Six years, for reports to funders; without your name once you delete your account/);
    await check(s.page, 'Your data (volunteer)');
    const data = JSON.parse((await download(s.page, '/account/data.json')).toString('utf8'));
    expect(data.sections.users.map((u: { email: string }) => u.email)).toEqual(['volunteer@example.org']);
    expect(data.sections.shiftSignups.every((p: { userId: string }) => p.userId === server.seed.users.volunteer.id)).toBe(true);
    expect(data.sections.shiftSignups.length).toBeGreaterThanOrEqual(4);
    for (const other of SEEDED.filter((e) => e !== 'volunteer@example.org')) expect(JSON.stringify(data)).not.toContain(other);
  });

  it('the question page says what is erased and what is kept; without the confirmation: an error summary, nothing erased', async () => {
    await s.page.goto(`${server.url}/account/delete`);
    expect(await s.page.locator('h1').innerText()).toBe('Delete your account');
    expect(await s.page.locator('.govuk-warning-text').innerText()).toContain('Deleting your account cannot be undone');
    expect(await s.page.locator('#kept').innerText()).toContain('Volunteer attendance and hours (3): Shifts you attended stay, without your name');
    expect(await s.page.locator('#erased').innerText()).toContain('Your name, email address and phone number. You can no longer sign in.');
    await check(s.page, 'Delete your account');
    await screenshot(s.page, 'mydata-2-delete', 1024);
    await tabTo(s.page, 'main button.govuk-button--warning', unseen);
    await s.page.keyboard.press('Enter');
    // The answer is the same path: wait for the page it brings (its error summary), not the response alone.
    await s.page.locator('.govuk-error-summary').waitFor();
    expect(await s.page.title()).toBe('Error: Delete your account – Hubkey');
    expect(await errorSummary(s.page)).toContain('Confirm that you want to delete your account');
    await check(s.page, 'Delete your account: not confirmed');
    await screenshot(s.page, 'mydata-3-delete-error', 1024);
    expect((await userRow('volunteer')).erasedAt).toBeNull();
  });

  it('confirmed with Tab, Space and Enter: signed out, the confirmation says what was kept, and she can no longer sign in', async () => {
    // The error summary's link takes the focus to the checkbox.
    await tabTo(s.page, '.govuk-error-summary a[href="#confirm"]', unseen);
    await s.page.keyboard.press('Enter');
    expect(await s.page.evaluate('document.activeElement.id')).toBe('confirm');
    await s.page.keyboard.press('Space');
    expect(await s.page.isChecked('#confirm')).toBe(true);
    await tabTo(s.page, 'main button.govuk-button--warning', unseen);
    await s.page.keyboard.press('Enter');
    await s.page.waitForURL(`${server.url}/account/deleted`);
    expect(unseen).toEqual([]);
    expect(await s.page.locator('h1').innerText()).toBe('Your account has been deleted');
    const kept = await s.page.locator('#kept').innerText();
    expect(kept).toContain("Volunteer attendance and hours (3): Shifts you attended stay, without your name, so the volunteer hours in the hub's reports to funders do not change.");
    expect(kept).toContain('Erasure record: A record that your data was erased');
    expect(await s.page.getByRole('button', { name: 'Sign out' }).count()).toBe(0);
    await check(s.page, 'Account deleted');
    await screenshot(s.page, 'mydata-5-deleted', 1024);
    const val = await userRow('volunteer');
    expect(val.erasedAt).not.toBeNull();
    expect(val.email).not.toBe('volunteer@example.org');
    await s.page.goto(`${server.url}/account`);
    expect(new URL(s.page.url()).pathname).toBe('/sign-in');
    await s.page.fill('#email', 'volunteer@example.org');
    await s.page.fill('#password', 'hubkey-demo');
    await s.page.click('button:has-text("Sign in")');
    expect(await errorSummary(s.page)).toContain('The email address or password is not right');
  });
});

describe('without JavaScript', () => {
  let context: BrowserContext;
  let page: Page;
  beforeAll(async () => {
    context = await newContext(browser, { javaScriptEnabled: false });
    page = await context.newPage();
    await signIn(server, page, 'private@example.org');
  });
  afterAll(() => context.close());

  it('downloads, then deletes the account: the error, then the confirmation of what was kept', async () => {
    await page.goto(`${server.url}/account/data`);
    expect(await page.locator('body').getAttribute('class')).not.toContain('js-enabled');
    const files = unzipSync(new Uint8Array(await download(page, '/account/data.zip')));
    expect(strFromU8(files['users.csv'])).toContain('private@example.org');
    expect(strFromU8(files['organisations.csv'])).toContain('Brightside Consulting Ltd');
    await page.getByRole('link', { name: 'Delete your account' }).click();
    await page.click('main button:has-text("Delete your account")');
    expect(await errorSummary(page)).toContain('Confirm that you want to delete your account');
    expect((await userRow('private')).erasedAt).toBeNull();
    await page.check('#confirm');
    await page.click('main button:has-text("Delete your account")');
    await page.waitForURL(`${server.url}/account/deleted`);
    const kept = await page.locator('#kept').innerText();
    expect(kept).toContain('Organisations (1): Organisations you set up belong to their group and stay');
    expect((await userRow('private')).erasedAt).not.toBeNull();
    // axe and the measurements run scripts in the page: check the same page with JavaScript on.
    const withJs = await newContext(browser);
    await withJs.addCookies(await context.cookies());
    const checked = await withJs.newPage();
    await checked.goto(page.url());
    expect(await checked.locator('h1').innerText()).toBe('Your account has been deleted');
    await check(checked, 'Account deleted (JavaScript off)');
    await screenshot(checked, 'mydata-6-deleted-phone', 390);
    await withJs.close();
  });
});
