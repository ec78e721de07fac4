import { eq } from 'drizzle-orm';
import { accessCodeDoors, accessCodes, doorEntries, doors, outbox, users } from '../../src/db/schema';
import { createTestApp, type TestApp } from '../helpers/app';
import type { OutboxRow } from '../../src/modules/notifications/outbox.repository';
import { expectProblem, makeOrg, makeRoom, makeWorld } from '../helpers/factories';

let t: TestApp;
let w: Awaited<ReturnType<typeof makeWorld>>;
let orgId: string;
let front: { id: string; deviceKey: string };
let side: { id: string; deviceKey: string };

beforeAll(async () => {
  t = await createTestApp();
  w = await makeWorld(t);
  orgId = (await makeOrg(t, [w.hirer.id], { paysByInvoice: true })).id;
  await t.container.database.db.update(users).set({ phone: '+447700900500' }).where(eq(users.id, w.staff.id));
  const a = await t.http.post(`/hubs/${w.hub.id}/doors`).set(w.staff.auth).send({ name: 'Front door', provider: 'keypad', roomIds: [w.room.id, w.smallRoom.id] });
  expect(a.status).toBe(201);
  front = a.body;
  const b = await t.http.post(`/hubs/${w.hub.id}/doors`).set(w.staff.auth).send({ name: 'Side door', provider: 'keypad', roomIds: [w.smallRoom.id] });
  side = b.body;
});
afterAll(() => t.close());

let phoneSeq = 100;
const nextPhone = () => `+4477009${String(phoneSeq++).padStart(5, '0')}`;

async function book(startsAt: string, endsAt: string, opts: { roomId?: string; phone?: string } = {}) {
  const contactPhone = opts.phone ?? nextPhone();
  const res = await t.http
    .post('/bookings')
    .set(w.hirer.auth)
    .send({ roomId: opts.roomId ?? w.room.id, organisationId: orgId, startsAt, endsAt, title: 'Choir', attendees: 4, contactPhone });
  expect(res.status).toBe(201);
  expect(res.body.status).toBe('confirmed');
  return { id: res.body.id as string, phone: contactPhone };
}

const messagesTo = (to: string) => t.container.services.outbox.list({ to });
/** The code a queued text carries: the outbox holds only a placeholder, rendered as the sender would. */
const codeIn = async (msg: OutboxRow, app = t) => /: (\d{4,12})\. Works/.exec((await app.container.services.outbox.render(msg)) ?? '')?.[1];
const verify = (doorId: string, key: string, code: string) => t.http.post(`/doors/${doorId}/verify`).set('X-Device-Key', key).send({ code });

describe('doors', () => {
  it('creates a keypad door with a device key shown once and stored hashed', async () => {
    expect(front.deviceKey).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const [row] = await t.container.database.db.select().from(doors).where(eq(doors.id, front.id));
    expect(row.deviceKeyHash).not.toContain(front.deviceKey);
    const list = await t.http.get(`/hubs/${w.hub.id}/doors`).set(w.staff.auth);
    expect(list.status).toBe(200);
    const listed = list.body.items.find((d: { id: string }) => d.id === front.id);
    expect(listed).toMatchObject({ name: 'Front door', provider: 'keypad', roomIds: [w.room.id, w.smallRoom.id].sort() });
    expect(listed.deviceKey).toBeUndefined();
  });

  it('refuses bad input and callers who are not staff of the hub, changing nothing', async () => {
    const before = (await t.container.database.db.select().from(doors).where(eq(doors.hubId, w.hub.id))).length;
    const post = (auth: Record<string, string>, body: object, hubId = w.hub.id) => t.http.post(`/hubs/${hubId}/doors`).set(auth).send(body);
    expectProblem(await post(w.staff.auth, { name: 'X', provider: 'laser', roomIds: [] }), 400, 'validation_failed');
    expectProblem(await post(w.staff.auth, { name: '', provider: 'keypad', roomIds: [] }), 400, 'validation_failed');
    expectProblem(await post(w.staff.auth, { name: 'X', provider: 'keypad', roomIds: ['nope'] }), 400, 'validation_failed');
    const foreignRoom = await makeRoom(t, w.otherHub.id);
    expectProblem(await post(w.staff.auth, { name: 'X', provider: 'keypad', roomIds: [foreignRoom.id] }), 422, 'room_not_in_hub');
    expectProblem(await post(w.staff.auth, { name: 'X', provider: 'seam', roomIds: [] }), 400, 'validation_failed');
    expectProblem(await post(w.staff.auth, { name: 'X', provider: 'seam', roomIds: [], providerDeviceId: 'dev1' }), 422, 'lock_provider_not_configured');
    expectProblem(await post(w.hirer.auth, { name: 'X', provider: 'keypad', roomIds: [] }), 403, 'forbidden');
    expectProblem(await post(w.otherStaff.auth, { name: 'X', provider: 'keypad', roomIds: [] }), 403, 'forbidden');
    expectProblem(await t.http.post(`/hubs/${w.hub.id}/doors`).send({ name: 'X', provider: 'keypad', roomIds: [] }), 401, 'unauthenticated');
    expectProblem(await post(w.staff.auth, { name: 'X', provider: 'keypad', roomIds: [] }, '00000000-0000-4000-8000-000000000000'), 404, 'not_found');
    expectProblem(await t.http.get(`/hubs/${w.hub.id}/doors`).set(w.hirer.auth), 403, 'forbidden');
    expect((await t.container.database.db.select().from(doors).where(eq(doors.hubId, w.hub.id))).length).toBe(before);
  });
});

describe('issuing codes', () => {
  it('issues at codeLeadMinutes before the start through the job, texts it once, and stores it encrypted', async () => {
    t.clock.set('2026-03-02T09:00:00Z');
    const b = await book('2026-03-03T10:00:00Z', '2026-03-03T12:00:00Z');
    let access = await t.http.get(`/bookings/${b.id}/access`).set(w.hirer.auth);
    expect(access.status).toBe(200);
    expect(access.body).toMatchObject({ status: 'scheduled', validFrom: '2026-03-03T09:45:00+00:00', validUntil: '2026-03-03T12:15:00+00:00', issueAt: '2026-03-02T10:00:00+00:00', sentAt: null });
    expect(access.body.code).toBeUndefined();
    expect(await t.container.services.accessCodes.issueDue()).toBe(0);
    expect(await messagesTo(b.phone)).toHaveLength(0);

    t.clock.set('2026-03-02T10:00:00Z');
    expect(await t.container.services.accessCodes.issueDue()).toBeGreaterThanOrEqual(1);
    await t.container.services.accessCodes.issueDue();
    const msgs = await messagesTo(b.phone);
    expect(msgs).toHaveLength(1);
    const code = (await codeIn(msgs[0]))!;
    expect(code).toMatch(/^\d{6}$/);
    expect(msgs[0].body).toContain('Front door');
    const [row] = await t.container.database.db.select().from(accessCodes).where(eq(accessCodes.bookingId, b.id));
    expect(row.codeCipher).not.toContain(code);
    const links = await t.container.database.db.select().from(accessCodeDoors).where(eq(accessCodeDoors.accessCodeId, row.id));
    expect(links.every((l) => !l.codeHash.includes(code))).toBe(true);

    // Before the window: no code, even for the hirer.
    access = await t.http.get(`/bookings/${b.id}/access`).set(w.hirer.auth);
    expect(access.body).toMatchObject({ status: 'active', accessCodeId: row.id });
    expect(access.body.code).toBeUndefined();
    // Inside it: the hirer sees the code; staff see the window and doors but never the code.
    t.clock.set('2026-03-03T09:45:00Z');
    access = await t.http.get(`/bookings/${b.id}/access`).set(w.hirer.auth);
    expect(access.body.code).toBe(code);
    expect(access.headers['cache-control']).toBe('no-store');
    const staffView = await t.http.get(`/bookings/${b.id}/access`).set(w.staff.auth);
    expect(staffView.status).toBe(200);
    expect(staffView.body.code).toBeUndefined();
    expect(staffView.body.doors.map((d: { name: string }) => d.name)).toEqual(['Front door']);
    expectProblem(await t.http.get(`/bookings/${b.id}/access`).set(w.stranger.auth), 404, 'not_found');
    expectProblem(await t.http.get(`/bookings/${b.id}/access`).set(w.otherStaff.auth), 404, 'not_found');
    expectProblem(await t.http.get(`/bookings/${b.id}/access`), 401, 'unauthenticated');
    expectProblem(await t.http.get(`/bookings/nope/access`).set(w.hirer.auth), 400, 'validation_failed');
    // After it: gone again.
    t.clock.set('2026-03-03T12:15:00Z');
    expect((await t.http.get(`/bookings/${b.id}/access`).set(w.hirer.auth)).body.code).toBeUndefined();
  });

  it('issues at once for a booking made inside the lead time', async () => {
    t.clock.set('2026-03-04T09:00:00Z');
    const b = await book('2026-03-04T14:00:00Z', '2026-03-04T15:00:00Z');
    const msgs = await messagesTo(b.phone);
    expect(msgs).toHaveLength(1);
    expect(msgs[0].kind).toBe('access_code');
  });

  it('never gives two bookings the same code on a door at overlapping times', async () => {
    // A generator that offers the same digits first every time.
    const digits = '482913482913593024'.split('').map(Number);
    let i = 0;
    const t2 = await createTestApp({ now: '2026-03-05T09:00:00Z', overrides: { selfEntry: { random: () => digits[i++ % digits.length] } } });
    try {
      const w2 = await makeWorld(t2);
      const org2 = await makeOrg(t2, [w2.hirer.id], { paysByInvoice: true });
      const door = await t2.http.post(`/hubs/${w2.hub.id}/doors`).set(w2.staff.auth).send({ name: 'Front', provider: 'keypad', roomIds: [w2.room.id, w2.smallRoom.id] });
      const mk = async (roomId: string, phone: string) => {
        i = 0;
        const r = await t2.http.post('/bookings').set(w2.hirer.auth).send({ roomId, organisationId: org2.id, startsAt: '2026-03-05T14:00:00Z', endsAt: '2026-03-05T16:00:00Z', title: 'x', attendees: 2, contactPhone: phone });
        expect(r.body.status).toBe('confirmed');
        return (await codeIn((await t2.container.services.outbox.list({ to: phone }))[0], t2))!;
      };
      const first = await mk(w2.room.id, '+447700900911');
      const second = await mk(w2.smallRoom.id, '+447700900912');
      expect(first).toBe('482913');
      expect(second).toBe('593024');
      t2.clock.set('2026-03-05T14:30:00Z');
      expect((await t2.http.post(`/doors/${door.body.id}/verify`).set('X-Device-Key', door.body.deviceKey).send({ code: first })).body.granted).toBe(true);
      expect((await t2.http.post(`/doors/${door.body.id}/verify`).set('X-Device-Key', door.body.deviceKey).send({ code: second })).body.granted).toBe(true);
    } finally {
      await t2.close();
    }
  });
});

describe('moves and cancellations', () => {
  it('re-issues the code on a move and tells the contact; the old code stops working', async () => {
    t.clock.set('2026-03-06T09:00:00Z');
    const b = await book('2026-03-06T14:00:00Z', '2026-03-06T15:00:00Z');
    const oldCode = (await codeIn((await messagesTo(b.phone))[0]))!;
    t.clock.advance(60_000);
    const moved = await t.http.post(`/bookings/${b.id}/move`).set(w.hirer.auth).send({ startsAt: '2026-03-06T17:00:00Z', endsAt: '2026-03-06T18:00:00Z' });
    expect(moved.status).toBe(200);
    const msgs = await messagesTo(b.phone);
    expect(msgs).toHaveLength(2);
    expect(msgs[1].kind).toBe('access_code_moved');
    expect(msgs[1].body).toMatch(/moved/);
    const newCode = (await codeIn(msgs[1]))!;
    const codes = await t.container.database.db.select().from(accessCodes).where(eq(accessCodes.bookingId, b.id));
    expect(codes.map((c) => c.status).sort()).toEqual(['active', 'replaced']);
    t.clock.set('2026-03-06T14:30:00Z');
    const oldTry = await verify(front.id, front.deviceKey, oldCode);
    expect(oldTry.body.granted).toBe(false);
    t.clock.set('2026-03-06T17:30:00Z');
    if (newCode !== oldCode) expect((await verify(front.id, front.deviceKey, oldCode)).body.granted).toBe(false);
    expect((await verify(front.id, front.deviceKey, newCode)).body).toEqual({ granted: true, reason: 'granted' });
  });

  it('tells the contact a moved booking whose new code is not due yet, and issues it later', async () => {
    t.clock.set('2026-03-07T09:00:00Z');
    const b = await book('2026-03-07T14:00:00Z', '2026-03-07T15:00:00Z');
    t.clock.advance(60_000);
    await t.http.post(`/bookings/${b.id}/move`).set(w.hirer.auth).send({ startsAt: '2026-03-10T14:00:00Z', endsAt: '2026-03-10T15:00:00Z' }).expect(200);
    let msgs = await messagesTo(b.phone);
    expect(msgs.map((m) => m.kind)).toEqual(['access_code', 'booking_moved']);
    expect((await t.http.get(`/bookings/${b.id}/access`).set(w.hirer.auth)).body.status).toBe('scheduled');
    t.clock.set('2026-03-09T14:00:00Z');
    await t.container.services.accessCodes.issueDue();
    msgs = await messagesTo(b.phone);
    expect(msgs.map((m) => m.kind)).toEqual(['access_code', 'booking_moved', 'access_code_moved']);
  });

  it('revokes the code when the booking is cancelled', async () => {
    t.clock.set('2026-03-11T09:00:00Z');
    const b = await book('2026-03-11T14:00:00Z', '2026-03-11T15:00:00Z');
    const code = (await codeIn((await messagesTo(b.phone))[0]))!;
    await t.http.post(`/bookings/${b.id}/cancel`).set(w.hirer.auth).send({}).expect(200);
    const access = await t.http.get(`/bookings/${b.id}/access`).set(w.hirer.auth);
    expect(access.body.status).toBe('revoked');
    t.clock.set('2026-03-11T14:10:00Z');
    expect((await verify(front.id, front.deviceKey, code)).body).toEqual({ granted: false, reason: 'revoked' });
    // The job does not bring it back.
    await t.container.services.accessCodes.issueDue();
    expect((await t.container.database.db.select().from(accessCodes).where(eq(accessCodes.bookingId, b.id))).map((c) => c.status)).toEqual(['revoked']);
  });
});

describe('POST /access-codes/:id/revoke', () => {
  it('lets staff of the hub revoke a code, and no one else', async () => {
    t.clock.set('2026-03-12T09:00:00Z');
    const b = await book('2026-03-12T14:00:00Z', '2026-03-12T15:00:00Z');
    const codeId = (await t.http.get(`/bookings/${b.id}/access`).set(w.hirer.auth)).body.accessCodeId;
    const code = (await codeIn((await messagesTo(b.phone))[0]))!;
    expectProblem(await t.http.post(`/access-codes/${codeId}/revoke`).set(w.hirer.auth).send({}), 403, 'forbidden');
    expectProblem(await t.http.post(`/access-codes/${codeId}/revoke`).set(w.otherStaff.auth).send({}), 404, 'not_found');
    expectProblem(await t.http.post(`/access-codes/${codeId}/revoke`).set(w.stranger.auth).send({}), 404, 'not_found');
    expectProblem(await t.http.post(`/access-codes/${codeId}/revoke`).send({}), 401, 'unauthenticated');
    expectProblem(await t.http.post(`/access-codes/not-a-uuid/revoke`).set(w.staff.auth).send({}), 400, 'validation_failed');
    expectProblem(await t.http.post(`/access-codes/${codeId}/revoke`).set(w.staff.auth).send({ reason: '' }), 400, 'validation_failed');
    expect((await t.http.get(`/bookings/${b.id}/access`).set(w.hirer.auth)).body.status).toBe('active');

    const res = await t.http.post(`/access-codes/${codeId}/revoke`).set(w.staff.auth).send({ reason: 'lost phone' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: codeId, status: 'revoked', bookingId: b.id });
    expectProblem(await t.http.post(`/access-codes/${codeId}/revoke`).set(w.staff.auth).send({}), 422, 'code_not_active');
    t.clock.set('2026-03-12T14:00:00Z');
    expect((await verify(front.id, front.deviceKey, code)).body.granted).toBe(false);
    await t.container.services.accessCodes.issueDue();
    expect((await t.http.get(`/bookings/${b.id}/access`).set(w.hirer.auth)).body.status).toBe('revoked');
  });
});

describe('POST /doors/:doorId/verify', () => {
  it('grants a code only inside its window and only on its doors, and logs every attempt', async () => {
    t.clock.set('2026-03-13T09:00:00Z');
    const b = await book('2026-03-13T14:00:00Z', '2026-03-13T15:00:00Z');
    const code = (await codeIn((await messagesTo(b.phone))[0]))!;
    t.clock.set('2026-03-13T13:44:59Z');
    expect((await verify(front.id, front.deviceKey, code)).body).toEqual({ granted: false, reason: 'outside_window' });
    t.clock.set('2026-03-13T13:45:00Z');
    expect((await verify(front.id, front.deviceKey, code)).body).toEqual({ granted: true, reason: 'granted' });
    t.clock.advance(1000);
    // The side door leads only to the other room.
    expect((await verify(side.id, side.deviceKey, code)).body).toEqual({ granted: false, reason: 'unknown_code' });
    // Past its window the code is expired (the job has not marked it yet), not revoked.
    t.clock.set('2026-03-13T15:15:00Z');
    expect((await verify(front.id, front.deviceKey, code)).body).toEqual({ granted: false, reason: 'expired' });

    expectProblem(await verify(front.id, side.deviceKey, code), 401, 'invalid_device_key');
    expectProblem(await t.http.post(`/doors/${front.id}/verify`).send({ code }), 401, 'invalid_device_key');
    expectProblem(await verify('00000000-0000-4000-8000-000000000000', front.deviceKey, code), 401, 'invalid_device_key');
    expectProblem(await verify(front.id, front.deviceKey, '12ab'), 400, 'validation_failed');
    expectProblem(await t.http.post(`/doors/${front.id}/verify`).set('X-Device-Key', front.deviceKey).send({}), 400, 'validation_failed');

    const entries = await t.http.get(`/hubs/${w.hub.id}/entries`).query({ from: '2026-03-13T13:00:00Z', to: '2026-03-13T16:00:00Z' }).set(w.staff.auth);
    expect(entries.status).toBe(200);
    expect(entries.body.items.map((e: { result: string }) => e.result)).toEqual(['outside_window', 'granted', 'unknown_code', 'expired']);
    expect(entries.body.items[1]).toMatchObject({ granted: true, bookingId: b.id, doorName: 'Front door' });
    // A wrong code is kept only as a keyed hash.
    const rows = await t.container.database.db.select().from(doorEntries).where(eq(doorEntries.doorId, side.id));
    expect(JSON.stringify(rows)).not.toContain(code);

    const page = await t.http.get(`/hubs/${w.hub.id}/entries`).query({ from: '2026-03-13T13:00:00Z', to: '2026-03-13T16:00:00Z', limit: 3 }).set(w.staff.auth);
    expect(page.body.items).toHaveLength(3);
    const rest = await t.http.get(`/hubs/${w.hub.id}/entries`).query({ from: '2026-03-13T13:00:00Z', to: '2026-03-13T16:00:00Z', cursor: page.body.nextCursor }).set(w.staff.auth);
    expect(rest.body.items).toHaveLength(1);
    expect(rest.body.nextCursor).toBeNull();

    expectProblem(await t.http.get(`/hubs/${w.hub.id}/entries`).set(w.hirer.auth), 403, 'forbidden');
    expectProblem(await t.http.get(`/hubs/${w.hub.id}/entries`).set(w.otherStaff.auth), 403, 'forbidden');
    expectProblem(await t.http.get(`/hubs/${w.hub.id}/entries`), 401, 'unauthenticated');
    expectProblem(await t.http.get(`/hubs/${w.hub.id}/entries`).query({ from: 'yesterday' }).set(w.staff.auth), 400, 'validation_failed');
    expectProblem(await t.http.get(`/hubs/${w.hub.id}/entries`).query({ cursor: 'zzz' }).set(w.staff.auth), 400, 'validation_failed');
  });

  it('waits after 5 wrong codes, checks nothing meanwhile, alerts staff once, and lets a valid code in when the wait ends', async () => {
    t.clock.set('2026-03-14T09:00:00Z');
    const b = await book('2026-03-14T14:00:00Z', '2026-03-14T15:00:00Z', { roomId: w.smallRoom.id });
    const code = (await codeIn((await messagesTo(b.phone))[0]))!;
    t.clock.set('2026-03-14T14:00:00Z');
    const wrong = code === '000001' ? '000002' : '000001';
    for (let n = 0; n < 4; n++) {
      expect((await verify(side.id, side.deviceKey, wrong)).body).toEqual({ granted: false, reason: 'unknown_code' });
      t.clock.advance(30_000);
    }
    const fifth = await verify(side.id, side.deviceKey, wrong);
    expect(fifth.body).toEqual({ granted: false, reason: 'unknown_code', retryAfter: '2026-03-14T14:02:30+00:00' });
    expect((await verify(side.id, side.deviceKey, code)).body).toEqual({ granted: false, reason: 'locked_out', retryAfter: '2026-03-14T14:02:30+00:00' });
    // Another door is not affected.
    expect((await verify(front.id, front.deviceKey, code)).body.granted).toBe(true);
    const alerts = (await messagesTo('+447700900500')).filter((m) => m.kind === 'staff_alert' && m.body.includes('Side door'));
    expect(alerts).toHaveLength(1);
    t.clock.set('2026-03-14T14:02:30Z');
    expect((await verify(side.id, side.deviceKey, code)).body.granted).toBe(true);
    await t.http.post(`/doors/${side.id}/lockout/clear`).set(w.staff.auth).expect(200);
  });
});

describe('POST /bookings/:id/access/resend', () => {
  it('texts the code again to the contact, at most once a minute', async () => {
    t.clock.set('2026-03-16T09:00:00Z');
    const b = await book('2026-03-16T14:00:00Z', '2026-03-16T15:00:00Z');
    t.clock.advance(2 * 60_000);
    const res = await t.http.post(`/bookings/${b.id}/access/resend`).set(w.hirer.auth);
    expect(res.status).toBe(202);
    expect(res.body.code).toBeUndefined();
    const msgs = await messagesTo(b.phone);
    expect(msgs.map((m) => m.kind)).toEqual(['access_code', 'access_code_resend']);
    expect(await codeIn(msgs[1])).toBe(await codeIn(msgs[0]));
    t.clock.advance(20_000);
    const tooSoon = await t.http.post(`/bookings/${b.id}/access/resend`).set(w.hirer.auth);
    expectProblem(tooSoon, 429, 'resend_too_soon');
    // It says when the resend may be asked again: a minute after the last one, 40 s from now.
    expect(tooSoon.headers['retry-after']).toBe('40');
    expect(tooSoon.body.retryAfterSeconds).toBe(40);
    expectProblem(await t.http.post(`/bookings/${b.id}/access/resend`).set(w.stranger.auth), 404, 'not_found');
    expectProblem(await t.http.post(`/bookings/${b.id}/access/resend`), 401, 'unauthenticated');
    expect(await messagesTo(b.phone)).toHaveLength(2);
  });

  it('refuses when there is no code yet', async () => {
    t.clock.set('2026-03-17T09:00:00Z');
    const b = await book('2026-03-20T14:00:00Z', '2026-03-20T15:00:00Z');
    expectProblem(await t.http.post(`/bookings/${b.id}/access/resend`).set(w.hirer.auth), 422, 'no_access_code');
  });
});

describe('volunteer shift codes', () => {
  it('issues a code for a shift window on every locked door of the hub and texts it', async () => {
    t.clock.set('2026-03-18T09:00:00Z');
    const res = await t.container.services.accessCodes.issueShiftCode({
      hubId: w.hub.id,
      userId: w.staff.id,
      shiftRef: 'shift-1',
      startsAt: new Date('2026-03-18T17:00:00Z'),
      endsAt: new Date('2026-03-18T22:00:00Z'),
      phone: '+447700900777',
    });
    expect(res.validFrom.toISOString()).toBe('2026-03-18T16:45:00.000Z');
    const [msg] = await messagesTo('+447700900777');
    const code = (await codeIn(msg))!;
    t.clock.set('2026-03-18T17:00:00Z');
    expect((await verify(front.id, front.deviceKey, code)).body.granted).toBe(true);
    expect((await verify(side.id, side.deviceKey, code)).body.granted).toBe(true);
    await t.container.services.accessCodes.revokeCodeById(res.id, 'shift dropped');
    expect((await verify(front.id, front.deviceKey, code)).body.granted).toBe(false);
  });
});

describe('jobs', () => {
  it('sends the outbox through the log provider, expires codes and sends reminders once', async () => {
    t.clock.set('2026-03-19T09:00:00Z');
    const b = await book('2026-03-23T14:00:00Z', '2026-03-23T15:00:00Z');
    t.clock.set('2026-03-21T13:59:00Z');
    expect(await t.container.services.reminders.sendReminders()).toBe(0);
    t.clock.set('2026-03-21T14:00:00Z');
    expect(await t.container.services.reminders.sendReminders()).toBeGreaterThanOrEqual(1);
    await t.container.services.reminders.sendReminders();
    expect((await messagesTo(b.phone)).filter((m) => m.kind === 'reminder')).toHaveLength(1);
    await t.container.services.outbox.sendDue();
    const [sent] = await t.container.database.db.select().from(outbox).where(eq(outbox.to, b.phone));
    expect(sent).toMatchObject({ status: 'sent', providerStatus: 'logged', attempts: 1 });
    expect(sent.providerId).toMatch(/^log-/);

    t.clock.set('2026-03-22T14:00:00Z');
    await t.container.services.accessCodes.issueDue();
    t.clock.set('2026-03-24T00:00:00Z');
    expect(await t.container.services.lockSync.removeExpired()).toBeGreaterThanOrEqual(1);
    const codes = await t.container.database.db.select().from(accessCodes).where(eq(accessCodes.bookingId, b.id));
    expect(codes.map((c) => c.status)).toEqual(['expired']);
  });
});
