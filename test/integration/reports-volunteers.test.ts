import { createTestApp, type TestApp } from '../helpers/app';
import { createShift, makeRotaWorld, type RotaWorld } from '../helpers/rota';

// The report's volunteers section reads the rota's attended places (the clock is 2026-03-02 09:00Z).
let t: TestApp;
let w: RotaWorld;
beforeAll(async () => {
  t = await createTestApp();
  w = await makeRotaWorld(t);
});
afterAll(() => t.close());

async function attendedShift(role: string, startsAt: string, endsAt: string, places: { userId: string; minutes?: number }[]) {
  const s = await createShift(t, w.staff, w.hub.id, { role, startsAt, endsAt, volunteersNeeded: places.length });
  expect(s.status).toBe(201);
  for (const p of places) {
    await t.http.post(`/shifts/${s.body.id}/assign`).set(w.staff.auth).send({ userId: p.userId }).expect(201);
    await t.http.post(`/shifts/${s.body.id}/attendance`).set(w.staff.auth).send({ userId: p.userId, status: 'attended', ...(p.minutes ? { minutes: p.minutes } : {}) }).expect(200);
  }
}

describe('volunteer hours in the usage report', () => {
  it('counts attended minutes by role, the part of a shift inside the period, and each volunteer once', async () => {
    // 3 h for Ann and 1.5 h for Bob on one welcome shift; a caretaker shift straddling 28 February's end.
    await attendedShift('welcome', '2026-02-10T18:00:00', '2026-02-10T21:00:00', [{ userId: w.ann.id }, { userId: w.bob.id, minutes: 90 }]);
    await attendedShift('caretaker', '2026-02-28T22:00:00', '2026-03-01T02:00:00', [{ userId: w.ann.id }]);

    const feb = await t.http.get(`/hubs/${w.hub.id}/reports/usage?from=2026-02-01&to=2026-02-28`).set(w.staff.auth);
    expect(feb.status).toBe(200);
    const v = feb.body.volunteers;
    // 180 + 90 on the welcome shift; 120 of the caretaker shift's 240 minutes fall inside February.
    expect(v.minutes).toBe(180 + 90 + 120);
    expect(v.volunteers).toBe(2);
    expect(v.note).toBeNull();
    const byRole = Object.fromEntries(v.byRole.map((r: { role: string; minutes: number; volunteers: number }) => [r.role, { minutes: r.minutes, volunteers: r.volunteers }]));
    expect(byRole).toEqual({ welcome: { minutes: 270, volunteers: 2 }, caretaker: { minutes: 120, volunteers: 1 } });
    expect(v.valuePence).toBeGreaterThan(0);

    // The rest of the caretaker shift lands in March: two adjacent periods add up to the whole shift.
    const mar = await t.http.get(`/hubs/${w.hub.id}/reports/usage?from=2026-03-01&to=2026-03-01`).set(w.staff.auth);
    expect(mar.body.volunteers.minutes).toBe(120);

    // Staff of another hub see nothing of it.
    expect((await t.http.get(`/hubs/${w.hub.id}/reports/usage?from=2026-02-01&to=2026-02-28`).set(w.otherStaff.auth)).status).toBe(403);
  });
});
