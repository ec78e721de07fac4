import { randomUUID } from 'node:crypto';
import { hashPassword } from '../../src/lib/crypto';
import { hubMembers, hubs, organisationMembers, organisations, rooms, users } from '../../src/db/schema';
import { hubSettingsSchema, openOn, type HubSettings, type OpeningHours } from '../../src/modules/venues/venues.types';
import type { TestApp } from './app';

let hashed: Promise<string> | undefined;
export const PASSWORD = 'correct horse battery';

export const everyDay = (opens = '08:00', closes = '22:00'): OpeningHours => openOn(opens, closes);

const uniq = () => randomUUID().slice(0, 8);

export async function makeUser(t: TestApp, opts: { isAdmin?: boolean; name?: string; phone?: string } = {}) {
  hashed ??= hashPassword(PASSWORD);
  const [u] = await t.container.database.db
    .insert(users)
    .values({ email: `u-${uniq()}@test.example`, name: opts.name ?? 'Test User', isAdmin: opts.isAdmin ?? false, passwordHash: await hashed, phone: opts.phone ?? null })
    .returning();
  const token = t.app.jwt.sign({ sub: u.id });
  return { ...u, token, auth: { Authorization: `Bearer ${token}` } };
}
export type TestUser = Awaited<ReturnType<typeof makeUser>>;

export async function makeHub(t: TestApp, opts: { timezone?: string; openingHours?: OpeningHours; settings?: Partial<HubSettings>; name?: string } = {}) {
  const [hub] = await t.container.database.db
    .insert(hubs)
    .values({
      name: opts.name ?? `Hub ${uniq()}`,
      address: '1 Test Street',
      timezone: opts.timezone ?? 'Europe/London',
      openingHours: opts.openingHours ?? everyDay(),
      settings: hubSettingsSchema.parse({ minNoticeMinutes: 60, ...opts.settings }),
    })
    .returning();
  return hub;
}

export async function makeRoom(t: TestApp, hubId: string, opts: Partial<typeof rooms.$inferInsert> = {}) {
  const [room] = await t.container.database.db
    .insert(rooms)
    .values({ hubId, name: `Room ${uniq()}`, capacity: 20, features: ['step_free_access'], bufferMinutes: 0, minBookingMinutes: 30, maxBookingMinutes: 480, ...opts })
    .returning();
  return room;
}

export async function addRole(t: TestApp, hubId: string, userId: string, role: 'staff' | 'volunteer') {
  await t.container.database.db.insert(hubMembers).values({ hubId, userId, role });
}

/**
 * An organisation with these members. A statutory or national-charity claim comes verified at
 * that tier unless `verificationStatus` is given (an unverified claim cheaper than private waits
 * for review); a community claim comes unverified unless told.
 */
export async function makeOrg(t: TestApp, memberIds: string[], opts: Partial<typeof organisations.$inferInsert> = {}) {
  const verified =
    opts.verificationStatus === undefined && (opts.claimedTier === 'statutory' || opts.claimedTier === 'national_charity')
      ? { verificationStatus: 'verified' as const, verifiedTier: opts.claimedTier, recheckOn: '2099-01-01' }
      : {};
  const [org] = await t.container.database.db
    .insert(organisations)
    .values({ name: `Org ${uniq()}`, claimedTier: 'private', contactPhone: '+447700900999', ...verified, ...opts })
    .returning();
  for (const userId of memberIds) await t.container.database.db.insert(organisationMembers).values({ organisationId: org.id, userId });
  return org;
}

/** A small world: one hub with two rooms, its staff, an admin, two hirers with their own organisations, and staff of another hub. */
export async function makeWorld(t: TestApp, hubOpts: Parameters<typeof makeHub>[1] = {}) {
  const hub = await makeHub(t, hubOpts);
  const otherHub = await makeHub(t);
  const room = await makeRoom(t, hub.id, { name: 'Hall', capacity: 50, features: ['hearing_loop', 'step_free_access'], bufferMinutes: 15 });
  const smallRoom = await makeRoom(t, hub.id, { name: 'Snug', capacity: 6 });
  const admin = await makeUser(t, { isAdmin: true, name: 'Admin' });
  const staff = await makeUser(t, { name: 'Staff' });
  const otherStaff = await makeUser(t, { name: 'Other staff' });
  const hirer = await makeUser(t, { name: 'Hirer' });
  const stranger = await makeUser(t, { name: 'Stranger' });
  await addRole(t, hub.id, staff.id, 'staff');
  await addRole(t, otherHub.id, otherStaff.id, 'staff');
  const org = await makeOrg(t, [hirer.id], { claimedTier: 'private' });
  const strangerOrg = await makeOrg(t, [stranger.id], { claimedTier: 'private' });
  return { hub, otherHub, room, smallRoom, admin, staff, otherStaff, hirer, stranger, org, strangerOrg };
}

/** Asserts a problem+json error with the given status and code. */
export function expectProblem(res: { status: number; headers: Record<string, string>; body: Record<string, unknown> }, status: number, code: string) {
  expect({ status: res.status, code: res.body.code }).toEqual({ status, code });
  expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
  expect(typeof res.body.detail).toBe('string');
}
