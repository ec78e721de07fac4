import { randomUUID } from 'node:crypto';
import { createTestApp, type TestApp } from '../helpers/app';
import { expectProblem, makeWorld } from '../helpers/factories';

let t: TestApp;
let w: Awaited<ReturnType<typeof makeWorld>>;
beforeAll(async () => {
  t = await createTestApp();
  w = await makeWorld(t);
});
afterAll(() => t.close());

const newKeypad = async (name = 'Side door') => {
  const res = await t.http.post(`/hubs/${w.hub.id}/doors`).set(w.staff.auth).send({ name, provider: 'keypad', roomIds: [w.room.id] });
  expect(res.status).toBe(201);
  return res.body as { id: string; deviceKey: string };
};
const verify = (doorId: string, key: string) => t.http.post(`/doors/${doorId}/verify`).set('X-Device-Key', key).send({ code: '123456' });

describe('rotating a keypad device key', () => {
  it('gives a new key once and the old one stops working', async () => {
    const door = await newKeypad();
    expect((await verify(door.id, door.deviceKey)).status).toBe(200);
    const res = await t.http.post(`/doors/${door.id}/device-key`).set(w.staff.auth);
    expect(res.status).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.body.doorId).toBe(door.id);
    expect(res.body.deviceKey).not.toBe(door.deviceKey);
    expectProblem(await verify(door.id, door.deviceKey), 401, 'invalid_device_key');
    expect((await verify(door.id, res.body.deviceKey)).body).toMatchObject({ granted: false, reason: 'unknown_code' });
    const listed = await t.http.get(`/hubs/${w.hub.id}/doors`).set(w.staff.auth);
    expect(JSON.stringify(listed.body)).not.toContain(res.body.deviceKey);
  });

  it('refuses doors without a key, other hubs\' staff, hirers and unknown doors, changing nothing', async () => {
    const door = await newKeypad('Back door');
    const plain = (await t.http.post(`/hubs/${w.hub.id}/doors`).set(w.staff.auth).send({ name: 'Inner door', provider: 'none', roomIds: [w.room.id] })).body;
    expectProblem(await t.http.post(`/doors/${plain.id}/device-key`).set(w.staff.auth), 422, 'not_a_keypad_door');
    expectProblem(await t.http.post(`/doors/${door.id}/device-key`).set(w.otherStaff.auth), 404, 'not_found');
    expectProblem(await t.http.post(`/doors/${door.id}/device-key`).set(w.hirer.auth), 404, 'not_found');
    expectProblem(await t.http.post(`/doors/${door.id}/device-key`), 401, 'unauthenticated');
    expectProblem(await t.http.post(`/doors/${randomUUID()}/device-key`).set(w.staff.auth), 404, 'not_found');
    expectProblem(await t.http.post('/doors/not-a-door/device-key').set(w.staff.auth), 400, 'validation_failed');
    expect((await verify(door.id, door.deviceKey)).status).toBe(200);
  });
});

describe('renaming and retiring a door', () => {
  it('renames a door and retires it so it grants nothing', async () => {
    const door = await newKeypad('Garden gate');
    const renamed = await t.http.patch(`/doors/${door.id}`).set(w.staff.auth).send({ name: 'Garden gate (north)' });
    expect(renamed.status).toBe(200);
    expect(renamed.body).toMatchObject({ id: door.id, name: 'Garden gate (north)', active: true, roomIds: [w.room.id] });
    const retired = await t.http.patch(`/doors/${door.id}`).set(w.staff.auth).send({ active: false });
    expect(retired.body.active).toBe(false);
    expect((await verify(door.id, door.deviceKey)).body.granted).toBe(false);
    const list = await t.http.get(`/hubs/${w.hub.id}/doors`).set(w.staff.auth);
    expect(list.body.items.find((d: { id: string }) => d.id === door.id)).toMatchObject({ active: false });
  });

  it('refuses bad input and other people, changing nothing', async () => {
    const door = await newKeypad('Fire door');
    expectProblem(await t.http.patch(`/doors/${door.id}`).set(w.staff.auth).send({}), 400, 'validation_failed');
    expectProblem(await t.http.patch(`/doors/${door.id}`).set(w.staff.auth).send({ name: '' }), 400, 'validation_failed');
    expectProblem(await t.http.patch(`/doors/${door.id}`).set(w.staff.auth).send({ provider: 'seam' }), 400, 'validation_failed');
    expectProblem(await t.http.patch(`/doors/${door.id}`).set(w.otherStaff.auth).send({ active: false }), 404, 'not_found');
    expectProblem(await t.http.patch(`/doors/${door.id}`).set(w.hirer.auth).send({ active: false }), 404, 'not_found');
    const list = await t.http.get(`/hubs/${w.hub.id}/doors`).set(w.staff.auth);
    expect(list.body.items.find((d: { id: string }) => d.id === door.id)).toMatchObject({ name: 'Fire door', active: true, provider: 'keypad' });
  });
});
