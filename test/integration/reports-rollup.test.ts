import { eq, sql } from 'drizzle-orm';
import { DateTime } from 'luxon';
import { accessCodeDoors, accessCodes, bookings, closures, doors, hubs, organisations } from '../../src/db/schema';
import { JOBS, runJob } from '../../src/worker/jobs';
import { createTestApp, type TestApp } from '../helpers/app';
import { addRole, makeHub, makeOrg, makeRoom, makeUser, type TestUser } from '../helpers/factories';

/**
 * The usage report's roll-up (report_usage_months and friends, worked out by the
 * `reports.roll-up` job) must never change an answer: a report read partly from it equals the
 * report worked out from the bookings alone (reports.test.ts checks that one against an
 * independent loop), before the job has caught up with a change and after. The live reference
 * here is the same report with every rolled-up month marked out of date.
 */

const NOW = '2026-12-15T12:00:00Z';
let t: TestApp;
let admin: TestUser;
type Hub = Awaited<ReturnType<typeof makeHub>>;
type Room = Awaited<ReturnType<typeof makeRoom>>;
let london: Hub, newYork: Hub;
let rooms: Room[];
let orgs: Awaited<ReturnType<typeof makeOrg>>[];
const made: (typeof bookings.$inferSelect)[] = [];

let seed = 4242;
const rand = () => {
  seed = (seed * 1103515245 + 12345) % 2147483648;
  return seed / 2147483648;
};
const randInt = (lo: number, hi: number) => lo + Math.floor(rand() * (hi - lo + 1));

const job = JOBS.find((j) => j.name === 'reports.roll-up')!;
const rollUp = () => runJob(t.container, job);
const db = () => t.container.database.db;

const PERIODS: [string, string][] = [
  ['2026-01-01', '2026-12-31'],
  ['2026-02-15', '2027-02-14'],
  ['2026-03-01', '2026-03-31'],
  ['2026-10-20', '2027-01-05'],
  ['2026-06-01', '2026-11-30'],
];

type Query = { hubId?: string; from: string; to: string };
async function report(q: Query) {
  const res = q.hubId
    ? await t.http.get(`/hubs/${q.hubId}/reports/usage`).query({ from: q.from, to: q.to }).set(admin.auth)
    : await t.http.get('/reports/usage').query({ from: q.from, to: q.to }).set(admin.auth);
  expect(res.status).toBe(200);
  const { generatedAt: _, ...rest } = res.body;
  return { figures: rest, sources: t.container.services.reports.lastSources() };
}
const queries = (): Query[] => PERIODS.flatMap(([from, to]) => [{ from, to }, { hubId: london.id, from, to }, { hubId: newYork.id, from, to }]);

/** Every query's answer with nothing read from the roll-up (its months marked), then the roll-up caught up again. */
async function liveAnswers(qs: Query[]) {
  await db().execute(sql`INSERT INTO report_dirty_months (hub_id, month) SELECT hub_id, month FROM report_months`);
  const out = [];
  for (const q of qs) {
    const r = await report(q);
    expect(r.sources.rolled).toBe(0);
    out.push(r.figures);
  }
  expect(await rollUp()).toBeGreaterThan(0);
  return out;
}

async function expectSameAsLive(label: string) {
  const qs = queries();
  const answers = [];
  for (const q of qs) answers.push(await report(q));
  const live = await liveAnswers(qs);
  for (const [i, q] of qs.entries()) expect({ label, q, figures: answers[i].figures }).toEqual({ label, q, figures: live[i] });
  return answers;
}

const booking = (room: Room, startIso: string, minutes: number, extra: Partial<typeof bookings.$inferInsert> = {}): typeof bookings.$inferInsert => {
  const zone = room.hubId === london.id ? london.timezone : newYork.timezone;
  const start = DateTime.fromISO(startIso, { zone }).toJSDate();
  const end = new Date(start.getTime() + minutes * 60_000);
  const org = orgs[randInt(0, orgs.length - 1)];
  return {
    roomId: room.id,
    hubId: room.hubId,
    organisationId: org.id,
    title: 'Generated',
    attendees: 4,
    startsAt: start,
    endsAt: end,
    blockedUntil: end,
    status: 'confirmed',
    price: { amountPence: randInt(0, 4000), currency: 'GBP', tier: org.verifiedTier ?? org.claimedTier, subsidyPence: randInt(0, 3000), lines: [] },
    ...extra,
  };
};

beforeAll(async () => {
  t = await createTestApp({ now: NOW });
  london = await makeHub(t, { name: 'Roll-up London' });
  newYork = await makeHub(t, { name: 'Roll-up New York', timezone: 'America/New_York' });
  rooms = [await makeRoom(t, london.id, { name: 'Hall' }), await makeRoom(t, london.id, { name: 'Snug' }), await makeRoom(t, newYork.id, { name: 'Main' })];
  admin = await makeUser(t, { isAdmin: true });
  await addRole(t, london.id, admin.id, 'staff');
  orgs = [
    await makeOrg(t, [], { claimedTier: 'community', verifiedTier: 'community', verificationStatus: 'verified' }),
    await makeOrg(t, [], { claimedTier: 'statutory' }),
    await makeOrg(t, [], { claimedTier: 'private' }),
    await makeOrg(t, [], { claimedTier: 'national_charity' }),
  ];
  // A booking every day or two in each room from January 2026 to February 2027 (past, current
  // and future months), some across midnight and month ends, some cancelled.
  for (const room of rooms) {
    const rows: (typeof bookings.$inferInsert)[] = [];
    for (let day = DateTime.fromISO('2026-01-01'); day < DateTime.fromISO('2027-03-01'); day = day.plus({ days: randInt(1, 2) })) {
      const late = rand() < 0.2;
      const status = rand() < 0.15 ? 'cancelled' : rand() < 0.5 ? 'completed' : 'confirmed';
      rows.push(booking(room, `${day.toISODate()}T${late ? '22:30' : '10:00'}`, late ? 180 : randInt(2, 12) * 15, { status, price: rand() < 0.1 ? null : undefined }));
    }
    // `price: undefined` keeps the generated price.
    made.push(...(await db().insert(bookings).values(rows.map((r) => (r.price === undefined ? { ...r, price: booking(room, '2026-01-01T10:00', 60).price } : r))).returning()));
  }
}, 120_000);
afterAll(() => t.close());

describe('usage roll-up', () => {
  it('answers every report exactly as the live computation, and reads whole months from the roll-up once the job has run', async () => {
    // Before the job: every month is marked (by the bookings' insert), so everything is live.
    const before = await report({ from: '2026-01-01', to: '2026-12-31' });
    expect(before.sources).toEqual({ rolled: 0, live: 24 });
    expect(await rollUp()).toBeGreaterThanOrEqual(2 * 14);
    // Nothing more is due: the job costs what changed.
    expect(await rollUp()).toBe(0);
    const after = await report({ from: '2026-01-01', to: '2026-12-31' });
    expect(after.sources).toEqual({ rolled: 24, live: 0 });
    expect(after.figures).toEqual(before.figures);
    // A period cut inside months reads its two end months live.
    expect((await report({ from: '2026-02-15', to: '2027-02-14' })).sources).toEqual({ rolled: 22, live: 4 });
    await expectSameAsLive('after the first roll-up');
  }, 300_000);

  it('stays exact while bookings are cancelled, moved across months and hubs, repriced, added and deleted, before and after the job catches up', async () => {
    await rollUp();
    const base = await report({ from: '2026-01-01', to: '2026-12-31' });
    const used = made.filter((b) => b.status === 'confirmed' || b.status === 'completed');
    const inMonth = (month: string, hubId: string) => used.find((b) => b.hubId === hubId && DateTime.fromJSDate(b.startsAt, { zone: hubId === london.id ? london.timezone : newYork.timezone }).toFormat('yyyy-MM') === month && b.price)!;

    // Cancelled in March (London).
    const cancelled = inMonth('2026-03', london.id);
    await db().update(bookings).set({ status: 'cancelled' }).where(eq(bookings.id, cancelled.id));
    // Moved from May to the end of August (across months), and to the other room of London.
    const moved = inMonth('2026-05', london.id);
    const movedStart = DateTime.fromISO('2026-08-31T23:00', { zone: london.timezone }).toJSDate();
    await db()
      .update(bookings)
      .set({ startsAt: movedStart, endsAt: new Date(movedStart.getTime() + 2 * 3600_000), blockedUntil: new Date(movedStart.getTime() + 2 * 3600_000), roomId: rooms[1].id })
      .where(eq(bookings.id, moved.id));
    // Moved from London's July to New York's room (across hubs).
    const acrossHubs = inMonth('2026-07', london.id);
    await db().update(bookings).set({ hubId: newYork.id, roomId: rooms[2].id, startsAt: new Date(Date.UTC(2026, 6, 20, 3)), endsAt: new Date(Date.UTC(2026, 6, 20, 5)), blockedUntil: new Date(Date.UTC(2026, 6, 20, 5)) }).where(eq(bookings.id, acrossHubs.id));
    // Repriced in October (New York).
    const repriced = inMonth('2026-10', newYork.id);
    await db().update(bookings).set({ price: { ...repriced.price!, amountPence: repriced.price!.amountPence + 1234 } }).where(eq(bookings.id, repriced.id));
    // A new booking in June; one deleted in September.
    await db().insert(bookings).values(booking(rooms[0], '2026-06-11T07:00', 45));
    await db().delete(bookings).where(eq(bookings.id, inMonth('2026-09', london.id).id));
    // A hub-wide closure in April (bookable hours come from opening hours and closures, read live).
    await db().insert(closures).values({ hubId: london.id, roomId: null, startsAt: new Date(Date.UTC(2026, 3, 10)), endsAt: new Date(Date.UTC(2026, 3, 12)), reason: 'Roof' });
    // An unpriced booking's organisation changes tier: its months follow.
    const unpriced = made.find((b) => b.price === null && (b.status === 'confirmed' || b.status === 'completed'))!;
    const org = orgs.find((o) => o.id === unpriced.organisationId)!;
    await db().update(organisations).set({ verifiedTier: org.verifiedTier === 'private' ? 'community' : 'private', verificationStatus: 'verified' }).where(eq(organisations.id, unpriced.organisationId));

    // Before the job: the changed months are read live, the rest from the roll-up.
    const changed = await report({ from: '2026-01-01', to: '2026-12-31' });
    expect(changed.sources.rolled).toBeGreaterThan(0);
    expect(changed.sources.live).toBeGreaterThanOrEqual(6);
    expect(changed.figures.totals.cancellations).toBe(base.figures.totals.cancellations + 1);
    expect(changed.figures.totals).not.toEqual(base.figures.totals);
    const march = (r: typeof base) => r.figures.byMonth.find((m: { month: string }) => m.month === '2026-03');
    expect(march(changed).cancellations).toBe(march(base).cancellations + 1);
    const april = (r: typeof base) => r.figures.byMonth.find((m: { month: string }) => m.month === '2026-04');
    expect(april(changed).bookableHours).toBeLessThan(april(base).bookableHours);
    await expectSameAsLive('changed, before the job');

    // The job works out only what was marked, then everything is rolled up again and the same.
    expect(await rollUp()).toBe(0);
    const caughtUp = await report({ from: '2026-01-01', to: '2026-12-31' });
    expect(caughtUp.sources).toEqual({ rolled: 24, live: 0 });
    expect(caughtUp.figures).toEqual(changed.figures);
  }, 300_000);

  it('marks only the months a change touches, and the job works out just those', async () => {
    await rollUp();
    const b = made.find((x) => x.hubId === newYork.id && x.status === 'confirmed' && x.startsAt > new Date('2026-04-03') && x.startsAt < new Date('2026-04-25'))!;
    await db().update(bookings).set({ status: 'cancelled' }).where(eq(bookings.id, b.id));
    // Completing a confirmed booking changes no figure: nothing to do.
    const other = made.find((x) => x.hubId === newYork.id && x.status === 'confirmed' && x.id !== b.id)!;
    await db().update(bookings).set({ status: 'completed' }).where(eq(bookings.id, other.id));
    const marks = await db().execute(sql`SELECT DISTINCT hub_id::text AS hub, month FROM report_dirty_months`);
    expect((marks as unknown as { rows: { hub: string; month: string }[] }).rows).toEqual([{ hub: newYork.id, month: '2026-04' }]);
    expect(await rollUp()).toBe(1);
    expect(await rollUp()).toBe(0);
    // A hub's zone decides its months: all its rolled-up months are worked out again.
    await db().update(hubs).set({ timezone: 'America/Chicago' }).where(eq(hubs.id, newYork.id));
    expect(await rollUp()).toBeGreaterThanOrEqual(14);
    await db().update(hubs).set({ timezone: 'America/New_York' }).where(eq(hubs.id, newYork.id));
    newYork = { ...newYork, timezone: 'America/New_York' };
    expect(await rollUp()).toBeGreaterThanOrEqual(14);
    await expectSameAsLive('after zone changes');
  }, 300_000);

  it("works a keypad hub's month out again once its no-shows have settled (the clock moved), and reads it live until then", async () => {
    const hub = await makeHub(t, { name: 'Roll-up keypad hub' });
    const room = await makeRoom(t, hub.id);
    const org = orgs[1];
    const [door] = await db().insert(doors).values({ hubId: hub.id, name: 'Front', provider: 'keypad' }).returning();
    // Four bookings in November 2026 with codes that never opened the door: no-shows once ended.
    const rows = await db()
      .insert(bookings)
      .values(
        [3, 10, 17, 24].map((d) => ({
          roomId: room.id,
          hubId: hub.id,
          organisationId: org.id,
          title: 'Keypad',
          attendees: 3,
          startsAt: new Date(Date.UTC(2026, 10, d, 10)),
          endsAt: new Date(Date.UTC(2026, 10, d, 12)),
          blockedUntil: new Date(Date.UTC(2026, 10, d, 12)),
          status: 'confirmed' as const,
          price: { amountPence: 1000, currency: 'GBP' as const, tier: 'statutory' as const, subsidyPence: 500, lines: [] },
        })),
      )
      .returning();
    for (const [i, b] of rows.entries()) {
      const [code] = await db()
        .insert(accessCodes)
        .values({ hubId: hub.id, kind: 'booking', bookingId: b.id, codeCipher: 'x', codeLength: 6, validFrom: b.startsAt, validUntil: b.endsAt, status: 'active' })
        .returning();
      await db().insert(accessCodeDoors).values({ accessCodeId: code.id, doorId: door.id, codeHash: `k${i}`, validFrom: b.startsAt, validUntil: b.endsAt });
    }
    const november = { hubId: hub.id, from: '2026-11-01', to: '2026-11-30' };

    // On 14 November: two have ended. The job works November out, but it cannot settle yet.
    t.clock.set('2026-11-14T12:00:00Z');
    expect(await rollUp()).toBeGreaterThanOrEqual(1);
    let r = await report(november);
    expect(r.sources).toEqual({ rolled: 0, live: 1 });
    expect(r.figures.totals.noShows).toBe(2);

    // On 5 December every booking has ended, but a code could still open a door after its end
    // for a while: still live, and right.
    t.clock.set('2026-12-05T12:00:00Z');
    expect(await rollUp()).toBe(0);
    r = await report(november);
    expect(r.sources).toEqual({ rolled: 0, live: 1 });
    expect(r.figures.totals.noShows).toBe(4);

    // Once settled, the job works it out again (its settle time is due) and reports read it.
    t.clock.set('2026-12-10T12:00:00Z');
    const beforeJob = await report(november);
    expect(beforeJob.sources).toEqual({ rolled: 0, live: 1 });
    expect(await rollUp()).toBe(1);
    r = await report(november);
    expect(r.sources).toEqual({ rolled: 1, live: 0 });
    expect(r.figures).toEqual(beforeJob.figures);
    expect(r.figures.totals.noShows).toBe(4);
    expect(await rollUp()).toBe(0);

    // A door changing provider changes what counts as a no-show: the hub's months are marked.
    await db().update(doors).set({ provider: 'seam' }).where(eq(doors.id, door.id));
    r = await report(november);
    expect(r.sources).toEqual({ rolled: 0, live: 1 });
    expect(r.figures.totals.noShows).toBe(0);
    expect(await rollUp()).toBeGreaterThanOrEqual(1);
    r = await report(november);
    expect(r.sources).toEqual({ rolled: 1, live: 0 });
    expect(r.figures.totals.noShows).toBe(0);
    t.clock.set(NOW);
  }, 300_000);
});
