import { and, eq } from 'drizzle-orm';
import { accessCodes, doorEntries, users } from '../../src/db/schema';
import type { OutboxRow } from '../../src/modules/notifications/outbox.repository';
import { VERIFY_UNAUTHENTICATED_PER_MINUTE } from '../../src/modules/access/access.routes';
import { toZonedIso } from '../../src/lib/time';
import { createTestApp, type TestApp } from '../helpers/app';
import { expectProblem, makeOrg, makeWorld } from '../helpers/factories';

/**
 * Nobody can jam a door: the device key is checked before calls are counted, wrong codes slow the
 * door down (escalating delays) without shutting it for a booked group for long, staff are alerted
 * once and can clear it. Also: a code past its window is `expired`, and staff re-issue a revoked code.
 */
let t: TestApp;
let w: Awaited<ReturnType<typeof makeWorld>>;
let orgId: string;
const STAFF_PHONE = '+447700900611';

beforeAll(async () => {
  t = await createTestApp();
  w = await makeWorld(t);
  orgId = (await makeOrg(t, [w.hirer.id], { paysByInvoice: true })).id;
  await t.container.database.db.update(users).set({ phone: STAFF_PHONE }).where(eq(users.id, w.staff.id));
});
afterAll(() => t.close());

let phoneSeq = 300;
const nextPhone = () => `+4477009${String(phoneSeq++).padStart(5, '0')}`;

async function newKeypad(name: string, roomIds = [w.room.id]) {
  const res = await t.http.post(`/hubs/${w.hub.id}/doors`).set(w.staff.auth).send({ name, provider: 'keypad', roomIds });
  expect(res.status).toBe(201);
  return res.body as { id: string; deviceKey: string };
}

async function book(startsAt: string, endsAt: string, roomId = w.room.id) {
  const contactPhone = nextPhone();
  const res = await t.http.post('/bookings').set(w.hirer.auth).send({ roomId, organisationId: orgId, startsAt, endsAt, title: 'Choir', attendees: 4, contactPhone });
  expect(res.status).toBe(201);
  expect(res.body.status).toBe('confirmed');
  return { id: res.body.id as string, phone: contactPhone };
}

const messagesTo = (to: string) => t.container.services.outbox.list({ to });
const codeIn = async (msg: OutboxRow) => /: (\d{4,12})\. Works/.exec((await t.container.services.outbox.render(msg)) ?? '')?.[1];
const lastCode = async (phone: string) => {
  const msgs = await messagesTo(phone);
  return (await codeIn(msgs[msgs.length - 1]))!;
};
const verify = (doorId: string, key: string | undefined, code: string) => {
  const req = t.http.post(`/doors/${doorId}/verify`);
  if (key !== undefined) req.set('X-Device-Key', key);
  return req.send({ code });
};
/** The instant written as the hub (Europe/London) writes it. */
const at = (iso: string) => toZonedIso(new Date(iso), 'Europe/London');
const wrongFor = (code: string) => (code === '000001' ? '000002' : '000001');
const attackAlerts = async (doorName: string) => (await messagesTo(STAFF_PHONE)).filter((m) => m.kind === 'staff_alert' && m.body.includes(doorName));

describe('POST /doors/:doorId/verify: the device key comes before the rate limit', () => {
  it('lets the real controller in after 130 keyless and wrong-key calls, which are limited per client apart from it', async () => {
    const door = await newKeypad('Jammed door');
    t.clock.set('2026-04-01T09:00:00Z');
    const b = await book('2026-04-01T10:00:00Z', '2026-04-01T11:00:00Z');
    const code = await lastCode(b.phone);
    t.clock.set('2026-04-01T10:00:00Z');

    const answers: number[] = [];
    for (let i = 0; i < 130; i++) answers.push((await verify(door.id, i % 2 ? 'not-the-key' : undefined, code)).status);
    expect(answers.slice(0, VERIFY_UNAUTHENTICATED_PER_MINUTE).every((s) => s === 401)).toBe(true);
    expect(answers.slice(VERIFY_UNAUTHENTICATED_PER_MINUTE).every((s) => s === 429)).toBe(true);
    expectProblem(await verify(door.id, undefined, code), 429, 'rate_limited');

    // Same client address, right key: its own allowance, untouched.
    const real = await verify(door.id, door.deviceKey, code);
    expect(real.status).toBe(200);
    expect(real.body).toEqual({ granted: true, reason: 'granted' });
    // Nothing the keyless calls sent was checked or logged.
    const logged = await t.container.database.db.select().from(doorEntries).where(eq(doorEntries.doorId, door.id));
    expect(logged.map((e) => e.result)).toEqual(['granted']);
  });
});

describe('wrong codes slow a door down, and a stranger cannot keep it shut', () => {
  it('throttles a guesser with escalating delays, checks nothing while waiting, and lets the booked group in when a wait ends', async () => {
    const door = await newKeypad('Garden door', [w.smallRoom.id]);
    t.clock.set('2026-04-02T09:00:00Z');
    const b = await book('2026-04-02T10:00:00Z', '2026-04-02T12:00:00Z', w.smallRoom.id);
    const code = await lastCode(b.phone);
    const wrong = wrongFor(code);
    t.clock.set('2026-04-02T10:00:00Z');

    for (let n = 0; n < 4; n++) expect((await verify(door.id, door.deviceKey, wrong)).body).toEqual({ granted: false, reason: 'unknown_code' });
    // The 5th wrong code: the door waits 30 s.
    expect((await verify(door.id, door.deviceKey, wrong)).body).toEqual({ granted: false, reason: 'unknown_code', retryAfter: at('2026-04-02T10:00:30Z') });
    // While it waits, even the right code is not checked; pressing on does not lengthen the wait.
    for (let n = 0; n < 5; n++) expect((await verify(door.id, door.deviceKey, wrong)).body).toEqual({ granted: false, reason: 'locked_out', retryAfter: at('2026-04-02T10:00:30Z') });
    expect((await verify(door.id, door.deviceKey, code)).body).toEqual({ granted: false, reason: 'locked_out', retryAfter: at('2026-04-02T10:00:30Z') });

    // Each further wrong code doubles the wait: 60 s, 120 s, 240 s, then 300 s at most.
    const waits: number[] = [];
    for (let n = 6; n <= 20; n++) {
      t.clock.set((await verify(door.id, door.deviceKey, code)).body.retryAfter ?? t.clock.now().toISOString());
      const res = await verify(door.id, door.deviceKey, wrong);
      expect(res.body.reason).toBe('unknown_code');
      waits.push((new Date(res.body.retryAfter).getTime() - t.clock.now().getTime()) / 1000);
    }
    expect(waits).toEqual([60, 120, 240, 300, 300, 300, 300, 300, 300, 300, 300, 300, 300, 300, 300]);

    // Someone who walks away now has shut the door for 5 minutes at most; then the booked group's code opens it.
    const lastWrong = t.clock.now().getTime();
    t.clock.set(new Date(lastWrong + 5 * 60_000 - 1000).toISOString());
    expect((await verify(door.id, door.deviceKey, code)).body.reason).toBe('locked_out');
    t.clock.set(new Date(lastWrong + 5 * 60_000).toISOString());
    expect((await verify(door.id, door.deviceKey, code)).body).toEqual({ granted: true, reason: 'granted' });

    // Someone who goes on past 20 wrong codes in 24 hours meets waits that double to an hour.
    const res21 = await verify(door.id, door.deviceKey, wrong);
    expect((new Date(res21.body.retryAfter).getTime() - t.clock.now().getTime()) / 1000).toBe(600);

    // Staff heard once, with the door's name, not once per code.
    const alerts = await attackAlerts('Garden door');
    expect(alerts).toHaveLength(1);
    expect(alerts[0].body).toMatch(/5 wrong codes on Garden door since 11:00/);

    // Only wrong codes that were checked count: the log shows the rest as locked_out.
    const results = (await t.container.database.db.select().from(doorEntries).where(eq(doorEntries.doorId, door.id))).map((e) => e.result);
    expect(results.filter((r) => r === 'unknown_code')).toHaveLength(21);
    expect(results.filter((r) => r === 'granted')).toHaveLength(1);
  });

  it('counts wrong codes that arrive at the same moment, every one of them', async () => {
    const door = await newKeypad('Side gate', [w.smallRoom.id]);
    t.clock.set('2026-04-04T09:00:00Z');
    const b = await book('2026-04-04T10:00:00Z', '2026-04-04T12:00:00Z', w.smallRoom.id);
    const code = await lastCode(b.phone);
    const wrong = wrongFor(code);
    t.clock.set('2026-04-04T10:00:00Z');
    for (let n = 0; n < 3; n++) expect((await verify(door.id, door.deviceKey, wrong)).body.reason).toBe('unknown_code');
    // The 4th and 5th at once (on PostgreSQL the two requests overlap): both are checked, and both count.
    const both = await Promise.all([verify(door.id, door.deviceKey, wrong), verify(door.id, door.deviceKey, wrong)]);
    expect(both.map((r) => r.body.reason)).toEqual(['unknown_code', 'unknown_code']);
    // Five counted: the door waits 30 s, and checks not even the right code meanwhile.
    expect((await verify(door.id, door.deviceKey, code)).body).toEqual({ granted: false, reason: 'locked_out', retryAfter: at('2026-04-04T10:00:30Z') });
    const results = (await t.container.database.db.select().from(doorEntries).where(eq(doorEntries.doorId, door.id))).map((e) => e.result).sort();
    expect(results).toEqual(['locked_out', 'unknown_code', 'unknown_code', 'unknown_code', 'unknown_code', 'unknown_code']);
    t.clock.set('2026-04-04T10:00:30Z');
    expect((await verify(door.id, door.deviceKey, code)).body).toEqual({ granted: true, reason: 'granted' });
  });

  it('alerts staff once when wrong codes checked at the same moment reach the threshold together', async () => {
    // Two checks that each read the door before the other's wrong code was counted (as two requests
    // at once do on PostgreSQL): each sees 3 before its own, so neither alone counts 5.
    const door = await newKeypad('Yard gate', [w.smallRoom.id]);
    t.clock.set('2026-04-05T10:00:00Z');
    for (let n = 0; n < 3; n++) expect((await verify(door.id, door.deviceKey, '000001')).body.reason).toBe('unknown_code');
    const { keypad } = t.container.services;
    const first = (await keypad.authenticateDevice(door.id, door.deviceKey))!;
    const second = (await keypad.authenticateDevice(door.id, door.deviceKey))!;
    expect([first.failures.length, second.failures.length]).toEqual([3, 3]);
    expect(await keypad.verifyAt(first, '000001')).toEqual({ granted: false, reason: 'unknown_code' });
    // The second reads the count again once its own is in: five, so the door waits and staff hear.
    expect(await keypad.verifyAt(second, '000001')).toEqual({ granted: false, reason: 'unknown_code', retryAfter: at('2026-04-05T10:00:30Z') });
    const alerts = await attackAlerts('Yard gate');
    expect(alerts).toHaveLength(1);
    expect(alerts[0].body).toMatch(/5 wrong codes on Yard gate since 11:00/);
    // A sixth wrong code once the wait is over belongs to the same spell: still one alert.
    const third = (await keypad.authenticateDevice(door.id, door.deviceKey))!;
    t.clock.set('2026-04-05T10:00:30Z');
    await keypad.verifyAt(third, '000001');
    expect(await attackAlerts('Yard gate')).toHaveLength(1);
    expect((await verify(door.id, door.deviceKey, '000001')).body.reason).toBe('locked_out');
  });

  it('lets staff of the hub or an admin clear a door so the next code is checked at once, and nobody else', async () => {
    const door = await newKeypad('Porch door', [w.smallRoom.id]);
    t.clock.set('2026-04-03T09:00:00Z');
    const b = await book('2026-04-03T10:00:00Z', '2026-04-03T12:00:00Z', w.smallRoom.id);
    const code = await lastCode(b.phone);
    t.clock.set('2026-04-03T10:00:00Z');
    for (let n = 0; n < 8; n++) {
      const res = await verify(door.id, door.deviceKey, wrongFor(code));
      if (res.body.retryAfter) t.clock.set(res.body.retryAfter);
    }
    const waiting = await verify(door.id, door.deviceKey, wrongFor(code));
    expect(waiting.body.retryAfter).toBeDefined();

    const clear = (auth?: Record<string, string>, id = door.id) => {
      const req = t.http.post(`/doors/${id}/lockout/clear`);
      return auth ? req.set(auth) : req;
    };
    expectProblem(await clear(w.hirer.auth), 404, 'not_found');
    expectProblem(await clear(w.otherStaff.auth), 404, 'not_found');
    expectProblem(await clear(w.stranger.auth), 404, 'not_found');
    expectProblem(await clear(), 401, 'unauthenticated');
    expectProblem(await clear(w.staff.auth, 'not-a-door'), 400, 'validation_failed');
    expectProblem(await clear(w.staff.auth, '00000000-0000-4000-8000-000000000000'), 404, 'not_found');
    // Still waiting: none of those cleared it.
    expect((await verify(door.id, door.deviceKey, code)).body.reason).toBe('locked_out');

    const cleared = await clear(w.staff.auth);
    expect(cleared.status).toBe(200);
    expect(cleared.body).toEqual({ doorId: door.id, clearedAt: at(t.clock.now().toISOString()), failuresCleared: 9, wasWaitingUntil: waiting.body.retryAfter });
    expect((await verify(door.id, door.deviceKey, code)).body).toEqual({ granted: true, reason: 'granted' });
    t.clock.advance(1000);
    // After a clear the count starts again: four wrong codes cost nothing.
    for (let n = 0; n < 4; n++) expect((await verify(door.id, door.deviceKey, wrongFor(code))).body).toEqual({ granted: false, reason: 'unknown_code' });
    const [row] = await t.container.database.db.select().from(doorEntries).where(and(eq(doorEntries.doorId, door.id), eq(doorEntries.result, 'granted')));
    expect(row).toBeDefined();

    // An admin may clear too; a fresh spell of wrong codes alerts staff again.
    expect((await verify(door.id, door.deviceKey, wrongFor(code))).body.retryAfter).toBeDefined();
    expect(await attackAlerts('Porch door')).toHaveLength(2);
    const byAdmin = await clear(w.admin.auth);
    expect(byAdmin.status).toBe(200);
    expect(byAdmin.body.failuresCleared).toBe(5);
    expect((await verify(door.id, door.deviceKey, code)).body.granted).toBe(true);
  });
});

describe('expired and revoked codes', () => {
  it('reports a code past its window as expired at the keypad, in the entry log and on the booking, and a revoked one as revoked', async () => {
    const door = await newKeypad('Hall door');
    t.clock.set('2026-04-06T09:00:00Z');
    const ended = await book('2026-04-06T10:00:00Z', '2026-04-06T11:00:00Z');
    const revoked = await book('2026-04-06T12:00:00Z', '2026-04-06T13:00:00Z');
    const endedCode = await lastCode(ended.phone);
    const revokedCode = await lastCode(revoked.phone);
    const revokedId = (await t.http.get(`/bookings/${revoked.id}/access`).set(w.staff.auth)).body.accessCodeId;
    await t.http.post(`/access-codes/${revokedId}/revoke`).set(w.staff.auth).expect(200);

    t.clock.set('2026-04-06T12:30:00Z');
    // Before the job marks it: still expired by its window.
    expect((await verify(door.id, door.deviceKey, endedCode)).body).toEqual({ granted: false, reason: 'expired' });
    t.clock.advance(1000);
    expect((await t.http.get(`/bookings/${ended.id}/access`).set(w.hirer.auth)).body.status).toBe('expired');
    await t.container.services.lockSync.removeExpired();
    expect((await t.container.database.db.select().from(accessCodes).where(eq(accessCodes.bookingId, ended.id)))[0].status).toBe('expired');
    expect((await verify(door.id, door.deviceKey, endedCode)).body).toEqual({ granted: false, reason: 'expired' });
    t.clock.advance(1000);
    expect((await verify(door.id, door.deviceKey, revokedCode)).body).toEqual({ granted: false, reason: 'revoked' });
    expect((await t.http.get(`/bookings/${ended.id}/access`).set(w.hirer.auth)).body.status).toBe('expired');
    expect((await t.http.get(`/bookings/${revoked.id}/access`).set(w.hirer.auth)).body.status).toBe('revoked');

    const entries = await t.http.get(`/hubs/${w.hub.id}/entries`).query({ from: '2026-04-06T12:00:00Z', to: '2026-04-06T13:00:00Z' }).set(w.staff.auth);
    expect(entries.status).toBe(200);
    const mine = entries.body.items.filter((e: { doorId: string }) => e.doorId === door.id);
    expect(mine.map((e: { result: string; bookingId: string }) => [e.result, e.bookingId])).toEqual([
      ['expired', ended.id],
      ['expired', ended.id],
      ['revoked', revoked.id],
    ]);
  });
});

describe('POST /access-codes/:id/reissue', () => {
  it('gives a booking new digits after a revoke, texted to the contact; the hirer can get them again by resend', async () => {
    const door = await newKeypad('Vestry door');
    t.clock.set('2026-04-07T09:00:00Z');
    const b = await book('2026-04-07T10:00:00Z', '2026-04-07T12:00:00Z');
    const oldCode = await lastCode(b.phone);
    const codeId = (await t.http.get(`/bookings/${b.id}/access`).set(w.staff.auth)).body.accessCodeId;
    const reissue = (auth?: Record<string, string>, id = codeId) => {
      const req = t.http.post(`/access-codes/${id}/reissue`);
      return auth ? req.set(auth) : req;
    };
    // Only a revoked code is re-issued.
    expectProblem(await reissue(w.staff.auth), 422, 'code_not_revoked');
    await t.http.post(`/access-codes/${codeId}/revoke`).set(w.staff.auth).send({ reason: 'lost phone' }).expect(200);

    expectProblem(await reissue(w.hirer.auth), 403, 'forbidden');
    expectProblem(await reissue(w.otherStaff.auth), 404, 'not_found');
    expectProblem(await reissue(w.stranger.auth), 404, 'not_found');
    expectProblem(await reissue(), 401, 'unauthenticated');
    expectProblem(await reissue(w.staff.auth, 'nope'), 400, 'validation_failed');
    expectProblem(await reissue(w.staff.auth, '00000000-0000-4000-8000-000000000000'), 404, 'not_found');
    expect((await t.http.get(`/bookings/${b.id}/access`).set(w.hirer.auth)).body).toMatchObject({ status: 'revoked', accessCodeId: codeId });
    expect(await messagesTo(b.phone)).toHaveLength(1);

    t.clock.set('2026-04-07T09:30:00Z');
    const res = await reissue(w.staff.auth);
    expect(res.status).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.body).toMatchObject({ bookingId: b.id, status: 'active' });
    expect(res.body.accessCodeId).not.toBe(codeId);
    expect(res.body.code).toBeUndefined();
    const msgs = await messagesTo(b.phone);
    expect(msgs.map((m) => m.kind)).toEqual(['access_code', 'access_code']);
    const newCode = (await codeIn(msgs[1]))!;
    expect(newCode).toMatch(/^\d{6}$/);
    expect(newCode).not.toBe(oldCode);

    // The old one stays shut out (as revoked); it cannot be re-issued twice.
    expectProblem(await reissue(w.staff.auth), 422, 'code_not_revoked');
    t.clock.set('2026-04-07T10:00:00Z');
    expect((await verify(door.id, door.deviceKey, oldCode)).body).toEqual({ granted: false, reason: 'revoked' });
    expect((await verify(door.id, door.deviceKey, newCode)).body).toEqual({ granted: true, reason: 'granted' });
    const resend = await t.http.post(`/bookings/${b.id}/access/resend`).set(w.hirer.auth);
    expect(resend.status).toBe(202);
    expect(await codeIn((await messagesTo(b.phone))[2])).toBe(newCode);
    expect((await t.http.get(`/bookings/${b.id}/access`).set(w.hirer.auth)).body.code).toBe(newCode);
    // The job leaves it be.
    await t.container.services.accessCodes.issueDue();
    expect((await t.container.database.db.select().from(accessCodes).where(eq(accessCodes.bookingId, b.id))).map((c) => c.status).sort()).toEqual(['active', 'replaced']);
  });

  it('refuses a cancelled booking, a closed window and a shift code, changing nothing', async () => {
    await newKeypad('Store door');
    t.clock.set('2026-04-08T09:00:00Z');
    const cancelled = await book('2026-04-08T10:00:00Z', '2026-04-08T11:00:00Z');
    const cancelledCode = (await t.http.get(`/bookings/${cancelled.id}/access`).set(w.staff.auth)).body.accessCodeId;
    await t.http.post(`/bookings/${cancelled.id}/cancel`).set(w.hirer.auth).send({}).expect(200);
    expectProblem(await t.http.post(`/access-codes/${cancelledCode}/reissue`).set(w.staff.auth), 422, 'booking_not_confirmed');

    const closed = await book('2026-04-08T12:00:00Z', '2026-04-08T13:00:00Z');
    const closedCode = (await t.http.get(`/bookings/${closed.id}/access`).set(w.staff.auth)).body.accessCodeId;
    await t.http.post(`/access-codes/${closedCode}/revoke`).set(w.staff.auth).expect(200);
    t.clock.set('2026-04-08T13:15:00Z');
    expectProblem(await t.http.post(`/access-codes/${closedCode}/reissue`).set(w.staff.auth), 422, 'code_window_closed');
    expect((await t.container.database.db.select().from(accessCodes).where(eq(accessCodes.bookingId, closed.id))).map((c) => c.status)).toEqual(['revoked']);

    const shift = await t.container.services.accessCodes.issueShiftCode({ hubId: w.hub.id, userId: w.staff.id, shiftRef: 'shift-1', startsAt: new Date('2026-04-08T14:00:00Z'), endsAt: new Date('2026-04-08T16:00:00Z'), phone: null });
    await t.container.services.accessCodes.revokeCodeById(shift.id, 'shift_dropped');
    expectProblem(await t.http.post(`/access-codes/${shift.id}/reissue`).set(w.staff.auth), 422, 'not_a_booking_code');
  });
});
