import { and, eq } from 'drizzle-orm';
import { bookings, rotaPending, shifts } from '../../src/db/schema';
import { openOn } from '../../src/modules/venues/venues.types';
import { runJob, JOBS } from '../../src/worker/jobs';
import { createTestApp, type TestApp } from '../helpers/app';
import { expectProblem, makeOrg, makeRoom } from '../helpers/factories';
import { makeRotaWorld, textsTo, type RotaWorld } from '../helpers/rota';

// The clock reads Monday 2026-03-02 09:00Z. Staffed 09:00-17:00 every day; open 08:00-22:00.
let t: TestApp;
let w: RotaWorld;
beforeAll(async () => {
  t = await createTestApp();
  w = await makeRotaWorld(t, { settings: { staffedHours: openOn('09:00', '17:00') } });
});
afterAll(() => t.close());

const book = (startsAt: string, endsAt: string, roomId = w.room.id) =>
  t.http.post('/bookings').set(w.hirer.auth).send({ roomId, organisationId: w.org.id, title: 'Evening class', attendees: 5, startsAt, endsAt });
const generated = async (from: string, to: string) =>
  (await t.http.get(`/hubs/${w.hub.id}/shifts?from=${from}&to=${to}`).set(w.staff.auth)).body.items.filter((s: { source: string }) => s.source === 'booking') as {
    id: string;
    role: string;
    startsAt: string;
    endsAt: string;
    status: string;
    bookingIds: string[];
  }[];
const brief = (list: Awaited<ReturnType<typeof generated>>) => list.map((s) => [s.role, s.startsAt.slice(11, 16), s.endsAt.slice(11, 16), s.status, s.bookingIds.length]);
const job = (name: string) => runJob(t.container, JOBS.find((j) => j.name === name)!);

describe('shifts made from bookings', () => {
  it('an evening booking makes an opener and a closer; a booking inside staffed hours makes none', async () => {
    const daytime = await book('2026-03-10T10:00:00', '2026-03-10T12:00:00');
    expect(daytime.status).toBe(201);
    expect(await generated('2026-03-10T00:00:00Z', '2026-03-11T00:00:00Z')).toEqual([]);
    const evening = await book('2026-03-10T19:00:00', '2026-03-10T21:00:00');
    const list = await generated('2026-03-10T00:00:00Z', '2026-03-11T00:00:00Z');
    expect(brief(list)).toEqual([
      ['opener', '18:30', '19:00', 'open', 1],
      ['closer', '21:00', '21:30', 'open', 1],
    ]);
    expect(list[0].bookingIds).toEqual([evening.body.id]);
    expect(list[0]).toMatchObject({ source: 'booking', volunteersNeeded: 1 });
  });

  it('follows a chain: stretched by a back-to-back booking, moved, shrunk and cancelled; its volunteer is texted once each time', async () => {
    const first = await book('2026-03-11T19:00:00', '2026-03-11T20:00:00');
    const second = await book('2026-03-11T20:00:00', '2026-03-11T21:15:00', w.smallRoom.id);
    let list = await generated('2026-03-11T00:00:00Z', '2026-03-12T00:00:00Z');
    expect(brief(list)).toEqual([
      ['opener', '18:30', '19:00', 'open', 2],
      ['closer', '21:15', '21:45', 'open', 2],
    ]);
    const closerId = list[1].id;
    expect([...list[1].bookingIds].sort()).toEqual([first.body.id, second.body.id].sort());
    await t.http.post(`/shifts/${closerId}/signup`).set(w.ann.auth).expect(201);

    await t.http.post(`/bookings/${second.body.id}/move`).set(w.hirer.auth).send({ startsAt: '2026-03-11T20:00:00', endsAt: '2026-03-11T21:30:00' }).expect(200);
    list = await generated('2026-03-11T00:00:00Z', '2026-03-12T00:00:00Z');
    expect(brief(list)).toEqual([
      ['opener', '18:30', '19:00', 'open', 2],
      ['closer', '21:30', '22:00', 'full', 2],
    ]);
    expect(list[1].id).toBe(closerId);

    await t.http.post(`/bookings/${second.body.id}/cancel`).set(w.hirer.auth).send({ reason: 'Tutor ill' }).expect(200);
    list = await generated('2026-03-11T00:00:00Z', '2026-03-12T00:00:00Z');
    expect(brief(list)).toEqual([
      ['opener', '18:30', '19:00', 'open', 1],
      ['closer', '20:00', '20:30', 'full', 1],
    ]);
    expect(list[1]).toMatchObject({ id: closerId, bookingIds: [first.body.id] });

    await t.http.post(`/bookings/${first.body.id}/cancel`).set(w.hirer.auth).send({ reason: 'Term ended' }).expect(200);
    list = await generated('2026-03-11T00:00:00Z', '2026-03-12T00:00:00Z');
    expect(list.map((s) => s.status)).toEqual(['cancelled', 'cancelled']);
    const texts = (await textsTo(t, w.ann.phone!)).filter((m) => m.kind === 'shift_changed' || m.kind === 'shift_cancelled');
    expect(texts.map((m) => m.kind).sort()).toEqual(['shift_cancelled', 'shift_changed', 'shift_changed']);
  });

  it('a cancellation in the middle of a chain splits its shifts', async () => {
    const a = await book('2026-03-12T18:00:00', '2026-03-12T19:00:00');
    const m = await book('2026-03-12T19:30:00', '2026-03-12T20:30:00', w.smallRoom.id);
    const c = await book('2026-03-12T21:00:00', '2026-03-12T21:45:00');
    expect(brief(await generated('2026-03-12T00:00:00Z', '2026-03-13T00:00:00Z'))).toEqual([
      ['opener', '17:30', '18:00', 'open', 3],
      ['closer', '21:45', '22:15', 'open', 3],
    ]);
    await t.http.post(`/bookings/${m.body.id}/cancel`).set(w.hirer.auth).send({}).expect(200);
    const list = await generated('2026-03-12T00:00:00Z', '2026-03-13T00:00:00Z');
    expect(brief(list.filter((s) => s.status !== 'cancelled'))).toEqual([
      ['opener', '17:30', '18:00', 'open', 1],
      ['closer', '19:00', '19:30', 'open', 1],
      ['opener', '20:30', '21:00', 'open', 1],
      ['closer', '21:45', '22:15', 'open', 1],
    ]);
    expect(list.find((s) => s.role === 'closer' && s.startsAt.includes('19:00'))!.bookingIds).toEqual([a.body.id]);
    expect(list.find((s) => s.role === 'opener' && s.startsAt.includes('20:30'))!.bookingIds).toEqual([c.body.id]);
  });

  it('staff see the bookings of a day that no volunteer covers yet', async () => {
    const bk = await book('2026-03-13T19:00:00', '2026-03-13T20:00:00');
    const day = await t.http.get(`/hubs/${w.hub.id}/uncovered?date=2026-03-13`).set(w.staff.auth);
    expect(day.status).toBe(200);
    expect(day.body.items).toEqual([expect.objectContaining({ bookingId: bk.body.id, covered: false, needsCover: true })]);
    for (const s of await generated('2026-03-13T00:00:00Z', '2026-03-14T00:00:00Z')) await t.http.post(`/shifts/${s.id}/assign`).set(w.staff.auth).send({ userId: w.cat.id }).expect(201);
    expect((await t.http.get(`/hubs/${w.hub.id}/uncovered?date=2026-03-13`).set(w.staff.auth)).body.items).toEqual([]);
    expectProblem(await t.http.get(`/hubs/${w.hub.id}/uncovered?date=13-03-2026`).set(w.staff.auth), 400, 'validation_failed');
    expectProblem(await t.http.get(`/hubs/${w.hub.id}/uncovered?date=2026-03-13`).set(w.ann.auth), 403, 'forbidden');
    expectProblem(await t.http.get(`/hubs/${w.hub.id}/uncovered?date=2026-03-13`).set(w.otherStaff.auth), 404, 'not_found');
  });

  it('a booking change is queued in its own transaction, so the job catches up when the after-commit step never ran', async () => {
    const bk = await book('2026-03-16T19:00:00', '2026-03-16T20:00:00');
    expect(await generated('2026-03-16T00:00:00Z', '2026-03-17T00:00:00Z')).toHaveLength(2);
    // A change straight in the database (as a crash after commit would leave it): the trigger queued it.
    await t.container.database.db.update(bookings).set({ status: 'cancelled' }).where(eq(bookings.id, bk.body.id));
    expect((await t.container.database.db.select().from(rotaPending).where(eq(rotaPending.hubId, w.hub.id))).length).toBeGreaterThan(0);
    expect((await generated('2026-03-16T00:00:00Z', '2026-03-17T00:00:00Z')).map((s) => s.status)).toEqual(['open', 'open']);
    expect(await job('rota.regenerate-shifts')).toBeGreaterThan(0);
    expect((await generated('2026-03-16T00:00:00Z', '2026-03-17T00:00:00Z')).map((s) => s.status)).toEqual(['cancelled', 'cancelled']);
    expect(await job('rota.regenerate-shifts')).toBe(0);
  });

  it('new staffed hours or a new cover role regenerate the hub\'s shifts', async () => {
    // Starts half an hour after staff leave: someone opens up, someone locks up.
    await book('2026-03-17T17:30:00', '2026-03-17T19:00:00');
    const openerAndCloser = [
      ['opener', '17:00', '17:30', 'open', 1],
      ['closer', '19:00', '19:30', 'open', 1],
    ];
    expect(brief(await generated('2026-03-17T00:00:00Z', '2026-03-18T00:00:00Z'))).toEqual(openerAndCloser);
    await t.http.patch(`/hubs/${w.hub.id}`).set(w.staff.auth).send({ settings: { rota: { coverRole: 'caretaker' } } }).expect(200);
    await job('rota.regenerate-shifts');
    expect(brief((await generated('2026-03-17T00:00:00Z', '2026-03-18T00:00:00Z')).filter((s) => s.status !== 'cancelled'))).toEqual([['caretaker', '17:00', '19:30', 'open', 1]]);
    await t.http.patch(`/hubs/${w.hub.id}`).set(w.staff.auth).send({ settings: { staffedHours: openOn('09:00', '22:00') } }).expect(200);
    await job('rota.regenerate-shifts');
    expect((await generated('2026-03-17T00:00:00Z', '2026-03-18T00:00:00Z')).filter((s) => s.status !== 'cancelled')).toEqual([]);
    // Back as they were, for any later test.
    await t.http.patch(`/hubs/${w.hub.id}`).set(w.staff.auth).send({ settings: { staffedHours: openOn('09:00', '17:00'), rota: { coverRole: 'opener_closer' } } }).expect(200);
    await job('rota.regenerate-shifts');
    expect(brief((await generated('2026-03-17T00:00:00Z', '2026-03-18T00:00:00Z')).filter((s) => s.status !== 'cancelled'))).toEqual(openerAndCloser);
    const active = await t.container.database.db.select().from(shifts).where(and(eq(shifts.hubId, w.hub.id), eq(shifts.state, 'active'), eq(shifts.source, 'booking')));
    expect(active.length).toBeGreaterThan(0);
  });

  it('a hub without staffed hours makes no shifts and queues nothing', async () => {
    const room = await makeRoom(t, w.otherHub.id);
    const org = await makeOrg(t, [w.hirer.id]);
    const res = await t.http.post('/bookings').set(w.hirer.auth).send({ roomId: room.id, organisationId: org.id, title: 'Late', attendees: 3, startsAt: '2026-03-18T20:00:00', endsAt: '2026-03-18T21:00:00' });
    expect(res.body.status).toBe('confirmed');
    expect((await t.container.database.db.select().from(rotaPending).where(eq(rotaPending.hubId, w.otherHub.id))).length).toBe(0);
    expect((await t.container.database.db.select().from(shifts).where(eq(shifts.hubId, w.otherHub.id))).length).toBe(0);
  });
});
