import { randomUUID } from 'node:crypto';
import { createTestApp, type TestApp } from '../helpers/app';
import { everyDay, expectProblem, makeOrg, makeRoom, makeWorld } from '../helpers/factories';

let t: TestApp;
let w: Awaited<ReturnType<typeof makeWorld>>;
beforeAll(async () => {
  // The clock reads Monday 2026-03-02 09:00Z; the hub needs 60 minutes' notice and books up to 365 days ahead.
  t = await createTestApp();
  w = await makeWorld(t);
});
afterAll(() => t.close());

let day = 0;
/** Times below without an offset are the hub's local (BST) time. A fresh day from May 2026 on for each test (clear of the fixed clock-change dates), so tests never collide. */
const nextDay = () => {
  const d = new Date(Date.UTC(2026, 4, 4 + day++));
  return d.toISOString().slice(0, 10);
};
const body = (over: Record<string, unknown> = {}) => ({ roomId: w.room.id, organisationId: w.org.id, title: 'Choir practice', attendees: 12, ...over });
const book = (auth: Record<string, string>, over: Record<string, unknown>) => t.http.post('/bookings').set(auth).send(body(over));

describe('POST /bookings', () => {
  it('books a free room and shows it in the hub zone with its price slot', async () => {
    const d = nextDay();
    const res = await book(w.hirer.auth, { startsAt: `${d}T10:00:00`, endsAt: `${d}T12:00:00`, contactPhone: '+447700900555' });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      status: 'confirmed',
      roomId: w.room.id,
      hubId: w.hub.id,
      organisationId: w.org.id,
      startsAt: `${d}T10:00:00+01:00`,
      endsAt: `${d}T12:00:00+01:00`,
      timezone: 'Europe/London',
      contactPhone: '+447700900555',
      title: 'Choir practice',
    });
    expect(res.body).toHaveProperty('price');
    const got = await t.http.get(`/bookings/${res.body.id}`).set(w.hirer.auth);
    expect(got.body.id).toBe(res.body.id);
  });

  it("answers 409 booking_conflict naming only the clashing interval, never the other group's details", async () => {
    const d = nextDay();
    expect((await book(w.hirer.auth, { startsAt: `${d}T10:00:00`, endsAt: `${d}T12:00:00`, title: 'Secret meeting' })).status).toBe(201);
    const res = await book(w.stranger.auth, { organisationId: w.strangerOrg.id, startsAt: `${d}T11:00:00`, endsAt: `${d}T13:00:00` });
    expectProblem(res, 409, 'booking_conflict');
    expect(res.body.conflicts).toEqual([{ startsAt: `${d}T10:00:00+01:00`, endsAt: `${d}T12:00:00+01:00` }]);
    expect(JSON.stringify(res.body)).not.toMatch(/Secret meeting|organisationId|Org /);
  });

  it("holds the room's buffer: back-to-back is refused, a gap of the buffer is fine", async () => {
    const d = nextDay();
    expect((await book(w.hirer.auth, { startsAt: `${d}T10:00:00`, endsAt: `${d}T12:00:00` })).status).toBe(201);
    expectProblem(await book(w.hirer.auth, { startsAt: `${d}T12:00:00`, endsAt: `${d}T13:00:00` }), 409, 'booking_conflict');
    expectProblem(await book(w.hirer.auth, { startsAt: `${d}T08:00:00`, endsAt: `${d}T10:00:00` }), 409, 'booking_conflict');
    expect((await book(w.hirer.auth, { startsAt: `${d}T12:15:00`, endsAt: `${d}T13:15:00` })).status).toBe(201);
    expect((await book(w.hirer.auth, { startsAt: `${d}T08:00:00`, endsAt: `${d}T09:45:00` })).status).toBe(201);
  });

  it('lets the database refuse an overlap even when application checks are bypassed', async () => {
    const d = nextDay();
    const first = await book(w.hirer.auth, { startsAt: `${d}T10:00:00`, endsAt: `${d}T12:00:00` });
    expect(first.status).toBe(201);
    const repo = t.container.repos.bookings;
    await expect(
      repo.insert({
        roomId: w.room.id,
        hubId: w.hub.id,
        organisationId: w.org.id,
        title: 'sneaky',
        attendees: 1,
        startsAt: new Date(`${d}T11:00:00`),
        endsAt: new Date(`${d}T11:30:00`),
        blockedUntil: new Date(`${d}T11:45:00`),
        status: 'requested',
      }),
    ).rejects.toMatchObject({ kind: 'conflict', code: 'booking_conflict' }); // the repository names the constraint
    // A cancelled booking does not block.
    const cancelled = await repo.insert({
      roomId: w.room.id,
      hubId: w.hub.id,
      organisationId: w.org.id,
      title: 'old',
      attendees: 1,
      startsAt: new Date(`${d}T11:00:00`),
      endsAt: new Date(`${d}T11:30:00`),
      blockedUntil: new Date(`${d}T11:30:00`),
      status: 'cancelled',
    });
    expect(cancelled.status).toBe('cancelled');
  });

  it.each([
    ['outside opening hours', { startsAt: 'D T06:00:00', endsAt: 'D T09:00:00' }, 'outside_opening_hours'],
    ['past closing', { startsAt: 'D T21:00:00', endsAt: 'D T23:00:00' }, 'outside_opening_hours'],
    ['over capacity', { attendees: 51 }, 'over_capacity'],
    ['too short', { startsAt: 'D T10:00:00', endsAt: 'D T10:15:00' }, 'too_short'],
    ['too long', { startsAt: 'D T08:00:00', endsAt: 'D T17:00:00' }, 'too_long'],
  ])('refuses a booking %s with 422 and creates nothing', async (_label, over, code) => {
    const d = nextDay();
    const fill = (v: unknown) => (typeof v === 'string' ? v.replace('D T', `${d}T`) : v);
    const merged = { startsAt: `${d}T10:00:00`, endsAt: `${d}T11:00:00`, ...Object.fromEntries(Object.entries(over).map(([k, v]) => [k, fill(v)])) };
    expectProblem(await book(w.hirer.auth, merged), 422, code);
    const list = await t.http.get('/bookings').set(w.hirer.auth).query({ from: `${d}T00:00:00`, to: `${d}T23:59:00` });
    expect(list.body.items).toEqual([]);
  });

  it('refuses short notice and far-ahead dates to hirers, and lets staff book at short notice', async () => {
    // now = 2026-03-02T09:00Z; 60 minutes' notice.
    expectProblem(await book(w.hirer.auth, { startsAt: '2026-03-02T09:30:00Z', endsAt: '2026-03-02T10:30:00Z' }), 422, 'too_little_notice');
    expectProblem(await book(w.hirer.auth, { startsAt: '2027-03-10T10:00:00Z', endsAt: '2027-03-10T11:00:00Z' }), 422, 'too_far_ahead');
    expectProblem(await book(w.hirer.auth, { startsAt: '2026-03-01T10:00:00Z', endsAt: '2026-03-01T11:00:00Z' }), 422, 'in_the_past');
    const staff = await book(w.staff.auth, { startsAt: '2026-03-02T09:30:00Z', endsAt: '2026-03-02T10:30:00Z', roomId: w.smallRoom.id, attendees: 2 });
    expect(staff.status).toBe(201);
  });

  it('refuses a closed room with 422 closed', async () => {
    const d = nextDay();
    await t.http.post(`/hubs/${w.hub.id}/closures`).set(w.staff.auth).send({ startsAt: `${d}T00:00:00`, endsAt: `${d}T23:00:00`, reason: 'Bank holiday' });
    const res = await book(w.hirer.auth, { startsAt: `${d}T10:00:00`, endsAt: `${d}T11:00:00` });
    expectProblem(res, 422, 'closed');
    expect(res.body.detail).toContain('Bank holiday');
  });

  it('refuses a local time the clocks skip, and accepts the same hour written in UTC', async () => {
    const late = await makeRoom(t, w.otherHub.id, { capacity: 10, minBookingMinutes: 30 });
    await t.http.patch(`/hubs/${w.otherHub.id}`).set(w.otherStaff.auth).send({ openingHours: everyDay('00:00', '24:00') });
    const over = { roomId: late.id, organisationId: w.org.id, attendees: 2 };
    expectProblem(await book(w.hirer.auth, { ...over, startsAt: '2026-03-29T01:30', endsAt: '2026-03-29T03:00' }), 422, 'nonexistent_local_time');
    expectProblem(await book(w.hirer.auth, { ...over, startsAt: '2026-03-29T01:30:00+01:00', endsAt: '2026-03-29T03:00:00+01:00' }), 422, 'nonexistent_local_time');
    const ok = await book(w.hirer.auth, { ...over, startsAt: '2026-03-29T00:30:00Z', endsAt: '2026-03-29T01:30:00Z' });
    expect(ok.status).toBe(201);
    expect(ok.body).toMatchObject({ startsAt: '2026-03-29T00:30:00+00:00', endsAt: '2026-03-29T02:30:00+01:00' });
  });

  it('keeps 10:00 to 12:00 local on a clock-change day: two real hours, shown in local time', async () => {
    const spring = await book(w.hirer.auth, { startsAt: '2026-03-29T10:00', endsAt: '2026-03-29T12:00' });
    expect(spring.status).toBe(201);
    expect(spring.body).toMatchObject({ startsAt: '2026-03-29T10:00:00+01:00', endsAt: '2026-03-29T12:00:00+01:00' });
    expect(Date.parse(spring.body.endsAt) - Date.parse(spring.body.startsAt)).toBe(2 * 3600_000);
    const autumn = await book(w.hirer.auth, { startsAt: '2026-10-25T10:00', endsAt: '2026-10-25T12:00' });
    expect(autumn.status).toBe(201);
    expect(autumn.body).toMatchObject({ startsAt: '2026-10-25T10:00:00+00:00', endsAt: '2026-10-25T12:00:00+00:00' });
    expect(Date.parse(autumn.body.endsAt) - Date.parse(autumn.body.startsAt)).toBe(2 * 3600_000);
  });

  it.each([
    [{ roomId: 'nope' }, 'body.roomId'],
    [{ attendees: 0 }, 'body.attendees'],
    [{ title: '' }, 'body.title'],
    [{ startsAt: 'tomorrow at ten' }, 'body.startsAt'],
    [{ contactPhone: '0770090' }, 'body.contactPhone'],
  ])('refuses malformed input %# with 400 and the field', async (over, path) => {
    const d = nextDay();
    const res = await book(w.hirer.auth, { startsAt: `${d}T10:00:00`, endsAt: `${d}T11:00:00`, ...over });
    expectProblem(res, 400, 'validation_failed');
    expect(res.body.errors.map((e: { path: string }) => e.path)).toContain(path);
  });

  it('refuses endsAt before startsAt', async () => {
    const d = nextDay();
    expectProblem(await book(w.hirer.auth, { startsAt: `${d}T11:00:00`, endsAt: `${d}T10:00:00` }), 400, 'validation_failed');
  });

  it("answers 404 for an organisation that is not the hirer's, an unknown room, and 401 without a token", async () => {
    const d = nextDay();
    expectProblem(await book(w.hirer.auth, { organisationId: w.strangerOrg.id, startsAt: `${d}T10:00:00`, endsAt: `${d}T11:00:00` }), 404, 'not_found');
    expectProblem(await book(w.hirer.auth, { roomId: randomUUID(), startsAt: `${d}T10:00:00`, endsAt: `${d}T11:00:00` }), 404, 'not_found');
    expectProblem(await t.http.post('/bookings').send(body({ startsAt: `${d}T10:00:00`, endsAt: `${d}T11:00:00` })), 401, 'unauthenticated');
  });

  it('lets staff book for any organisation in their hub, but not staff of another hub', async () => {
    const d = nextDay();
    expect((await book(w.staff.auth, { organisationId: w.strangerOrg.id, startsAt: `${d}T10:00:00`, endsAt: `${d}T11:00:00` })).status).toBe(201);
    expectProblem(await book(w.otherStaff.auth, { organisationId: w.strangerOrg.id, startsAt: `${d}T14:00:00`, endsAt: `${d}T15:00:00` }), 404, 'not_found');
  });

  it('sends an unverified community claim to staff as requested, and staff approve or decline it', async () => {
    const org = await makeOrg(t, [w.hirer.id], { claimedTier: 'community' });
    const d = nextDay();
    const res = await book(w.hirer.auth, { organisationId: org.id, startsAt: `${d}T10:00:00`, endsAt: `${d}T11:00:00` });
    expect(res.body).toMatchObject({ status: 'requested', statusReason: 'tier_review' });
    expectProblem(await t.http.post(`/bookings/${res.body.id}/approve`).set(w.hirer.auth), 403, 'forbidden');
    expectProblem(await t.http.post(`/bookings/${res.body.id}/approve`).set(w.otherStaff.auth), 404, 'not_found');
    const approved = await t.http.post(`/bookings/${res.body.id}/approve`).set(w.staff.auth);
    expect(approved.body.status).toBe('confirmed');
    expectProblem(await t.http.post(`/bookings/${res.body.id}/approve`).set(w.staff.auth), 422, 'invalid_status');

    const second = await book(w.hirer.auth, { organisationId: org.id, startsAt: `${d}T14:00:00`, endsAt: `${d}T15:00:00` });
    expectProblem(await t.http.post(`/bookings/${second.body.id}/decline`).set(w.staff.auth).send({}), 400, 'validation_failed');
    const declined = await t.http.post(`/bookings/${second.body.id}/decline`).set(w.staff.auth).send({ reason: 'Not eligible for the community rate' });
    expect(declined.body).toMatchObject({ status: 'declined', statusReason: 'declined_by_staff', reason: 'Not eligible for the community rate' });
    // A declined booking frees the room.
    expect((await book(w.hirer.auth, { startsAt: `${d}T14:00:00`, endsAt: `${d}T15:00:00` })).status).toBe(201);
  });
});

describe('approval set on a room', () => {
  it("overrides the hub's rule both ways: a room that approves everything, a room that approves nothing", async () => {
    const strict = (await t.http.post(`/hubs/${w.hub.id}/rooms`).set(w.staff.auth).send({ name: 'Strict room', capacity: 10, approval: 'all' })).body;
    expect(strict.approval).toBe('all');
    const d = nextDay();
    const held = await book(w.hirer.auth, { roomId: strict.id, attendees: 4, startsAt: `${d}T10:00`, endsAt: `${d}T11:00` });
    expect(held.body).toMatchObject({ status: 'requested', statusReason: 'approval_required' });
    // The same hirer in the hub's other rooms is not held: the hub itself approves nothing.
    expect((await book(w.hirer.auth, { roomId: w.smallRoom.id, attendees: 4, startsAt: `${d}T10:00`, endsAt: `${d}T11:00` })).body.status).toBe('confirmed');

    const relaxed = (await t.http.post(`/hubs/${w.otherHub.id}/rooms`).set(w.otherStaff.auth).send({ name: 'Open room', capacity: 10, approval: 'none' })).body;
    const held2 = (await t.http.post(`/hubs/${w.otherHub.id}/rooms`).set(w.otherStaff.auth).send({ name: 'Hub rule room', capacity: 10 })).body;
    expect(held2.approval).toBeNull();
    await t.http.patch(`/hubs/${w.otherHub.id}`).set(w.otherStaff.auth).send({ settings: { approval: 'all' }, openingHours: everyDay('00:00', '24:00') });
    expect((await book(w.hirer.auth, { roomId: relaxed.id, attendees: 4, startsAt: `${d}T12:00`, endsAt: `${d}T13:00` })).body.status).toBe('confirmed');
    expect((await book(w.hirer.auth, { roomId: held2.id, attendees: 4, startsAt: `${d}T12:00`, endsAt: `${d}T13:00` })).body.status).toBe('requested');
    // Back to following the hub.
    const patched = await t.http.patch(`/rooms/${relaxed.id}`).set(w.otherStaff.auth).send({ approval: null });
    expect(patched.body.approval).toBeNull();
    expect((await book(w.hirer.auth, { roomId: relaxed.id, attendees: 4, startsAt: `${d}T15:00`, endsAt: `${d}T16:00` })).body.status).toBe('requested');
    await t.http.patch(`/hubs/${w.otherHub.id}`).set(w.otherStaff.auth).send({ settings: { approval: 'none' } });
  });

  it('refuses an unknown approval rule', async () => {
    const res = await t.http.patch(`/rooms/${w.room.id}`).set(w.staff.auth).send({ approval: 'sometimes' });
    expectProblem(res, 400, 'validation_failed');
    expect((await t.http.get(`/rooms/${w.room.id}`)).body.approval).toBeNull();
  });
});

describe('reading bookings', () => {
  it('lists only what each caller may see, ordered by start, with a cursor', async () => {
    const d = nextDay();
    const mine = await book(w.hirer.auth, { startsAt: `${d}T10:00:00`, endsAt: `${d}T11:00:00` });
    const theirs = await book(w.stranger.auth, { organisationId: w.strangerOrg.id, startsAt: `${d}T13:00:00`, endsAt: `${d}T14:00:00` });
    const range = { from: `${d}T00:00:00`, to: `${d}T23:59:00` };
    const ids = async (auth: Record<string, string>, q: Record<string, string> = {}) =>
      (await t.http.get('/bookings').set(auth).query({ ...range, ...q })).body.items.map((b: { id: string }) => b.id);
    expect(await ids(w.hirer.auth)).toEqual([mine.body.id]);
    expect(await ids(w.stranger.auth)).toEqual([theirs.body.id]);
    expect(await ids(w.staff.auth)).toEqual([mine.body.id, theirs.body.id]);
    expect(await ids(w.otherStaff.auth)).toEqual([]);
    expect(await ids(w.staff.auth, { status: 'cancelled' })).toEqual([]);
    const page1 = await t.http.get('/bookings').set(w.staff.auth).query({ ...range, limit: 1 });
    expect(page1.body.items.map((b: { id: string }) => b.id)).toEqual([mine.body.id]);
    const page2 = await t.http.get('/bookings').set(w.staff.auth).query({ ...range, limit: 1, cursor: page1.body.nextCursor });
    expect(page2.body.items.map((b: { id: string }) => b.id)).toEqual([theirs.body.id]);
    expect(page2.body.nextCursor).toBeNull();
    expectProblem(await t.http.get('/bookings').set(w.staff.auth).query({ cursor: 'garbage' }), 400, 'validation_failed');
    expectProblem(await t.http.get('/bookings').set(w.staff.auth).query({ status: 'lost' }), 400, 'validation_failed');
  });

  it("answers 404 for someone else's booking", async () => {
    const d = nextDay();
    const theirs = await book(w.stranger.auth, { organisationId: w.strangerOrg.id, startsAt: `${d}T13:00:00`, endsAt: `${d}T14:00:00` });
    expectProblem(await t.http.get(`/bookings/${theirs.body.id}`).set(w.hirer.auth), 404, 'not_found');
    expectProblem(await t.http.get(`/bookings/${theirs.body.id}`).set(w.otherStaff.auth), 404, 'not_found');
    expect((await t.http.get(`/bookings/${theirs.body.id}`).set(w.staff.auth)).status).toBe(200);
    expect((await t.http.get(`/bookings/${theirs.body.id}`).set(w.admin.auth)).status).toBe(200);
  });
});

describe('cancel and move', () => {
  it('cancels a booking, freeing the room, and refuses to cancel twice', async () => {
    const d = nextDay();
    const b = await book(w.hirer.auth, { startsAt: `${d}T10:00:00`, endsAt: `${d}T11:00:00` });
    expectProblem(await t.http.post(`/bookings/${b.body.id}/cancel`).set(w.stranger.auth).send({ reason: 'ha' }), 404, 'not_found');
    const res = await t.http.post(`/bookings/${b.body.id}/cancel`).set(w.hirer.auth).send({ reason: 'Group on holiday' });
    expect(res.body).toMatchObject({ status: 'cancelled', statusReason: 'cancelled_by_hirer', reason: 'Group on holiday' });
    expectProblem(await t.http.post(`/bookings/${b.body.id}/cancel`).set(w.hirer.auth).send({}), 422, 'invalid_status');
    expect((await book(w.stranger.auth, { organisationId: w.strangerOrg.id, startsAt: `${d}T10:00:00`, endsAt: `${d}T11:00:00` })).status).toBe(201);
  });

  it('moves a booking to a free time and room, and refuses a clash or a bad time without changing it', async () => {
    const d = nextDay();
    const b = await book(w.hirer.auth, { startsAt: `${d}T10:00:00`, endsAt: `${d}T11:00:00`, attendees: 4 });
    const blocker = await book(w.stranger.auth, { organisationId: w.strangerOrg.id, startsAt: `${d}T15:00:00`, endsAt: `${d}T16:00:00` });
    expect(blocker.status).toBe(201);
    // Moving onto its own slot, shifted by 30 minutes, does not clash with itself.
    const shifted = await t.http.post(`/bookings/${b.body.id}/move`).set(w.hirer.auth).send({ startsAt: `${d}T10:30:00`, endsAt: `${d}T11:30:00` });
    expect(shifted.body).toMatchObject({ startsAt: `${d}T10:30:00+01:00`, endsAt: `${d}T11:30:00+01:00` });
    expectProblem(await t.http.post(`/bookings/${b.body.id}/move`).set(w.hirer.auth).send({ startsAt: `${d}T15:30:00`, endsAt: `${d}T16:30:00` }), 409, 'booking_conflict');
    expectProblem(await t.http.post(`/bookings/${b.body.id}/move`).set(w.hirer.auth).send({ startsAt: `${d}T05:00:00`, endsAt: `${d}T06:00:00` }), 422, 'outside_opening_hours');
    expectProblem(await t.http.post(`/bookings/${b.body.id}/move`).set(w.stranger.auth).send({ startsAt: `${d}T12:00:00`, endsAt: `${d}T13:00:00` }), 404, 'not_found');
    const unchanged = await t.http.get(`/bookings/${b.body.id}`).set(w.hirer.auth);
    expect(unchanged.body).toMatchObject({ startsAt: `${d}T10:30:00+01:00`, roomId: w.room.id });
    const moved = await t.http.post(`/bookings/${b.body.id}/move`).set(w.hirer.auth).send({ startsAt: `${d}T15:00:00`, endsAt: `${d}T16:00:00`, roomId: w.smallRoom.id });
    expect(moved.body).toMatchObject({ roomId: w.smallRoom.id, startsAt: `${d}T15:00:00+01:00` });
  });
});

describe('worker job: complete finished bookings', () => {
  it('marks confirmed bookings that have ended as completed, once', async () => {
    const d = nextDay();
    const b = await book(w.hirer.auth, { startsAt: `${d}T10:00:00`, endsAt: `${d}T11:00:00` });
    // 10:00–11:00 BST ends at 10:00Z.
    t.clock.set(`${d}T10:01:00Z`);
    try {
      expect(await t.container.services.bookings.completeFinished()).toBeGreaterThanOrEqual(1);
      expect((await t.http.get(`/bookings/${b.body.id}`).set(w.hirer.auth)).body.status).toBe('completed');
      const again = await t.container.services.bookings.completeFinished();
      expect((await t.http.get(`/bookings/${b.body.id}`).set(w.hirer.auth)).body.status).toBe('completed');
      expect(again).toBe(0);
    } finally {
      t.clock.set('2026-03-02T09:00:00Z');
    }
  });
});
