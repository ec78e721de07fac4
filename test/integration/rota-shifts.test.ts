import { eq } from 'drizzle-orm';
import { shifts } from '../../src/db/schema';
import { createTestApp, type TestApp } from '../helpers/app';
import { expectProblem } from '../helpers/factories';
import { createShift, makeRotaWorld, textsTo, type RotaWorld } from '../helpers/rota';

// The clock reads Monday 2026-03-02 09:00Z. UK clocks go forward on Sunday 2026-03-29.
let t: TestApp;
let w: RotaWorld;
beforeAll(async () => {
  t = await createTestApp();
  w = await makeRotaWorld(t);
});
afterAll(() => t.close());

const shiftCount = async () => (await t.container.database.db.select().from(shifts).where(eq(shifts.hubId, w.hub.id))).length;

describe('shifts', () => {
  it('staff create a shift; it carries the contract fields', async () => {
    const res = await createShift(t, w.staff, w.hub.id, { title: 'Coffee morning', notes: 'Urn in the cupboard', volunteersNeeded: 2 });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      hubId: w.hub.id,
      role: 'welcome',
      startsAt: '2026-03-10T18:00:00Z'.replace('Z', '+00:00'),
      endsAt: '2026-03-10T20:00:00+00:00',
      volunteersNeeded: 2,
      filled: 0,
      status: 'open',
      source: 'staff',
      bookingIds: [],
      title: 'Coffee morning',
      volunteers: [],
      myPlace: null,
    });
    const got = await t.http.get(`/shifts/${res.body.id}`).set(w.ann.auth);
    expect(got.status).toBe(200);
    expect(got.body.id).toBe(res.body.id);
  });

  it('a weekly series keeps 18:00 local across the clock change', async () => {
    const res = await createShift(t, w.staff, w.hub.id, { role: 'caretaker', startsAt: '2026-03-23T18:00:00', endsAt: '2026-03-23T21:00:00', recurrence: { weekdays: [1], count: 3 } });
    expect(res.status).toBe(201);
    expect(res.body.series).toMatchObject({ hubId: w.hub.id, rule: { weekdays: [1], count: 3 } });
    expect(res.body.shifts.map((s: { startsAt: string }) => s.startsAt)).toEqual(['2026-03-23T18:00:00+00:00', '2026-03-30T18:00:00+01:00', '2026-04-06T18:00:00+01:00']);
    expect(new Set(res.body.shifts.map((s: { seriesId: string }) => s.seriesId))).toEqual(new Set([res.body.series.id]));
  });

  it('lists a hub\'s shifts in order, filtered by role and by open places, with a cursor', async () => {
    const hubShifts = await t.http.get(`/hubs/${w.hub.id}/shifts?from=2026-03-01T00:00:00Z&to=2026-05-01T00:00:00Z&limit=2`).set(w.bob.auth);
    expect(hubShifts.status).toBe(200);
    expect(hubShifts.body.items).toHaveLength(2);
    const next = await t.http.get(`/hubs/${w.hub.id}/shifts?from=2026-03-01T00:00:00Z&to=2026-05-01T00:00:00Z&limit=10&cursor=${hubShifts.body.nextCursor}`).set(w.bob.auth);
    const starts = [...hubShifts.body.items, ...next.body.items].map((s: { startsAt: string }) => Date.parse(s.startsAt));
    expect(starts).toEqual([...starts].sort((a, b) => a - b));
    expect(starts.length).toBeGreaterThanOrEqual(4);
    const carers = await t.http.get(`/hubs/${w.hub.id}/shifts?from=2026-03-01T00:00:00Z&to=2026-05-01T00:00:00Z&role=caretaker`).set(w.staff.auth);
    expect(carers.body.items.map((s: { role: string }) => s.role)).toEqual(['caretaker', 'caretaker', 'caretaker']);

    const one = await createShift(t, w.staff, w.hub.id, { startsAt: '2026-04-20T10:00:00', endsAt: '2026-04-20T11:00:00', role: 'events' });
    await t.http.post(`/shifts/${one.body.id}/signup`).set(w.ann.auth).expect(201);
    const open = await t.http.get(`/hubs/${w.hub.id}/shifts?from=2026-04-20T00:00:00Z&to=2026-04-21T00:00:00Z&open=true`).set(w.staff.auth);
    expect(open.body.items).toEqual([]);
    const all = await t.http.get(`/hubs/${w.hub.id}/shifts?from=2026-04-20T00:00:00Z&to=2026-04-21T00:00:00Z`).set(w.staff.auth);
    expect(all.body.items).toEqual([expect.objectContaining({ id: one.body.id, status: 'full', filled: 1, volunteers: [expect.objectContaining({ userId: w.ann.id, name: 'Ann Able' })] })]);
    const asVolunteer = await t.http.get(`/shifts/${one.body.id}`).set(w.bob.auth);
    expect(asVolunteer.body.volunteers).toEqual([{ name: 'Ann', coverRequested: false }]);
    const asAnn = await t.http.get(`/shifts/${one.body.id}`).set(w.ann.auth);
    expect(asAnn.body.myPlace).toMatchObject({ userId: w.ann.id, status: 'confirmed' });
  });

  it('staff change a shift and its volunteers are texted; cancelling texts them again', async () => {
    const s = await createShift(t, w.staff, w.hub.id, { startsAt: '2026-03-12T18:00:00', endsAt: '2026-03-12T20:00:00' });
    await t.http.post(`/shifts/${s.body.id}/signup`).set(w.cat.auth).expect(201);
    const moved = await t.http.patch(`/shifts/${s.body.id}`).set(w.staff.auth).send({ startsAt: '2026-03-12T18:30:00', volunteersNeeded: 2 });
    expect(moved.status).toBe(200);
    expect(moved.body).toMatchObject({ startsAt: '2026-03-12T18:30:00+00:00', endsAt: '2026-03-12T20:00:00+00:00', volunteersNeeded: 2, status: 'open' });
    const notMoved = await t.http.patch(`/shifts/${s.body.id}`).set(w.staff.auth).send({ title: 'Quiz night' });
    expect(notMoved.body.title).toBe('Quiz night');
    const cancelled = await t.http.delete(`/shifts/${s.body.id}`).set(w.staff.auth).send({ reason: 'Boiler broken' });
    expect(cancelled.status).toBe(200);
    expect(cancelled.body).toMatchObject({ status: 'cancelled', cancelReason: 'Boiler broken' });
    const texts = (await textsTo(t, '+447700900103')).filter((m) => m.kind.startsWith('shift_'));
    expect(texts.map((m) => m.kind).sort()).toEqual(['shift_cancelled', 'shift_changed']);
    expect(texts.find((m) => m.kind === 'shift_changed')!.body).toContain('18:30');
    expect(texts.find((m) => m.kind === 'shift_cancelled')!.body).toContain('Boiler broken');
    expectProblem(await t.http.delete(`/shifts/${s.body.id}`).set(w.staff.auth).send({ reason: 'again' }), 422, 'shift_cancelled');
    expectProblem(await t.http.patch(`/shifts/${s.body.id}`).set(w.staff.auth).send({ title: 'x' }), 422, 'shift_cancelled');
  });

  it('refuses needing fewer volunteers than are on the shift', async () => {
    const s = await createShift(t, w.staff, w.hub.id, { startsAt: '2026-03-13T18:00:00', endsAt: '2026-03-13T20:00:00', volunteersNeeded: 2 });
    await t.http.post(`/shifts/${s.body.id}/signup`).set(w.ann.auth).expect(201);
    await t.http.post(`/shifts/${s.body.id}/signup`).set(w.bob.auth).expect(201);
    expectProblem(await t.http.patch(`/shifts/${s.body.id}`).set(w.staff.auth).send({ volunteersNeeded: 1 }), 422, 'below_filled');
  });

  it('rejects bad input with problem+json and creates nothing', async () => {
    const before = await shiftCount();
    for (const body of [
      { role: 'janitor' },
      { volunteersNeeded: 0 },
      { startsAt: 'tomorrow' },
      { endsAt: '2026-03-10T17:00:00' },
      { endsAt: '2026-03-12T20:00:00' },
      { recurrence: { weekdays: [8], count: 2 } },
      { recurrence: { weekdays: [1] } },
      { extra: true },
    ]) {
      const res = await createShift(t, w.staff, w.hub.id, body);
      expectProblem(res, 400, 'validation_failed');
    }
    expectProblem(await createShift(t, w.staff, w.hub.id, { startsAt: '2026-03-29T01:30:00', endsAt: '2026-03-29T03:00:00' }), 422, 'nonexistent_local_time');
    expectProblem(await t.http.get(`/hubs/${w.hub.id}/shifts?from=2026-03-01T00:00:00Z&to=2028-03-01T00:00:00Z`).set(w.staff.auth), 400, 'validation_failed');
    expectProblem(await t.http.get(`/hubs/${w.hub.id}/shifts?cursor=nonsense`).set(w.staff.auth), 400, 'validation_failed');
    expect(await shiftCount()).toBe(before);
  });

  it('keeps shifts from those who may not see or change them', async () => {
    const s = await createShift(t, w.staff, w.hub.id, { startsAt: '2026-03-14T18:00:00', endsAt: '2026-03-14T20:00:00' });
    const before = await shiftCount();
    // Volunteers of the hub read but do not write (403); other hubs, hirers and strangers see nothing (404).
    expectProblem(await createShift(t, w.ann, w.hub.id), 403, 'forbidden');
    expectProblem(await t.http.patch(`/shifts/${s.body.id}`).set(w.ann.auth).send({ title: 'x' }), 403, 'forbidden');
    expectProblem(await t.http.delete(`/shifts/${s.body.id}`).set(w.ann.auth).send({ reason: 'x' }), 403, 'forbidden');
    for (const who of [w.otherStaff, w.outsider, w.hirer]) {
      expectProblem(await createShift(t, who, w.hub.id), 404, 'not_found');
      expectProblem(await t.http.get(`/shifts/${s.body.id}`).set(who.auth), 404, 'not_found');
      expectProblem(await t.http.get(`/hubs/${w.hub.id}/shifts`).set(who.auth), 404, 'not_found');
      expectProblem(await t.http.patch(`/shifts/${s.body.id}`).set(who.auth).send({ title: 'x' }), 404, 'not_found');
      expectProblem(await t.http.delete(`/shifts/${s.body.id}`).set(who.auth).send({ reason: 'x' }), 404, 'not_found');
    }
    expectProblem(await t.http.get(`/shifts/${s.body.id}`), 401, 'unauthenticated');
    expect(await shiftCount()).toBe(before);
    expect((await t.http.get(`/shifts/${s.body.id}`).set(w.staff.auth)).body.status).toBe('open');
  });
});
