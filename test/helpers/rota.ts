import { eq } from 'drizzle-orm';
import { outbox } from '../../src/db/schema';
import type { TestApp } from './app';
import { addRole, makeUser, makeWorld, type TestUser } from './factories';

/** makeWorld plus three volunteers of the hub (with phones) and one of the other hub. */
export async function makeRotaWorld(t: TestApp, hubOpts: Parameters<typeof makeWorld>[1] = {}) {
  const w = await makeWorld(t, hubOpts);
  const vol = async (name: string, hubId: string, phone: string) => {
    const u = await makeUser(t, { name, phone });
    await addRole(t, hubId, u.id, 'volunteer');
    return u;
  };
  const ann = await vol('Ann Able', w.hub.id, '+447700900101');
  const bob = await vol('Bob Baker', w.hub.id, '+447700900102');
  const cat = await vol('Cat Cole', w.hub.id, '+447700900103');
  const outsider = await vol('Olly Other', w.otherHub.id, '+447700900104');
  return { ...w, ann, bob, cat, outsider };
}
export type RotaWorld = Awaited<ReturnType<typeof makeRotaWorld>>;

export const createShift = (t: TestApp, staff: TestUser, hubId: string, over: Record<string, unknown> = {}) =>
  t.http
    .post(`/hubs/${hubId}/shifts`)
    .set(staff.auth)
    .send({ role: 'welcome', startsAt: '2026-03-10T18:00:00', endsAt: '2026-03-10T20:00:00', volunteersNeeded: 1, ...over });

/** Texts queued to a phone, oldest first. */
export const textsTo = async (t: TestApp, phone: string) =>
  (await t.container.database.db.select().from(outbox).where(eq(outbox.to, phone))).sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || a.kind.localeCompare(b.kind));
