import { eq, sql } from 'drizzle-orm';
import ICAL from 'ical.js';
import { bookings, calendarTokens } from '../../src/db/schema';
import { createTestApp, type TestApp } from '../helpers/app';
import { expectProblem } from '../helpers/factories';
import { createShift, makeRotaWorld, type RotaWorld } from '../helpers/rota';

let t: TestApp;
let w: RotaWorld;
beforeAll(async () => {
  t = await createTestApp();
  w = await makeRotaWorld(t);
});
afterAll(() => t.close());

interface FeedEvent {
  uid: string;
  sequence: number;
  status: string;
  start: string;
  end: string;
  summary: string;
  alarms: number;
}
/** Reads a feed back with a real RFC 5545 parser (Mozilla's ical.js). */
function parseFeed(text: string): FeedEvent[] {
  const cal = new ICAL.Component(ICAL.parse(text));
  expect(cal.name).toBe('vcalendar');
  expect(cal.getFirstPropertyValue('version')).toBe('2.0');
  return cal.getAllSubcomponents('vevent').map((v) => {
    const e = new ICAL.Event(v);
    return {
      uid: e.uid,
      sequence: e.sequence,
      status: String(v.getFirstPropertyValue('status')),
      start: e.startDate.toJSDate().toISOString(),
      end: e.endDate.toJSDate().toISOString(),
      summary: e.summary,
      alarms: v.getAllSubcomponents('valarm').length,
    };
  });
}
const pathOf = (url: string) => new URL(url).pathname;
const feedOf = async (url: string) => {
  const res = await t.http.get(pathOf(url));
  expect(res.status).toBe(200);
  expect(res.headers['content-type']).toMatch(/^text\/calendar/);
  return parseFeed(res.text);
};

describe('calendar feed', () => {
  it('gives a long secret URL, the same each time, stored only hashed and encrypted', async () => {
    const a = await t.http.get('/me/calendar-url').set(w.ann.auth);
    expect(a.status).toBe(200);
    expect(a.body.url).toMatch(/^http:\/\/hubkey\.test\/calendar\/[A-Za-z0-9_-]{43}\.ics$/);
    expect((await t.http.get('/me/calendar-url').set(w.ann.auth)).body.url).toBe(a.body.url);
    const token = pathOf(a.body.url).slice('/calendar/'.length, -4);
    const [row] = await t.container.database.db.select().from(calendarTokens).where(eq(calendarTokens.userId, w.ann.id));
    expect(JSON.stringify(row)).not.toContain(token);
    expectProblem(await t.http.get('/me/calendar-url'), 401, 'unauthenticated');
  });

  it("holds my shifts with alarms, keeps a stable UID, raises SEQUENCE on a change and keeps a cancellation", async () => {
    const s = await createShift(t, w.staff, w.hub.id, { role: 'opener', startsAt: '2026-03-10T18:30:00', endsAt: '2026-03-10T19:00:00' });
    await t.http.post(`/shifts/${s.body.id}/signup`).set(w.ann.auth).expect(201);
    const { body } = await t.http.get('/me/calendar-url').set(w.ann.auth);
    let events = await feedOf(body.url);
    const first = events.find((e) => e.uid.startsWith(`shift-${s.body.id}@`))!;
    expect(first).toMatchObject({ status: 'CONFIRMED', start: '2026-03-10T18:30:00.000Z', end: '2026-03-10T19:00:00.000Z', summary: 'Opener shift', alarms: 1 });

    await t.http.patch(`/shifts/${s.body.id}`).set(w.staff.auth).send({ endsAt: '2026-03-10T19:15:00' }).expect(200);
    events = await feedOf(body.url);
    const moved = events.find((e) => e.uid === first.uid)!;
    expect(moved.end).toBe('2026-03-10T19:15:00.000Z');
    expect(moved.sequence).toBeGreaterThan(first.sequence);

    await t.http.delete(`/shifts/${s.body.id}`).set(w.staff.auth).send({ reason: 'Hall flooded' }).expect(200);
    events = await feedOf(body.url);
    const gone = events.find((e) => e.uid === first.uid)!;
    expect(gone.status).toBe('CANCELLED');
    expect(gone.sequence).toBeGreaterThan(moved.sequence);
    expect(gone.alarms).toBe(0);

    // A place I leave shows as cancelled too.
    const other = await createShift(t, w.staff, w.hub.id, { role: 'welcome', startsAt: '2026-03-20T10:00:00', endsAt: '2026-03-20T12:00:00' });
    await t.http.post(`/shifts/${other.body.id}/signup`).set(w.ann.auth).expect(201);
    const before = (await feedOf(body.url)).find((e) => e.uid.startsWith(`shift-${other.body.id}@`))!;
    await t.http.post(`/shifts/${other.body.id}/withdraw`).set(w.ann.auth).expect(200);
    const after = (await feedOf(body.url)).find((e) => e.uid === before.uid)!;
    expect(after.status).toBe('CANCELLED');
    expect(after.sequence).toBeGreaterThan(before.sequence);
  });

  it("holds my organisations' bookings, a cancelled one as CANCELLED with a higher SEQUENCE; nobody else's", async () => {
    const bk = await t.http.post('/bookings').set(w.hirer.auth).send({ roomId: w.room.id, organisationId: w.org.id, title: 'Choir practice', attendees: 12, startsAt: '2026-03-11T18:00:00', endsAt: '2026-03-11T20:00:00' });
    expect(bk.status).toBe(201);
    const { body } = await t.http.get('/me/calendar-url').set(w.hirer.auth);
    const events = await feedOf(body.url);
    const ev = events.find((e) => e.uid.startsWith(`booking-${bk.body.id}@`))!;
    expect(ev).toMatchObject({ status: 'CONFIRMED', summary: 'Choir practice (Hall)', start: '2026-03-11T18:00:00.000Z', alarms: 1 });
    // As if it had been booked a minute ago.
    await t.container.database.db.update(bookings).set({ updatedAt: sql`now() - interval '1 minute'` }).where(eq(bookings.id, bk.body.id));
    const earlier = (await feedOf(body.url)).find((e) => e.uid === ev.uid)!;
    await t.http.post(`/bookings/${bk.body.id}/cancel`).set(w.hirer.auth).send({ reason: 'Clash' }).expect(200);
    const cancelled = (await feedOf(body.url)).find((e) => e.uid === ev.uid)!;
    expect(cancelled.status).toBe('CANCELLED');
    expect(cancelled.sequence).toBeGreaterThan(earlier.sequence);

    const strangers = await feedOf((await t.http.get('/me/calendar-url').set(w.stranger.auth)).body.url);
    expect(strangers.find((e) => e.uid === ev.uid)).toBeUndefined();
  });

  it('rotating replaces the URL and the old one stops working; unknown tokens are 404', async () => {
    const old = (await t.http.get('/me/calendar-url').set(w.bob.auth)).body.url;
    const rotated = await t.http.post('/me/calendar-url/rotate').set(w.bob.auth);
    expect(rotated.status).toBe(200);
    expect(rotated.body.url).not.toBe(old);
    expectProblem(await t.http.get(pathOf(old)), 404, 'not_found');
    expect((await t.http.get(pathOf(rotated.body.url))).status).toBe(200);
    expectProblem(await t.http.get('/calendar/short.ics'), 404, 'not_found');
    expectProblem(await t.http.get(`/calendar/${'A'.repeat(43)}.ics`), 404, 'not_found');
  });
});
