import { eq } from 'drizzle-orm';
import { accessCodes, users } from '../../src/db/schema';
import { JOBS, runJob } from '../../src/worker/jobs';
import { createTestApp, type TestApp } from '../helpers/app';
import { expectProblem } from '../helpers/factories';
import { createShift, makeRotaWorld, textsTo, type RotaWorld } from '../helpers/rota';

// The clock starts Monday 2026-03-02 09:00Z; codes are issued 24 h ahead, valid from 15 minutes before.
let t: TestApp;
let w: RotaWorld;
let door: { id: string; deviceKey: string };
beforeAll(async () => {
  t = await createTestApp();
  w = await makeRotaWorld(t);
  await t.container.database.db.update(users).set({ phone: '+447700900100' }).where(eq(users.id, w.staff.id));
  const res = await t.http.post(`/hubs/${w.hub.id}/doors`).set(w.staff.auth).send({ name: 'Front door', provider: 'keypad', roomIds: [w.room.id] });
  door = res.body;
});
afterAll(() => t.close());
beforeEach(() => t.clock.set('2026-03-02T09:00:00Z'));

const job = (name: string) => runJob(t.container, JOBS.find((j) => j.name === name)!);
const verify = (code: string) => t.http.post(`/doors/${door.id}/verify`).set('X-Device-Key', door.deviceKey).send({ code });

describe('door codes for places', () => {
  it('a volunteer on a shift gets a code for its window, texted, shown only inside it, revoked when they leave', async () => {
    const s = await createShift(t, w.staff, w.hub.id, { role: 'opener', startsAt: '2026-03-02T18:00:00', endsAt: '2026-03-02T19:00:00' });
    await t.http.post(`/shifts/${s.body.id}/signup`).set(w.ann.auth).expect(201);
    const sent = (await textsTo(t, w.ann.phone!)).filter((m) => m.kind === 'access_code');
    expect(sent).toHaveLength(1);
    expect(sent[0].body).toContain('Shift door code');

    let mine = await t.http.get('/me/shifts').set(w.ann.auth);
    expect(mine.status).toBe(200);
    const item = mine.body.items.find((i: { shift: { id: string } }) => i.shift.id === s.body.id);
    expect(item.access).toMatchObject({ status: 'active', validFrom: '2026-03-02T17:45:00+00:00', validUntil: '2026-03-02T19:15:00+00:00' });
    expect(item.access.code).toBeUndefined();

    t.clock.set('2026-03-02T17:50:00Z');
    mine = await t.http.get('/me/shifts').set(w.ann.auth);
    const code = mine.body.items.find((i: { shift: { id: string } }) => i.shift.id === s.body.id).access.code as string;
    expect(code).toMatch(/^\d{4,8}$/);
    expect((await verify(code)).body.granted).toBe(true);

    // Nobody else sees it: Bob's view of the shift has no code, and his own list does not hold the shift.
    expect((await t.http.get('/me/shifts').set(w.bob.auth)).body.items.find((i: { shift: { id: string } }) => i.shift.id === s.body.id)).toBeUndefined();

    await t.http.post(`/shifts/${s.body.id}/unassign`).set(w.staff.auth).send({ userId: w.ann.id }).expect(200);
    expect(await job('rota.revoke-stale-codes')).toBe(1);
    expect((await verify(code)).body.granted).toBe(false);
    const rows = await t.container.database.db.select().from(accessCodes).where(eq(accessCodes.shiftRef, s.body.id));
    expect(rows.map((r) => r.status)).toEqual(['revoked']);
    expect(await job('rota.revoke-stale-codes')).toBe(0);
  });

  it('codes are issued by the job when the window opens, and follow a shift that moves', async () => {
    const s = await createShift(t, w.staff, w.hub.id, { role: 'closer', startsAt: '2026-03-04T21:00:00', endsAt: '2026-03-04T21:30:00' });
    await t.http.post(`/shifts/${s.body.id}/signup`).set(w.bob.auth).expect(201);
    expect(await job('rota.issue-due-codes')).toBe(0);
    t.clock.set('2026-03-03T21:00:00Z');
    expect(await job('rota.issue-due-codes')).toBe(1);
    expect(await job('rota.issue-due-codes')).toBe(0);
    await t.http.patch(`/shifts/${s.body.id}`).set(w.staff.auth).send({ endsAt: '2026-03-04T22:00:00' }).expect(200);
    expect(await job('rota.revoke-stale-codes')).toBe(1);
    expect(await job('rota.issue-due-codes')).toBe(1);
    const rows = await t.container.database.db.select().from(accessCodes).where(eq(accessCodes.shiftRef, s.body.id));
    expect(rows.map((r) => [r.status, r.validUntil.toISOString()]).sort()).toEqual([
      ['active', '2026-03-04T22:15:00.000Z'],
      ['revoked', '2026-03-04T21:45:00.000Z'],
    ]);
  });
});

describe('issuing a code once', () => {
  it('the request that took a place and the job racing to issue its code issue one code', async () => {
    const s = await createShift(t, w.staff, w.hub.id, { role: 'welcome', startsAt: '2026-03-09T18:00:00', endsAt: '2026-03-09T19:00:00' });
    const place = await t.http.post(`/shifts/${s.body.id}/signup`).set(w.cat.auth).expect(201);
    t.clock.set('2026-03-08T19:00:00Z');
    const notices = t.container.services.rota.notices;
    await Promise.all([notices.placeTaken(place.body.id), notices.issueDueCodes(), notices.placeTaken(place.body.id)]);
    const rows = await t.container.database.db.select().from(accessCodes).where(eq(accessCodes.shiftRef, s.body.id));
    expect(rows).toHaveLength(1);
  });
});

describe('texts', () => {
  it('one reminder per place, reminderLeadMinutes before the shift', async () => {
    const s = await createShift(t, w.staff, w.hub.id, { role: 'events', startsAt: '2026-03-05T18:00:00', endsAt: '2026-03-05T20:00:00' });
    await t.http.post(`/shifts/${s.body.id}/signup`).set(w.cat.auth).expect(201);
    expect(await job('rota.send-reminders')).toBe(0);
    t.clock.set('2026-03-04T18:00:00Z');
    // Cat's place, and Bob's closer from the test before (due too by now).
    expect(await job('rota.send-reminders')).toBe(2);
    expect(await job('rota.send-reminders')).toBe(0);
    const reminders = (await textsTo(t, w.cat.phone!)).filter((m) => m.kind === 'shift_reminder');
    expect(reminders).toHaveLength(1);
    expect(reminders[0].body).toContain('Thu 5 Mar 18:00-20:00');
  });

  it('a shift still short is alerted once, to staff and to eligible volunteers not on it', async () => {
    const s = await createShift(t, w.staff, w.hub.id, { role: 'events', startsAt: '2026-03-03T10:00:00', endsAt: '2026-03-03T12:00:00', volunteersNeeded: 2 });
    await t.http.post(`/shifts/${s.body.id}/signup`).set(w.ann.auth).expect(201);
    expect(await job('rota.alert-unfilled')).toBeGreaterThanOrEqual(1);
    expect(await job('rota.alert-unfilled')).toBe(0);
    const alerted = async (phone: string) => (await textsTo(t, phone)).filter((m) => m.kind === 'shift_unfilled' && m.dedupeKey!.includes(s.body.id));
    expect(await alerted('+447700900100')).toHaveLength(1);
    expect(await alerted(w.bob.phone!)).toHaveLength(1);
    expect(await alerted(w.cat.phone!)).toHaveLength(1);
    expect(await alerted(w.ann.phone!)).toHaveLength(0);
    expect(await alerted(w.outsider.phone!)).toHaveLength(0);
    expect((await alerted(w.bob.phone!))[0].body).toContain('still needs 1 volunteer');
  });
});

describe('hours, volunteers and who is on site', () => {
  it('counts attended minutes by hub, role and month, only inside the interval asked for', async () => {
    // 23:00Z 28 Feb to 01:00Z 1 Mar: half in February, half in March.
    const s = await createShift(t, w.staff, w.hub.id, { role: 'caretaker', startsAt: '2026-02-28T23:00:00Z', endsAt: '2026-03-01T01:00:00Z' });
    await t.http.post(`/shifts/${s.body.id}/assign`).set(w.staff.auth).send({ userId: w.cat.id }).expect(201);
    await t.http.post(`/shifts/${s.body.id}/attendance`).set(w.staff.auth).send({ userId: w.cat.id, status: 'attended' }).expect(200);
    const march = await t.http.get('/me/hours?from=2026-03-01T00:00:00Z&to=2026-04-01T00:00:00Z').set(w.cat.auth);
    expect(march.body).toMatchObject({ totalMinutes: 60, items: [{ role: 'caretaker', month: '2026-02', minutes: 60, hours: 1 }] });
    const both = await t.http.get('/me/hours?from=2026-02-01T00:00:00Z&to=2026-04-01T00:00:00Z').set(w.cat.auth);
    expect(both.body.totalMinutes).toBe(120);
    const forReports = await t.container.repos.rota.attendedMinutesByHubRoleMonth({ from: new Date('2026-02-01T00:00:00Z'), to: new Date('2026-03-01T00:00:00Z'), hubIds: [w.hub.id] });
    expect(forReports).toEqual([{ hubId: w.hub.id, hubName: w.hub.name, role: 'caretaker', month: '2026-02', minutes: 60, volunteers: 1 }]);
    expect(await t.container.repos.rota.attendedMinutesByHubRoleMonth({ from: new Date('2026-02-01T00:00:00Z'), to: new Date('2026-03-01T00:00:00Z'), hubIds: [w.otherHub.id] })).toEqual([]);
    expectProblem(await t.http.get('/me/hours?from=yesterday').set(w.cat.auth), 400, 'validation_failed');
    expectProblem(await t.http.get('/me/hours?from=2026-03-01T00:00:00Z&to=2026-02-01T00:00:00Z').set(w.cat.auth), 400, 'validation_failed');
    expectProblem(await t.http.get('/me/hours'), 401, 'unauthenticated');
  });

  it('staff list the hub\'s volunteers with roles, places, hours and no-shows', async () => {
    await t.http.put(`/hubs/${w.hub.id}/volunteers/${w.cat.id}`).set(w.staff.auth).send({ trainedRoles: ['caretaker'], notes: 'First aider' }).expect(200);
    const res = await t.http.get(`/hubs/${w.hub.id}/volunteers`).set(w.staff.auth);
    expect(res.status).toBe(200);
    expect(res.body.items.map((v: { name: string }) => v.name)).toEqual(['Ann Able', 'Bob Baker', 'Cat Cole']);
    expect(res.body.items[2]).toMatchObject({ userId: w.cat.id, trainedRoles: ['caretaker'], notes: 'First aider', noShows: 0, signupBlocked: false });
    expect(res.body.items[2].attendedMinutes).toBeGreaterThanOrEqual(120);
    expectProblem(await t.http.get(`/hubs/${w.hub.id}/volunteers`).set(w.ann.auth), 403, 'forbidden');
    expectProblem(await t.http.get(`/hubs/${w.hub.id}/volunteers`).set(w.otherStaff.auth), 404, 'not_found');
    expectProblem(await t.http.get(`/hubs/${w.hub.id}/volunteers`).set(w.hirer.auth), 404, 'not_found');
  });

  it('on-site: volunteers on shift now and bookings in progress', async () => {
    const s = await createShift(t, w.staff, w.hub.id, { role: 'welcome', startsAt: '2026-03-06T18:00:00', endsAt: '2026-03-06T20:00:00' });
    await t.http.post(`/shifts/${s.body.id}/signup`).set(w.bob.auth).expect(201);
    const bk = await t.http.post('/bookings').set(w.hirer.auth).send({ roomId: w.room.id, organisationId: w.org.id, title: 'Choir', attendees: 10, startsAt: '2026-03-06T18:30:00', endsAt: '2026-03-06T20:00:00' });
    expect(bk.status).toBe(201);
    t.clock.set('2026-03-06T19:00:00Z');
    const now = await t.http.get(`/hubs/${w.hub.id}/on-site`).set(w.staff.auth);
    expect(now.status).toBe(200);
    expect(now.body.volunteers).toEqual([expect.objectContaining({ userId: w.bob.id, shiftId: s.body.id, role: 'welcome' })]);
    expect(now.body.bookings).toEqual([expect.objectContaining({ bookingId: bk.body.id, title: 'Choir' })]);
    t.clock.set('2026-03-06T21:00:00Z');
    expect((await t.http.get(`/hubs/${w.hub.id}/on-site`).set(w.staff.auth)).body).toMatchObject({ volunteers: [], bookings: [] });
    expectProblem(await t.http.get(`/hubs/${w.hub.id}/on-site`).set(w.bob.auth), 403, 'forbidden');
    expectProblem(await t.http.get(`/hubs/${w.hub.id}/on-site`).set(w.otherStaff.auth), 404, 'not_found');
  });

  it('/me/shifts lists my places and waiting-list places, and nothing of others', async () => {
    const s = await createShift(t, w.staff, w.hub.id, { role: 'welcome', startsAt: '2026-03-07T10:00:00', endsAt: '2026-03-07T12:00:00' });
    await t.http.post(`/shifts/${s.body.id}/signup`).set(w.ann.auth).expect(201);
    await t.http.post(`/shifts/${s.body.id}/waitlist`).set(w.bob.auth).expect(201);
    const bob = await t.http.get('/me/shifts?from=2026-03-07T00:00:00Z&to=2026-03-08T00:00:00Z').set(w.bob.auth);
    expect(bob.body.items).toEqual([expect.objectContaining({ place: expect.objectContaining({ status: 'waitlisted', waitlistPosition: 1 }), access: null })]);
    expect(bob.body.items[0].shift.volunteers).toEqual([{ name: 'Ann', coverRequested: false }]);
    expect((await t.http.get('/me/shifts?from=2026-03-07T00:00:00Z&to=2026-03-08T00:00:00Z').set(w.hirer.auth)).body.items).toEqual([]);
    expectProblem(await t.http.get('/me/shifts?to=soon').set(w.bob.auth), 400, 'validation_failed');
  });
});
