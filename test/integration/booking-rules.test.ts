import { eq } from 'drizzle-orm';
import { accessCodes, bookings } from '../../src/db/schema';
import { createTestApp, type TestApp } from '../helpers/app';
import { expectProblem, makeOrg, makeRoom, makeWorld } from '../helpers/factories';
import { seedCard } from '../helpers/pricing';

// The clock reads Monday 2026-03-02 09:00Z.
let t: TestApp;
let w: Awaited<ReturnType<typeof makeWorld>>;
beforeAll(async () => {
  t = await createTestApp();
  w = await makeWorld(t);
  await seedCard(t, w.hub.id);
});
afterAll(() => t.close());

const post = (auth: Record<string, string>, body: Record<string, unknown>) => t.http.post('/bookings').set(auth).send({ title: 'Choir', attendees: 4, ...body });
const statusOf = async (id: string) => (await t.container.database.db.select().from(bookings).where(eq(bookings.id, id)))[0].status;

describe('status reasons and one presentation', () => {
  it('keeps a stable code in statusReason and the words given in reason', async () => {
    const org = await makeOrg(t, [w.hirer.id], { claimedTier: 'statutory', paysByInvoice: true });
    const b = await post(w.hirer.auth, { roomId: w.smallRoom.id, organisationId: org.id, startsAt: '2026-03-10T10:00:00', endsAt: '2026-03-10T11:00:00' });
    expect(b.body).toMatchObject({ statusReason: null, reason: null, organisationName: org.name });
    const byHirer = await t.http.post(`/bookings/${b.body.id}/cancel`).set(w.hirer.auth).send({ reason: 'Choir leader ill' });
    expect(byHirer.body).toMatchObject({ status: 'cancelled', statusReason: 'cancelled_by_hirer', reason: 'Choir leader ill' });

    const c = await post(w.staff.auth, { roomId: w.smallRoom.id, organisationId: org.id, startsAt: '2026-03-10T12:00:00', endsAt: '2026-03-10T13:00:00' });
    const byStaff = await t.http.post(`/bookings/${c.body.id}/cancel`).set(w.staff.auth).send({});
    expect(byStaff.body).toMatchObject({ statusReason: 'cancelled_by_staff', reason: null });
  });

  it('answers GET /bookings/:id exactly as the list presents it, organisation name included, times to the second in the hub offset', async () => {
    const org = await makeOrg(t, [w.hirer.id], { claimedTier: 'statutory', paysByInvoice: true });
    const b = await post(w.hirer.auth, { roomId: w.smallRoom.id, organisationId: org.id, startsAt: '2026-04-10T10:00:00', endsAt: '2026-04-10T11:00:00' });
    const one = await t.http.get(`/bookings/${b.body.id}`).set(w.hirer.auth);
    const list = await t.http.get('/bookings').set(w.hirer.auth).query({ organisationId: org.id });
    expect(one.body).toEqual(list.body.items[0]);
    expect(one.body).toMatchObject({ organisationName: org.name, hubName: w.hub.name, roomName: w.smallRoom.name, startsAt: '2026-04-10T10:00:00+01:00' });
    for (const field of ['startsAt', 'endsAt', 'createdAt']) expect(one.body[field]).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}[+-]\d{2}:\d{2}$/);
  });

  it('reads from/to given as a plain date as the hub-local day', async () => {
    const org = await makeOrg(t, [w.hirer.id], { claimedTier: 'statutory', paysByInvoice: true });
    const late = await post(w.hirer.auth, { roomId: w.smallRoom.id, organisationId: org.id, startsAt: '2026-04-11T21:00:00', endsAt: '2026-04-11T22:00:00' });
    const next = await post(w.hirer.auth, { roomId: w.smallRoom.id, organisationId: org.id, startsAt: '2026-04-12T08:00:00', endsAt: '2026-04-12T09:00:00' });
    const ids = async (q: Record<string, string>) => (await t.http.get('/bookings').set(w.hirer.auth).query({ organisationId: org.id, ...q })).body.items.map((b: { id: string }) => b.id);
    expect(await ids({ from: '2026-04-11', to: '2026-04-11' })).toEqual([late.body.id]);
    expect(await ids({ from: '2026-04-12', to: '2026-04-12' })).toEqual([next.body.id]);
    expect(await ids({ from: '2026-04-11', to: '2026-04-12' })).toEqual([late.body.id, next.body.id]);
    expectProblem(await t.http.get('/bookings').set(w.hirer.auth).query({ from: '2026-13-01' }), 400, 'validation_failed');
  });
});

describe('series whose weekdays leave out the first date', () => {
  it('refuses unless startLater is sent, and then says which dates were booked', async () => {
    const org = await makeOrg(t, [w.hirer.id], { claimedTier: 'statutory', paysByInvoice: true });
    const room = await makeRoom(t, w.hub.id);
    // 2026-03-16 is a Monday; the series asks for Wednesdays.
    const body = { roomId: room.id, organisationId: org.id, startsAt: '2026-03-16T10:00:00', endsAt: '2026-03-16T11:00:00', recurrence: { weekdays: [3], count: 2 } };
    const refused = await post(w.hirer.auth, body);
    expectProblem(refused, 422, 'series_start_not_in_weekdays');
    expect(await t.container.database.db.select().from(bookings).where(eq(bookings.organisationId, org.id))).toHaveLength(0);
    const ok = await post(w.hirer.auth, { ...body, recurrence: { ...body.recurrence, startLater: true } });
    expect(ok.status).toBe(201);
    expect(ok.body.series.bookedDates).toEqual(['2026-03-18', '2026-03-25']);
    const onDay = await post(w.hirer.auth, { ...body, startsAt: '2026-03-16T12:00:00', endsAt: '2026-03-16T13:00:00', recurrence: { weekdays: [1, 3], count: 3 } });
    expect(onDay.body.series.bookedDates).toEqual(['2026-03-16', '2026-03-18', '2026-03-23']);
  });
});

describe('a request that touches several bookings', () => {
  it('checks each booking of a series cancel against the caller: a date moved to another hub is not theirs to cancel', async () => {
    const org = await makeOrg(t, [w.hirer.id], { claimedTier: 'statutory', paysByInvoice: true });
    const room = await makeRoom(t, w.hub.id);
    const far = await makeRoom(t, w.otherHub.id);
    const made = await post(w.hirer.auth, { roomId: room.id, organisationId: org.id, startsAt: '2026-05-05T10:00:00', endsAt: '2026-05-05T11:00:00', recurrence: { weekdays: [2], count: 3 } });
    const ids: string[] = made.body.bookings.map((b: { id: string }) => b.id);
    const moved = await t.http.post(`/bookings/${ids[2]}/move`).set(w.hirer.auth).send({ roomId: far.id, startsAt: '2026-05-19T10:00:00', endsAt: '2026-05-19T11:00:00' });
    expect(moved.body.hubId).toBe(w.otherHub.id);

    const res = await t.http.post(`/bookings/${ids[0]}/cancel`).set(w.staff.auth).send({ scope: 'following', reason: 'Hall repairs' });
    expect(res.status).toBe(200);
    expect(res.body.cancelledBookingIds).toEqual([ids[0], ids[1]]);
    expect(res.body.skippedBookingIds).toEqual([ids[2]]);
    expect(await statusOf(ids[2])).toBe('confirmed');

    // The hirer (a member of the organisation) may cancel every date, wherever it is.
    const all = await post(w.hirer.auth, { roomId: room.id, organisationId: org.id, startsAt: '2026-06-02T10:00:00', endsAt: '2026-06-02T11:00:00', recurrence: { weekdays: [2], count: 2 } });
    const allIds: string[] = all.body.bookings.map((b: { id: string }) => b.id);
    await t.http.post(`/bookings/${allIds[1]}/move`).set(w.hirer.auth).send({ roomId: far.id, startsAt: '2026-06-09T10:00:00', endsAt: '2026-06-09T11:00:00' });
    const mine = await t.http.post(`/bookings/${allIds[0]}/cancel`).set(w.hirer.auth).send({ scope: 'following' });
    expect(mine.body.cancelledBookingIds).toEqual(allIds);
    expect(mine.body.skippedBookingIds).toEqual([]);
  });
});

describe('POSTs that need nothing', () => {
  it('accept an absent, empty or null body (checkout, cancel, revoke), and a route that needs a body still answers 400', async () => {
    const org = await makeOrg(t, [w.hirer.id], { claimedTier: 'private' });
    const b = await post(w.hirer.auth, { roomId: w.room.id, organisationId: org.id, startsAt: '2026-03-03T10:00:00', endsAt: '2026-03-03T11:00:00' });
    expect(b.body.status).toBe('awaiting_payment');
    // No Stripe in this app: checkout gets past validation to the domain's 503.
    expectProblem(await t.http.post(`/bookings/${b.body.id}/checkout`).set(w.hirer.auth), 503, 'payments_unavailable');
    expectProblem(await t.http.post(`/bookings/${b.body.id}/checkout`).set(w.hirer.auth).set('content-type', 'application/json'), 503, 'payments_unavailable');
    expectProblem(await t.http.post(`/bookings/${b.body.id}/checkout`).set(w.hirer.auth).set('content-type', 'application/json').send('null'), 503, 'payments_unavailable');
    expectProblem(await t.http.post(`/bookings/${b.body.id}/checkout`).set(w.hirer.auth).set('content-type', 'application/json').send('{"scope":'), 400, 'bad_request');
    expectProblem(await t.http.post(`/bookings/${b.body.id}/decline`).set(w.staff.auth), 400, 'validation_failed');

    const invoiced = await makeOrg(t, [w.hirer.id], { claimedTier: 'private', paysByInvoice: true });
    const door = await t.http.post(`/hubs/${w.hub.id}/doors`).set(w.staff.auth).send({ name: 'Front', provider: 'keypad', roomIds: [w.smallRoom.id] });
    expect(door.status).toBe(201);
    const c = await post(w.hirer.auth, { roomId: w.smallRoom.id, organisationId: invoiced.id, startsAt: '2026-03-02T14:00:00', endsAt: '2026-03-02T15:00:00' });
    expect(c.body.status).toBe('confirmed');
    const [code] = await t.container.database.db.select().from(accessCodes).where(eq(accessCodes.bookingId, c.body.id));
    const revoked = await t.http.post(`/access-codes/${code.id}/revoke`).set(w.staff.auth).set('content-type', 'application/json');
    expect(revoked.status).toBe(200);
    const cancelled = await t.http.post(`/bookings/${c.body.id}/cancel`).set(w.hirer.auth);
    expect(cancelled.body).toMatchObject({ status: 'cancelled', statusReason: 'cancelled_by_hirer', reason: null });
  });
});

describe('phone numbers', () => {
  it('stores a number written the UK way in E.164, and refuses one that cannot be texted, booking nothing', async () => {
    const org = await makeOrg(t, [w.hirer.id], { claimedTier: 'private', paysByInvoice: true });
    const ok = await post(w.hirer.auth, { roomId: w.smallRoom.id, organisationId: org.id, startsAt: '2026-03-04T10:00:00', endsAt: '2026-03-04T11:00:00', contactPhone: '07700 900123' });
    expect(ok.status).toBe(201);
    expect(ok.body.contactPhone).toBe('+447700900123');
    for (const contactPhone of ['020 7946 0000', 'not a number']) {
      const res = await post(w.hirer.auth, { roomId: w.smallRoom.id, organisationId: org.id, startsAt: '2026-03-04T12:00:00', endsAt: '2026-03-04T13:00:00', contactPhone });
      expectProblem(res, 400, 'validation_failed');
      expect(res.body.errors.map((e: { path: string }) => e.path)).toContain('body.contactPhone');
    }
    expect(await t.container.database.db.select().from(bookings).where(eq(bookings.organisationId, org.id))).toHaveLength(1);
    const made = await t.http.post('/organisations').set(w.hirer.auth).send({ name: 'Phone club', claimedTier: 'private', contactPhone: '+44 7911 123456' });
    expect(made.body.contactPhone).toBe('+447911123456');
  });
});

describe('search answers only what could be booked', () => {
  const ids = async (q: Record<string, string>, auth: Record<string, string> = {}) => {
    const res = await t.http.get('/search/rooms').set(auth).query({ hubId: w.hub.id, ...q });
    expect(res.status).toBe(200);
    return res.body.items.map((r: { id: string }) => r.id);
  };

  it('leaves out rooms inside the minimum notice (except for the hub staff) and beyond the advance limit', async () => {
    // The hub wants 60 minutes' notice; the clock reads 09:00Z.
    const soon = { startsAt: '2026-03-02T09:30:00Z', endsAt: '2026-03-02T10:30:00Z' };
    expect(await ids(soon)).toEqual([]);
    expect(await ids(soon, w.hirer.auth)).toEqual([]);
    expect(await ids(soon, w.otherStaff.auth)).toEqual([]);
    expect(await ids(soon, w.staff.auth)).toEqual(expect.arrayContaining([w.room.id, w.smallRoom.id]));
    expect(await ids({ startsAt: '2026-03-02T10:30:00Z', endsAt: '2026-03-02T11:30:00Z' })).toEqual(expect.arrayContaining([w.room.id, w.smallRoom.id]));
    expect(await ids({ startsAt: '2027-06-01T10:00:00Z', endsAt: '2027-06-01T11:00:00Z' })).toEqual([]);
    // A year outside the domain is bad input, not an empty answer (see bounded-work.test.ts).
    expect((await t.http.get('/search/rooms').query({ hubId: w.hub.id, startsAt: '9999-06-01T10:00:00Z', endsAt: '9999-06-01T11:00:00Z' })).status).toBe(400);
  });

  it('refuses a window in the past', async () => {
    expectProblem(await t.http.get('/search/rooms').query({ startsAt: '2026-03-01T10:00:00Z', endsAt: '2026-03-01T11:00:00Z' }), 422, 'in_the_past');
  });

  it('answers its window in the hub offset, to the second', async () => {
    const res = await t.http.get('/search/rooms').query({ hubId: w.hub.id, startsAt: '2026-04-01T10:00:00.250Z', endsAt: '2026-04-01T11:00:00Z' });
    expect(res.body).toMatchObject({ startsAt: '2026-04-01T11:00:00+01:00', endsAt: '2026-04-01T12:00:00+01:00' });
  });
});

describe('times out of rate cards', () => {
  it('are in the offset, to the second', async () => {
    const res = await t.http.get(`/hubs/${w.hub.id}/rate-card`).set(w.staff.auth);
    expect(res.status).toBe(200);
    expect(res.body.current.createdAt).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}[+-]\d{2}:\d{2}$/);
  });
});
