import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launch, newContext, results, startServer, type Server } from './harness';

/** Helpers the browser files share (the hirer's journey keeps its own sign-in). */

/**
 * The demo server at `now` with a browser, for a whole file, where Cara (community@) has first
 * booked a craft morning of her own (so her group has bookings ahead); closed after the file,
 * its report written as `report`.
 */
export function serverWithCarasBooking(now: string, report: string) {
  const env = {} as { server: Server; browser: Browser };
  beforeAll(async () => {
    [env.server, env.browser] = await Promise.all([startServer({ now }), launch()]);
    const { server } = env;
    const cara = (await server.container.repos.users.loadActor(server.seed.users.community.id))!;
    await server.container.services.bookings.create(cara, {
      roomId: server.seed.rooms['Meeting Room'].id,
      organisationId: server.seed.organisations.community.id,
      startsAt: '2026-12-09T10:00',
      endsAt: '2026-12-09T12:00',
      title: 'Cara’s craft morning',
      attendees: 6,
    });
  });
  afterAll(async () => {
    writeOwnReport(report);
    await env.browser?.close();
    await env.server?.close();
  });
  return env;
}

export async function signIn(server: Server, page: Page, email: string) {
  await page.goto(`${server.url}/sign-in`);
  await page.fill('#email', email);
  await page.fill('#password', 'hubkey-demo');
  await page.click('button:has-text("Sign in")');
  await page.waitForURL((u) => !u.pathname.startsWith('/sign-in'));
}

/** A page in a browser context of its own for one describe block, signed in when asked. */
export function ownPage(get: () => { server: Server; browser: Browser }, signInAs?: string) {
  const s = {} as { context: BrowserContext; page: Page };
  beforeAll(async () => {
    const { server, browser } = get();
    s.context = await newContext(browser);
    s.page = await s.context.newPage();
    if (signInAs) await signIn(server, s.page, signInAs);
  });
  afterAll(() => s.context.close());
  return s;
}

export async function errorSummary(page: Page): Promise<string> {
  return (await page.locator('.govuk-error-summary').innerText()).replace(/\s+/g, ' ');
}

export async function banner(page: Page): Promise<string> {
  return (await page.locator('.govuk-notification-banner').innerText()).replace(/\s+/g, ' ');
}

/** Runs in the page: '' when the focused element shows a visible focus indicator, else what lacks one. */
export const FOCUS_VISIBLE = `(() => {
  const el = document.activeElement;
  if (!el || el === document.body) return 'nothing is focused';
  const shown = (s) => (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0 && s.outlineColor !== 'rgba(0, 0, 0, 0)') || (s.boxShadow && s.boxShadow !== 'none') || s.backgroundColor === 'rgb(255, 191, 71)';
  const target = (el.type === 'radio' || el.type === 'checkbox') && el.nextElementSibling ? getComputedStyle(el.nextElementSibling, '::before') : getComputedStyle(el);
  return shown(target) ? '' : el.outerHTML.slice(0, 100);
})()`;

/** Tabs until the focused element matches, collecting any stop whose focus was not visible. */
export async function tabTo(page: Page, selector: string, unseen: string[], max = 80) {
  for (let i = 0; i < max; i++) {
    await page.keyboard.press('Tab');
    const missing = (await page.evaluate(FOCUS_VISIBLE)) as string;
    if (missing) unseen.push(`${new URL(page.url()).pathname}: ${missing}`);
    if (await page.evaluate((s) => Boolean((globalThis as unknown as { document: { activeElement: { matches(s: string): boolean } } }).document.activeElement?.matches(s)), selector)) return;
  }
  throw new Error(`Tab never reached ${selector} on ${page.url()}`);
}

/** This file's per-page figures (axe, html-validate, width at 320px), beside the hirer run's report. */
export function writeOwnReport(file: string) {
  const out = join(__dirname, '..', '..', 'test-results');
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, file), JSON.stringify({ pages: results }, null, 2));
}
