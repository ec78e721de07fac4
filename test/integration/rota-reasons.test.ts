import { eq } from 'drizzle-orm';
import { shiftSignups } from '../../src/db/schema';
import { createTestApp, type TestApp } from '../helpers/app';
import type { TestUser } from '../helpers/factories';
import { createShift, makeRotaWorld, type RotaWorld } from '../helpers/rota';

/**
 * signups.reasons: the sign-up rules run without writing, as the volunteer's open-shifts page
 * asks them. Each answer matches what POST /shifts/:id/signup then says. Clock: Monday 2026-03-02 09:00Z.
 */
let t: TestApp;
let w: RotaWorld;
beforeAll(async () => {
  t = await createTestApp();
  w = await makeRotaWorld(t);
});
afterAll(() => t.close());

const actor = async (u: TestUser) => (await t.container.repos.users.loadActor(u.id))!;
const reasons = async (u: TestUser, id: string) => t.container.services.rota.signups.reasons(await actor(u), id);
const shift = async (over: Record<string, unknown>, hubId = w.hub.id, staff = w.staff) => {
  const res = await createShift(t, staff, hubId, over);
  expect(res.status).toBe(201);
  return res.body as { id: string };
};
const places = async (id: string) => (await t.container.database.db.select().from(shiftSignups).where(eq(shiftSignups.shiftId, id))).length;

describe('signups.reasons', () => {
  it('nothing stops a volunteer taking an open shift, and asking writes nothing', async () => {
    const s = await shift({ startsAt: '2026-03-10T18:00:00', endsAt: '2026-03-10T20:00:00' });
    expect(await reasons(w.ann, s.id)).toEqual([]);
    expect(await places(s.id)).toBe(0);
    expect((await t.http.post(`/shifts/${s.id}/signup`).set(w.ann.auth)).status).toBe(201);
  });

  it('a full shift answers shift_full (the waiting list is still open); my own shift answers already_signed_up', async () => {
    const s = await shift({ startsAt: '2026-03-11T18:00:00', endsAt: '2026-03-11T20:00:00' });
    await t.http.post(`/shifts/${s.id}/signup`).set(w.ann.auth);
    expect(await reasons(w.bob, s.id)).toEqual(['shift_full']);
    expect(await reasons(w.ann, s.id)).toEqual(expect.arrayContaining(['already_signed_up']));
  });

  it('too close to another of my shifts: rest_too_short, as signup says', async () => {
    await shift({ startsAt: '2026-03-12T10:00:00', endsAt: '2026-03-12T12:00:00' }).then((s) => t.http.post(`/shifts/${s.id}/signup`).set(w.cat.auth));
    const near = await shift({ startsAt: '2026-03-12T12:30:00', endsAt: '2026-03-12T13:30:00' });
    expect(await reasons(w.cat, near.id)).toEqual(['rest_too_short']);
    const res = await t.http.post(`/shifts/${near.id}/signup`).set(w.cat.auth);
    expect(res.status).toBe(422);
    expect(res.body.code).toBe('rest_too_short');
  });

  it('someone who is not a volunteer of the hub: not_a_volunteer; another hub\'s people: 404', async () => {
    const s = await shift({ startsAt: '2026-03-13T18:00:00', endsAt: '2026-03-13T20:00:00' });
    expect(await reasons(w.staff, s.id)).toEqual(['not_a_volunteer']);
    await expect(reasons(w.outsider, s.id)).rejects.toMatchObject({ kind: 'not_found' });
  });

  it('a started shift answers shift_started', async () => {
    const s = await shift({ startsAt: '2026-03-02T08:00:00', endsAt: '2026-03-02T12:00:00' });
    expect(await reasons(w.bob, s.id)).toContain('shift_started');
  });
});
