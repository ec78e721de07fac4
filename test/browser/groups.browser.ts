import type { Browser, BrowserContext, Page } from 'playwright-core';
import { check, newContext, screenshot, type Server } from './harness';
import { banner, errorSummary, ownPage, serverWithCarasBooking, tabTo } from './volweb-helpers';

/**
 * A group's page and "Invite someone to the group" in a real browser, through the real server on an
 * embedded database seeded with the demo network, the clock at Monday 30 November 2026, 9am. Cara
 * (community@), the only member of Tuesday Memory Café, is refused deleting her account and follows
 * its link to invite Nell with the keyboard alone; Nell accepts with JavaScript off, making her
 * account, and sees the group. Chris (charity@), of another group, gets 404 for its pages.
 */
const NOW = '2026-11-30T09:00:00Z';
let server: Server;
let browser: Browser;
const env = () => ({ server, browser });
let link = '';

const shared = serverWithCarasBooking(NOW, 'groups-browser-report.json');
beforeAll(() => {
  ({ server, browser } = shared);
});

const mainText = async (page: Page) => (await page.locator('main').innerText()).replace(/\s+/g, ' ');
const groupPath = () => `/account/organisations/${server.seed.organisations.community.id}`;
/** The group's invitations still waiting, as the service tells a member (Cara). */
const waiting = async () => server.container.services.invitations.waitingForOrganisation((await server.container.repos.users.loadActor(server.seed.users.community.id))!, server.seed.organisations.community.id);

describe('signed out', () => {
  const s = ownPage(env);
  it.each(['', '/invite'])('the group page%s sends the visitor to sign in, and back after', async (tail) => {
    await s.page.goto(`${server.url}${groupPath()}${tail}`);
    expect(new URL(s.page.url()).pathname).toBe('/sign-in');
    expect(new URL(s.page.url()).searchParams.get('next')).toBe(`${groupPath()}${tail}`);
  });
});

describe('Cara invites Nell with the keyboard alone', () => {
  const s = ownPage(env, 'community@example.org');
  const unseen: string[] = [];

  it('the account page links her group; its page says its standing and lists her as its only member', async () => {
    await s.page.goto(`${server.url}/account`);
    await s.page.getByRole('link', { name: 'Tuesday Memory Café' }).click();
    await s.page.waitForURL(`${server.url}${groupPath()}`);
    expect(await s.page.title()).toBe('Tuesday Memory Café – Hubkey');
    const text = await mainText(s.page);
    expect(text).toMatch(/Checked by staff|Waiting for staff to check/);
    expect(await s.page.locator('#members tbody tr').allInnerTexts()).toEqual([expect.stringContaining('(you)')]);
    expect(text).toContain('No invitations are waiting to be accepted');
    await check(s.page, 'Your group');
    await screenshot(s.page, 'groups-1-group', 1024);
  });

  it('the delete refusal links the invite page of her group', async () => {
    await s.page.goto(`${server.url}/account/delete`);
    expect(await s.page.locator('h1').innerText()).toBe('You cannot delete your account yet');
    await s.page.getByRole('link', { name: 'invite someone to Tuesday Memory Café' }).click();
    await s.page.waitForURL(`${server.url}${groupPath()}/invite`);
    expect(await s.page.title()).toBe('Invite someone to the group – Hubkey');
    await check(s.page, 'Invite someone to the group');
    await screenshot(s.page, 'groups-2-invite', 1024);
  });

  it('a wrong email: the error summary, nothing made; then Tab, type and Enter make the invitation', async () => {
    await s.page.goto(`${server.url}${groupPath()}`);
    await tabTo(s.page, `main a[href="${groupPath()}/invite"]`, unseen);
    await s.page.keyboard.press('Enter');
    await s.page.waitForURL(`${server.url}${groupPath()}/invite`);
    await tabTo(s.page, '#email', unseen);
    await s.page.keyboard.type('nell.example.org');
    await tabTo(s.page, 'main button.govuk-button', unseen);
    await s.page.keyboard.press('Enter');
    await s.page.locator('.govuk-error-summary').waitFor();
    expect(await s.page.title()).toBe('Error: Invite someone to the group – Hubkey');
    expect(await errorSummary(s.page)).toContain('Enter an email address in the right format, like name@example.org');
    expect(await waiting()).toEqual([]);
    await check(s.page, 'Invite someone to the group: wrong email');
    await screenshot(s.page, 'groups-3-invite-error', 1024);

    await tabTo(s.page, '.govuk-error-summary a[href="#email"]', unseen);
    await s.page.keyboard.press('Enter');
    expect(await s.page.evaluate('document.activeElement.id')).toBe('email');
    await s.page.keyboard.press('ControlOrMeta+a');
    await s.page.keyboard.type('nell@example.org');
    await s.page.keyboard.press('Tab');
    await s.page.keyboard.type('07700 900456');
    await tabTo(s.page, 'main button.govuk-button', unseen);
    await s.page.keyboard.press('Enter');
    await s.page.waitForURL(`${server.url}${groupPath()}/invited`);
    expect(unseen).toEqual([]);
    expect(await s.page.locator('.govuk-panel').innerText()).toContain('We have sent an invitation to 07700 900456 by text');
    link = await s.page.locator('#link').innerText();
    expect(link).toMatch(new RegExp(`^${server.url}/invitations/[A-Za-z0-9_-]{43}$`));
    await check(s.page, 'Invitation made');
    await screenshot(s.page, 'groups-4-invited', 1024);
    expect((await waiting()).map((w) => [w.email, w.texted])).toEqual([['nell@example.org', true]]);
  });

  it('the group page lists the invitation as waiting, when it lapses, and a button to cancel it', async () => {
    await s.page.goto(`${server.url}${groupPath()}`);
    expect((await s.page.locator('#waiting li').innerText()).replace(/\s+/g, ' ')).toMatch(/^nell@example.org: the link works until 9am on Monday 7 December \(also sent by text\) Cancel invitation/);
    expect(await s.page.getByRole('button', { name: 'Cancel invitation for nell@example.org' }).count()).toBe(1);
    // The only member: no way to leave, and the page says why.
    expect(await s.page.getByRole('link', { name: 'Leave this group' }).count()).toBe(0);
    expect(await mainText(s.page)).toContain('You are the group’s only member, so you cannot leave it');
    await check(s.page, 'Your group (an invitation waiting)');
  });
});

describe('another group’s member', () => {
  const s = ownPage(env, 'charity@example.org');
  it.each(['', '/invite'])('gets Page not found for the group page%s', async (tail) => {
    const res = await s.page.goto(`${server.url}${groupPath()}${tail}`);
    expect(res!.status()).toBe(404);
    expect(await s.page.locator('h1').innerText()).toBe('Page not found');
    expect(await mainText(s.page)).not.toContain('Tuesday Memory Café');
  });
});

describe('Nell accepts with JavaScript off', () => {
  let context: BrowserContext;
  let page: Page;
  beforeAll(async () => {
    context = await newContext(browser, { javaScriptEnabled: false });
    page = await context.newPage();
  });
  afterAll(() => context.close());

  it('the link’s page says what she is invited to; checked with JavaScript on', async () => {
    const look = await newContext(browser);
    const p = await look.newPage();
    await p.goto(link);
    expect(await p.locator('h1').innerText()).toBe('You are invited to join Tuesday Memory Café');
    expect(await mainText(p)).toContain('The invitation is for nell@example.org. It works until 9am on Monday 7 December.');
    await check(p, 'Invitation');
    await screenshot(p, 'groups-5-invitation-phone', 390);
    await look.close();
  });

  it('no password: the error, nothing joined; then her name and a new password make her account, and she sees the group', async () => {
    await page.goto(link);
    expect(await page.locator('body').getAttribute('class')).not.toContain('js-enabled');
    await page.click('main button:has-text("Accept the invitation")');
    expect(await page.title()).toMatch(/^Error: You are invited to join Tuesday Memory Café/);
    expect(await errorSummary(page)).toContain('Enter a password');
    expect(await waiting()).toHaveLength(1);
    await page.fill('#name', 'Nell Newcomer');
    await page.fill('#password', 'a long enough password 42');
    await page.click('main button:has-text("Accept the invitation")');
    await page.waitForURL(`${server.url}${groupPath()}`);
    expect(await banner(page)).toContain('You have joined Tuesday Memory Café');
    const members = (await page.locator('#members tbody tr').allInnerTexts()).map((r) => r.replace(/\s+/g, ' ').trim());
    expect(members).toEqual([expect.stringMatching(/^Cara .* Remove Cara /), 'Nell Newcomer (you) nell@example.org Leave this group']);
    expect(await mainText(page)).toContain('No invitations are waiting to be accepted');
    await page.goto(`${server.url}/account`);
    expect(await page.getByRole('link', { name: 'Tuesday Memory Café' }).count()).toBe(1);

    const withJs = await newContext(browser);
    await withJs.addCookies(await context.cookies());
    const checked = await withJs.newPage();
    await checked.goto(`${server.url}${groupPath()}`);
    await check(checked, 'Your group (after joining)');
    await screenshot(checked, 'groups-6-joined-phone', 390);
    await withJs.close();
  });

  it('the link works once', async () => {
    const res = await page.goto(link);
    expect(res!.status()).toBe(409);
    expect(await page.locator('h1').innerText()).toBe('This invitation has already been accepted');
  });
});

describe('Cara removes Nell, who has left the café', () => {
  const s = ownPage(env, 'community@example.org');

  it('the Remove link asks first: the question, a warning, a red button and Cancel', async () => {
    await s.page.goto(`${server.url}${groupPath()}`);
    await s.page.getByRole('link', { name: 'Remove Nell Newcomer' }).click();
    await s.page.waitForURL(/\/members\/[0-9a-f-]{36}\/remove$/);
    expect(await s.page.title()).toBe('Remove Nell Newcomer from Tuesday Memory Café? – Hubkey');
    expect(await s.page.locator('.govuk-warning-text').innerText()).toContain('Nell Newcomer will no longer be able to book for Tuesday Memory Café');
    expect(await s.page.locator('main button.govuk-button--warning').innerText()).toBe('Remove Nell Newcomer');
    expect(await s.page.getByRole('link', { name: 'Cancel' }).getAttribute('href')).toBe(groupPath());
    await check(s.page, 'Remove a member');
    await screenshot(s.page, 'groups-7-remove', 390);
  });

  it('the red button removes her and says so; Cara, the only member again, is told why she cannot leave', async () => {
    await s.page.click('main button.govuk-button--warning');
    await s.page.waitForURL(`${server.url}${groupPath()}`);
    expect(await banner(s.page)).toContain('Nell Newcomer has been removed from Tuesday Memory Café');
    expect(await s.page.locator('#members tbody tr').count()).toBe(1);
    await s.page.goto(`${server.url}${groupPath()}/members/${server.seed.users.community.id}/remove`);
    expect(await s.page.locator('h1').innerText()).toBe('You cannot leave the group yet');
    expect(await s.page.locator('main button.govuk-button--warning').count()).toBe(0);
    await check(s.page, 'You cannot leave the group yet');
  });
});
