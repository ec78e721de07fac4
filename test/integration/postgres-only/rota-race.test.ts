import { and, eq } from 'drizzle-orm';
import { shiftSignups } from '../../../src/db/schema';
import { createTestApp, type TestApp } from '../../helpers/app';
import { addRole, makeUser, makeWorld, type TestUser } from '../../helpers/factories';
import { createShift } from '../../helpers/rota';

/** Volunteers racing for the last place: the shift row's lock orders them (PostgreSQL only: many connections). */
let t: TestApp;
let w: Awaited<ReturnType<typeof makeWorld>>;
let volunteers: TestUser[];
beforeAll(async () => {
  t = await createTestApp();
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  w = await makeWorld(t);
  volunteers = [];
  for (let i = 0; i < 30; i++) {
    const v = await makeUser(t, { name: `Racer ${i}` });
    await addRole(t, w.hub.id, v.id, 'volunteer');
    volunteers.push(v);
  }
});
afterAll(() => t.close());

const confirmed = async (shiftId: string) =>
  (await t.container.database.db.select().from(shiftSignups).where(and(eq(shiftSignups.shiftId, shiftId), eq(shiftSignups.status, 'confirmed')))).length;

describe('racing for places (PostgreSQL)', () => {
  it('two volunteers for the last place: exactly one gets it, the other shift_full', async () => {
    for (let round = 0; round < 5; round++) {
      const s = await createShift(t, w.staff, w.hub.id, { startsAt: `2026-04-0${round + 1}T18:00:00`, endsAt: `2026-04-0${round + 1}T20:00:00`, volunteersNeeded: 2 });
      await t.http.post(`/shifts/${s.body.id}/signup`).set(volunteers[0].auth).expect(201);
      const [a, b] = await Promise.all([1, 2].map((i) => t.http.post(`/shifts/${s.body.id}/signup`).set(volunteers[i].auth)));
      expect([a.status, b.status].sort()).toEqual([201, 409]);
      expect([a, b].find((r) => r.status === 409)!.body.code).toBe('shift_full');
      expect(await confirmed(s.body.id)).toBe(2);
    }
  });

  it('30 at once for 3 places: 3 win, 27 shift_full, no 5xx and no deadlock', async () => {
    const s = await createShift(t, w.staff, w.hub.id, { startsAt: '2026-04-10T18:00:00', endsAt: '2026-04-10T20:00:00', volunteersNeeded: 3 });
    const results = await Promise.all(volunteers.map((v) => t.http.post(`/shifts/${s.body.id}/signup`).set(v.auth)));
    const statuses = results.map((r) => r.status);
    expect(statuses.filter((x) => x === 201)).toHaveLength(3);
    expect(statuses.filter((x) => x === 409)).toHaveLength(27);
    for (const r of results.filter((x) => x.status === 409)) expect(r.body.code).toBe('shift_full');
    expect(await confirmed(s.body.id)).toBe(3);
  });

  it('the same volunteer twice at once: one place, one already_signed_up', async () => {
    const s = await createShift(t, w.staff, w.hub.id, { startsAt: '2026-04-11T18:00:00', endsAt: '2026-04-11T20:00:00', volunteersNeeded: 5 });
    const results = await Promise.all([0, 1, 2].map(() => t.http.post(`/shifts/${s.body.id}/signup`).set(volunteers[5].auth)));
    expect(results.map((r) => r.status).sort()).toEqual([201, 409, 409]);
    expect(await confirmed(s.body.id)).toBe(1);
  });
});
