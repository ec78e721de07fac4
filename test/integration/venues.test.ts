import { randomUUID } from 'node:crypto';
import { createTestApp, type TestApp } from '../helpers/app';
import { everyDay, expectProblem, makeWorld, makeUser } from '../helpers/factories';

let t: TestApp;
let w: Awaited<ReturnType<typeof makeWorld>>;
beforeAll(async () => {
  t = await createTestApp();
  w = await makeWorld(t);
});
afterAll(() => t.close());

const hubBody = () => ({ name: `New hub ${randomUUID().slice(0, 6)}`, address: '2 High St', timezone: 'Europe/London', openingHours: everyDay('09:00', '21:00') });

describe('hubs', () => {
  it('lets an admin create a hub, with default settings, and anyone list and read it', async () => {
    const res = await t.http.post('/hubs').set(w.admin.auth).send(hubBody());
    expect(res.status).toBe(201);
    expect(res.body.settings).toMatchObject({ minNoticeMinutes: 60, holdMinutes: 30, codeLeadMinutes: 1440, earlyEntryMinutes: 15, lateExitMinutes: 15, approval: 'none' });
    expect(res.body.openingHours.sunday).toEqual([{ opens: '09:00', closes: '21:00' }]);
    const list = await t.http.get('/hubs');
    expect(list.body.items.map((h: { id: string }) => h.id)).toContain(res.body.id);
    expect((await t.http.get(`/hubs/${res.body.id}`)).body.name).toBe(res.body.name);
  });

  it('refuses hub creation by staff and strangers (403) and without a token (401)', async () => {
    expectProblem(await t.http.post('/hubs').set(w.staff.auth).send(hubBody()), 403, 'forbidden');
    expectProblem(await t.http.post('/hubs').set(w.hirer.auth).send(hubBody()), 403, 'forbidden');
    expectProblem(await t.http.post('/hubs').send(hubBody()), 401, 'unauthenticated');
  });

  it.each([
    [{ timezone: 'Mars/Olympus' }, 'body.timezone'],
    [{ openingHours: { monday: [{ opens: '18:00', closes: '09:00' }] } }, 'body.openingHours.monday.0.closes'],
    [{ openingHours: { monday: [{ opens: '9am', closes: '17:00' }] } }, 'body.openingHours.monday.0.opens'],
    [{ openingHours: { funday: [] } }, 'body.openingHours'],
    [{ name: '' }, 'body.name'],
    [{ settings: { holdMinutes: -1 } }, 'body.settings.holdMinutes'],
  ])('refuses a bad hub %# and creates nothing', async (patch, path) => {
    const body = { ...hubBody(), ...patch };
    const res = await t.http.post('/hubs').set(w.admin.auth).send(body);
    expectProblem(res, 400, 'validation_failed');
    expect(res.body.errors.map((e: { path: string }) => e.path)).toContain(path);
    expect((await t.http.get('/hubs')).body.items.map((h: { name: string }) => h.name)).not.toContain(body.name);
  });

  it('lets staff change opening hours and settings of their hub, merging settings', async () => {
    const res = await t.http
      .patch(`/hubs/${w.hub.id}`)
      .set(w.staff.auth)
      .send({ openingHours: everyDay('07:00', '23:00'), settings: { minNoticeMinutes: 120 } });
    expect(res.status).toBe(200);
    expect(res.body.openingHours.monday).toEqual([{ opens: '07:00', closes: '23:00' }]);
    expect(res.body.settings.minNoticeMinutes).toBe(120);
    expect(res.body.settings.holdMinutes).toBe(30);
    await t.http.patch(`/hubs/${w.hub.id}`).set(w.staff.auth).send({ openingHours: everyDay(), settings: { minNoticeMinutes: 60 } });
  });

  it("refuses staff of another hub, hirers and unknown hubs", async () => {
    expectProblem(await t.http.patch(`/hubs/${w.hub.id}`).set(w.otherStaff.auth).send({ name: 'Mine now' }), 403, 'forbidden');
    expectProblem(await t.http.patch(`/hubs/${w.hub.id}`).set(w.hirer.auth).send({ name: 'Mine now' }), 403, 'forbidden');
    expectProblem(await t.http.patch(`/hubs/${randomUUID()}`).set(w.admin.auth).send({ name: 'x' }), 404, 'not_found');
    expectProblem(await t.http.get('/hubs/not-a-uuid'), 400, 'validation_failed');
    expectProblem(await t.http.patch(`/hubs/${w.hub.id}`).set(w.staff.auth).send({}), 400, 'validation_failed');
  });
});

describe('hub members', () => {
  it('lets staff invite a volunteer by email, who has the role once they accept, and lists members', async () => {
    const v = await makeUser(t, { name: 'Vol' });
    const res = await t.http.post(`/hubs/${w.hub.id}/members`).set(w.staff.auth).send({ email: v.email.toUpperCase(), role: 'volunteer' });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ role: 'volunteer', hubId: w.hub.id });
    expect(res.body.userId).toBeUndefined();
    expect((await t.http.get('/me').set(v.auth)).body.roles).toEqual([]);
    const token = res.body.link.split('/').pop();
    expect((await t.http.post(`/invitations/${token}/accept`).set(v.auth).send({})).status).toBe(200);
    const me = await t.http.get('/me').set(v.auth);
    expect(me.body.roles).toEqual([{ hubId: w.hub.id, role: 'volunteer' }]);
    const list = await t.http.get(`/hubs/${w.hub.id}/members`).set(w.staff.auth);
    expect(list.body.items).toEqual(expect.arrayContaining([expect.objectContaining({ userId: v.id, role: 'volunteer' })]));
  });
  it('refuses other hubs\' staff (403) and hirers (403)', async () => {
    expectProblem(await t.http.post(`/hubs/${w.hub.id}/members`).set(w.otherStaff.auth).send({ email: w.hirer.email, role: 'staff' }), 403, 'forbidden');
    expectProblem(await t.http.post(`/hubs/${w.hub.id}/members`).set(w.hirer.auth).send({ email: w.hirer.email, role: 'staff' }), 403, 'forbidden');
    expectProblem(await t.http.get(`/hubs/${w.hub.id}/members`).set(w.hirer.auth), 403, 'forbidden');
    expectProblem(await t.http.post(`/hubs/${w.hub.id}/members`).set(w.staff.auth).send({ email: w.hirer.email, role: 'boss' }), 400, 'validation_failed');
    const me = await t.http.get('/me').set(w.hirer.auth);
    expect(me.body.roles).toEqual([]);
  });
});

describe('rooms', () => {
  const roomBody = { name: 'Studio', capacity: 25, features: ['hearing_loop', 'kitchen'], bufferMinutes: 10, minBookingMinutes: 60, maxBookingMinutes: 240 };
  it('lets staff add and change a room; anyone can read it', async () => {
    const res = await t.http.post(`/hubs/${w.hub.id}/rooms`).set(w.staff.auth).send(roomBody);
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ ...roomBody, hubId: w.hub.id, active: true });
    const patched = await t.http.patch(`/rooms/${res.body.id}`).set(w.staff.auth).send({ capacity: 30, features: ['step_free_access'] });
    expect(patched.body).toMatchObject({ capacity: 30, features: ['step_free_access'], bufferMinutes: 10 });
    expect((await t.http.get(`/rooms/${res.body.id}`)).body.capacity).toBe(30);
    const list = await t.http.get(`/hubs/${w.hub.id}/rooms`);
    expect(list.body.items.map((r: { id: string }) => r.id)).toContain(res.body.id);
  });
  it('hides inactive rooms from the public list unless asked', async () => {
    const res = await t.http.post(`/hubs/${w.hub.id}/rooms`).set(w.staff.auth).send({ ...roomBody, name: 'Old store', active: false });
    expect((await t.http.get(`/hubs/${w.hub.id}/rooms`)).body.items.map((r: { id: string }) => r.id)).not.toContain(res.body.id);
    expect((await t.http.get(`/hubs/${w.hub.id}/rooms?includeInactive=true`)).body.items.map((r: { id: string }) => r.id)).toContain(res.body.id);
  });
  it.each([
    [{ ...roomBody, capacity: 0 }, 'body.capacity'],
    [{ ...roomBody, features: ['Hearing Loop!'] }, 'body.features.0'],
    [{ ...roomBody, bufferMinutes: -5 }, 'body.bufferMinutes'],
    [{ ...roomBody, minBookingMinutes: 300, maxBookingMinutes: 60 }, 'body.maxBookingMinutes'],
  ])('refuses a bad room %#', async (body, path) => {
    const res = await t.http.post(`/hubs/${w.hub.id}/rooms`).set(w.staff.auth).send(body);
    expectProblem(res, 400, 'validation_failed');
    expect(res.body.errors.map((e: { path: string }) => e.path)).toContain(path);
  });
  it('refuses room changes by others', async () => {
    expectProblem(await t.http.post(`/hubs/${w.hub.id}/rooms`).set(w.otherStaff.auth).send(roomBody), 403, 'forbidden');
    expectProblem(await t.http.patch(`/rooms/${w.room.id}`).set(w.hirer.auth).send({ capacity: 1 }), 403, 'forbidden');
    expectProblem(await t.http.patch(`/rooms/${w.room.id}`).send({ capacity: 1 }), 401, 'unauthenticated');
    expectProblem(await t.http.get(`/rooms/${randomUUID()}`), 404, 'not_found');
    expect((await t.http.get(`/rooms/${w.room.id}`)).body.capacity).toBe(50);
  });
});

describe('closures and availability', () => {
  it('shows free time inside opening hours and cuts out closures and bookings with buffers', async () => {
    // Monday 2026-03-09, hub open 08:00–22:00 GMT. Hall has a 15-minute buffer.
    const booking = await t.http
      .post('/bookings')
      .set(w.hirer.auth)
      .send({ roomId: w.room.id, organisationId: w.org.id, startsAt: '2026-03-09T10:00:00Z', endsAt: '2026-03-09T12:00:00Z', title: 'Yoga', attendees: 10 });
    expect(booking.status).toBe(201);
    const closure = await t.http
      .post(`/hubs/${w.hub.id}/closures`)
      .set(w.staff.auth)
      .send({ startsAt: '2026-03-09T18:00:00Z', endsAt: '2026-03-09T22:00:00Z', roomId: w.room.id, reason: 'Floor repairs' });
    expect(closure.status).toBe(201);
    expect(closure.body.affectedBookings).toEqual([]);
    const res = await t.http.get(`/rooms/${w.room.id}/availability`).query({ from: '2026-03-09T00:00:00Z', to: '2026-03-10T00:00:00Z' });
    expect(res.status).toBe(200);
    expect(res.body.busy).toEqual([
      { startsAt: '2026-03-09T09:45:00+00:00', endsAt: '2026-03-09T12:15:00+00:00' },
      { startsAt: '2026-03-09T18:00:00+00:00', endsAt: '2026-03-09T22:00:00+00:00' },
    ]);
    expect(res.body.free).toEqual([
      { startsAt: '2026-03-09T08:00:00+00:00', endsAt: '2026-03-09T09:45:00+00:00' },
      { startsAt: '2026-03-09T12:15:00+00:00', endsAt: '2026-03-09T18:00:00+00:00' },
    ]);
  });

  it('refuses a hub closure over bookings, listing them, and cancels them when staff say so', async () => {
    const b = await t.http
      .post('/bookings')
      .set(w.hirer.auth)
      .send({ roomId: w.smallRoom.id, organisationId: w.org.id, startsAt: '2026-03-10T10:00:00Z', endsAt: '2026-03-10T11:00:00Z', title: 'Chat', attendees: 3 });
    const closure = { startsAt: '2026-03-10T00:00:00Z', endsAt: '2026-03-11T00:00:00Z', reason: 'Boiler' };
    const refused = await t.http.post(`/hubs/${w.hub.id}/closures`).set(w.staff.auth).send(closure);
    expectProblem(refused, 409, 'bookings_affected');
    expect(refused.body.bookings.map((x: { id: string }) => x.id)).toEqual([b.body.id]);
    const res = await t.http.post(`/hubs/${w.hub.id}/closures`).set(w.staff.auth).send({ ...closure, onBookings: 'cancel' });
    expect(res.status).toBe(201);
    expect(res.body.affectedBookings.map((x: { id: string }) => x.id)).toEqual([b.body.id]);
    expect(res.body.cancelledBookingIds).toEqual([b.body.id]);
    const list = await t.http.get(`/hubs/${w.hub.id}/closures`).query({ from: '2026-03-10T00:00:00Z', to: '2026-03-11T00:00:00Z' });
    expect(list.body.items.map((c: { id: string }) => c.id)).toContain(res.body.id);
    expect((await t.http.delete(`/closures/${res.body.id}`).set(w.staff.auth)).status).toBe(204);
    expect((await t.http.get(`/hubs/${w.hub.id}/closures`).query({ from: '2026-03-10T00:00:00Z', to: '2026-03-11T00:00:00Z' })).body.items.map((c: { id: string }) => c.id)).not.toContain(res.body.id);
  });

  it('refuses bad closures and other people', async () => {
    const good = { startsAt: '2026-04-01T00:00:00Z', endsAt: '2026-04-02T00:00:00Z', reason: 'Bank holiday' };
    expectProblem(await t.http.post(`/hubs/${w.hub.id}/closures`).set(w.staff.auth).send({ ...good, endsAt: '2026-03-01T00:00:00Z' }), 400, 'validation_failed');
    expectProblem(await t.http.post(`/hubs/${w.hub.id}/closures`).set(w.staff.auth).send({ ...good, reason: '' }), 400, 'validation_failed');
    const otherRoom = (await t.http.post(`/hubs/${w.otherHub.id}/rooms`).set(w.otherStaff.auth).send({ name: 'Other', capacity: 5 })).body;
    expectProblem(await t.http.post(`/hubs/${w.hub.id}/closures`).set(w.staff.auth).send({ ...good, roomId: otherRoom.id }), 422, 'room_not_in_hub');
    expectProblem(await t.http.post(`/hubs/${w.hub.id}/closures`).set(w.otherStaff.auth).send(good), 403, 'forbidden');
    expectProblem(await t.http.post(`/hubs/${w.hub.id}/closures`).set(w.hirer.auth).send(good), 403, 'forbidden');
    const list = await t.http.get(`/hubs/${w.hub.id}/closures`).query({ from: '2026-04-01T00:00:00Z', to: '2026-04-02T00:00:00Z' });
    expect(list.body.items).toEqual([]);
  });

  it('refuses a bad availability window', async () => {
    expectProblem(await t.http.get(`/rooms/${w.room.id}/availability`).query({ from: '2026-03-10T00:00:00Z', to: '2026-03-09T00:00:00Z' }), 400, 'validation_failed');
    expectProblem(await t.http.get(`/rooms/${w.room.id}/availability`).query({ from: '2026-03-10T00:00:00Z', to: '2026-07-10T00:00:00Z' }), 400, 'validation_failed');
    expectProblem(await t.http.get(`/rooms/${w.room.id}/availability`).query({ from: 'soon' }), 400, 'validation_failed');
    expectProblem(await t.http.get(`/rooms/${randomUUID()}/availability`).query({ from: '2026-03-10T00:00:00Z', to: '2026-03-11T00:00:00Z' }), 404, 'not_found');
  });

  it('keeps 09:00 to 17:00 local on the spring clock change', async () => {
    const hub = (await t.http.post('/hubs').set(w.admin.auth).send({ ...hubBody(), openingHours: everyDay('09:00', '17:00') })).body;
    const room = (await t.http.post(`/hubs/${hub.id}/rooms`).set(w.admin.auth).send({ name: 'R', capacity: 5 })).body;
    const res = await t.http.get(`/rooms/${room.id}/availability`).query({ from: '2026-03-28T00:00', to: '2026-03-30T00:00' });
    expect(res.body.free).toEqual([
      { startsAt: '2026-03-28T09:00:00+00:00', endsAt: '2026-03-28T17:00:00+00:00' },
      { startsAt: '2026-03-29T09:00:00+01:00', endsAt: '2026-03-29T17:00:00+01:00' },
    ]);
  });
});

describe('network search', () => {
  it('finds free rooms by capacity and features, and leaves out booked, closed and shut ones', async () => {
    const window = { startsAt: '2026-03-12T14:00:00Z', endsAt: '2026-03-12T16:00:00Z' };
    const ids = async (q: Record<string, string>) => (await t.http.get('/search/rooms').query({ ...window, hubId: w.hub.id, ...q })).body.items.map((r: { id: string }) => r.id);
    expect(await ids({})).toEqual(expect.arrayContaining([w.room.id, w.smallRoom.id]));
    expect(await ids({ capacity: '40' })).toEqual([w.room.id]);
    expect(await ids({ features: 'hearing_loop,step_free_access' })).toEqual([w.room.id]);
    expect(await ids({ features: 'piano' })).toEqual([]);
    // A booking that ends 10 minutes before the window still clashes through the Hall's 15-minute buffer.
    const b = await t.http
      .post('/bookings')
      .set(w.hirer.auth)
      .send({ roomId: w.room.id, organisationId: w.org.id, startsAt: '2026-03-12T12:00:00Z', endsAt: '2026-03-12T13:50:00Z', title: 'Lunch club', attendees: 20 });
    expect(b.status).toBe(201);
    expect(await ids({ capacity: '40' })).toEqual([]);
    // Outside opening hours nothing is free.
    expect((await t.http.get('/search/rooms').query({ startsAt: '2026-03-12T21:00:00Z', endsAt: '2026-03-12T23:00:00Z', hubId: w.hub.id })).body.items).toEqual([]);
    // Each result carries its hub.
    const res = await t.http.get('/search/rooms').query({ ...window, hubId: w.hub.id });
    expect(res.body.items[0].hub).toMatchObject({ id: w.hub.id, timezone: 'Europe/London' });
  });
  it('lists each room as GET /rooms/:id shows it, then its hub, by capacity, hub name, room name and id, up to the limit', async () => {
    const extra = await t.http.post(`/hubs/${w.otherHub.id}/rooms`).set(w.admin.auth).send({ name: 'Loft', description: 'Up the stairs', capacity: 6, features: ['kitchen'], approval: 'all' });
    expect(extra.status).toBe(201);
    const window = { startsAt: '2026-03-19T14:00:00Z', endsAt: '2026-03-19T16:00:00Z' };
    const res = await t.http.get('/search/rooms').query(window);
    expect(res.status).toBe(200);
    const items: { id: string; capacity: number; hub: { id: string } }[] = res.body.items;
    expect(items.map((r) => r.id)).toEqual(expect.arrayContaining([w.room.id, w.smallRoom.id, extra.body.id]));
    for (const item of items) {
      const { hub, ...room } = item;
      const shown = (await t.http.get(`/rooms/${item.id}`)).body;
      expect(room).toEqual(shown);
      expect(Object.keys(item)).toEqual([...Object.keys(shown), 'hub']);
      const h = (await t.http.get(`/hubs/${hub.id}`)).body;
      expect(hub).toEqual({ id: h.id, name: h.name, address: h.address, timezone: h.timezone });
    }
    const capacities = items.map((r) => r.capacity);
    expect(capacities).toEqual([...capacities].sort((a, b) => a - b));
    // The limit cuts the same order.
    const first = await t.http.get('/search/rooms').query({ ...window, limit: 2 });
    expect(first.body.items).toEqual(items.slice(0, 2));
    // Features narrow it; none asked for lists every room.
    expect((await t.http.get('/search/rooms').query({ ...window, features: 'kitchen' })).body.items.map((r: { id: string }) => r.id)).toContain(extra.body.id);
    expect((await t.http.get('/search/rooms').query({ ...window, features: 'kitchen' })).body.items.map((r: { id: string }) => r.id)).not.toContain(w.smallRoom.id);
    await t.http.patch(`/rooms/${extra.body.id}`).set(w.admin.auth).send({ active: false });
  });

  it('leaves out a closed room and every room of a closed hub, and only over the closure', async () => {
    const window = { startsAt: '2026-03-20T14:00:00Z', endsAt: '2026-03-20T16:00:00Z' };
    const ids = async (q: Record<string, string> = window) => (await t.http.get('/search/rooms').query(q)).body.items.map((r: { id: string }) => r.id);
    expect(await ids()).toEqual(expect.arrayContaining([w.room.id, w.smallRoom.id]));
    const closeRoom = await t.http.post(`/hubs/${w.hub.id}/closures`).set(w.staff.auth).send({ roomId: w.room.id, startsAt: '2026-03-20T15:30:00Z', endsAt: '2026-03-20T18:00:00Z', reason: 'Floor sanding' });
    expect(closeRoom.status).toBe(201);
    expect(await ids()).not.toContain(w.room.id);
    expect(await ids()).toContain(w.smallRoom.id);
    // A closure that ends as the window starts leaves the room free.
    expect(await ids({ startsAt: '2026-03-20T18:00:00Z', endsAt: '2026-03-20T19:00:00Z' })).toContain(w.room.id);
    const closeHub = await t.http.post(`/hubs/${w.hub.id}/closures`).set(w.staff.auth).send({ startsAt: '2026-03-20T12:00:00Z', endsAt: '2026-03-20T14:30:00Z', reason: 'Boiler' });
    expect(closeHub.status).toBe(201);
    const left = await ids();
    expect(left).not.toContain(w.room.id);
    expect(left).not.toContain(w.smallRoom.id);
    for (const c of [closeRoom.body.id, closeHub.body.id]) expect((await t.http.delete(`/closures/${c}`).set(w.staff.auth)).status).toBe(204);
    expect(await ids()).toEqual(expect.arrayContaining([w.room.id, w.smallRoom.id]));
  });
  it('refuses bad searches', async () => {
    expectProblem(await t.http.get('/search/rooms').query({ startsAt: '2026-03-12T16:00:00Z', endsAt: '2026-03-12T14:00:00Z' }), 400, 'validation_failed');
    expectProblem(await t.http.get('/search/rooms').query({ startsAt: '2026-03-12T16:00:00Z', endsAt: '2026-03-30T14:00:00Z' }), 400, 'validation_failed');
    expectProblem(await t.http.get('/search/rooms').query({ startsAt: '2026-03-12T14:00:00Z', endsAt: '2026-03-12T16:00:00Z', capacity: '-1' }), 400, 'validation_failed');
    expectProblem(await t.http.get('/search/rooms').query({ startsAt: '2026-03-12T14:00:00Z', endsAt: '2026-03-12T16:00:00Z', hubId: randomUUID() }), 404, 'not_found');
  });
});
