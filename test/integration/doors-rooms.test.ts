import { eq } from 'drizzle-orm';
import { doorRooms } from '../../src/db/schema';
import type { OutboxRow } from '../../src/modules/notifications/outbox.repository';
import { createTestApp, type TestApp } from '../helpers/app';
import { expectProblem, makeOrg, makeRoom, makeWorld } from '../helpers/factories';

/** PATCH /doors/:id {roomIds}: a door's rooms change, and the codes follow at once. */
let t: TestApp;
let w: Awaited<ReturnType<typeof makeWorld>>;
let orgId: string;
// Every code the generator offers is 482913, then 593024, then 604135, then round again.
const digits = '482913593024604135'.split('').map(Number);
let i = 0;

beforeAll(async () => {
  t = await createTestApp({ overrides: { selfEntry: { random: () => digits[i++ % digits.length] } } });
  w = await makeWorld(t);
  orgId = (await makeOrg(t, [w.hirer.id], { paysByInvoice: true })).id;
});
afterAll(() => t.close());

let phoneSeq = 700;
const nextPhone = () => `+4477009${String(phoneSeq++).padStart(5, '0')}`;

async function newKeypad(name: string, roomIds: string[]) {
  const res = await t.http.post(`/hubs/${w.hub.id}/doors`).set(w.staff.auth).send({ name, provider: 'keypad', roomIds });
  expect(res.status).toBe(201);
  return res.body as { id: string; deviceKey: string };
}
async function book(roomId: string, startsAt: string, endsAt: string) {
  i = 0;
  const contactPhone = nextPhone();
  const res = await t.http.post('/bookings').set(w.hirer.auth).send({ roomId, organisationId: orgId, startsAt, endsAt, title: 'Choir', attendees: 4, contactPhone });
  expect(res.status).toBe(201);
  expect(res.body.status).toBe('confirmed');
  return { id: res.body.id as string, phone: contactPhone };
}
const texts = (to: string) => t.container.services.outbox.list({ to });
const codeIn = async (msg: OutboxRow) => /: (\d{4,12})\. Works/.exec((await t.container.services.outbox.render(msg)) ?? '')?.[1];
const verify = async (door: { id: string; deviceKey: string }, code: string) => {
  t.clock.advance(1000);
  return (await t.http.post(`/doors/${door.id}/verify`).set('X-Device-Key', door.deviceKey).send({ code })).body;
};
const access = async (bookingId: string) => (await t.http.get(`/bookings/${bookingId}/access`).set(w.hirer.auth)).body;

describe('PATCH /doors/:doorId {roomIds}', () => {
  it('moves a door to other rooms: their bookings\' codes open it, the rooms taken off lose it, and bookings that had no door get a code', async () => {
    const annex = await makeRoom(t, w.hub.id, { name: 'Annex', capacity: 10 });
    const hallDoor = await newKeypad('Hall door', [w.room.id]);
    const snugDoor = await newKeypad('Snug door', [w.smallRoom.id]);
    t.clock.set('2026-05-04T09:00:00Z');
    const inHall = await book(w.room.id, '2026-05-04T10:00:00Z', '2026-05-04T12:00:00Z');
    const inSnug = await book(w.smallRoom.id, '2026-05-04T13:00:00Z', '2026-05-04T15:00:00Z');
    const inAnnex = await book(annex.id, '2026-05-04T16:00:00Z', '2026-05-04T18:00:00Z');
    const hallCode = (await codeIn((await texts(inHall.phone))[0]))!;
    const snugCode = (await codeIn((await texts(inSnug.phone))[0]))!;
    expect(await texts(inAnnex.phone)).toHaveLength(0);
    expect((await access(inAnnex.id)).status).toBe('none');

    const res = await t.http.patch(`/doors/${hallDoor.id}`).set(w.staff.auth).send({ roomIds: [w.smallRoom.id, annex.id, annex.id] });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: hallDoor.id, name: 'Hall door', roomIds: [w.smallRoom.id, annex.id].sort() });

    // The Snug's code opens the Hall door too now, with the same digits (its text stays true), and still the Snug door.
    t.clock.set('2026-05-04T13:00:00Z');
    expect(await verify(hallDoor, snugCode)).toEqual({ granted: true, reason: 'granted' });
    expect(await verify(snugDoor, snugCode)).toEqual({ granted: true, reason: 'granted' });
    expect((await access(inSnug.id)).doors.map((d: { name: string; works: boolean }) => [d.name, d.works])).toEqual([
      ['Hall door', true],
      ['Snug door', true],
    ]);
    // The Hall's booking no longer opens it.
    t.clock.set('2026-05-04T10:30:00Z');
    expect((await verify(hallDoor, hallCode)).granted).toBe(false);
    expect((await access(inHall.id)).doors).toEqual([expect.objectContaining({ name: 'Hall door', works: false })]);
    // The Annex booking had no door: it is due, so its code was issued and texted at once.
    const annexTexts = await texts(inAnnex.phone);
    expect(annexTexts).toHaveLength(1);
    expect(annexTexts[0].body).toContain('Hall door');
    const annexCode = (await codeIn(annexTexts[0]))!;
    t.clock.set('2026-05-04T16:00:00Z');
    expect(await verify(hallDoor, annexCode)).toEqual({ granted: true, reason: 'granted' });

    // Back again, before the first booking: everything follows.
    t.clock.set('2026-05-04T09:30:00Z');
    expect((await t.http.patch(`/doors/${hallDoor.id}`).set(w.staff.auth).send({ roomIds: [w.room.id] })).status).toBe(200);
    t.clock.set('2026-05-04T10:30:00Z');
    expect(await verify(hallDoor, hallCode)).toEqual({ granted: true, reason: 'granted' });
    t.clock.set('2026-05-04T13:30:00Z');
    expect((await verify(hallDoor, snugCode)).granted).toBe(false);
    expect(await verify(snugDoor, snugCode)).toEqual({ granted: true, reason: 'granted' });
  });

  it('gives a booking new digits, texted, when its code clashes with another live one on the door it gains', async () => {
    const east = await makeRoom(t, w.hub.id, { name: 'East', capacity: 10 });
    const west = await makeRoom(t, w.hub.id, { name: 'West', capacity: 10 });
    const eastDoor = await newKeypad('East door', [east.id]);
    await newKeypad('West door', [west.id]);
    t.clock.set('2026-05-05T09:00:00Z');
    const inEast = await book(east.id, '2026-05-05T10:00:00Z', '2026-05-05T12:00:00Z');
    const inWest = await book(west.id, '2026-05-05T10:00:00Z', '2026-05-05T12:00:00Z');
    // Two doors, so the same digits for both.
    const eastCode = (await codeIn((await texts(inEast.phone))[0]))!;
    expect(await codeIn((await texts(inWest.phone))[0])).toBe(eastCode);

    t.clock.set('2026-05-05T09:10:00Z');
    expect((await t.http.patch(`/doors/${eastDoor.id}`).set(w.staff.auth).send({ roomIds: [east.id, west.id] })).status).toBe(200);
    const westTexts = await texts(inWest.phone);
    expect(westTexts).toHaveLength(2);
    const newWestCode = (await codeIn(westTexts[1]))!;
    expect(newWestCode).not.toBe(eastCode);
    expect(westTexts[1].body).not.toContain('moved');
    t.clock.set('2026-05-05T10:00:00Z');
    expect(await verify(eastDoor, eastCode)).toEqual({ granted: true, reason: 'granted' });
    expect(await verify(eastDoor, newWestCode)).toEqual({ granted: true, reason: 'granted' });
    expect((await access(inWest.id)).doors.map((d: { name: string }) => d.name)).toEqual(['East door', 'West door']);
  });

  it('refuses rooms of another hub, bad input and people who are not staff of the hub, changing nothing; an admin may', async () => {
    const door = await newKeypad('Side door', [w.room.id]);
    const foreignRoom = await makeRoom(t, w.otherHub.id, { name: 'Elsewhere' });
    const patch = (auth: Record<string, string>, body: object) => t.http.patch(`/doors/${door.id}`).set(auth).send(body);
    expectProblem(await patch(w.staff.auth, { roomIds: [w.smallRoom.id, foreignRoom.id] }), 422, 'room_not_in_hub');
    expectProblem(await patch(w.staff.auth, { roomIds: ['not-a-room'] }), 400, 'validation_failed');
    expectProblem(await patch(w.staff.auth, { roomIds: w.room.id }), 400, 'validation_failed');
    expectProblem(await patch(w.otherStaff.auth, { roomIds: [w.smallRoom.id] }), 404, 'not_found');
    expectProblem(await patch(w.hirer.auth, { roomIds: [w.smallRoom.id] }), 404, 'not_found');
    expectProblem(await t.http.patch(`/doors/${door.id}`).send({ roomIds: [w.smallRoom.id] }), 401, 'unauthenticated');
    const rows = await t.container.database.db.select().from(doorRooms).where(eq(doorRooms.doorId, door.id));
    expect(rows.map((r) => r.roomId)).toEqual([w.room.id]);

    const byAdmin = await patch(w.admin.auth, { roomIds: [] });
    expect(byAdmin.status).toBe(200);
    expect(byAdmin.body.roomIds).toEqual([]);
    expect(await t.container.database.db.select().from(doorRooms).where(eq(doorRooms.doorId, door.id))).toEqual([]);
  });
});
