import { eq } from 'drizzle-orm';
import { shiftSignups } from '../../src/db/schema';
import { createTestApp, type TestApp } from '../helpers/app';
import { addRole, expectProblem, makeHub, makeUser, type TestUser } from '../helpers/factories';
import { createShift, makeRotaWorld, textsTo, type RotaWorld } from '../helpers/rota';

// The clock reads Monday 2026-03-02 09:00Z; the hub's defaults: withdraw until 48 h before, 1 h rest, 8 h a day, 3 no-shows.
let t: TestApp;
let w: RotaWorld;
beforeAll(async () => {
  t = await createTestApp();
  w = await makeRotaWorld(t);
});
afterAll(() => t.close());

let day = 10;
/** A shift on a fresh day (so tests do not collide), 18:00-20:00 unless told. */
async function shift(over: Record<string, unknown> = {}, hubId = w.hub.id, staff: TestUser = w.staff) {
  const d = `2026-03-${String(day++).padStart(2, '0')}`;
  const res = await createShift(t, staff, hubId, { startsAt: `${d}T18:00:00`, endsAt: `${d}T20:00:00`, ...over });
  expect(res.status).toBe(201);
  return res.body as { id: string; startsAt: string };
}
const signup = (who: TestUser, id: string) => t.http.post(`/shifts/${id}/signup`).set(who.auth);
const placesOn = async (id: string) => (await t.container.database.db.select().from(shiftSignups).where(eq(shiftSignups.shiftId, id))).map((p) => ({ userId: p.userId, status: p.status }));

describe('signing up', () => {
  it('takes a place; a full shift refuses with shift_full and has a waiting list', async () => {
    const s = await shift();
    const ok = await signup(w.ann, s.id);
    expect(ok.status).toBe(201);
    expect(ok.body).toMatchObject({ shiftId: s.id, userId: w.ann.id, status: 'confirmed', coverRequested: false });
    expectProblem(await signup(w.ann, s.id), 409, 'already_signed_up');
    expectProblem(await signup(w.bob, s.id), 409, 'shift_full');
    const waiting = await t.http.post(`/shifts/${s.id}/waitlist`).set(w.bob.auth);
    expect(waiting.status).toBe(201);
    expect(waiting.body).toMatchObject({ status: 'waitlisted', waitlistPosition: 1 });
    const second = await t.http.post(`/shifts/${s.id}/waitlist`).set(w.cat.auth);
    expect(second.body.waitlistPosition).toBe(2);
    expectProblem(await t.http.post(`/shifts/${s.id}/waitlist`).set(w.bob.auth), 409, 'already_signed_up');
    expect(await placesOn(s.id)).toHaveLength(3);
    const free = await shift({ volunteersNeeded: 2 });
    expectProblem(await t.http.post(`/shifts/${free.id}/waitlist`).set(w.bob.auth), 409, 'shift_not_full');
  });

  it('refuses overlapping shifts, too little rest and too many hours in a day', async () => {
    const a = await shift({ startsAt: '2026-03-20T08:00:00', endsAt: '2026-03-20T14:00:00' });
    const overlapping = await shift({ startsAt: '2026-03-20T13:00:00', endsAt: '2026-03-20T15:00:00' });
    const tooSoon = await shift({ startsAt: '2026-03-20T14:30:00', endsAt: '2026-03-20T15:30:00' });
    const tooLong = await shift({ startsAt: '2026-03-20T15:00:00', endsAt: '2026-03-20T18:00:00' });
    const backToBack = await shift({ startsAt: '2026-03-20T14:00:00', endsAt: '2026-03-20T15:00:00' });
    await signup(w.cat, a.id).expect(201);
    expectProblem(await signup(w.cat, overlapping.id), 409, 'shift_collides');
    expectProblem(await signup(w.cat, tooSoon.id), 422, 'rest_too_short');
    expectProblem(await signup(w.cat, tooLong.id), 422, 'too_many_hours');
    // Straight on from the first is one stint: no rest needed, 7 hours in the day.
    await signup(w.cat, backToBack.id).expect(201);
    for (const s of [overlapping, tooSoon, tooLong]) expect(await placesOn(s.id)).toEqual([]);
  });

  it('refuses shifts that started or were cancelled, and people who are not the hub\'s volunteers', async () => {
    const past = await shift({ startsAt: '2026-03-01T18:00:00', endsAt: '2026-03-01T20:00:00' });
    expectProblem(await signup(w.ann, past.id), 422, 'shift_started');
    const gone = await shift();
    await t.http.delete(`/shifts/${gone.id}`).set(w.staff.auth).send({ reason: 'Closed' }).expect(200);
    expectProblem(await signup(w.ann, gone.id), 422, 'shift_cancelled');
    const s = await shift();
    expectProblem(await signup(w.staff, s.id), 422, 'not_a_volunteer');
    for (const who of [w.outsider, w.hirer, w.otherStaff]) expectProblem(await signup(who, s.id), 404, 'not_found');
    expect(await placesOn(s.id)).toEqual([]);
  });

  it('takes trained roles only where the hub asks for it; staff record training', async () => {
    const hub = await makeHub(t, { settings: { rota: { trainedRolesOnly: true } } as never });
    const staff = await makeUser(t);
    const vol = await makeUser(t, { name: 'Tess Trained' });
    await addRole(t, hub.id, staff.id, 'staff');
    await addRole(t, hub.id, vol.id, 'volunteer');
    const s = await shift({ role: 'opener' }, hub.id, staff);
    expectProblem(await signup(vol, s.id), 422, 'not_trained');
    const put = await t.http.put(`/hubs/${hub.id}/volunteers/${vol.id}`).set(staff.auth).send({ trainedRoles: ['opener', 'closer'], notes: 'Has keys' });
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({ trainedRoles: ['opener', 'closer'], notes: 'Has keys' });
    await signup(vol, s.id).expect(201);
    expectProblem(await t.http.put(`/hubs/${hub.id}/volunteers/${vol.id}`).set(staff.auth).send({ trainedRoles: ['janitor'] }), 400, 'validation_failed');
    expectProblem(await t.http.put(`/hubs/${hub.id}/volunteers/${vol.id}`).set(vol.auth).send({ trainedRoles: [] }), 403, 'forbidden');
    expectProblem(await t.http.put(`/hubs/${hub.id}/volunteers/${staff.id}`).set(staff.auth).send({ trainedRoles: [] }), 404, 'not_found');
    expectProblem(await t.http.put(`/hubs/${hub.id}/volunteers/${vol.id}`).set(w.staff.auth).send({ trainedRoles: [] }), 404, 'not_found');
  });

  it('blocks sign-up after too many no-shows until staff clear them', async () => {
    const dan = await makeUser(t, { name: 'Dan Dodger' });
    await addRole(t, w.hub.id, dan.id, 'volunteer');
    for (const d of ['2026-02-20', '2026-02-21', '2026-02-22']) {
      const past = await shift({ startsAt: `${d}T18:00:00`, endsAt: `${d}T20:00:00` });
      const assigned = await t.http.post(`/shifts/${past.id}/assign`).set(w.staff.auth).send({ userId: dan.id });
      expect(assigned.status).toBe(201);
      expect(assigned.body.overrideRules).toEqual(['shift_started']);
      await t.http.post(`/shifts/${past.id}/attendance`).set(w.staff.auth).send({ userId: dan.id, status: 'no_show' }).expect(200);
    }
    const s = await shift();
    expectProblem(await signup(dan, s.id), 422, 'signup_blocked');
    const list = await t.http.get(`/hubs/${w.hub.id}/volunteers`).set(w.staff.auth);
    expect(list.body.items.find((v: { userId: string }) => v.userId === dan.id)).toMatchObject({ noShows: 3, signupBlocked: true });
    await t.http.put(`/hubs/${w.hub.id}/volunteers/${dan.id}`).set(w.staff.auth).send({ trainedRoles: [], clearNoShows: true }).expect(200);
    await signup(dan, s.id).expect(201);
  });
});

describe('withdrawing, cover and the waiting list', () => {
  it('withdraws in time; the first on the waiting list gets the place and a text', async () => {
    const s = await shift();
    await signup(w.ann, s.id).expect(201);
    await t.http.post(`/shifts/${s.id}/waitlist`).set(w.bob.auth).expect(201);
    const out = await t.http.post(`/shifts/${s.id}/withdraw`).set(w.ann.auth);
    expect(out.status).toBe(200);
    expect(out.body).toMatchObject({ filled: 1, myPlace: null, volunteers: [{ name: 'Bob', coverRequested: false }] });
    const texts = (await textsTo(t, w.bob.phone!)).filter((m) => m.kind === 'shift_place_freed');
    expect(texts).toHaveLength(1);
    expectProblem(await t.http.post(`/shifts/${s.id}/withdraw`).set(w.ann.auth), 422, 'not_signed_up');
  });

  it('after withdrawHours asks for cover instead; another volunteer takes the place over', async () => {
    const s = await shift({ startsAt: '2026-03-03T18:00:00', endsAt: '2026-03-03T20:00:00' });
    expectProblem(await t.http.post(`/shifts/${s.id}/cover/take`).set(w.bob.auth), 422, 'no_cover_requested');
    await signup(w.ann, s.id).expect(201);
    expectProblem(await t.http.post(`/shifts/${s.id}/withdraw`).set(w.ann.auth), 422, 'withdraw_too_late');
    expectProblem(await t.http.post(`/shifts/${s.id}/cover`).set(w.bob.auth), 422, 'not_signed_up');
    const asked = await t.http.post(`/shifts/${s.id}/cover`).set(w.ann.auth);
    expect(asked.status).toBe(200);
    expect(asked.body).toMatchObject({ lookingForCover: 1, filled: 1, myPlace: { coverRequested: true, status: 'confirmed' } });
    const staffView = await t.http.get(`/shifts/${s.id}`).set(w.staff.auth);
    expect(staffView.body.volunteers).toEqual([expect.objectContaining({ userId: w.ann.id, coverRequested: true })]);
    expectProblem(await t.http.post(`/shifts/${s.id}/cover/take`).set(w.ann.auth), 409, 'already_signed_up');
    expectProblem(await t.http.post(`/shifts/${s.id}/cover/take`).set(w.outsider.auth), 404, 'not_found');
    const taken = await t.http.post(`/shifts/${s.id}/cover/take`).set(w.bob.auth);
    expect(taken.status).toBe(201);
    expect(taken.body).toMatchObject({ userId: w.bob.id, status: 'confirmed' });
    expect(await placesOn(s.id)).toEqual(expect.arrayContaining([{ userId: w.ann.id, status: 'replaced' }, { userId: w.bob.id, status: 'confirmed' }]));
    expect((await textsTo(t, w.ann.phone!)).filter((m) => m.kind === 'shift_cover_taken')).toHaveLength(1);
  });
});

describe('staff', () => {
  it('assign over the rules (recorded) and unassign (the waiting list moves up, the volunteer is told)', async () => {
    const s = await shift();
    await signup(w.ann, s.id).expect(201);
    await t.http.post(`/shifts/${s.id}/waitlist`).set(w.bob.auth).expect(201);
    const over = await t.http.post(`/shifts/${s.id}/assign`).set(w.staff.auth).send({ userId: w.cat.id });
    expect(over.status).toBe(201);
    expect(over.body).toMatchObject({ status: 'confirmed', overrideRules: ['shift_full'] });
    expectProblem(await t.http.post(`/shifts/${s.id}/assign`).set(w.staff.auth).send({ userId: w.cat.id }), 409, 'already_signed_up');
    expectProblem(await t.http.post(`/shifts/${s.id}/assign`).set(w.staff.auth).send({ userId: w.outsider.id }), 422, 'not_a_volunteer');
    await t.http.post(`/shifts/${s.id}/unassign`).set(w.staff.auth).send({ userId: w.cat.id }).expect(200);
    const off = await t.http.post(`/shifts/${s.id}/unassign`).set(w.staff.auth).send({ userId: w.ann.id });
    expect(off.body.volunteers.map((v: { userId: string }) => v.userId)).toEqual([w.bob.id]);
    expect((await textsTo(t, w.ann.phone!)).filter((m) => m.kind === 'shift_unassigned')).toHaveLength(1);
    expectProblem(await t.http.post(`/shifts/${s.id}/unassign`).set(w.staff.auth).send({ userId: w.ann.id }), 422, 'not_signed_up');
    expectProblem(await t.http.post(`/shifts/${s.id}/assign`).set(w.staff.auth).send({ userId: 'nope' }), 400, 'validation_failed');
    expectProblem(await t.http.post(`/shifts/${s.id}/assign`).set(w.ann.auth).send({ userId: w.cat.id }), 403, 'forbidden');
    expectProblem(await t.http.post(`/shifts/${s.id}/unassign`).set(w.otherStaff.auth).send({ userId: w.bob.id }), 404, 'not_found');
    expect(await placesOn(s.id)).toEqual(expect.arrayContaining([{ userId: w.bob.id, status: 'confirmed' }]));
  });

  it('mark attendance once a shift has started; attended minutes default to its length', async () => {
    const future = await shift();
    await signup(w.ann, future.id).expect(201);
    expectProblem(await t.http.post(`/shifts/${future.id}/attendance`).set(w.staff.auth).send({ userId: w.ann.id, status: 'attended' }), 422, 'shift_not_started');
    const past = await shift({ startsAt: '2026-02-26T18:00:00', endsAt: '2026-02-26T21:00:00' });
    await t.http.post(`/shifts/${past.id}/assign`).set(w.staff.auth).send({ userId: w.ann.id }).expect(201);
    await t.http.post(`/shifts/${past.id}/assign`).set(w.staff.auth).send({ userId: w.bob.id }).expect(201);
    const ann = await t.http.post(`/shifts/${past.id}/attendance`).set(w.staff.auth).send({ userId: w.ann.id, status: 'attended' });
    expect(ann.body).toMatchObject({ attendance: 'attended', attendedMinutes: 180 });
    const bob = await t.http.post(`/shifts/${past.id}/attendance`).set(w.staff.auth).send({ userId: w.bob.id, status: 'attended', minutes: 90 });
    expect(bob.body.attendedMinutes).toBe(90);
    expectProblem(await t.http.post(`/shifts/${past.id}/attendance`).set(w.staff.auth).send({ userId: w.bob.id, status: 'excused', minutes: 30 }), 400, 'validation_failed');
    expectProblem(await t.http.post(`/shifts/${past.id}/attendance`).set(w.staff.auth).send({ userId: w.bob.id, status: 'late' }), 400, 'validation_failed');
    expectProblem(await t.http.post(`/shifts/${past.id}/attendance`).set(w.staff.auth).send({ userId: w.cat.id, status: 'attended' }), 422, 'not_signed_up');
    expectProblem(await t.http.post(`/shifts/${past.id}/attendance`).set(w.ann.auth).send({ userId: w.ann.id, status: 'attended' }), 403, 'forbidden');
    expectProblem(await t.http.post(`/shifts/${past.id}/attendance`).set(w.otherStaff.auth).send({ userId: w.ann.id, status: 'attended' }), 404, 'not_found');
    const hours = await t.http.get('/me/hours?from=2026-02-01T00:00:00Z&to=2026-03-01T00:00:00Z').set(w.bob.auth);
    expect(hours.body).toMatchObject({ totalMinutes: 90, items: [{ hubId: w.hub.id, role: 'welcome', month: '2026-02', minutes: 90, hours: 1.5 }] });
  });
});
