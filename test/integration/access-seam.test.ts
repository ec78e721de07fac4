import { createFake, type Fake, type Seed } from '@seamapi/fake-seam-connect';
import { eq } from 'drizzle-orm';
import { accessCodeDoors, users } from '../../src/db/schema';
import { createTestApp, type TestApp } from '../helpers/app';
import { expectProblem, makeOrg, makeRoom, makeWorld } from '../helpers/factories';

let fake: Fake;
let seed: Seed;
let t: TestApp;
let w: Awaited<ReturnType<typeof makeWorld>>;
let orgId: string;
// The code generator offers 482913 first, then 593024, then 604135.
const digits = '482913593024604135'.split('').map(Number);
let i = 0;

beforeAll(async () => {
  fake = await createFake();
  seed = await fake.seed();
  await fake.startServer();
  t = await createTestApp({ env: { SEAM_API_KEY: seed.seam_apikey1_token, SEAM_ENDPOINT: fake.serverUrl! }, overrides: { selfEntry: { random: () => digits[i++ % digits.length], onError: () => undefined } } });
  w = await makeWorld(t);
  orgId = (await makeOrg(t, [w.hirer.id], { paysByInvoice: true })).id;
  await t.container.database.db.update(users).set({ phone: '+447700900502' }).where(eq(users.id, w.staff.id));
});
afterAll(async () => {
  await t.close();
  await fake.stopServer();
});

async function book(day: string, roomId: string, phone: string) {
  i = 0;
  const res = await t.http.post('/bookings').set(w.hirer.auth).send({ roomId, organisationId: orgId, startsAt: `${day}T14:00:00Z`, endsAt: `${day}T15:00:00Z`, title: 'x', attendees: 3, contactPhone: phone });
  expect(res.body.status).toBe('confirmed');
  return res.body.id as string;
}
/** The first text queued to a phone, as the sender renders it (the outbox holds a placeholder for the code). */
const sentText = async (to: string) => {
  const [row] = await t.container.services.outbox.list({ to });
  return { ...row, body: (await t.container.services.outbox.render(row))! };
};
const staffAlerts = async () => (await t.container.services.outbox.list({ to: '+447700900502' })).map((m) => m.body);

describe('seam doors', () => {
  it('refuses a door whose device Seam does not know', async () => {
    expectProblem(await t.http.post(`/hubs/${w.hub.id}/doors`).set(w.staff.auth).send({ name: 'X', provider: 'seam', roomIds: [w.room.id], providerDeviceId: 'no_such_device' }), 422, 'lock_device_not_found');
  });

  it('creates each code on the lock with its window, follows its status and removes it on revoke', async () => {
    const door = await t.http.post(`/hubs/${w.hub.id}/doors`).set(w.staff.auth).send({ name: 'Hall lock', provider: 'seam', roomIds: [w.room.id], providerDeviceId: seed.august_device_1 });
    expect(door.status).toBe(201);
    expect(door.body.deviceKey).toBeUndefined();
    t.clock.set('2026-03-02T09:00:00Z');
    const bookingId = await book('2026-03-02', w.room.id, '+447700900931');
    const onLock = fake.database.access_codes.find((c) => c.code === '482913' && c.device_id === seed.august_device_1)!;
    expect(onLock).toMatchObject({ starts_at: '2026-03-02T13:45:00.000Z', ends_at: '2026-03-02T15:15:00.000Z' });
    const sms = await sentText('+447700900931');
    expect(sms.body).toContain('482913');
    expect(sms.body).toContain('Hall lock');

    fake.database.updateAccessCode({ access_code_id: onLock.access_code_id, status: 'set' });
    await t.container.services.lockSync.syncLocks();
    const access = await t.http.get(`/bookings/${bookingId}/access`).set(w.staff.auth);
    expect(access.body.doors).toEqual([expect.objectContaining({ name: 'Hall lock', provider: 'seam', lockStatus: 'set', works: true })]);

    await t.http.post(`/access-codes/${access.body.accessCodeId}/revoke`).set(w.staff.auth).send({}).expect(200);
    expect(fake.database.access_codes.find((c) => c.access_code_id === onLock.access_code_id)).toBeUndefined();
  });

  it('picks another code when the lock already holds the one picked, and tells staff', async () => {
    t.clock.set('2026-03-03T09:00:00Z');
    // Someone set 482913 on the lock by hand for that afternoon.
    fake.database.addAccessCode({ device_id: seed.august_device_1, code: '482913', name: 'manual', type: 'time_bound', starts_at: '2026-03-03T12:00:00.000Z', ends_at: '2026-03-03T18:00:00.000Z', workspace_id: seed.seed_workspace_1 } as never);
    await book('2026-03-03', w.room.id, '+447700900932');
    const sms = await sentText('+447700900932');
    expect(sms.body).toContain('593024');
    expect(fake.database.access_codes.some((c) => c.code === '593024' && c.device_id === seed.august_device_1)).toBe(true);
    expect((await staffAlerts()).some((b) => b.includes('already had a code'))).toBe(true);
  });

  it('falls back to a keypad door when the lock is offline, and alerts staff', async () => {
    const keypad = await t.http.post(`/hubs/${w.hub.id}/doors`).set(w.staff.auth).send({ name: 'Front keypad', provider: 'keypad', roomIds: [] });
    await t.http.post(`/hubs/${w.hub.id}/doors`).set(w.staff.auth).send({ name: 'Snug lock', provider: 'seam', roomIds: [w.smallRoom.id], providerDeviceId: seed.august_device_2 }).expect(201);
    fake.database.updateDevice({ device_id: seed.august_device_2, properties: { online: false } });
    try {
      t.clock.set('2026-03-04T09:00:00Z');
      await book('2026-03-04', w.smallRoom.id, '+447700900933');
      const sms = await sentText('+447700900933');
      const code = /: (\d{6})\./.exec(sms.body)![1];
      expect(sms.body).toContain('Front keypad');
      expect(sms.body).not.toContain('Snug lock');
      expect((await staffAlerts()).some((b) => b.includes('Snug lock') && b.includes('offline'))).toBe(true);
      t.clock.set('2026-03-04T14:00:00Z');
      const res = await t.http.post(`/doors/${keypad.body.id}/verify`).set('X-Device-Key', keypad.body.deviceKey).send({ code });
      expect(res.body.granted).toBe(true);
      const links = await t.container.database.db.select().from(accessCodeDoors).where(eq(accessCodeDoors.doorId, keypad.body.id));
      expect(links).toHaveLength(1);
    } finally {
      fake.database.updateDevice({ device_id: seed.august_device_2, properties: { online: true } });
    }
  });

  it('pushes codes to a smart lock when its door gains a room (PATCH roomIds), and takes them off when it loses it', async () => {
    const annex = await makeRoom(t, w.hub.id, { name: 'Annex', capacity: 10 });
    await t.http.post(`/hubs/${w.hub.id}/doors`).set(w.staff.auth).send({ name: 'Annex keypad', provider: 'keypad', roomIds: [annex.id] }).expect(201);
    const lock = await t.http.post(`/hubs/${w.hub.id}/doors`).set(w.staff.auth).send({ name: 'Annex lock', provider: 'seam', roomIds: [], providerDeviceId: seed.august_device_2 });
    expect(lock.status).toBe(201);
    t.clock.set('2026-03-05T09:00:00Z');
    await book('2026-03-05', annex.id, '+447700900934');
    const code = /: (\d{6})\./.exec((await sentText('+447700900934')).body)![1];
    const onDevice2 = () => fake.database.access_codes.filter((c) => c.code === code && c.device_id === seed.august_device_2);
    expect(onDevice2()).toHaveLength(0);

    const gained = await t.http.patch(`/doors/${lock.body.id}`).set(w.staff.auth).send({ roomIds: [annex.id] });
    expect(gained.status).toBe(200);
    expect(onDevice2()).toHaveLength(1);
    expect(onDevice2()[0]).toMatchObject({ starts_at: '2026-03-05T13:45:00.000Z', ends_at: '2026-03-05T15:15:00.000Z' });
    const links = await t.container.database.db.select().from(accessCodeDoors).where(eq(accessCodeDoors.doorId, lock.body.id));
    expect(links).toEqual([expect.objectContaining({ active: true, providerCodeId: onDevice2()[0].access_code_id })]);

    expect((await t.http.patch(`/doors/${lock.body.id}`).set(w.staff.auth).send({ roomIds: [] })).status).toBe(200);
    expect(onDevice2()).toHaveLength(0);
    const after = await t.container.database.db.select().from(accessCodeDoors).where(eq(accessCodeDoors.doorId, lock.body.id));
    expect(after).toEqual([expect.objectContaining({ active: false, lockState: 'removed' })]);
  });
});
