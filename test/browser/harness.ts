import AxeBuilder from '@axe-core/playwright';
import { HtmlValidate } from 'html-validate';
import { mkdirSync, writeFileSync } from 'node:fs';
import { type AddressInfo, createServer } from 'node:net';
import { join } from 'node:path';
import { type Browser, type BrowserContext, type Page, chromium } from 'playwright-core';
import { buildApp, type App } from '../../src/app';
import { loadConfig } from '../../src/config/env';
import { type Container, createContainer } from '../../src/container';
import { openDatabase } from '../../src/db/client';
import { seedDemo } from '../../src/db/seed';
import { FixedClock } from '../../src/lib/clock';
import { silentLogger } from '../../src/lib/logger';
import { type FakeStripe, startFakeStripe } from '../fakes/fake-stripe';

/** Debian's Chromium (.ci/run installs it with apt when it is missing); CHROMIUM_PATH overrides. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const SCREENSHOTS = join(__dirname, '..', '..', 'docs', 'screenshots');
export const WCAG_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];

export interface Server {
  url: string;
  app: App;
  container: Container;
  clock: FixedClock;
  seed: Awaited<ReturnType<typeof seedDemo>>;
  stripe?: FakeStripe;
  close(): Promise<void>;
}

/** The real server on a free port, on an embedded database migrated and seeded with the demo network. */
export async function startServer(opts: { now: string; stripe?: boolean }): Promise<Server> {
  const clock = new FixedClock(opts.now);
  const stripe = opts.stripe ? await startFakeStripe({ now: () => clock.now() }) : undefined;
  // A free port first: Stripe sends people back to PUBLIC_URL, so the address must be known before the app is built.
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const database = await openDatabase({ dataDir: 'memory://' });
  await database.migrate();
  const seed = await seedDemo(database.db, { today: clock.now() });
  const config = loadConfig({
    NODE_ENV: 'test',
    JWT_SECRET: 'browser-test-secret-that-is-long-enough-0123456789',
    ACCESS_CODE_KEY: '00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff',
    LOGIN_RATE_LIMIT: '1000',
    PORT: String(port),
    PUBLIC_URL: url,
    ...(stripe ? { STRIPE_SECRET_KEY: 'sk_test_browser', STRIPE_WEBHOOK_SECRET: 'whsec_browser', STRIPE_API_BASE: stripe.url } : {}),
  });
  // Seeded code randomness, so the door code in the committed screenshot stays the same run to run.
  let state = 7;
  const random = (n: number) => (state = (state * 48271) % 2147483647) % n;
  const container = await createContainer(config, { clock, database, logger: silentLogger, selfEntry: { random } });
  const app = await buildApp(container);
  await app.listen({ port, host: '127.0.0.1' });
  return {
    url,
    app,
    container,
    clock,
    seed,
    stripe,
    async close() {
      await app.close();
      await container.close();
      await stripe?.close();
    },
  };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

export async function launch(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
}

/** The HTML the server sent for each page's current document (what html-validate checks, not the DOM after scripts ran). */
const served = new WeakMap<Page, Promise<string>>();

export async function newContext(browser: Browser, opts: { javaScriptEnabled?: boolean } = {}): Promise<BrowserContext> {
  const context = await browser.newContext({ viewport: { width: 1024, height: 800 }, javaScriptEnabled: opts.javaScriptEnabled ?? true, locale: 'en-GB' });
  context.on('response', (response) => {
    const request = response.request();
    const page = request.frame().page();
    if (request.resourceType() !== 'document' || request.frame() !== page.mainFrame() || response.status() >= 300 && response.status() < 400) return;
    // A page navigated away before its body was read has none to give: that rejection is expected
    // (check() falls back to page.content()), so it must not surface as an unhandled one.
    const text = response.text();
    text.catch(() => undefined);
    served.set(page, text);
  });
  return context;
}

const validator = new HtmlValidate({
  extends: ['html-validate:recommended'],
  rules: {
    // govuk-frontend's macros write their markup this way (fieldsets keep role="group" for older
    // screen readers on purpose); none of these is a validity problem.
    'no-redundant-role': 'off',
    'no-trailing-whitespace': 'off',
    'attribute-boolean-style': 'off',
    'void-style': 'off',
    'no-inline-style': 'error',
    // A group of checkboxes shares one name, as HTML intends.
    'form-dup-name': ['error', { shared: ['radio', 'checkbox', 'button', 'reset', 'submit'] }],
    'long-title': 'off',
  },
});

/** Runs in the page (a string: the project's TypeScript has no DOM types): the page's width and its controls smaller than 24×24. */
const MEASURE_AT_320 = `(() => {
  const width = document.documentElement.scrollWidth;
  const small = [];
  for (const el of document.querySelectorAll('a[href], button, input:not([type=hidden]), select, textarea, summary')) {
    const r = el.getBoundingClientRect();
    const style = getComputedStyle(el);
    if (style.visibility === 'hidden' || style.display === 'none' || r.width === 0 || r.height === 0) continue;
    if (el.closest('.govuk-visually-hidden, .govuk-skip-link')) continue;
    // WCAG 2.5.8's inline exception: a link in a sentence or a list of words.
    const inline = el.tagName === 'A' && style.display === 'inline' && el.parentElement && /^(P|LI|TD|DD|SPAN|TH)$/.test(el.parentElement.tagName);
    if (inline) continue;
    if (r.width < 24 || r.height < 24) small.push(el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + ' ' + Math.round(r.width) + 'x' + Math.round(r.height) + ' "' + (el.textContent || '').trim().slice(0, 30) + '"');
  }
  return { width, small };
})()`;

export interface PageResult {
  name: string;
  path: string;
  axeViolations: number;
  htmlErrors: number;
  widthAt320: number;
  smallTargets: string[];
  unfocusable?: string;
}
export const results: PageResult[] = [];

/**
 * Checks the page as it stands: axe-core (WCAG 2.2 AA tags) and html-validate report nothing,
 * nothing scrolls sideways at 320 CSS pixels, and every control is at least 24×24 pixels
 * (links inside a sentence are exempt, as WCAG 2.5.8 says). Records the figures for the report.
 */
export async function check(page: Page, name: string): Promise<PageResult> {
  const axe = await new AxeBuilder({ page }).withTags(WCAG_TAGS).analyze();
  const html = (await served.get(page)) ?? (await page.content());
  const report = await validator.validateString(html);
  const messages = report.results.flatMap((r) => r.messages.filter((m) => m.severity === 2).map((m) => `${m.ruleId}: ${m.message} (${m.selector})`));
  const size = page.viewportSize()!;
  await page.setViewportSize({ width: 320, height: 640 });
  const narrow = (await page.evaluate(MEASURE_AT_320)) as { width: number; small: string[] };
  await page.setViewportSize(size);
  const result: PageResult = {
    name,
    path: new URL(page.url()).pathname,
    axeViolations: axe.violations.length,
    htmlErrors: messages.length,
    widthAt320: narrow.width,
    smallTargets: narrow.small,
  };
  results.push(result);
  const detail = { axe: axe.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`), html: messages, small: narrow.small };
  expect({ name, ...detail, widthAt320: narrow.width <= 320 }).toEqual({ name, axe: [], html: [], small: [], widthAt320: true });
  return result;
}

/** A screenshot for the README, from the page as it is, at a phone's or a laptop's width. */
export async function screenshot(page: Page, file: string, width = 1024) {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const size = page.viewportSize()!;
  if (width !== size.width) await page.setViewportSize({ width, height: 800 });
  await page.screenshot({ path: join(SCREENSHOTS, `${file}.png`), fullPage: true });
  if (width !== size.width) await page.setViewportSize(size);
}

/** Writes what the run measured (per page: axe violations, html-validate errors, width at 320px; page weights). */
export function writeReport(extra: Record<string, unknown>, file = 'browser-report.json') {
  const out = join(__dirname, '..', '..', 'test-results');
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, file), JSON.stringify({ pages: results, ...extra }, null, 2));
}
