import { and, eq } from 'drizzle-orm';
import { randomUUID } from 'node:crypto';
import { bookings } from '../../src/db/schema';
import { createTestApp, type TestApp } from '../helpers/app';
import { expectProblem, makeOrg, makeRoom, makeWorld } from '../helpers/factories';
import { seedCard } from '../helpers/pricing';

// The clock reads Monday 2026-03-02 09:00Z. UK clocks go forward on Sunday 2026-03-29.
let t: TestApp;
let w: Awaited<ReturnType<typeof makeWorld>>;
beforeAll(async () => {
  t = await createTestApp();
  w = await makeWorld(t);
  await seedCard(t, w.hub.id);
});
afterAll(() => t.close());

const series = (auth: Record<string, string>, over: Record<string, unknown>) =>
  t.http.post('/bookings').set(auth).send({ title: 'Memory café', attendees: 10, startsAt: '2026-03-17T10:00:00', endsAt: '2026-03-17T12:00:00', recurrence: { weekdays: [2], count: 4 }, ...over });
const countOf = async (organisationId: string) => (await t.container.database.db.select().from(bookings).where(and(eq(bookings.organisationId, organisationId)))).length;

describe('weekly series', () => {
  it('books every Tuesday at 10:00 local, across the spring clock change, each priced', async () => {
    const room = await makeRoom(t, w.hub.id);
    const org = await makeOrg(t, [w.hirer.id], { claimedTier: 'statutory', paysByInvoice: true });
    const res = await series(w.hirer.auth, { roomId: room.id, organisationId: org.id });
    expect(res.status).toBe(201);
    expect(res.body.series).toMatchObject({ roomId: room.id, organisationId: org.id, rule: { weekdays: [2], count: 4, until: null, timezone: 'Europe/London' }, skipped: [] });
    expect(res.body.bookings.map((b: { startsAt: string }) => b.startsAt)).toEqual(['2026-03-17T10:00:00+00:00', '2026-03-24T10:00:00+00:00', '2026-03-31T10:00:00+01:00', '2026-04-07T10:00:00+01:00']);
    expect(res.body.bookings.map((b: { endsAt: string }) => b.endsAt.slice(11, 16))).toEqual(['12:00', '12:00', '12:00', '12:00']);
    for (const b of res.body.bookings) {
      expect(b).toMatchObject({ status: 'confirmed', seriesId: res.body.series.id, price: { amountPence: 6000, tier: 'statutory' } });
    }
  });

  it('lists conflicting dates (bookings and closures) and books nothing, unless told to skip them', async () => {
    const room = await makeRoom(t, w.hub.id);
    const org = await makeOrg(t, [w.hirer.id], { claimedTier: 'statutory', paysByInvoice: true });
    const other = await makeOrg(t, [w.hirer.id], { claimedTier: 'statutory', paysByInvoice: true });
    const taken = await t.http.post('/bookings').set(w.hirer.auth).send({ roomId: room.id, organisationId: other.id, title: 'In the way', attendees: 3, startsAt: '2026-03-24T11:00:00', endsAt: '2026-03-24T13:00:00' });
    expect(taken.status).toBe(201);
    const closed = await t.http.post(`/hubs/${w.hub.id}/closures`).set(w.staff.auth).send({ roomId: room.id, startsAt: '2026-03-31T00:00:00', endsAt: '2026-04-01T00:00:00', reason: 'Boiler repair' });
    expect(closed.status).toBe(201);

    const refused = await series(w.hirer.auth, { roomId: room.id, organisationId: org.id });
    expectProblem(refused, 409, 'booking_conflict');
    expect(refused.body.conflicts).toEqual([
      expect.objectContaining({ date: '2026-03-24', reason: 'booked', startsAt: '2026-03-24T10:00:00+00:00' }),
      expect.objectContaining({ date: '2026-03-31', reason: 'closed', startsAt: '2026-03-31T10:00:00+01:00' }),
    ]);
    expect(await countOf(org.id)).toBe(0);

    const skipped = await series(w.hirer.auth, { roomId: room.id, organisationId: org.id, skipConflicts: true });
    expect(skipped.status).toBe(201);
    expect(skipped.body.bookings.map((b: { startsAt: string }) => b.startsAt.slice(0, 10))).toEqual(['2026-03-17', '2026-04-07']);
    expect(skipped.body.series.skipped.map((c: { date: string }) => c.date)).toEqual(['2026-03-24', '2026-03-31']);
    expect(await countOf(org.id)).toBe(2);
  });

  it('lists dates a rule refuses (outside opening hours) as conflicts', async () => {
    const room = await makeRoom(t, w.hub.id);
    const org = await makeOrg(t, [w.hirer.id], { claimedTier: 'statutory', paysByInvoice: true });
    // Mondays and Tuesdays 2026-03-16.. with until; the hub opens 08:00 to 22:00 every day, so all fit.
    const ok = await series(w.hirer.auth, { roomId: room.id, organisationId: org.id, startsAt: '2026-03-16T20:00:00', endsAt: '2026-03-16T21:30:00', recurrence: { weekdays: [1, 2], until: '2026-03-24' } });
    expect(ok.status).toBe(201);
    expect(ok.body.bookings).toHaveLength(4);
    const late = await series(w.hirer.auth, { roomId: room.id, organisationId: org.id, startsAt: '2026-03-18T21:00:00', endsAt: '2026-03-18T23:00:00', recurrence: { weekdays: [3], count: 2 } });
    expectProblem(late, 409, 'booking_conflict');
    expect(late.body.conflicts.map((c: { reason: string }) => c.reason)).toEqual(['outside_opening_hours', 'outside_opening_hours']);
  });

  it('cancels one date, or this and every later date', async () => {
    const room = await makeRoom(t, w.hub.id);
    const org = await makeOrg(t, [w.hirer.id], { claimedTier: 'statutory', paysByInvoice: true });
    const res = await series(w.hirer.auth, { roomId: room.id, organisationId: org.id, startsAt: '2026-04-14T10:00:00', endsAt: '2026-04-14T11:00:00', recurrence: { weekdays: [2], count: 5 } });
    const ids: string[] = res.body.bookings.map((b: { id: string }) => b.id);
    const one = await t.http.post(`/bookings/${ids[1]}/cancel`).set(w.hirer.auth).send({ reason: 'Half term' });
    expect(one.status).toBe(200);
    expect(one.body).toMatchObject({ id: ids[1], status: 'cancelled', statusReason: 'cancelled_by_hirer', reason: 'Half term', cancelledBookingIds: [ids[1]] });
    const rest = await t.http.post(`/bookings/${ids[2]}/cancel`).set(w.hirer.auth).send({ reason: 'Group closing', scope: 'following' });
    expect(rest.status).toBe(200);
    expect(rest.body.cancelledBookingIds).toEqual([ids[2], ids[3], ids[4]]);
    const statuses = await Promise.all(ids.map(async (id) => (await t.http.get(`/bookings/${id}`).set(w.hirer.auth)).body.status));
    expect(statuses).toEqual(['confirmed', 'cancelled', 'cancelled', 'cancelled', 'cancelled']);
    expectProblem(await t.http.post(`/bookings/${ids[0]}/cancel`).set(w.hirer.auth).send({ scope: 'everything' }), 400, 'validation_failed');
    expectProblem(await t.http.post(`/bookings/${ids[0]}/cancel`).set(w.stranger.auth).send({ scope: 'following' }), 404, 'not_found');
    expect((await t.http.get(`/bookings/${ids[0]}`).set(w.hirer.auth)).body.status).toBe('confirmed');
  });

  it.each([
    [{ recurrence: { weekdays: [2], count: 3, until: '2026-04-30' } }, 'body.recurrence.until'],
    [{ recurrence: { weekdays: [] , count: 3 } }, 'body.recurrence.weekdays'],
    [{ recurrence: { weekdays: [8], count: 3 } }, 'body.recurrence.weekdays.0'],
    [{ recurrence: { weekdays: [2], count: 105 } }, 'body.recurrence.count'],
    [{ recurrence: { weekdays: [2], until: 'soon' } }, 'body.recurrence.until'],
  ])('refuses a bad recurrence %# and books nothing', async (over, path) => {
    const org = await makeOrg(t, [w.hirer.id]);
    const res = await series(w.hirer.auth, { roomId: w.room.id, organisationId: org.id, ...over });
    expectProblem(res, 400, 'validation_failed');
    expect(res.body.errors.map((e: { path: string }) => e.path)).toContain(path);
    expect(await countOf(org.id)).toBe(0);
  });

  it('refuses a series longer than the limit, too big a group, and other people\'s organisations', async () => {
    const org = await makeOrg(t, [w.hirer.id]);
    expectProblem(await series(w.hirer.auth, { roomId: w.room.id, organisationId: org.id, recurrence: { weekdays: [1, 2, 3, 4, 5, 6, 7], until: '2026-12-31' } }), 400, 'validation_failed');
    expectProblem(await series(w.hirer.auth, { roomId: w.smallRoom.id, organisationId: org.id, attendees: 40 }), 422, 'over_capacity');
    expectProblem(await series(w.stranger.auth, { roomId: w.room.id, organisationId: org.id }), 404, 'not_found');
    expectProblem(await series(w.hirer.auth, { roomId: randomUUID(), organisationId: org.id }), 404, 'not_found');
    expectProblem(await t.http.post('/bookings').send({ roomId: w.room.id, organisationId: org.id, title: 'x', attendees: 1, startsAt: '2026-03-17T10:00:00', endsAt: '2026-03-17T12:00:00', recurrence: { weekdays: [2], count: 2 } }), 401, 'unauthenticated');
    expect(await countOf(org.id)).toBe(0);
  });
});
